//! `bloom-paragraphs`: paragraph-level exact deduplication through a Bloom filter, with the
//! semantics of Dolma's `dedupe.paragraphs` (allenai/dolma, `src/deduper.rs`).
//!
//! - A document is split on `"\n"`; every piece is a paragraph (the separator is not part of it).
//! - Documents are visited in dataset order and paragraphs in text order. A paragraph whose exact
//!   bytes are already in the filter is a duplicate; otherwise it is inserted. So the first
//!   occurrence is kept, within a document and across documents.
//! - A duplicate's span runs from the paragraph's first character to just past its `"\n"`, in
//!   Unicode scalar (char) offsets, as Dolma reports them. Dolma's last span of a document may end
//!   one character past the text (it tests a char offset against the byte length); here spans are
//!   clamped to the text, which is what the text allows.
//! - The filter is sized as Dolma sizes it: the smallest bit array for which the false-positive
//!   probability `(1 - (1 - 1/m)^(k n))^k`, with `k = ceil(m / n * ln 2)`, is at most the desired
//!   rate for the expected number of insertions `n`.
//!
//! Hashes are specified functions (Dolma seeds its hashers at random): xxh3-64 of the paragraph
//! under two seeds, combined by double hashing, `g_i = h1 + i * h2 (mod m)`.
//!
//! Differences from Dolma, on purpose: paragraphs that are empty or only white space are skipped
//! by default (`skip_empty=false` gives Dolma's default); no n-gram mode, no partitions; the filter
//! lives in memory for one run and is never written to disk. A Bloom filter has false positives
//! and no false negatives, so at the desired rate a few unique paragraphs may be reported too.

use std::ops::Range;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::error::Error;
use crate::model::Doc;
use crate::strategy::{DedupOutput, DedupStream, Deduplicator, ParamSpec, Params, StrategyError, dedup_in_one_batch};

/// Parameters of `bloom-paragraphs`.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "expected",
        default: "1000000",
        help: "expected number of paragraphs inserted (sizes the filter)",
    },
    ParamSpec { name: "fp", default: "0.001", help: "desired false-positive rate at `expected` insertions" },
    ParamSpec { name: "seed", default: "0", help: "seed of the two xxh3 hash functions" },
    ParamSpec {
        name: "skip_empty",
        default: "true",
        help: "ignore empty or white-space paragraphs (Dolma's default is false)",
    },
];

/// Bloom filter geometry: bits and number of hash functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Size of the bit array (a multiple of 64).
    pub bits: u64,
    /// Number of hash functions (bit positions per item).
    pub hashes: u32,
}

/// The optimal number of hash functions for `bits` bits and `n` items, rounded up (as Dolma).
pub fn optimal_hashes(bits: u64, n: u64) -> u32 {
    let k = (bits as f64 / n.max(1) as f64 * std::f64::consts::LN_2).ceil();
    k.clamp(1.0, 64.0) as u32
}

/// The false-positive probability of a filter of `bits` bits and `hashes` functions after `n`
/// insertions: `(1 - (1 - 1/m)^(k n))^k`.
pub fn false_positive_rate(bits: u64, hashes: u32, n: u64) -> f64 {
    let m = bits as f64;
    let k = hashes as f64;
    let unset = (1.0 - 1.0 / m).powf(k * n as f64);
    (1.0 - unset).powf(k)
}

/// The largest filter accepted: 2^36 bits (8 GiB), about 7 billion paragraphs at a 1% rate.
pub const MAX_BITS: u64 = 1 << 36;

/// The smallest geometry (in whole 64-bit words) whose false-positive rate at `n` insertions,
/// with the optimal number of hash functions, is at most `fp`.
pub fn size_for(n: u64, fp: f64) -> Geometry {
    let n = n.max(1);
    let rate = |words: u64| {
        let bits = words * 64;
        false_positive_rate(bits, optimal_hashes(bits, n), n)
    };
    // The rate falls as the array grows; find an upper bound, then bisect.
    let mut hi: u64 = 1;
    while rate(hi) > fp && hi < (1 << 40) {
        hi *= 2;
    }
    let mut lo = hi / 2; // rate(lo) > fp, or lo == 0
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if rate(mid) > fp { lo = mid } else { hi = mid }
    }
    let bits = hi * 64;
    Geometry { bits, hashes: optimal_hashes(bits, n) }
}

/// A Bloom filter over byte strings, with double hashing of two seeded xxh3-64 values.
#[derive(Debug, Clone)]
pub struct BloomFilter {
    words: Vec<u64>,
    geometry: Geometry,
    seed: u64,
    inserted: u64,
}

/// Seed offset of the second hash function.
const SECOND_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

impl BloomFilter {
    /// An empty filter of the given geometry.
    pub fn new(geometry: Geometry, seed: u64) -> BloomFilter {
        BloomFilter { words: vec![0; (geometry.bits / 64).max(1) as usize], geometry, seed, inserted: 0 }
    }

    /// The two base hashes of `item`; the second is odd so that the probe sequence cycles
    /// through distinct positions.
    pub fn base_hashes(&self, item: &[u8]) -> (u64, u64) {
        (xxh3_64_with_seed(item, self.seed), xxh3_64_with_seed(item, self.seed ^ SECOND_SEED) | 1)
    }

    fn positions(&self, (h1, h2): (u64, u64)) -> impl Iterator<Item = u64> + '_ {
        let bits = self.geometry.bits.max(64);
        (0..self.geometry.hashes as u64).map(move |i| h1.wrapping_add(i.wrapping_mul(h2)) % bits)
    }

    /// Inserts an item given by its base hashes; returns whether it was (probably) already in.
    pub fn check_and_insert(&mut self, hashes: (u64, u64)) -> bool {
        let mut present = true;
        let positions: Vec<u64> = self.positions(hashes).collect();
        for p in positions {
            let (word, bit) = ((p / 64) as usize, p % 64);
            if self.words[word] & (1 << bit) == 0 {
                present = false;
                self.words[word] |= 1 << bit;
            }
        }
        if !present {
            self.inserted += 1;
        }
        present
    }

    /// Fraction of bits set.
    pub fn fill(&self) -> f64 {
        let set: u64 = self.words.iter().map(|w| w.count_ones() as u64).sum();
        set as f64 / (self.words.len() as f64 * 64.0)
    }

    /// Items inserted so far (items found already present are not counted).
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    /// The filter's geometry.
    pub fn geometry(&self) -> Geometry {
        self.geometry
    }
}

/// A paragraph's two base hashes and its span.
type HashedParagraph = ((u64, u64), Range<usize>);

/// Paragraph-level deduplication through a Bloom filter.
#[derive(Debug, Clone)]
pub struct BloomParagraphs {
    geometry: Geometry,
    seed: u64,
    skip_empty: bool,
}

/// One paragraph of a document: its text and its span (chars, including its `"\n"`).
pub fn split_paragraphs(text: &str) -> Vec<(&str, Range<usize>)> {
    let total = text.chars().count();
    let mut out = Vec::new();
    let mut pos = 0;
    for piece in text.split('\n') {
        let len = piece.chars().count();
        out.push((piece, pos..(pos + len + 1).min(total)));
        pos += len + 1;
    }
    out
}

impl BloomParagraphs {
    /// Builds from spec parameters.
    pub fn new(params: &Params) -> Result<BloomParagraphs, Error> {
        let expected = params.u64("expected")?;
        let fp = params.f64("fp")?;
        if !(fp > 0.0 && fp < 1.0) {
            return Err(Error::Spec(format!(
                "strategy `bloom-paragraphs`: parameter `fp` = `{fp}`: expected a rate between 0 and 1"
            )));
        }
        if expected == 0 {
            return Err(Error::Spec("strategy `bloom-paragraphs`: parameter `expected` must be at least 1".into()));
        }
        let geometry = size_for(expected, fp);
        if geometry.bits > MAX_BITS {
            return Err(Error::Spec(format!(
                "strategy `bloom-paragraphs`: expected = {expected} at fp = {fp} needs a {} GiB filter, over the {} GiB limit",
                (geometry.bits / 8) >> 30,
                (MAX_BITS / 8) >> 30
            )));
        }
        Ok(BloomParagraphs { geometry, seed: params.u64("seed")?, skip_empty: params.bool("skip_empty")? })
    }

    /// Per document, the span of every duplicate paragraph, one span per paragraph (not merged),
    /// and the filter after all insertions.
    pub fn paragraph_spans(&self, docs: &[Doc]) -> (Vec<Vec<Range<usize>>>, BloomFilter) {
        let mut stream = BloomStream::new(self);
        stream.insert(docs);
        (stream.spans, stream.filter)
    }
}

/// The state of `bloom-paragraphs` between batches: the filter and the (unmerged) duplicate
/// spans of every document pushed. Insertion order is dataset order, so any split into batches
/// gives the same filter and spans.
struct BloomStream<'a> {
    strategy: &'a BloomParagraphs,
    filter: BloomFilter,
    spans: Vec<Vec<Range<usize>>>,
}

impl<'a> BloomStream<'a> {
    fn new(strategy: &'a BloomParagraphs) -> BloomStream<'a> {
        BloomStream { strategy, filter: BloomFilter::new(strategy.geometry, strategy.seed), spans: Vec::new() }
    }

    fn insert(&mut self, batch: &[Doc]) {
        let (filter, skip_empty) = (&self.filter, self.strategy.skip_empty);
        let hashed: Vec<Vec<HashedParagraph>> = batch
            .par_iter()
            .map(|doc| {
                split_paragraphs(&doc.text)
                    .into_iter()
                    .filter(|(p, _)| !(skip_empty && p.trim().is_empty()))
                    .map(|(p, span)| (filter.base_hashes(p.as_bytes()), span))
                    .collect()
            })
            .collect();
        self.spans.reserve(hashed.len());
        for paras in hashed {
            // A fresh list, not the paragraphs' own buffer reused in place: most documents keep
            // no span, and an emptied buffer would keep its capacity for the whole run.
            let filter = &mut self.filter;
            let spans: Vec<Range<usize>> =
                paras.iter().filter(|(h, _)| filter.check_and_insert(*h)).map(|(_, span)| span.clone()).collect();
            self.spans.push(spans);
        }
    }
}

impl DedupStream for BloomStream<'_> {
    fn push(&mut self, batch: &[Doc]) -> Result<(), StrategyError> {
        self.insert(batch);
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<DedupOutput, StrategyError> {
        let BloomStream { filter, spans, .. } = *self;
        let merged = spans.into_iter().map(|s| crate::text::Spans::new(s).into_vec()).collect();
        let g = filter.geometry();
        let stats = vec![
            ("bloom_bits".into(), g.bits as f64),
            ("bloom_hashes".into(), g.hashes as f64),
            ("bloom_fill".into(), filter.fill()),
            ("bloom_fp_at_inserted".into(), false_positive_rate(g.bits, g.hashes, filter.inserted())),
        ];
        Ok(DedupOutput { dup_spans: Some(merged), stats, ..DedupOutput::default() })
    }
}

impl Deduplicator for BloomParagraphs {
    fn name(&self) -> &str {
        "bloom-paragraphs"
    }

    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
        dedup_in_one_batch(self.stream(), docs)
    }

    fn stream(&self) -> Option<Box<dyn DedupStream + '_>> {
        Some(Box::new(BloomStream::new(self)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, text: &str) -> Doc {
        Doc { id: id.into(), text: text.into() }
    }

    fn strategy(skip_empty: bool) -> BloomParagraphs {
        BloomParagraphs { geometry: size_for(1000, 0.001), seed: 0, skip_empty }
    }

    #[test]
    fn sizing_meets_the_rate_and_is_minimal() {
        // Closed form for n = 1000, p = 0.001: m = -n ln p / (ln 2)^2 = 14377.6 bits, k = 10.
        // A linear scan over whole words in Python with the exact formula gives 225 words
        // (14,400 bits, rate 0.00098953), 224 words being above the rate.
        let g = size_for(1000, 0.001);
        assert!(false_positive_rate(g.bits, g.hashes, 1000) <= 0.001);
        let smaller = g.bits - 64;
        assert!(false_positive_rate(smaller, optimal_hashes(smaller, 1000), 1000) > 0.001);
        assert_eq!(g, Geometry { bits: 14_400, hashes: 10 });
    }

    #[test]
    fn repeats_within_a_document_keep_the_first() {
        let out = strategy(true).dedup(&[doc("a", "one\ntwo\none\nthree\ntwo")]).unwrap();
        // "one\n" at 8..12, final "two" at 18..21 (no newline to take).
        assert_eq!(out.dup_spans, Some(vec![vec![8..12, 18..21]]));
    }

    #[test]
    fn repeats_across_documents_and_adjacent_spans_merge() {
        let (spans, _) = strategy(true).paragraph_spans(&[doc("a", "x\ny\nz"), doc("b", "é\nx\ny\nw")]);
        assert_eq!(spans, vec![vec![], vec![2..4, 4..6]]);
        let out = strategy(true).dedup(&[doc("a", "x\ny\nz"), doc("b", "é\nx\ny\nw")]).unwrap();
        assert_eq!(out.dup_spans, Some(vec![vec![], vec![2..6]]));
    }

    #[test]
    fn unique_paragraphs_give_no_span() {
        let out = strategy(true).dedup(&[doc("a", "alpha\nbeta"), doc("b", "gamma\ndelta")]).unwrap();
        assert_eq!(out.dup_spans, Some(vec![vec![], vec![]]));
    }

    #[test]
    fn empty_paragraphs_count_only_when_asked() {
        let text = "a\n\nb\n\nc";
        assert_eq!(strategy(true).paragraph_spans(&[doc("a", text)]).0, vec![Vec::<Range<usize>>::new()]);
        // Dolma's default: the second empty paragraph (at char 5) is a duplicate of the first.
        assert_eq!(strategy(false).paragraph_spans(&[doc("a", text)]).0, vec![vec![5..6]]);
    }
}
