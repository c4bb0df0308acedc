//! Duplicate pairs -> clusters: the connected components of the pair graph (union-find), each
//! labelled with the index of its first document in dataset order, so that document is the
//! one kept.
//!
//! The closure is transitive on purpose (A~B and B~C puts A, B, C together even when A and C
//! differ a lot); scoring the pairs themselves is left to the edge-level metrics.

/// Pairs `(i, j)` of documents whose keys are equal in `entries` (`(key, document)`, any order)
/// and that `keep` accepts; within a bucket, pairs come in document order. Used by every
/// banded index (LSH bands, SimHash blocks): one bucket walk, the strategy's own pair test.
pub fn bucket_pairs(mut entries: Vec<(u64, u32)>, mut keep: impl FnMut(u32, u32) -> bool) -> Vec<(u32, u32)> {
    entries.sort_unstable();
    let mut pairs = Vec::new();
    for bucket in entries.chunk_by(|a, b| a.0 == b.0) {
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

/// Cluster labels for `n` documents joined by `pairs`: label = smallest index in the component.
pub fn cluster_labels(n: usize, pairs: &[(u32, u32)]) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    for &(a, b) in pairs {
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
        assert!((crate::metrics::dedup::edge_score(&edges, &gold).recall - 2.0 / 3.0).abs() < 1e-12);
        let closed = cluster_labels(3, &edges);
        assert_eq!(crate::metrics::clusters::score(&closed, &gold).pairwise.recall, 1.0);
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
    fn no_pairs_means_singletons() {
        assert_eq!(cluster_labels(3, &[]), vec![0, 1, 2]);
    }
}
