//! Node orders and sorting the graph's nodes in place.

use std::cmp::Ordering;

use super::{EdgeId, Graph, Node};

/// The orders pprof sorts nodes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeOrder {
    /// |flat| descending, then name, then |cum| descending.
    FlatName,
    /// |cum| descending, then name, then |flat| descending.
    CumName,
    /// Function name.
    Name,
    /// File, then start line.
    File,
    /// Address.
    Address,
    /// pprof's entropy score (favours entry, leaf and branching nodes), for graphs.
    Entropy,
}

fn abs(v: i64) -> i64 {
    v.wrapping_abs()
}

fn by_desc(a: i64, b: i64) -> Ordering {
    abs(b).cmp(&abs(a))
}

fn last_resort(l: &Node, r: &Node) -> Ordering {
    l.info.go_sprint().cmp(&r.info.go_sprint())
}

impl Graph {
    /// Sorts the nodes by `order`, renumbering the edges' ends.
    pub fn sort_nodes(&mut self, order: NodeOrder) {
        let scores: Vec<i64> = match order {
            NodeOrder::CumName => self.nodes.iter().map(|n| n.cum).collect(),
            NodeOrder::Entropy => (0..self.nodes.len())
                .map(|i| self.entropy_score(i))
                .collect(),
            _ => Vec::new(),
        };
        let mut perm: Vec<usize> = (0..self.nodes.len()).collect();
        let nodes = &self.nodes;
        perm.sort_by(|&a, &b| {
            let (l, r) = (&nodes[a], &nodes[b]);
            let primary = match order {
                NodeOrder::FlatName => by_desc(l.flat, r.flat)
                    .then_with(|| l.name.cmp(&r.name))
                    .then_with(|| by_desc(l.cum, r.cum)),
                NodeOrder::CumName | NodeOrder::Entropy => by_desc(scores[a], scores[b])
                    .then_with(|| l.name.cmp(&r.name))
                    .then_with(|| by_desc(l.flat, r.flat)),
                NodeOrder::Name => l.info.name.cmp(&r.info.name),
                NodeOrder::File => l
                    .info
                    .file
                    .cmp(&r.info.file)
                    .then(l.info.start_line.cmp(&r.info.start_line)),
                NodeOrder::Address => l.info.address.cmp(&r.info.address),
            };
            primary.then_with(|| last_resort(l, r))
        });
        self.permute(&perm);
    }

    /// Reorders nodes so that new position `i` holds old node `perm[i]`.
    fn permute(&mut self, perm: &[usize]) {
        let mut new_id = vec![0; perm.len()];
        for (new, &old) in perm.iter().enumerate() {
            new_id[old] = new;
        }
        let mut old_nodes: Vec<Option<Node>> = std::mem::take(&mut self.nodes)
            .into_iter()
            .map(Some)
            .collect();
        self.nodes = perm
            .iter()
            .map(|&old| old_nodes[old].take().unwrap_or_default())
            .collect();
        // Phantoms (ids past the shown nodes) keep their ids.
        let renumber = |id: usize| new_id.get(id).copied().unwrap_or(id);
        for e in &mut self.edges {
            e.src = renumber(e.src);
            e.dest = renumber(e.dest);
        }
    }

    /// pprof's `entropyScore`: nodes that start or end paths, or split weight among many
    /// callers or callees, score higher.
    fn entropy_score(&self, id: usize) -> i64 {
        let n = &self.nodes[id];
        let mut score = 0.0;
        score += if n.in_edges.is_empty() {
            1.0
        } else {
            self.edge_entropy(&n.in_edges, 0)
        };
        score += if n.out_edges.is_empty() {
            1.0
        } else {
            self.edge_entropy(&n.out_edges, n.flat)
        };
        go_float_to_int(score * n.cum as f64).wrapping_add(n.flat)
    }

    fn edge_entropy(&self, edges: &[EdgeId], own: i64) -> f64 {
        let mut total = own;
        for &e in edges {
            let w = self.edges[e].weight;
            if w > 0 {
                total = total.wrapping_add(abs(w));
            }
        }
        if total == 0 {
            return 0.0;
        }
        let mut score = 0.0;
        for &e in edges {
            let frac = abs(self.edges[e].weight) as f64 / total as f64;
            score += -frac * frac.log2();
        }
        if own > 0 {
            let frac = abs(own) as f64 / total as f64;
            score += -frac * frac.log2();
        }
        score
    }
}

/// Go's float64 → int64 conversion on amd64: NaN and out-of-range values become `i64::MIN` (the
/// "integer indefinite" of `CVTTSD2SQ`). A zero-weight edge makes pprof's entropy NaN (0 · log 0),
/// which therefore sorts such a node first.
fn go_float_to_int(x: f64) -> i64 {
    // 2^63: the first value that does not fit.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if x.is_nan() || !(-LIMIT..LIMIT).contains(&x) {
        i64::MIN
    } else {
        x as i64
    }
}

#[cfg(test)]
mod tests {
    use super::go_float_to_int;

    #[test]
    fn float_conversion_matches_go_on_amd64() {
        assert_eq!(go_float_to_int(f64::NAN), i64::MIN);
        assert_eq!(go_float_to_int(1e19), i64::MIN);
        assert_eq!(go_float_to_int(-2.5), -2);
        assert_eq!(go_float_to_int(3.9), 3);
    }
}
