//! `suffix-array`: exact repeated substrings of at least `min_bytes` bytes across the dataset, as
//! in Lee et al. 2021 ("Deduplicating Training Data Makes Language Models Better", ExactSubstr,
//! 50 tokens there; 100 bytes here by default), found with a suffix array and its LCP array
//! (libsais).
//!
//! The documents are concatenated in dataset order, each followed by the byte `0xFF`, which never
//! occurs in UTF-8 text: a window of `min_bytes` bytes that contains it spans two documents and
//! is never counted, so no match crosses a document boundary (one separator value is enough:
//! suffixes sharing a prefix of `min_bytes` bytes either all contain a separator in it or none do).
//!
//! Every window of `min_bytes` bytes whose text occurs at an earlier position (earlier document,
//! or earlier in the same document) is a duplicate; the union of those windows is what a cleaner
//! removes, so the first occurrence of every repeated substring is kept and later occurrences go,
//! overlapping self-repeats included. Byte spans are then shrunk to whole characters (a span never
//! splits a UTF-8 character) and converted to char offsets.
//!
//! Not done here: token-level windows, approximate matches, or Lee et al.'s removal of every
//! occurrence (including the first).

use std::ops::Range;

use libsais::SuffixArrayConstruction;

use crate::error::Error;
use crate::model::Doc;
use crate::strategy::{DedupOutput, Deduplicator, ParamSpec, Params, StrategyError};

/// Parameters of `suffix-array`.
pub const PARAMS: &[ParamSpec] = &[ParamSpec {
    name: "min_bytes",
    default: "100",
    help: "shortest repeated substring counted, in bytes (Lee et al. 2021 use 50 tokens, about 100 bytes)",
}];

/// The document separator: a byte that is never part of UTF-8 text.
const SEPARATOR: u8 = 0xFF;

/// Exact-substring deduplication with a suffix array.
#[derive(Debug, Clone)]
pub struct SuffixArray {
    min_bytes: usize,
}

impl SuffixArray {
    /// Builds from spec parameters.
    pub fn new(params: &Params) -> Result<SuffixArray, Error> {
        let min_bytes = params.usize("min_bytes")?;
        if min_bytes == 0 {
            return Err(Error::Spec("strategy `suffix-array`: parameter `min_bytes` must be at least 1".into()));
        }
        Ok(SuffixArray { min_bytes })
    }

    /// With a given minimum length (for tests and benches).
    pub fn with_min_bytes(min_bytes: usize) -> SuffixArray {
        SuffixArray { min_bytes: min_bytes.max(1) }
    }

    /// Per document, the duplicate byte spans (sorted, merged, not yet aligned to characters).
    pub fn byte_spans(&self, docs: &[Doc]) -> Result<Vec<Vec<Range<usize>>>, StrategyError> {
        let l = self.min_bytes;
        let total: usize = docs.iter().map(|d| d.text.len() + 1).sum();
        if total > libsais::LIBSAIS_I32_OUTPUT_MAXIMUM_SIZE {
            return Err(StrategyError(format!("{total} bytes of text exceed the suffix array's 2 GiB limit")));
        }
        let mut text = Vec::with_capacity(total);
        let mut starts = Vec::with_capacity(docs.len() + 1);
        for d in docs {
            starts.push(text.len());
            text.extend_from_slice(d.text.as_bytes());
            text.push(SEPARATOR);
        }
        starts.push(text.len());
        let mut out = vec![Vec::new(); docs.len()];
        if text.len() <= l {
            return Ok(out);
        }
        let fail = |e: libsais::LibsaisError| StrategyError(format!("suffix array construction failed: {e:?}"));
        let sa = SuffixArrayConstruction::for_text(&text).in_owned_buffer32().single_threaded().run().map_err(fail)?;
        let with_lcp = sa
            .plcp_construction()
            .single_threaded()
            .run()
            .map_err(fail)?
            .lcp_construction()
            .single_threaded()
            .run()
            .map_err(fail)?;
        let (sa, lcp, _, _) = with_lcp.into_parts();
        let (sa, lcp): (&[i32], &[i32]) = (&sa, &lcp);

        // Which window starts are later occurrences of an earlier window.
        let mut dup_start = vec![false; text.len()];
        let has_separator = |p: usize| p + l > text.len() || text[p..p + l].contains(&SEPARATOR);
        let mut i = 0;
        while i < sa.len() {
            // The run of suffixes i..j sharing at least `l` bytes with their neighbour.
            let mut j = i + 1;
            while j < sa.len() && lcp[j] as usize >= l {
                j += 1;
            }
            if j - i > 1 && !has_separator(sa[i] as usize) {
                let first = sa[i..j].iter().copied().min().unwrap_or(0);
                for &p in &sa[i..j] {
                    if p != first {
                        dup_start[p as usize] = true;
                    }
                }
            }
            i = j;
        }

        // Union of the windows, cut at document boundaries (windows never cross one).
        let mut doc = 0;
        for (p, &dup) in dup_start.iter().enumerate() {
            if !dup {
                continue;
            }
            while starts[doc + 1] <= p {
                doc += 1;
            }
            let (start, end) = (p - starts[doc], p - starts[doc] + l);
            let spans = &mut out[doc];
            match spans.last_mut() {
                Some(last) if last.end >= start => last.end = last.end.max(end),
                _ => spans.push(start..end),
            }
        }
        Ok(out)
    }
}

/// Shrinks byte spans to whole characters of `text` and converts them to char offsets.
pub fn to_char_spans(text: &str, spans: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(spans.len());
    for s in spans {
        let mut start = s.start.min(text.len());
        while !text.is_char_boundary(start) {
            start += 1;
        }
        let mut end = s.end.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        if start < end {
            out.push(start..end);
        }
    }
    // One pass over the character boundaries maps each span end to its char index.
    let mut boundaries = text.char_indices().map(|(b, _)| b).chain(std::iter::once(text.len())).enumerate().peekable();
    let mut char_of = |target: usize| {
        while let Some(&(_, b)) = boundaries.peek() {
            if b >= target {
                break;
            }
            boundaries.next();
        }
        boundaries.peek().map(|&(c, _)| c).unwrap_or(0)
    };
    out.into_iter().map(|s| char_of(s.start)..char_of(s.end)).collect()
}

impl Deduplicator for SuffixArray {
    fn name(&self) -> &str {
        "suffix-array"
    }

    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
        let bytes = self.byte_spans(docs)?;
        let spans = docs.iter().zip(&bytes).map(|(d, s)| to_char_spans(&d.text, s)).collect();
        Ok(DedupOutput { dup_spans: Some(spans), ..DedupOutput::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, text: &str) -> Doc {
        Doc { id: id.into(), text: text.into() }
    }

    fn spans(l: usize, texts: &[&str]) -> Vec<Vec<Range<usize>>> {
        let docs: Vec<Doc> = texts.iter().enumerate().map(|(i, t)| doc(&i.to_string(), t)).collect();
        SuffixArray::with_min_bytes(l).dedup(&docs).unwrap().dup_spans.unwrap()
    }

    /// Brute force: byte i of a document is a duplicate when some window of `l` bytes covering
    /// it occurs earlier (in an earlier document, or earlier in this one).
    fn brute_bytes(l: usize, texts: &[&str]) -> Vec<Vec<bool>> {
        let mut out = Vec::new();
        for (d, t) in texts.iter().enumerate() {
            let b = t.as_bytes();
            let mut marks = vec![false; b.len()];
            for p in 0..b.len().saturating_sub(l - 1) {
                let w = &b[p..p + l];
                let earlier_doc = texts[..d].iter().any(|o| o.as_bytes().windows(l).any(|x| x == w));
                let earlier_here = b[..p + l - 1].windows(l).take(p).any(|x| x == w);
                if earlier_doc || earlier_here {
                    marks[p..p + l].iter_mut().for_each(|m| *m = true);
                }
            }
            out.push(marks);
        }
        out
    }

    #[test]
    fn repeat_across_documents_marks_the_later_copy() {
        // "abcdefgh" (8 bytes) repeated; l = 5.
        assert_eq!(spans(5, &["xxabcdefghyy", "zabcdefghz"]), vec![vec![], vec![1..9]]);
    }

    #[test]
    fn repeat_within_a_document_keeps_the_first() {
        assert_eq!(spans(4, &["hello world. hello world."]), vec![vec![13..25]]);
    }

    #[test]
    fn no_repeat_gives_no_span_and_short_repeats_are_ignored() {
        assert_eq!(spans(5, &["abcd-abcd", "wxyz"]), vec![Vec::<Range<usize>>::new(); 2]);
    }

    #[test]
    fn matches_never_cross_document_boundaries() {
        // "abc" ends doc 0 and "def" starts doc 1; "abcdef" exists only in doc 2.
        assert_eq!(spans(5, &["abc", "def", "abcdef"]), vec![Vec::<Range<usize>>::new(); 3]);
    }

    #[test]
    fn spans_never_split_multibyte_characters() {
        // The repeat "é-abcdef" (é is 2 bytes): with l = 4 the shared bytes are the continuation
        // byte of é and "-abcdef" in doc 1 (the first é byte differs: "ê" vs "é" share 0xC3).
        // Doc 0: "Xé-abcdefY"; doc 1: "ê-abcdefZ": ê = C3 AA, é = C3 A9: the common run is
        // "-abcdef" (7 bytes) -> chars 1..8 of doc 1.
        assert_eq!(spans(4, &["Xé-abcdefY", "ê-abcdefZ"]), vec![vec![], vec![1..8]]);
        // "日本語" is 9 bytes; doc 1 repeats its last 2 chars plus "ab" with l = 5: bytes
        // 本語ab = 8 bytes shared, starting on a boundary -> chars 1..5 in doc 1 ("x本語ab").
        assert_eq!(spans(5, &["日本語ab", "x本語ab"]), vec![vec![], vec![1..5]]);
        // A repeat starting mid-character: doc 1 shares with doc 0 the tail byte of "é" (A9)
        // and "abcd"; the span drops the partial character.
        assert_eq!(spans(4, &["éabcd", "©abcd"]), vec![vec![], vec![1..5]]);
    }

    #[test]
    fn agrees_with_brute_force_on_a_mixed_case() {
        let texts = ["the cat sat on the mat. the cat sat.", "a dog: the cat sat on it", "cat sat on the mat!"];
        for l in [3, 5, 8] {
            let got = spans(l, &texts);
            let brute = brute_bytes(l, &texts);
            for ((t, g), b) in texts.iter().zip(&got).zip(&brute) {
                // ASCII: char offsets are byte offsets.
                let mut marks = vec![false; t.len()];
                for s in g {
                    marks[s.clone()].iter_mut().for_each(|m| *m = true);
                }
                assert_eq!(&marks, b, "l={l} text={t:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_brute_force_on_random_ascii(
            texts in proptest::collection::vec("[ab ]{0,30}", 1..5),
            l in 1usize..6,
        ) {
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            let got = spans(l, &texts);
            let brute = brute_bytes(l, &texts);
            for ((t, g), b) in texts.iter().zip(&got).zip(&brute) {
                let mut marks = vec![false; t.len()];
                for s in g {
                    marks[s.clone()].iter_mut().for_each(|m| *m = true);
                }
                proptest::prop_assert_eq!(&marks, b);
            }
        }
    }
}
