//! Text normalisation before hashing, so that trivially different copies compare equal.
//!
//! - `none`: the text as it is.
//! - `ws`: leading and trailing white space dropped, inner runs folded to one space.
//! - `ccnet`: as CCNet's `normalize_for_dedup` (lower case, every digit -> `0`, punctuation,
//!   symbols and non-printing characters removed), plus the white-space folding of `ws`.

use crate::error::Error;

/// A normalisation mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// No change.
    None,
    /// White space folded.
    Ws,
    /// CCNet's dedup normalisation, white space folded.
    Ccnet,
}

impl Norm {
    /// Names accepted in specs.
    pub const CHOICES: &'static [&'static str] = &["none", "ws", "ccnet"];

    /// Parses a spec value (one of [`Norm::CHOICES`]).
    pub fn parse(s: &str) -> Result<Norm, Error> {
        match s {
            "none" => Ok(Norm::None),
            "ws" => Ok(Norm::Ws),
            "ccnet" => Ok(Norm::Ccnet),
            other => Err(Error::Spec(format!("unknown normalisation `{other}` (known: none, ws, ccnet)"))),
        }
    }

    /// Writes the normalised form of `text` into `out` (cleared first).
    pub fn apply(self, text: &str, out: &mut String) {
        out.clear();
        match self {
            Norm::None => out.push_str(text),
            Norm::Ws => fold(text.chars(), out),
            Norm::Ccnet => fold(text.chars().filter_map(ccnet_char), out),
        }
    }

    /// The normalised form of `text`.
    pub fn to_string(self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        self.apply(text, &mut out);
        out
    }
}

/// CCNet's per-character rule: lower case, digits to `0`, drop what is neither a letter, a
/// digit nor white space.
#[inline]
fn ccnet_char(c: char) -> Option<CharOrLower> {
    if c.is_ascii() {
        return match c {
            'A'..='Z' => Some(CharOrLower::One(c.to_ascii_lowercase())),
            'a'..='z' => Some(CharOrLower::One(c)),
            '0'..='9' => Some(CharOrLower::One('0')),
            c if c.is_ascii_whitespace() => Some(CharOrLower::One(' ')),
            _ => None,
        };
    }
    if c.is_whitespace() {
        Some(CharOrLower::One(' '))
    } else if c.is_numeric() {
        Some(CharOrLower::One('0'))
    } else if c.is_alphanumeric() {
        Some(CharOrLower::Lower(c))
    } else {
        None
    }
}

/// A character to emit, or one to emit lower-cased (which may expand to several).
enum CharOrLower {
    One(char),
    Lower(char),
}

/// Anything `fold` can take: plain chars, or CCNet's output.
trait Emit {
    fn emit(self, out: &mut String, pending_space: &mut bool);
}

impl Emit for char {
    #[inline]
    fn emit(self, out: &mut String, pending_space: &mut bool) {
        if self.is_whitespace() {
            *pending_space = true;
        } else {
            flush(out, pending_space);
            out.push(self);
        }
    }
}

impl Emit for CharOrLower {
    #[inline]
    fn emit(self, out: &mut String, pending_space: &mut bool) {
        match self {
            CharOrLower::One(c) => c.emit(out, pending_space),
            CharOrLower::Lower(c) => {
                flush(out, pending_space);
                out.extend(c.to_lowercase());
            }
        }
    }
}

#[inline]
fn flush(out: &mut String, pending_space: &mut bool) {
    if *pending_space && !out.is_empty() {
        out.push(' ');
    }
    *pending_space = false;
}

/// Trims and folds white-space runs to one space.
fn fold<E: Emit>(items: impl Iterator<Item = E>, out: &mut String) {
    let mut pending_space = false;
    for item in items {
        item.emit(out, &mut pending_space);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_folds_and_trims() {
        assert_eq!(Norm::Ws.to_string("  a \t b\n\nc  "), "a b c");
    }

    #[test]
    fn ccnet_lowercases_zeroes_digits_and_drops_punctuation() {
        assert_eq!(Norm::Ccnet.to_string("Hello, World! 2024 — ÉTÉ…"), "hello world 0000 été");
    }

    #[test]
    fn ccnet_makes_punctuation_and_spacing_variants_equal() {
        let a = "“Trade rose 26.3 percent,” officials said.";
        let b = "\"Trade rose 27.1 percent\" officials  said";
        assert_eq!(Norm::Ccnet.to_string(a), Norm::Ccnet.to_string(b));
    }

    #[test]
    fn none_keeps_text() {
        assert_eq!(Norm::None.to_string(" A "), " A ");
    }
}
