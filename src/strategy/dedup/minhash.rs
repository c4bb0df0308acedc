//! `minhash`: near-duplicate documents by MinHash signatures and LSH banding (Broder 1997;
//! the pipeline of FineWeb, NeMo Curator and Lee et al. 2021).
//!
//! normalise -> shingles (word or character n-grams, each hashed once with xxh3-64) ->
//! signature (for each of `perms` permutations, the minimum of `a_i * x + b_i mod 2^32` over the
//! shingle hashes `x`, with odd `a_i`) -> `bands` x `rows` banding -> candidate pairs ->
//! optionally, exact Jaccard or containment over the shingle sets -> union-find clusters, each
//! labelled by its first document (which is kept).
//!
//! The signature loop runs in an AVX2 build of the same code when the CPU has it (detected at
//! run time) and in a portable build otherwise; both give identical signatures. Memory is
//! proportional to the band keys (`bands` u64 per document), not to the text. Verification
//! keeps only each document's shingle-set hash and length (20 bytes) while documents are
//! pushed; after the last, it asks for the candidates' documents again
//! ([`DedupStream::wanted`]) and checks the pairs in rounds that hold at most
//! [`VERIFY_BYTES`] of shingle sets. Documents with equal band keys (equal shingle sets when
//! verifying: equal xxh3-128, length and band keys) enter the index once, as a group whose pairs are
//! counted, not listed (`components::Groups`), so 300,000 identical pages cost linear time and
//! the answer, verification and edge metrics included, is that of indexing every document. Only
//! when the remaining buckets still hold more than `MAX_LISTED_PAIRS` pairs does the index fall
//! back to star edges (stat `star_edges`): the same clusters without verification, possibly
//! fewer joins with it, and no edge metrics. Documents with no shingle (empty after
//! normalisation) are never near-duplicates of anything.
//!
//! Not done here: edit-similarity verification (Lee et al.'s second check), and datasketch's
//! exact hash family (`(a x + b) mod (2^61 - 1)`), which is slower and gives other signatures.

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

pub use super::components::{Groups, MAX_LISTED_PAIRS};
use super::components::{bucket_pairs_sorted, bucket_star, pair_count};
use super::lsh::{banding_stats, detect_probability, optimal_bands_rows};
use super::shingle::{Scratch, Shingler, ngram_param, norm_param, shingler_from, unit_param};
use crate::error::Error;
use crate::model::{Doc, Pairs};
use crate::strategy::{
    DedupOutput, DedupStream, Deduplicator, PairModel, ParamSpec, Params, StrategyError, dedup_in_one_batch,
};
use crate::text::hash::SplitMix64;

/// Parameter list with the given defaults (presets differ only in their defaults).
#[allow(clippy::too_many_arguments)]
const fn params(
    norm: &'static str,
    unit: &'static str,
    ngram: &'static str,
    perms: &'static str,
    bands: &'static str,
    rows: &'static str,
    verify: &'static str,
) -> [ParamSpec; 12] {
    [
        norm_param(norm),
        unit_param(unit),
        ngram_param(ngram),
        ParamSpec {
            name: "perms",
            default: perms,
            help: "signature length; 0 = bands x rows if given, else 128 (datasketch's default)",
        },
        ParamSpec { name: "bands", default: bands, help: "LSH bands; 0 = choose bands and rows from `threshold`" },
        ParamSpec { name: "rows", default: rows, help: "rows per band; 0 = choose from `threshold`" },
        ParamSpec {
            name: "threshold",
            default: "0.8",
            help: "Jaccard threshold the banding is tuned for when bands/rows are 0",
        },
        ParamSpec { name: "fp_weight", default: "0.5", help: "weight of the false-positive area in that choice" },
        ParamSpec { name: "fn_weight", default: "0.5", help: "weight of the false-negative area in that choice" },
        ParamSpec { name: "seed", default: "42", help: "seed of the permutations" },
        ParamSpec {
            name: "verify",
            default: verify,
            help: "check candidates on the shingle sets: off, jaccard (or on) or containment",
        },
        ParamSpec {
            name: "verify_threshold",
            default: "0.8",
            help: "a candidate is a duplicate when its verified similarity is at least this",
        },
    ]
}

/// Parameters of `minhash` (word 5-grams, 128 permutations, banding tuned for Jaccard 0.8).
pub const PARAMS: &[ParamSpec] = &params("ccnet", "word", "5", "0", "0", "0", "off");

/// `minhash@fineweb`: FineWeb's configuration (datatrove `MinhashConfig(num_buckets=14,
/// hashes_per_bucket=8, n_grams=5)` in the FineWeb pipeline, huggingface/datatrove
/// examples/fineweb.py): word 5-grams, 14 bands x 8 rows = 112 permutations, no verification.
pub const PARAMS_FINEWEB: &[ParamSpec] = &params("ccnet", "word", "5", "0", "14", "8", "off");

/// `minhash@nemo`: NeMo Curator's fuzzy-deduplication configuration (`char_ngrams=24`,
/// `num_bands=20`, `minhashes_per_band=13` in its documentation and tutorials): character
/// 24-grams of the text as it is, 20 bands x 13 rows = 260 permutations.
pub const PARAMS_NEMO: &[ParamSpec] = &params("none", "char", "24", "0", "20", "13", "off");

/// `minhash@lee2021`: NearDup of Lee et al. 2021, "Deduplicating Training Data Makes Language
/// Models Better" (section 4.2 and appendix A): space-tokenised 5-grams, 9,000 hashes in 450
/// bands of 20, candidates kept at Jaccard >= 0.8 (their edit-similarity check is not done).
pub const PARAMS_LEE2021: &[ParamSpec] = &params("ws", "word", "5", "0", "450", "20", "jaccard");

/// How candidates are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Every candidate is a duplicate.
    Off,
    /// `|A ∩ B| / |A ∪ B|` of the shingle sets.
    Jaccard,
    /// `|A ∩ B| / min(|A|, |B|)`: one document (nearly) contained in the other.
    Containment,
}

impl Verify {
    const CHOICES: &'static [&'static str] = &["off", "on", "jaccard", "containment"];

    fn parse(s: &str) -> Verify {
        match s {
            "on" | "jaccard" => Verify::Jaccard,
            "containment" => Verify::Containment,
            _ => Verify::Off,
        }
    }
}

/// Permutations are padded to a multiple of this many lanes (16 u32 = two AVX2 registers).
const LANES: usize = 16;

/// The hash family `x -> a_i * x + b_i mod 2^32` (odd `a_i`), drawn from a seed.
#[derive(Debug, Clone)]
pub struct Permutations {
    a: Vec<u32>,
    b: Vec<u32>,
    len: usize,
}

impl Permutations {
    /// `len` permutations drawn from `seed` with SplitMix64.
    pub fn new(len: usize, seed: u64) -> Permutations {
        let padded = len.div_ceil(LANES) * LANES;
        let mut state = SplitMix64::new(seed);
        let mut a = Vec::with_capacity(padded);
        let mut b = Vec::with_capacity(padded);
        for _ in 0..padded {
            a.push(state.next_u64() as u32 | 1);
            b.push(state.next_u64() as u32);
        }
        Permutations { a, b, len }
    }

    /// Signature length.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the signature is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// MinHash signature of `hashes` into `out` (resized to [`Permutations::len`]), by the
    /// fastest code path this CPU runs.
    pub fn signature(&self, hashes: &[u32], out: &mut Vec<u32>) {
        out.clear();
        out.resize(self.a.len(), u32::MAX);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { signature_avx2(&self.a, &self.b, hashes, out) };
            out.truncate(self.len);
            return;
        }
        signature_kernel(&self.a, &self.b, hashes, out);
        out.truncate(self.len);
    }

    /// The same signature by the portable code path only (for tests and comparisons).
    pub fn signature_portable(&self, hashes: &[u32], out: &mut Vec<u32>) {
        out.clear();
        out.resize(self.a.len(), u32::MAX);
        signature_kernel(&self.a, &self.b, hashes, out);
        out.truncate(self.len);
    }
}

/// The signature loop, written so the compiler vectorises it: for each block of 16
/// permutations, one pass over the shingle hashes with the minima held in registers.
#[inline(always)]
fn signature_kernel(a: &[u32], b: &[u32], hashes: &[u32], out: &mut [u32]) {
    for ((ca, cb), co) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)).zip(out.chunks_exact_mut(LANES)) {
        let mut ka = [0u32; LANES];
        let mut kb = [0u32; LANES];
        ka.copy_from_slice(ca);
        kb.copy_from_slice(cb);
        let mut acc = [u32::MAX; LANES];
        for &x in hashes {
            for j in 0..LANES {
                acc[j] = acc[j].min(ka[j].wrapping_mul(x).wrapping_add(kb[j]));
            }
        }
        co.copy_from_slice(&acc);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn signature_avx2(a: &[u32], b: &[u32], hashes: &[u32], out: &mut [u32]) {
    signature_kernel(a, b, hashes, out)
}

/// The longest signature accepted (bands x rows and perms): 16 times Lee et al.'s 9,000, and
/// small enough that a document's signature (256 KB) cannot exhaust memory by itself.
pub const MAX_PERMS: usize = 1 << 16;

/// MinHash-LSH deduplication.
#[derive(Debug, Clone)]
pub struct MinHash {
    name: String,
    shingler: Shingler,
    perms: Permutations,
    bands: usize,
    rows: usize,
    verify: Verify,
    verify_threshold: f64,
    verify_bytes: usize,
}

/// The most bytes of shingle sets verification holds at once, besides those of the batch of
/// documents being read again: the candidates' first documents are verified in rounds of at
/// most this much (a document larger than it makes a round alone).
pub const VERIFY_BYTES: usize = 256 << 20;

/// What one document contributes: its band keys, and, when verifying, the xxh3-128 and the
/// length of its shingle set (the set itself is computed again when it is needed).
struct Sketch {
    keys: Vec<u64>,
    set: (u128, u32),
}

/// Per-thread buffers.
#[derive(Default)]
struct Work {
    scratch: Scratch,
    hashes: Vec<u32>,
    sig: Vec<u32>,
    bytes: Vec<u8>,
}

impl MinHash {
    /// Builds from spec parameters; it reports under the registered name they were given for
    /// (`minhash`, or a preset such as `minhash@fineweb`).
    pub fn new(params: &Params) -> Result<MinHash, Error> {
        let name = params.strategy().to_string();
        let shingler = shingler_from(params)?;
        let (mut bands, mut rows) = (params.usize_in("bands", 0, MAX_PERMS)?, params.usize_in("rows", 0, MAX_PERMS)?);
        let mut perms = params.usize_in("perms", 0, MAX_PERMS)?;
        if (bands == 0) != (rows == 0) {
            return Err(Error::Spec(format!("strategy `{name}`: give both `bands` and `rows`, or neither")));
        }
        if bands == 0 {
            if perms == 0 {
                perms = 128;
            }
            let t = params.f64_in("threshold", 0.0, 1.0)?;
            let (fp, fn_) = (params.f64_in("fp_weight", 0.0, 1e6)?, params.f64_in("fn_weight", 0.0, 1e6)?);
            (bands, rows) =
                optimal_bands_rows(t, perms, fp, fn_).map_err(|e| Error::Spec(format!("strategy `{name}`: {e}")))?;
        } else {
            // Both are at most MAX_PERMS, so the product cannot overflow.
            let used = bands * rows;
            if used > MAX_PERMS {
                return Err(Error::Spec(format!(
                    "strategy `{name}`: bands x rows = {used} exceeds the largest signature, {MAX_PERMS}"
                )));
            }
            if perms == 0 {
                perms = used;
            } else if used > perms {
                return Err(Error::Spec(format!("strategy `{name}`: bands x rows = {used} exceeds perms = {perms}")));
            }
        }
        let verify = Verify::parse(params.choice("verify", Verify::CHOICES)?);
        let verify_threshold = params.f64_in("verify_threshold", 0.0, 1.0)?;
        Ok(MinHash {
            name,
            shingler,
            perms: Permutations::new(perms, params.u64("seed")?),
            bands,
            rows,
            verify,
            verify_threshold,
            verify_bytes: VERIFY_BYTES,
        })
    }

    /// The banding in use: `(bands, rows)`.
    pub fn banding(&self) -> (usize, usize) {
        (self.bands, self.rows)
    }

    /// The MinHash signature of one text (empty when the text has no shingle).
    pub fn signature(&self, text: &str) -> Vec<u32> {
        let mut w = Work::default();
        self.fill_signature(text, &mut w);
        w.sig
    }

    fn fill_signature(&self, text: &str, w: &mut Work) {
        w.hashes.clear();
        let hashes = &mut w.hashes;
        self.shingler.for_each_hash(text, &mut w.scratch, |h| hashes.push(h as u32));
        if w.hashes.is_empty() {
            w.sig.clear();
            return;
        }
        self.perms.signature(&w.hashes, &mut w.sig);
    }

    fn sketch(&self, text: &str, w: &mut Work) -> Sketch {
        self.fill_signature(text, w);
        let set = if self.verify == Verify::Off || w.sig.is_empty() {
            (words_hash(&[]), 0)
        } else {
            let set = self.shingler.set(text, &mut w.scratch);
            // A length past u32 (a text of billions of words) only plans verification's rounds.
            (words_hash(&set), u32::try_from(set.len()).unwrap_or(u32::MAX))
        };
        if w.sig.is_empty() {
            return Sketch { keys: Vec::new(), set };
        }
        let keys = w
            .sig
            .chunks_exact(self.rows)
            .take(self.bands)
            .map(|band| {
                w.bytes.clear();
                for v in band {
                    w.bytes.extend_from_slice(&v.to_le_bytes());
                }
                xxh3_64(&w.bytes)
            })
            .collect();
        Sketch { keys, set }
    }

    fn similarity(&self, a: &[u64], b: &[u64]) -> f64 {
        let inter = intersection_size(a, b) as f64;
        match self.verify {
            Verify::Off => 1.0,
            Verify::Jaccard => {
                let union = (a.len() + b.len()) as f64 - inter;
                if union == 0.0 { 1.0 } else { inter / union }
            }
            Verify::Containment => {
                let small = a.len().min(b.len()) as f64;
                if small == 0.0 { 1.0 } else { inter / small }
            }
        }
    }
}

/// Buffers of [`MinHash::band_keys`], kept between calls (one per thread).
#[derive(Default)]
pub struct KeyScratch(Work);

/// xxh3-128 of `words` as little-endian bytes: the content key of a signature or shingle set
/// (and of a document's band keys, which decide its identical-content group).
pub fn words_hash(words: &[u64]) -> u128 {
    // Streamed through a stack buffer: no allocation per document.
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = [0u8; 256];
    for chunk in words.chunks(32) {
        for (w, out) in chunk.iter().zip(buf.chunks_exact_mut(8)) {
            out.copy_from_slice(&w.to_le_bytes());
        }
        h.update(&buf[..chunk.len() * 8]);
    }
    h.digest128()
}

/// [`intersection_size`] with the merge's comparisons turned into arithmetic, so that it does
/// not stall on mispredicted branches (about twice as fast on shingle sets, which interleave at
/// random). The scorer's pair model uses it; verification keeps the plain merge, whose
/// instruction counts the cost gate has recorded.
pub fn intersection_size_branchless(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    n
}

/// Size of the intersection of two sorted, repeat-free lists.
pub fn intersection_size(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Candidate edges of a banded index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidates {
    /// The edges, in band order, then bucket order.
    pub edges: Vec<(u32, u32)>,
    /// Whether `edges` lists every distinct same-bucket pair once; `false` when the buckets
    /// held more than [`MAX_LISTED_PAIRS`] pairs and `edges` are star edges.
    pub listed: bool,
    /// Same-bucket pairs summed over bands (each distinct pair at least once).
    pub bucket_pairs: u64,
}

/// Candidate pairs `(i, j)`, `i < j`, sharing at least one band key. Each pair is reported
/// once, by the first band it shares; the list is in band order, then bucket order. Over
/// [`MAX_LISTED_PAIRS`] same-bucket pairs, star edges instead (same components).
///
/// Bands are indexed a few at a time (as many as there are threads), so the sorted
/// (key, document) entries held at once are those of a few bands, not of all: 16 bytes a
/// document per thread. Bands indexed before the pair count passes the cap are indexed again
/// for their star edges.
pub fn candidate_pairs(keys: &[&[u64]], bands: usize) -> Candidates {
    let entries = |t: usize| {
        let mut entries: Vec<(u64, u32)> =
            keys.iter().enumerate().filter(|(_, k)| k.len() == bands).map(|(d, k)| (k[t], d as u32)).collect();
        entries.sort_unstable();
        entries
    };
    let listed_edges = |t: usize, entries: &[(u64, u32)]| {
        bucket_pairs_sorted(entries, |i, j| {
            let (ki, kj) = (keys[i as usize], keys[j as usize]);
            (0..t).all(|s| ki[s] != kj[s])
        })
    };
    let star_edges = |entries: &[(u64, u32)]| bucket_star(entries, |_, _| true);
    let chunk = rayon::current_num_threads().max(1);
    let mut bucket_pairs = 0u64;
    let mut listed = true;
    let mut per_band: Vec<Option<Vec<(u32, u32)>>> = vec![None; bands];
    for start in (0..bands).step_by(chunk) {
        let end = (start + chunk).min(bands);
        let indexed: Vec<(Vec<(u64, u32)>, u64)> = (start..end)
            .into_par_iter()
            .map(|t| {
                let e = entries(t);
                let n = pair_count(&e);
                (e, n)
            })
            .collect();
        let before = listed;
        bucket_pairs += indexed.iter().map(|(_, n)| n).sum::<u64>();
        listed = bucket_pairs <= MAX_LISTED_PAIRS;
        if before && !listed {
            per_band.iter_mut().for_each(|e| *e = None);
        }
        let edges: Vec<Vec<(u32, u32)>> = indexed
            .par_iter()
            .enumerate()
            .map(|(k, (e, _))| if listed { listed_edges(start + k, e) } else { star_edges(e) })
            .collect();
        for (k, e) in edges.into_iter().enumerate() {
            per_band[start + k] = Some(e);
        }
    }
    // Bands listed before the cap was passed give star edges instead.
    let missing: Vec<usize> = (0..bands).filter(|&t| per_band[t].is_none()).collect();
    let redone: Vec<(usize, Vec<(u32, u32)>)> = missing.par_iter().map(|&t| (t, star_edges(&entries(t)))).collect();
    for (t, e) in redone {
        per_band[t] = Some(e);
    }
    Candidates { edges: per_band.into_iter().flatten().flatten().collect(), listed, bucket_pairs }
}

impl Deduplicator for MinHash {
    fn name(&self) -> &str {
        &self.name
    }

    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
        dedup_in_one_batch(self.stream(), docs)
    }

    fn stream(&self) -> Option<Box<dyn DedupStream + '_>> {
        Some(Box::new(MinHashStream { minhash: self, sketches: Sketches::new(self.bands), stage: Stage::Sketching }))
    }

    fn pair_model(&self) -> Option<&dyn PairModel> {
        Some(self)
    }
}

/// Every document's band keys in one flat list (`bands` a document; a document with no
/// shingle has none), and, when verifying, the xxh3-128 and the length of its shingle set:
/// the whole state of `minhash` while documents are pushed.
struct Sketches {
    bands: usize,
    keys: Vec<u64>,
    full: Vec<bool>,
    set_hashes: Vec<u128>,
    set_lens: Vec<u32>,
}

impl Sketches {
    fn new(bands: usize) -> Sketches {
        Sketches { bands, keys: Vec::new(), full: Vec::new(), set_hashes: Vec::new(), set_lens: Vec::new() }
    }

    fn len(&self) -> usize {
        self.full.len()
    }

    /// Room for `n` more documents.
    fn reserve(&mut self, n: usize, verify: bool) {
        self.keys.reserve(n * self.bands);
        self.full.reserve(n);
        if verify {
            self.set_hashes.reserve(n);
            self.set_lens.reserve(n);
        }
    }

    fn push(&mut self, sketch: Sketch, verify: bool) {
        let full = sketch.keys.len() == self.bands;
        if full {
            self.keys.extend_from_slice(&sketch.keys);
        } else {
            self.keys.resize(self.keys.len() + self.bands, 0);
        }
        self.full.push(full);
        if verify {
            self.set_hashes.push(sketch.set.0);
            self.set_lens.push(sketch.set.1);
        }
    }

    /// Band keys of document `d`: `bands` of them, or none.
    fn keys(&self, d: usize) -> &[u64] {
        if self.full[d] { &self.keys[d * self.bands..(d + 1) * self.bands] } else { &[] }
    }
}

/// The state of `minhash` between calls: band keys while documents are pushed (never a text
/// or a shingle set), then, when verifying, the candidate pairs and the round of documents
/// being read again.
struct MinHashStream<'a> {
    minhash: &'a MinHash,
    sketches: Sketches,
    stage: Stage,
}

/// Where a [`MinHashStream`] is.
enum Stage {
    /// Taking documents.
    Sketching,
    /// Verifying its candidates on documents read again.
    Verifying(Box<Verification>),
    /// Failed part-way (an error was returned); nothing more is done.
    Broken,
}

/// Candidates from the band keys, with everything about them the output needs.
struct Indexed {
    groups: Groups,
    /// Candidate edges between first documents of groups, `i < j`: every distinct same-bucket
    /// pair when `listed`, else star edges.
    candidates: Vec<(u32, u32)>,
    listed: bool,
    stats: Vec<(String, f64)>,
}

impl Indexed {
    /// The number of document pairs `edges` stand for (each edge joins two groups).
    fn pair_count(&self, edges: Vec<(u32, u32)>) -> (f64, Vec<(u32, u32)>) {
        match self.groups.table() {
            None => (edges.len() as f64, edges),
            Some(table) => {
                let p = Pairs { edges, group: Some(table) };
                (p.count() as f64, p.edges)
            }
        }
    }
}

/// Verification of the candidates on their shingle sets, in rounds. Each round holds the sets
/// of a run of candidates' first documents (`i` of `(i, j)`), at most `verify_bytes` of them
/// (or one document), and reads those documents and their partners again in dataset order:
/// when a partner `j` comes, every `i` it is paired with in the round has come before it.
struct Verification {
    indexed: Indexed,
    /// Per candidate, whether it passed.
    kept: Vec<bool>,
    /// Candidate positions by round, then by second document, then by position.
    order: Vec<u32>,
    /// Per round, its first documents (sorted) and the end of its candidates in `order`.
    rounds: Vec<(Vec<u32>, usize)>,
    /// Shingle-set hashes, to check that a document read again is the one pushed.
    set_hashes: Vec<u128>,
    /// The round being read (rounds before it are done), `None` before the first.
    round: Option<usize>,
    /// The documents the round wants, how many have come, and the next candidate in `order`.
    wanted: Vec<u32>,
    came: usize,
    next: usize,
    /// Shingle sets of the round's first documents that have come, in document order.
    held: Vec<(u32, Vec<u64>)>,
}

impl DedupStream for MinHashStream<'_> {
    fn push(&mut self, batch: &[Doc]) -> Result<(), StrategyError> {
        if !matches!(self.stage, Stage::Sketching) {
            return Err(StrategyError(format!("{}: documents pushed after the last", self.minhash.name)));
        }
        if self.sketches.len() + batch.len() > u32::MAX as usize {
            return Err(StrategyError(format!("{}: more than 2^32 documents", self.minhash.name)));
        }
        let m = self.minhash;
        let sketched: Vec<Sketch> = batch.par_iter().map_init(Work::default, |w, doc| m.sketch(&doc.text, w)).collect();
        let verify = m.verify != Verify::Off;
        self.sketches.reserve(sketched.len(), verify);
        for sketch in sketched {
            self.sketches.push(sketch, verify);
        }
        Ok(())
    }

    fn reads_again(&self) -> bool {
        self.minhash.verify != Verify::Off
    }

    fn wanted(&mut self) -> Result<Vec<u32>, StrategyError> {
        if self.minhash.verify == Verify::Off {
            return Ok(Vec::new());
        }
        let stage = std::mem::replace(&mut self.stage, Stage::Broken);
        let mut v = match stage {
            Stage::Sketching => {
                let indexed = self.minhash.index(&self.sketches);
                let set_lens = std::mem::take(&mut self.sketches.set_lens);
                let set_hashes = std::mem::take(&mut self.sketches.set_hashes);
                // The band keys are done with: only the candidates and the sets' hashes stay.
                self.sketches = Sketches::new(self.sketches.bands);
                Box::new(Verification::plan(indexed, &set_lens, set_hashes, self.minhash.verify_bytes))
            }
            Stage::Verifying(v) => v,
            Stage::Broken => return Err(StrategyError(format!("{}: verification failed before", self.minhash.name))),
        };
        if v.came != v.wanted.len() {
            let why = format!("{}: {} of {} documents came back", self.minhash.name, v.came, v.wanted.len());
            return Err(StrategyError(why));
        }
        let wanted = v.start_next_round();
        self.stage = Stage::Verifying(v);
        Ok(wanted)
    }

    fn reread(&mut self, docs: &[(u32, &str)]) -> Result<(), StrategyError> {
        let Stage::Verifying(v) = &mut self.stage else {
            return Err(StrategyError(format!("{}: no document was asked for", self.minhash.name)));
        };
        let result = v.take(self.minhash, docs);
        if result.is_err() {
            self.stage = Stage::Broken;
        }
        result
    }

    fn finish(self: Box<Self>) -> Result<DedupOutput, StrategyError> {
        let m = self.minhash;
        match self.stage {
            Stage::Sketching if m.verify == Verify::Off => {
                let indexed = m.index(&self.sketches);
                drop(self.sketches);
                let edges = indexed.candidates.clone();
                Ok(m.conclude(indexed, edges))
            }
            Stage::Verifying(v) if v.round.is_some_and(|r| r == v.rounds.len()) => {
                let Verification { indexed, kept, .. } = *v;
                let edges = indexed.candidates.iter().zip(&kept).filter(|(_, k)| **k).map(|(e, _)| *e).collect();
                Ok(m.conclude(indexed, edges))
            }
            _ => Err(StrategyError(format!("{}: finished before its candidates were verified", m.name))),
        }
    }
}

impl Verification {
    /// Splits the candidates' first documents into rounds of at most `budget` bytes of shingle
    /// sets (`set_lens`: each document's set length).
    fn plan(indexed: Indexed, set_lens: &[u32], set_hashes: Vec<u128>, budget: usize) -> Verification {
        let mut firsts: Vec<u32> = indexed.candidates.iter().map(|&(i, _)| i).collect();
        firsts.par_sort_unstable();
        firsts.dedup();
        let mut rounds: Vec<(Vec<u32>, usize)> = Vec::new();
        let mut bytes = 0usize;
        for &d in &firsts {
            let size = set_lens[d as usize] as usize * std::mem::size_of::<u64>();
            match rounds.last_mut() {
                Some((docs, _)) if bytes + size <= budget => {
                    docs.push(d);
                    bytes += size;
                }
                _ => {
                    rounds.push((vec![d], 0));
                    bytes = size;
                }
            }
        }
        drop(firsts);
        // A candidate's round is that of its first document.
        let round_of = |i: u32| rounds.partition_point(|(docs, _)| docs.last().is_some_and(|&last| last < i));
        let mut keyed: Vec<(u32, u32, u32)> =
            indexed.candidates.iter().enumerate().map(|(p, &(i, j))| (round_of(i) as u32, j, p as u32)).collect();
        keyed.par_sort_unstable();
        let mut end = 0;
        for (r, (_, stop)) in rounds.iter_mut().enumerate() {
            end += keyed[end..].partition_point(|&(kr, _, _)| kr as usize == r);
            *stop = end;
        }
        let order = keyed.into_iter().map(|(_, _, p)| p).collect();
        let kept = vec![false; indexed.candidates.len()];
        Verification {
            indexed,
            kept,
            order,
            rounds,
            set_hashes,
            round: None,
            wanted: Vec::new(),
            came: 0,
            next: 0,
            held: Vec::new(),
        }
    }

    /// Moves to the next round and gives the documents it wants: its first documents and their
    /// partners, sorted; none when every round is done.
    fn start_next_round(&mut self) -> Vec<u32> {
        let r = self.round.map_or(0, |r| r + 1).min(self.rounds.len());
        self.round = Some(r);
        self.held = Vec::new();
        self.came = 0;
        self.wanted = match self.rounds.get(r) {
            None => Vec::new(),
            Some((firsts, end)) => {
                let partners = self.order[self.next..*end].iter().map(|&p| self.indexed.candidates[p as usize].1);
                let mut wanted: Vec<u32> = firsts.iter().copied().chain(partners).collect();
                wanted.par_sort_unstable();
                wanted.dedup();
                wanted
            }
        };
        self.wanted.clone()
    }

    /// Takes the next documents of the round: keeps the sets of its first documents, and
    /// verifies every candidate whose second document is among them.
    fn take(&mut self, m: &MinHash, docs: &[(u32, &str)]) -> Result<(), StrategyError> {
        let r = self.round.unwrap_or(usize::MAX);
        let Some((firsts, end)) = self.rounds.get(r) else {
            return Err(StrategyError(format!("{}: no document was asked for", m.name)));
        };
        let expected = self.wanted.get(self.came..self.came + docs.len());
        if expected.is_none_or(|w| w.iter().zip(docs).any(|(&want, &(got, _))| want != got)) {
            return Err(StrategyError(format!("{}: documents came back other than asked", m.name)));
        }
        self.came += docs.len();
        let sets: Vec<Vec<u64>> =
            docs.par_iter().map_init(Scratch::default, |s, (_, text)| m.shingler.set(text, s)).collect();
        if let Some(((d, _), _)) =
            docs.iter().zip(&sets).find(|((d, _), set)| words_hash(set) != self.set_hashes[*d as usize])
        {
            return Err(StrategyError(format!("{}: document {d} read again is not the one pushed", m.name)));
        }
        let mut batch: Vec<(u32, Vec<u64>)> = Vec::with_capacity(docs.len());
        for ((d, _), set) in docs.iter().zip(sets) {
            if firsts.binary_search(d).is_ok() {
                self.held.push((*d, set));
            } else {
                batch.push((*d, set));
            }
        }
        let last = docs.last().map_or(0, |&(d, _)| d);
        let stop =
            self.next + self.order[self.next..*end].partition_point(|&p| self.indexed.candidates[p as usize].1 <= last);
        let (held, batch, candidates) = (&self.held, &batch, &self.indexed.candidates);
        let find = |d: u32| set_in(held, d).or_else(|| set_in(batch, d));
        let t = m.verify_threshold;
        let verdicts: Vec<Option<bool>> = self.order[self.next..stop]
            .par_iter()
            .map(|&p| {
                let (i, j) = candidates[p as usize];
                Some(m.similarity(find(i)?, find(j)?) >= t)
            })
            .collect();
        for (&p, verdict) in self.order[self.next..stop].iter().zip(verdicts) {
            let Some(keep) = verdict else {
                return Err(StrategyError(format!("{}: a candidate's documents did not come back", m.name)));
            };
            self.kept[p as usize] = keep;
        }
        self.next = stop;
        Ok(())
    }
}

/// The set of document `d` in `list` (sorted by document), if there.
fn set_in(list: &[(u32, Vec<u64>)], d: u32) -> Option<&[u64]> {
    list.binary_search_by_key(&d, |(k, _)| *k).ok().map(|k| list[k].1.as_slice())
}

impl MinHash {
    /// Groups and candidate pairs from the band keys (and, when verifying, the shingle sets'
    /// hashes and lengths): every step after sketching and before verification.
    fn index(&self, sketches: &Sketches) -> Indexed {
        // Documents whose candidates and verification cannot differ (equal band keys, or equal
        // shingle sets when verifying: equal hashes, lengths and band keys) enter the index once,
        // as their group.
        let groups = if self.verify == Verify::Off {
            let content: Vec<Option<&[u64]>> =
                (0..sketches.len()).map(|d| sketches.full[d].then(|| sketches.keys(d))).collect();
            let hashes: Vec<u128> = content.par_iter().map(|c| words_hash(c.unwrap_or(&[]))).collect();
            Groups::of(&content, &hashes)
        } else {
            let sets: Vec<(u128, u32, &[u64])> =
                (0..sketches.len()).map(|d| (sketches.set_hashes[d], sketches.set_lens[d], sketches.keys(d))).collect();
            let content: Vec<Option<&(u128, u32, &[u64])>> =
                sets.iter().enumerate().map(|(d, s)| sketches.full[d].then_some(s)).collect();
            Groups::of(&content, &sketches.set_hashes)
        };
        let keys: Vec<&[u64]> =
            (0..sketches.len()).map(|d| if groups.is_first(d) { sketches.keys(d) } else { &[] }).collect();
        Self::indexed(groups, candidate_pairs(&keys, self.bands))
    }

    /// The index's groups and candidates with the figures they give (`candidate_pairs`, or
    /// `bucket_pairs` and `star_edges`, then `identical_docs`).
    fn indexed(groups: Groups, candidates: Candidates) -> Indexed {
        let Candidates { edges, listed, bucket_pairs } = candidates;
        let mut indexed = Indexed { groups, candidates: Vec::new(), listed, stats: Vec::new() };
        // Listed candidates are distinct pairs; with groups, each stands for many.
        let (mut stats, candidates) = if listed {
            let (n, edges) = indexed.pair_count(edges);
            (vec![("candidate_pairs".to_string(), n)], edges)
        } else {
            // Too many to list even between groups: star edges, and no edge-level metrics (they
            // would need every pair); a verified star may also join fewer documents.
            let stats =
                vec![("bucket_pairs".to_string(), bucket_pairs as f64), ("star_edges".to_string(), edges.len() as f64)];
            (stats, edges)
        };
        stats.push(("identical_docs".to_string(), indexed.groups.collapsed as f64));
        indexed.candidates = candidates;
        indexed.stats = stats;
        indexed
    }

    /// Whether candidates are verified on the shingle sets (`verify` is not `off`).
    pub fn verifies(&self) -> bool {
        self.verify != Verify::Off
    }

    /// The band keys of one text as the index keys it: `bands` of them, or none when the text
    /// has no shingle. `scratch` holds buffers between calls.
    pub fn band_keys(&self, text: &str, scratch: &mut KeyScratch) -> Vec<u64> {
        self.sketch(text, &mut scratch.0).keys
    }

    /// The output of the index from its groups and candidates found elsewhere (the stage
    /// pipeline, `crate::stage`), without verification: the same clusters, pairs and figures
    /// as [`Deduplicator::dedup`] gives when they are the ones it would find.
    pub fn output_from(&self, groups: Groups, candidates: Candidates) -> Result<DedupOutput, StrategyError> {
        if self.verifies() {
            return Err(StrategyError(format!("{}: verified candidates cannot be given from outside", self.name)));
        }
        let indexed = Self::indexed(groups, candidates);
        let edges = indexed.candidates.clone();
        Ok(self.conclude(indexed, edges))
    }

    /// The output from the candidates and the edges kept of them (all, without verification).
    fn conclude(&self, indexed: Indexed, edges: Vec<(u32, u32)>) -> DedupOutput {
        let (edges, mut stats) = if self.verify == Verify::Off {
            (edges, Vec::new())
        } else {
            let (n, edges) = indexed.pair_count(edges);
            (edges, vec![("verified_pairs".to_string(), n)])
        };
        let Indexed { groups, listed, stats: mut all, .. } = indexed;
        all.append(&mut stats);
        all.extend(banding_stats(self.bands, self.rows));
        let cluster = groups.cluster_labels(&edges);
        let pairs = listed.then(|| Pairs { edges, group: groups.table() });
        DedupOutput { cluster: Some(cluster), pairs, stats: all, ..DedupOutput::default() }
    }
}

/// The pair model of `minhash`: the exact Jaccard similarity of two documents' shingle sets
/// (the strategy's own normalisation and shingling, the full 64-bit shingle hashes, as
/// verification compares them), and the probability that a pair that similar is linked.
///
/// That probability is the banding's S-curve, `1 - (1 - s^rows)^bands`, the chance of sharing a
/// band. With `verify=jaccard` a candidate is kept only at `s >= verify_threshold`, so the curve is
/// 0 below the threshold. With `verify=containment` it is left as the S-curve: containment is at
/// least the Jaccard similarity, so a pair at or above the threshold is always kept, and below it
/// the curve is an upper bound (whether the pair is kept depends on its containment, not on `s`).
impl PairModel for MinHash {
    fn features(&self, text: &str) -> Vec<u64> {
        self.shingler.set(text, &mut Scratch::default())
    }

    fn similarity(&self, a: &[u64], b: &[u64]) -> f64 {
        if a.is_empty() || b.is_empty() {
            return 0.0;
        }
        let inter = intersection_size_branchless(a, b) as f64;
        inter / ((a.len() + b.len()) as f64 - inter)
    }

    fn detect_probability(&self, s: f64) -> f64 {
        let s = s.clamp(0.0, 1.0);
        if self.verify == Verify::Jaccard && s < self.verify_threshold {
            return 0.0;
        }
        detect_probability(s, self.bands, self.rows)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::strategy::spec::parse;

    fn build(spec: &str) -> MinHash {
        let p = parse(spec).unwrap();
        let specs = match p.name.as_str() {
            "minhash@fineweb" => PARAMS_FINEWEB,
            "minhash@nemo" => PARAMS_NEMO,
            "minhash@lee2021" => PARAMS_LEE2021,
            _ => PARAMS,
        };
        MinHash::new(&Params::new("minhash", specs, &p.params).unwrap()).unwrap()
    }

    fn docs(texts: &[&str]) -> Vec<Doc> {
        texts.iter().enumerate().map(|(i, t)| Doc { id: format!("d{i}"), text: t.to_string() }).collect()
    }

    /// Deterministic pseudo-random words, so tests need no corpus.
    fn words(seed: u64, n: usize) -> Vec<String> {
        let mut s = SplitMix64::new(seed);
        (0..n).map(|_| letters(s.next_u64() % 5000)).collect()
    }

    /// `n` spelled in letters (digits would all normalise to `0`).
    pub(crate) fn letters(mut n: u64) -> String {
        let mut w = String::new();
        loop {
            w.push((b'a' + (n % 26) as u8) as char);
            n /= 26;
            if n == 0 {
                return w;
            }
        }
    }

    #[test]
    fn avx2_and_portable_paths_agree() {
        let perms = Permutations::new(260, 7);
        let mut s = SplitMix64::new(99);
        for n in [0usize, 1, 3, 17, 1000] {
            let hashes: Vec<u32> = (0..n).map(|_| s.next_u64() as u32).collect();
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            perms.signature(&hashes, &mut fast);
            perms.signature_portable(&hashes, &mut slow);
            assert_eq!(fast, slow, "{n} hashes");
            assert_eq!(fast.len(), 260);
        }
    }

    #[test]
    fn signature_is_elementwise_minimum_by_hand() {
        let p = Permutations::new(3, 1);
        let mut sig = Vec::new();
        p.signature(&[5, 9], &mut sig);
        for (i, &v) in sig.iter().enumerate() {
            let h = |x: u32| p.a[i].wrapping_mul(x).wrapping_add(p.b[i]);
            assert_eq!(v, h(5).min(h(9)));
        }
        assert_eq!(sig.len(), 3);
    }

    #[test]
    fn signature_agreement_estimates_jaccard() {
        // A = {0..300}, B = {100..400}: |A ∩ B| = 200, |A ∪ B| = 400, J = 0.5. Over 40 seeds of
        // 256 permutations the mean agreement has standard error sqrt(0.25 / 10240) ~ 0.005.
        let mut s = SplitMix64::new(5);
        let universe: Vec<u32> = (0..400).map(|_| s.next_u64() as u32).collect();
        let (a, b) = (&universe[..300], &universe[100..]);
        let mut total = 0.0;
        for seed in 0..40 {
            let p = Permutations::new(256, seed);
            let (mut sa, mut sb) = (Vec::new(), Vec::new());
            p.signature(a, &mut sa);
            p.signature(b, &mut sb);
            let agree = sa.iter().zip(&sb).filter(|(x, y)| x == y).count();
            let est = agree as f64 / 256.0;
            assert!((est - 0.5).abs() < 0.16, "seed {seed}: {est}");
            total += est;
        }
        let mean = total / 40.0;
        assert!((mean - 0.5).abs() < 0.025, "mean estimate {mean}");
    }

    #[test]
    fn exact_jaccard_and_containment_by_hand() {
        // {1,2,3,4} and {3,4,5}: intersection 2, union 5, smaller set 3.
        let (a, b) = ([1u64, 2, 3, 4], [3u64, 4, 5]);
        assert_eq!(intersection_size(&a, &b), 2);
        assert_eq!(intersection_size_branchless(&a, &b), 2);
        assert_eq!(intersection_size_branchless(&a, &[]), 0);
        assert_eq!(intersection_size_branchless(&[7, 9], &[1, 7, 8, 9, 10]), 2);
        let j = build("minhash:verify=jaccard");
        assert!((j.similarity(&a, &b) - 0.4).abs() < 1e-15);
        let c = build("minhash:verify=containment");
        assert!((c.similarity(&a, &b) - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn presets_have_their_published_banding() {
        assert_eq!(build("minhash@fineweb").banding(), (14, 8));
        assert_eq!(build("minhash@nemo").banding(), (20, 13));
        let lee = build("minhash@lee2021");
        assert_eq!((lee.banding(), lee.perms.len()), ((450, 20), 9000));
        // Plain minhash: 128 permutations tuned for 0.8, datasketch's choice (9, 13).
        assert_eq!(build("minhash").banding(), (9, 13));
    }

    #[test]
    fn bad_banding_is_rejected() {
        let p = parse("minhash:bands=4").unwrap();
        assert!(MinHash::new(&Params::new("minhash", PARAMS, &p.params).unwrap()).is_err());
        let p = parse("minhash:bands=10,rows=20,perms=100").unwrap();
        assert!(MinHash::new(&Params::new("minhash", PARAMS, &p.params).unwrap()).is_err());
    }

    #[test]
    fn near_duplicates_cluster_and_unrelated_stay_apart() {
        let base = words(1, 400);
        let mut edited = base.clone();
        edited[100] = "changed".into();
        edited[300] = "altered".into();
        let other = words(2, 400);
        let texts = [base.join(" "), other.join(" "), edited.join(" "), words(3, 400).join(" ")];
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        for spec in ["minhash", "minhash@fineweb", "minhash@nemo", "minhash:verify=on", "minhash@lee2021"] {
            let out = build(spec).dedup(&docs(&refs)).unwrap();
            assert_eq!(out.cluster, Some(vec![0, 1, 0, 3]), "{spec}");
            assert_eq!(out.pairs, Some(Pairs::listed(vec![(0, 2)])), "{spec}");
        }
    }

    #[test]
    fn verification_drops_candidates_below_threshold() {
        // One word in 20 replaced kills 50 of 196 5-grams: Jaccard 146 / 246 ~ 0.59, below 0.8,
        // but a loose banding (64 bands of one row) still makes the pair a candidate.
        let base = words(11, 200);
        let mut edited = base.clone();
        for i in (0..200).step_by(20) {
            edited[i] = format!("x{}", letters(i as u64));
        }
        let texts = [base.join(" "), edited.join(" ")];
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let loose = build("minhash:bands=64,rows=1,perms=64").dedup(&docs(&refs)).unwrap();
        assert_eq!(loose.cluster, Some(vec![0, 0]));
        let checked = build("minhash:bands=64,rows=1,perms=64,verify=jaccard").dedup(&docs(&refs)).unwrap();
        assert_eq!(checked.cluster, Some(vec![0, 1]));
        let stat = |name: &str| checked.stats.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        assert_eq!((stat("candidate_pairs"), stat("verified_pairs")), (Some(1.0), Some(0.0)));
    }

    #[test]
    fn same_seed_same_clusters_and_empty_docs_stay_alone() {
        let base = words(4, 300).join(" ");
        let texts = ["", base.as_str(), "", base.as_str(), "  "];
        let a = build("minhash:seed=9").dedup(&docs(&texts)).unwrap();
        let b = build("minhash:seed=9").dedup(&docs(&texts)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.cluster, Some(vec![0, 1, 2, 1, 4]));
    }

    #[test]
    fn a_huge_bucket_of_copies_is_verified_and_scored_as_if_every_pair_were_listed() {
        // 7,000 copies of one text make 24.5M same-bucket pairs per band, over the listing
        // bound. The first document is a near copy that collides with them but fails a strict
        // verification: a star from it would join nothing, while every copy is a true pair.
        let base = words(21, 300);
        let mut near = base.clone();
        near[150] = "different".into();
        let texts: Vec<String> =
            std::iter::once(near.join(" ")).chain(std::iter::repeat_n(base.join(" "), 7000)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let input = docs(&refs);
        let spec = "minhash:bands=20,rows=5,verify=jaccard,verify_threshold=0.99";
        let out = build(spec).dedup(&input).unwrap();
        let mut expected = vec![1u32; 7001];
        expected[0] = 0;
        assert_eq!(out.cluster, Some(expected));
        let pairs = out.pairs.clone().expect("pairs are given, as a group, not dropped");
        assert_eq!(pairs.count(), 7000 * 6999 / 2);
        let stat = |name: &str| out.stats.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        assert_eq!(stat("identical_docs"), Some(6999.0));
        assert_eq!(stat("candidate_pairs"), Some(7001.0 * 7000.0 / 2.0));
        assert_eq!(stat("verified_pairs"), Some(7000.0 * 6999.0 / 2.0));
        assert_eq!(stat("star_edges"), None);
        // Edge metrics against a gold holding the copies together: perfect.
        let gold: Vec<u32> = out.cluster.clone().unwrap_or_default();
        let prf = crate::metrics::dedup::edge_score(&pairs, &gold);
        assert_eq!((prf.precision, prf.recall), (1.0, 1.0));
        // Read again in rounds of one document's set each: the same answer.
        let m = build(spec);
        assert_eq!(verified_in_rounds(&MinHash { verify_bytes: 0, ..m.clone() }, &input, 500).0, out);
        assert_eq!(verified_with_every_set(&m, &input), out);
        // Without verification the near copy joins them, and the pairs say so.
        let loose = build("minhash:bands=20,rows=5").dedup(&input).unwrap();
        assert_eq!(loose.cluster, Some(vec![0; 7001]));
        assert_eq!(loose.pairs.map(|p| p.count()), Some(7001 * 7000 / 2));
    }

    /// The output as verification gave it with every document's shingle set in memory: groups
    /// by the sets themselves, the candidates of the groups' first documents, each candidate
    /// checked on the two full sets.
    fn verified_with_every_set(m: &MinHash, input: &[Doc]) -> DedupOutput {
        let mut w = Work::default();
        let keys: Vec<Vec<u64>> = input.iter().map(|d| m.sketch(&d.text, &mut w).keys).collect();
        let sets: Vec<Vec<u64>> = input.iter().map(|d| m.shingler.set(&d.text, &mut Scratch::default())).collect();
        let content: Vec<Option<&[u64]>> =
            (0..input.len()).map(|d| (keys[d].len() == m.bands).then_some(sets[d].as_slice())).collect();
        let hashes: Vec<u128> = sets.iter().map(|s| words_hash(s)).collect();
        let groups = Groups::of(&content, &hashes);
        let firsts: Vec<&[u64]> =
            (0..input.len()).map(|d| if groups.is_first(d) { keys[d].as_slice() } else { &[] }).collect();
        let found = candidate_pairs(&firsts, m.bands);
        let count = |edges: &[(u32, u32)]| Pairs { edges: edges.to_vec(), group: groups.table() }.count() as f64;
        let mut stats = if found.listed {
            vec![("candidate_pairs".to_string(), count(&found.edges))]
        } else {
            vec![
                ("bucket_pairs".to_string(), found.bucket_pairs as f64),
                ("star_edges".to_string(), found.edges.len() as f64),
            ]
        };
        stats.push(("identical_docs".to_string(), groups.collapsed as f64));
        let t = m.verify_threshold;
        let edges: Vec<(u32, u32)> =
            found.edges.into_iter().filter(|&(i, j)| m.similarity(&sets[i as usize], &sets[j as usize]) >= t).collect();
        stats.push(("verified_pairs".to_string(), count(&edges)));
        stats.extend(banding_stats(m.bands, m.rows));
        let cluster = groups.cluster_labels(&edges);
        let pairs = found.listed.then(|| Pairs { edges, group: groups.table() });
        DedupOutput { cluster: Some(cluster), pairs, stats, ..DedupOutput::default() }
    }

    /// Runs `m`'s stream on `input` in batches of `batch` documents, handing the documents it
    /// wants again over in batches of `batch` too; the output, the rounds of reading again and
    /// the most bytes of shingle sets held between batches.
    fn verified_in_rounds(m: &MinHash, input: &[Doc], batch: usize) -> (DedupOutput, usize, usize) {
        let mut stream = MinHashStream { minhash: m, sketches: Sketches::new(m.bands), stage: Stage::Sketching };
        for b in input.chunks(batch) {
            stream.push(b).unwrap();
        }
        let (mut rounds, mut most) = (0, 0);
        loop {
            let wanted = stream.wanted().unwrap();
            if wanted.is_empty() {
                break;
            }
            rounds += 1;
            for part in wanted.chunks(batch) {
                let docs: Vec<(u32, &str)> = part.iter().map(|&i| (i, input[i as usize].text.as_str())).collect();
                stream.reread(&docs).unwrap();
                let Stage::Verifying(v) = &stream.stage else { panic!("verifying") };
                most = most.max(v.held.iter().map(|(_, s)| s.len() * 8).sum::<usize>());
            }
        }
        (Box::new(stream).finish().unwrap(), rounds, most)
    }

    /// Documents with near copies, exact copies, copies that differ only in what the
    /// normalisation removes, one contained in another, and empty ones, in a shuffled order.
    fn mixed_corpus() -> Vec<Doc> {
        let mut texts: Vec<String> = Vec::new();
        for k in 0..40u64 {
            let base = words(100 + k, 120 + (k as usize % 5) * 40);
            texts.push(base.join(" "));
            if k % 2 == 0 {
                let mut near = base.clone();
                near[60] = "changed".into();
                texts.push(near.join(" "));
            }
            if k % 3 == 0 {
                texts.push(base.join(" "));
                texts.push(base.join("  ").to_uppercase());
            }
            if k % 5 == 0 {
                texts.push(base[..base.len() * 9 / 10].join(" "));
                texts.push(String::new());
            }
        }
        let mut s = SplitMix64::new(77);
        for i in (1..texts.len()).rev() {
            texts.swap(i, (s.next_u64() % (i as u64 + 1)) as usize);
        }
        texts.into_iter().enumerate().map(|(i, text)| Doc { id: format!("d{i}"), text }).collect()
    }

    #[test]
    fn verification_on_documents_read_again_equals_verification_on_every_set_held() {
        let input = mixed_corpus();
        for spec in [
            "minhash:verify=jaccard",
            "minhash:verify=containment,verify_threshold=0.85",
            "minhash:bands=32,rows=2,perms=64,verify=jaccard,verify_threshold=0.9",
            "minhash:unit=char,ngram=8,bands=16,rows=4,verify=jaccard",
            "minhash@lee2021",
        ] {
            let m = build(spec);
            let reference = verified_with_every_set(&m, &input);
            let verified = reference.stats.iter().find(|(k, _)| k == "verified_pairs").map_or(0.0, |(_, v)| *v);
            assert!(verified > 0.0, "{spec}: the corpus has pairs to verify");
            assert_eq!(m.dedup(&input).unwrap(), reference, "{spec}");
            // With room for the sets of a few documents only, verification takes several
            // rounds, holds no more than it may, and gives the same output.
            let largest = input.iter().map(|d| m.shingler.set(&d.text, &mut Scratch::default()).len() * 8).max();
            let small = MinHash { verify_bytes: 3000, ..m.clone() };
            for batch in [1, 7, 1000] {
                let (out, rounds, most) = verified_in_rounds(&small, &input, batch);
                assert_eq!(out, reference, "{spec} in batches of {batch}");
                assert!(rounds > 3, "{spec}: {rounds} rounds");
                assert!(most <= largest.unwrap_or(0).max(3000), "{spec}: {most} bytes held");
            }
            let (_, rounds, _) = verified_in_rounds(&m, &input, 50);
            assert_eq!(rounds, 1, "{spec}: every set fits the default bound");
        }
    }

    #[test]
    fn a_stream_refuses_to_finish_unverified_and_documents_that_changed() {
        let input = mixed_corpus();
        let m = build("minhash:verify=jaccard");
        let mut stream = m.stream().unwrap();
        assert!(stream.reads_again());
        stream.push(&input).unwrap();
        assert!(stream.finish().unwrap_err().0.contains("before its candidates were verified"));
        let mut stream = m.stream().unwrap();
        stream.push(&input).unwrap();
        let wanted = stream.wanted().unwrap();
        assert!(!wanted.is_empty());
        let changed: Vec<(u32, &str)> = wanted.iter().map(|&i| (i, "another text altogether")).collect();
        assert!(stream.reread(&changed).unwrap_err().0.contains("is not the one pushed"));
        // Out of order, or not asked for.
        let mut stream = m.stream().unwrap();
        stream.push(&input).unwrap();
        let wanted = stream.wanted().unwrap();
        let last = *wanted.last().unwrap();
        assert!(
            stream.reread(&[(last, input[last as usize].text.as_str())]).unwrap_err().0.contains("other than asked")
        );
        // Nothing wanted without verification.
        let off = build("minhash");
        let mut plain = off.stream().unwrap();
        assert!(!plain.reads_again());
        plain.push(&input).unwrap();
        assert_eq!(plain.wanted().unwrap(), Vec::<u32>::new());
    }

    #[test]
    fn pair_model_is_the_exact_jaccard_of_the_shingle_sets_and_the_s_curve() {
        // Word 2-grams, no normalisation: "a b c d" -> {a b, b c, c d}; "a b c e" -> {a b, b c,
        // c e}: intersection 2, union 4.
        let m = build("minhash:norm=none,ngram=2,bands=4,rows=2");
        let pm = m.pair_model().unwrap();
        assert!((pm.text_similarity("a b c d", "a b c e") - 0.5).abs() < 1e-15);
        assert_eq!(pm.text_similarity("a b c d", "a b c d"), 1.0);
        assert_eq!(pm.text_similarity("", "a b c d"), 0.0);
        // The strategy's normalisation applies: ccnet folds case and punctuation.
        let ccnet = build("minhash:ngram=2");
        assert_eq!(ccnet.pair_model().unwrap().text_similarity("A b, C d!", "a B c D"), 1.0);
        // 1 - (1 - 0.5^2)^4 = 1 - 0.75^4 = 0.68359375.
        assert!((pm.detect_probability(0.5) - 0.68359375).abs() < 1e-15);
        assert_eq!(pm.detect_probability(1.0), 1.0);
        // Jaccard verification at 0.8 cuts the curve below the threshold.
        let v = build("minhash:bands=4,rows=2,verify=jaccard,verify_threshold=0.8");
        let pv = v.pair_model().unwrap();
        assert_eq!(pv.detect_probability(0.79), 0.0);
        assert!((pv.detect_probability(0.8) - detect_probability(0.8, 4, 2)).abs() < 1e-15);
    }

    #[test]
    fn reports_detection_probabilities() {
        let out = build("minhash@fineweb").dedup(&docs(&["a b c d e f"])).unwrap();
        let p = out.stats.iter().find(|(k, _)| k == "p_detect@0.8").map(|(_, v)| *v).unwrap();
        assert!((p - (1.0 - (1.0 - 0.8f64.powi(8)).powi(14))).abs() < 1e-12);
    }
}
