//! Property tests over seeded random profiles: invariants that hold whatever the input.

mod ops_support;

use ferroprof_profile::ops::{
    compact, filter_samples_by_name, merge, prune, prune_from, scale, show_from, subtract_base,
    BaseKind,
};
use ferroprof_profile::Profile;
use ops_support::{profile, total, view, with_labels};
use regex::Regex;

/// A small deterministic generator (64-bit LCG), so failures reproduce from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

const NAMES: [&str; 8] = ["main", "a", "b", "c", "d", "e", "f", "g"];

/// A random profile: up to 12 samples of up to 6 frames from eight names, small values (some
/// zero), and sometimes a label.
fn random_profile(rng: &mut Rng) -> Profile {
    let mut stacks: Vec<(Vec<&str>, [i64; 2])> = Vec::new();
    for _ in 0..rng.next(12) {
        let depth = rng.next(6) as usize;
        let mut stack: Vec<&str> = (0..depth).map(|_| NAMES[rng.next(8) as usize]).collect();
        stack.push("main");
        let v = rng.next(5) as i64;
        stacks.push((stack, [v, v * 10 + rng.next(3) as i64]));
    }
    let samples: Vec<(&[&str], [i64; 2])> =
        stacks.iter().map(|(s, v)| (s.as_slice(), *v)).collect();
    let mut p = profile(&samples);
    for s in &mut p.sample {
        if rng.next(3) == 0 {
            *s = with_labels(s.clone(), &[("k", NAMES[rng.next(3) as usize])]);
        }
    }
    p
}

fn nonzero_total(p: &Profile, i: usize) -> i64 {
    p.sample
        .iter()
        .filter(|s| s.value.iter().any(|&v| v != 0))
        .map(|s| s.value[i])
        .sum()
}

fn for_each_profile(check: impl Fn(&mut Rng, Profile)) {
    for seed in 0..300 {
        let mut rng = Rng(seed);
        let p = random_profile(&mut rng);
        check(&mut rng, p);
    }
}

#[test]
fn compact_keeps_totals_and_is_idempotent() {
    for_each_profile(|_, p| {
        let c = compact(&p);
        assert_eq!(total(&c, 1), total(&p, 1));
        assert_eq!(nonzero_total(&c, 0), nonzero_total(&p, 0));
        assert_eq!(compact(&c), c);
        assert!(c.location.len() <= p.location.len());
    });
}

#[test]
fn merge_is_associative_and_adds_totals() {
    for_each_profile(|rng, a| {
        let (b, c) = (random_profile(rng), random_profile(rng));
        let left = merge(&[&merge(&[&a, &b]).unwrap(), &c]).unwrap();
        let right = merge(&[&a, &merge(&[&b, &c]).unwrap()]).unwrap();
        assert_eq!(view(&left), view(&right));
        assert_eq!(total(&left, 1), total(&a, 1) + total(&b, 1) + total(&c, 1));
    });
}

#[test]
fn subtracting_a_profile_from_a_merge_gives_back_the_other() {
    for_each_profile(|rng, a| {
        let b = random_profile(rng);
        let sum = merge(&[&a, &b]).unwrap();
        let diff = subtract_base(sum, b.clone(), BaseKind::Base, false).unwrap();
        assert_eq!(view(&diff), view(&compact(&a)));
    });
}

#[test]
fn focus_and_ignore_of_one_expression_partition_the_samples() {
    let rx = Regex::new("^[bc]$").unwrap();
    for_each_profile(|_, p| {
        let (mut focused, mut ignored) = (p.clone(), p.clone());
        filter_samples_by_name(&mut focused, Some(&rx), None, None, None);
        filter_samples_by_name(&mut ignored, None, Some(&rx), None, None);
        let with_frames: i64 = p
            .sample
            .iter()
            .filter(|s| !s.location.is_empty())
            .map(|s| s.value[1])
            .sum();
        assert_eq!(total(&focused, 1) + total(&ignored, 1), with_frames);
    });
}

#[test]
fn frame_removal_keeps_every_sample_that_keeps_a_frame() {
    let rx = Regex::new("^[ae]$").unwrap();
    for_each_profile(|_, p| {
        let mut pruned = p.clone();
        prune(&mut pruned, &rx, None);
        assert_eq!(total(&pruned, 1), total(&p, 1));
        let mut from = p.clone();
        prune_from(&mut from, &rx);
        assert_eq!(total(&from, 1), total(&p, 1));
        let mut hidden = p.clone();
        filter_samples_by_name(&mut hidden, None, None, Some(&rx), None);
        for s in &hidden.sample {
            assert!(!s.location.is_empty());
        }
        let mut shown = p.clone();
        let matched = show_from(&mut shown, &rx);
        assert_eq!(matched, p.function.iter().any(|f| rx.is_match(&f.name)));
        let names = |s: &ferroprof_profile::Sample| -> Vec<String> {
            s.location
                .iter()
                .map(|id| p.function[(id.get() - 1) as usize].name.clone())
                .collect()
        };
        let with_match = p
            .sample
            .iter()
            .filter(|s| names(s).iter().any(|n| rx.is_match(n)))
            .count();
        assert_eq!(shown.sample.len(), with_match);
        for s in &shown.sample {
            let root = s.location.last().expect("a matching frame");
            let name = &shown.function[(root.get() - 1) as usize].name;
            assert!(rx.is_match(name), "{name}");
        }
    });
}

#[test]
fn scaling_by_one_changes_nothing_and_by_minus_one_negates() {
    for_each_profile(|_, p| {
        let mut same = p.clone();
        scale(&mut same, 1.0);
        assert_eq!(same, p);
        let mut neg = p.clone();
        scale(&mut neg, -1.0);
        assert_eq!(total(&neg, 1), -nonzero_total(&p, 1));
    });
}
