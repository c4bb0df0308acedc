//! Shingle-4 precision, recall, F1 and accuracy, as the scrapinghub article extraction benchmark
//! (`evaluate.py`) computes them.
//!
//! - Tokens are Python `\w+` runs, case kept ([`super::tokens::words`]).
//! - Shingles are the 4-token windows of the token list; a text of 1 to 3 tokens gives one
//!   shorter shingle, an empty text none.
//! - Per page, over shingle multisets: TP = matched, FP = predicted and unmatched, FN = gold and
//!   unmatched, each then divided by TP + FP + FN (when positive) so that long pages do not weigh
//!   more.
//! - Per page precision is 1 when FP = FN = 0, 0 when TP = FP = 0, else TP / (TP + FP); recall
//!   alike with FN.
//! - Corpus precision is the mean over pages with TP + FP > 0, recall the mean over pages with
//!   TP + FN > 0, and F1 the harmonic mean of those two means (not a mean of per-page F1).
//! - Accuracy is the share of pages whose token list equals the gold one.
//!
//! Upstream raises on an empty mean or a zero F1 denominator; here those give 0. The bootstrap
//! standard deviations upstream prints are not computed (they are unseeded upstream).

use std::collections::HashMap;

use super::tokens::{Mean, Vocab, words};
use crate::text::hash::PlainKeys;

/// Shingle length.
pub const N: usize = 4;

/// Normalised (TP, FP, FN) of one page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageCounts {
    /// Matched shingles, as a share of TP + FP + FN.
    pub tp: f64,
    /// Predicted shingles not in gold, as a share.
    pub fp: f64,
    /// Gold shingles not predicted, as a share.
    pub fn_: f64,
    /// Whether the token lists are identical.
    pub exact: bool,
    /// The page's precision, where it counts towards the mean (TP + FP > 0), worked out once:
    /// a bootstrap aggregates every page many times.
    pub precision: Option<f64>,
    /// The page's recall, where it counts (TP + FN > 0).
    pub recall: Option<f64>,
}

/// Corpus figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    /// Mean per-page precision (pages with TP + FP > 0).
    pub precision: f64,
    /// Mean per-page recall (pages with TP + FN > 0).
    pub recall: f64,
    /// Harmonic mean of `precision` and `recall`.
    pub f1: f64,
    /// Share of pages whose tokens equal the gold tokens.
    pub accuracy: f64,
}

/// A token absent from the gold page: a shingle holding it matches nothing.
const UNKNOWN: u32 = u32::MAX;

/// A shingle as a key: its (up to [`N`]) token ids packed two to a word, the missing ones
/// [`UNKNOWN`] (no gold token has that id, so a short shingle never equals a full one).
fn key(window: &[u32]) -> (u64, u64) {
    let id = |i: usize| u64::from(window.get(i).copied().unwrap_or(UNKNOWN));
    (id(0) << 32 | id(1), id(2) << 32 | id(3))
}

/// The token windows of a list: the [`N`]-token windows, or one shorter one for a list of 1 to
/// `N - 1` tokens, or none.
fn windows(tokens: &[u32]) -> impl Iterator<Item = &[u32]> {
    let n = if tokens.is_empty() { 0 } else { tokens.len().saturating_sub(N) + 1 };
    (0..n).map(move |i| &tokens[i..(i + N).min(tokens.len())])
}

/// The gold side of one page, counted once for every output scored against it: its tokens'
/// ids, its token-id list, each distinct shingle's slot in `counts`, and its shingle count.
#[derive(Debug, Clone, Default)]
pub struct GoldShingles {
    ids: Vocab,
    tokens: Vec<u32>,
    slots: HashMap<(u64, u64), u32, PlainKeys>,
    counts: Vec<u32>,
    shingles: u64,
}

impl GoldShingles {
    /// Tokenises and counts the shingles of `gold`.
    pub fn new(gold: &str) -> GoldShingles {
        let mut g = GoldShingles::default();
        for w in words(gold) {
            let id = g.ids.intern(w);
            g.tokens.push(id);
        }
        for window in windows(&g.tokens) {
            let next = g.counts.len() as u32;
            let slot = *g.slots.entry(key(window)).or_insert(next);
            match g.counts.get_mut(slot as usize) {
                Some(c) => *c += 1,
                None => g.counts.push(1),
            }
            g.shingles += 1;
        }
        g
    }
}

/// Counts of one page: `gold` against `pred`.
pub fn page(gold: &str, pred: &str) -> PageCounts {
    page_prepared(&GoldShingles::new(gold), pred)
}

/// Counts of one page: a counted gold page against `pred`.
pub fn page_prepared(gold: &GoldShingles, pred: &str) -> PageCounts {
    let p: Vec<u32> = words(pred).into_iter().map(|w| gold.ids.get(w).unwrap_or(UNKNOWN)).collect();
    // Matched shingles: each predicted shingle takes one of the gold's left, if any (the sum
    // over shingles of the smaller count).
    let mut left = gold.counts.clone();
    let (mut tp, mut predicted) = (0u64, 0u64);
    for window in windows(&p) {
        predicted += 1;
        if window.contains(&UNKNOWN) {
            continue;
        }
        if let Some(&slot) = gold.slots.get(&key(window))
            && let Some(c) = left.get_mut(slot as usize)
            && *c > 0
        {
            *c -= 1;
            tp += 1;
        }
    }
    let (fp, fn_) = (predicted - tp, gold.shingles - tp);
    let exact = p == gold.tokens;
    let (tp, fp, fn_) = (tp as f64, fp as f64, fn_ as f64);
    let sum = tp + fp + fn_;
    let (tp, fp, fn_) = if sum > 0.0 { (tp / sum, fp / sum, fn_ / sum) } else { (tp, fp, fn_) };
    let mut c = PageCounts { tp, fp, fn_, exact, precision: None, recall: None };
    c.precision = (c.tp + c.fp > 0.0).then(|| page_precision(&c));
    c.recall = (c.tp + c.fn_ > 0.0).then(|| page_recall(&c));
    c
}

fn page_precision(c: &PageCounts) -> f64 {
    if c.fp == 0.0 && c.fn_ == 0.0 {
        1.0
    } else if c.tp == 0.0 && c.fp == 0.0 {
        0.0
    } else {
        c.tp / (c.tp + c.fp)
    }
}

fn page_recall(c: &PageCounts) -> f64 {
    if c.fp == 0.0 && c.fn_ == 0.0 {
        1.0
    } else if c.tp == 0.0 && c.fn_ == 0.0 {
        0.0
    } else {
        c.tp / (c.tp + c.fn_)
    }
}

/// Corpus figures from per-page counts, gathered in one pass.
pub fn aggregate<'a>(pages: impl IntoIterator<Item = &'a PageCounts>) -> Scores {
    let (mut precision, mut recall) = (Mean::default(), Mean::default());
    // Exact pages and pages: whole numbers, so their ratio is the mean of the 0/1 values.
    let (mut exact, mut pages_seen) = (0usize, 0usize);
    for c in pages {
        if let Some(p) = c.precision {
            precision.push(p);
        }
        if let Some(r) = c.recall {
            recall.push(r);
        }
        exact += usize::from(c.exact);
        pages_seen += 1;
    }
    let (precision, recall) = (precision.get().unwrap_or(0.0), recall.get().unwrap_or(0.0));
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    let accuracy = if pages_seen > 0 { exact as f64 / pages_seen as f64 } else { 0.0 };
    Scores { precision, recall, f1, accuracy }
}

/// Corpus figures of `(gold, prediction)` pairs.
pub fn score<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Scores {
    let pages: Vec<PageCounts> = pairs.map(|(g, p)| page(g, p)).collect();
    aggregate(&pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn identical_texts_are_perfect_and_exact() {
        let c = page("The cat sat on the mat.", "The cat, sat on the mat!");
        assert_eq!((c.tp, c.fp, c.fn_, c.exact), (1.0, 0.0, 0.0, true));
    }

    #[test]
    fn partial_overlap_is_counted_over_shingle_multisets() {
        // gold tokens a b c d e -> shingles abcd, bcde; pred a b c d x -> abcd, bcdx.
        // TP 1, FP 1, FN 1 -> each 1/3.
        let c = page("a b c d e", "a b c d x");
        assert!(close(c.tp, 1.0 / 3.0) && close(c.fp, 1.0 / 3.0) && close(c.fn_, 1.0 / 3.0));
        assert!(!c.exact);
        assert!(close(page_precision(&c), 0.5) && close(page_recall(&c), 0.5));
    }

    #[test]
    fn short_texts_give_one_shorter_shingle_and_case_matters() {
        // "A b" vs "a b": one shingle each, different -> TP 0, FP 1/2, FN 1/2.
        let c = page("A b", "a b");
        assert_eq!((c.tp, c.fp, c.fn_), (0.0, 0.5, 0.5));
        assert_eq!(page("x y", "x y").tp, 1.0);
    }

    #[test]
    fn repeated_shingles_are_clipped() {
        // gold "a b c d a b c d" -> abcd x2, bcda, cdab, dabc (5); pred "a b c d" -> abcd (1).
        // TP 1, FP 0, FN 4 -> 0.2, 0, 0.8.
        let c = page("a b c d a b c d", "a b c d");
        assert!(close(c.tp, 0.2) && c.fp == 0.0 && close(c.fn_, 0.8));
    }

    #[test]
    fn empty_pages_follow_upstream_edge_rules() {
        // empty vs empty: counts all 0, left out of both means, but tokens are equal (accurate).
        let both = page("", "...");
        assert_eq!((both.tp, both.fp, both.fn_, both.exact), (0.0, 0.0, 0.0, true));
        // empty prediction: FN only -> recall 0, no precision term.
        let missed = page("a b c d", "");
        assert_eq!((missed.tp, missed.fp, missed.fn_), (0.0, 0.0, 1.0));
        // Page 1 perfect, page 2 missed, page 3 empty/empty.
        let s = aggregate(&[page("a b c d", "a b c d"), missed, both]);
        // precision over page 1 only = 1; recall over pages 1, 2 = 0.5; F1 = 2/3; accuracy 2/3.
        assert!(close(s.precision, 1.0) && close(s.recall, 0.5));
        assert!(close(s.f1, 2.0 / 3.0) && close(s.accuracy, 2.0 / 3.0));
    }

    #[test]
    fn no_scorable_page_gives_zero_not_a_panic() {
        let s = aggregate(&[page("", "")]);
        assert_eq!((s.precision, s.recall, s.f1, s.accuracy), (0.0, 0.0, 0.0, 1.0));
    }
}
