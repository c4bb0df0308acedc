//! Span-level deduplication metric: character-level precision, recall and F1, micro-averaged
//! over documents (every duplicate character counts once, whichever document it is in).

use super::Prf;
use crate::text::Spans;

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
    /// Counts for one document.
    pub fn of(pred: &Spans, gold: &Spans) -> SpanCounts {
        SpanCounts { tp: pred.overlap(gold), predicted: pred.covered(), gold: gold.covered() }
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

/// Micro character P/R/F1 over documents (`pred` and `gold` aligned by document; a document
/// missing on either side counts as having no spans there).
pub fn score(pred: &[Spans], gold: &[Spans]) -> Prf {
    let empty = Spans::default();
    let mut total = SpanCounts::default();
    for i in 0..pred.len().max(gold.len()) {
        total.add(SpanCounts::of(pred.get(i).unwrap_or(&empty), gold.get(i).unwrap_or(&empty)));
    }
    total.prf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micro_average_weights_characters_not_documents() {
        // doc 1: pred 0..10, gold 0..10 (10 tp); doc 2: pred 0..2, gold 0..10 (2 tp)
        let pred = [Spans::new(vec![0..10]), Spans::new(vec![0..2])];
        let gold = [Spans::new(vec![0..10]), Spans::new(vec![0..10])];
        let s = score(&pred, &gold);
        assert!((s.precision - 1.0).abs() < 1e-12);
        assert!((s.recall - 12.0 / 20.0).abs() < 1e-12);
    }
}
