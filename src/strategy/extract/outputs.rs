//! `outputs:PATH`: an "extractor" that returns texts saved by another system, so published or
//! externally computed outputs are scored by the same metrics and sit in the same table.
//!
//! The file is a JSON object (optionally gzip-compressed, by content or by a `.gz` name) keyed by
//! page id, as the datasets' loaders name pages (scrapinghub: the page hash; trafilatura-eval:
//! the URL key of `evaldata.json`; WCXB: the file id such as `0001`). A value is the text, or an
//! object with an `articleBody` text (scrapinghub's `output/*.json`); the whole map may be wrapped
//! as `{"output": {...}, "version": ...}`. A page without an entry, or whose entry is null or has
//! no text, fails (the runner scores it as an empty output, as the upstream scorers do). Nothing is
//! computed from the HTML, so its timings are meaningless.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, InputError};
use crate::model::Page;
use crate::strategy::{Extractor, ParamSpec, Params, StrategyError};

/// Parameters of `outputs`.
pub const PARAMS: &[ParamSpec] = &[ParamSpec {
    name: "path",
    default: "",
    help: "JSON file (or .gz) mapping page id -> text or {\"articleBody\": text}",
}];

/// Saved outputs, by page id.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    path: String,
    texts: HashMap<String, Result<String, String>>,
    version: Option<String>,
}

impl Outputs {
    /// Builds from spec parameters; an empty path builds an extractor that fails every page.
    pub fn new(params: &Params) -> Result<Outputs, Error> {
        let path = params.str("path")?;
        if path.is_empty() {
            return Ok(Outputs::default());
        }
        Outputs::from_file(Path::new(path))
    }

    /// Loads a file of saved outputs; when `path` does not exist, `path.gz` is tried.
    pub fn from_file(path: &Path) -> Result<Outputs, Error> {
        let gz = std::path::PathBuf::from(format!("{}.gz", path.display()));
        let path = if !path.exists() && gz.is_file() { gz.as_path() } else { path };
        let bytes = crate::io::read_file(path)?;
        let bytes = crate::io::gunzip_if_compressed(path, bytes)?;
        Outputs::parse(path, &bytes)
    }

    /// Parses the JSON of a file of saved outputs (`path` is for messages).
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Outputs, Error> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| InputError::line(path, e.line(), format!("malformed JSON at column {}: {e}", e.column())))?;
        let Value::Object(mut top) = value else {
            return Err(InputError::file(path, "expected a JSON object mapping page id to text").into());
        };
        let mut version = None;
        let wrapped = matches!(top.get("output"), Some(Value::Object(_)))
            && top.iter().all(|(k, v)| k == "output" || !v.is_object());
        if wrapped {
            version = top.get("version").and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
            if let Some(Value::Object(inner)) = top.remove("output") {
                top = inner;
            }
        }
        let texts = top.into_iter().map(|(id, v)| (id, text_of(v))).collect();
        Ok(Outputs { path: path.display().to_string(), texts, version })
    }

    /// The version recorded in a wrapped file, if any.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// True when the file had no entries (or no file was given).
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}

fn text_of(v: Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s),
        Value::Null => Err("the system gave no output (null)".into()),
        Value::Object(mut o) => match o.remove("articleBody") {
            Some(Value::String(s)) => Ok(s),
            Some(Value::Null) | None => Err("the system gave no articleBody".into()),
            Some(_) => Err("articleBody is not a string".into()),
        },
        _ => Err("entry is neither a text nor an object with articleBody".into()),
    }
}

impl Extractor for Outputs {
    fn name(&self) -> &str {
        "outputs"
    }

    fn reads_html(&self) -> bool {
        false
    }

    fn extract(&self, page: &Page) -> Result<String, StrategyError> {
        if self.path.is_empty() {
            return Err(StrategyError("no outputs file given (use outputs:PATH)".into()));
        }
        match self.texts.get(&page.id) {
            Some(Ok(text)) => Ok(text.clone()),
            Some(Err(why)) => Err(StrategyError(format!("{}: page `{}`: {why}", self.path, page.id))),
            None => Err(StrategyError(format!("{}: no output for page `{}`", self.path, page.id))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(id: &str) -> Page {
        Page { id: id.to_string(), html: String::new(), url: None }
    }

    fn parse(json: &str) -> Outputs {
        Outputs::parse(Path::new("out.json"), json.as_bytes()).unwrap_or_default()
    }

    #[test]
    fn plain_and_article_body_maps_are_read() {
        let o = parse(r#"{"a": "text a", "b": {"articleBody": "text b"}, "c": null, "d": {"url": "x"}}"#);
        assert_eq!(o.extract(&page("a")).ok().as_deref(), Some("text a"));
        assert_eq!(o.extract(&page("b")).ok().as_deref(), Some("text b"));
        assert!(o.extract(&page("c")).is_err());
        assert!(o.extract(&page("d")).is_err());
    }

    #[test]
    fn wrapped_map_is_unwrapped_with_its_version() {
        let o = parse(r#"{"output": {"p1": {"articleBody": "x"}}, "version": "2.0.0"}"#);
        assert_eq!((o.len(), o.version()), (1, Some("2.0.0")));
        assert_eq!(o.extract(&page("p1")).ok().as_deref(), Some("x"));
    }

    #[test]
    fn missing_page_is_a_page_failure_not_a_panic() {
        let o = parse(r#"{"a": "x"}"#);
        let err = o.extract(&page("zz")).err().map(|e| e.0).unwrap_or_default();
        assert!(err.contains("no output for page `zz`"), "{err}");
        assert!(Outputs::default().extract(&page("a")).is_err());
    }

    #[test]
    fn gzip_content_is_detected() {
        use std::io::Write;
        let dir = tempfile::tempdir().ok();
        let Some(dir) = dir else { return };
        let path = dir.path().join("o.json.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = enc.write_all(br#"{"a": "hello"}"#);
        let _ = std::fs::write(&path, enc.finish().unwrap_or_default());
        let o = Outputs::from_file(&path).unwrap_or_default();
        assert_eq!(o.extract(&page("a")).ok().as_deref(), Some("hello"));
    }

    #[test]
    fn a_non_object_file_is_an_input_error() {
        assert!(Outputs::parse(Path::new("o.json"), b"[1]").is_err());
        assert!(Outputs::parse(Path::new("o.json"), b"{").is_err());
    }
}
