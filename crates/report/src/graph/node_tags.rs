//! The label and numeric tags of nodes (drawn by DOT as nodelets), collected by id while a walk
//! goes through the samples and named once at the end.
//!
//! Tags are keyed by (node, label set id) and (node, label set id, value): a walk adds to them
//! once per node per sample group, and looking a tag up by its joined label string there (a
//! `BTreeMap<String, Tag>` per node) was most of `-dot` on labelled profiles (see
//! benches/RESULTS.md).

use std::collections::HashMap;

use ferroprof_profile::Sample;

use super::build::GraphOptions;
use super::groups::{SampleGroup, NO_LABELS};
use super::id_hash::IdMap;
use super::{Graph, NodeId, Tag, TagMap};
use crate::measurement;

/// The weights of one tag.
#[derive(Clone, Copy, Debug, Default)]
struct TagWeights {
    flat: i64,
    flat_div: i64,
    cum: i64,
    cum_div: i64,
}

impl TagWeights {
    fn add(&mut self, (w, dw): (i64, i64), flat: bool) {
        let (v, div) = if flat {
            (&mut self.flat, &mut self.flat_div)
        } else {
            (&mut self.cum, &mut self.cum_div)
        };
        *v = v.wrapping_add(w);
        *div = div.wrapping_add(dw);
    }

    fn add_to(&self, t: &mut Tag) {
        t.flat = t.flat.wrapping_add(self.flat);
        t.flat_div = t.flat_div.wrapping_add(self.flat_div);
        t.cum = t.cum.wrapping_add(self.cum);
        t.cum_div = t.cum_div.wrapping_add(self.cum_div);
    }
}

/// Tags of the nodes of one walk, by the walk's node indices.
#[derive(Debug, Default)]
pub(super) struct NodeTags {
    /// (node, label set) → position in `labels`.
    label_of: IdMap<(usize, usize), usize>,
    labels: Vec<(usize, usize, TagWeights)>,
    /// (node, label set, `bytes` value) → position in `numeric`; values come from the input,
    /// hence SipHash.
    numeric_of: HashMap<(usize, usize, i64), usize>,
    /// In the order first met: numeric values with the same printed name share one tag, which
    /// keeps the first value, as when tags were looked up by name.
    numeric: Vec<(usize, usize, i64, TagWeights)>,
}

impl NodeTags {
    /// Adds the weight of `group` (whose first sample is `s`) to the tags of `node`.
    pub(super) fn add(&mut self, node: usize, group: &SampleGroup, s: &Sample, flat: bool) {
        if group.labels != NO_LABELS {
            let next = self.labels.len();
            let pos = *self.label_of.entry((node, group.labels)).or_insert(next);
            if pos == next {
                self.labels
                    .push((node, group.labels, TagWeights::default()));
            }
            self.labels[pos].2.add(group.weights, flat);
        }
        let Some(values) = s.num_label.get("bytes") else {
            return;
        };
        for &v in values {
            let next = self.numeric.len();
            let pos = *self
                .numeric_of
                .entry((node, group.labels, v))
                .or_insert(next);
            if pos == next {
                self.numeric
                    .push((node, group.labels, v, TagWeights::default()));
            }
            self.numeric[pos].3.add(group.weights, flat);
        }
    }

    /// Names the tags (`names` by label set id) and adds them to the nodes of `g`, the walk's
    /// node `n` being `g`'s node `node_id(n)`.
    pub(super) fn finish(
        self,
        names: &[String],
        opts: &GraphOptions,
        g: &mut Graph,
        node_id: impl Fn(usize) -> NodeId,
    ) {
        for (node, labels, weights) in self.labels {
            let name = &names[labels];
            let mut tag = Tag {
                name: name.clone(),
                ..Default::default()
            };
            weights.add_to(&mut tag);
            g.node_mut(node_id(node))
                .label_tags
                .insert(name.clone(), tag);
        }
        for (node, labels, value, weights) in self.numeric {
            let name = measurement::scaled_label(value, &opts.bytes_unit, &opts.tag_unit);
            let tags: &mut TagMap = g
                .node_mut(node_id(node))
                .numeric_tags
                .entry(names[labels].clone())
                .or_default();
            let tag = tags.entry(name).or_insert_with_key(|name| Tag {
                name: name.clone(),
                unit: opts.bytes_unit.clone(),
                value,
                ..Default::default()
            });
            weights.add_to(tag);
        }
    }
}
