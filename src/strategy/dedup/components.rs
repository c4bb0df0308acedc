//! Duplicate pairs -> clusters: the connected components of the pair graph (union-find), each
//! labelled with the index of its first document in dataset order, so that document is the
//! one kept.
//!
//! The closure is transitive on purpose (A~B and B~C puts A, B, C together even when A and C
//! differ a lot); scoring the pairs themselves is left to the edge-level metrics.

/// The most same-bucket pairs a banded index lists one by one. Above it (a bucket of tens of
/// thousands of identical documents: error pages, cookie walls), listing them would take time
/// and memory quadratic in the bucket, so the index links each bucket's first document to each
/// other member instead ([`bucket_star`]): the same connected components when every pair is
/// kept, linear in the documents.
pub const MAX_LISTED_PAIRS: u64 = 20_000_000;

/// The number of same-key pairs in `sorted` (entries `(key, document)` sorted by key), from the
/// bucket sizes alone.
pub fn pair_count(sorted: &[(u64, u32)]) -> u64 {
    sorted.chunk_by(|a, b| a.0 == b.0).map(|b| (b.len() as u64) * (b.len() as u64 - 1) / 2).sum()
}

/// Pairs `(i, j)` of documents whose keys are equal in `sorted` (entries `(key, document)`
/// sorted) and that `keep` accepts; within a bucket, pairs come in document order. Used by every
/// banded index (LSH bands, SimHash blocks): one bucket walk, the strategy's own pair test.
pub fn bucket_pairs_sorted(sorted: &[(u64, u32)], mut keep: impl FnMut(u32, u32) -> bool) -> Vec<(u32, u32)> {
    let mut pairs = Vec::new();
    for bucket in sorted.chunk_by(|a, b| a.0 == b.0) {
        for (x, &(_, i)) in bucket.iter().enumerate() {
            for &(_, j) in &bucket[x + 1..] {
                if keep(i, j) {
                    pairs.push((i, j));
                }
            }
        }
    }
    pairs
}

/// [`bucket_pairs_sorted`] over entries in any order.
#[cfg(test)]
pub fn bucket_pairs(mut entries: Vec<(u64, u32)>, keep: impl FnMut(u32, u32) -> bool) -> Vec<(u32, u32)> {
    entries.sort_unstable();
    bucket_pairs_sorted(&entries, keep)
}

/// Star edges of `sorted`: each bucket's first (smallest) document to each other member that
/// `keep` accepts. Linear in the entries.
pub fn bucket_star(sorted: &[(u64, u32)], mut keep: impl FnMut(u32, u32) -> bool) -> Vec<(u32, u32)> {
    let mut edges = Vec::new();
    for bucket in sorted.chunk_by(|a, b| a.0 == b.0) {
        let first = bucket[0].1;
        edges.extend(bucket[1..].iter().map(|&(_, j)| (first, j)).filter(|&(i, j)| keep(i, j)));
    }
    edges
}

/// Documents of identical content collapsed: `group[d]` is the first document whose content
/// equals `d`'s (itself when none does). Every two documents of a group are duplicates under
/// any threshold and share every bucket, so a banded index holds one entry per group and its
/// pairs stand for every pair of their groups' members: the same answer as indexing every
/// document, without the quadratic pairs of 300,000 identical pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Groups {
    /// Per document, the first document of its group.
    pub group: Vec<u32>,
    /// Documents that joined an earlier identical one.
    pub collapsed: usize,
}

impl Groups {
    /// Groups by `content` (`None`: the document stays alone) with `hash[d]` the xxh3-128 of
    /// document `d`'s content. The contents themselves are compared, so two different contents
    /// never share a group even when their hashes do.
    pub fn of<T: PartialEq + ?Sized>(content: &[Option<&T>], hash: &[u128]) -> Groups {
        let mut first: std::collections::HashMap<u128, u32> = std::collections::HashMap::with_capacity(content.len());
        let mut group: Vec<u32> = (0..content.len() as u32).collect();
        let mut collapsed = 0;
        for (d, (c, &h)) in content.iter().zip(hash).enumerate() {
            let Some(c) = c else { continue };
            let r = *first.entry(h).or_insert(d as u32);
            // A hash shared by a different content (never seen with xxh3-128): the later one
            // stays alone, which is still a correct answer, only not collapsed.
            if r as usize != d && content[r as usize].is_some_and(|rc| rc == *c) {
                group[d] = r;
                collapsed += 1;
            }
        }
        Groups { group, collapsed }
    }

    /// Whether document `d` is its group's first (the one a banded index holds).
    pub fn is_first(&self, d: usize) -> bool {
        self.group[d] as usize == d
    }

    /// The group table for [`crate::model::Pairs`]: `None` when nothing was collapsed.
    pub fn table(&self) -> Option<Vec<u32>> {
        (self.collapsed > 0).then(|| self.group.clone())
    }

    /// Cluster labels when `edges` join first documents: each collapsed document joins its
    /// group's first, and the components are labelled as by [`cluster_labels`].
    pub fn cluster_labels(&self, edges: &[(u32, u32)]) -> Vec<u32> {
        let members = self.group.iter().enumerate().filter(|&(d, &r)| r as usize != d).map(|(d, &r)| (r, d as u32));
        labels_of(self.group.len(), edges.iter().copied().chain(members))
    }
}

/// Cluster labels for `n` documents joined by `pairs`: label = smallest index in the component.
#[cfg(test)]
pub fn cluster_labels(n: usize, pairs: &[(u32, u32)]) -> Vec<u32> {
    labels_of(n, pairs.iter().copied())
}

fn labels_of(n: usize, pairs: impl Iterator<Item = (u32, u32)>) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    for (a, b) in pairs {
        let ra = find(&mut parent, a);
        let rb = find(&mut parent, b);
        // The smaller index becomes the root, so a root is always its component's first document.
        if ra < rb {
            parent[rb as usize] = ra;
        } else if rb < ra {
            parent[ra as usize] = rb;
        }
    }
    (0..n as u32).map(|i| find(&mut parent, i)).collect()
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    let mut root = x;
    while parent[root as usize] != root {
        root = parent[root as usize];
    }
    while parent[x as usize] != root {
        let next = parent[x as usize];
        parent[x as usize] = root;
        x = next;
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closure_can_beat_edges_on_recall() {
        // Edges (0,1), (1,2) close into {0,1,2}: the closure recovers the gold pair (0,2) the
        // edges missed. Edge recall 2/3, cluster pair recall 1.
        let gold = [7, 7, 7];
        let edges = [(0, 1), (1, 2)];
        let listed = crate::model::Pairs::listed(edges.to_vec());
        assert!((crate::metrics::dedup::edge_score(&listed, &gold).recall - 2.0 / 3.0).abs() < 1e-12);
        let closed = cluster_labels(3, &edges);
        assert_eq!(crate::metrics::clusters::score(&closed, &gold).pairwise.recall, 1.0);
    }

    #[test]
    fn star_edges_give_the_components_of_all_pairs_in_linear_size() {
        let mut entries: Vec<(u64, u32)> = (0..1000).map(|d| (d as u64 % 3, d)).collect();
        entries.sort_unstable();
        assert_eq!(pair_count(&entries), 334 * 333 / 2 + 2 * (333 * 332 / 2));
        let star = bucket_star(&entries, |_, _| true);
        assert_eq!(star.len(), 997);
        let all = bucket_pairs_sorted(&entries, |_, _| true);
        assert_eq!(cluster_labels(1000, &star), cluster_labels(1000, &all));
    }

    #[test]
    fn bucket_pairs_pairs_equal_keys_only_and_applies_the_test() {
        let entries = vec![(7, 3), (1, 0), (7, 1), (9, 2), (7, 4)];
        assert_eq!(bucket_pairs(entries.clone(), |_, _| true), vec![(1, 3), (1, 4), (3, 4)]);
        assert_eq!(bucket_pairs(entries, |i, _| i != 3), vec![(1, 3), (1, 4)]);
    }

    #[test]
    fn chains_close_transitively_and_label_by_first() {
        // 4-2, 2-3 join {2, 3, 4}; 1 and 0 stay alone; 5-1 joins {1, 5}.
        let labels = cluster_labels(6, &[(4, 2), (2, 3), (5, 1)]);
        assert_eq!(labels, vec![0, 1, 2, 2, 2, 1]);
    }

    #[test]
    fn identical_contents_collapse_into_their_first_document() {
        let texts = [Some("a"), Some("b"), Some("a"), None, Some("b"), Some("c"), Some("a")];
        let xxh = |ts: &[Option<&str>]| -> Vec<u128> {
            ts.iter().map(|t| xxhash_rust::xxh3::xxh3_128(t.unwrap_or("").as_bytes())).collect()
        };
        let g = Groups::of(&texts, &xxh(&texts));
        assert_eq!(g.group, vec![0, 1, 0, 3, 1, 5, 0]);
        assert_eq!(g.collapsed, 3);
        assert!(g.is_first(1) && !g.is_first(4));
        assert_eq!(g.cluster_labels(&[(0, 5)]), vec![0, 1, 0, 3, 1, 0, 0]);
        // A hash every content shares: nothing different is merged.
        let g = Groups::of(&texts, &[7; 7]);
        assert_eq!(g.group, vec![0, 1, 0, 3, 4, 5, 0]);
        let two = [Some("x"), Some("y")];
        let none = Groups::of(&two, &xxh(&two));
        assert_eq!(none.table(), None);
    }

    #[test]
    fn no_pairs_means_singletons() {
        assert_eq!(cluster_labels(3, &[]), vec![0, 1, 2]);
    }
}
