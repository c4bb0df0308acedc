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

impl Family {
    /// The families a user can select with `--metrics`, by name.
    pub const SELECTABLE: &'static [(&'static str, Family)] = &[
        ("cluster", Family::Cluster),
        ("edge", Family::Edge),
        ("span", Family::Span),
        ("removal", Family::Removal),
        ("shingle", Family::Shingle),
        ("snippet", Family::Snippet),
        ("bow", Family::Bow),
        ("bow_rates", Family::BowRates),
        ("rouge", Family::Rouge),
    ];
}

/// Which quality families a run computes (`--metrics`): each dataset's own (`default`), plus or
/// instead of named ones. A family the dataset's task does not have is skipped on it, and the
/// family of the dataset's primary metric is always computed, so the leaderboard has its column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricSelection {
    /// Whether each dataset's own families are kept.
    pub defaults: bool,
    /// Families named besides.
    pub named: Vec<Family>,
}

impl Default for MetricSelection {
    fn default() -> MetricSelection {
        MetricSelection { defaults: true, named: Vec::new() }
    }
}

impl std::str::FromStr for MetricSelection {
    type Err = String;

    /// A comma-separated list of `default` and family names, e.g. `default,rouge` or `bow`.
    fn from_str(text: &str) -> Result<MetricSelection, String> {
        let mut sel = MetricSelection { defaults: false, named: Vec::new() };
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            if word == "default" {
                sel.defaults = true;
                continue;
            }
            match Family::SELECTABLE.iter().find(|(name, _)| *name == word) {
                Some(&(_, f)) => sel.named.push(f),
                None => {
                    let names: Vec<&str> = Family::SELECTABLE.iter().map(|(n, _)| *n).collect();
                    return Err(format!("unknown metric family `{word}` (known: default, {})", names.join(", ")));
                }
            }
        }
        if !sel.defaults && sel.named.is_empty() {
            return Err("no metric family given (known: default and the family names)".into());
        }
        Ok(sel)
    }
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
        // The primary metric is computed even when its family is not among the defaults.
        families.extend(catalogue::lookup(&primary).map(|m| m.family));
        families.sort();
        families.dedup();
        Ok(Scoring { families, primary })
    }

    /// This scoring with `sel` applied for a dataset of `task`: the quality families it selects
    /// (those of the task), the primary metric's family, and every family that is not a quality
    /// family (pages, timing, status), which always stay.
    pub fn select(&self, sel: &MetricSelection, task: Task) -> Scoring {
        let quality = task_families(task);
        let primary = catalogue::lookup(&self.primary).map(|m| m.family);
        let mut families: Vec<Family> = self
            .families
            .iter()
            .copied()
            .filter(|f| sel.defaults || !quality.contains(f) || Some(*f) == primary)
            .collect();
        families.extend(sel.named.iter().copied().filter(|f| quality.contains(f)));
        families.sort();
        families.dedup();
        Scoring { families, primary: self.primary.clone() }
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
        Items::Dedup { gold, .. } | Items::Streamed { gold, .. } => {
            (Task::Dedup, dedup_families(gold), dedup_default_primary(gold))
        }
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

/// The extraction families the gold allows by default: text gives shingle and bag-of-words
/// figures, snippets give snippet figures. ROUGE-LSum, which no upstream benchmark reports and
/// which costs more than all the others, is computed when `--metrics` names it (or it holds the
/// primary metric). For datasets in the project's own format.
pub fn extract_families(gold: &[ExtractGold]) -> Vec<Family> {
    let text = gold.iter().any(|g| g.text.is_some());
    let snippets = gold.iter().any(|g| !g.with.is_empty() || !g.without.is_empty());
    let mut f = Vec::new();
    if text {
        f.extend([Family::Shingle, Family::Bow]);
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
    fn metric_selection_adds_or_replaces_quality_families_and_keeps_the_primary() {
        let sel = |s: &str| s.parse::<MetricSelection>().unwrap();
        let wcxb = Scoring::new(
            Task::Extract,
            vec![Family::Bow, Family::BowRates, Family::Pages],
            None,
            "bow_f1",
            Path::new("d"),
        )
        .unwrap();
        let fams = |s: Scoring| s.families;
        assert_eq!(fams(wcxb.select(&MetricSelection::default(), Task::Extract)), wcxb.families);
        assert_eq!(
            fams(wcxb.select(&sel("default,rouge"), Task::Extract)),
            [Family::Bow, Family::BowRates, Family::Rouge, Family::Pages]
        );
        // Only ROUGE asked for: the primary's family and the page counts stay; a dedup family
        // named on an extraction dataset is skipped.
        assert_eq!(fams(wcxb.select(&sel("rouge,span"), Task::Extract)), [Family::Bow, Family::Rouge, Family::Pages]);
        assert!("bow,nope".parse::<MetricSelection>().unwrap_err().contains("unknown metric family `nope`"));
        assert!(",".parse::<MetricSelection>().is_err());
        // A primary metric outside the default families brings its family.
        let s =
            Scoring::new(Task::Extract, vec![Family::Bow], Some("rouge_lsum_f1"), "bow_f1", Path::new("d")).unwrap();
        assert_eq!(s.families, [Family::Bow, Family::Rouge]);
    }

    #[test]
    fn defaults_follow_the_gold() {
        let spans = DedupGold { spans: Some(vec![]), ..DedupGold::default() };
        let clusters = DedupGold { clusters: Some(vec![]), ..DedupGold::default() };
        assert_eq!(dedup_default_primary(&spans), "span_f1");
        assert_eq!(dedup_default_primary(&clusters), "pair_f1");
    }
}
