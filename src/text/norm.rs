//! Text normalisation before hashing, so that trivially different copies compare equal.
//!
//! - `none`: the text as it is.
//! - `ws`: leading and trailing white space dropped, inner runs folded to one space.
//! - `ccnet`: as CCNet's `normalize_for_dedup` (lower case, every digit -> `0`, punctuation,
//!   symbols and non-printing characters removed), plus the white-space folding of `ws`.

use super::space::{Space, fold_into};
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
    #[inline]
    pub fn apply(self, text: &str, out: &mut String) {
        out.clear();
        match self {
            Norm::None => out.push_str(text),
            Norm::Ws => fold_into(text, Space::Unicode, out),
            Norm::Ccnet => ccnet(text, out),
        }
    }

    /// The normalised form of `text`.
    pub fn to_string(self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        self.apply(text, &mut out);
        out
    }
}

/// What CCNet's rule does with an ASCII byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ascii {
    Keep,
    Lower,
    Digit,
    Space,
    Drop,
}

const fn ascii_table() -> [Ascii; 128] {
    let mut t = [Ascii::Drop; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_lowercase() {
            Ascii::Keep
        } else if c.is_ascii_uppercase() {
            Ascii::Lower
        } else if c.is_ascii_digit() {
            Ascii::Digit
        } else if c.is_ascii_whitespace() || c == 0x0b {
            Ascii::Space
        } else {
            Ascii::Drop
        };
        b += 1;
    }
    t
}

static ASCII: [Ascii; 128] = ascii_table();

/// CCNet's rule (lower case, digits to `0`, drop what is neither a letter, a digit nor white
/// space) with white space folded; ASCII bytes go through a table, other characters through
/// Unicode properties.
fn ccnet(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    let mut pending_space = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            let class = ASCII[b as usize];
            match class {
                Ascii::Drop => continue,
                Ascii::Space => {
                    pending_space = true;
                    continue;
                }
                _ => {}
            }
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(match class {
                Ascii::Lower => b.to_ascii_lowercase() as char,
                Ascii::Digit => '0',
                _ => b as char,
            });
            continue;
        }
        let Some(c) = text[i..].chars().next() else { break };
        i += c.len_utf8();
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        let numeric = c.is_numeric();
        if !numeric && !c.is_alphanumeric() {
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        if numeric {
            out.push('0');
        } else {
            out.extend(c.to_lowercase());
        }
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
