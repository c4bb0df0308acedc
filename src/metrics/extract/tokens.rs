//! Tokenisation shared by the extraction metrics, matching the Python expressions the upstream
//! scorers use, so that counts agree token for token.
//!
//! - [`words`] is `re.findall(r'\w+', text)` on a Python `str`: a word character is `_` or a
//!   character whose general category is a letter (Lu, Ll, Lt, Lm, Lo) or a number (Nd, Nl, No).
//!   Unlike Rust's `char::is_alphanumeric` or the `regex` crate's `\w`, combining marks (Mn, Mc)
//!   are not word characters, so a decomposed accent splits a word, as it does upstream.
//! - white space is Python's `str.isspace` ([`crate::text::Space::Python`]).
//!
//! Character tables are those of the `unicode-general-category` crate (Unicode 16); upstream
//! figures were produced with Python 3.11 (Unicode 14). Only characters assigned between those
//! versions could tokenise differently.

use std::collections::HashMap;

use unicode_general_category::{GeneralCategory as G, get_general_category};

use crate::text::hash::PlainKeys;

/// Whether `c` matches Python's `\w` in a `str` pattern. Characters of the Basic Multilingual
/// Plane are looked up in a bit table made once from the category tables; others are looked up
/// in those tables directly.
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    let code = c as usize;
    match bmp_word_table().get(code / 64) {
        Some(bits) => bits >> (code % 64) & 1 == 1,
        None => is_word_category(c),
    }
}

/// One bit per character of the Basic Multilingual Plane: whether it is a word character.
fn bmp_word_table() -> &'static [u64] {
    static TABLE: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = vec![0u64; 0x1_0000 / 64];
        for code in 0..0x1_0000u32 {
            if let Some(c) = char::from_u32(code)
                && (if c.is_ascii() { c.is_ascii_alphanumeric() || c == '_' } else { is_word_category(c) })
                && let Some(bits) = table.get_mut(code as usize / 64)
            {
                *bits |= 1 << (code % 64);
            }
        }
        table
    })
}

/// Whether the general category of `c` makes it a word character (a letter or a number).
fn is_word_category(c: char) -> bool {
    matches!(
        get_general_category(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
            | G::DecimalNumber
            | G::LetterNumber
            | G::OtherNumber
    )
}

/// Whether each ASCII byte is a word character (`[0-9A-Za-z_]`).
const ASCII_WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize;
        b += 1;
    }
    table
};

/// The maximal runs of word characters in `text`, in order (`re.findall(r'\w+', text)`). ASCII
/// bytes are judged by a table; other characters are decoded and looked up.
pub fn words(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    // Whether the character at `i` is a word character, and its length in bytes.
    let at = |i: usize| -> Option<(bool, usize)> {
        let b = *bytes.get(i)?;
        if b < 0x80 {
            return Some((ASCII_WORD[usize::from(b)], 1));
        }
        let c = text.get(i..)?.chars().next()?;
        Some((is_word_char(c), c.len_utf8()))
    };
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        // Past the characters between words, then to the end of the word.
        while let Some((false, len)) = at(i) {
            i += len;
        }
        let start = i;
        while let Some((true, len)) = at(i) {
            i += len;
        }
        match text.get(start..i) {
            Some(w) if !w.is_empty() => out.push(w),
            _ => return out,
        }
    }
}

/// `text.to_lowercase()` (Python's `str.lower`: full case mappings), with ASCII runs lowered in
/// place even after the first other character, where the standard library maps every
/// remaining character one by one. Only capital sigma's mapping depends on its neighbours
/// (final `ς`), so a text that holds one is left to the standard library.
pub fn lowercase(text: &str) -> String {
    if text.contains('\u{3A3}') {
        return text.to_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let ascii = rest.bytes().position(|b| b >= 0x80).unwrap_or(rest.len());
        let (run, tail) = rest.split_at(ascii);
        let from = out.len();
        out.push_str(run);
        // Lowering ASCII letters keeps them one byte each, so the range stays valid UTF-8.
        if let Some(added) = out.get_mut(from..) {
            added.make_ascii_lowercase();
        }
        let mut chars = tail.chars();
        match chars.next() {
            Some(c) => out.extend(c.to_lowercase()),
            None => break,
        }
        rest = chars.as_str();
    }
    out
}

/// The distinct tokens of a text, each with a slot (0, 1, ... in order of first appearance),
/// found again by one xxh3 hash of the token and a comparison: gold texts are interned once and
/// every output's tokens looked up in them.
#[derive(Debug, Clone, Default)]
pub struct Vocab {
    /// Slot of the first token seen with each hash.
    by_hash: HashMap<u64, u32, PlainKeys>,
    /// The tokens, one after the other, and each slot's range in it.
    arena: String,
    spans: Vec<(usize, usize)>,
    /// Tokens whose hash an earlier token had (kept exact; in practice none).
    collided: HashMap<Box<str>, u32, PlainKeys>,
}

impl Vocab {
    /// The token of `slot`.
    fn token(&self, slot: u32) -> Option<&str> {
        let &(a, b) = self.spans.get(slot as usize)?;
        self.arena.get(a..b)
    }

    /// A new slot for `w`.
    fn push(&mut self, w: &str) -> u32 {
        let slot = self.spans.len() as u32;
        self.spans.push((self.arena.len(), self.arena.len() + w.len()));
        self.arena.push_str(w);
        slot
    }

    /// The slot of `w`, given a new one when `w` is new.
    pub fn intern(&mut self, w: &str) -> u32 {
        let h = xxhash_rust::xxh3::xxh3_64(w.as_bytes());
        match self.by_hash.get(&h) {
            None => {
                let slot = self.push(w);
                self.by_hash.insert(h, slot);
                slot
            }
            Some(&slot) if self.token(slot) == Some(w) => slot,
            Some(_) => match self.collided.get(w) {
                Some(&slot) => slot,
                None => {
                    let slot = self.push(w);
                    self.collided.insert(w.into(), slot);
                    slot
                }
            },
        }
    }

    /// The slot of `w`, if it was interned.
    pub fn get(&self, w: &str) -> Option<u32> {
        let slot = *self.by_hash.get(&xxhash_rust::xxh3::xxh3_64(w.as_bytes()))?;
        if self.token(slot) == Some(w) {
            return Some(slot);
        }
        if self.collided.is_empty() { None } else { self.collided.get(w).copied() }
    }
}

/// The mean of `values`, summed with Neumaier compensation so that it stays within an ulp or so
/// of the exact mean Python's `statistics.mean` returns; `None` for no values.
pub fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut m = Mean::default();
    for v in values {
        m.push(v);
    }
    m.get()
}

/// A [`mean`] taken one value at a time (several means gathered in one pass).
#[derive(Debug, Clone, Copy, Default)]
pub struct Mean {
    sum: f64,
    comp: f64,
    n: usize,
}

impl Mean {
    /// Adds a value.
    pub fn push(&mut self, v: f64) {
        let t = self.sum + v;
        self.comp += if self.sum.abs() >= v.abs() { (self.sum - t) + v } else { (v - t) + self.sum };
        self.sum = t;
        self.n += 1;
    }

    /// The mean of the values added; `None` for none.
    pub fn get(&self) -> Option<f64> {
        (self.n > 0).then(|| (self.sum + self.comp) / self.n as f64)
    }

    /// How many values were added.
    pub fn count(&self) -> usize {
        self.n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_punctuation_and_keep_unicode_letters() {
        assert_eq!(words("Hello, wörld_1! 3½ ÉTÉ"), vec!["Hello", "wörld_1", "3½", "ÉTÉ"]);
        assert_eq!(words("  ...  "), Vec::<&str>::new());
        assert_eq!(words("日本語のテキスト"), vec!["日本語のテキスト"]);
    }

    #[test]
    fn lowercase_is_the_standard_librarys() {
        let cases = [
            "",
            "Plain ASCII Text, With Punctuation!",
            "“Curly” quotes then ASCII AFTER them",
            "ÉTÉ À PARIS — Ünïcödé ẞ İstanbul",
            "ΟΔΥΣΣΕΥΣ ΣΑΣ Σ.Α ΑΣ.Β",
            "mixed 日本語 TEXT Ⅻ Ⓐ",
            "\u{130}\u{307}ABC\u{10400}XYZ",
        ];
        for c in cases {
            assert_eq!(lowercase(c), c.to_lowercase(), "{c:?}");
        }
        // Every character of the Basic Multilingual Plane and a stretch beyond, between ASCII.
        let all: String = (0..0x1_2000u32).filter_map(char::from_u32).flat_map(|c| [c, 'Q']).collect();
        let no_sigma: String = all.chars().filter(|&c| c != '\u{3A3}').collect();
        assert_eq!(lowercase(&no_sigma), no_sigma.to_lowercase());
    }

    #[test]
    fn the_bmp_table_agrees_with_the_categories() {
        for c in (0..0x1_1000u32).filter_map(char::from_u32).filter(|c| !c.is_ascii()) {
            assert_eq!(is_word_char(c), is_word_category(c), "{c:?}");
        }
    }

    #[test]
    fn combining_marks_split_words_as_in_python() {
        // "e" + COMBINING ACUTE ACCENT (Mn) is not one \w run in Python.
        assert_eq!(words("cafe\u{301} au"), vec!["cafe", "au"]);
        // Devanagari vowel sign (Mc) likewise.
        assert_eq!(words("हिंदी"), vec!["ह", "द"]);
    }

    /// The table-driven scan splits as judging every character by [`is_word_char`] does.
    #[test]
    fn words_agree_with_a_per_character_scan() {
        fn per_char(text: &str) -> Vec<&str> {
            let mut out = Vec::new();
            let mut start = None;
            for (i, c) in text.char_indices() {
                match (is_word_char(c), start) {
                    (true, None) => start = Some(i),
                    (false, Some(s)) => {
                        out.push(&text[s..i]);
                        start = None;
                    }
                    _ => {}
                }
            }
            if let Some(s) = start {
                out.push(&text[s..]);
            }
            out
        }
        let pieces = ["a", "Z9", "_", " ", ",", "é", "e\u{301}", "日本", "½", "-", "\u{1F600}", "\n", "ß"];
        let mut rng = crate::text::hash::SplitMix64::new(5);
        for _ in 0..500 {
            let len = (rng.next_u64() % 12) as usize;
            let text: String = (0..len).map(|_| pieces[(rng.next_u64() % pieces.len() as u64) as usize]).collect();
            assert_eq!(words(&text), per_char(&text), "{text:?}");
        }
    }

    #[test]
    fn vocab_gives_each_distinct_token_one_slot() {
        let mut v = Vocab::default();
        let slots: Vec<u32> = ["the", "cat", "the", "Cat", ""].iter().map(|w| v.intern(w)).collect();
        assert_eq!(slots, vec![0, 1, 0, 2, 3]);
        assert_eq!((v.get("cat"), v.get("Cat"), v.get(""), v.get("dog")), (Some(1), Some(2), Some(3), None));
    }

    #[test]
    fn mean_of_nothing_is_none() {
        assert_eq!(mean([]), None);
        assert_eq!(mean([1.0, 2.0, 4.0]), Some(7.0 / 3.0));
    }
}
