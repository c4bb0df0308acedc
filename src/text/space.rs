//! White space: what counts as a space, and the one folder that trims a text and folds each run
//! of spaces to a single U+0020.
//!
//! Two classes exist because two communities define white space differently:
//! - [`Space::Unicode`]: the Unicode White_Space property (Rust's `char::is_whitespace`), used by
//!   the `ws` and `ccnet` normalisations of the deduplicators;
//! - [`Space::Python`]: Python's `str.isspace` (and `\s` in a `str` pattern), which adds the
//!   separators U+001C..U+001F; the extraction scorers use it to agree with their Python
//!   originals token for token.

/// Which characters are white space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    /// Unicode White_Space.
    Unicode,
    /// Python's `str.isspace`: Unicode White_Space plus U+001C..U+001F.
    Python,
}

/// Whether `c` is white space of `class`.
#[inline]
pub fn is_space(c: char, class: Space) -> bool {
    c.is_whitespace() || (class == Space::Python && ('\u{1C}'..='\u{1F}').contains(&c))
}

/// Per ASCII byte: bit 0 set when it is Unicode white space, bit 1 when it is Python's.
static ASCII_SPACE: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let unicode = b == b' ' as usize || (b >= 0x09 && b <= 0x0D);
        let python = unicode || (b >= 0x1C && b <= 0x1F);
        t[b] = unicode as u8 | (python as u8) << 1;
        b += 1;
    }
    t
};

/// Whether the ASCII byte `b` is white space of the class (`b < 0x80`).
#[inline(always)]
fn ascii_space<const PYTHON: bool>(b: u8) -> bool {
    ASCII_SPACE[b as usize] & if PYTHON { 2 } else { 1 } != 0
}

/// Appends `text` to `out` with leading and trailing white space dropped and every inner run
/// folded to one space (Python's `re.sub(r'\s+', ' ', text).strip()` for [`Space::Python`]).
/// Runs of other ASCII bytes are copied whole.
#[inline]
pub fn fold_into(text: &str, class: Space, out: &mut String) {
    match class {
        Space::Unicode => fold_impl::<false>(text, out),
        Space::Python => fold_impl::<true>(text, out),
    }
}

/// The folded form of `text` (see [`fold_into`]).
pub fn fold(text: &str, class: Space) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, class, &mut out);
    out
}

#[inline]
fn fold_impl<const PYTHON: bool>(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    // `out` may already hold text: a space is only written between two non-space runs of this call.
    let base = out.len();
    let mut pending_space = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if ascii_space::<PYTHON>(b) {
                pending_space = true;
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i] < 0x80 && !ascii_space::<PYTHON>(bytes[i]) {
                i += 1;
            }
            if pending_space && out.len() > base {
                out.push(' ');
            }
            pending_space = false;
            out.push_str(&text[start..i]);
            continue;
        }
        let Some(c) = text[i..].chars().next() else { break };
        i += c.len_utf8();
        if c.is_whitespace() {
            pending_space = true;
        } else {
            if pending_space && out.len() > base {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_class_matches_sub_and_strip() {
        assert_eq!(fold("  a \t\n b\u{a0}\u{1f}c  ", Space::Python), "a b c");
        assert_eq!(fold("\n\n", Space::Python), "");
        // U+200B ZERO WIDTH SPACE is not white space in Python.
        assert_eq!(fold("a\u{200b}b", Space::Python), "a\u{200b}b");
    }

    #[test]
    fn unicode_class_keeps_information_separators() {
        assert_eq!(fold("a\u{1f}b \u{2003} c", Space::Unicode), "a\u{1f}b c");
    }

    #[test]
    fn unicode_class_agrees_with_split_whitespace() {
        let text = "\u{a0}a\u{2003}b\x0bc\u{85}d  é\u{3000}";
        let expected: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(fold(text, Space::Unicode), expected.join(" "));
    }

    #[test]
    fn is_space_follows_the_class() {
        assert!(is_space('\u{1c}', Space::Python) && !is_space('\u{1c}', Space::Unicode));
        assert!(is_space('\u{3000}', Space::Unicode) && is_space('\u{3000}', Space::Python));
    }
}
