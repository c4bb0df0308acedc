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

use crate::error::Error;
use crate::strategy::{ParamSpec, Params};
use crate::text::Norm;

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

/// The `norm` parameter, shared by every deduplicator that normalises text before hashing
/// (`exact`, `lines`, `paragraphs`, `minhash`, `simhash`), with a strategy's own default.
pub const fn norm_param(default: &'static str) -> ParamSpec {
    ParamSpec {
        name: "norm",
        default,
        help: "normalisation before hashing: none, ws (fold white space) or ccnet (also lower case, digits to 0, no punctuation)",
    }
}

/// The `unit` parameter of shingling strategies.
pub const fn unit_param(default: &'static str) -> ParamSpec {
    ParamSpec { name: "unit", default, help: "shingle unit: word or char" }
}

/// The `ngram` parameter of shingling strategies.
pub const fn ngram_param(default: &'static str) -> ParamSpec {
    ParamSpec { name: "ngram", default, help: "units per shingle" }
}

/// Reads the `norm` parameter.
pub fn norm_from(params: &Params) -> Result<Norm, Error> {
    Norm::parse(params.choice("norm", Norm::CHOICES)?)
}

/// The longest shingle accepted, in units.
pub const MAX_NGRAM: usize = 1 << 16;

/// Reads the shingling group: `norm`, `unit` and `ngram`.
pub fn shingler_from(params: &Params) -> Result<Shingler, Error> {
    let unit = Unit::parse(params.choice("unit", Unit::CHOICES)?)?;
    Shingler::new(norm_from(params)?, unit, params.usize_in("ngram", 1, MAX_NGRAM)?)
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
    text: Vec<u8>,
    seps: Vec<u32>,
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
    /// included). Never inlined: whether the caller's loop was inlined into it moved with
    /// unrelated changes elsewhere in the crate, and with it simhash's instruction counts by 4%.
    #[inline(never)]
    pub fn for_each_hash(&self, text: &str, scratch: &mut Scratch, mut f: impl FnMut(u64)) {
        let s: &[u8] = match self.norm {
            Norm::None => text.as_bytes(),
            Norm::Ws | Norm::Ccnet => {
                fold_fast(self.norm, text, &mut scratch.text, &mut scratch.seps);
                &scratch.text
            }
        };
        if s.is_empty() {
            return;
        }
        if self.unit == Unit::Word && self.norm != Norm::None {
            // Folded text: words lie between the separators.
            let seps = &scratch.seps;
            let words = seps.len() + 1;
            let end = |w: usize| if w < seps.len() { seps[w] as usize } else { s.len() };
            let start = |w: usize| if w == 0 { 0 } else { seps[w - 1] as usize + 1 };
            if words < self.n {
                return f(xxh3_64(s));
            }
            for w in 0..=words - self.n {
                f(xxh3_64(&s[start(w)..end(w + self.n - 1)]));
            }
            return;
        }
        scratch.bounds.clear();
        match self.unit {
            Unit::Word => unfolded_word_bounds(text, &mut scratch.bounds),
            Unit::Char => {
                if s.is_ascii() {
                    // Every byte is a character: windows are plain byte windows.
                    return byte_windows(s, self.n, f);
                }
                char_bounds(s, &mut scratch.bounds);
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

/// Byte ranges of the words of unnormalised text (split on any Unicode white space).
fn unfolded_word_bounds(text: &str, out: &mut Vec<(u32, u32)>) {
    let base = text.as_ptr() as usize;
    out.extend(text.split_whitespace().map(|w| {
        let start = w.as_ptr() as usize - base;
        (start as u32, (start + w.len()) as u32)
    }));
}

/// Byte ranges of the characters of UTF-8 text (a character starts at every byte that is not a
/// continuation byte `10xxxxxx`).
fn char_bounds(s: &[u8], out: &mut Vec<(u32, u32)>) {
    let mut starts = s.iter().enumerate().filter(|(_, b)| (**b & 0xC0) != 0x80).map(|(i, _)| i as u32).peekable();
    while let Some(start) = starts.next() {
        let end = starts.peek().copied().unwrap_or(s.len() as u32);
        out.push((start, end));
    }
}

/// Table entry: emit this byte.
const SPACE: u16 = 0x100;
/// Table entry: drop the byte.
const DROP: u16 = 0x200;

/// What `ccnet` does with each ASCII byte: lower-case letters, digits to `0`, white space to a
/// separator, everything else dropped.
const CCNET_ASCII: [u16; 128] = {
    let mut t = [DROP; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = match c {
            b'A'..=b'Z' => (c + 32) as u16,
            b'a'..=b'z' => c as u16,
            b'0'..=b'9' => b'0' as u16,
            b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' => SPACE,
            _ => DROP,
        };
        b += 1;
    }
    t
};

/// What `ws` does with each ASCII byte: white space (as `char::is_whitespace`) to a separator,
/// everything else kept.
const WS_ASCII: [u16; 128] = {
    let mut t = [0u16; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            b' ' | 0x09..=0x0D => SPACE,
            c => c as u16,
        };
        b += 1;
    }
    t
};

/// The `ws` or `ccnet` form of `text` as [`Norm::apply`] gives it, written into `out`, with the
/// byte offset of every word separator (the single spaces of the folded text) in `seps`.
///
/// Two branch-free passes: map every character (ASCII by table; others by the same Unicode rules
/// as `text::norm`: white space to a space, and for `ccnet` numerals to `0`, letters lower-cased,
/// the rest dropped), then fold runs of spaces to one and trim the ends.
pub fn fold_fast(norm: Norm, text: &str, out: &mut Vec<u8>, seps: &mut Vec<u32>) {
    let table = if norm == Norm::Ccnet { &CCNET_ASCII } else { &WS_ASCII };
    let bytes = text.as_bytes();
    out.clear();
    out.resize(bytes.len() + 16, 0);
    let mut o = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            if word.iter().all(|&b| b.wrapping_sub(b'a') < 26 || b == b' ') {
                // Lower-case letters and spaces map to themselves: copy them as they are.
                out[o..o + 8].copy_from_slice(&word);
                o += 8;
                i += 8;
                continue;
            }
            if u64::from_le_bytes(word) & 0x8080_8080_8080_8080 == 0 {
                // Eight ASCII bytes: no per-byte test for the Unicode path.
                for b in word {
                    let m = table[b as usize & 0x7F];
                    out[o] = if m == SPACE { b' ' } else { m as u8 };
                    o += (m != DROP) as usize;
                }
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            let m = table[b as usize];
            // Write unconditionally, advance unless the byte is dropped.
            out[o] = if m == SPACE { b' ' } else { m as u8 };
            o += (m != DROP) as usize;
            continue;
        }
        let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else { break };
        i += c.len_utf8();
        // Room for this character's output (lower-casing can grow it) and the rest of the input.
        let need = o + 16 + (bytes.len() - i);
        if out.len() < need {
            out.resize(need, 0);
        }
        let mut emit = |c: char| o += c.encode_utf8(&mut out[o..o + 4]).len();
        if c.is_whitespace() {
            emit(' ');
        } else {
            match norm {
                Norm::Ccnet if c.is_numeric() => emit('0'),
                Norm::Ccnet if c.is_alphanumeric() => c.to_lowercase().for_each(emit),
                Norm::Ccnet => {}
                _ => emit(c),
            }
        }
    }
    // Fold space runs in place; a space is kept only after a non-space.
    seps.clear();
    seps.resize(o + 1, 0);
    let (mut w, mut k) = (0usize, 0usize);
    let mut prev_space = true;
    let mut r = 0;
    // Eight bytes at a time while they hold no run of spaces: move them down and note the spaces.
    while r + 8 <= o {
        let mut word = [0u8; 8];
        word.copy_from_slice(&out[r..r + 8]);
        let x = u64::from_le_bytes(word) ^ 0x2020_2020_2020_2020;
        // High bit of each byte set where the byte was a space (x's byte is zero).
        let spaces = !(((x & 0x7F7F_7F7F_7F7F_7F7F) + 0x7F7F_7F7F_7F7F_7F7F) | x) & 0x8080_8080_8080_8080;
        let carried = if prev_space { spaces << 8 | 0x80 } else { spaces << 8 };
        if spaces & carried != 0 {
            break;
        }
        out.copy_within(r..r + 8, w);
        let mut m = spaces;
        while m != 0 {
            seps[k] = (w + (m.trailing_zeros() / 8) as usize) as u32;
            k += 1;
            m &= m - 1;
        }
        prev_space = spaces >> 63 != 0;
        w += 8;
        r += 8;
    }
    for r in r..o {
        let c = out[r];
        let space = c == b' ';
        out[w] = c;
        seps[k] = w as u32;
        let keep = !(space & prev_space);
        w += keep as usize;
        k += (space & keep) as usize;
        prev_space = space;
    }
    if prev_space && w > 0 {
        // A trailing space (the text ended in white space).
        w -= 1;
        k -= 1;
    }
    out.truncate(w);
    seps.truncate(k);
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

    /// Folds 3,000 seeded random strings drawn from `pool` (up to `max_len` chars) with the fast
    /// fold and with `Norm::apply`, and checks text and separator positions agree.
    fn assert_fast_fold_matches(pool: &[char], seed: u64, max_len: usize) {
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        let (mut out, mut seps) = (Vec::new(), Vec::new());
        for _ in 0..3000 {
            let len = next() % max_len;
            let text: String = (0..len).map(|_| pool[next() % pool.len()]).collect();
            for norm in [Norm::Ws, Norm::Ccnet] {
                fold_fast(norm, &text, &mut out, &mut seps);
                let want = norm.to_string(&text);
                assert_eq!(String::from_utf8_lossy(&out), want, "{norm:?} {text:?}");
                let spaces: Vec<u32> =
                    want.bytes().enumerate().filter(|(_, b)| *b == b' ').map(|(i, _)| i as u32).collect();
                assert_eq!(seps, spaces, "{norm:?} {text:?}");
            }
        }
    }

    #[test]
    fn fast_fold_equals_norm_apply() {
        // Every ASCII byte and a set of awkward characters: upper/lower case that expands,
        // non-ASCII digits and spaces, punctuation, CJK, emoji.
        let pool: Vec<char> =
            (0u8..128).map(char::from).chain("éÉİẞß٣²\u{a0}\u{2003}\u{3000}—…“”中文😀ǅ\u{301}".chars()).collect();
        assert_fast_fold_matches(&pool, 17, 40);
    }

    #[test]
    fn fast_fold_equals_normalize_on_mostly_lower_case_text() {
        // Long runs of lower-case letters and single spaces take the eight-byte paths.
        let pool: Vec<char> = "abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz   A.\né".chars().collect();
        assert_fast_fold_matches(&pool, 5, 120);
    }

    #[test]
    fn set_is_sorted_and_unique() {
        let s = shingler(Norm::Ws, Unit::Word, 1);
        let set = s.set("b a b a c", &mut Scratch::default());
        assert_eq!(set.len(), 3);
        assert!(set.windows(2).all(|w| w[0] < w[1]));
    }
}
