//! [`LabelMap`]: a sample's labels grouped by key, as a sorted vector with a map's API.

use std::fmt;
use std::ops::Index;

/// A sample's labels of one kind, key → values, iterated in key order like a `BTreeMap`.
///
/// Samples have a few label keys each (often none), and profiles have millions of samples, so
/// the entries live in one vector kept sorted by key: a labelled sample pays one allocation sized
/// to its keys. A `BTreeMap` allocated an 11-slot node (544 bytes for `String` keys and `Vec`
/// values) for even one key, which was ~40% of the model's memory on labelled profiles
/// (benches/RESULTS.md). Lookups are binary searches. Equality, hashing and iteration follow the
/// key order, as the `BTreeMap`'s did.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct LabelMap<V> {
    /// Unique keys, sorted.
    entries: Vec<(String, Vec<V>)>,
}

/// Up to this many keys the entry vector grows one slot at a time (one allocation of the exact
/// size for the usual one to three labels); past it, it doubles, so that a sample with many
/// labels is not quadratic to build.
const EXACT_GROWTH_LIMIT: usize = 8;

/// The iterator of [`LabelMap::iter`]: `(key, values)` in key order.
pub type Iter<'a, V> = std::iter::Map<
    std::slice::Iter<'a, (String, Vec<V>)>,
    fn(&'a (String, Vec<V>)) -> (&'a String, &'a Vec<V>),
>;

impl<V> Default for LabelMap<V> {
    fn default() -> Self {
        LabelMap {
            entries: Vec::new(),
        }
    }
}

impl<V> LabelMap<V> {
    /// An empty map (no allocation).
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// The values of `key`.
    pub fn get(&self, key: &str) -> Option<&Vec<V>> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The values of `key`, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Vec<V>> {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// Whether `key` has an entry (possibly with no values).
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets the values of `key`, returning the ones it replaced.
    pub fn insert(&mut self, key: String, values: Vec<V>) -> Option<Vec<V>> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, values)),
            Err(i) => {
                self.insert_at(i, key, values);
                None
            }
        }
    }

    /// The values of `key`, inserted empty when the key is absent (the key is copied only then).
    pub fn values_of(&mut self, key: &str) -> &mut Vec<V> {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                self.insert_at(i, key.to_owned(), Vec::new());
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Appends `value` to the values of `key`.
    pub fn push(&mut self, key: &str, value: V) {
        match self.find(key) {
            Ok(i) => self.entries[i].1.push(value),
            Err(i) => self.insert_at(i, key.to_owned(), vec![value]),
        }
    }

    fn insert_at(&mut self, i: usize, key: String, values: Vec<V>) {
        if self.entries.len() == self.entries.capacity() && self.entries.len() < EXACT_GROWTH_LIMIT
        {
            self.entries.reserve_exact(1);
        }
        self.entries.insert(i, (key, values));
    }

    /// Removes `key`, returning its values.
    pub fn remove(&mut self, key: &str) -> Option<Vec<V>> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// Keeps the keys for which `keep` returns true (it may change their values).
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Vec<V>) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// `(key, values)` in key order.
    pub fn iter(&self) -> Iter<'_, V> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values of each key, in key order.
    pub fn values(&self) -> impl Iterator<Item = &Vec<V>> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values of each key, in key order, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Vec<V>> {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

impl<V: fmt::Debug> fmt::Debug for LabelMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V> Index<&str> for LabelMap<V> {
    type Output = Vec<V>;

    /// The values of `key`; panics when the key is absent, as a map's index does.
    fn index(&self, key: &str) -> &Vec<V> {
        self.get(key).expect("label key present")
    }
}

impl<V> FromIterator<(String, Vec<V>)> for LabelMap<V> {
    /// A map of the pairs; a repeated key keeps its last values, as a map's `collect` does.
    fn from_iter<I: IntoIterator<Item = (String, Vec<V>)>>(pairs: I) -> Self {
        let mut entries: Vec<(String, Vec<V>)> = pairs.into_iter().collect();
        // Stable, so that of equal keys the last is the one kept below.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut deduped: Vec<(String, Vec<V>)> = Vec::with_capacity(entries.len());
        for entry in entries {
            match deduped.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => deduped.push(entry),
            }
        }
        LabelMap { entries: deduped }
    }
}

impl<V, const N: usize> From<[(String, Vec<V>); N]> for LabelMap<V> {
    fn from(pairs: [(String, Vec<V>); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl<V> Extend<(String, Vec<V>)> for LabelMap<V> {
    /// Inserts each pair, replacing the values of keys already present.
    fn extend<I: IntoIterator<Item = (String, Vec<V>)>>(&mut self, pairs: I) {
        for (k, v) in pairs {
            self.insert(k, v);
        }
    }
}

impl<'a, V> IntoIterator for &'a LabelMap<V> {
    type Item = (&'a String, &'a Vec<V>);
    type IntoIter = Iter<'a, V>;

    fn into_iter(self) -> Iter<'a, V> {
        self.iter()
    }
}

impl<V> IntoIterator for LabelMap<V> {
    type Item = (String, Vec<V>);
    type IntoIter = std::vec::IntoIter<(String, Vec<V>)>;

    /// The pairs in key order.
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn pairs(m: &LabelMap<i64>) -> Vec<(String, Vec<i64>)> {
        m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    #[test]
    fn behaves_like_a_btreemap_under_the_same_operations() {
        let mut ours = LabelMap::new();
        let mut map = BTreeMap::new();
        let keys = [
            "m", "b", "z", "a", "b", "q", "m", "c", "d", "e", "f", "g", "h",
        ];
        for (i, key) in keys.iter().enumerate() {
            let i = i as i64;
            assert_eq!(
                ours.insert(key.to_string(), vec![i]),
                map.insert(key.to_string(), vec![i])
            );
            ours.push(key, -i);
            map.entry(key.to_string()).or_insert_with(Vec::new).push(-i);
        }
        assert_eq!(ours.remove("q"), map.remove("q"));
        assert_eq!(ours.remove("q"), None);
        ours.retain(|k, v| {
            v.push(1);
            k != "c"
        });
        map.retain(|k, v| {
            v.push(1);
            k != "c"
        });
        let expected: Vec<(String, Vec<i64>)> = map.clone().into_iter().collect();
        assert_eq!(pairs(&ours), expected);
        assert_eq!(ours.len(), map.len());
        assert_eq!(ours.get("m"), map.get("m"));
        assert_eq!(ours["b"], map["b"]);
        assert!(ours.contains_key("a") && !ours.contains_key("c"));
        assert_eq!(format!("{ours:?}"), format!("{map:?}"));
        assert_eq!(ours.clone().into_iter().collect::<Vec<_>>(), expected);
        assert_eq!(ours, map.into_iter().collect::<LabelMap<i64>>());
    }

    #[test]
    fn collecting_keeps_the_last_values_of_a_repeated_key() {
        let m: LabelMap<i64> = [
            ("b".to_string(), vec![1]),
            ("a".to_string(), vec![2]),
            ("b".to_string(), vec![3]),
        ]
        .into();
        assert_eq!(
            pairs(&m),
            [("a".to_string(), vec![2]), ("b".to_string(), vec![3])]
        );
    }

    #[test]
    fn values_of_inserts_an_empty_entry_once() {
        let mut m: LabelMap<String> = LabelMap::new();
        m.values_of("k").push("x".into());
        m.values_of("k").push("y".into());
        assert_eq!(m.len(), 1);
        assert_eq!(m["k"], ["x", "y"]);
        assert!(m.values_of("e").is_empty());
        assert!(m.contains_key("e"));
    }

    #[test]
    fn a_few_keys_take_one_exact_allocation() {
        let mut m: LabelMap<i64> = LabelMap::new();
        assert_eq!(m.entries.capacity(), 0);
        for (n, key) in ["a", "b", "c"].into_iter().enumerate() {
            m.push(key, 1);
            assert_eq!(m.entries.capacity(), n + 1);
        }
    }
}
