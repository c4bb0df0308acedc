//! The regression gate: compares a run (quality metrics from `results.csv`, deterministic cost
//! from `cost.csv`, fingerprints from `run.json`) with a committed baseline and says what got
//! better, what got worse and what stayed within tolerance.
//!
//! Wall-clock times are never gated (they move 10-20% between runs on shared machines);
//! instruction and allocation counts are. Quality metrics are higher-is-better with an absolute
//! tolerance; cost metrics are lower-is-better with a relative one.

pub mod baseline;
pub mod compare;
pub mod observed;
pub mod render;

pub use baseline::{Baseline, Tolerance};
pub use compare::{Row, Verdict, compare};
pub use observed::Observed;

use crate::model::catalogue::{self, GateRule};

/// How a metric is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Higher is better; absolute tolerance.
    Quality,
    /// Lower is better; relative tolerance.
    Cost,
}

/// The kind of a metric, from the catalogue's gate rule, or `None` when it is not gated
/// (timings, counts, strategy figures).
pub fn kind(metric: &str) -> Option<Kind> {
    match catalogue::gate_rule(metric) {
        GateRule::Floor => Some(Kind::Quality),
        GateRule::Ceiling => Some(Kind::Cost),
        GateRule::No => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gated_metrics_are_quality_or_cost_and_timings_are_not() {
        assert_eq!(kind("span_f1"), Some(Kind::Quality));
        assert_eq!(kind("pair_recall@cut"), Some(Kind::Quality));
        assert_eq!(kind("ari"), Some(Kind::Quality));
        assert_eq!(kind("instructions"), Some(Kind::Cost));
        assert_eq!(kind("mb_per_s"), None);
        assert_eq!(kind("wall_s"), None);
        assert_eq!(kind("largest_cluster"), None);
        assert_eq!(kind("strategy.candidate_pairs"), None);
    }
}
