//! Per-page bag-of-words precision, recall and F1 with macro means, and the snippet rates, as
//! WCXB's `evaluate.py` (`word_f1`, `snippet_check`, `evaluate_results`) computes them.
//!
//! - Tokens are Python `\w+` runs of the lowercased text ([`super::tokens::words`] after
//!   `str::to_lowercase`, which like Python's `str.lower` applies full case mappings).
//! - Per page, over token multisets: overlap = sum of the smaller counts; P = overlap/|pred|,
//!   R = overlap/|gold|, F1 = 2PR/(P+R) (0 when P + R = 0). Gold without tokens scores (1, 1, 1)
//!   for an output without tokens, else (0, 0, 0); an output without tokens against gold with
//!   tokens scores (0, 0, 0).
//! - Corpus P, R and F1 are plain means over pages: corpus F1 is the mean of per-page F1, not the
//!   harmonic mean of mean P and mean R.
//! - Snippet rates: per page, the share of `with` (or `without`) snippets found as substrings of
//!   the output, both lowercased, no white-space folding; a page with no snippets of a kind
//!   counts 1.0. `without_rate`: lower is better.

use std::collections::HashMap;

use super::tokens::words;
use crate::text::hash::PlainKeys;

/// Precision, recall and F1 of one page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PagePrf {
    /// Overlap / predicted tokens.
    pub precision: f64,
    /// Overlap / gold tokens.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
}

/// Token counts of `lower` (already lowercased), borrowing its tokens; and how many there are.
fn counts(lower: &str) -> (HashMap<&str, u32, PlainKeys>, usize) {
    let mut map: HashMap<&str, u32, PlainKeys> = HashMap::default();
    let tokens = words(lower);
    for w in &tokens {
        *map.entry(w).or_insert(0) += 1;
    }
    (map, tokens.len())
}

/// Word-level P/R/F1 of `pred` against `gold`.
pub fn page(gold: &str, pred: &str) -> PagePrf {
    let (gold, pred) = (gold.to_lowercase(), pred.to_lowercase());
    let (g, g_len) = counts(&gold);
    let (p, p_len) = counts(&pred);
    let zero = PagePrf { precision: 0.0, recall: 0.0, f1: 0.0 };
    if g_len == 0 {
        return if p_len == 0 { PagePrf { precision: 1.0, recall: 1.0, f1: 1.0 } } else { zero };
    }
    if p_len == 0 {
        return zero;
    }
    let overlap: u64 = p.iter().map(|(w, &c)| u64::from(c.min(g.get(w).copied().unwrap_or(0)))).sum();
    let precision = overlap as f64 / p_len as f64;
    let recall = overlap as f64 / g_len as f64;
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    PagePrf { precision, recall, f1 }
}

/// Share of `snippets` found in `output`, case-insensitively; 1.0 when there are none.
pub fn snippet_rate(snippets: &[String], output: &str) -> f64 {
    if snippets.is_empty() {
        return 1.0;
    }
    let out = output.to_lowercase();
    let found = snippets.iter().filter(|s| out.contains(s.to_lowercase().as_str())).count();
    found as f64 / snippets.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_is_over_lowercased_multisets() {
        let s = page("the cat sat, the end?", "The the the dog");
        // gold: the cat sat the end (5); pred: the the the dog (4); overlap min(3, 2) = 2.
        assert_eq!((s.precision, s.recall), (0.5, 0.4));
        assert!((s.f1 - 2.0 * 0.5 * 0.4 / 0.9).abs() < 1e-15);
    }

    #[test]
    fn empty_sides_follow_upstream() {
        assert_eq!(page("", " ... ").f1, 1.0);
        assert_eq!(page("", "word").f1, 0.0);
        assert_eq!(page("word", "").precision, 0.0);
        assert_eq!(page("a", "b").f1, 0.0);
    }

    #[test]
    fn snippet_rates_are_case_insensitive_without_folding() {
        let snippets = vec!["Hello World".to_string(), "two  spaces".to_string()];
        assert_eq!(snippet_rate(&snippets, "say hello world and two spaces"), 0.5);
        assert_eq!(snippet_rate(&[], "anything"), 1.0);
    }
}
