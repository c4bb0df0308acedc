//! Extraction metrics, each as its benchmark's community computes it.

use crate::corpus::ExtractGold;

/// Named metrics of extracted `texts` against `gold` (aligned by page), in a fixed order.
pub fn score(gold: &[ExtractGold], texts: &[String]) -> Vec<(String, f64)> {
    debug_assert_eq!(gold.len(), texts.len());
    Vec::new()
}
