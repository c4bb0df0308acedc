//! Shingling for near-duplicate detection: a document's normalised text cut into overlapping
//! word or character n-grams, each hashed once with xxh3-64.
//!
//! A word is a maximal run of non-white-space characters of the normalised text; a word shingle
//! is `n` consecutive words as they stand in the normalised text (so after `ws` or `ccnet`
//! normalisation, joined by single spaces). A character shingle is `n` consecutive Unicode
//! scalar values. A text shorter than one shingle (but not empty) is one shingle of its own,
//! so short documents still have a fingerprint; an empty text has none.
//!
//! This module only produces hashes; it does not deduplicate them (MinHash ignores repeats, and
//! SimHash wants them as weights).

use xxhash_rust::xxh3::xxh3_64;

use super::normalize::Norm;
use crate::error::Error;

/// What a shingle is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Words (white-space separated).
    Word,
    /// Unicode scalar values.
    Char,
}

impl Unit {
    /// Names accepted in specs.
    pub const CHOICES: &'static [&'static str] = &["word", "char"];

    /// Parses a spec value (one of [`Unit::CHOICES`]).
    pub fn parse(s: &str) -> Result<Unit, Error> {
        match s {
            "word" => Ok(Unit::Word),
            "char" => Ok(Unit::Char),
            other => Err(Error::Spec(format!("unknown shingle unit `{other}` (known: word, char)"))),
        }
    }
}

/// How to cut a text into shingles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shingler {
    /// Normalisation applied first.
    pub norm: Norm,
    /// Words or characters.
    pub unit: Unit,
    /// Units per shingle (at least 1).
    pub n: usize,
}

/// Reusable buffers, so shingling a document allocates nothing once warm.
#[derive(Debug, Default)]
pub struct Scratch {
    text: String,
    bounds: Vec<(u32, u32)>,
}

impl Shingler {
    /// Builds a shingler; `n` must be at least 1.
    pub fn new(norm: Norm, unit: Unit, n: usize) -> Result<Shingler, Error> {
        if n == 0 {
            return Err(Error::Spec("shingle size `ngram` must be at least 1".into()));
        }
        Ok(Shingler { norm, unit, n })
    }

    /// Calls `f` with the xxh3-64 hash of every shingle of `text`, in text order (repeats
    /// included).
    pub fn for_each_hash(&self, text: &str, scratch: &mut Scratch, mut f: impl FnMut(u64)) {
        self.norm.apply(text, &mut scratch.text);
        let s = scratch.text.as_bytes();
        scratch.bounds.clear();
        match self.unit {
            Unit::Word => word_bounds(s, self.norm == Norm::None, &mut scratch.bounds),
            Unit::Char => {
                if s.is_ascii() {
                    // Every byte is a character: windows are plain byte windows.
                    return byte_windows(s, self.n, f);
                }
                char_bounds(&scratch.text, &mut scratch.bounds);
            }
        }
        let b = &scratch.bounds;
        if b.is_empty() {
            return;
        }
        if b.len() < self.n {
            f(xxh3_64(&s[b[0].0 as usize..b[b.len() - 1].1 as usize]));
            return;
        }
        for i in 0..=b.len() - self.n {
            f(xxh3_64(&s[b[i].0 as usize..b[i + self.n - 1].1 as usize]));
        }
    }

    /// Every shingle hash of `text`, in text order (a convenience for tests and small inputs).
    pub fn hashes(&self, text: &str) -> Vec<u64> {
        let mut out = Vec::new();
        self.for_each_hash(text, &mut Scratch::default(), |h| out.push(h));
        out
    }

    /// The set of shingle hashes of `text`, sorted and without repeats.
    pub fn set(&self, text: &str, scratch: &mut Scratch) -> Vec<u64> {
        let mut out = Vec::new();
        self.for_each_hash(text, scratch, |h| out.push(h));
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn byte_windows(s: &[u8], n: usize, mut f: impl FnMut(u64)) {
    if s.is_empty() {
        return;
    }
    if s.len() < n {
        f(xxh3_64(s));
        return;
    }
    for w in s.windows(n) {
        f(xxh3_64(w));
    }
}

/// Byte ranges of words. Folded text (`ws`, `ccnet`) separates words by single ASCII spaces;
/// unfolded text is split on any white space.
fn word_bounds(s: &[u8], unfolded: bool, out: &mut Vec<(u32, u32)>) {
    if unfolded {
        // Splitting on Unicode white space needs the decoded text; `s` came from a `String`.
        let text = std::str::from_utf8(s).unwrap_or_default();
        let base = text.as_ptr() as usize;
        out.extend(text.split_whitespace().map(|w| {
            let start = w.as_ptr() as usize - base;
            (start as u32, (start + w.len()) as u32)
        }));
        return;
    }
    let mut start = None;
    for (i, &c) in s.iter().enumerate() {
        match (c == b' ', start) {
            (true, Some(st)) => {
                out.push((st as u32, i as u32));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push((st as u32, s.len() as u32));
    }
}

/// Byte ranges of characters.
fn char_bounds(text: &str, out: &mut Vec<(u32, u32)>) {
    out.extend(text.char_indices().map(|(i, c)| (i as u32, (i + c.len_utf8()) as u32)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shingler(norm: Norm, unit: Unit, n: usize) -> Shingler {
        Shingler::new(norm, unit, n).unwrap()
    }

    #[test]
    fn word_shingles_are_hashes_of_joined_words() {
        let s = shingler(Norm::Ccnet, Unit::Word, 2);
        let got = s.hashes("The cat, the  HAT!");
        let want: Vec<u64> = ["the cat", "cat the", "the hat"].iter().map(|w| xxh3_64(w.as_bytes())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn char_shingles_count_unicode_scalars() {
        let s = shingler(Norm::None, Unit::Char, 2);
        let got = s.hashes("été");
        let want: Vec<u64> = ["ét", "té"].iter().map(|w| xxh3_64(w.as_bytes())).collect();
        assert_eq!(got, want);
        let ascii = shingler(Norm::None, Unit::Char, 3).hashes("abcd");
        assert_eq!(ascii, vec![xxh3_64(b"abc"), xxh3_64(b"bcd")]);
    }

    #[test]
    fn short_text_is_one_shingle_and_empty_text_none() {
        let s = shingler(Norm::Ws, Unit::Word, 5);
        assert_eq!(s.hashes("  two   words "), vec![xxh3_64(b"two words")]);
        assert!(s.hashes("   ").is_empty());
        assert!(shingler(Norm::None, Unit::Char, 4).hashes("").is_empty());
    }

    #[test]
    fn unnormalised_words_split_on_any_white_space() {
        let s = shingler(Norm::None, Unit::Word, 1);
        assert_eq!(s.hashes("a\u{00a0}b\tc"), vec![xxh3_64(b"a"), xxh3_64(b"b"), xxh3_64(b"c")]);
    }

    #[test]
    fn set_is_sorted_and_unique() {
        let s = shingler(Norm::Ws, Unit::Word, 1);
        let set = s.set("b a b a c", &mut Scratch::default());
        assert_eq!(set.len(), 3);
        assert!(set.windows(2).all(|w| w[0] < w[1]));
    }
}
