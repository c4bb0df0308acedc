//! The cluster metrics of bootstrap resamples of gold clusters, from sums prepared once per
//! gold cluster, so that a resample costs time in the clusters it draws rather than in their
//! documents.
//!
//! A resample draws gold clusters with repeats; the `k`-th copy of a drawn cluster is a new gold
//! cluster and its documents keep their predicted label tagged with `k` (copies never pair with
//! each other; see `docs/statistics.md`). Every sum of [`clusters::Sums`] and of the
//! per-category pair counts then splits by gold cluster, except where a predicted label spans
//! several gold clusters: a *pure* label (all its documents in one gold cluster) forms a
//! predicted cluster that lies inside one copy, so its share of every sum is fixed; the documents
//! of the other, *mixed* labels are gathered per (label, copy) in each resample.

use std::collections::HashMap;

use super::Prf;
use super::clusters::{ClusterScores, Sums, pairs};
use crate::text::hash::PlainKeys;

/// A predicted label's documents inside one gold cluster: the label, how many, and how many of
/// each category (sparse, by category index).
#[derive(Debug, Clone)]
struct Cell {
    label: u32,
    count: u64,
    by_category: Vec<(u32, u64)>,
}

/// One gold cluster's fixed shares of a resample's sums.
#[derive(Debug, Clone, Default)]
struct Share {
    size: u64,
    /// Pairs within its cells.
    tp: f64,
    /// `Σ cell² / size`.
    bcubed_r: f64,
    /// Pairs within, and `Σ cell² / cell` over, its pure labels' cells.
    pure_pairs: f64,
    pure_bcubed_p: f64,
    /// Per category present (sorted by index): pairs involving it among the cluster's
    /// documents, within its cells, and within its pure labels' cells.
    categories: Vec<(u32, f64, f64, f64)>,
    /// The cells of its mixed labels.
    mixed: Vec<Cell>,
}

/// A predicted cluster of a mixed label in one copy: its size and its category counts.
type Group = (u64, Vec<(u32, u64)>);

/// Pairs with at least one of `k` documents among `n`.
fn involving(n: u64, k: u64) -> f64 {
    pairs(n) - pairs(n - k)
}

/// Gold clusters prepared for resampling: each one's shares, and the category names.
#[derive(Debug, Clone)]
pub struct ClusterDraws {
    shares: Vec<Share>,
    /// Sorted, distinct; empty without categories.
    categories: Vec<String>,
}

impl ClusterDraws {
    /// Prepares `members` (each gold cluster's documents, in order), with `pred` each document's
    /// predicted label and `categories` each document's category index into `names`.
    pub fn new(members: &[Vec<usize>], pred: &[u32], categories: Option<(&[u32], &[String])>) -> ClusterDraws {
        // The gold clusters each predicted label has documents in (counted once per cluster).
        let mut spread: HashMap<u32, (usize, u32), PlainKeys> = HashMap::default();
        for (c, docs) in members.iter().enumerate() {
            for &d in docs {
                let Some(&label) = pred.get(d) else { continue };
                let e = spread.entry(label).or_insert((c, 0));
                if e.1 == 0 || e.0 != c {
                    *e = (c, e.1 + 1);
                }
            }
        }
        let cat_of = |d: usize| categories.and_then(|(of, _)| of.get(d).copied());
        let shares = members
            .iter()
            .map(|docs| {
                // Cells in order of first appearance, each with its category counts.
                let mut index: HashMap<u32, usize, PlainKeys> = HashMap::default();
                let mut cells: Vec<Cell> = Vec::new();
                let mut by_category: Vec<(u32, u64)> = Vec::new();
                for &d in docs {
                    let Some(&label) = pred.get(d) else { continue };
                    let i = *index.entry(label).or_insert_with(|| {
                        cells.push(Cell { label, count: 0, by_category: Vec::new() });
                        cells.len() - 1
                    });
                    cells[i].count += 1;
                    if let Some(cat) = cat_of(d) {
                        bump(&mut cells[i].by_category, cat);
                        bump(&mut by_category, cat);
                    }
                }
                let size = cells.iter().map(|c| c.count).sum::<u64>();
                let mut share = Share { size, ..Share::default() };
                let pure = |c: &Cell| spread.get(&c.label).is_some_and(|s| s.1 == 1);
                for cell in &cells {
                    let n = cell.count as f64;
                    share.tp += pairs(cell.count);
                    share.bcubed_r += n * n / size as f64;
                    if pure(cell) {
                        share.pure_pairs += pairs(cell.count);
                        share.pure_bcubed_p += n * n / n;
                    }
                }
                by_category.sort_unstable();
                share.categories = by_category
                    .iter()
                    .map(|&(cat, k)| {
                        let (mut in_cells, mut in_pure) = (0.0, 0.0);
                        for cell in &cells {
                            let kc = count_of(&cell.by_category, cat);
                            let v = involving(cell.count, kc);
                            in_cells += v;
                            if pure(cell) {
                                in_pure += v;
                            }
                        }
                        (cat, involving(size, k), in_cells, in_pure)
                    })
                    .collect();
                share.mixed = cells.into_iter().filter(|c| !pure(c)).collect();
                share
            })
            .collect();
        let categories = categories.map(|(_, names)| names.to_vec()).unwrap_or_default();
        ClusterDraws { shares, categories }
    }

    /// How many gold clusters there are to draw from.
    pub fn len(&self) -> usize {
        self.shares.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.shares.is_empty()
    }

    /// The cluster scores of the resample `idx` (gold cluster indices, sorted, repeats allowed),
    /// and its pair P/R/F1 per category of the documents drawn (sorted by name).
    pub fn score(&self, idx: &[usize]) -> (ClusterScores, Vec<(String, Prf)>) {
        let k = self.categories.len();
        let mut s = Sums::default();
        // Per category: pairs involving it within gold clusters, within cells, within predicted
        // clusters; and whether a drawn document has it.
        let (mut gold_inv, mut cell_inv, mut pred_inv) = (vec![0.0; k], vec![0.0; k], vec![0.0; k]);
        let mut present = vec![false; k];
        // Mixed labels: each (label, copy)'s predicted cluster size and category counts, and the
        // cells drawn of it.
        let mut groups: HashMap<u64, Group, PlainKeys> = HashMap::default();
        let mut mixed_cells: Vec<(u64, u64)> = Vec::new();
        let mut copy = 0u32;
        for (n, &c) in idx.iter().enumerate() {
            copy = if n > 0 && idx[n - 1] == c { copy + 1 } else { 0 };
            let Some(share) = self.shares.get(c) else { continue };
            s.docs += share.size;
            s.tp += share.tp;
            s.gold_pairs += pairs(share.size);
            s.predicted_pairs += share.pure_pairs;
            s.bcubed_p += share.pure_bcubed_p;
            s.bcubed_r += share.bcubed_r;
            for &(cat, in_gold, in_cells, in_pure) in &share.categories {
                let i = cat as usize;
                if i < k {
                    present[i] = true;
                    gold_inv[i] += in_gold;
                    cell_inv[i] += in_cells;
                    pred_inv[i] += in_pure;
                }
            }
            for cell in &share.mixed {
                let key = (u64::from(cell.label) << 32) | u64::from(copy);
                let g = groups.entry(key).or_default();
                g.0 += cell.count;
                for &(cat, kc) in &cell.by_category {
                    add(&mut g.1, cat, kc);
                }
                mixed_cells.push((key, cell.count));
            }
        }
        for (size, by_category) in groups.values() {
            s.predicted_pairs += pairs(*size);
            for &(cat, kc) in by_category {
                if let Some(v) = pred_inv.get_mut(cat as usize) {
                    *v += involving(*size, kc);
                }
            }
        }
        for &(key, count) in &mixed_cells {
            if let Some((size, _)) = groups.get(&key) {
                let n = count as f64;
                s.bcubed_p += n * n / *size as f64;
            }
        }
        let scores = ClusterScores::from_sums(s, 0);
        let by_category = (0..k)
            .filter(|&i| present[i])
            .map(|i| (self.categories[i].clone(), Prf::from_counts(cell_inv[i], pred_inv[i], gold_inv[i])))
            .collect();
        (scores, by_category)
    }
}

/// Adds `k` to category `cat`'s count in `counts`.
fn add(counts: &mut Vec<(u32, u64)>, cat: u32, k: u64) {
    match counts.iter_mut().find(|e| e.0 == cat) {
        Some(e) => e.1 += k,
        None => counts.push((cat, k)),
    }
}

/// Adds one to category `cat`'s count in `counts`.
fn bump(counts: &mut Vec<(u32, u64)>, cat: u32) {
    add(counts, cat, 1);
}

/// Category `cat`'s count in `counts`.
fn count_of(counts: &[(u32, u64)], cat: u32) -> u64 {
    counts.iter().find(|e| e.0 == cat).map_or(0, |e| e.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::clusters;
    use crate::text::hash::SplitMix64;

    /// The resample written out as a clustering of its own (the definition): each drawn copy a
    /// gold cluster, each (predicted label, copy) a predicted one, labels by first appearance.
    fn expanded(
        members: &[Vec<usize>],
        pred: &[u32],
        cats: &[String],
        idx: &[usize],
    ) -> (Vec<u32>, Vec<u32>, Vec<String>) {
        let (mut p, mut g, mut c) = (Vec::new(), Vec::new(), Vec::new());
        let mut labels: HashMap<u64, u32, PlainKeys> = HashMap::default();
        let mut copy = 0u32;
        for (n, &k) in idx.iter().enumerate() {
            copy = if n > 0 && idx[n - 1] == k { copy + 1 } else { 0 };
            for &d in &members[k] {
                let next = labels.len() as u32;
                p.push(*labels.entry((u64::from(pred[d]) << 32) | u64::from(copy)).or_insert(next));
                g.push(n as u32);
                c.push(cats[d].clone());
            }
        }
        (p, g, c)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(1.0)
    }

    #[test]
    fn resamples_score_as_their_expanded_clusterings() {
        let mut rng = SplitMix64::new(3);
        let names: Vec<String> = ["cut", "heavy", "light", "non", "orig"].iter().map(|s| s.to_string()).collect();
        for round in 0..60u64 {
            let docs = 1 + (rng.next_u64() % 400) as usize;
            let (kg, kp) = (1 + rng.next_u64() % (1 + round * 5), 1 + rng.next_u64() % (1 + round * 5));
            let gold: Vec<u32> = (0..docs).map(|_| (rng.next_u64() % kg) as u32).collect();
            let pred: Vec<u32> = (0..docs).map(|_| (rng.next_u64() % kp) as u32 * 13).collect();
            let cat_idx: Vec<u32> = (0..docs).map(|_| (rng.next_u64() % 5) as u32).collect();
            let cats: Vec<String> = cat_idx.iter().map(|&i| names[i as usize].clone()).collect();
            let mut members: Vec<Vec<usize>> = Vec::new();
            let mut index: HashMap<u32, usize, PlainKeys> = HashMap::default();
            for (d, l) in gold.iter().enumerate() {
                let k = *index.entry(*l).or_insert_with(|| {
                    members.push(Vec::new());
                    members.len() - 1
                });
                members[k].push(d);
            }
            let draws = ClusterDraws::new(&members, &pred, Some((&cat_idx, &names)));
            let mut idx: Vec<usize> =
                (0..members.len()).map(|_| (rng.next_u64() % members.len() as u64) as usize).collect();
            idx.sort_unstable();
            let (got, got_cats) = draws.score(&idx);
            let (p, g, c) = expanded(&members, &pred, &cats, &idx);
            let want = clusters::score(&p, &g);
            for (a, b) in [
                (got.pairwise.precision, want.pairwise.precision),
                (got.pairwise.recall, want.pairwise.recall),
                (got.pairwise.f1, want.pairwise.f1),
                (got.ari, want.ari),
                (got.bcubed.precision, want.bcubed.precision),
                (got.bcubed.recall, want.bcubed.recall),
                (got.predicted_pairs, want.predicted_pairs),
                (got.gold_pairs, want.gold_pairs),
            ] {
                assert!(close(a, b), "round {round}: {got:?} against {want:?}");
            }
            // Pair counts are whole numbers: exact.
            assert_eq!((got.predicted_pairs, got.gold_pairs), (want.predicted_pairs, want.gold_pairs));
            let want_cats = super::super::dedup::category_pairs(&p, &g, &c);
            assert_eq!(got_cats.len(), want_cats.len(), "round {round}");
            for ((na, a), (nb, b)) in got_cats.iter().zip(&want_cats) {
                assert_eq!(na, nb);
                assert!(
                    close(a.precision, b.precision) && close(a.recall, b.recall),
                    "round {round} {na}: {a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn a_mixed_label_joins_its_copies_and_a_repeat_stays_apart() {
        // Gold {0,1} {2}; predicted label 5 spans both clusters.
        let members = vec![vec![0, 1], vec![2]];
        let pred = [5u32, 5, 5];
        let draws = ClusterDraws::new(&members, &pred, None);
        // Both drawn once: one predicted cluster of 3 (3 pairs), 1 gold pair, tp 1.
        let (s, _) = draws.score(&[0, 1]);
        assert_eq!((s.predicted_pairs, s.gold_pairs), (3.0, 1.0));
        assert!(close(s.pairwise.precision, 1.0 / 3.0));
        // Cluster 0 drawn twice: its copies never pair, so 2 predicted pairs, 2 gold pairs.
        let (s, _) = draws.score(&[0, 0]);
        assert_eq!((s.predicted_pairs, s.gold_pairs, s.pairwise.f1), (2.0, 2.0, 1.0));
    }
}
