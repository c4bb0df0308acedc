//! Metrics: deduplication (cluster pairs, ARI, B-cubed; character spans; the S-curve of gold
//! pairs by similarity) and, per benchmark, extraction. Each function takes predictions and gold
//! and returns plain numbers; none of them knows about files or timing, and only the S-curve
//! sees a strategy, through its pair model.

pub mod bootstrap;
pub mod cluster_resample;
pub mod clusters;
pub mod dedup;
pub mod examples;
pub mod extract;
pub mod groups;
pub mod s_curve;
pub mod spans;

/// Precision, recall and F1 from counts.
///
/// Empty denominators follow one rule: when there is nothing to find and nothing was claimed the
/// score is 1 (perfect agreement); when only one side is empty the score on that side is 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prf {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

impl Prf {
    /// From true positives, predicted positives and gold positives.
    pub fn from_counts(tp: f64, predicted: f64, gold: f64) -> Prf {
        if predicted == 0.0 && gold == 0.0 {
            return Prf { precision: 1.0, recall: 1.0, f1: 1.0 };
        }
        let precision = if predicted > 0.0 { tp / predicted } else { 0.0 };
        let recall = if gold > 0.0 { tp / gold } else { 0.0 };
        Prf::from_pr(precision, recall)
    }

    /// From precision and recall.
    pub fn from_pr(precision: f64, recall: f64) -> Prf {
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        Prf { precision, recall, f1 }
    }
}
