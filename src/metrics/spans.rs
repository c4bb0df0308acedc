//! Span-level deduplication metric: character-level precision, recall and F1, micro-averaged
//! over documents (every duplicate character counts once, whichever document it is in).

use std::ops::Range;

use super::Prf;

/// Sorts spans and merges overlapping or touching ones; drops empty ones.
pub fn normalize(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    spans.retain(|s| s.start < s.end);
    spans.sort_by_key(|s| (s.start, s.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

/// Total length of normalised spans.
pub fn covered(spans: &[Range<usize>]) -> usize {
    spans.iter().map(|s| s.end - s.start).sum()
}

/// Length of the intersection of two normalised span lists.
pub fn overlap(a: &[Range<usize>], b: &[Range<usize>]) -> usize {
    let (mut i, mut j, mut total) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let lo = a[i].start.max(b[j].start);
        let hi = a[i].end.min(b[j].end);
        if lo < hi {
            total += hi - lo;
        }
        if a[i].end < b[j].end { i += 1 } else { j += 1 }
    }
    total
}

/// Character counts of one comparison, to be summed over documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpanCounts {
    /// Characters in both predicted and gold spans.
    pub tp: usize,
    /// Characters in predicted spans.
    pub predicted: usize,
    /// Characters in gold spans.
    pub gold: usize,
}

impl SpanCounts {
    /// Counts for one document (spans need not be normalised).
    pub fn of(pred: &[Range<usize>], gold: &[Range<usize>]) -> SpanCounts {
        let pred = normalize(pred.to_vec());
        let gold = normalize(gold.to_vec());
        SpanCounts { tp: overlap(&pred, &gold), predicted: covered(&pred), gold: covered(&gold) }
    }

    /// Adds another document's counts.
    pub fn add(&mut self, other: SpanCounts) {
        self.tp += other.tp;
        self.predicted += other.predicted;
        self.gold += other.gold;
    }

    /// Micro P/R/F1 of the counts.
    pub fn prf(&self) -> Prf {
        Prf::from_counts(self.tp as f64, self.predicted as f64, self.gold as f64)
    }
}

/// Micro character P/R/F1 over documents (`pred` and `gold` aligned by document).
pub fn score(pred: &[Vec<Range<usize>>], gold: &[Vec<Range<usize>>]) -> Prf {
    assert_eq!(pred.len(), gold.len(), "span lists of different document sets");
    let mut total = SpanCounts::default();
    for (p, g) in pred.iter().zip(gold) {
        total.add(SpanCounts::of(p, g));
    }
    total.prf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_merges_overlaps_and_touching() {
        assert_eq!(normalize(vec![5..8, 0..2, 2..3, 7..10, 4..4]), vec![0..3, 5..10]);
    }

    #[test]
    fn micro_average_weights_characters_not_documents() {
        // doc 1: pred 0..10, gold 0..10 (10 tp); doc 2: pred 0..2, gold 0..10 (2 tp)
        let s = score(&[vec![0..10], vec![0..2]], &[vec![0..10], vec![0..10]]);
        assert!((s.precision - 1.0).abs() < 1e-12);
        assert!((s.recall - 12.0 / 20.0).abs() < 1e-12);
    }

    #[test]
    fn overlap_counts_partial_intersections() {
        assert_eq!(overlap(&[0..5, 10..20], &[3..12, 15..16]), 2 + 2 + 1);
    }
}
