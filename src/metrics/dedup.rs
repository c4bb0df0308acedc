//! Scores one deduplicator's output against a dataset's gold, as named metrics.
//!
//! Document metrics need predicted clusters and gold clusters. Span metrics need gold spans; a
//! strategy that only clusters is scored on spans as a cleaner would apply it: every document
//! but the first of its cluster is removed whole.

use std::ops::Range;

use super::{Prf, clusters, spans};
use crate::corpus::{DedupGold, Doc};
use crate::strategy::DedupOutput;

/// Spans implied by a clustering: the whole text of every document but its cluster's first.
pub fn spans_from_clusters(docs: &[Doc], cluster: &[u32]) -> Vec<Vec<Range<usize>>> {
    let mut seen = std::collections::HashSet::new();
    docs.iter()
        .zip(cluster)
        .map(|(doc, &c)| {
            let len = doc.text.chars().count();
            if seen.insert(c) || len == 0 { Vec::new() } else { vec![0..len] }
        })
        .collect()
}

fn push_prf(out: &mut Vec<(String, f64)>, prefix: &str, prf: Prf) {
    out.push((format!("{prefix}_precision"), prf.precision));
    out.push((format!("{prefix}_recall"), prf.recall));
    out.push((format!("{prefix}_f1"), prf.f1));
}

/// Named metrics of `output` on `docs` with `gold`, in a fixed order.
pub fn score(docs: &[Doc], gold: &DedupGold, output: &DedupOutput) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    if let (Some(pred), Some(gold)) = (&output.cluster, &gold.clusters) {
        let s = clusters::score(pred, gold);
        push_prf(&mut out, "pair", s.pairwise);
        out.push(("ari".into(), s.ari));
        push_prf(&mut out, "bcubed", s.bcubed);
        out.push(("largest_cluster".into(), s.largest_cluster as f64));
        out.push(("predicted_pairs".into(), s.predicted_pairs));
    }
    let derived;
    let pred_spans = match (&output.dup_spans, &output.cluster) {
        (Some(s), _) => Some(s),
        (None, Some(c)) => {
            derived = spans_from_clusters(docs, c);
            Some(&derived)
        }
        (None, None) => None,
    };
    if let Some(pred) = pred_spans {
        if let Some(gold) = &gold.spans {
            push_prf(&mut out, "span", spans::score(pred, gold));
        }
        let total: usize = docs.iter().map(|d| d.text.chars().count()).sum();
        let removed: usize = pred.iter().map(|s| spans::covered(&spans::normalize(s.clone()))).sum();
        out.push(("removed_fraction".into(), if total == 0 { 0.0 } else { removed as f64 / total as f64 }));
    }
    out
}
