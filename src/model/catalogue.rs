//! The metric catalogue: one row per metric giving its family, which direction is better,
//! whether the gate checks it, and its place among the leaderboard's headline columns. The
//! runner, the leaderboard, the gate and the reports all read this table; none of them
//! interprets a metric by its name.
//!
//! Names in results may carry a group after `@` (`bow_f1@forum`, `pair_recall@cut`): the row of
//! the name before it applies, unless the name starts with one of the [`PATTERNS`], families of
//! rows with a row of their own (the S-curve's `pair_recall@jaccard=x`, which is not gated). They may also carry a companion after `:` (`bow_f1:ci_low`,
//! `shingle_f1:p_vs_leader`, see `metrics::bootstrap`): a figure about the metric, never gated. Figures a strategy reports about itself are not metrics: they
//! carry the prefix [`STRATEGY_PREFIX`] and are never in this table, so never gated.

use super::scoring::Family;

/// Which way a metric is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Higher is better (scores, throughput).
    Higher,
    /// Lower is better (time, cost, failures).
    Lower,
    /// Neither: a count or a description (cluster sizes, removed fraction).
    Neither,
}

/// How the gate treats a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateRule {
    /// Not gated.
    No,
    /// A quality floor: may not drop by more than an absolute tolerance.
    Floor,
    /// A cost ceiling: may not rise by more than a relative tolerance.
    Ceiling,
}

/// One catalogue row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricInfo {
    /// The name in results.
    pub name: &'static str,
    /// The family that computes it.
    pub family: Family,
    /// Which way is better.
    pub direction: Direction,
    /// How the gate treats it.
    pub gate: GateRule,
    /// Its place among the leaderboard's headline columns (after the primary metric), if any.
    pub headline: Option<u8>,
    /// Whether it measures the machine (time, load-dependent budgets), and so differs between
    /// otherwise identical runs.
    pub varies: bool,
}

/// The prefix of figures a strategy reports about itself (`strategy.candidate_pairs`).
pub const STRATEGY_PREFIX: &str = "strategy.";

const fn row(name: &'static str, family: Family, direction: Direction, gate: GateRule) -> MetricInfo {
    MetricInfo { name, family, direction, gate, headline: None, varies: false }
}

const fn q(name: &'static str, family: Family) -> MetricInfo {
    row(name, family, Direction::Higher, GateRule::Floor)
}

const fn count(name: &'static str, family: Family) -> MetricInfo {
    row(name, family, Direction::Neither, GateRule::No)
}

const fn time(name: &'static str, direction: Direction) -> MetricInfo {
    MetricInfo { varies: true, ..row(name, Family::Timing, direction, GateRule::No) }
}

const fn head(info: MetricInfo, rank: u8) -> MetricInfo {
    MetricInfo { headline: Some(rank), ..info }
}

use Direction::{Higher, Lower};
use Family::*;

/// Every metric, grouped by family.
pub const METRICS: &[MetricInfo] = &[
    q("pair_precision", Cluster),
    q("pair_recall", Cluster),
    head(q("pair_f1", Cluster), 1),
    head(q("ari", Cluster), 2),
    q("bcubed_precision", Cluster),
    q("bcubed_recall", Cluster),
    head(q("bcubed_f1", Cluster), 3),
    count("largest_cluster", Cluster),
    count("predicted_pairs", Cluster),
    q("edge_precision", Edge),
    q("edge_recall", Edge),
    head(q("edge_f1", Edge), 4),
    head(q("span_precision", Span), 5),
    head(q("span_recall", Span), 6),
    head(q("span_f1", Span), 7),
    head(count("removed_fraction", Removal), 8),
    head(q("shingle_precision", Shingle), 10),
    head(q("shingle_recall", Shingle), 11),
    head(q("shingle_f1", Shingle), 12),
    head(q("shingle_accuracy", Shingle), 13),
    head(q("snippet_precision", Snippet), 20),
    head(q("snippet_recall", Snippet), 21),
    head(q("snippet_accuracy", Snippet), 22),
    head(q("snippet_f1", Snippet), 23),
    count("snippet_tp", Snippet),
    count("snippet_fp", Snippet),
    count("snippet_fn", Snippet),
    count("snippet_tn", Snippet),
    head(q("bow_precision", Bow), 30),
    head(q("bow_recall", Bow), 31),
    head(q("bow_f1", Bow), 32),
    count("pages", Bow),
    row("bow_with_rate", BowRates, Higher, GateRule::No),
    row("bow_without_rate", BowRates, Lower, GateRule::No),
    q("rouge_lsum_precision", Rouge),
    q("rouge_lsum_recall", Rouge),
    head(q("rouge_lsum_f1", Rouge), 40),
    row("failed_pages", Pages, Lower, GateRule::No),
    MetricInfo { varies: true, ..row("timeout_pages", Pages, Lower, GateRule::No) },
    time("wall_s", Lower),
    time("docs_per_s", Higher),
    head(time("mb_per_s", Higher), 100),
    time("latency_p50_ms", Lower),
    time("latency_p99_ms", Lower),
    // Round trip minus the extractor's own time, per page, in worker and engine processes.
    time("overhead_p50_ms", Lower),
    // A deduplicating engine's own compute time for the dataset (the round trip is `wall_s`).
    time("engine_compute_s", Lower),
    // The heap high-water mark depends on how threads interleave.
    time("peak_heap_mb", Lower),
    row("instructions", Cost, Lower, GateRule::Ceiling),
    row("allocations", Cost, Lower, GateRule::Ceiling),
    row("alloc_bytes", Cost, Lower, GateRule::No),
    row("failed", Status, Lower, GateRule::No),
    // Documents a deduplicating engine answered with an error (kept whole).
    row("failed_docs", Status, Lower, GateRule::No),
];

/// A family of rows named by a prefix and a value (`pair_recall@jaccard=0.825`), catalogued by
/// a row of its own rather than by the metric before `@`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pattern {
    /// The prefix every name of the family starts with, up to its value.
    pub prefix: &'static str,
    /// The row of every name of the family (its `name` is the prefix).
    pub info: MetricInfo,
    /// What the rows mean.
    pub about: &'static str,
}

const fn pattern(info: MetricInfo, about: &'static str) -> Pattern {
    Pattern { prefix: info.name, info, about }
}

/// Row families with rows of their own. None is gated, a headline or given a bootstrap interval:
/// the S-curve rows are a diagnostic of the strategy's pair model, on a sample of gold pairs
/// (`metrics::s_curve`); a bin's `pairs@jaccard=x` says how many pairs its recall rests on.
pub const PATTERNS: &[Pattern] = &[
    pattern(
        count("pairs@jaccard=", Cluster),
        "sampled gold pairs whose true similarity lies in the bin centred at x (width 0.05)",
    ),
    pattern(
        row("pair_recall@jaccard=", Cluster, Higher, GateRule::No),
        "share of those pairs the strategy put in one cluster (measured S-curve)",
    ),
    pattern(
        count("p_detect@jaccard=", Cluster),
        "mean over those pairs of the detection probability the strategy predicts for each (predicted S-curve)",
    ),
];

/// The pattern `metric` (or the metric of a companion) belongs to, if any.
pub fn pattern_of(metric: &str) -> Option<&'static Pattern> {
    let name = companion(metric).map_or(metric, |(m, _)| m);
    PATTERNS.iter().find(|p| name.starts_with(p.prefix))
}

/// The name a result's metric is catalogued under: the part before any `@group` or
/// `:companion`.
pub fn base_name(metric: &str) -> &str {
    metric.split(['@', ':']).next().unwrap_or(metric)
}

/// The metric and the companion of a companion name (`bow_f1@forum:ci_low` gives
/// `("bow_f1@forum", "ci_low")`); `None` for a metric itself.
pub fn companion(metric: &str) -> Option<(&str, &str)> {
    metric.rsplit_once(':')
}

/// Whether `metric` (not a companion) is a quality score that gets a bootstrap interval: a
/// catalogued metric of a quality family with a better direction (not a count), and not of one of
/// the [`PATTERNS`].
pub fn has_interval(metric: &str) -> bool {
    companion(metric).is_none()
        && pattern_of(metric).is_none()
        && lookup(metric).is_some_and(|m| {
            m.direction != Direction::Neither
                && matches!(
                    m.family,
                    Family::Cluster
                        | Family::Edge
                        | Family::Span
                        | Family::Shingle
                        | Family::Snippet
                        | Family::Bow
                        | Family::BowRates
                        | Family::Rouge
                )
        })
}

/// The catalogue row of `metric`: its pattern's, or else the row of its [`base_name`]; `None`
/// for strategy figures and unknown names.
pub fn lookup(metric: &str) -> Option<&'static MetricInfo> {
    if metric.starts_with(STRATEGY_PREFIX) {
        return None;
    }
    if let Some(p) = pattern_of(metric) {
        return Some(&p.info);
    }
    let base = base_name(metric);
    METRICS.iter().find(|m| m.name == base)
}

/// How the gate treats `metric` (strategy figures and unknown names are not gated).
pub fn gate_rule(metric: &str) -> GateRule {
    if companion(metric).is_some() {
        return GateRule::No;
    }
    lookup(metric).map_or(GateRule::No, |m| m.gate)
}

/// Whether `metric` differs between otherwise identical runs.
pub fn varies(metric: &str) -> bool {
    lookup(metric).is_some_and(|m| m.varies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_headline_ranks_too() {
        let mut names: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
        let mut ranks: Vec<u8> = METRICS.iter().filter_map(|m| m.headline).collect();
        ranks.sort_unstable();
        let n = ranks.len();
        ranks.dedup();
        assert_eq!(ranks.len(), n);
    }

    #[test]
    fn groups_take_their_base_row_and_strategy_figures_have_none() {
        assert_eq!(lookup("pair_recall@cut").map(|m| m.name), Some("pair_recall"));
        assert_eq!(gate_rule("bow_f1@forum"), GateRule::Floor);
        assert_eq!(gate_rule("strategy.candidate_pairs"), GateRule::No);
        assert!(lookup("strategy.bands").is_none());
        assert_eq!(gate_rule("instructions"), GateRule::Ceiling);
        assert_eq!(gate_rule("mb_per_s"), GateRule::No);
        assert!(varies("wall_s") && varies("timeout_pages") && !varies("failed_pages"));
    }

    #[test]
    fn s_curve_rows_have_rows_of_their_own_and_are_neither_gated_nor_headlines() {
        let recall = lookup("pair_recall@jaccard=0.825").unwrap();
        assert_eq!((recall.name, recall.direction, recall.gate), ("pair_recall@jaccard=", Higher, GateRule::No));
        assert_eq!(recall.headline, None);
        assert_eq!(lookup("p_detect@jaccard=0.975").map(|m| m.direction), Some(Direction::Neither));
        assert_eq!(lookup("pairs@jaccard=0.025").map(|m| m.family), Some(Cluster));
        for name in ["pairs@jaccard=0.5", "pair_recall@jaccard=0.5", "p_detect@jaccard=0.5"] {
            assert_eq!(gate_rule(name), GateRule::No, "{name}");
            assert!(!has_interval(name) && !varies(name), "{name}");
            assert!(pattern_of(name).is_some_and(|p| !p.about.is_empty()));
        }
        assert_eq!(pattern_of("pair_recall@jaccard=0.5:ci_low").map(|p| p.prefix), Some("pair_recall@jaccard="));
        // Other groups of the same metric keep the base row.
        assert_eq!(gate_rule("pair_recall@cut"), GateRule::Floor);
        assert!(has_interval("pair_recall@cut") && pattern_of("pair_recall@cut").is_none());
    }

    #[test]
    fn companions_belong_to_their_metric_and_are_not_gated() {
        assert_eq!(lookup("bow_f1@forum:ci_low").map(|m| m.name), Some("bow_f1"));
        assert_eq!(companion("bow_f1@forum:ci_low"), Some(("bow_f1@forum", "ci_low")));
        assert_eq!(gate_rule("shingle_f1:ci_low"), GateRule::No);
        assert!(has_interval("pair_f1") && has_interval("bow_f1@forum") && has_interval("bow_without_rate"));
        assert!(!has_interval("bow_f1:se") && !has_interval("snippet_tp") && !has_interval("mb_per_s"));
        assert!(!has_interval("strategy.bands") && !has_interval("removed_fraction"));
    }
}
