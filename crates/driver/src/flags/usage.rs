//! `-help`: the usage text, generated from the flag table in `go tool pprof`'s layout.

use super::{choice_groups, Flag, Role, FLAGS};

const HEADER: &str = "usage:

Produce output in the specified format.

   ferroprof <format> [options] [binary] <source> ...

Omit the format to get an interactive shell whose commands can be used
to generate various views of a profile

   ferroprof [options] [binary] <source> ...

Omit the format and provide the \"-http\" flag to get an interactive web
interface at the specified host:port that can be used to navigate through
various views of a profile.

   ferroprof -http [host]:[port] [options] [binary] <source> ...

Details:
";

/// What a source argument can be, listed after the source flags.
const SOURCES: [(&str, &str); 4] = [
    ("profile.pb.gz", "Profile in compressed protobuf format"),
    ("legacy_profile", "Profile in legacy pprof format"),
    ("http://host/prof", "URL for profile handler to retrieve"),
    (
        "binary",
        "Local path or build id of binary for symbolization",
    ),
];

const ENVIRONMENT: &str = "  Environment Variables:
   PPROF_TMPDIR       Location for saved profiles (default $HOME/pprof)
   PPROF_TOOLS        Search path for object-level tools
   PPROF_BINARY_PATH  Search path for local binary files
                      default: $HOME/pprof/binaries
                      searches $name, $path, $buildid/$name, $path/$buildid
";

/// One `-name  summary` line, in pprof's column layout.
fn line(indent: &str, name: &str, help: &str) -> String {
    format!("{indent}{name:<16} {help}").trim_end().to_string() + "\n"
}

/// Lines for the flags selected by `keep`, sorted by name when `sorted`.
fn section(title: &str, keep: impl Fn(&Flag) -> bool, sorted: bool) -> String {
    let mut flags: Vec<&Flag> = FLAGS.iter().filter(|f| keep(f)).collect();
    if sorted {
        flags.sort_by_key(|f| f.name);
    }
    let mut out = format!("  {title}\n");
    for f in flags {
        out += &line("    ", &format!("-{}", f.name), f.summary());
    }
    out
}

/// Option groups: each multiple-choice option with its choices.
fn option_groups() -> String {
    let mut out = String::from("  Option groups (only set one per group):\n");
    for (group, choices) in choice_groups() {
        out += &line("    ", group, "");
        for f in choices {
            out += &line("      ", &format!("-{}", f.name), f.summary());
        }
    }
    out
}

/// The text `-help` prints.
pub fn usage() -> String {
    let sections = [
        section(
            "Output formats (select at most one):",
            |f| matches!(f.role, Role::Command(_)),
            true,
        ),
        section(
            "Options:",
            |f| matches!(f.role, Role::Option { .. }) && !f.help.is_empty(),
            true,
        ),
        option_groups(),
        section("Source options:", |f| matches!(f.role, Role::Source), false)
            + &SOURCES
                .map(|(name, help)| line("    ", name, help))
                .concat(),
        section("Misc options:", |f| matches!(f.role, Role::Misc), false),
        section(
            "Legacy convenience options:",
            |f| matches!(f.role, Role::SampleShortcut { .. }),
            false,
        ),
        ENVIRONMENT.to_string(),
    ];
    HEADER.to_string() + &sections.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_lists_every_flag_of_the_table() {
        let text = usage();
        for f in FLAGS {
            let listed =
                text.contains(&format!("-{} ", f.name)) || text.contains(&format!("-{}\n", f.name));
            assert_eq!(listed, f.is_command_line_flag(), "-{}", f.name);
        }
        assert!(text.contains("    -nodecount       Max number of nodes to show\n"));
        assert!(text.contains("    granularity\n      -functions       Aggregate at the function"));
    }
}
