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

use super::tokens::{Vocab, lowercase, words};

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

/// The gold side of one page, counted once for every output scored against it: each distinct
/// lowercased token's slot in `counts`, and how many tokens there are.
#[derive(Debug, Clone, Default)]
pub struct GoldBag {
    slots: Vocab,
    counts: Vec<u32>,
    len: usize,
}

impl GoldBag {
    /// Counts the tokens of `gold`.
    pub fn new(gold: &str) -> GoldBag {
        let lower = lowercase(gold);
        let tokens = words(&lower);
        let mut bag = GoldBag { len: tokens.len(), ..GoldBag::default() };
        for w in tokens {
            let slot = bag.slots.intern(w);
            match bag.counts.get_mut(slot as usize) {
                Some(c) => *c += 1,
                None => bag.counts.push(1),
            }
        }
        bag
    }
}

/// Word-level P/R/F1 of `pred` against `gold`.
pub fn page(gold: &str, pred: &str) -> PagePrf {
    page_lower(&GoldBag::new(gold), &lowercase(pred))
}

/// Word-level P/R/F1 of an output already lowercased (`lower`) against a counted gold page.
pub fn page_lower(gold: &GoldBag, lower: &str) -> PagePrf {
    let tokens = words(lower);
    let (g_len, p_len) = (gold.len, tokens.len());
    let zero = PagePrf { precision: 0.0, recall: 0.0, f1: 0.0 };
    if g_len == 0 {
        return if p_len == 0 { PagePrf { precision: 1.0, recall: 1.0, f1: 1.0 } } else { zero };
    }
    if p_len == 0 {
        return zero;
    }
    // The overlap of the two multisets: each output token takes one of the gold's left, if any.
    let mut left = gold.counts.clone();
    let mut overlap = 0u64;
    for w in tokens {
        if let Some(slot) = gold.slots.get(w)
            && let Some(c) = left.get_mut(slot as usize)
            && *c > 0
        {
            *c -= 1;
            overlap += 1;
        }
    }
    let precision = overlap as f64 / p_len as f64;
    let recall = overlap as f64 / g_len as f64;
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    PagePrf { precision, recall, f1 }
}

/// Share of `snippets` found in `output`, case-insensitively; 1.0 when there are none.
pub fn snippet_rate(snippets: &[String], output: &str) -> f64 {
    let lower: Vec<String> = snippets.iter().map(|s| lowercase(s)).collect();
    snippet_rate_lower(&lower, &lowercase(output))
}

/// [`snippet_rate`] of snippets and output both already lowercased.
pub fn snippet_rate_lower(snippets: &[String], output: &str) -> f64 {
    if snippets.is_empty() {
        return 1.0;
    }
    let finder = |s: &String| memchr::memmem::find(output.as_bytes(), s.as_bytes()).is_some();
    let found = snippets.iter().filter(|s| finder(s)).count();
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
