//! The shell's input: a line editor with history and completion on a terminal (rustyline), or
//! lines read from a pipe with the prompt printed as pprof prints it.

use std::io::{BufRead, Write};

use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use crate::flags::{Role, FLAGS};
use crate::shell::LineReader;

/// Lines from any reader (standard input that is not a terminal); the prompt goes to `prompt_out`.
pub struct PlainLines<R, W> {
    input: R,
    prompt_out: W,
}

impl<R, W> std::fmt::Debug for PlainLines<R, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlainLines")
    }
}

impl<R: BufRead, W: Write> PlainLines<R, W> {
    /// Lines of `input`, prompts written to `prompt_out`.
    pub fn new(input: R, prompt_out: W) -> Self {
        PlainLines { input, prompt_out }
    }
}

impl<R: BufRead, W: Write> LineReader for PlainLines<R, W> {
    fn read_line(&mut self, prompt: &str) -> Option<String> {
        // A prompt that cannot be shown does not stop the commands from running.
        let _ = write!(self.prompt_out, "{prompt}").and_then(|()| self.prompt_out.flush());
        let mut line = String::new();
        match self.input.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_string()),
        }
    }
}

/// A line editor on the terminal: history (up/down, Ctrl-R) and tab completion of commands,
/// options and function names.
pub struct EditorLines {
    editor: Editor<Completions, DefaultHistory>,
}

impl std::fmt::Debug for EditorLines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EditorLines")
    }
}

impl EditorLines {
    /// An editor completing `functions` (the profile's function names) besides commands and
    /// options; `None` when the terminal cannot be set up.
    pub fn new(functions: Vec<String>) -> Option<EditorLines> {
        let mut editor = Editor::new().ok()?;
        editor.set_helper(Some(Completions::new(functions)));
        Some(EditorLines { editor })
    }
}

impl LineReader for EditorLines {
    fn read_line(&mut self, prompt: &str) -> Option<String> {
        loop {
            match self.editor.readline(prompt) {
                Ok(line) => {
                    if !line.trim().is_empty() {
                        // A duplicate or an unrecordable entry is not worth failing for.
                        let _ = self.editor.add_history_entry(line.as_str());
                    }
                    return Some(line);
                }
                // Ctrl-C abandons the line being typed, not the session.
                Err(ReadlineError::Interrupted) => continue,
                Err(_) => return None,
            }
        }
    }
}

/// What tab completes: the first word from commands and options (`name=`), later words from
/// function names.
pub struct Completions {
    words: Vec<String>,
    functions: Vec<String>,
}

impl Completions {
    fn new(mut functions: Vec<String>) -> Completions {
        functions.sort();
        functions.dedup();
        let mut words: Vec<String> = FLAGS
            .iter()
            .filter_map(|f| match f.role {
                Role::Command(_) => Some(f.name.to_string()),
                Role::Option { .. } | Role::Choice { .. } => Some(format!("{}=", f.name)),
                _ => None,
            })
            .chain(["help", "options", "quit", "exit"].map(String::from))
            .collect();
        words.sort();
        Completions { words, functions }
    }

    /// The start of the word at `pos` and the candidates for it.
    fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = &before[start..];
        let pool = if before[..start].trim().is_empty() {
            &self.words
        } else {
            &self.functions
        };
        let found = pool
            .iter()
            .filter(|w| w.starts_with(word))
            .cloned()
            .collect();
        (start, found)
    }
}

impl Completer for Completions {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.candidates(line, pos))
    }
}

impl Hinter for Completions {
    type Hint = String;
}

impl Highlighter for Completions {}

impl Validator for Completions {}

impl Helper for Completions {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_print_the_prompt_and_end_at_eof() {
        let mut prompts = Vec::new();
        let mut lines = PlainLines::new(&b"top\r\nquit\n"[..], &mut prompts);
        assert_eq!(lines.read_line("(pprof) ").as_deref(), Some("top"));
        assert_eq!(lines.read_line("(pprof) ").as_deref(), Some("quit"));
        assert_eq!(lines.read_line("(pprof) "), None);
        assert_eq!(prompts, b"(pprof) (pprof) (pprof) ");
    }

    #[test]
    fn completion_offers_commands_first_and_functions_after() {
        let c = Completions::new(vec!["main.sortLoop".into(), "main.main".into()]);
        assert_eq!(
            c.candidates("to", 2),
            (0, vec!["top".into(), "topproto".into()])
        );
        assert_eq!(c.candidates("nodec", 5), (0, vec!["nodecount=".into()]));
        assert_eq!(
            c.candidates("list main.s", 11),
            (5, vec!["main.sortLoop".to_string()])
        );
    }
}
