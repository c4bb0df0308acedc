//! The S-curve of a deduplicator with a pair model (`minhash`): the recall measured on gold
//! duplicate pairs, binned by the pairs' true similarity, set against the detection probability
//! the strategy predicts for them.
//!
//! 1. Gold pairs: every pair of documents in one gold cluster, with a seeded, bounded sample
//!    where there are too many. A cluster gives at most [`Caps::per_cluster`] pairs; when the
//!    clusters' allowances add up to more than [`Caps::total`], the per-cluster allowance is
//!    lowered until they fit (water-filling: small clusters keep all their pairs, big ones are
//!    cut to one level). When there are more clusters than `total` pairs, one pair is drawn from
//!    each of `total` clusters, chosen by their seeded key. A cluster with more pairs than its
//!    allowance `k` first draws the fewest members that have `k` pairs, then `k` of their pairs
//!    (both without replacement, by Floyd's algorithm), so every pair of the cluster is equally
//!    likely and a huge cluster costs the features of about `sqrt(2 k)` documents. The draws
//!    come from SplitMix64 seeded with `xxh3_64("s-curve\0" ‖ seed ‖ first document index)`, all
//!    little-endian u64, so the sample depends only on the gold and the run seed (the bootstrap's
//!    `--bootstrap-seed`), not on thread count or cluster order.
//! 2. Each sampled pair's true similarity is the strategy's own ([`PairModel::similarity`] of
//!    [`PairModel::features`]: for `minhash` the exact Jaccard of the shingle sets, with its
//!    normalisation and shingling), and it is found when the strategy put both documents in one
//!    cluster (directly or through other documents).
//! 3. Pairs are binned by similarity into [`BINS`] bins of width 0.05, `[k/20, (k+1)/20)`, the
//!    last one closed (identical documents land in it). Each bin with at least one pair writes,
//!    named by the bin's centre `x` (`0.025`, ..., `0.975`):
//!    - `pairs@jaccard=x`: the number of sampled pairs in the bin;
//!    - `pair_recall@jaccard=x`: the share of them in one predicted cluster;
//!    - `p_detect@jaccard=x`: the mean over them of the predicted detection probability of each
//!      pair's own similarity (the recall the model expects of exactly those pairs, which in the
//!      steep part of the curve differs from the curve at the bin's centre).
//!
//! Measured recall counts transitive links, so in clusters of more than two documents it can
//! exceed the prediction, which is for one pair alone. The rows get no bootstrap interval and are
//! not gated (`model::catalogue::PATTERNS`); `docs/statistics.md` has measured cost and curves.

use std::collections::BTreeSet;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::model::PairModel;
use crate::text::hash::SplitMix64;

/// Similarity bins over `[0, 1]` (width 0.05).
pub const BINS: usize = 20;

/// Bounds on the gold pairs whose similarity is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// The most pairs drawn from one gold cluster.
    pub per_cluster: u64,
    /// The most pairs drawn in all.
    pub total: u64,
}

impl Default for Caps {
    /// 2,000 pairs per cluster, 20,000 in all: at most 40,000 documents shingled again (20,000
    /// documents of 9 KB took 1.0 to 1.6 s on two cores; `docs/statistics.md`), while a bin of the
    /// steep part of the curve can still hold hundreds of pairs.
    fn default() -> Self {
        Caps { per_cluster: 2_000, total: 20_000 }
    }
}

/// The gold clusters of more than one document: their members' indices, ascending, clusters in
/// the order of their first document.
pub fn gold_clusters(gold: &[u32]) -> Vec<Vec<u32>> {
    let mut by_label: std::collections::BTreeMap<u32, usize> = std::collections::BTreeMap::new();
    let mut members: Vec<Vec<u32>> = Vec::new();
    for (d, &label) in gold.iter().enumerate() {
        let k = *by_label.entry(label).or_insert_with(|| {
            members.push(Vec::new());
            members.len() - 1
        });
        members[k].push(d as u32);
    }
    members.retain(|m| m.len() > 1);
    members
}

fn pairs_of(n: usize) -> u64 {
    let n = n as u64;
    n * n.saturating_sub(1) / 2
}

/// The seed of cluster `first`'s draws.
fn cluster_key(seed: u64, first: u32) -> u64 {
    let mut key = [0u8; 24];
    key[..8].copy_from_slice(b"s-curve\0");
    key[8..16].copy_from_slice(&seed.to_le_bytes());
    key[16..].copy_from_slice(&u64::from(first).to_le_bytes());
    xxh3_64(&key)
}

/// How many pairs each cluster (`sizes`: member counts) gives under `caps`, by water-filling;
/// `keys` choose the clusters when there are more of them than `caps.total`.
pub fn allowances(sizes: &[usize], keys: &[u64], caps: Caps) -> Vec<u64> {
    let want: Vec<u64> = sizes.iter().map(|&n| pairs_of(n).min(caps.per_cluster)).collect();
    let used = |level: u64| want.iter().map(|&w| w.min(level) as u128).sum::<u128>();
    if used(u64::MAX) <= u128::from(caps.total) {
        return want;
    }
    // The highest level whose allowances fit (used(0) = 0 always fits).
    let (mut lo, mut hi) = (0u64, caps.per_cluster);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if used(mid) <= u128::from(caps.total) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    if lo > 0 {
        return want.iter().map(|&w| w.min(lo)).collect();
    }
    // More clusters than pairs allowed: one pair from each of the `total` smallest keys.
    let mut order: Vec<usize> = (0..sizes.len()).filter(|&c| want[c] > 0).collect();
    order.sort_by_key(|&c| (keys[c], c));
    let mut out = vec![0u64; sizes.len()];
    for &c in order.iter().take(usize::try_from(caps.total).unwrap_or(usize::MAX)) {
        out[c] = 1;
    }
    out
}

/// The pair of colex rank `p`: `(i, j)`, `i < j`, with `p = j (j - 1) / 2 + i`.
fn unrank(p: u64) -> (u64, u64) {
    let mut j = ((1.0 + (1.0 + 8.0 * p as f64).sqrt()) / 2.0) as u64;
    while j > 1 && j * (j - 1) / 2 > p {
        j -= 1;
    }
    while (j + 1) * j / 2 <= p {
        j += 1;
    }
    (p - j * (j - 1) / 2, j)
}

/// `k` distinct values of `[0, total)` (`k <= total`), drawn from `rng` by Floyd's algorithm,
/// ascending.
fn floyd(total: u64, k: u64, rng: &mut SplitMix64) -> Vec<u64> {
    let mut chosen: BTreeSet<u64> = BTreeSet::new();
    for j in total - k.min(total)..total {
        // t uniform in [0, j]; take it, or j when t is already taken.
        let t = ((u128::from(rng.next_u64()) * (u128::from(j) + 1)) >> 64) as u64;
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    chosen.into_iter().collect()
}

/// The fewest documents with at least `k` pairs (at least 2).
fn members_for(k: u64) -> u64 {
    let mut m = ((1.0 + (1.0 + 8.0 * k as f64).sqrt()) / 2.0).ceil() as u64;
    while m > 2 && (m - 1) * (m - 2) / 2 >= k {
        m -= 1;
    }
    while m * (m - 1) / 2 < k {
        m += 1;
    }
    m.max(2)
}

/// `k` distinct pairs of `members`, drawn from `rng`: all of them when `k` covers them; else
/// first the fewest members that have `k` pairs, then `k` of their pairs. Every pair of the
/// cluster is equally likely to be drawn, and a cluster of any size costs the features of at
/// most about `sqrt(2 k)` documents. In ascending order of (member, member) rank.
pub fn draw_pairs(members: &[u32], k: u64, rng: &mut SplitMix64) -> Vec<(u32, u32)> {
    let total = pairs_of(members.len());
    let (sub, ranks): (Vec<u32>, Vec<u64>) = if k >= total {
        (members.to_vec(), (0..total).collect())
    } else {
        let m = members_for(k).min(members.len() as u64);
        let sub: Vec<u32> = floyd(members.len() as u64, m, rng).into_iter().map(|i| members[i as usize]).collect();
        (sub, floyd(m * (m - 1) / 2, k, rng))
    };
    ranks
        .into_iter()
        .map(|p| {
            let (i, j) = unrank(p);
            (sub[i as usize], sub[j as usize])
        })
        .collect()
}

/// The sampled gold pairs of `gold` (document indices, `i < j`), one list per gold cluster that
/// gives any, in the order of the clusters' first documents.
pub fn sample_gold_pairs(gold: &[u32], seed: u64, caps: Caps) -> Vec<Vec<(u32, u32)>> {
    let clusters = gold_clusters(gold);
    let sizes: Vec<usize> = clusters.iter().map(Vec::len).collect();
    let keys: Vec<u64> = clusters.iter().map(|m| cluster_key(seed, m[0])).collect();
    let allow = allowances(&sizes, &keys, caps);
    clusters
        .iter()
        .zip(&keys)
        .zip(&allow)
        .filter(|(_, k)| **k > 0)
        .map(|((m, &key), &k)| draw_pairs(m, k, &mut SplitMix64::new(key)))
        .collect()
}

/// The bin of similarity `s`: `[k/20, (k+1)/20)`, the last closed; a similarity that is exactly
/// a bin edge (up to rounding) goes to the bin above it.
pub fn bin_of(s: f64) -> usize {
    let s = if s.is_nan() { 0.0 } else { s.clamp(0.0, 1.0) };
    ((s * BINS as f64 + 1e-9).floor() as usize).min(BINS - 1)
}

/// The centre of bin `k`, as it appears in row names (`0.825`).
pub fn bin_label(k: usize) -> String {
    format!("{:.3}", (k as f64 + 0.5) / BINS as f64)
}

/// One scored pair: its similarity, its predicted detection probability, whether it was found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPair {
    /// The strategy's similarity of the two documents.
    pub similarity: f64,
    /// The predicted probability that the pair is detected.
    pub predicted: f64,
    /// Whether the two are in one predicted cluster.
    pub found: bool,
}

/// Similarity, prediction and outcome of each pair of `clusters` (lists of pairs, as
/// [`sample_gold_pairs`] gives them), in the order given. Clusters are scored in parallel, and
/// within one the features of its documents are computed once each, in parallel, and dropped
/// when the cluster is done.
pub fn score_pairs(
    texts: &[&str],
    pred: &[u32],
    clusters: &[Vec<(u32, u32)>],
    model: &dyn PairModel,
) -> Vec<ScoredPair> {
    let scored: Vec<Vec<ScoredPair>> = clusters
        .par_iter()
        .map(|pairs| {
            let mut docs: Vec<u32> = pairs.iter().flat_map(|&(i, j)| [i, j]).collect();
            docs.sort_unstable();
            docs.dedup();
            let features: Vec<Vec<u64>> = docs
                .par_iter()
                .map(|&d| texts.get(d as usize).map(|t| model.features(t)).unwrap_or_default())
                .collect();
            let of = |d: u32| docs.binary_search(&d).map_or(&[][..], |k| features[k].as_slice());
            pairs
                .iter()
                .map(|&(i, j)| {
                    let similarity = model.similarity(of(i), of(j)).clamp(0.0, 1.0);
                    let found = matches!((pred.get(i as usize), pred.get(j as usize)), (Some(a), Some(b)) if a == b);
                    ScoredPair { similarity, predicted: model.detect_probability(similarity), found }
                })
                .collect()
        })
        .collect();
    scored.concat()
}

/// The rows of scored pairs, bin by bin (see the module documentation).
pub fn rows(scored: &[ScoredPair]) -> Vec<(String, f64)> {
    let mut count = [0u64; BINS];
    let mut found = [0u64; BINS];
    let mut predicted = [0f64; BINS];
    for p in scored {
        let k = bin_of(p.similarity);
        count[k] += 1;
        found[k] += u64::from(p.found);
        predicted[k] += p.predicted;
    }
    let mut out = Vec::new();
    for k in (0..BINS).filter(|&k| count[k] > 0) {
        let x = bin_label(k);
        let n = count[k] as f64;
        out.push((format!("pairs@jaccard={x}"), n));
        out.push((format!("pair_recall@jaccard={x}"), found[k] as f64 / n));
        out.push((format!("p_detect@jaccard={x}"), predicted[k] / n));
    }
    out
}

/// The S-curve rows of a predicted clustering `pred` against gold clusters `gold` (one label per
/// document each), with `model`'s similarity and prediction, over a sample of gold pairs drawn
/// from `seed` under `caps`. Empty when there is no gold pair.
pub fn s_curve(
    texts: &[&str],
    gold: &[u32],
    pred: &[u32],
    model: &dyn PairModel,
    seed: u64,
    caps: Caps,
) -> Vec<(String, f64)> {
    let pairs = sample_gold_pairs(gold, seed, caps);
    rows(&score_pairs(texts, pred, &pairs, model))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Similarity = the share of equal characters of two equal-length words; prediction = s^2.
    struct Chars;

    impl PairModel for Chars {
        fn features(&self, text: &str) -> Vec<u64> {
            text.bytes().map(u64::from).collect()
        }
        fn similarity(&self, a: &[u64], b: &[u64]) -> f64 {
            let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
            same as f64 / a.len().max(b.len()).max(1) as f64
        }
        fn detect_probability(&self, s: f64) -> f64 {
            s * s
        }
    }

    fn rows_map(rows: &[(String, f64)]) -> std::collections::BTreeMap<String, f64> {
        rows.iter().cloned().collect()
    }

    #[test]
    fn pairs_unrank_in_colex_order() {
        let got: Vec<(u64, u64)> = (0..6).map(unrank).collect();
        assert_eq!(got, [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]);
        // Large ranks, where the square root is not exact.
        for j in [1_000_000u64, 3_000_000_000] {
            let p = j * (j - 1) / 2;
            assert_eq!(unrank(p), (0, j));
            assert_eq!(unrank(p - 1), (j - 2, j - 1));
        }
    }

    #[test]
    fn members_for_is_the_fewest_documents_with_enough_pairs() {
        assert_eq!([1, 2, 3, 4, 6, 7, 300, 301].map(members_for), [2, 3, 3, 4, 4, 5, 25, 26]);
        assert_eq!(members_for(2_000), 64);
        let mut rng = SplitMix64::new(1);
        let picked = floyd(10, 4, &mut rng);
        assert_eq!(picked.len(), 4);
        assert!(picked.windows(2).all(|w| w[0] < w[1]) && picked.iter().all(|&v| v < 10));
        assert_eq!(floyd(5, 5, &mut rng), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn small_clusters_give_every_pair_in_order() {
        // Gold {0, 2, 3}, {1, 4}, {5}: pairs (0,2) (0,3) (2,3) and (1,4).
        let pairs = sample_gold_pairs(&[0, 1, 0, 0, 1, 5], 7, Caps::default());
        assert_eq!(pairs, [vec![(0, 2), (0, 3), (2, 3)], vec![(1, 4)]]);
    }

    #[test]
    fn sampling_is_seeded_distinct_and_capped() {
        // One cluster of 100 documents (4,950 pairs) and 50 pairs of two documents.
        let mut gold: Vec<u32> = vec![0; 100];
        gold.extend((0..100).map(|d| 100 + d / 2));
        let caps = Caps { per_cluster: 300, total: 10_000 };
        let a = sample_gold_pairs(&gold, 1, caps).concat();
        assert_eq!(a, sample_gold_pairs(&gold, 1, caps).concat());
        assert_ne!(a, sample_gold_pairs(&gold, 2, caps).concat());
        let big: Vec<&(u32, u32)> = a.iter().filter(|(i, _)| *i < 100).collect();
        assert_eq!(big.len(), 300);
        assert_eq!(a.len(), 350);
        let distinct: BTreeSet<&(u32, u32)> = big.iter().copied().collect();
        assert_eq!(distinct.len(), 300);
        // 300 pairs need 25 documents (25 * 24 / 2 = 300): every pair of 25 drawn members.
        let docs: BTreeSet<u32> = big.iter().flat_map(|&&(i, j)| [i, j]).collect();
        assert_eq!(docs.len(), 25);
        assert!(big.iter().all(|(i, j)| i < j && *j < 100));
        // Every sampled pair is a gold pair.
        assert!(a.iter().all(|&(i, j)| gold[i as usize] == gold[j as usize]));
        // A total cap of 100 lowers the level to 50: 50 pairs of the big cluster, 1 of each small.
        let tight = sample_gold_pairs(&gold, 1, Caps { per_cluster: 300, total: 100 }).concat();
        assert_eq!(tight.len(), 100);
        assert_eq!(tight.iter().filter(|(i, _)| *i < 100).count(), 50);
        // 50 pairs are drawn among 11 members (55 pairs; 10 have only 45).
        let docs: BTreeSet<u32> = tight.iter().filter(|(i, _)| *i < 100).flat_map(|&(i, j)| [i, j]).collect();
        assert_eq!(docs.len(), 11);
    }

    #[test]
    fn water_filling_fits_the_total_and_falls_back_to_one_pair_per_chosen_cluster() {
        let caps = Caps { per_cluster: 2_000, total: 1_000 };
        // Pairs 1, 3, 6 and 4,950: level 990 gives 1 + 3 + 6 + 990 = 1,000.
        assert_eq!(allowances(&[2, 3, 4, 100], &[0; 4], caps), [1, 3, 6, 990]);
        let all = Caps { per_cluster: 5, total: 100 };
        assert_eq!(allowances(&[2, 3, 4, 100], &[0; 4], all), [1, 3, 5, 5]);
        // Five clusters, two pairs allowed: the two smallest keys.
        let two = Caps { per_cluster: 10, total: 2 };
        assert_eq!(allowances(&[2, 2, 3, 2, 2], &[9, 4, 7, 1, 8], two), [0, 1, 0, 1, 0]);
    }

    #[test]
    fn sampling_does_not_depend_on_the_thread_count() {
        let gold: Vec<u32> = (0..3000u32).map(|d| d % 7).collect();
        let texts: Vec<String> = (0..3000).map(|d| format!("{:04}", d % 97)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let pred: Vec<u32> = (0..3000u32).map(|d| d % 14).collect();
        let caps = Caps { per_cluster: 500, total: 2_000 };
        let at = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| s_curve(&refs, &gold, &pred, &Chars, 3, caps))
        };
        let one = at(1);
        assert_eq!(one, at(4));
        // Seven clusters of about 430 documents: the level that fits 2,000 is 285 pairs each.
        let total: f64 = one.iter().filter(|(n, _)| n.starts_with("pairs@")).map(|(_, v)| v).sum();
        assert_eq!(total, 7.0 * 285.0);
    }

    #[test]
    fn bins_are_half_open_and_the_top_one_is_closed() {
        assert_eq!(bin_of(0.0), 0);
        assert_eq!(bin_of(0.049), 0);
        assert_eq!(bin_of(0.05), 1);
        assert_eq!(bin_of(0.15), 3);
        assert_eq!(bin_of(3.0 / 20.0), 3);
        assert_eq!(bin_of(0.8), 16);
        assert_eq!(bin_of(1.0), 19);
        assert_eq!(bin_label(19), "0.975");
        assert_eq!(bin_label(16), "0.825");
        assert_eq!(bin_label(0), "0.025");
    }

    #[test]
    fn identical_documents_land_in_the_top_bin_and_recall_is_counted_by_hand() {
        // Gold {0, 1, 2} {3, 4} {5, 6}: pairs (0,1) (0,2) (1,2) (3,4) (5,6).
        // Similarities: "abcd"/"abcd" 1; "abcd"/"abxy" 0.5 twice; "wxyz"/"wxyz" 1; "pqrs"/"pqzz" 0.5.
        let texts = ["abcd", "abcd", "abxy", "wxyz", "wxyz", "pqrs", "pqzz"];
        let gold = [0, 0, 0, 3, 3, 5, 5];
        // Predicted {0, 1} {2} {3, 4, 5, 6}: found (0,1) (3,4) (5,6); missed (0,2) (1,2).
        let pred = [0, 0, 2, 3, 3, 3, 3];
        let m = rows_map(&s_curve(&texts, &gold, &pred, &Chars, 0, Caps::default()));
        assert_eq!(m.len(), 6, "{m:?}");
        assert_eq!(m["pairs@jaccard=0.975"], 2.0);
        assert_eq!(m["pair_recall@jaccard=0.975"], 1.0);
        assert_eq!(m["p_detect@jaccard=0.975"], 1.0);
        // Bin [0.5, 0.55): (0,2) and (1,2) missed, (5,6) found -> 1/3; prediction 0.5^2.
        assert_eq!(m["pairs@jaccard=0.525"], 3.0);
        assert!((m["pair_recall@jaccard=0.525"] - 1.0 / 3.0).abs() < 1e-15);
        assert!((m["p_detect@jaccard=0.525"] - 0.25).abs() < 1e-15);
    }

    #[test]
    fn predictions_are_averaged_over_the_pairs_of_a_bin() {
        let scored = [
            ScoredPair { similarity: 0.80, predicted: 0.2, found: true },
            ScoredPair { similarity: 0.84, predicted: 0.6, found: false },
            ScoredPair { similarity: 0.10, predicted: 0.0, found: false },
        ];
        let m = rows_map(&rows(&scored));
        assert!((m["p_detect@jaccard=0.825"] - 0.4).abs() < 1e-15);
        assert_eq!(m["pair_recall@jaccard=0.825"], 0.5);
        assert_eq!(m["pairs@jaccard=0.125"], 1.0);
        assert_eq!(m["pair_recall@jaccard=0.125"], 0.0);
    }

    #[test]
    fn no_gold_pair_no_rows() {
        assert!(s_curve(&["a", "b"], &[0, 1], &[0, 0], &Chars, 0, Caps::default()).is_empty());
    }
}
