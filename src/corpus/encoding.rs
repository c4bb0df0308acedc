//! Decoding a page's raw bytes to text the way a browser does when no HTTP header is known.
//!
//! The order follows the WHATWG HTML "determine the character encoding" steps for a file with no
//! transport-layer charset:
//! 1. a byte-order mark (UTF-8, UTF-16LE, UTF-16BE) wins;
//! 2. otherwise the first 1024 bytes are prescanned for `<meta charset>` or
//!    `<meta http-equiv="content-type" content="...; charset=...">` (UTF-16 labels mean UTF-8,
//!    `x-user-defined` means windows-1252, as the standard says);
//! 3. otherwise bytes that are valid UTF-8 are UTF-8 (what the detector below concludes for them
//!    too);
//! 4. otherwise a declaration later in the page, found by the same scan over the whole page, is
//!    used: a browser that started with a guessed (tentative) encoding switches to it when its
//!    tree builder meets that `<meta>` ("change the encoding"). Pages archived by the Wayback
//!    Machine, whose injected toolbar pushes the page's own `<meta>` past 1024 bytes, need this.
//!    Step 3 comes first on purpose: a late declaration that contradicts valid UTF-8 is wrong far
//!    more often than the bytes are, and a browser following it would show mojibake;
//! 5. otherwise the encoding is guessed from the bytes by `chardetng` (the detector Firefox uses),
//!    with UTF-8 allowed as a guess (as browsers do for local files) and the page's top-level
//!    domain as a hint when its URL is known.
//!
//! Labels are resolved with `encoding_rs` (the WHATWG Encoding Standard), and bytes that are
//! invalid in the chosen encoding become U+FFFD, as in a browser. This module does not look at
//! HTTP headers (none are stored with the pages), and its late scan, like the prescan, does not
//! know that `<script>` contents are not markup.

use std::collections::HashSet;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED};

use crate::text::hash::PlainKeys;

/// How many leading bytes the meta prescan looks at (the standard's figure).
const PRESCAN_BYTES: usize = 1024;

/// Which step decided the encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A byte-order mark.
    Bom,
    /// The `charset` of the HTTP `Content-Type` (a WARC response record's).
    Transport,
    /// A `<meta>` declaration in the first 1024 bytes.
    Meta,
    /// A `<meta>` declaration further into the page.
    LateMeta,
    /// Detection from the bytes (chardetng).
    Sniffed,
}

/// A decoded page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without a byte-order mark.
    pub text: String,
    /// The encoding used.
    pub encoding: &'static Encoding,
    /// How it was chosen.
    pub source: Source,
    /// Whether some bytes were invalid in that encoding (and became U+FFFD).
    pub had_errors: bool,
}

/// Decodes `raw` as a browser would; `url`, when known, lends its top-level domain to the
/// detector.
pub fn decode(raw: &[u8], url: Option<&str>) -> Decoded {
    decode_with_charset(raw, url, None)
}

/// [`decode`] with the charset an HTTP header declared, which ranks after a byte-order mark and
/// before any `<meta>`, as in browsers; a label the Encoding Standard does not know is ignored.
pub fn decode_with_charset(raw: &[u8], url: Option<&str>, charset: Option<&str>) -> Decoded {
    let transport = charset.and_then(|c| Encoding::for_label(c.trim().as_bytes()));
    let (encoding, source, body) = match (Encoding::for_bom(raw), transport) {
        (Some((enc, bom_len)), _) => (enc, Source::Bom, &raw[bom_len..]),
        (None, Some(enc)) => (enc, Source::Transport, raw),
        (None, None) => match prescan(raw) {
            Some(enc) => (enc, Source::Meta, raw),
            None if std::str::from_utf8(raw).is_ok() => (UTF_8, Source::Sniffed, raw),
            None => match scan(raw, raw.len()) {
                Some(enc) => (enc, Source::LateMeta, raw),
                None => (sniff(raw, url), Source::Sniffed, raw),
            },
        },
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    Decoded { text: text.into_owned(), encoding, source, had_errors }
}

/// The encoding chardetng guesses for `raw`.
fn sniff(raw: &[u8], url: Option<&str>) -> &'static Encoding {
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(raw, true);
    let tld = url.and_then(top_level_domain);
    detector.guess(tld.as_deref().map(str::as_bytes), Utf8Detection::Allow)
}

/// The rightmost label of a URL's host, lowercased, when it is plain ASCII (letters, digits,
/// hyphens) as the detector requires; `None` otherwise.
fn top_level_domain(url: &str) -> Option<String> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.starts_with('[') {
        return None; // an IPv6 literal has no domain
    }
    let host = host.split(':').next()?.trim_end_matches('.');
    let label = host.rsplit('.').next()?.to_ascii_lowercase();
    let plain = !label.is_empty() && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    plain.then_some(label)
}

fn is_space(b: u8) -> bool {
    matches!(b, 0x09 | 0x0A | 0x0C | 0x0D | 0x20)
}

/// The standard's "prescan a byte stream to determine its encoding", over the first 1024 bytes.
pub fn prescan(raw: &[u8]) -> Option<&'static Encoding> {
    scan(raw, PRESCAN_BYTES)
}

/// The prescan algorithm over the first `limit` bytes.
fn scan(raw: &[u8], limit: usize) -> Option<&'static Encoding> {
    let bytes = &raw[..raw.len().min(limit)];
    let mut pos = 0;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.starts_with(b"<!--") {
            // Up to the end of the first "-->" whose dashes come after the "<".
            let end = find(&bytes[pos + 2..], b"-->")?;
            pos += 2 + end + 3;
        } else if rest.len() >= 6 && rest[..5].eq_ignore_ascii_case(b"<meta") && (is_space(rest[5]) || rest[5] == b'/')
        {
            pos += 5;
            if let Some(enc) = meta_element(bytes, &mut pos)? {
                return Some(enc);
            }
        } else if rest.len() >= 2
            && (rest[1].is_ascii_alphabetic() || (rest[1] == b'/' && rest.get(2).is_some_and(u8::is_ascii_alphabetic)))
            && rest[0] == b'<'
        {
            // Any other tag: skip its name, then its attributes.
            pos += bytes[pos..].iter().position(|&b| is_space(b) || b == b'>')?;
            while attribute(bytes, &mut pos)?.is_some() {}
        } else if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            pos += bytes[pos..].iter().position(|&b| b == b'>')? + 1;
        } else {
            pos += 1;
        }
    }
    None
}

/// The attributes of one `<meta>` element, read from `pos`. Outer `None`: the prescan ran out of
/// bytes; inner `None`: this element declares no usable encoding.
fn meta_element(bytes: &[u8], pos: &mut usize) -> Option<Option<&'static Encoding>> {
    // A set, not a list: a `<meta>` with 200,000 attributes made the list quadratic.
    let mut seen: HashSet<Vec<u8>, PlainKeys> = HashSet::default();
    let mut got_pragma = false;
    let mut need_pragma: Option<bool> = None;
    let mut charset: Option<Option<&'static Encoding>> = None;
    while let Some((name, value)) = attribute(bytes, pos)? {
        if seen.contains(&name) {
            continue;
        }
        match name.as_slice() {
            b"http-equiv" => got_pragma |= value == b"content-type",
            b"content" if charset.is_none() => {
                if let Some(label) = charset_from_content(&value) {
                    charset = Some(Encoding::for_label(label));
                    need_pragma = Some(true);
                }
            }
            b"charset" if charset.is_none() => {
                charset = Some(Encoding::for_label(&value));
                need_pragma = Some(false);
            }
            _ => {}
        }
        seen.insert(name);
    }
    let usable = match need_pragma {
        None => false,
        Some(true) => got_pragma,
        Some(false) => true,
    };
    let Some(Some(enc)) = charset.filter(|_| usable) else {
        return Some(None);
    };
    Some(Some(if enc == UTF_16BE || enc == UTF_16LE {
        UTF_8
    } else if enc == X_USER_DEFINED {
        WINDOWS_1252
    } else {
        enc
    }))
}

/// An attribute's lowercased name and value.
type Attribute = (Vec<u8>, Vec<u8>);

/// The standard's "get an attribute": a lowercased name and value, or `None` at the tag's end.
/// Outer `None` when the bytes run out first.
fn attribute(bytes: &[u8], pos: &mut usize) -> Option<Option<Attribute>> {
    while is_space(*bytes.get(*pos)?) || bytes[*pos] == b'/' {
        *pos += 1;
    }
    if bytes[*pos] == b'>' {
        return Some(None);
    }
    let mut name = Vec::new();
    loop {
        let b = *bytes.get(*pos)?;
        if b == b'=' && !name.is_empty() {
            *pos += 1;
            break;
        }
        if is_space(b) {
            while is_space(*bytes.get(*pos)?) {
                *pos += 1;
            }
            if bytes[*pos] != b'=' {
                return Some(Some((name, Vec::new())));
            }
            *pos += 1;
            break;
        }
        if b == b'/' || b == b'>' {
            return Some(Some((name, Vec::new())));
        }
        name.push(b.to_ascii_lowercase());
        *pos += 1;
    }
    while is_space(*bytes.get(*pos)?) {
        *pos += 1;
    }
    let mut value = Vec::new();
    let first = bytes[*pos];
    if first == b'"' || first == b'\'' {
        loop {
            *pos += 1;
            let b = *bytes.get(*pos)?;
            if b == first {
                *pos += 1;
                return Some(Some((name, value)));
            }
            value.push(b.to_ascii_lowercase());
        }
    }
    if first == b'>' {
        return Some(Some((name, value)));
    }
    loop {
        let b = *bytes.get(*pos)?;
        if is_space(b) || b == b'>' {
            return Some(Some((name, value)));
        }
        value.push(b.to_ascii_lowercase());
        *pos += 1;
    }
}

/// The standard's "extract a character encoding from a meta element": the label after
/// `charset=` in a `content` value (already lowercased).
fn charset_from_content(content: &[u8]) -> Option<&[u8]> {
    let mut pos = 0;
    loop {
        pos += find(&content[pos..], b"charset")? + b"charset".len();
        while content.get(pos).is_some_and(|&b| is_space(b)) {
            pos += 1;
        }
        if content.get(pos) != Some(&b'=') {
            continue;
        }
        pos += 1;
        while content.get(pos).is_some_and(|&b| is_space(b)) {
            pos += 1;
        }
        let first = *content.get(pos)?;
        if first == b'"' || first == b'\'' {
            let len = content[pos + 1..].iter().position(|&b| b == first)?;
            return Some(&content[pos + 1..pos + 1 + len]);
        }
        let len = content[pos..].iter().position(|&b| is_space(b) || b == b';').unwrap_or(content.len() - pos);
        return Some(&content[pos..pos + len]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{ISO_8859_2, SHIFT_JIS, WINDOWS_1250};

    #[test]
    fn a_late_meta_with_two_hundred_thousand_attributes_is_read_once() {
        // Not UTF-8 (a lone 0xE9), so the late scan runs; 200,000 distinct attribute names.
        let mut page = b"<html><head><title>caf\xe9</title>".to_vec();
        page.extend(std::iter::repeat_n(&b"<!-- padding -->"[..], 100).flatten());
        page.extend_from_slice(b"<meta ");
        for i in 0..200_000 {
            page.extend_from_slice(format!("a{i} ").as_bytes());
        }
        page.extend_from_slice(b"charset=windows-1251></head><body>x</body></html>");
        let d = decode(&page, None);
        assert_eq!((d.encoding, d.source), (encoding_rs::WINDOWS_1251, Source::LateMeta));
    }

    #[test]
    fn bom_wins_over_meta() {
        let raw = b"\xEF\xBB\xBF<meta charset=iso-8859-2>caf\xC3\xA9";
        let d = decode(raw, None);
        assert_eq!((d.encoding, d.source), (UTF_8, Source::Bom));
        assert!(d.text.ends_with("café") && !d.text.starts_with('\u{FEFF}'));
    }

    #[test]
    fn meta_charset_is_honoured() {
        // 0xE9 is é in windows-1252 (the decoder behind the iso-8859-1 label).
        let d = decode(b"<html><head><meta charset=\"ISO-8859-1\"></head>caf\xE9", None);
        assert_eq!((d.encoding, d.source), (WINDOWS_1252, Source::Meta));
        assert!(d.text.ends_with("café"));
    }

    #[test]
    fn http_equiv_needs_the_pragma() {
        let with = b"<meta http-equiv=Content-Type content='text/html; charset=windows-1250'>";
        assert_eq!(prescan(with), Some(WINDOWS_1250));
        let without = b"<meta content='text/html; charset=windows-1250'>";
        assert_eq!(prescan(without), None);
    }

    #[test]
    fn declarations_in_comments_and_other_tags_are_skipped() {
        let raw = b"<!-- <meta charset=shift_jis> --><div title='<meta charset=big5>'><meta charset=iso-8859-2>";
        assert_eq!(prescan(raw), Some(ISO_8859_2));
        assert_eq!(prescan(b"<!--> <meta charset=shift_jis>"), Some(SHIFT_JIS));
    }

    #[test]
    fn utf16_and_x_user_defined_labels_are_replaced() {
        assert_eq!(prescan(b"<meta charset=utf-16le>"), Some(UTF_8));
        assert_eq!(prescan(b"<meta charset=x-user-defined>"), Some(WINDOWS_1252));
    }

    #[test]
    fn declaration_past_1024_bytes_is_not_seen() {
        let mut raw = vec![b' '; 1100];
        raw.extend_from_slice(b"<meta charset=iso-8859-2>");
        assert_eq!(prescan(&raw), None);
    }

    #[test]
    fn late_declaration_beats_sniffing() {
        let mut raw = b"<html><head><script src=a.js charset=utf-8></script>".to_vec();
        raw.extend(vec![b' '; 1100]);
        raw.extend_from_slice(b"<meta http-equiv=content-type content='text/html; charset=iso-8859-2'>\xB1");
        let d = decode(&raw, None);
        assert_eq!((d.encoding, d.source), (ISO_8859_2, Source::LateMeta));
        assert!(d.text.ends_with('ą'));
        // Valid UTF-8 is not overridden by a late declaration.
        let mut utf8 = vec![b' '; 1100];
        utf8.extend_from_slice("<meta charset=iso-8859-1>Grüße".as_bytes());
        let d = decode(&utf8, None);
        assert_eq!((d.encoding, d.text.ends_with("Grüße")), (UTF_8, true));
    }

    #[test]
    fn undeclared_bytes_are_sniffed() {
        let utf8 = "<p>Grüße aus Köln, schöne Straße</p>".as_bytes();
        let d = decode(utf8, None);
        assert_eq!((d.encoding, d.source, d.had_errors), (UTF_8, Source::Sniffed, false));
        let (latin, _, _) = WINDOWS_1252.encode("<p>Grüße aus Köln, schöne Straße, Übermaß an Größe</p>");
        let d = decode(&latin, Some("https://www.example.de/page"));
        assert_eq!(d.encoding, WINDOWS_1252);
        assert!(d.text.contains("Grüße aus Köln"));
    }

    #[test]
    fn top_level_domain_is_plain_ascii_or_nothing() {
        assert_eq!(top_level_domain("https://user@www.Example.DE:8080/x?y").as_deref(), Some("de"));
        assert_eq!(top_level_domain("http://[::1]/"), None);
        assert_eq!(top_level_domain("https://例え.テスト/"), None);
    }

    #[test]
    fn truncated_markup_does_not_panic() {
        for raw in [&b"<meta"[..], b"<meta ", b"<meta charset", b"<meta charset='utf", b"<!--", b"<a href", b"<"] {
            let _ = decode(raw, None);
        }
    }
}
