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

use unicode_general_category::{GeneralCategory as G, get_general_category};

/// Whether `c` matches Python's `\w` in a `str` pattern.
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
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
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let (word, len) = if b < 0x80 {
            (ASCII_WORD[usize::from(b)], 1)
        } else {
            match text.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) => (is_word_char(c), c.len_utf8()),
                None => (false, 1),
            }
        };
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(&text[s..i]);
                start = None;
            }
            _ => {}
        }
        i += len;
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
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
    fn combining_marks_split_words_as_in_python() {
        // "e" + COMBINING ACUTE ACCENT (Mn) is not one \w run in Python.
        assert_eq!(words("cafe\u{301} au"), vec!["cafe", "au"]);
        // Devanagari vowel sign (Mc) likewise.
        assert_eq!(words("हिंदी"), vec!["ह", "द"]);
    }

    #[test]
    fn mean_of_nothing_is_none() {
        assert_eq!(mean([]), None);
        assert_eq!(mean([1.0, 2.0, 4.0]), Some(7.0 / 3.0));
    }
}
