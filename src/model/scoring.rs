//! How a dataset is scored: the metric families it gets and the metric its leaderboard sorts by.
//! A loader sets both, so that each benchmark is scored as its community scores it; the metric
//! code reads the families, never a format name.

use std::path::Path;

use super::catalogue;
use super::{DedupGold, ExtractGold, Items, Task};
use crate::error::InputError;

/// A group of metrics computed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Pairwise P/R/F1, ARI, B-cubed and cluster sizes, against gold clusters.
    Cluster,
    /// Edge P/R/F1 of the linked pairs before clustering, against gold clusters.
    Edge,
    /// Character-level span P/R/F1, against gold spans.
    Span,
    /// The fraction of text a strategy removes (needs no gold).
    Removal,
    /// Shingle-4 P/R/F1 and accuracy, as the scrapinghub benchmark computes them.
    Shingle,
    /// With/without snippet P/R/F1 and accuracy, as the trafilatura evaluation computes them.
    Snippet,
    /// Per-page bag-of-words P/R/F1, macro-averaged, as WCXB computes them.
    Bow,
    /// WCXB's snippet rates (`bow_with_rate`, `bow_without_rate`), over every page.
    BowRates,
    /// ROUGE-LSum P/R/F1 against gold text.
    Rouge,
    /// Pages an extractor failed on or ran out of time on (added by the runner).
    Pages,
    /// Time and machine figures (added by the runner; they differ between identical runs).
    Timing,
    /// Deterministic cost: instructions and allocations (written by `corpusbench cost`).
    Cost,
    /// Whether the cell ran at all (`failed`).
    Status,
}

/// A dataset's scoring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scoring {
    /// The families computed on it, in catalogue order.
    pub families: Vec<Family>,
    /// The metric the leaderboard sorts by (a catalogue name, possibly with an `@group`).
    pub primary: String,
}

impl Scoring {
    /// Families and primary metric, the primary checked against the catalogue: a name that is
    /// not a quality metric of the task is an error on `manifest` naming the field and the
    /// metrics that exist. (A metric of the task that this dataset's gold cannot give, such as
    /// `span_f1` on documents without gold, is allowed: the dataset may be there to time
    /// strategies.) `primary` `None` takes `default`.
    pub fn new(
        task: Task,
        mut families: Vec<Family>,
        primary: Option<&str>,
        default: &str,
        manifest: &Path,
    ) -> Result<Scoring, InputError> {
        families.sort();
        families.dedup();
        let primary = primary.unwrap_or(default).trim().to_string();
        let allowed = task_families(task);
        let known = catalogue::lookup(&primary).is_some_and(|m| allowed.contains(&m.family));
        if !known {
            let names: Vec<&str> =
                catalogue::METRICS.iter().filter(|m| allowed.contains(&m.family)).map(|m| m.name).collect();
            let mut err = InputError::file(
                manifest,
                format!("unknown primary metric `{primary}` for this dataset (metrics: {})", names.join(", ")),
            );
            err.field = Some("primary_metric".into());
            return Err(err);
        }
        Ok(Scoring { families, primary })
    }

    /// Whether `family` is computed on this dataset.
    pub fn has(&self, family: Family) -> bool {
        self.families.contains(&family)
    }
}

/// The families that score a task's outputs against gold (and, for deduplication, the removed
/// fraction): the metrics a primary metric may be chosen from.
pub fn task_families(task: Task) -> &'static [Family] {
    match task {
        Task::Dedup => &[Family::Cluster, Family::Edge, Family::Span, Family::Removal],
        Task::Extract => &[Family::Shingle, Family::Snippet, Family::Bow, Family::BowRates, Family::Rouge],
    }
}

/// The task, the families and the default primary metric of a dataset in the project's own
/// format, from what its gold holds.
pub fn own_format(items: &Items) -> (Task, Vec<Family>, &'static str) {
    match items {
        Items::Dedup { gold, .. } => (Task::Dedup, dedup_families(gold), dedup_default_primary(gold)),
        Items::Extract { gold, .. } => {
            let families = extract_families(gold);
            let primary = extract_default_primary(&families);
            (Task::Extract, families, primary)
        }
    }
}

/// The families a deduplication gold allows: clusters give cluster and edge metrics, spans give
/// span metrics; the removed fraction needs no gold.
pub fn dedup_families(gold: &DedupGold) -> Vec<Family> {
    let mut f = Vec::new();
    if gold.clusters.is_some() {
        f.extend([Family::Cluster, Family::Edge]);
    }
    if gold.spans.is_some() {
        f.push(Family::Span);
    }
    f.push(Family::Removal);
    f
}

/// The default primary metric of a deduplication dataset: `span_f1` when the gold has spans,
/// else `pair_f1`.
pub fn dedup_default_primary(gold: &DedupGold) -> &'static str {
    if gold.spans.is_some() || gold.clusters.is_none() { "span_f1" } else { "pair_f1" }
}

/// Every extraction family the gold allows: text gives shingle, bag-of-words and ROUGE figures;
/// snippets give snippet figures. For datasets in the project's own format.
pub fn extract_families(gold: &[ExtractGold]) -> Vec<Family> {
    let text = gold.iter().any(|g| g.text.is_some());
    let snippets = gold.iter().any(|g| !g.with.is_empty() || !g.without.is_empty());
    let mut f = Vec::new();
    if text {
        f.extend([Family::Shingle, Family::Bow, Family::Rouge]);
    }
    if snippets {
        f.push(Family::Snippet);
    }
    f.push(Family::Pages);
    f
}

/// The default primary metric of an extraction dataset with these families.
pub fn extract_default_primary(families: &[Family]) -> &'static str {
    if families.contains(&Family::Shingle) {
        "shingle_f1"
    } else if families.contains(&Family::Bow) {
        "bow_f1"
    } else {
        "snippet_f1"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_primary_metric_names_the_file_and_the_metrics_that_exist() {
        let spans = vec![Family::Span, Family::Removal];
        let err = Scoring::new(Task::Dedup, spans, Some("span_f2"), "span_f1", Path::new("d.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("d.toml") && msg.contains("`primary_metric`") && msg.contains("span_f2"), "{msg}");
        assert!(msg.contains("span_f1") && msg.contains("removed_fraction") && !msg.contains("bow_f1"), "{msg}");
    }

    #[test]
    fn a_metric_of_the_other_task_is_refused() {
        assert!(Scoring::new(Task::Dedup, vec![Family::Span], Some("bow_f1"), "span_f1", Path::new("d")).is_err());
        assert!(Scoring::new(Task::Extract, vec![Family::Bow], Some("wall_s"), "bow_f1", Path::new("d")).is_err());
        let s = Scoring::new(Task::Dedup, vec![Family::Cluster], None, "pair_f1@cut", Path::new("d")).unwrap();
        assert_eq!(s.primary, "pair_f1@cut");
    }

    #[test]
    fn defaults_follow_the_gold() {
        let spans = DedupGold { spans: Some(vec![]), ..DedupGold::default() };
        let clusters = DedupGold { clusters: Some(vec![]), ..DedupGold::default() };
        assert_eq!(dedup_default_primary(&spans), "span_f1");
        assert_eq!(dedup_default_primary(&clusters), "pair_f1");
    }
}
