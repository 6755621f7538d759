//! The samples of a profile grouped for graph walks: each distinct stack once, as a flat array
//! of node identities, and the samples as groups that a walk counts as one (the same stack, and
//! for tags the same label set). The generated 100 MB benchmark profile has 50,000 stacks for
//! 1,070,000 samples; google/pprof's `large.cpu` has none twice, and there the compact frames
//! save the walk its per-frame location lookups.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};

use ferroprof_profile::{LocationId, Sample};

use super::build::GraphBuilder;
use super::id_hash::{HashChains, IdHasher, IdMap};
use crate::report::DIFF_BASE_LABEL;

/// One frame of a stack: a node identity, and whether it is inlined into its caller's frame
/// (every line of a location but its last), packed in 32 bits (the frames of large.cpu's
/// 500,000 frames take 2 MB instead of 8 MB of its ~40 MB peak).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Frame(u32);

impl Frame {
    const INLINE: u32 = 1 << 31;

    fn new(info: usize, inline: bool) -> Self {
        // A node identity is a `NodeInfo` of over 100 bytes held by the builder: 2^31 of them
        // cannot be in memory, so every index fits in 31 bits.
        let info = u32::try_from(info)
            .ok()
            .filter(|&i| i < Self::INLINE)
            .expect("fewer than 2^31 node identities");
        Frame(if inline { info | Self::INLINE } else { info })
    }

    /// The frame's node identity.
    pub(super) fn info(self) -> usize {
        (self.0 & !Self::INLINE) as usize
    }

    /// Whether the frame is inlined into its caller's frame.
    pub(super) fn inline(self) -> bool {
        self.0 & Self::INLINE != 0
    }
}

/// Samples that a walk can count as one, in the order of their first sample, so that nodes and
/// edges are created in the order a walk over every sample would create them.
#[derive(Clone, Copy, Debug)]
pub(super) struct SampleGroup {
    /// The group's stack.
    pub(super) stack: usize,
    /// The first sample of the group, whose numeric labels stand for all (a group with tags
    /// holds one sample when numeric labels matter).
    pub(super) sample: usize,
    /// The group's label set (an index into the label set names; [`NO_LABELS`] without tags).
    pub(super) labels: usize,
    /// The summed weight and mean divisor.
    pub(super) weights: (i64, i64),
}

/// The label set id of samples without string labels (and of every group without tags).
pub(super) const NO_LABELS: usize = 0;

/// The distinct stacks of a profile's samples with a weight, and the samples grouped by them.
#[derive(Debug)]
pub(super) struct Grouping {
    /// The frames of each stack, root first, stacks one after the other.
    frames: Vec<Frame>,
    /// Where each stack starts in `frames`, and one more entry for the end.
    stack_start: Vec<usize>,
    /// One group per stack.
    pub(super) by_stack: Vec<SampleGroup>,
    /// One group per stack and label set (empty unless asked for).
    pub(super) by_stack_and_labels: Vec<SampleGroup>,
    /// The name of each label set: its sorted `key:value` pairs joined by `\n`.
    pub(super) label_names: Vec<String>,
}

impl Grouping {
    /// Groups the samples of `b`'s profile that have a weight; by label set too with `tags`.
    /// Numeric `bytes` labels make their own tags per sample, so with tags a profile that has
    /// them gets one labelled group per sample.
    pub(super) fn new(b: &GraphBuilder<'_>, tags: bool) -> Self {
        let profile = b.profile();
        let salts = FrameSalts::new(b.info_count());
        let mut grouping = Grouping {
            frames: Vec::new(),
            stack_start: vec![0],
            by_stack: Vec::new(),
            by_stack_and_labels: Vec::new(),
            label_names: Vec::new(),
        };
        let mut label_sets = LabelSets::default();
        let per_sample = tags
            && profile
                .sample
                .iter()
                .any(|s| s.num_label.contains_key("bytes"));
        let mut stacks = HashChains::default();
        let mut labelled_group_of: IdMap<(usize, usize), usize> = IdMap::default();
        let mut frames = Vec::new();
        for (i, s) in profile.sample.iter().enumerate() {
            let weights = b.options().weights(s);
            if weights == (0, 0) {
                continue;
            }
            stack_frames(b, &s.location, &mut frames);
            let hash = salts.hash(&frames);
            let stack = match stacks.find(hash, |st| grouping.frames(st) == frames.as_slice()) {
                Some(stack) => {
                    add_weights(&mut grouping.by_stack[stack].weights, weights);
                    stack
                }
                None => {
                    let stack = grouping.by_stack.len();
                    grouping.frames.extend_from_slice(&frames);
                    grouping.stack_start.push(grouping.frames.len());
                    stacks.add(hash);
                    grouping.by_stack.push(SampleGroup {
                        stack,
                        sample: i,
                        labels: NO_LABELS,
                        weights,
                    });
                    stack
                }
            };
            if !tags {
                continue;
            }
            let group = SampleGroup {
                stack,
                sample: i,
                labels: label_sets.id(s),
                weights,
            };
            let labelled = &mut grouping.by_stack_and_labels;
            if per_sample {
                labelled.push(group);
                continue;
            }
            let next = labelled.len();
            let g = *labelled_group_of
                .entry((stack, group.labels))
                .or_insert(next);
            if g == next {
                labelled.push(group);
            } else {
                add_weights(&mut labelled[g].weights, weights);
            }
        }
        grouping.label_names = label_sets.names;
        grouping
    }

    /// The frames of a stack, root first.
    pub(super) fn frames(&self, stack: usize) -> &[Frame] {
        &self.frames[self.stack_start[stack]..self.stack_start[stack + 1]]
    }
}

fn add_weights((w, dw): &mut (i64, i64), (add_w, add_dw): (i64, i64)) {
    *w = w.wrapping_add(add_w);
    *dw = dw.wrapping_add(add_dw);
}

/// The frames of a stack of location ids, root first, into `frames`.
fn stack_frames(b: &GraphBuilder<'_>, stack: &[LocationId], frames: &mut Vec<Frame>) {
    frames.clear();
    for &id in stack.iter().rev() {
        let Some(infos) = b.location_infos(id) else {
            continue;
        };
        let last = infos.len() - 1;
        frames.extend(
            infos
                .iter()
                .enumerate()
                .rev()
                .map(|(i, &info)| Frame::new(info, i != last)),
        );
    }
}

/// Hashes of stacks of frames, which follow the input: each node identity gets a random salt
/// (from std's seeded `RandomState`), and a stack's hash mixes its frames' salts in order.
/// Without the salts' values a profile cannot be crafted to make stacks collide, and per frame
/// the hash costs an array read and a multiply instead of a SipHash round (SipHash over the
/// stacks' location ids was ~9% of `-dot` on large.cpu). Stacks are told apart by their frames,
/// not their location ids: the frames are all a walk reads, and comparing them reads 4 bytes
/// per frame from one array instead of a location id from another sample's stack.
struct FrameSalts {
    by_info: Vec<u64>,
}

impl FrameSalts {
    fn new(infos: usize) -> Self {
        let state = RandomState::new();
        FrameSalts {
            by_info: (0..infos).map(|p| state.hash_one(p)).collect(),
        }
    }

    fn hash(&self, frames: &[Frame]) -> u64 {
        let mut h = IdHasher::default();
        for &f in frames {
            h.write_u64(self.by_info[f.info()] ^ u64::from(f.inline()));
        }
        h.finish()
    }
}

/// Interns the string label sets of samples: each distinct set gets an id and its tag name,
/// the sorted `key:value` pairs joined by `\n` (pprof's `labelString`), built once per set.
#[derive(Debug)]
struct LabelSets {
    ids: HashMap<String, usize>,
    names: Vec<String>,
    /// Scratch: the sample's `key:value` pairs one after the other, their ranges, and the join.
    pairs: String,
    ranges: Vec<(usize, usize)>,
    joined: String,
}

impl Default for LabelSets {
    fn default() -> Self {
        LabelSets {
            ids: HashMap::from([(String::new(), NO_LABELS)]),
            names: vec![String::new()],
            pairs: String::new(),
            ranges: Vec::new(),
            joined: String::new(),
        }
    }
}

impl LabelSets {
    /// The id of the label set of `s` (the same for every sample with the same tag name).
    fn id(&mut self, s: &Sample) -> usize {
        let LabelSets {
            pairs,
            ranges,
            joined,
            ..
        } = self;
        pairs.clear();
        ranges.clear();
        joined.clear();
        for (k, vs) in s
            .label
            .iter()
            .filter(|(k, _)| k.as_str() != DIFF_BASE_LABEL)
        {
            for v in vs {
                let start = pairs.len();
                pairs.push_str(k);
                pairs.push(':');
                pairs.push_str(v);
                ranges.push((start, pairs.len()));
            }
        }
        ranges.sort_by(|a, b| pairs[a.0..a.1].cmp(&pairs[b.0..b.1]));
        for (i, &(start, end)) in ranges.iter().enumerate() {
            if i > 0 {
                joined.push_str("\\n");
            }
            joined.push_str(&pairs[start..end]);
        }
        if let Some(&id) = self.ids.get(self.joined.as_str()) {
            return id;
        }
        let id = self.names.len();
        self.names.push(self.joined.clone());
        self.ids.insert(self.joined.clone(), id);
        id
    }
}
