//! NAME (web content extraction benchmark) splits as distributed: `ground-truth/<id>.json` and
//! `html/<id>.html` (each file may be stored as `.gz`), e.g. its `dev/` folder.
//!
//! Per page, gold text is `ground_truth.main_content` (null is ""), snippets are
//! `ground_truth.with` / `ground_truth.without`, and the page type is `_internal.page_type.primary`
//! (or `_internal.page_type` when it is a string; "article" when absent; "category" is read as
//! "collection"), as upstream `load_ground_truth` reads them. Pages are in id order. Files that are
//! not JSON objects, or whose `ground_truth` is not an object, are reported and left out (upstream
//! skips the latter silently).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::Format;
use super::upstream::{PageSource, kind, read_pages, string_list, text_or_empty};
use crate::corpus::fingerprint::Fingerprint;
use crate::error::{Error, InputError};
use crate::io::read_stored;
use crate::model::{Dataset, ExtractGold, Family, Items, Scoring};

/// The format's name, recorded as the dataset's format.
pub const NAME: &str = "wcxb";

/// The format entry.
pub const FORMAT: Format = Format {
    name: NAME,
    task: crate::model::Task::Extract,
    named_by_folder: true,
    recognises,
    load,
    load_without_html: Some(load_without_html),
};

fn recognises(dir: &Path) -> bool {
    dir.join("ground-truth").is_dir() && dir.join("html").is_dir()
}

/// Page ids: the stems of `ground-truth/*.json` and `*.json.gz`, sorted, each once.
fn page_ids(gt_dir: &Path) -> Result<Vec<String>, Error> {
    let entries = std::fs::read_dir(gt_dir).map_err(|e| Error::io(gt_dir, e))?;
    let mut ids: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".json.gz").or_else(|| name.strip_suffix(".json"))?;
            (!stem.is_empty()).then(|| stem.to_string())
        })
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The page type as upstream `get_page_type` reads it.
fn page_type(doc: &Map<String, Value>) -> String {
    let pt = match doc.get("_internal").and_then(Value::as_object).and_then(|i| i.get("page_type")) {
        Some(Value::Object(o)) => match o.get("primary") {
            Some(Value::String(s)) => s.clone(),
            _ => "article".to_string(),
        },
        Some(Value::String(s)) => s.clone(),
        _ => "article".to_string(),
    };
    if pt == "category" { "collection".to_string() } else { pt }
}

/// Gold of one page from its parsed file.
fn gold_of(path: &Path, doc: &Value) -> Result<(ExtractGold, Option<String>), InputError> {
    let err = |field: &str, msg: String| InputError { field: Some(field.to_string()), ..InputError::file(path, msg) };
    let Value::Object(doc) = doc else {
        return Err(err("", format!("expected a JSON object, found {}", kind(doc))));
    };
    let gt = match doc.get("ground_truth") {
        Some(Value::Object(gt)) => gt,
        other => {
            let found = other.map_or("nothing", kind);
            return Err(err("ground_truth", format!("expected an object, found {found}")));
        }
    };
    let text = text_or_empty(gt.get("main_content")).map_err(|m| err("ground_truth.main_content", m))?;
    let with = string_list(gt.get("with")).map_err(|m| err("ground_truth.with", m))?;
    let without = string_list(gt.get("without")).map_err(|m| err("ground_truth.without", m))?;
    let url = doc.get("url").and_then(Value::as_str).map(str::to_string);
    Ok((ExtractGold { text: Some(text), with, without, page_type: Some(page_type(doc)) }, url))
}

fn load(dir: &Path) -> Result<Dataset, Error> {
    load_pages(dir, true)
}

fn load_without_html(dir: &Path) -> Result<Dataset, Error> {
    load_pages(dir, false)
}

fn load_pages(dir: &Path, keep_html: bool) -> Result<Dataset, Error> {
    let gt_dir = dir.join("ground-truth");
    let mut digest = Fingerprint::new();
    let mut issues = Vec::new();
    let mut sources = Vec::new();
    let mut gold_files = Vec::new();
    for id in page_ids(&gt_dir)? {
        let path: PathBuf = gt_dir.join(format!("{id}.json"));
        let bytes = match read_stored(&path) {
            Ok((stored, b)) => {
                gold_files.push((format!("ground-truth/{id}.json"), stored));
                b
            }
            Err(e) => {
                issues.push(e);
                continue;
            }
        };
        digest.add(&format!("ground-truth/{id}.json"), &bytes);
        let parsed = serde_json::from_slice::<Value>(&bytes)
            .map_err(|e| InputError::line(&path, e.line(), format!("malformed JSON at column {}: {e}", e.column())));
        match parsed.and_then(|doc| gold_of(&path, &doc)) {
            Ok((gold, url)) => {
                let html = vec![dir.join("html").join(format!("{id}.html"))];
                sources.push(PageSource { id, url, html, gold });
            }
            Err(e) => issues.push(e),
        }
    }
    let read = read_pages(dir, gold_files, digest, sources, keep_html, &mut issues);
    Ok(Dataset {
        name: FORMAT.dataset_name(dir),
        root: dir.to_path_buf(),
        format: NAME.to_string(),
        scoring: Scoring { families: vec![Family::Bow, Family::BowRates, Family::Pages], primary: "bow_f1".into() },
        fingerprint: read.fingerprint,
        items: Items::Extract { pages: read.pages, gold: read.gold },
        html_bytes: read.html_bytes,
        issues,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).unwrap_or_default()
    }

    #[test]
    fn page_type_follows_upstream_rules() {
        assert_eq!(page_type(&doc(r#"{"_internal": {"page_type": {"primary": "forum"}}}"#)), "forum");
        assert_eq!(page_type(&doc(r#"{"_internal": {"page_type": "category"}}"#)), "collection");
        assert_eq!(page_type(&doc(r#"{"_internal": null}"#)), "article");
        assert_eq!(page_type(&doc(r#"{"_internal": {"page_type": {"confidence": "x"}}}"#)), "article");
    }

    #[test]
    fn bad_gold_names_its_field() {
        let v: Value = serde_json::from_str(r#"{"ground_truth": {"main_content": 3}}"#).unwrap_or_default();
        let e = gold_of(Path::new("g/0001.json"), &v).err();
        assert_eq!(e.and_then(|e| e.field).as_deref(), Some("ground_truth.main_content"));
        let v: Value = serde_json::from_str(r#"{"ground_truth": {"main_content": null}}"#).unwrap_or_default();
        let g = gold_of(Path::new("g/0001.json"), &v).map(|(g, _)| g).unwrap_or_default();
        assert_eq!(g.text.as_deref(), Some(""));
    }
}
