//! `suffix-array`: exact repeated substrings of at least `min_bytes` bytes across the dataset, as
//! in Lee et al. 2021 ("Deduplicating Training Data Makes Language Models Better", ExactSubstr,
//! 50 tokens there; 100 bytes here by default), found with a suffix array (libsais).
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
//! It streams: documents are appended to the concatenation as they come, in memory up to
//! `spill_mb`, then in an unnamed temporary file (in `TMPDIR`), so the documents are never held
//! as strings while they stream in. For the construction the text is read back into one buffer,
//! and the suffix array is built beside it: 32-bit entries up to 2 GiB of text, 64-bit past it,
//! by libsais on the run's threads. Both are advised as huge pages, since both are read at random
//! (on 1M documents this took the cell from 293 s to 174 s; docs/scale.md). No LCP array is kept:
//! suffixes next to each other in the array are compared directly, up to `min_bytes` bytes.
//! Memory is thus 4 bytes per text byte (8 past 2 GiB) for the array, plus 1 for the text, plus
//! an eighth of a byte for the duplicate marks.
//!
//! Not done here: token-level windows, approximate matches, Lee et al.'s removal of every
//! occurrence (including the first), or construction in pieces for a text larger than memory.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use libsais::{SuffixArrayConstruction, ThreadCount};
use rayon::prelude::*;

use crate::error::Error;
use crate::model::Doc;
use crate::strategy::{DedupOutput, DedupStream, Deduplicator, ParamSpec, Params, StrategyError, dedup_in_one_batch};

/// Parameters of `suffix-array`.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "min_bytes",
        default: "100",
        help: "shortest repeated substring counted, in bytes (Lee et al. 2021 use 50 tokens, about 100 bytes)",
    },
    ParamSpec {
        name: "spill_mb",
        default: "256",
        help: "text kept in memory before the concatenation moves to a temporary file in TMPDIR (MB)",
    },
];

/// The document separator: a byte that is never part of UTF-8 text.
const SEPARATOR: u8 = 0xFF;

/// How far ahead in the suffix array the scan asks for the text of a suffix.
const PREFETCH_AHEAD: usize = 16;

/// Exact-substring deduplication with a suffix array.
#[derive(Debug, Clone)]
pub struct SuffixArray {
    min_bytes: usize,
    spill_bytes: usize,
    /// The fewest suffixes in a piece of the parallel scan.
    piece_len: usize,
}

/// The fewest suffixes in a piece of the parallel scan, but in tests.
const PIECE_LEN: usize = 1 << 20;

impl SuffixArray {
    /// Builds from spec parameters.
    pub fn new(params: &Params) -> Result<SuffixArray, Error> {
        let min_bytes = params.usize("min_bytes")?;
        if min_bytes == 0 {
            return Err(Error::Spec("strategy `suffix-array`: parameter `min_bytes` must be at least 1".into()));
        }
        let spill_bytes = params.usize_in("spill_mb", 0, 1 << 20)? << 20;
        Ok(SuffixArray { min_bytes, spill_bytes, piece_len: PIECE_LEN })
    }

    /// With a given minimum length (for tests and benches), the concatenation in memory.
    pub fn with_min_bytes(min_bytes: usize) -> SuffixArray {
        SuffixArray { min_bytes: min_bytes.max(1), spill_bytes: usize::MAX, piece_len: PIECE_LEN }
    }

    /// The same, with the concatenation in a temporary file past `spill_bytes` bytes.
    pub fn spilling_after(self, spill_bytes: usize) -> SuffixArray {
        SuffixArray { spill_bytes, ..self }
    }

    /// The start of every window of `min_bytes` bytes of `text` that occurs at an earlier
    /// position, as a bit set (bit `p % 64` of word `p / 64`).
    fn duplicate_windows(&self, text: &[u8]) -> Result<Vec<u64>, StrategyError> {
        let n = text.len();
        let words = n.div_ceil(64);
        let mut marks: Vec<AtomicU64> = Vec::new();
        marks.try_reserve_exact(words).map_err(|e| no_memory("duplicate marks", e))?;
        marks.resize_with(words, || AtomicU64::new(0));
        if n > self.min_bytes {
            let threads = rayon::current_num_threads().clamp(1, u16::MAX as usize) as u16;
            if n <= libsais::LIBSAIS_I32_OUTPUT_MAXIMUM_SIZE {
                let sa = construct::<i32>(text, threads)?;
                mark(&sa, text, self.min_bytes, &marks, self.piece_len);
            } else {
                let sa = construct::<i64>(text, threads)?;
                mark(&sa, text, self.min_bytes, &marks, self.piece_len);
            }
        }
        Ok(marks.into_iter().map(AtomicU64::into_inner).collect())
    }
}

/// `n` zeroed entries (fresh pages from the system, not written one by one), or the reason they
/// do not fit.
fn zeroed<P: Zero>(n: usize, what: &str) -> Result<Vec<P>, StrategyError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let layout = std::alloc::Layout::array::<P>(n)
        .map_err(|e| StrategyError(format!("suffix-array: the {what} is too large: {e}")))?;
    // SAFETY: the layout's size is not zero.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<P>();
    if ptr.is_null() {
        return Err(StrategyError(format!("suffix-array: no memory for the {what} ({} bytes)", layout.size())));
    }
    huge_pages(ptr.cast(), layout.size());
    // SAFETY: `ptr` comes from the global allocator with the layout of `n` entries of `P`, every
    // byte zero, and all-zero bytes are a valid `P` (an integer).
    Ok(unsafe { Vec::from_raw_parts(ptr, n, n) })
}

/// Asks the kernel to back the 2 MiB-aligned part of a large, untouched allocation with huge
/// pages: the construction and the scan read the array at random, and with 4 KiB pages most of
/// those reads also miss the TLB. Only advice: where the kernel declines, nothing changes.
fn huge_pages(ptr: *mut u8, len: usize) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = (ptr as usize).next_multiple_of(HUGE);
        let end = (ptr as usize + len) / HUGE * HUGE;
        if end > start {
            // SAFETY: the range lies inside the allocation; the advice changes how its pages
            // are backed, never their contents.
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (ptr, len);
}

fn no_memory(what: &str, e: std::collections::TryReserveError) -> StrategyError {
    StrategyError(format!("suffix-array: no memory for the {what}: {e}"))
}

/// A type for which all-zero bytes are a value (an integer), so [`zeroed`] can hand out fresh
/// pages as entries.
trait Zero: Copy {}

impl Zero for u8 {}
impl Zero for i32 {}
impl Zero for i64 {}

/// An entry of a suffix array: a text position.
trait Position: Zero + Ord + Send + Sync + Default {
    fn at(self) -> usize;
}

impl Position for i32 {
    fn at(self) -> usize {
        self as usize
    }
}

impl Position for i64 {
    fn at(self) -> usize {
        self as usize
    }
}

/// Suffix-array construction for one entry width (libsais's 32- and 64-bit forms).
trait Construct: Position {
    fn run(text: &[u8], sa: &mut [Self], threads: u16) -> Result<(), libsais::LibsaisError>;
}

/// libsais's construction for an entry type (one impl each: the builder's types differ).
macro_rules! construct_for {
    ($($t:ty),*) => {$(
        impl Construct for $t {
            fn run(text: &[u8], sa: &mut [$t], threads: u16) -> Result<(), libsais::LibsaisError> {
                let c = SuffixArrayConstruction::for_text(text).in_borrowed_buffer(sa);
                if threads > 1 {
                    c.multi_threaded(ThreadCount::fixed(threads)).run().map(drop)
                } else {
                    c.single_threaded().run().map(drop)
                }
            }
        }
    )*};
}

construct_for!(i32, i64);

/// The suffix array of `text`, built on `threads` threads (the array is the same for any count).
fn construct<P: Construct>(text: &[u8], threads: u16) -> Result<Vec<P>, StrategyError> {
    let mut sa = zeroed::<P>(text.len(), "suffix array")?;
    P::run(text, &mut sa, threads).map_err(|e| StrategyError(format!("suffix array construction failed: {e:?}")))?;
    Ok(sa)
}

/// Asks the processor for the cache lines of the window of `l` bytes of `text` at `p`, ahead of
/// their use (the scan reads suffixes in array order, at random places in the text).
#[inline(always)]
fn prefetch(text: &[u8], p: usize, l: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        let end = (p + l).min(text.len());
        let mut at = p;
        while at < end {
            // SAFETY: the address is inside `text`; a prefetch reads nothing into the program.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(text.as_ptr().add(at).cast())
            }
            at = (at | 63) + 1;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (text, p, l);
}

/// Asks for the word of `marks` that holds position `p`: a suffix that repeats an earlier one
/// is marked there soon after it is compared.
#[inline(always)]
fn prefetch_mark(marks: &[AtomicU64], p: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(word) = marks.get(p / 64) {
        // SAFETY: the address is that of an element of `marks`; a prefetch changes nothing.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(word.as_ptr().cast_const().cast())
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (marks, p);
}

/// Whether the suffixes at `a` and `b` share their first `l` bytes.
#[inline(always)]
fn shares(text: &[u8], a: usize, b: usize, l: usize) -> bool {
    let n = text.len();
    if a + l > n || b + l > n {
        return false;
    }
    // Most neighbours that differ do so in their first bytes: one word each first.
    if l >= 8 {
        let word = |p: usize| text.get(p..p + 8).and_then(|w| <[u8; 8]>::try_from(w).ok());
        if word(a) != word(b) {
            return false;
        }
    }
    text[a..a + l] == text[b..b + l]
}

/// Marks, in `marks`, every suffix of a run of suffixes sharing their first `l` bytes but the
/// run's leftmost one, unless those bytes contain the separator. Runs are found by comparing
/// neighbours in the array; the array is cut into pieces scanned in parallel, each piece taking
/// the runs that start in it (a run may extend into the next piece, which skips it).
fn mark<P: Position>(sa: &[P], text: &[u8], l: usize, marks: &[AtomicU64], piece_len: usize) {
    let n = sa.len();
    // Pieces of at least `piece_len` suffixes: enough to share among the threads, few enough
    // that a small text is one piece.
    let pieces = (rayon::current_num_threads() * 16).min(n / piece_len.max(1)).max(1);
    (0..pieces).into_par_iter().for_each(|piece| {
        let (mut i, end) = (piece * n / pieces, (piece + 1) * n / pieces);
        while i > 0 && i < end && shares(text, sa[i - 1].at(), sa[i].at(), l) {
            i += 1;
        }
        for &ahead in sa.iter().skip(i).take(PREFETCH_AHEAD) {
            prefetch(text, ahead.at(), l);
        }
        while i < end {
            let (start, mut first) = (i, sa[i]);
            i += 1;
            while i < n {
                if let Some(&ahead) = sa.get(i + PREFETCH_AHEAD) {
                    prefetch(text, ahead.at(), l);
                    prefetch_mark(marks, ahead.at());
                }
                if !shares(text, sa[i - 1].at(), sa[i].at(), l) {
                    break;
                }
                first = first.min(sa[i]);
                i += 1;
            }
            if i - start > 1 {
                let p = first.at();
                if memchr::memchr(SEPARATOR, &text[p..p + l]).is_none() {
                    for &q in &sa[start..i] {
                        if q != first {
                            let q = q.at();
                            marks[q / 64].fetch_or(1 << (q % 64), Ordering::Relaxed);
                        }
                    }
                }
            }
        }
    });
}

/// Per document (starting at `starts[d]`, the last entry the text's end), the union of the
/// windows of `l` bytes starting at a marked position, in byte offsets into the document.
fn windows_by_document(marks: &[u64], starts: &[u64], l: usize) -> Vec<Vec<Range<usize>>> {
    let docs = starts.len().saturating_sub(1);
    let mut out = vec![Vec::new(); docs];
    let mut doc = 0;
    for (w, &word) in marks.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            let p = (w * 64 + bits.trailing_zeros() as usize) as u64;
            bits &= bits - 1;
            while doc + 1 < docs && starts[doc + 1] <= p {
                doc += 1;
            }
            let start = (p - starts[doc]) as usize;
            let spans: &mut Vec<Range<usize>> = &mut out[doc];
            match spans.last_mut() {
                Some(last) if last.end >= start => last.end = last.end.max(start + l),
                _ => spans.push(start..start + l),
            }
        }
    }
    out
}

/// The documents pushed so far, each followed by the separator: in memory up to a size, then in
/// an unnamed temporary file (gone with the process, whatever happens to it).
struct Concat {
    spill_bytes: usize,
    memory: Vec<u8>,
    file: Option<BufWriter<File>>,
    len: u64,
}

fn temporary(e: std::io::Error) -> StrategyError {
    StrategyError(format!("suffix-array: the temporary file of the concatenated text: {e}"))
}

impl Concat {
    fn append(&mut self, text: &str) -> Result<(), StrategyError> {
        let add = text.len() + 1;
        if self.file.is_none() && self.memory.len() + add > self.spill_bytes {
            let mut file = BufWriter::with_capacity(1 << 20, tempfile::tempfile().map_err(temporary)?);
            file.write_all(&self.memory).map_err(temporary)?;
            self.memory = Vec::new();
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => {
                file.write_all(text.as_bytes()).and_then(|()| file.write_all(&[SEPARATOR])).map_err(temporary)?
            }
            None => {
                self.memory.try_reserve(add).map_err(|e| no_memory("concatenated text", e))?;
                self.memory.extend_from_slice(text.as_bytes());
                self.memory.push(SEPARATOR);
            }
        }
        self.len += add as u64;
        Ok(())
    }

    /// The whole concatenation in memory. A spilled one is read back into fresh pages advised as
    /// huge ones (the construction reads the text at random, as it does the array); the file's
    /// pages are then only cache the kernel may drop.
    fn finish(self) -> Result<Vec<u8>, StrategyError> {
        let Some(file) = self.file else { return Ok(self.memory) };
        let mut file = file.into_inner().map_err(|e| temporary(e.into_error()))?;
        let len = usize::try_from(self.len).map_err(|_| StrategyError("suffix-array: the text is too large".into()))?;
        let mut text = zeroed::<u8>(len, "concatenated text")?;
        file.seek(SeekFrom::Start(0)).and_then(|_| file.read_exact(&mut text)).map_err(temporary)?;
        Ok(text)
    }
}

/// `suffix-array` fed in batches: the concatenation and where each document starts.
struct Stream<'a> {
    sa: &'a SuffixArray,
    concat: Concat,
    starts: Vec<u64>,
}

impl DedupStream for Stream<'_> {
    fn push(&mut self, batch: &[Doc]) -> Result<(), StrategyError> {
        self.starts.reserve(batch.len());
        for d in batch {
            self.starts.push(self.concat.len);
            self.concat.append(&d.text)?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<DedupOutput, StrategyError> {
        let Stream { sa, concat, mut starts } = *self;
        starts.push(concat.len);
        let text = concat.finish()?;
        let marks = sa.duplicate_windows(&text)?;
        let bytes = windows_by_document(&marks, &starts, sa.min_bytes);
        drop(marks);
        let mut spans = Vec::with_capacity(bytes.len());
        for (d, b) in bytes.iter().enumerate() {
            if b.is_empty() {
                spans.push(Vec::new());
                continue;
            }
            // The document's bytes, without its separator; they were a `str` when pushed.
            let raw = &text[starts[d] as usize..starts[d + 1] as usize - 1];
            let doc = std::str::from_utf8(raw)
                .map_err(|e| StrategyError(format!("suffix-array: document {d} changed in the temporary file: {e}")))?;
            spans.push(to_char_spans(doc, b));
        }
        Ok(DedupOutput { dup_spans: Some(spans), ..DedupOutput::default() })
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
        dedup_in_one_batch(self.stream(), docs)
    }

    fn stream(&self) -> Option<Box<dyn DedupStream + '_>> {
        let concat = Concat { spill_bytes: self.spill_bytes, memory: Vec::new(), file: None, len: 0 };
        Some(Box::new(Stream { sa: self, concat, starts: Vec::new() }))
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

    /// The output of `sa` on `texts` fed one document a batch, on a pool of `threads` threads.
    fn streamed(sa: &SuffixArray, texts: &[String], threads: usize) -> Vec<Vec<Range<usize>>> {
        let docs: Vec<Doc> = texts.iter().enumerate().map(|(i, t)| doc(&i.to_string(), t)).collect();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let mut stream = sa.stream().unwrap();
            for d in docs.chunks(1) {
                stream.push(d).unwrap();
            }
            stream.finish().unwrap().dup_spans.unwrap()
        })
    }

    #[test]
    fn a_spilled_concatenation_and_any_thread_count_give_the_same_spans() {
        // Runs of copies long enough to cross the pieces the scan is cut into, near copies, and
        // multibyte text.
        let base = "the quick brown fox jumps over the lazy dog; ".repeat(3);
        let mut texts: Vec<String> = (0..300)
            .map(|i| match i % 5 {
                0 => base.clone(),
                1 => format!("{i} {base} tail é日本 {i}"),
                2 => format!("unique text number {i} with nothing repeated {}", i * 7919),
                3 => base[..base.len() / 2].to_string(),
                _ => format!("{}{}", &base[10..], i),
            })
            .collect();
        texts.push(String::new());
        let in_memory = streamed(&SuffixArray::with_min_bytes(20), &texts, 1);
        // Pieces of 7 suffixes: many runs of copies cross a piece's end.
        let small_pieces = || SuffixArray { piece_len: 7, ..SuffixArray::with_min_bytes(20) };
        assert!(in_memory.iter().filter(|s| !s.is_empty()).count() > 100);
        for threads in [1, 2, 3] {
            let spilled = small_pieces().spilling_after(0);
            assert_eq!(streamed(&spilled, &texts, threads), in_memory, "spilled, {threads} threads");
            let half = small_pieces().spilling_after(base.len() * 40);
            assert_eq!(streamed(&half, &texts, threads), in_memory, "spilled midway, {threads} threads");
        }
        let docs: Vec<Doc> = texts.iter().enumerate().map(|(i, t)| doc(&i.to_string(), t)).collect();
        let whole = SuffixArray::with_min_bytes(20).dedup(&docs).unwrap().dup_spans.unwrap();
        assert_eq!(whole, in_memory);
    }

    #[test]
    fn parameters_set_the_window_and_the_spill_threshold() {
        let build = |spec: &str| {
            let p = crate::strategy::spec::parse(spec).unwrap();
            SuffixArray::new(&Params::new("suffix-array", PARAMS, &p.params).unwrap())
        };
        let sa = build("suffix-array:min_bytes=7,spill_mb=3").unwrap();
        assert_eq!((sa.min_bytes, sa.spill_bytes), (7, 3 << 20));
        assert!(build("suffix-array:min_bytes=0").is_err());
        let spilled = build("suffix-array:min_bytes=5,spill_mb=0").unwrap();
        let texts = ["xxabcdefghyy".to_string(), "zabcdefghz".to_string()];
        assert_eq!(streamed(&spilled, &texts, 1), vec![vec![], vec![1..9]]);
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
