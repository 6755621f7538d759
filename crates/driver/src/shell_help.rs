//! The shell's `help` and `help <command|option>`, in pprof's words and layout, generated from
//! the flag table.

use crate::command::CommandName;
use crate::flags::{choice_groups, Role, FLAGS};
use crate::ui::Ui;

const N_HELP: &str = "Include up to n samples";
const FOCUS_HELP: &str = "Include samples matching focus_regex, and exclude ignore_regex.";
const FUNC_HELP: &str =
    "Include functions matching func_regex, or including the address specified.";
const CUM_HELP: &str = "-cum sorts the output by cumulative weight";
const SAVE_HELP: &str = "Optionally save the report on the file f";

/// Prints the help for `topic` (a command or an option), or the overview when it is empty.
pub fn print_help(topic: &str, ui: &mut dyn Ui) {
    if topic.is_empty() {
        ui.print_err(&overview());
        return;
    }
    let Some(flag) = FLAGS.iter().find(|f| f.name == topic) else {
        ui.print_err(&format!("Unknown command: {topic}"));
        return;
    };
    match flag.role {
        Role::Command(c) => {
            let mut text = format!("{}\n", flag.help);
            if let Some(usage) = usage(c) {
                text += "  Usage:\n";
                for line in usage.lines() {
                    text += &format!("    {line}\n");
                }
            }
            ui.print_err(&(text + "\n"));
        }
        Role::Option { .. } | Role::Choice { .. } => ui.print_err(&format!("{}\n", flag.help)),
        _ => ui.print_err(&format!("Unknown command: {topic}")),
    }
}

/// A command's usage lines (pprof's `command.usage`).
fn usage(command: CommandName) -> Option<String> {
    use CommandName::*;
    let name = command.name();
    let lines: Vec<String> = match command {
        Top | Text | Tree => vec![
            format!("{name} [n] [focus_regex]* [-ignore_regex]* [-cum] >f"),
            N_HELP.into(),
            FOCUS_HELP.into(),
            CUM_HELP.into(),
            SAVE_HELP.into(),
        ],
        Dot | Callgrind | Gif | Pdf | Png | Ps | Svg => vec![
            format!("{name} [n] [focus_regex]* [-ignore_regex]* >f"),
            N_HELP.into(),
            FOCUS_HELP.into(),
            SAVE_HELP.into(),
        ],
        Web | Eog | Evince | Gv | Kcachegrind => vec![
            format!("{name} [n] [focus_regex]* [-ignore_regex]*"),
            N_HELP.into(),
            FOCUS_HELP.into(),
        ],
        List | WebList => vec![
            format!("{name}<func_regex|address> [-focus_regex]* [-ignore_regex]*"),
            FUNC_HELP.into(),
            FOCUS_HELP.into(),
        ],
        Disasm => vec![
            format!("{name}<func_regex|address> [-focus_regex]* [-ignore_regex]* >f"),
            FUNC_HELP.into(),
            FOCUS_HELP.into(),
            SAVE_HELP.into(),
        ],
        Peek => vec![
            "peek func_regex".into(),
            "Display callers and callees of functions matching func_regex.".into(),
        ],
        Tags => vec![
            "tags [tag_regex]* [-ignore_regex]* [>file]".into(),
            "List tags with key:value matching tag_regex and exclude ignore_regex.".into(),
        ],
        Comments | Flame | Folded | Proto | Raw | TopProto | Traces => return None,
    };
    Some(lines.join("\n"))
}

/// `    name             summary` (the name padded to 16 columns).
fn entry(indent: &str, name: &str, summary: &str) -> String {
    format!("{indent}{name:<16} {summary}\n")
}

/// The overview: commands, options, option groups and the `:` shortcut.
fn overview() -> String {
    let mut commands: Vec<_> = FLAGS
        .iter()
        .filter(|f| matches!(f.role, Role::Command(_)))
        .collect();
    commands.sort_by_key(|f| f.name);
    let mut text = String::from("  Commands:\n");
    for f in commands {
        text += &entry("    ", f.name, f.summary());
    }
    text += &entry("    ", "o/options", "List options and their current values");
    text += &entry("    ", "q/quit/exit/^D", "Exit pprof");
    text += "\n  Options:\n";
    let mut options: Vec<_> = FLAGS
        .iter()
        .filter(|f| matches!(f.role, Role::Option { .. }) && !f.help.is_empty())
        .collect();
    options.sort_by_key(|f| f.name);
    for f in options {
        text += &entry("    ", f.name, f.summary());
    }
    text += "\n  Option groups (only set one per group):\n";
    for (group, choices) in choice_groups() {
        text += &entry("    ", group, "");
        for f in choices {
            text += &entry("      ", f.name, f.summary());
        }
    }
    text + "  :   Clear focus/ignore/hide/tagfocus/tagignore\n\n  type \"help <cmd|option>\" for more information\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::CapturedUi;

    fn help(topic: &str) -> String {
        let mut ui = CapturedUi::default();
        print_help(topic, &mut ui);
        ui.messages.join("\n")
    }

    #[test]
    fn command_help_reads_as_pprofs() {
        assert_eq!(
            help("top"),
            "Outputs top entries in text form\n  Usage:\n    top [n] [focus_regex]* \
             [-ignore_regex]* [-cum] >f\n    Include up to n samples\n    Include samples \
             matching focus_regex, and exclude ignore_regex.\n    -cum sorts the output by \
             cumulative weight\n    Optionally save the report on the file f"
        );
        assert_eq!(help("traces"), "Outputs all profile samples in text form");
        assert!(help("focus").starts_with("Restricts to samples going through a node"));
        assert_eq!(help("bogus"), "Unknown command: bogus");
    }

    #[test]
    fn the_overview_lists_commands_options_and_groups() {
        let text = help("");
        assert!(text.contains("    callgrind        Outputs a graph in callgrind format\n"));
        assert!(text.contains("    q/quit/exit/^D   Exit pprof\n"));
        assert!(text.contains("    relative_percentages Show percentages relative"));
        assert!(text.contains("    granularity      \n      functions        Aggregate"));
    }
}
