//! The `attr=value` lines of a memory map section, whose values replace `$attr` in the lines
//! after them (the `strings.Replacer` of Go's `parseProcMapsFromScanner`).

use std::collections::HashMap;

use super::text;
use super::Reject;
use crate::Error;

/// The longest line substitution may produce; Go has no limit, but one line of `$x` references
/// to a long value would otherwise grow quadratically.
const MAX_EXPANDED_LINE_BYTES: usize = 1 << 20;

/// Trie steps allowed for all substitutions of one profile. Real memory maps define a few short
/// attributes and take a handful of steps per `$`; Go's replacer has no limit and goes quadratic
/// on crafted input. At about 25 ns a step this caps the time at roughly half a second.
const MAX_SUBSTITUTION_STEPS: u64 = 1 << 24;

/// The attributes defined so far, as a trie of their `$name` keys.
#[derive(Debug)]
pub(crate) struct Attributes {
    /// Trie edges: (node, byte) → child node; node 0 is the root.
    edges: HashMap<(usize, u8), usize>,
    /// For each node, the attribute whose key ends there: its index in `values`, which is also
    /// its rank (the earliest definition wins).
    ends: Vec<Option<usize>>,
    values: Vec<Vec<u8>>,
    /// Trie steps taken so far, and the most allowed.
    steps: u64,
    max_steps: u64,
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes {
            edges: HashMap::new(),
            ends: vec![None],
            values: Vec::new(),
            steps: 0,
            max_steps: MAX_SUBSTITUTION_STEPS,
        }
    }
}

impl Attributes {
    /// Defines an attribute if `line` is `name = value`; a name already defined keeps its value.
    pub(crate) fn learn(&mut self, line: &[u8]) {
        let Some(eq) = memchr::memchr(b'=', line) else {
            return;
        };
        let name = text::trim_space(&line[..eq]);
        let mut node = 0;
        for &b in std::iter::once(&b'$').chain(name) {
            let next = self.ends.len();
            node = *self.edges.entry((node, b)).or_insert(next);
            if node == next {
                self.ends.push(None);
            }
        }
        if self.ends[node].is_none() {
            self.ends[node] = Some(self.values.len());
            self.values.push(text::trim_space(&line[eq + 1..]).to_vec());
        }
    }

    /// Replaces each `$attr`, left to right without overlaps, preferring at each position the
    /// earliest defined attribute that matches there.
    pub(crate) fn expand(&mut self, line: &[u8]) -> Result<Vec<u8>, Reject> {
        let mut out = Vec::with_capacity(line.len());
        let mut rest = line;
        while let Some(dollar) = memchr::memchr(b'$', rest).filter(|_| !self.values.is_empty()) {
            out.extend_from_slice(&rest[..dollar]);
            rest = &rest[dollar..];
            match self.longest_walk(rest)? {
                Some((value, len)) => {
                    out.extend_from_slice(&self.values[value]);
                    rest = &rest[len..];
                }
                None => {
                    out.push(b'$');
                    rest = &rest[1..];
                }
            }
            if out.len() > MAX_EXPANDED_LINE_BYTES {
                return Err(limit(
                    "memory map line after attribute substitution",
                    MAX_EXPANDED_LINE_BYTES as u64,
                ));
            }
        }
        out.extend_from_slice(rest);
        Ok(out)
    }

    /// The earliest defined attribute whose key starts `s`, with its key length.
    fn longest_walk(&mut self, s: &[u8]) -> Result<Option<(usize, usize)>, Reject> {
        let mut node = 0;
        let mut best: Option<(usize, usize)> = None;
        for (depth, &b) in s.iter().enumerate() {
            let Some(&next) = self.edges.get(&(node, b)) else {
                break;
            };
            self.steps += 1;
            if self.steps > self.max_steps {
                return Err(limit(
                    "memory map attribute substitution steps",
                    self.max_steps,
                ));
            }
            node = next;
            if let Some(value) = self.ends[node] {
                if best.is_none_or(|(b, _)| value < b) {
                    best = Some((value, depth + 1));
                }
            }
        }
        Ok(best)
    }
}

fn limit(what: &'static str, limit: u64) -> Reject {
    Reject::Failed(Error::Limit { what, limit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_the_earliest_definition_matching() {
        let mut a = Attributes::default();
        a.learn(b"dir = /usr/lib");
        a.learn(b"d = X");
        a.learn(b"dir = ignored");
        assert_eq!(
            a.expand(b"$dir/$d/$q$").ok(),
            Some(b"/usr/lib/X/$q$".to_vec())
        );
        let mut b = Attributes::default();
        b.learn(b"d = X");
        b.learn(b"dir = Y");
        assert_eq!(b.expand(b"$dir").ok(), Some(b"Xir".to_vec()));
    }

    #[test]
    fn crafted_keys_hit_the_step_limit() {
        let mut a = Attributes {
            max_steps: 1_000_000,
            ..Attributes::default()
        };
        let deep = [vec![b'k'; 5000], b"x = 1".to_vec()].concat();
        a.learn(&deep);
        a.learn(b" = 2");
        let line = [b"$".to_vec(), vec![b'k'; 5000]].concat();
        let mut result = Ok(Vec::new());
        for _ in 0..1000 {
            result = a.expand(&line);
            if result.is_err() {
                break;
            }
        }
        assert!(matches!(result, Err(Reject::Failed(Error::Limit { .. }))));
    }
}
