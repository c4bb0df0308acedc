//! `gopher-repetition`: the repetition rules of Gopher's MassiveText quality filters (Rae et al.
//! 2021, "Scaling Language Models: Methods, Analysis & Insights from Training Gopher", appendix
//! A.1.1, table A1). A document failing any rule is removed whole (one span over its text), and
//! every figure is reported per document so a user sees why.
//!
//! The paper names the figures but not every detail; the choices made here:
//! - Lines: the text split on `"\n"` (a trailing `"\r"` dropped); lines that are empty or only
//!   white space are left out. A line is a duplicate when the same line occurred earlier in the
//!   document (the first copy is not a duplicate).
//! - Paragraphs: runs of non-blank lines separated by one or more blank lines, compared with
//!   their surrounding white space trimmed; duplicates counted as for lines.
//! - `dup_*_frac`: duplicates over all lines (paragraphs); `dup_*_char_frac`: characters of the
//!   duplicates over all characters of the text.
//! - Words: maximal runs of non-white-space characters; an n-gram is `n` consecutive words. The
//!   n-gram fractions are over word characters (white space not counted), and a character covered
//!   by several counted n-gram occurrences counts once.
//! - `top_n_gram_char_frac` (n = 2, 3, 4): characters covered by the occurrences of the most
//!   frequent n-gram (ties go to the one that occurs first); 0 when no n-gram occurs twice (a
//!   most frequent n-gram seen once is not repetition, and would otherwise fail every short text,
//!   which Gopher's separate length rule removes instead).
//! - `dup_n_gram_char_frac` (n = 5..10): characters covered by every occurrence of every n-gram
//!   that occurs more than once.
//!
//! A rule fails when its figure is strictly above the published threshold. Documents are judged
//! alone: repetition across documents is the other strategies' business.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::units::paragraphs;
use crate::model::Doc;
use crate::strategy::{DedupOutput, Deduplicator, ParamSpec, StrategyError};
use crate::text::hash::PlainKeys;

/// `gopher-repetition` takes no parameters: the thresholds are the published ones.
pub const PARAMS: &[ParamSpec] = &[];

/// Every figure, with its published threshold (Rae et al. 2021, table A1), in report order.
pub const RULES: &[(&str, f64)] = &[
    ("dup_line_frac", 0.30),
    ("dup_para_frac", 0.30),
    ("dup_line_char_frac", 0.20),
    ("dup_para_char_frac", 0.20),
    ("top_2_gram_char_frac", 0.20),
    ("top_3_gram_char_frac", 0.18),
    ("top_4_gram_char_frac", 0.16),
    ("dup_5_gram_char_frac", 0.15),
    ("dup_6_gram_char_frac", 0.14),
    ("dup_7_gram_char_frac", 0.13),
    ("dup_8_gram_char_frac", 0.12),
    ("dup_9_gram_char_frac", 0.11),
    ("dup_10_gram_char_frac", 0.10),
];

/// Name of the per-document figure that counts failed rules.
pub const RULES_FAILED: &str = "rules_failed";

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// (duplicate units, characters in duplicate units, units) of a list of units.
fn duplicates<'a>(units: impl Iterator<Item = &'a str>) -> (usize, usize, usize) {
    let mut seen: HashSet<&str, PlainKeys> = HashSet::default();
    let (mut dups, mut chars, mut total) = (0, 0, 0);
    for u in units {
        total += 1;
        if !seen.insert(u) {
            dups += 1;
            chars += u.chars().count();
        }
    }
    (dups, chars, total)
}

/// A hash map with a seedless hasher ([`PlainKeys`]): its probe sequence, and so the
/// instruction counts the gate measures, are the same on every run.
type FastMap<K, V> = HashMap<K, V, PlainKeys>;

/// Word characters covered by the marked word positions.
fn covered_chars(marks: &[bool], lens: &[usize]) -> usize {
    marks.iter().zip(lens).filter(|(m, _)| **m).map(|(_, l)| l).sum()
}

/// The figures of [`RULES`] for one text, in the same order.
pub fn repetition_stats(text: &str) -> Vec<f64> {
    let text_chars = text.chars().count();
    let lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).filter(|l| !l.trim().is_empty());
    let (line_dups, line_chars, n_lines) = duplicates(lines);
    let (para_dups, para_chars, n_paras) = duplicates(paragraphs(text).into_iter().map(|(body, _)| body.trim()));
    let mut out = vec![
        ratio(line_dups, n_lines),
        ratio(para_dups, n_paras),
        ratio(line_chars, text_chars),
        ratio(para_chars, text_chars),
    ];

    let words: Vec<&str> = text.split_whitespace().collect();
    let lens: Vec<usize> = words.iter().map(|w| w.chars().count()).collect();
    let word_chars: usize = lens.iter().sum();
    // Words as small integers numbered by first occurrence; the n-gram at each position is then
    // numbered from the (n-1)-gram there and the word that extends it, so each n costs one
    // lookup of a 64-bit key per position.
    let mut vocab: FastMap<&str, u32> = FastMap::with_capacity_and_hasher(words.len(), Default::default());
    let mut grams: Vec<u32> = words
        .iter()
        .map(|w| {
            let next = vocab.len() as u32;
            *vocab.entry(w).or_insert(next)
        })
        .collect();
    let ids = grams.clone();
    for n in 2..=10usize {
        let mut marks = vec![false; words.len()];
        if words.len() >= n {
            // Each window's n-gram id (numbered by first occurrence) and each id's count.
            let windows = words.len() + 1 - n;
            let mut table: FastMap<u64, u32> = FastMap::with_capacity_and_hasher(windows, Default::default());
            let mut counts: Vec<usize> = Vec::new();
            for i in 0..windows {
                let key = (u64::from(grams[i]) << 32) | u64::from(ids[i + n - 1]);
                let next = counts.len() as u32;
                let id = *table.entry(key).or_insert(next);
                if id == next {
                    counts.push(0);
                }
                counts[id as usize] += 1;
                grams[i] = id;
            }
            grams.truncate(windows);
            let window_ids = &grams;
            // Which n-grams count: the most frequent (ties to the earliest, the lowest id) if it
            // repeats, for n <= 4; every repeated one for n >= 5.
            let counted: Vec<bool> = if n <= 4 {
                let top =
                    (0..counts.len()).max_by_key(|&id| (counts[id], usize::MAX - id)).filter(|&id| counts[id] > 1);
                (0..counts.len()).map(|id| Some(id) == top).collect()
            } else {
                counts.iter().map(|&c| c > 1).collect()
            };
            for (start, &id) in window_ids.iter().enumerate() {
                if counted[id as usize] {
                    marks[start..start + n].iter_mut().for_each(|m| *m = true);
                }
            }
        }
        out.push(ratio(covered_chars(&marks, &lens), word_chars));
    }
    out
}

/// Indices (into [`RULES`]) of the rules `stats` fails.
pub fn failed_rules(stats: &[f64]) -> Vec<usize> {
    RULES.iter().zip(stats).enumerate().filter(|(_, ((_, limit), v))| *v > limit).map(|(i, _)| i).collect()
}

/// Document-level repetition filter with per-document figures.
#[derive(Debug, Clone, Default)]
pub struct GopherRepetition;

impl Deduplicator for GopherRepetition {
    fn name(&self) -> &str {
        "gopher-repetition"
    }

    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
        let stats: Vec<Vec<f64>> = docs.par_iter().map(|d| repetition_stats(&d.text)).collect();
        let failed: Vec<usize> = stats.iter().map(|s| failed_rules(s).len()).collect();
        let spans = docs
            .iter()
            .zip(&failed)
            .map(|(d, &f)| {
                let len = d.text.chars().count();
                if f > 0 && len > 0 { vec![0..len] } else { Vec::new() }
            })
            .collect();
        let mut doc_stats: Vec<(String, Vec<f64>)> = RULES
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.to_string(), stats.iter().map(|s| s[i]).collect()))
            .collect();
        doc_stats.push((RULES_FAILED.into(), failed.iter().map(|&f| f as f64).collect()));
        let removed = failed.iter().filter(|&&f| f > 0).count();
        Ok(DedupOutput {
            dup_spans: Some(spans),
            stats: vec![("docs_removed".into(), removed as f64)],
            doc_stats,
            ..DedupOutput::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(stats: &[f64], name: &str) -> f64 {
        stats[RULES.iter().position(|(n, _)| *n == name).unwrap()]
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn line_and_paragraph_figures_by_hand() {
        // Lines: "ab", "cd", "ab", "" (blank, left out), "ab" -> 4 lines, 2 duplicates (2 chars each).
        // Text: 2+1+2+1+2+1+0+1+2 = 12 chars.
        // Paragraphs: "ab\ncd\nab" and "ab" -> 2 paragraphs, no duplicate.
        let s = repetition_stats("ab\ncd\nab\n\nab");
        assert!(close(stat(&s, "dup_line_frac"), 2.0 / 4.0));
        assert!(close(stat(&s, "dup_line_char_frac"), 4.0 / 12.0));
        assert!(close(stat(&s, "dup_para_frac"), 0.0));
        assert!(close(stat(&s, "dup_para_char_frac"), 0.0));
        // Paragraphs "x y", "z", "x y": one duplicate of 3 chars; text 3+2+1+2+3 = 11 chars.
        let s = repetition_stats("x y\n\nz\n\nx y");
        assert!(close(stat(&s, "dup_para_frac"), 1.0 / 3.0));
        assert!(close(stat(&s, "dup_para_char_frac"), 3.0 / 11.0));
    }

    #[test]
    fn top_ngram_figures_by_hand() {
        // Words: a bb a bb a ccc (lens 1 2 1 2 1 3 = 10 word chars).
        // 2-grams: (a bb)x2 at 0,2, (bb a)x2 at 1,3, (a ccc)x1: tie between "a bb" and "bb a"
        // goes to "a bb" (first at 0): covers words 0..4 = 1+2+1+2 = 6 chars -> 0.6.
        let s = repetition_stats("a bb a bb a ccc");
        assert!(close(stat(&s, "top_2_gram_char_frac"), 0.6));
        // 3-grams: (a bb a)x2 at 0,2 covers words 0..5 = 7 chars -> 0.7.
        assert!(close(stat(&s, "top_3_gram_char_frac"), 0.7));
        // 4-grams all unique: no repetition, 0.
        assert!(close(stat(&s, "top_4_gram_char_frac"), 0.0));
    }

    #[test]
    fn duplicate_ngram_figures_count_overlaps_once() {
        // 12 words w0..w5 twice: every 5- and 6-gram of the first half recurs; 7-grams do not
        // (a 7-gram would span the join, "w5 w0" occurs once).
        let text = "w0 w1 w2 w3 w4 w5 w0 w1 w2 w3 w4 w5";
        let s = repetition_stats(text);
        // 5-grams: starts 0,1 recur at 6,7; covered words 0..6 and 6..12 = all 24 chars.
        assert!(close(stat(&s, "dup_5_gram_char_frac"), 1.0));
        assert!(close(stat(&s, "dup_6_gram_char_frac"), 1.0));
        assert!(close(stat(&s, "dup_7_gram_char_frac"), 0.0));
        assert!(close(stat(&s, "dup_10_gram_char_frac"), 0.0));
    }

    #[test]
    fn clean_text_passes_every_rule() {
        let s = repetition_stats("One short line of text.\nAnother, with different words entirely.");
        assert_eq!(failed_rules(&s), Vec::<usize>::new());
    }

    #[test]
    fn repetitive_document_is_removed_whole_with_reasons() {
        let docs = [
            Doc { id: "ok".into(), text: "alpha beta gamma\ndelta epsilon zeta".into() },
            Doc { id: "rep".into(), text: "same line here\nsame line here\nsame line here\nother".into() },
        ];
        let out = GopherRepetition.dedup(&docs).unwrap();
        assert_eq!(out.dup_spans, Some(vec![vec![], vec![0..50]]));
        let col = |name: &str| &out.doc_stats.iter().find(|(n, _)| n == name).unwrap().1;
        // "rep": 4 lines, 2 duplicates.
        assert!(close(col("dup_line_frac")[1], 0.5));
        assert!(col(RULES_FAILED)[1] >= 1.0);
        assert_eq!(col(RULES_FAILED)[0], 0.0);
    }

    /// Straightforward n-gram figures: compare word slices directly.
    fn naive_ngram_figures(text: &str) -> Vec<f64> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let total: usize = words.iter().map(|w| w.chars().count()).sum();
        (2..=10usize)
            .map(|n| {
                let mut marks = vec![false; words.len()];
                let starts: Vec<usize> = (0..(words.len() + 1).saturating_sub(n)).collect();
                let count = |s: usize| starts.iter().filter(|&&t| words[t..t + n] == words[s..s + n]).count();
                let first = |s: usize| starts.iter().position(|&t| words[t..t + n] == words[s..s + n]).unwrap_or(s);
                let chosen: Vec<usize> = if n <= 4 {
                    let top = starts.iter().copied().max_by_key(|&s| (count(s), usize::MAX - first(s)));
                    match top {
                        Some(t) if count(t) > 1 => {
                            starts.iter().copied().filter(|&s| words[s..s + n] == words[t..t + n]).collect()
                        }
                        _ => Vec::new(),
                    }
                } else {
                    starts.iter().copied().filter(|&s| count(s) > 1).collect()
                };
                for s in chosen {
                    marks[s..s + n].iter_mut().for_each(|m| *m = true);
                }
                let covered: usize =
                    words.iter().zip(&marks).filter(|(_, m)| **m).map(|(w, _)| w.chars().count()).sum();
                ratio(covered, total)
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn ngram_figures_agree_with_direct_comparison(words in proptest::collection::vec("(a|b|cc|dé)", 0..40)) {
            let text = words.join(" ");
            let fast = repetition_stats(&text);
            proptest::prop_assert_eq!(&fast[4..], &naive_ngram_figures(&text)[..]);
        }
    }
}
