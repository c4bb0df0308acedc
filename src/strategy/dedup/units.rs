//! `lines` and `paragraphs`: a unit (line, or blank-line separated paragraph) whose normalised
//! text was already seen anywhere earlier in the dataset is a duplicate span; the first
//! occurrence is kept (CCNet's line deduplication, applied within and across documents).
//!
//! A unit's span takes its line break with it (a paragraph takes the blank lines after it), so
//! removing every duplicate span leaves well-formed text and a repeated block of lines comes out
//! as one span. Units that normalise to less than `min_chars` characters (blank lines, lone
//! punctuation) are never duplicates.

use std::collections::HashSet;
use std::ops::Range;

use rayon::prelude::*;

use super::shingle::{norm_from, norm_param};
use super::{HashedKeys, content_hash};
use crate::error::Error;
use crate::model::Doc;
use crate::strategy::{DedupOutput, DedupStream, Deduplicator, ParamSpec, Params, StrategyError, dedup_in_one_batch};
use crate::text::Norm;

/// Parameters of `lines` and `paragraphs`.
pub const PARAMS: &[ParamSpec] = &[
    norm_param("ccnet"),
    ParamSpec { name: "min_chars", default: "1", help: "units shorter than this once normalised are ignored" },
];

/// Which unit a text is cut into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// One line.
    Line,
    /// A run of non-blank lines.
    Paragraph,
}

/// Unit-level deduplication.
#[derive(Debug, Clone)]
pub struct Units {
    unit: Unit,
    norm: Norm,
    min_chars: usize,
}

impl Units {
    fn new(unit: Unit, params: &Params) -> Result<Units, Error> {
        Ok(Units { unit, norm: norm_from(params)?, min_chars: params.usize("min_chars")? })
    }

    /// `lines` from spec parameters.
    pub fn lines(params: &Params) -> Result<Units, Error> {
        Units::new(Unit::Line, params)
    }

    /// `paragraphs` from spec parameters.
    pub fn paragraphs(params: &Params) -> Result<Units, Error> {
        Units::new(Unit::Paragraph, params)
    }

    /// (hash, char span) of each unit of `text` worth comparing, in text order (public for the
    /// stage pipeline, `crate::stage`, which shuffles these hashes).
    pub fn hashed_units(&self, text: &str, buf: &mut String) -> Vec<(u128, Range<usize>)> {
        let mut out = Vec::new();
        let mut push = |unit_text: &str, span: Range<usize>| {
            self.norm.apply(unit_text, buf);
            if buf.chars().count() >= self.min_chars.max(1) {
                out.push((content_hash(buf), span));
            }
        };
        match self.unit {
            Unit::Line => {
                let mut pos = 0;
                for line in text.split_inclusive('\n') {
                    let len = line.chars().count();
                    push(line, pos..pos + len);
                    pos += len;
                }
            }
            Unit::Paragraph => {
                for (body, span) in paragraphs(text) {
                    push(body, span);
                }
            }
        }
        out
    }
}

/// Paragraphs of `text`: (text of the non-blank lines, char span that also covers the blank lines
/// that follow). Blank lines before the first paragraph belong to none.
pub fn paragraphs(text: &str) -> Vec<(&str, Range<usize>)> {
    let mut out: Vec<(&str, Range<usize>)> = Vec::new();
    let mut pos = 0; // char offset
    let mut byte = 0;
    let mut current: Option<(usize, usize, usize)> = None; // (start byte, end byte of body, start char)
    let mut in_blank_tail = false;
    for line in text.split_inclusive('\n') {
        let len = line.chars().count();
        let blank = line.trim().is_empty();
        if blank {
            in_blank_tail = current.is_some();
        } else if in_blank_tail || current.is_none() {
            if let Some((b0, b1, c0)) = current.take() {
                out.push((&text[b0..b1], c0..pos));
            }
            current = Some((byte, byte + line.len(), pos));
            in_blank_tail = false;
        } else if let Some(cur) = current.as_mut() {
            cur.1 = byte + line.len();
        }
        pos += len;
        byte += line.len();
    }
    if let Some((b0, b1, c0)) = current {
        out.push((&text[b0..b1], c0..pos));
    }
    out
}

impl Deduplicator for Units {
    fn name(&self) -> &str {
        match self.unit {
            Unit::Line => "lines",
            Unit::Paragraph => "paragraphs",
        }
    }

    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
        dedup_in_one_batch(self.stream(), docs)
    }

    fn stream(&self) -> Option<Box<dyn DedupStream + '_>> {
        Some(Box::new(UnitStream { units: self, seen: HashSet::default(), spans: Vec::new() }))
    }
}

/// The state of `lines` or `paragraphs` between batches: the hash of every unit seen, and the
/// duplicate spans of every document pushed.
struct UnitStream<'a> {
    units: &'a Units,
    seen: HashSet<u128, HashedKeys>,
    spans: Vec<Vec<Range<usize>>>,
}

impl DedupStream for UnitStream<'_> {
    fn push(&mut self, batch: &[Doc]) -> Result<(), StrategyError> {
        let hashed: Vec<Vec<(u128, Range<usize>)>> =
            batch.par_iter().map_init(String::new, |buf, doc| self.units.hashed_units(&doc.text, buf)).collect();
        self.seen.reserve(hashed.iter().map(Vec::len).sum());
        self.spans.reserve(hashed.len());
        for doc_units in hashed {
            let mut spans: Vec<Range<usize>> = Vec::new();
            for (hash, span) in doc_units {
                if self.seen.insert(hash) {
                    continue;
                }
                match spans.last_mut() {
                    Some(last) if last.end == span.start => last.end = span.end,
                    _ => spans.push(span),
                }
            }
            self.spans.push(spans);
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<DedupOutput, StrategyError> {
        Ok(DedupOutput { dup_spans: Some(self.spans), ..DedupOutput::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, text: &str) -> Doc {
        Doc { id: id.into(), text: text.into() }
    }

    fn lines() -> Units {
        Units { unit: Unit::Line, norm: Norm::Ccnet, min_chars: 1 }
    }

    #[test]
    fn lines_keeps_first_occurrence_and_merges_adjacent_repeats() {
        let out = lines().dedup(&[doc("a", "x\ny\nz\nx\ny")]).unwrap();
        assert_eq!(out.dup_spans, Some(vec![vec![6..9]]));
    }

    #[test]
    fn lines_finds_repeats_across_documents() {
        let out = lines().dedup(&[doc("a", "one\ntwo\n"), doc("b", "Two!\nthree\n")]).unwrap();
        assert_eq!(out.dup_spans, Some(vec![vec![], vec![0..5]]));
    }

    #[test]
    fn blank_lines_are_never_duplicates() {
        let out = lines().dedup(&[doc("a", "a\n\nb\n\nc")]).unwrap();
        assert_eq!(out.dup_spans, Some(vec![vec![]]));
    }

    #[test]
    fn paragraphs_cover_their_trailing_blank_lines() {
        let text = "\nfirst line\nsecond\n\n\nnext para\n";
        let paras = paragraphs(text);
        assert_eq!(paras.len(), 2);
        assert_eq!(paras[0].0, "first line\nsecond\n");
        assert_eq!(paras[0].1, 1..21);
        assert_eq!(paras[1].0, "next para\n");
        assert_eq!(paras[1].1, 21..31);
    }

    #[test]
    fn offsets_are_chars_not_bytes() {
        let out = lines().dedup(&[doc("a", "été\nété")]).unwrap();
        assert_eq!(out.dup_spans, Some(vec![vec![4..7]]));
    }
}
