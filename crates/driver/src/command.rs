//! Report commands (`-top`, `-list=REGEX`, `-svg`, …): which report each produces and where its
//! output goes. Their names, parameters and help live in the flag table.

use ferroprof_report::OutputFormat;

use crate::flags::{Role, FLAGS};

/// A report command of `go tool pprof`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandName {
    /// `callgrind`.
    Callgrind,
    /// `comments`.
    Comments,
    /// `disasm`.
    Disasm,
    /// `dot`.
    Dot,
    /// `eog`.
    Eog,
    /// `evince`.
    Evince,
    /// `flame` (a ferroprof addition).
    Flame,
    /// `folded` (a ferroprof addition).
    Folded,
    /// `gif`.
    Gif,
    /// `gv`.
    Gv,
    /// `kcachegrind`.
    Kcachegrind,
    /// `list`.
    List,
    /// `pdf`.
    Pdf,
    /// `peek`.
    Peek,
    /// `png`.
    Png,
    /// `proto`.
    Proto,
    /// `ps`.
    Ps,
    /// `raw`.
    Raw,
    /// `svg`.
    Svg,
    /// `tags`.
    Tags,
    /// `text`.
    Text,
    /// `top`.
    Top,
    /// `topproto`.
    TopProto,
    /// `traces`.
    Traces,
    /// `tree`.
    Tree,
    /// `web`.
    Web,
    /// `weblist`.
    WebList,
}

/// Where a command's output goes when no `-output` is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Standard output.
    Stdout,
    /// Standard output, unless that is a terminal: then a temp file with this suffix
    /// (binary formats; pprof's `awayFromTTY`).
    AwayFromTty(&'static str),
    /// The dot output is rendered by Graphviz's `dot -T<format>` first.
    Graphviz(&'static str),
    /// The report is opened in an external viewer or browser.
    Viewer,
}

impl CommandName {
    /// The command's name, as typed.
    pub fn name(self) -> &'static str {
        FLAGS
            .iter()
            .find(|f| matches!(f.role, Role::Command(c) if c == self))
            .map_or("", |f| f.name)
    }

    /// The report the command writes.
    pub fn format(self) -> OutputFormat {
        use CommandName::*;
        match self {
            Callgrind | Kcachegrind => OutputFormat::Callgrind,
            Comments => OutputFormat::Comments,
            Disasm => OutputFormat::Dis,
            Flame => OutputFormat::Flame,
            Folded => OutputFormat::Folded,
            Dot | Eog | Evince | Gif | Gv | Pdf | Png | Ps | Svg | Web => OutputFormat::Dot,
            List => OutputFormat::List,
            Peek => OutputFormat::Peek,
            Proto => OutputFormat::Proto,
            Raw => OutputFormat::Raw,
            Tags => OutputFormat::Tags,
            Text | Top => OutputFormat::Text,
            TopProto => OutputFormat::TopProto,
            Traces => OutputFormat::Traces,
            Tree => OutputFormat::Tree,
            WebList => OutputFormat::WebList,
        }
    }

    /// Where the output goes without `-output`.
    pub fn delivery(self) -> Delivery {
        use CommandName::*;
        match self {
            Callgrind => Delivery::AwayFromTty("callgraph.out"),
            Proto | TopProto => Delivery::AwayFromTty("pb.gz"),
            Gif => Delivery::Graphviz("gif"),
            Pdf => Delivery::Graphviz("pdf"),
            Png => Delivery::Graphviz("png"),
            Ps => Delivery::Graphviz("ps"),
            Svg => Delivery::Graphviz("svg"),
            Flame => Delivery::AwayFromTty("svg"),
            Eog | Evince | Gv | Web | Kcachegrind | WebList => Delivery::Viewer,
            _ => Delivery::Stdout,
        }
    }
}

/// A command with its regexp parameter, ready to run.
#[derive(Clone, Debug)]
pub struct Command {
    /// Which command.
    pub name: CommandName,
    /// The compiled parameter of `-list`, `-peek`, `-disasm` and `-weblist`.
    pub symbol: Option<regex::Regex>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::Kind;

    #[test]
    fn every_command_has_one_flag_whose_kind_says_whether_it_takes_a_regexp() {
        let param = [CommandName::Disasm, CommandName::List, CommandName::Peek];
        for flag in FLAGS {
            if let Role::Command(c) = flag.role {
                assert_eq!(c.name(), flag.name);
                let takes_param = param.contains(&c) || c == CommandName::WebList;
                assert_eq!(flag.kind == Kind::Text, takes_param, "{}", flag.name);
            }
        }
        assert_eq!(CommandName::TopProto.name(), "topproto");
        assert_eq!(CommandName::Peek.format(), OutputFormat::Peek);
        assert_eq!(CommandName::Svg.delivery(), Delivery::Graphviz("svg"));
    }
}
