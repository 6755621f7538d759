//! `-folded`: one line per distinct stack, root first, frames joined by `;`, then a space and
//! the stack's value — Brendan Gregg's folded format, as `flamegraph.pl` and inferno read it.
//!
//! The stacks are the flame graph's ([`crate::stacks`]): the report's sample index, filters and
//! granularity apply, and stacks deeper than [`crate::stacks::MAX_STACK_DEPTH`] end in
//! `[truncated]`. Values are raw sample values (a diff base's samples count negatively).

use std::collections::HashMap;
use std::io::Write;

use crate::report::Report;
use crate::stacks::{stack_set, StackSet};
use crate::Result;

/// Writes the report's stacks in folded form.
pub fn write_folded(rpt: &Report<'_>, out: &mut dyn Write) -> Result<()> {
    let set = stack_set(rpt);
    let names: Vec<String> = set
        .sources
        .iter()
        .map(|s| frame_name(&s.full_name))
        .collect();
    for (frames, value) in net_stacks(&set) {
        // Frame 0 is the root pseudo-frame; folded stacks start at the real root.
        let mut line = String::new();
        for (i, &f) in frames.iter().skip(1).enumerate() {
            if i > 0 {
                line.push(';');
            }
            line.push_str(&names[f as usize]);
        }
        writeln!(out, "{line} {value}")?;
    }
    Ok(())
}

/// Every distinct stack once, in first-seen order, with the sum of its positive and negative
/// entries; stacks whose values cancel out are left out.
fn net_stacks(set: &StackSet) -> Vec<(&[u32], i64)> {
    let mut at: HashMap<&[u32], usize> = HashMap::new();
    let mut out: Vec<(&[u32], i64)> = Vec::new();
    for stack in &set.stacks {
        match at.get(stack.sources.as_slice()) {
            Some(&i) => out[i].1 += stack.value,
            None => {
                at.insert(&stack.sources, out.len());
                out.push((&stack.sources, stack.value));
            }
        }
    }
    out.retain(|(_, v)| *v != 0);
    out
}

/// A frame name that cannot split a frame or a line: `;` becomes `:`, control characters
/// become spaces.
fn frame_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            ';' => ':',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_in_names_cannot_split_frames_or_lines() {
        assert_eq!(frame_name("a;b\nc\td"), "a:b c d");
    }
}
