//! Document-level deduplication metrics over two clusterings of the same documents.
//!
//! - pairwise P/R/F1: over unordered document pairs placed in the same cluster;
//! - ARI: the adjusted Rand index of Hubert and Arabie (1985), as scikit-learn computes it;
//! - B-cubed P/R/F1: per-document overlap of predicted and gold clusters, averaged (Bagga and
//!   Baldwin 1998; Amigó et al. 2009).
//!
//! All are computed from the contingency table in O(n), so a million documents cost nothing.

use std::collections::{BTreeMap, HashMap};

use super::Prf;

/// Every document-level figure at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterScores {
    /// Same-cluster pairs.
    pub pairwise: Prf,
    /// Adjusted Rand index.
    pub ari: f64,
    /// B-cubed.
    pub bcubed: Prf,
    /// Size of the largest predicted cluster.
    pub largest_cluster: usize,
    /// Number of predicted same-cluster pairs.
    pub predicted_pairs: f64,
    /// Number of gold same-cluster pairs.
    pub gold_pairs: f64,
}

fn pairs(n: u64) -> f64 {
    (n as f64) * (n as f64 - 1.0) / 2.0
}

/// Scores `pred` against `gold` (one label per document; labels are arbitrary).
///
/// # Panics
/// If the two have different lengths (a programming error, not an input error).
pub fn score(pred: &[u32], gold: &[u32]) -> ClusterScores {
    assert_eq!(pred.len(), gold.len(), "clusterings of different document sets");
    let n = pred.len();
    // Ordered, so that floating-point sums run in the same order on every run.
    let mut cells: BTreeMap<(u32, u32), u64> = BTreeMap::new();
    let mut pred_sizes: HashMap<u32, u64> = HashMap::new();
    let mut gold_sizes: HashMap<u32, u64> = HashMap::new();
    for (&p, &g) in pred.iter().zip(gold) {
        *cells.entry((p, g)).or_default() += 1;
        *pred_sizes.entry(p).or_default() += 1;
        *gold_sizes.entry(g).or_default() += 1;
    }
    let tp: f64 = cells.values().map(|&c| pairs(c)).sum();
    let predicted_pairs: f64 = pred_sizes.values().map(|&c| pairs(c)).sum();
    let gold_pairs: f64 = gold_sizes.values().map(|&c| pairs(c)).sum();
    let pairwise = Prf::from_counts(tp, predicted_pairs, gold_pairs);

    let total = pairs(n as u64);
    let expected = if total > 0.0 { predicted_pairs * gold_pairs / total } else { 0.0 };
    let max = (predicted_pairs + gold_pairs) / 2.0;
    // The denominator is zero only when both clusterings are all singletons or both are one
    // cluster: identical trivial partitions, a perfect match.
    let ari = if max - expected == 0.0 { 1.0 } else { (tp - expected) / (max - expected) };

    let (mut bp, mut br) = (0.0, 0.0);
    for (&(p, g), &c) in &cells {
        let c = c as f64;
        bp += c * c / pred_sizes[&p] as f64;
        br += c * c / gold_sizes[&g] as f64;
    }
    let bcubed = if n == 0 { Prf::from_pr(1.0, 1.0) } else { Prf::from_pr(bp / n as f64, br / n as f64) };
    let largest_cluster = pred_sizes.values().copied().max().unwrap_or(0) as usize;
    ClusterScores { pairwise, ari, bcubed, largest_cluster, predicted_pairs, gold_pairs }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn hand_computed_example() {
        // gold {0,1,2} {3,4}; pred {0,1} {2,3,4}
        // pairs: gold 3+1=4, pred 1+3=4, shared: (0,1), (3,4) = 2 -> P = R = 0.5
        let s = score(&[0, 0, 1, 1, 1], &[7, 7, 7, 9, 9]);
        assert!(close(s.pairwise.precision, 0.5) && close(s.pairwise.recall, 0.5));
        // ARI: total 10, expected 4*4/10 = 1.6, max 4 -> (2-1.6)/(4-1.6) = 1/6
        assert!(close(s.ari, 1.0 / 6.0), "{}", s.ari);
        // B-cubed P: docs 0,1: 2/2; doc 2: 1/3; docs 3,4: 2/3 -> (1+1+1/3+2/3+2/3)/5 = 11/15
        assert!(close(s.bcubed.precision, 11.0 / 15.0), "{}", s.bcubed.precision);
        // B-cubed R: docs 0,1: 2/3; doc 2: 1/3; docs 3,4: 2/2 -> (2/3+2/3+1/3+1+1)/5 = 11/15
        assert!(close(s.bcubed.recall, 11.0 / 15.0));
        assert_eq!(s.largest_cluster, 3);
    }

    #[test]
    fn ari_matches_scikit_learn_reference() {
        // sklearn.metrics.adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 2]) = 0.5714285714285715
        assert!(close(score(&[0, 0, 1, 2], &[0, 0, 1, 1]).ari, 0.5714285714285715));
        // sklearn.metrics.adjusted_rand_score([0, 0, 1, 1], [0, 1, 0, 1]) = -0.5
        assert!(close(score(&[0, 1, 0, 1], &[0, 0, 1, 1]).ari, -0.5));
    }

    #[test]
    fn all_singletons_on_both_sides_is_perfect() {
        let s = score(&[0, 1, 2], &[5, 6, 7]);
        assert_eq!(s.pairwise, Prf { precision: 1.0, recall: 1.0, f1: 1.0 });
        assert_eq!(s.ari, 1.0);
        assert_eq!(s.bcubed.f1, 1.0);
    }

    #[test]
    fn predicting_nothing_when_duplicates_exist_scores_zero_pairs() {
        let s = score(&[0, 1, 2], &[0, 0, 2]);
        assert_eq!((s.pairwise.precision, s.pairwise.recall), (0.0, 0.0));
        assert!(s.ari.abs() < 1e-12);
    }
}
