//! Snippet precision, recall, accuracy and F1, as the trafilatura evaluation
//! (`tests/eval_common.py`: `count_item`, `ConfusionMatrix`) computes them.
//!
//! Per page, the output and every snippet have their white-space runs folded to one space and
//! their ends trimmed ([`crate::text::space::fold`] with Python's white space). A "with" snippet found as a substring of
//! the output is a true positive, one not found a false negative; a "without" snippet found is a
//! false positive, one not found a true negative. Counts are summed over the corpus (micro), then
//! precision = TP/(TP+FP), recall = TP/(TP+FN), accuracy = (TP+TN)/all, F1 = 2TP/(2TP+FP+FN),
//! each 0 when its denominator is 0. A failed extraction is scored as an empty output, which
//! finds no (non-empty) snippet, as upstream's `None` does.

use crate::text::space::{Space, fold};

/// Summed snippet counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// "with" snippets found.
    pub tp: u64,
    /// "without" snippets found.
    pub fp: u64,
    /// "with" snippets missed.
    pub fn_: u64,
    /// "without" snippets rightly absent.
    pub tn: u64,
}

impl Counts {
    /// Adds another page's counts.
    pub fn add(&mut self, other: Counts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
        self.tn += other.tn;
    }

    /// Precision, recall, accuracy and F1 (each 0 on an empty denominator).
    pub fn scores(&self) -> (f64, f64, f64, f64) {
        let ratio = |num: u64, den: u64| if den > 0 { num as f64 / den as f64 } else { 0.0 };
        let (tp, fp, fn_, tn) = (self.tp, self.fp, self.fn_, self.tn);
        (ratio(tp, tp + fp), ratio(tp, tp + fn_), ratio(tp + tn, tp + fp + fn_ + tn), ratio(2 * tp, 2 * tp + fp + fn_))
    }
}

/// Counts of one page.
pub fn page(with: &[String], without: &[String], output: &str) -> Counts {
    let out = fold(output, Space::Python);
    let found = |s: &String| out.contains(fold(s, Space::Python).as_str());
    let tp = with.iter().filter(|s| found(s)).count() as u64;
    let fp = without.iter().filter(|s| found(s)).count() as u64;
    Counts { tp, fp, fn_: with.len() as u64 - tp, tn: without.len() as u64 - fp }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn snippets_match_across_whitespace_variants() {
        let c = page(
            &strings(&["main  text\nhere", "missing"]),
            &strings(&["Impressum", "menu"]),
            "Main?\n main text   here. Impressum",
        );
        assert_eq!(c, Counts { tp: 1, fp: 1, fn_: 1, tn: 1 });
    }

    #[test]
    fn matching_is_case_sensitive() {
        assert_eq!(page(&strings(&["Text"]), &[], "text").tp, 0);
    }

    #[test]
    fn micro_scores_from_summed_counts() {
        let mut total = Counts::default();
        total.add(Counts { tp: 3, fp: 1, fn_: 0, tn: 2 });
        total.add(Counts { tp: 1, fp: 0, fn_: 2, tn: 3 });
        // TP 4, FP 1, FN 2, TN 5: P 4/5, R 4/6, acc 9/12, F1 8/11.
        let (p, r, a, f) = total.scores();
        assert_eq!((p, r, a, f), (0.8, 4.0 / 6.0, 0.75, 8.0 / 11.0));
    }

    #[test]
    fn empty_output_finds_nothing() {
        assert_eq!(page(&strings(&["a"]), &strings(&["b"]), ""), Counts { tp: 0, fp: 0, fn_: 1, tn: 1 });
        assert_eq!(Counts::default().scores(), (0.0, 0.0, 0.0, 0.0));
    }
}
