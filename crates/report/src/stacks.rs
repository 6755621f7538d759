//! The flame graph's data: every sample's stack, root first, over a table of distinct frames
//! (pprof's `report.StackSet`, whose JSON the web UI embeds).
//!
//! Stacks deeper than [`MAX_STACK_DEPTH`] keep their root-most frames and end in a
//! [`TRUNCATED_FRAME`] that carries the rest of the value, so the page stays bounded.

use std::collections::HashMap;
use std::io::Write;

use ferroprof_profile::{Location, Profile, ProfileIndex};

use crate::measurement;
use crate::paths;
use crate::report::Report;
use crate::Result;

/// The most frames one stack keeps, the root pseudo-frame included.
pub const MAX_STACK_DEPTH: usize = 1024;

/// The name of the frame that stands for the frames cut from a deep stack.
pub const TRUNCATED_FRAME: &str = "[truncated]";

/// Every sample's stack and the frames they are made of.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StackSet {
    /// The total the percentages refer to, in sample units.
    pub total: i64,
    /// Multiply a value by this to get it in [`StackSet::unit`].
    pub scale: f64,
    /// The sample type (`cpu`, `alloc_space`).
    pub sample_type: String,
    /// `s`, `B` or empty for counts.
    pub unit: String,
    /// One entry per distinct stack (and sign) with a non-zero value.
    pub stacks: Vec<Stack>,
    /// The distinct frames; entry 0 is the root pseudo-frame every stack starts with.
    pub sources: Vec<StackSource>,
}

/// One sample's stack.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stack {
    /// The sample's value (negative for a diff base's samples).
    pub value: i64,
    /// Indices into [`StackSet::sources`], root first.
    pub sources: Vec<u32>,
}

/// A distinct frame: a function, inlined or not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StackSource {
    /// The function's full name.
    pub full_name: String,
    /// Its source file.
    pub file_name: String,
    /// Whether the frame was inlined into its caller.
    pub inlined: bool,
    /// The value of the samples whose leaf is this frame.
    pub self_value: i64,
    /// A colour index shared by the frames of one package.
    pub color: u32,
}

/// Builds the stack set of the report's (already filtered and aggregated) profile.
pub fn stack_set(rpt: &Report<'_>) -> StackSet {
    let options = rpt.options();
    let (scale, unit) = display_unit(&options.sample_unit);
    let mut builder = Builder::new(rpt.profile());
    for sample in &rpt.profile().sample {
        let mut value = rpt.sample_value(sample);
        let divisor = rpt.sample_mean_divisor(sample);
        if divisor > 0 {
            value /= divisor;
        }
        if value == 0 {
            continue;
        }
        builder.add(value, &sample.location);
    }
    StackSet {
        total: rpt.total(),
        scale: scale * options.ratio(),
        sample_type: options.sample_type.clone(),
        unit,
        stacks: builder.stacks,
        sources: builder.sources,
    }
}

/// The base unit values are shown in and the factor from the sample unit to it.
fn display_unit(sample_unit: &str) -> (f64, String) {
    for base in ["s", "B"] {
        if ferroprof_profile::ops::units::same_unit_family(sample_unit, base) {
            let (scale, unit) = measurement::scale(1_000_000_000, sample_unit, base);
            return (scale / 1e9, unit);
        }
    }
    (1.0, String::new())
}

struct Builder<'p> {
    profile: &'p Profile,
    index: ProfileIndex,
    ids: HashMap<(String, bool), u32>,
    /// Where each distinct (frames, sign) already is in `stacks`.
    merged: HashMap<(Vec<u32>, bool), usize>,
    packages: HashMap<String, u32>,
    stacks: Vec<Stack>,
    sources: Vec<StackSource>,
}

impl<'p> Builder<'p> {
    fn new(profile: &'p Profile) -> Self {
        let root = StackSource {
            full_name: "root".into(),
            ..StackSource::default()
        };
        Builder {
            profile,
            index: ProfileIndex::new(profile),
            ids: HashMap::new(),
            merged: HashMap::new(),
            packages: HashMap::new(),
            stacks: Vec::new(),
            sources: vec![root],
        }
    }

    /// Adds a sample whose locations are listed leaf first.
    fn add(&mut self, value: i64, locations: &[ferroprof_profile::LocationId]) {
        let mut frames = vec![0u32];
        for id in locations.iter().rev() {
            let Some(loc) = self.index.location(self.profile, *id) else {
                continue;
            };
            for (name, file, inlined) in frames_of(self.profile, &self.index, loc) {
                frames.push(self.source(name, file, inlined));
            }
        }
        if frames.len() > MAX_STACK_DEPTH {
            frames.truncate(MAX_STACK_DEPTH - 1);
            let cut = self.source(TRUNCATED_FRAME.to_string(), String::new(), false);
            frames.push(cut);
        }
        if let Some(&leaf) = frames.last() {
            self.sources[leaf as usize].self_value += value;
        }
        // Samples that differ only below the report's granularity draw the same stack; a diff
        // base's negative values stay apart so that both sides remain visible.
        match self.merged.entry((frames, value < 0)) {
            std::collections::hash_map::Entry::Occupied(e) => self.stacks[*e.get()].value += value,
            std::collections::hash_map::Entry::Vacant(e) => {
                let sources = e.key().0.clone();
                e.insert(self.stacks.len());
                self.stacks.push(Stack { value, sources });
            }
        }
    }

    fn source(&mut self, name: String, file: String, inlined: bool) -> u32 {
        if let Some(&id) = self.ids.get(&(name.clone(), inlined)) {
            return id;
        }
        let id = self.sources.len() as u32;
        let next = self.packages.len() as u32;
        let color = *self.packages.entry(package_of(&name)).or_insert(next);
        self.ids.insert((name.clone(), inlined), id);
        self.sources.push(StackSource {
            full_name: name,
            file_name: file,
            inlined,
            self_value: 0,
            color,
        });
        id
    }
}

/// A location's frames, caller first: (name, file, inlined into its caller).
fn frames_of(p: &Profile, index: &ProfileIndex, loc: &Location) -> Vec<(String, String, bool)> {
    if loc.line.is_empty() {
        let name = match loc.mapping_id.and_then(|m| index.mapping(p, m)) {
            Some(m) if !m.filename.is_empty() => format!("[{}]", paths::base(&m.filename)),
            _ => format!("{:016x}", loc.address),
        };
        return vec![(name, String::new(), false)];
    }
    let last = loc.line.len() - 1;
    loc.line
        .iter()
        .enumerate()
        .rev()
        .map(|(i, line)| {
            let f = line.function_id.and_then(|id| index.function(p, id));
            // At file granularity functions keep only their file.
            let name = f
                .map(|f| f.name.clone())
                .filter(|n| !n.is_empty())
                .or_else(|| f.map(|f| f.filename.clone()).filter(|n| !n.is_empty()))
                .unwrap_or_else(|| format!("{:016x}", loc.address));
            let file = f.map(|f| f.filename.clone()).unwrap_or_default();
            (name, file, i < last)
        })
        .collect()
}

/// The package part of a function name: what precedes the last `.` before any `(`, or `::`.
fn package_of(name: &str) -> String {
    let head = name.split('(').next().unwrap_or(name);
    let head = head.rsplit_once("::").map_or(head, |(pkg, _)| pkg);
    let tail = head.rsplit('/').next().unwrap_or(head);
    let cut = tail
        .find('.')
        .map_or(head.len(), |i| head.len() - tail.len() + i);
    head[..cut].to_string()
}

/// Writes the set as compact JSON with Go's field names, safe to embed in an HTML page:
/// `<`, `>`, `&` and the JavaScript line separators are escaped.
pub fn write_json(set: &StackSet, out: &mut dyn Write) -> Result<()> {
    write!(
        out,
        "{{\"Total\":{},\"Scale\":{},\"Type\":{},\"Unit\":{},\"Stacks\":[",
        set.total,
        json_number(set.scale),
        json_string(&set.sample_type),
        json_string(&set.unit)
    )?;
    for (i, stack) in set.stacks.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        write!(out, "{sep}{{\"Value\":{},\"Sources\":[", stack.value)?;
        for (j, s) in stack.sources.iter().enumerate() {
            write!(out, "{}{s}", if j == 0 { "" } else { "," })?;
        }
        out.write_all(b"]}")?;
    }
    out.write_all(b"],\"Sources\":[")?;
    for (i, s) in set.sources.iter().enumerate() {
        write!(
            out,
            "{}{{\"FullName\":{},\"FileName\":{},\"Inlined\":{},\"Self\":{},\"Color\":{}}}",
            if i == 0 { "" } else { "," },
            json_string(&s.full_name),
            json_string(&s.file_name),
            s.inlined,
            s.self_value,
            s.color
        )?;
    }
    out.write_all(b"]}")?;
    Ok(())
}

fn json_number(x: f64) -> String {
    if x.is_finite() {
        format!("{x:e}")
    } else {
        "0".into()
    }
}

/// A JSON string literal that cannot close a `<script>` element or start markup.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportOptions;
    use ferroprof_profile::{Function, FunctionId, Line, LocationId, Sample, ValueType};
    use std::num::NonZeroU64;

    fn profile(depth: u64, name: &str) -> Profile {
        let mut p = Profile::default();
        p.sample_type.push(ValueType::new("cpu", "nanoseconds"));
        for i in 1..=depth {
            let fid = FunctionId(NonZeroU64::new(i).unwrap());
            let mut f = Function::new(fid);
            f.name = format!("{name}{i}");
            p.function.push(f);
            let mut loc = Location::new(LocationId(NonZeroU64::new(i).unwrap()));
            loc.line.push(Line {
                function_id: Some(fid),
                line: 0,
                column: 0,
            });
            p.location.push(loc);
        }
        p.sample.push(Sample {
            location: (1..=depth)
                .map(|i| LocationId(NonZeroU64::new(i).unwrap()))
                .collect(),
            value: vec![5],
            ..Sample::default()
        });
        p
    }

    fn json(p: &Profile) -> (StackSet, String) {
        let opts = ReportOptions::for_sample_index(p, 0);
        let set = stack_set(&Report::new(p, &opts));
        let mut out = Vec::new();
        write_json(&set, &mut out).unwrap();
        (set, String::from_utf8(out).unwrap())
    }

    #[test]
    fn stacks_are_root_first_with_self_on_the_leaf_and_seconds_as_unit() {
        let (set, text) = json(&profile(3, "main.f"));
        assert_eq!(set.stacks[0].sources, [0, 1, 2, 3]);
        assert_eq!(set.sources[1].full_name, "main.f3");
        assert_eq!(set.sources[3].self_value, 5);
        assert_eq!((set.unit.as_str(), set.scale), ("s", 1e-9));
        assert!(text.starts_with("{\"Total\":5,\"Scale\":1e-9,\"Type\":\"cpu\",\"Unit\":\"s\""));
        assert_eq!(
            set.sources[1].color, set.sources[2].color,
            "one package, one colour"
        );
    }

    #[test]
    fn equal_stacks_merge_but_a_bases_negative_values_stay_apart() {
        let mut p = profile(2, "main.f");
        let mut again = p.sample[0].clone();
        p.sample.push(again.clone());
        again.value = vec![-2];
        p.sample.push(again);
        let (set, _) = json(&p);
        let values: Vec<i64> = set.stacks.iter().map(|s| s.value).collect();
        assert_eq!(values, [10, -2]);
        assert_eq!(set.sources[2].self_value, 8);
    }

    #[test]
    fn deep_stacks_end_in_a_truncated_frame() {
        let (set, _) = json(&profile(3000, "f"));
        let stack = &set.stacks[0].sources;
        assert_eq!(stack.len(), MAX_STACK_DEPTH);
        let leaf = &set.sources[*stack.last().unwrap() as usize];
        assert_eq!(
            (leaf.full_name.as_str(), leaf.self_value),
            (TRUNCATED_FRAME, 5)
        );
    }

    #[test]
    fn json_cannot_close_a_script_element() {
        let (_, text) = json(&profile(1, "</script><script>alert(1)</script>\"&\u{2028}"));
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        assert!(text.contains("\\u003c/script\\u003e"));
        assert!(text.contains("\\\"\\u0026\\u2028"));
    }

    #[test]
    fn package_is_the_prefix_before_the_function() {
        assert_eq!(package_of("github.com/a/b.(*T).M"), "github.com/a/b");
        assert_eq!(package_of("std::io::write"), "std::io");
        assert_eq!(package_of("main.main"), "main");
    }
}
