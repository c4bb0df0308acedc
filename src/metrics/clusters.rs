//! Document-level deduplication metrics over two clusterings of the same documents.
//!
//! - pairwise P/R/F1: over unordered document pairs placed in the same cluster;
//! - ARI: the adjusted Rand index of Hubert and Arabie (1985), as scikit-learn computes it;
//! - B-cubed P/R/F1: per-document overlap of predicted and gold clusters, averaged (Bagga and
//!   Baldwin 1998; Amigó et al. 2009).
//!
//! All are computed from the contingency table in O(n), so a million documents cost nothing.

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

/// Scores `pred` against `gold` (one label per document; labels are arbitrary).
///
/// # Panics
/// If the two have different lengths (a programming error, not an input error).
pub fn score(pred: &[u32], gold: &[u32]) -> ClusterScores {
    assert_eq!(pred.len(), gold.len(), "clusterings of different document sets");
    let n = pred.len();
    // The contingency table's cells in (predicted, gold) order, so that floating-point sums run
    // in the same order on every run: the sorted pairs, then runs of equal pairs.
    let mut keys: Vec<u64> = pred.iter().zip(gold).map(|(&p, &g)| (u64::from(p) << 32) | u64::from(g)).collect();
    keys.sort_unstable();
    let mut cells: Vec<(u32, u32, u64)> = Vec::new();
    for run in keys.chunk_by(|a, b| a == b) {
        let k = run[0];
        cells.push(((k >> 32) as u32, k as u32, run.len() as u64));
    }
    // Predicted clusters are runs of cells; gold clusters are found by label in a sorted table.
    let mut pred_sizes: Vec<u64> = Vec::with_capacity(cells.len());
    for run in cells.chunk_by(|a, b| a.0 == b.0) {
        let size: u64 = run.iter().map(|c| c.2).sum();
        pred_sizes.extend(std::iter::repeat_n(size, run.len()));
    }
    let mut gold_sorted = gold.to_vec();
    gold_sorted.sort_unstable();
    let gold_sizes: Vec<(u32, u64)> = gold_sorted.chunk_by(|a, b| a == b).map(|r| (r[0], r.len() as u64)).collect();
    let gold_size = |g: u32| gold_sizes.binary_search_by_key(&g, |e| e.0).map_or(0, |i| gold_sizes[i].1);

    // Each sum adds whole numbers below 2^53, so it is exact in any order.
    let tp: f64 = cells.iter().map(|c| pairs(c.2)).sum();
    let predicted_pairs: f64 = cells.chunk_by(|a, b| a.0 == b.0).map(|r| pairs(r.iter().map(|c| c.2).sum())).sum();
    let gold_pairs: f64 = gold_sizes.iter().map(|&(_, c)| pairs(c)).sum();
    let (mut bp, mut br) = (0.0, 0.0);
    for (&(_, g, c), &p_size) in cells.iter().zip(&pred_sizes) {
        let c = c as f64;
        bp += c * c / p_size as f64;
        br += c * c / gold_size(g) as f64;
    }
    let largest_cluster = pred_sizes.iter().copied().max().unwrap_or(0) as usize;
    ClusterScores::from_sums(
        Sums { docs: n as u64, tp, predicted_pairs, gold_pairs, bcubed_p: bp, bcubed_r: br },
        largest_cluster,
    )
}

/// The sums every figure of [`ClusterScores`] is made of, over the contingency table's cells:
/// pairs within cells (`tp`), within predicted and within gold clusters, and the B-cubed sums
/// `Σ cell² / predicted size` and `Σ cell² / gold size`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sums {
    /// Documents.
    pub docs: u64,
    /// Pairs in the same predicted and the same gold cluster.
    pub tp: f64,
    /// Pairs in the same predicted cluster.
    pub predicted_pairs: f64,
    /// Pairs in the same gold cluster.
    pub gold_pairs: f64,
    /// `Σ cell² / predicted cluster size`.
    pub bcubed_p: f64,
    /// `Σ cell² / gold cluster size`.
    pub bcubed_r: f64,
}

impl ClusterScores {
    /// The figures from their sums (and the largest predicted cluster's size).
    pub fn from_sums(s: Sums, largest_cluster: usize) -> ClusterScores {
        let pairwise = Prf::from_counts(s.tp, s.predicted_pairs, s.gold_pairs);
        let total = pairs(s.docs);
        let expected = if total > 0.0 { s.predicted_pairs * s.gold_pairs / total } else { 0.0 };
        let max = (s.predicted_pairs + s.gold_pairs) / 2.0;
        // The denominator is zero only when both clusterings are all singletons or both are one
        // cluster: identical trivial partitions, a perfect match.
        let ari = if max - expected == 0.0 { 1.0 } else { (s.tp - expected) / (max - expected) };
        let bcubed = if s.docs == 0 {
            Prf::from_pr(1.0, 1.0)
        } else {
            Prf::from_pr(s.bcubed_p / s.docs as f64, s.bcubed_r / s.docs as f64)
        };
        ClusterScores {
            pairwise,
            ari,
            bcubed,
            largest_cluster,
            predicted_pairs: s.predicted_pairs,
            gold_pairs: s.gold_pairs,
        }
    }
}

/// Same-cluster pairs among `n` documents, `n (n - 1) / 2`: a whole number, exact in `f64` below 2^53.
pub fn pairs(n: u64) -> f64 {
    (n as f64) * (n as f64 - 1.0) / 2.0
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

    /// The contingency table kept in ordered and hashed maps, cell by cell: what [`score`]
    /// computes from sorted runs must agree with it to the last bit.
    fn score_by_maps(pred: &[u32], gold: &[u32]) -> ClusterScores {
        use std::collections::{BTreeMap, HashMap};
        let mut cells: BTreeMap<(u32, u32), u64> = BTreeMap::new();
        let (mut ps, mut gs): (HashMap<u32, u64>, HashMap<u32, u64>) = (HashMap::new(), HashMap::new());
        for (&p, &g) in pred.iter().zip(gold) {
            *cells.entry((p, g)).or_default() += 1;
            *ps.entry(p).or_default() += 1;
            *gs.entry(g).or_default() += 1;
        }
        let tp: f64 = cells.values().map(|&c| pairs(c)).sum();
        let (pp, gp): (f64, f64) = (ps.values().map(|&c| pairs(c)).sum(), gs.values().map(|&c| pairs(c)).sum());
        let n = pred.len();
        let total = pairs(n as u64);
        let expected = if total > 0.0 { pp * gp / total } else { 0.0 };
        let max = (pp + gp) / 2.0;
        let ari = if max - expected == 0.0 { 1.0 } else { (tp - expected) / (max - expected) };
        let (mut bp, mut br) = (0.0, 0.0);
        for (&(p, g), &c) in &cells {
            let c = c as f64;
            bp += c * c / ps[&p] as f64;
            br += c * c / gs[&g] as f64;
        }
        let bcubed = if n == 0 { Prf::from_pr(1.0, 1.0) } else { Prf::from_pr(bp / n as f64, br / n as f64) };
        let largest_cluster = ps.values().copied().max().unwrap_or(0) as usize;
        ClusterScores {
            pairwise: Prf::from_counts(tp, pp, gp),
            ari,
            bcubed,
            largest_cluster,
            predicted_pairs: pp,
            gold_pairs: gp,
        }
    }

    #[test]
    fn sorted_runs_agree_with_the_maps_to_the_last_bit() {
        let mut rng = crate::text::hash::SplitMix64::new(7);
        for round in 0..50u64 {
            let n = (rng.next_u64() % 3000) as usize;
            let (kp, kg) = (1 + rng.next_u64() % (1 + round * 40), 1 + rng.next_u64() % (1 + round * 40));
            let pred: Vec<u32> = (0..n).map(|_| (rng.next_u64() % kp) as u32 * 7919).collect();
            let gold: Vec<u32> = (0..n).map(|_| u32::MAX - (rng.next_u64() % kg) as u32).collect();
            let (a, b) = (score(&pred, &gold), score_by_maps(&pred, &gold));
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "round {round}");
        }
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
