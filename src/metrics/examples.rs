//! Examples for the report's drill-down: each extractor's worst pages (with its text and the
//! gold text), and each deduplicator's missed and false pairs (with both documents). Chosen
//! deterministically from the scores, so two runs show the same examples.

use serde::{Deserialize, Serialize};

use crate::model::{DocView, ExtractGold, Page};

/// Examples kept per cell (worst pages; missed pairs and false pairs each).
pub const PER_CELL: usize = 5;

/// Characters kept of each text; the drill-down shows the start of longer texts.
pub const MAX_CHARS: usize = 8_000;

/// Why a pair of documents is an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairKind {
    /// Duplicates in the gold that the strategy kept apart.
    Missed,
    /// Put together by the strategy, apart in the gold.
    False,
}

/// One example of a cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Example {
    /// A page with its score under the dataset's primary family (per-page F1).
    Page {
        /// Page id.
        id: String,
        /// Page address, when known.
        url: Option<String>,
        /// The page's F1 in the primary metric's family.
        score: f64,
        /// Gold text (cut at [`MAX_CHARS`]).
        gold: String,
        /// Extracted text (cut at [`MAX_CHARS`]).
        text: String,
    },
    /// A missed or false pair.
    Pair {
        /// Missed or false.
        pair: PairKind,
        /// First document's id.
        a_id: String,
        /// First document's text (cut).
        a_text: String,
        /// Second document's id.
        b_id: String,
        /// Second document's text (cut).
        b_text: String,
    },
}

/// The start of `text`, at most [`MAX_CHARS`] characters.
fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The [`PER_CELL`] pages with the lowest `scores` (pages without a score are skipped; ties
/// go to the earlier page).
pub fn worst_pages(pages: &[Page], gold: &[ExtractGold], texts: &[String], scores: &[Option<f64>]) -> Vec<Example> {
    let mut order: Vec<(usize, f64)> =
        scores.iter().enumerate().filter_map(|(i, s)| s.filter(|v| v.is_finite()).map(|v| (i, v))).collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    order
        .into_iter()
        .take(PER_CELL)
        .filter_map(|(i, score)| {
            let page = pages.get(i)?;
            Some(Example::Page {
                id: page.id.clone(),
                url: page.url.clone(),
                score,
                gold: cut(gold.get(i)?.text.as_deref().unwrap_or("")),
                text: cut(texts.get(i)?),
            })
        })
        .collect()
}

/// Up to [`PER_CELL`] missed pairs and as many false pairs, from gold cluster labels and the
/// strategy's labels (one per document). Each document is paired with the first document of
/// its gold cluster (missed) or of its predicted cluster (false), in document order.
pub fn pairs<D: DocView + ?Sized>(docs: &D, gold: &[u32], predicted: &[u32]) -> Vec<Example> {
    use std::collections::BTreeMap;
    let n = docs.count().min(gold.len()).min(predicted.len());
    let mut first_gold: BTreeMap<u32, usize> = BTreeMap::new();
    let mut first_pred: BTreeMap<u32, usize> = BTreeMap::new();
    let (mut missed, mut false_) = (Vec::new(), Vec::new());
    for i in 0..n {
        let g = *first_gold.entry(gold[i]).or_insert(i);
        let p = *first_pred.entry(predicted[i]).or_insert(i);
        if g != i && predicted[g] != predicted[i] && missed.len() < PER_CELL {
            missed.push((PairKind::Missed, g, i));
        }
        if p != i && gold[p] != gold[i] && false_.len() < PER_CELL {
            false_.push((PairKind::False, p, i));
        }
        if missed.len() == PER_CELL && false_.len() == PER_CELL {
            break;
        }
    }
    missed.extend(false_);
    // The texts of the documents shown, read once (a streamed dataset reads them again).
    let mut wanted: Vec<u32> = missed.iter().flat_map(|&(_, a, b)| [a as u32, b as u32]).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let texts = docs.texts(&wanted);
    let text = |d: usize| match &texts {
        Ok(t) => wanted.binary_search(&(d as u32)).map_or_else(|_| String::new(), |k| cut(&t[k])),
        Err(e) => format!("(text not read again: {e})"),
    };
    missed
        .into_iter()
        .map(|(pair, a, b)| Example::Pair {
            pair,
            a_id: docs.id(a).to_string(),
            a_text: text(a),
            b_id: docs.id(b).to_string(),
            b_text: text(b),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Doc;

    fn doc(id: &str) -> Doc {
        Doc { id: id.into(), text: format!("text of {id}") }
    }

    #[test]
    fn pairs_name_missed_and_false_pairs() {
        let docs: Vec<Doc> = ["a", "b", "c", "d"].into_iter().map(doc).collect();
        // Gold: {a, b}, {c}, {d}; predicted: {a}, {b}, {c, d}.
        let got = pairs(&docs, &[0, 0, 1, 2], &[0, 1, 2, 2]);
        let ids: Vec<(PairKind, &str, &str)> = got
            .iter()
            .filter_map(|e| match e {
                Example::Pair { pair, a_id, b_id, .. } => Some((*pair, a_id.as_str(), b_id.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(ids, vec![(PairKind::Missed, "a", "b"), (PairKind::False, "c", "d")]);
    }

    #[test]
    fn worst_pages_are_the_lowest_scores_first_and_texts_are_cut() {
        let pages: Vec<Page> = (0..7).map(|i| Page { id: format!("p{i}"), html: String::new(), url: None }).collect();
        let gold: Vec<ExtractGold> =
            (0..7).map(|_| ExtractGold { text: Some("x".repeat(MAX_CHARS + 5)), ..Default::default() }).collect();
        let texts: Vec<String> = (0..7).map(|i| format!("t{i}")).collect();
        let scores = [Some(0.9), Some(0.1), None, Some(0.5), Some(0.1), Some(0.8), Some(0.3)];
        let got = worst_pages(&pages, &gold, &texts, &scores);
        let ids: Vec<&str> = got
            .iter()
            .filter_map(|e| match e {
                Example::Page { id, .. } => Some(id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(ids, ["p1", "p4", "p6", "p3", "p5"]);
        let Some(Example::Page { gold, .. }) = got.first() else { panic!("no page") };
        assert_eq!(gold.chars().count(), MAX_CHARS + 1);
    }
}
