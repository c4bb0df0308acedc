//! Scores one deduplicator's output against a dataset's gold, as named metrics.
//!
//! Document metrics need predicted clusters and gold clusters. When the gold gives each document
//! a category, pair metrics are also reported per category (`pair_recall@cut`, ...): for a
//! category `c`, only the pairs with at least one document of category `c` count, on both sides:
//! precision@c = correct predicted pairs involving `c` / predicted pairs involving `c`, recall@c =
//! correct predicted pairs involving `c` / gold pairs involving `c` (the empty-denominator rule of
//! [`Prf::from_counts`] applies: a category with no gold pairs, such as Clough-Stevenson's `non`,
//! scores 1 when nothing involving it is predicted and 0 otherwise). Span metrics need gold spans; a
//! strategy that only clusters is scored on spans as a cleaner would apply it: every document
//! but the first of its cluster is removed whole.

use std::collections::HashMap;

use super::bootstrap::Pass;
use super::cluster_resample::ClusterDraws;
use super::{Prf, clusters, spans};
use crate::model::{DedupGold, DedupOutput, DocView, Family, Pairs, Scoring};
use crate::text::Spans;
use crate::text::hash::PlainKeys;

/// Spans implied by a clustering: the whole text of every document but its cluster's first.
pub fn spans_from_clusters<D: DocView + ?Sized>(docs: &D, cluster: &[u32]) -> Vec<Spans> {
    let mut seen = std::collections::HashSet::new();
    (0..docs.count())
        .zip(cluster)
        .map(|(doc, &c)| {
            let len = docs.char_len(doc);
            if seen.insert(c) || len == 0 { Spans::default() } else { Spans::new(vec![0..len]) }
        })
        .collect()
}

/// Edge-level scores: the predicted duplicate pairs themselves (before any transitive closure)
/// against the same-cluster pairs of `gold`. Repeated or reversed pairs count once; a pair of a
/// document with itself is ignored. Grouped pairs are counted from per-group histograms of gold
/// labels, never expanded: linear in documents plus distinct edges times the gold clusters a
/// group spans.
pub fn edge_score(pairs: &Pairs, gold: &[u32]) -> Prf {
    let n = gold.len();
    let group = |d: u32| pairs.group.as_ref().and_then(|g| g.get(d as usize)).copied().unwrap_or(d);
    // Gold labels of the members of each group of more than one document.
    let mut hist: HashMap<u32, HashMap<u32, u64>> = HashMap::new();
    if let Some(g) = &pairs.group {
        let mut size: HashMap<u32, u64> = HashMap::new();
        for &r in g.iter().take(n) {
            *size.entry(r).or_default() += 1;
        }
        for (d, &r) in g.iter().enumerate().take(n) {
            if size.get(&r).is_some_and(|&k| k > 1) {
                *hist.entry(r).or_default().entry(gold[d]).or_default() += 1;
            }
        }
    }
    let choose2 = |k: u64| (k as f64) * (k as f64 - 1.0) / 2.0;
    let mut predicted: f64 = hist.values().map(|h| choose2(h.values().sum())).sum();
    let mut tp: f64 = hist.values().flat_map(|h| h.values()).map(|&k| choose2(k)).sum();
    let mut seen: std::collections::HashSet<(u32, u32)> = std::collections::HashSet::with_capacity(pairs.edges.len());
    for &(a, b) in &pairs.edges {
        if a as usize >= n || b as usize >= n {
            continue;
        }
        let (x, y) = (group(a), group(b));
        let (x, y) = (x.min(y), x.max(y));
        if x == y || y as usize >= n || !seen.insert((x, y)) {
            continue;
        }
        match (hist.get(&x), hist.get(&y)) {
            (None, None) => {
                predicted += 1.0;
                tp += f64::from(u8::from(gold[x as usize] == gold[y as usize]));
            }
            (Some(h), None) | (None, Some(h)) => {
                let single = if hist.contains_key(&x) { y } else { x };
                predicted += h.values().sum::<u64>() as f64;
                tp += h.get(&gold[single as usize]).copied().unwrap_or(0) as f64;
            }
            (Some(hx), Some(hy)) => {
                predicted += (hx.values().sum::<u64>() * hy.values().sum::<u64>()) as f64;
                let (small, big) = if hx.len() <= hy.len() { (hx, hy) } else { (hy, hx) };
                tp += small.iter().map(|(c, k)| (k * big.get(c).copied().unwrap_or(0)) as f64).sum::<f64>();
            }
        }
    }
    let mut sizes: HashMap<u32, u64> = HashMap::new();
    for &g in gold {
        *sizes.entry(g).or_default() += 1;
    }
    let gold_pairs: f64 = sizes.values().map(|&k| choose2(k)).sum();
    Prf::from_counts(tp, predicted, gold_pairs)
}

fn push_prf(out: &mut Vec<(String, f64)>, prefix: &str, prf: Prf) {
    out.push((format!("{prefix}_precision"), prf.precision));
    out.push((format!("{prefix}_recall"), prf.recall));
    out.push((format!("{prefix}_f1"), prf.f1));
}

fn pairs(n: u64) -> f64 {
    (n as f64) * (n as f64 - 1.0) / 2.0
}

/// The category of each document as an index into the sorted, distinct category names.
#[derive(Debug, Clone, Default)]
pub struct Categories {
    /// Sorted, distinct.
    names: Vec<String>,
    of_doc: Vec<u32>,
}

impl Categories {
    /// Indexes the category names of `categories` (one per document).
    pub fn new(categories: &[String]) -> Categories {
        let mut names: Vec<&str> = categories.iter().map(String::as_str).collect();
        names.sort_unstable();
        names.dedup();
        let of_doc = categories.iter().map(|c| names.binary_search(&c.as_str()).map_or(0, |i| i as u32)).collect();
        Categories { names: names.into_iter().map(str::to_string).collect(), of_doc }
    }
}

/// For every category, the pairs with at least one member of it, summed over groups: in a group
/// of `n` documents, `k` of them of the category, they are `pairs(n) - pairs(n - k)`. `keyed`
/// holds each document's (group, category); it is sorted in place. Every term is a whole number
/// below 2^53, so the sums are exact in any order.
fn involving(keyed: &mut [(u64, u32)], categories: usize) -> Vec<f64> {
    let mut out = vec![0.0; categories];
    keyed.sort_unstable();
    for group in keyed.chunk_by(|a, b| a.0 == b.0) {
        let n = group.len() as u64;
        for run in group.chunk_by(|a, b| a.1 == b.1) {
            if let Some(total) = out.get_mut(run[0].1 as usize) {
                *total += pairs(n) - pairs(n - run.len() as u64);
            }
        }
    }
    out
}

/// Pairwise P/R/F1 per category (sorted by name), counting only pairs with at least one document
/// of that category, from the group sizes of the predicted clusters, the gold clusters and their
/// cells (see [`involving`]).
pub fn category_pairs(pred: &[u32], gold: &[u32], categories: &[String]) -> Vec<(String, Prf)> {
    category_pairs_indexed(pred, gold, &Categories::new(categories))
}

/// [`category_pairs`] with the categories indexed already (`categories.of_doc` aligned with
/// `pred` and `gold`).
fn category_pairs_indexed(pred: &[u32], gold: &[u32], categories: &Categories) -> Vec<(String, Prf)> {
    let k = categories.names.len();
    let cats = &categories.of_doc;
    let mut keyed: Vec<(u64, u32)> = pred.iter().zip(cats).map(|(&p, &c)| (u64::from(p), c)).collect();
    let by_pred = involving(&mut keyed, k);
    keyed = gold.iter().zip(cats).map(|(&g, &c)| (u64::from(g), c)).collect();
    let by_gold = involving(&mut keyed, k);
    keyed = pred.iter().zip(gold).zip(cats).map(|((&p, &g), &c)| ((u64::from(p) << 32) | u64::from(g), c)).collect();
    let by_cell = involving(&mut keyed, k);
    // Only the categories some document has (a resample may draw none of one).
    let mut present = vec![false; k];
    for &c in cats {
        if let Some(p) = present.get_mut(c as usize) {
            *p = true;
        }
    }
    (0..k)
        .filter(|&c| present[c])
        .map(|c| (categories.names[c].clone(), Prf::from_counts(by_cell[c], by_pred[c], by_gold[c])))
        .collect()
}

/// Named metrics of `output` on `docs` with `gold`, in a fixed order: each family of
/// `scoring` that both the gold and the output allow.
pub fn score<D: DocView + ?Sized>(
    docs: &D,
    gold: &DedupGold,
    scoring: &Scoring,
    output: &DedupOutput,
) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let categories = gold.categories.as_ref().filter(|c| c.len() == docs.count());
    if scoring.has(Family::Cluster)
        && let (Some(pred), Some(gold)) = (&output.cluster, &gold.clusters)
    {
        let categories = categories.map(|c| Categories::new(c));
        push_cluster_rows(&mut out, pred, gold, categories.as_ref(), true);
    }
    if scoring.has(Family::Edge)
        && let (Some(pairs), Some(gold)) = (&output.pairs, &gold.clusters)
    {
        push_prf(&mut out, "edge", edge_score(pairs, gold));
    }
    let pred_spans: Option<Vec<Spans>> = match (&output.dup_spans, &output.cluster) {
        (Some(s), _) => Some(s.iter().map(|d| Spans::of(d)).collect()),
        (None, Some(c)) => Some(spans_from_clusters(docs, c)),
        (None, None) => None,
    };
    if let Some(pred) = pred_spans {
        if scoring.has(Family::Span)
            && let Some(gold) = &gold.spans
        {
            push_prf(&mut out, "span", spans::score(&pred, gold));
        }
        if scoring.has(Family::Removal) {
            let total: usize = (0..docs.count()).map(|d| docs.char_len(d)).sum();
            let removed: usize = pred.iter().map(Spans::covered).sum();
            out.push(("removed_fraction".into(), if total == 0 { 0.0 } else { removed as f64 / total as f64 }));
        }
    }
    out
}

/// The S-curve rows (`pairs@jaccard=x`, `pair_recall@jaccard=x`, `p_detect@jaccard=x`, see
/// [`super::s_curve`]) of `output` on `docs` with `gold` and the strategy's pair `model`, gold
/// pairs sampled from `seed` under the default caps. Empty unless the cluster family is scored
/// and both the gold and the output have clusters (of at most 2^32 documents: pairs are of
/// `u32` indices).
pub fn s_curve<D: DocView + ?Sized>(
    docs: &D,
    gold: &DedupGold,
    scoring: &Scoring,
    output: &DedupOutput,
    model: &dyn crate::model::PairModel,
    seed: u64,
) -> Vec<(String, f64)> {
    match (&output.cluster, &gold.clusters) {
        (Some(pred), Some(g))
            if scoring.has(Family::Cluster)
                && pred.len() == docs.count()
                && g.len() == docs.count()
                && u32::try_from(docs.count()).is_ok() =>
        {
            // Only the sampled pairs' documents are read, renumbered in dataset order.
            let clusters = super::s_curve::sample_gold_pairs(g, seed, super::s_curve::Caps::default());
            let mut wanted: Vec<u32> = clusters.iter().flatten().flat_map(|&(i, j)| [i, j]).collect();
            wanted.sort_unstable();
            wanted.dedup();
            let Ok(texts) = docs.texts(&wanted) else { return Vec::new() };
            let texts: Vec<&str> = texts.iter().map(|t| t.as_ref()).collect();
            let local = |d: u32| wanted.binary_search(&d).map_or(u32::MAX, |k| k as u32);
            let clusters: Vec<Vec<(u32, u32)>> =
                clusters.iter().map(|c| c.iter().map(|&(i, j)| (local(i), local(j))).collect()).collect();
            let pred: Vec<u32> = wanted.iter().map(|&d| pred[d as usize]).collect();
            super::s_curve::rows(&super::s_curve::score_pairs(&texts, &pred, &clusters, model))
        }
        _ => Vec::new(),
    }
}

/// What a bootstrap resamples for one dedup cell: gold clusters for the cluster metrics,
/// documents for the span metrics (`docs/statistics.md`). Edge metrics get no interval: a
/// resample of clusters would have to re-map the strategy's own pairs.
pub struct Resampler {
    /// Gold clusters (by first document) prepared for drawing.
    clusters: Option<ClusterDraws>,
    /// Per-document span counts.
    spans: Option<Vec<spans::SpanCounts>>,
}

impl Resampler {
    /// The units of `output` on `docs` with `gold`, for the families of `scoring` both allow.
    pub fn new<D: DocView + ?Sized>(docs: &D, gold: &DedupGold, scoring: &Scoring, output: &DedupOutput) -> Resampler {
        let categories = gold.categories.as_deref().filter(|c| c.len() == docs.count()).map(Categories::new);
        let clusters = match (&output.cluster, &gold.clusters) {
            (Some(pred), Some(g)) if scoring.has(Family::Cluster) && pred.len() == g.len() => {
                let mut index: HashMap<u32, usize, PlainKeys> = HashMap::default();
                let mut members: Vec<Vec<usize>> = Vec::new();
                for (d, label) in g.iter().enumerate() {
                    let k = *index.entry(*label).or_insert_with(|| {
                        members.push(Vec::new());
                        members.len() - 1
                    });
                    members[k].push(d);
                }
                let categories = categories.as_ref().map(|c| (c.of_doc.as_slice(), c.names.as_slice()));
                Some(ClusterDraws::new(&members, pred, categories))
            }
            _ => None,
        };
        let spans = match (&gold.spans, scoring.has(Family::Span)) {
            (Some(g), true) => {
                let pred: Option<Vec<Spans>> = match (&output.dup_spans, &output.cluster) {
                    (Some(s), _) => Some(s.iter().map(|d| Spans::of(d)).collect()),
                    (None, Some(c)) => Some(spans_from_clusters(docs, c)),
                    (None, None) => None,
                };
                pred.map(|p| {
                    let empty = Spans::default();
                    (0..p.len().max(g.len()))
                        .map(|i| spans::SpanCounts::of(p.get(i).unwrap_or(&empty), g.get(i).unwrap_or(&empty)))
                        .collect()
                })
            }
            _ => None,
        };
        Resampler { clusters, spans }
    }

    /// The passes: gold clusters, then documents, each when its family is scored.
    pub fn passes(&self) -> Vec<Pass<'_>> {
        let mut out: Vec<Pass<'_>> = Vec::new();
        if let Some(draws) = &self.clusters {
            let f = move |idx: &[usize]| {
                let (scores, by_category) = draws.score(idx);
                let mut out = Vec::new();
                push_cluster_scores(&mut out, &scores, &by_category, false);
                out
            };
            out.push(Pass::named(draws.len(), f));
        }
        if let Some(counts) = &self.spans {
            let f = move |idx: &[usize]| {
                let mut total = spans::SpanCounts::default();
                for &i in idx {
                    if let Some(c) = counts.get(i) {
                        total.add(*c);
                    }
                }
                let mut m = Vec::new();
                push_prf(&mut m, "span", total.prf());
                m
            };
            out.push(Pass::named(counts.len(), f));
        }
        out
    }
}

/// The cluster family's rows of `pred` against `gold`: pair P/R/F1, ARI, B-cubed P/R/F1, with
/// `counts` the largest cluster and the predicted pairs, then pair P/R/F1 per category.
fn push_cluster_rows(
    out: &mut Vec<(String, f64)>,
    pred: &[u32],
    gold: &[u32],
    categories: Option<&Categories>,
    counts: bool,
) {
    let s = clusters::score(pred, gold);
    let by_category = categories.map(|c| category_pairs_indexed(pred, gold, c)).unwrap_or_default();
    push_cluster_scores(out, &s, &by_category, counts);
}

/// The rows of cluster scores `s` and pair scores per category, in the order of
/// [`push_cluster_rows`].
fn push_cluster_scores(
    out: &mut Vec<(String, f64)>,
    s: &clusters::ClusterScores,
    by_category: &[(String, Prf)],
    counts: bool,
) {
    push_prf(out, "pair", s.pairwise);
    out.push(("ari".into(), s.ari));
    push_prf(out, "bcubed", s.bcubed);
    if counts {
        out.push(("largest_cluster".into(), s.largest_cluster as f64));
        out.push(("predicted_pairs".into(), s.predicted_pairs));
    }
    for (category, prf) in by_category {
        out.push((format!("pair_precision@{category}"), prf.precision));
        out.push((format!("pair_recall@{category}"), prf.recall));
        out.push((format!("pair_f1@{category}"), prf.f1));
    }
}

#[cfg(test)]
mod category_tests {
    use super::*;
    use crate::model::Doc;

    /// The rows a bootstrap resample `idx` of gold clusters `members` gives.
    fn cluster_metrics(
        members: &[Vec<usize>],
        pred: &[u32],
        categories: Option<&Categories>,
        idx: &[usize],
    ) -> Vec<(String, f64)> {
        let draws = ClusterDraws::new(members, pred, categories.map(|c| (c.of_doc.as_slice(), c.names.as_slice())));
        let (scores, by_category) = draws.score(idx);
        let mut out = Vec::new();
        push_cluster_scores(&mut out, &scores, &by_category, false);
        out
    }

    #[test]
    fn a_resample_drawing_every_gold_cluster_once_scores_as_the_whole_set() {
        let gold = [0u32, 0, 0, 3, 4, 4, 6];
        let pred = [0u32, 0, 3, 3, 4, 5, 3];
        let cats: Vec<String> = ["a", "b", "a", "b", "a", "b", "a"].iter().map(|s| s.to_string()).collect();
        let members = vec![vec![0, 1, 2], vec![3], vec![4, 5], vec![6]];
        let whole = clusters::score(&pred, &gold);
        let got: HashMap<String, f64> =
            cluster_metrics(&members, &pred, Some(&Categories::new(&cats)), &[0, 1, 2, 3]).into_iter().collect();
        assert!(close(got["pair_f1"], whole.pairwise.f1) && close(got["ari"], whole.ari));
        assert!(close(got["bcubed_f1"], whole.bcubed.f1));
        let by_cat: HashMap<String, Prf> = category_pairs(&pred, &gold, &cats).into_iter().collect();
        assert!(close(got["pair_recall@a"], by_cat["a"].recall));
        // Drawn twice, a cluster's copies do not pair with each other: recall stays 1 for a
        // perfectly found cluster, and precision counts no pair across copies.
        let twice: HashMap<String, f64> = cluster_metrics(&members, &pred, None, &[0, 0]).into_iter().collect();
        let once: HashMap<String, f64> = cluster_metrics(&members, &pred, None, &[0]).into_iter().collect();
        assert!(
            close(twice["pair_precision"], once["pair_precision"]) && close(twice["pair_recall"], once["pair_recall"])
        );
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Per-category pairs counted in one hashed map per category and grouping, as a reference
    /// for the sorted runs of [`category_pairs`]: they must agree to the last bit.
    fn category_pairs_by_maps(pred: &[u32], gold: &[u32], categories: &[String]) -> Vec<(String, Prf)> {
        fn involving_map<K>(groups: &HashMap<K, (u64, u64)>) -> f64 {
            groups.values().map(|&(n, other)| pairs(n) - pairs(other)).sum()
        }
        let mut names: Vec<&str> = categories.iter().map(String::as_str).collect();
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .map(|c| {
                let mut p: HashMap<u32, (u64, u64)> = HashMap::new();
                let mut g: HashMap<u32, (u64, u64)> = HashMap::new();
                let mut cell: HashMap<(u32, u32), (u64, u64)> = HashMap::new();
                for ((&a, &b), cat) in pred.iter().zip(gold).zip(categories) {
                    let other = u64::from(cat != c);
                    for e in [p.entry(a).or_default(), g.entry(b).or_default(), cell.entry((a, b)).or_default()] {
                        e.0 += 1;
                        e.1 += other;
                    }
                }
                (c.to_string(), Prf::from_counts(involving_map(&cell), involving_map(&p), involving_map(&g)))
            })
            .collect()
    }

    #[test]
    fn sorted_runs_count_category_pairs_as_the_maps_do() {
        let mut rng = crate::text::hash::SplitMix64::new(11);
        let names = ["orig", "cut", "light", "heavy", "non"];
        for round in 0..40u64 {
            let n = (rng.next_u64() % 2000) as usize;
            let k = 1 + rng.next_u64() % (1 + round * 20);
            let pred: Vec<u32> = (0..n).map(|_| (rng.next_u64() % k) as u32).collect();
            let gold: Vec<u32> = (0..n).map(|_| (rng.next_u64() % k) as u32 * 3).collect();
            let cats: Vec<String> = (0..n).map(|_| names[(rng.next_u64() % 5) as usize].to_string()).collect();
            let (a, b) = (category_pairs(&pred, &gold, &cats), category_pairs_by_maps(&pred, &gold, &cats));
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "round {round}");
        }
        // A resample that draws no document of a category reports nothing for it.
        let members = vec![vec![0, 1], vec![2]];
        let cats = Categories::new(&["a".to_string(), "a".to_string(), "b".to_string()]);
        let got = cluster_metrics(&members, &[0, 0, 1], Some(&cats), &[0]);
        assert!(got.iter().any(|(k, _)| k == "pair_recall@a"));
        assert!(!got.iter().any(|(k, _)| k.ends_with("@b")));
    }

    #[test]
    fn per_category_pairs_by_hand() {
        // docs: 0 orig(a), 1 cut(a), 2 light(a), 3 non, 4 orig(b), 5 heavy(b)
        // gold pairs: (0,1) (0,2) (1,2) (4,5); predicted pairs: (0,1) (2,3).
        let cats: Vec<String> =
            ["orig", "cut", "light", "non", "orig", "heavy"].iter().map(|s| s.to_string()).collect();
        let got: HashMap<String, Prf> =
            category_pairs(&[0, 0, 3, 3, 4, 5], &[0, 0, 0, 3, 4, 4], &cats).into_iter().collect();
        // cut (doc 1): gold (0,1) (1,2); predicted (0,1), correct -> P 1, R 1/2.
        assert!(close(got["cut"].precision, 1.0) && close(got["cut"].recall, 0.5));
        assert!(close(got["cut"].f1, 2.0 / 3.0));
        // light (doc 2): gold (0,2) (1,2); predicted (2,3), wrong -> 0, 0.
        assert_eq!((got["light"].precision, got["light"].recall), (0.0, 0.0));
        // non (doc 3): no gold pair; one predicted pair -> precision 0.
        assert_eq!(got["non"].precision, 0.0);
        // heavy (doc 5): gold (4,5), nothing predicted -> recall 0.
        assert_eq!(got["heavy"].recall, 0.0);
        // orig (docs 0, 4): gold (0,1) (0,2) (4,5); predicted (0,1) -> P 1, R 1/3.
        assert!(close(got["orig"].precision, 1.0) && close(got["orig"].recall, 1.0 / 3.0));
    }

    #[test]
    fn category_metrics_are_named_after_the_category() {
        let docs: Vec<Doc> = (0..3).map(|i| Doc { id: i.to_string(), text: "t".into() }).collect();
        let gold = DedupGold {
            clusters: Some(vec![0, 0, 2]),
            categories: Some(vec!["orig".into(), "cut".into(), "non".into()]),
            ..DedupGold::default()
        };
        let out = DedupOutput { cluster: Some(vec![0, 0, 2]), ..DedupOutput::default() };
        let scoring = Scoring { families: vec![Family::Cluster], primary: "pair_f1".into() };
        let m: HashMap<String, f64> = score(&docs, &gold, &scoring, &out).into_iter().collect();
        assert_eq!(m["pair_recall@cut"], 1.0);
        // Nothing involving `non` was predicted and nothing is gold: perfect by the empty rule.
        assert_eq!(m["pair_precision@non"], 1.0);
    }
}

#[cfg(test)]
mod edge_tests {
    use super::*;

    #[test]
    fn edge_scores_by_hand() {
        // gold {0,1,2} {3,4} {5}: gold pairs 3 + 1 = 4.
        let gold = [0, 0, 0, 3, 3, 5];
        // predicted edges (0,1), (1,2), (2,3), (1,0) again: distinct 3, true (0,1) and (1,2) = 2.
        let prf = edge_score(&Pairs::listed(vec![(0, 1), (1, 2), (2, 3), (1, 0)]), &gold);
        assert!((prf.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((prf.recall - 0.5).abs() < 1e-12);
        // F1 = 2 * (2/3) * (1/2) / (2/3 + 1/2) = 4/7.
        assert!((prf.f1 - 4.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn no_edges_and_no_gold_pairs_is_perfect() {
        assert_eq!(edge_score(&Pairs::default(), &[0, 1, 2]), Prf { precision: 1.0, recall: 1.0, f1: 1.0 });
    }

    /// Every pair a grouped answer stands for, listed one by one.
    fn expand(p: &Pairs, n: u32) -> Vec<(u32, u32)> {
        let g = p.group.clone().unwrap_or_else(|| (0..n).collect());
        let linked: std::collections::HashSet<(u32, u32)> = p
            .edges
            .iter()
            .map(|&(a, b)| (g[a as usize].min(g[b as usize]), g[a as usize].max(g[b as usize])))
            .collect();
        let mut out = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                let (x, y) = (g[i as usize], g[j as usize]);
                if x == y || linked.contains(&(x.min(y), x.max(y))) {
                    out.push((i, j));
                }
            }
        }
        out
    }

    #[test]
    fn grouped_pairs_score_as_their_expansion() {
        // gold {0,1,2,6} {3,4} {5,7}; groups {0,1,3} {2,6} {4,7}, 5 alone.
        let gold = [0, 0, 0, 3, 3, 5, 0, 5];
        let grouped = Pairs { edges: vec![(0, 2), (6, 1), (4, 5), (3, 7)], group: Some(vec![0, 0, 2, 0, 4, 5, 2, 4]) };
        let listed = Pairs::listed(expand(&grouped, 8));
        assert_eq!(listed.edges.len() as u64, grouped.count());
        let (a, b) = (edge_score(&grouped, &gold), edge_score(&listed, &gold));
        assert!((a.precision - b.precision).abs() < 1e-12 && (a.recall - b.recall).abs() < 1e-12, "{a:?} {b:?}");
        // Hand count: predicted 3 + 1 + 1 within, 6 ({0,1,3}x{2,6}) + 2 ({4,7}x{5}) + 6
        // ({0,1,3}x{4,7}) across = 19; true (0,1), (2,6), {0,1}x{2,6} = 4, (5,7), (3,4) = 8, which
        // is every gold pair (6 + 1 + 1).
        assert!((a.precision - 8.0 / 19.0).abs() < 1e-12 && (a.recall - 1.0).abs() < 1e-12, "{a:?}");
    }
}
