//! The interactive shell (`go tool pprof`'s `interactive`): the `(pprof) ` prompt, option
//! assignments, `help`, `options`, and report commands with their shell arguments, each report
//! produced by the same pipeline as the command line's flags.

use ferroprof_profile::{ops, Profile};

use crate::command::{Command, CommandName};
use crate::config::{Config, NodeCount, SortOrder};
use crate::error::{Error, Result};
use crate::flags::{self, Kind, Role, FLAGS};
use crate::ui::Ui;

/// Where the shell's lines come from: a line editor on a terminal, or plain standard input.
pub trait LineReader {
    /// Shows `prompt` and reads one line (without its newline); `None` at the end of input.
    fn read_line(&mut self, prompt: &str) -> Option<String>;
}

/// What a line asks the shell to do.
enum Step {
    /// Read the next line.
    Continue,
    /// Leave the shell.
    Quit,
}

/// The shell's state: the profile and the options set so far.
pub struct Shell<'a> {
    profile: &'a Profile,
    config: Config,
}

impl std::fmt::Debug for Shell<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shell")
            .field("config", &self.config)
            .finish()
    }
}

impl<'a> Shell<'a> {
    /// A shell over `profile`, starting from the command line's options (with compact labels,
    /// as pprof's shell sets them).
    pub fn new(profile: &'a Profile, mut config: Config) -> Shell<'a> {
        config.compact_labels = true;
        Shell { profile, config }
    }

    /// Greets, then runs lines from `input` until `quit` or the end of input. Reports go to
    /// `stdout`, messages to `ui`.
    pub fn run(
        &mut self,
        input: &mut dyn LineReader,
        ui: &mut dyn Ui,
        stdout: &mut dyn std::io::Write,
    ) -> Result<()> {
        for line in crate::pipeline::greeting(self.profile, &self.config) {
            ui.print_err(&line);
        }
        while let Some(line) = input.read_line("(pprof) ") {
            for command in self.expand(&line) {
                match self.execute(&command, ui, stdout) {
                    Ok(Step::Continue) => {}
                    Ok(Step::Quit) => return Ok(()),
                    Err(e) if e.is_broken_pipe() => return Err(e),
                    Err(e) => ui.print_err(&e.to_string()),
                }
            }
        }
        Ok(())
    }

    /// pprof's shortcuts: `:` clears the filters; a sample type `T` selects it, `total_T` and
    /// `mean_T` also set `mean`.
    fn expand(&self, line: &str) -> Vec<String> {
        let line = line.trim();
        if line == ":" {
            return ["focus=", "ignore=", "hide=", "tagfocus=", "tagignore="]
                .map(String::from)
                .to_vec();
        }
        for t in &self.profile.sample_type {
            let select = format!("sample_index={}", t.r#type);
            if line == t.r#type {
                return vec![select];
            }
            if line.strip_prefix("total_") == Some(t.r#type.as_str()) {
                return vec!["mean=0".into(), select];
            }
            if line.strip_prefix("mean_") == Some(t.r#type.as_str()) {
                return vec!["mean=1".into(), select];
            }
        }
        vec![line.to_string()]
    }

    fn execute(
        &mut self,
        line: &str,
        ui: &mut dyn Ui,
        stdout: &mut dyn std::io::Write,
    ) -> Result<Step> {
        let (name, value) = match line.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v)),
            None => (line.trim(), None),
        };
        if flags::lookup_option(name).is_some() {
            self.assign(name, value)?;
            return Ok(Step::Continue);
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some(first) = tokens.first() else {
            return Ok(Step::Continue);
        };
        match *first {
            "o" | "options" => ui.print_err(&self.options_text()),
            "exit" | "quit" | "q" => return Ok(Step::Quit),
            "help" => crate::shell_help::print_help(&tokens[1..].join(" "), ui),
            _ => {
                let (command, config) = self.parse_command(&tokens)?;
                self.report(&command, &config, ui, stdout)?;
            }
        }
        Ok(Step::Continue)
    }

    /// `name=value` (or a bool name alone): sets an option for the rest of the session.
    fn assign(&mut self, name: &str, value: Option<&str>) -> Result<()> {
        let flag = flags::lookup_option(name).expect("checked by the caller");
        let is_choice = matches!(flag.role, Role::Choice { .. });
        let Some(value) = value else {
            if flag.kind != Kind::Bool || is_choice {
                if is_choice {
                    return Err(Error::Usage(format!("unknown config field {name:?}")));
                }
                return Err(Error::Usage(format!(
                    "please specify a value, e.g. {name}=<val>"
                )));
            }
            return self.set(name, "");
        };
        // A `//:` comment (as `options` prints them) may follow the value.
        let value = value.rfind("//:").map_or(value, |at| &value[..at]).trim();
        if is_choice && !matches!(value, "1" | "t" | "T" | "true" | "TRUE" | "True") {
            // pprof sets a choice only from a true value in Go's strict syntax.
            return Err(Error::Usage(format!("unknown config field {name:?}")));
        }
        if name == "sample_index" {
            let index = ops::sample_index_by_name(self.profile, value)
                .map_err(|e| Error::Usage(e.to_string()))?;
            let type_name = self.profile.sample_type[index].r#type.clone();
            return self.set(name, &type_name);
        }
        self.set(name, value)
    }

    fn set(&mut self, name: &str, value: &str) -> Result<()> {
        self.config
            .set(name, value)
            .map_err(|e| Error::Usage(e.to_string()))
    }

    /// The `options` listing: `  name = value //: choices`, sorted, as pprof prints it.
    fn options_text(&self) -> String {
        let types: Vec<&str> = self
            .profile
            .sample_type
            .iter()
            .map(|t| t.r#type.as_str())
            .collect();
        let mut lines = Vec::new();
        for flag in FLAGS {
            if !matches!(flag.role, Role::Option { .. }) || flag.name == "source_path" {
                continue;
            }
            let mut value = self.config.get(flag.name).unwrap_or_default();
            let choices = choices_of(flag.name);
            let comment = if !choices.is_empty() {
                format!("[{}]", choices.join(" | "))
            } else if flag.name == "sample_index" {
                if value.is_empty() {
                    value = types.last().copied().unwrap_or_default().to_string();
                }
                format!("[{}]", types.join(" | "))
            } else if flag.name == "nodecount" && value == "-1" {
                "default".to_string()
            } else {
                if value.is_empty() {
                    value = "\"\"".into();
                }
                String::new()
            };
            let comment = if comment.is_empty() {
                comment
            } else {
                format!("//: {comment}")
            };
            lines.push(format!("  {:<25} = {:<20} {comment}", flag.name, value));
        }
        lines.sort();
        lines.join("\n")
    }

    /// pprof's `parseCommandLine`: the command (`top10` splits into `top 10`), its regexp
    /// argument, then a node count, `>file`, `-cum`, `-ignore_re` and `focus_re` arguments that
    /// apply to this report only.
    fn parse_command(&self, tokens: &[&str]) -> Result<(Command, Config)> {
        let mut name = tokens[0].to_string();
        let mut args: Vec<String> = tokens[1..].iter().map(|s| s.to_string()).collect();
        let mut command = find_command(&name);
        if command.is_none() {
            let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            if digits > 0 && digits < name.len() {
                let count = name.split_off(name.len() - digits);
                args.insert(0, count);
                command = find_command(&name);
            }
        }
        let Some(command_name) = command else {
            if flags::lookup_option(&name).is_some() {
                let value = args.first().map_or("<val>", String::as_str);
                return Err(Error::Usage(format!("did you mean: {name}={value}")));
            }
            return Err(Error::Usage(format!("unrecognized command: {name:?}")));
        };
        let takes_param = FLAGS.iter().any(|f| f.name == name && f.kind == Kind::Text);
        let mut symbol = None;
        if takes_param {
            if args.is_empty() {
                return Err(Error::Usage(format!("command {name} requires an argument")));
            }
            symbol = Some(crate::args::compile_symbol(&args.remove(0))?);
        }
        let config = self.command_config(command_name, &args)?;
        Ok((
            Command {
                name: command_name,
                symbol,
            },
            config,
        ))
    }

    /// The options for one command: the session's, changed by the command's arguments.
    fn command_config(&self, name: CommandName, args: &[String]) -> Result<Config> {
        let mut config = self.config.clone();
        let (mut focus, mut ignore) = (String::new(), String::new());
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            if let Ok(n) = arg.parse::<i32>() {
                config.nodecount = NodeCount::from_go(i64::from(n));
            } else if let Some(file) = arg.strip_prefix('>') {
                let file = if file.is_empty() {
                    args.next()
                        .ok_or_else(|| Error::Usage("unexpected end of line after >".into()))?
                } else {
                    file
                };
                config.output = Some(file.into());
            } else if arg == "-cum" || arg == "--cum" {
                config.sort = SortOrder::Cum;
            } else if let Some(re) = arg.strip_prefix('-') {
                ignore = join_regex(&ignore, re);
            } else {
                focus = join_regex(&focus, arg);
            }
        }
        let (focus_option, ignore_option) = if name == CommandName::Tags {
            ("tagfocus", "tagignore")
        } else {
            ("focus", "ignore")
        };
        for (option, value) in [(focus_option, focus), (ignore_option, ignore)] {
            if !value.is_empty() {
                config
                    .set(option, &value)
                    .map_err(|e| Error::Usage(e.to_string()))?;
            }
        }
        if config.nodecount == NodeCount::Default
            && matches!(name, CommandName::Top | CommandName::Text)
        {
            config.nodecount = NodeCount::Limit(10);
        }
        Ok(config)
    }

    /// Generates and delivers one report; binary formats always go to a file, as in pprof's
    /// interactive mode.
    fn report(
        &self,
        command: &Command,
        config: &Config,
        ui: &mut dyn Ui,
        stdout: &mut dyn std::io::Write,
    ) -> Result<()> {
        let mut report = Vec::new();
        crate::pipeline::generate_report(self.profile, command, config, ui, &mut report)?;
        let mut shell_ui = AwayFromTerminal(ui);
        crate::output::deliver(
            report,
            command.name,
            config.output.as_deref(),
            &mut shell_ui,
            stdout,
        )
    }
}

/// The report command named `name`, as typed in the shell.
fn find_command(name: &str) -> Option<CommandName> {
    FLAGS.iter().find_map(|f| match f.role {
        Role::Command(c) if f.name == name => Some(c),
        _ => None,
    })
}

/// The choices of a multiple-choice option, sorted (`granularity`, `sort`).
fn choices_of(option: &str) -> Vec<&'static str> {
    let mut choices: Vec<&str> = FLAGS
        .iter()
        .filter(|f| matches!(f.role, Role::Choice { option: o, .. } if o == option))
        .map(|f| f.name)
        .collect();
    choices.sort_unstable();
    choices
}

fn join_regex(a: &str, b: &str) -> String {
    if !a.is_empty() && !b.is_empty() {
        format!("{a}|{b}")
    } else {
        format!("{a}{b}")
    }
}

/// The shell's view of the terminal: binary reports are written to files, as if standard
/// output were a terminal (pprof's `interactiveMode` in `awayFromTTY`).
struct AwayFromTerminal<'a>(&'a mut dyn Ui);

impl Ui for AwayFromTerminal<'_> {
    fn print_err(&mut self, message: &str) {
        self.0.print_err(message);
    }

    fn is_terminal(&self) -> bool {
        true
    }

    fn is_err_terminal(&self) -> bool {
        self.0.is_err_terminal()
    }
}
