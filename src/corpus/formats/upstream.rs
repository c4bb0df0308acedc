//! Pieces shared by the upstream extraction-benchmark loaders: JSON objects read in file order,
//! the line a key sits on (for error messages), and reading and decoding the pages of a dataset.
//!
//! Nothing here knows a particular benchmark's layout; each format module decides which files
//! hold gold and pages.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::corpus::encoding;
use crate::corpus::fingerprint::{self, Fingerprint, relative_name};
use crate::error::InputError;
use crate::io::read_stored;
use crate::model::{ExtractGold, Page};

/// The entries of a JSON object in the order the file gives them.
struct Entries(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Ordered;
        impl<'de> Visitor<'de> for Ordered {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    out.push(entry);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(Ordered)
    }
}

/// Parses `bytes` (read from `path`) as one JSON object and returns its entries in file order.
pub fn ordered_object(path: &Path, bytes: &[u8]) -> Result<Vec<(String, Value)>, InputError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice::<Entries>(bytes).map(|e| e.0).map_err(|e| {
        let msg = format!("malformed JSON at column {}: {e}", e.column());
        if e.line() > 0 { InputError::line(path, e.line(), msg) } else { InputError::file(path, msg) }
    })
}

/// The 1-based line on which `"key":` first appears in `bytes`, when it can be found.
pub fn line_of_key(bytes: &[u8], key: &str) -> Option<usize> {
    let quoted = serde_json::to_string(key).ok()?;
    let needle = quoted.as_bytes();
    let mut from = 0;
    while let Some(at) = bytes.get(from..)?.windows(needle.len()).position(|w| w == needle) {
        let start = from + at;
        let after = &bytes[start + needle.len()..];
        let next = after.iter().find(|b| !b.is_ascii_whitespace());
        if next == Some(&b':') {
            return Some(bytes[..start].iter().filter(|&&b| b == b'\n').count() + 1);
        }
        from = start + 1;
    }
    None
}

/// An error about `field` of the entry `key` in a JSON object file.
pub fn entry_error(path: &Path, bytes: &[u8], key: &str, field: &str, msg: impl Into<String>) -> InputError {
    InputError { line: line_of_key(bytes, key), field: Some(field.to_string()), ..InputError::file(path, msg) }
}

/// `name` or `name.gz` is a file in `dir`.
pub fn has_file(dir: &Path, name: &str) -> bool {
    dir.join(name).is_file() || dir.join(format!("{name}.gz")).is_file()
}

/// The dataset name for a folder: its last path component.
pub fn folder_name(dir: &Path, fallback: &str) -> String {
    dir.canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| fallback.to_string())
}

/// A file name taken from a gold file is usable as one path component (no separators, not `.`
/// or `..`), so it cannot reach outside the dataset folder.
pub fn safe_component(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// A text gold value: a string, or `null`/absent as "" (as the upstream scorers
/// do); anything else is an error message.
pub fn text_or_empty(v: Option<&Value>) -> Result<String, String> {
    match v {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("expected a string, found {}", kind(other))),
    }
}

/// Reads a list of strings; `null`/absent is an empty list.
pub fn string_list(v: Option<&Value>) -> Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!("item {i}: expected a string, found {}", kind(other))),
            })
            .collect(),
        Some(other) => Err(format!("expected an array of strings, found {}", kind(other))),
    }
}

pub use crate::io::jsonl::type_name as kind;

/// One page to read: its id, URL, gold, and the upstream paths its HTML may be at (the first
/// that exists, plain or `.gz`, is read).
pub struct PageSource {
    /// Page id.
    pub id: String,
    /// Page URL, when the gold gives it (also a hint to the encoding detector).
    pub url: Option<String>,
    /// Candidate HTML paths, in order of preference.
    pub html: Vec<PathBuf>,
    /// The page's gold.
    pub gold: ExtractGold,
}

/// One page's HTML as read: its fingerprint name, raw bytes, and decoded text (or, when the
/// text is not kept, only its length).
type ReadPage = (String, Vec<u8>, Result<String, usize>);

/// The pages of a dataset as read, aligned with their gold, and the dataset's figures.
pub struct PagesRead {
    /// The pages, in source order; without their HTML when it was not kept.
    pub pages: Vec<Page>,
    /// Their gold.
    pub gold: Vec<ExtractGold>,
    /// sha256 over the gold files and the pages' HTML files, in that order.
    pub fingerprint: String,
    /// Bytes of the decoded HTML when the pages do not hold it.
    pub html_bytes: Option<u64>,
}

/// Reads the pages of `sources`. `digest` has taken the gold files, `gold_files` (their
/// fingerprint names and paths as stored); each page's HTML is added after them, in source
/// order. With `keep_html` false the pages hold no HTML (nothing of the run reads it): the
/// fingerprint and the decoded size then come from the cache of the folder's figures while no
/// file has changed ([`fingerprint::cached_pages`]), else from reading every page as usual. A
/// page whose HTML cannot be read is reported in `issues` and left out.
pub fn read_pages(
    root: &Path,
    gold_files: Vec<(String, PathBuf)>,
    mut digest: Fingerprint,
    sources: Vec<PageSource>,
    keep_html: bool,
    issues: &mut Vec<InputError>,
) -> PagesRead {
    let mut cache_key = None;
    if !keep_html {
        // Each page's HTML file as the full read below would find it (the first candidate
        // stored), when every page has one.
        let found: Option<Vec<(String, PathBuf)>> = sources
            .iter()
            .map(|src| {
                src.html.iter().find_map(|c| crate::io::find_stored(c).ok().map(|p| (relative_name(root, c), p)))
            })
            .collect();
        if let Some(html_files) = found {
            let mut files = gold_files;
            files.extend(html_files);
            match fingerprint::cached_pages(root, &files) {
                Some((_, Some(figures))) => {
                    let (pages, gold) = sources
                        .into_iter()
                        .map(|src| (Page { id: src.id, html: String::new(), url: src.url }, src.gold))
                        .unzip();
                    return PagesRead {
                        pages,
                        gold,
                        fingerprint: figures.sha256,
                        html_bytes: Some(figures.html_bytes),
                    };
                }
                Some((key, None)) => cache_key = Some(key),
                None => {}
            }
        }
    }
    let read: Vec<Result<ReadPage, InputError>> = sources
        .par_iter()
        .map(|src| {
            let mut last_err = None;
            for candidate in &src.html {
                match read_stored(candidate) {
                    Ok((_, raw)) => {
                        let text = encoding::decode(&raw, src.url.as_deref()).text;
                        let text = if keep_html { Ok(text) } else { Err(text.len()) };
                        return Ok((relative_name(root, candidate), raw, text));
                    }
                    Err(e) => last_err = Some(e),
                }
            }
            let tried: Vec<String> = src.html.iter().map(|p| relative_name(root, p)).collect();
            let msg = format!("page `{}`: no HTML file (tried {}, each also as .gz)", src.id, tried.join(", "));
            let path = last_err.map_or_else(|| root.to_path_buf(), |e| e.path);
            Err(InputError::file(&path, msg))
        })
        .collect();
    let mut pages = Vec::with_capacity(sources.len());
    let mut gold = Vec::with_capacity(sources.len());
    let (mut html_bytes, mut unread) = (0u64, 0usize);
    for (src, r) in sources.into_iter().zip(read) {
        match r {
            Ok((name, raw, text)) => {
                digest.add(&name, &raw);
                let html = text.unwrap_or_else(|len| {
                    html_bytes += len as u64;
                    String::new()
                });
                pages.push(Page { id: src.id, html, url: src.url });
                gold.push(src.gold);
            }
            Err(e) => {
                unread += 1;
                issues.push(e);
            }
        }
    }
    let fingerprint = digest.finish();
    if let (Some(key), 0) = (cache_key, unread) {
        fingerprint::cache_pages(root, &key, &fingerprint::PagesFigures { sha256: fingerprint.clone(), html_bytes });
    }
    PagesRead { pages, gold, fingerprint, html_bytes: (!keep_html).then_some(html_bytes) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_entries_keep_file_order() {
        let e = ordered_object(Path::new("x.json"), br#"{"b": 1, "a": {"z": 2}, "c": null}"#).unwrap_or_default();
        let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, vec!["b", "a", "c"]);
    }

    #[test]
    fn malformed_json_names_its_line() {
        let err = ordered_object(Path::new("g.json"), b"{\n\"a\": 1,\n\"b\" 2}").err();
        assert_eq!(err.and_then(|e| e.line), Some(3));
        assert!(ordered_object(Path::new("g.json"), b"[1, 2]").is_err());
    }

    #[test]
    fn keys_are_found_on_their_line() {
        let bytes = b"{\n  \"a\": {\"id\": \"b\"},\n  \"b\": 1\n}";
        assert_eq!(line_of_key(bytes, "b"), Some(3));
        assert_eq!(line_of_key(bytes, "zz"), None);
    }

    #[test]
    fn unsafe_file_names_are_refused() {
        assert!(safe_component("page.html"));
        for bad in ["", ".", "..", "../x", "a/b", "a\\b"] {
            assert!(!safe_component(bad), "{bad}");
        }
    }
}
