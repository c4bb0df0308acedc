//! The trafilatura evaluation set as distributed in its `tests/` folder: `evaldata.json`
//! (`{url: {"file": name, "with": [snippet], "without": [snippet], ...metadata}}`) and the raw
//! pages under `cache/` and `eval/` (each file may be stored as `.gz`).
//!
//! A page's id and URL are its `evaldata.json` key; its HTML is looked up under `cache/` first,
//! then `eval/`, as upstream `resolve` does. Pages are decoded as a browser would
//! ([`crate::corpus::encoding`]), with the URL's top-level domain as a hint: some are not UTF-8.
//! Gold is the two snippet lists; there is no gold main text. As upstream `validate` requires,
//! every snippet must be non-empty after white-space folding; an entry breaking that is reported
//! and left out (upstream refuses the whole corpus). Metadata fields are not read.

use std::path::Path;

use serde_json::Value;

use super::Format;
use super::upstream::{
    PageSource, entry_error, has_file, kind, ordered_object, read_pages, safe_component, string_list,
};
use crate::corpus::fingerprint::Fingerprint;
use crate::error::Error;
use crate::io::read_stored;
use crate::model::{Dataset, ExtractGold, Family, Items, Scoring};
use crate::text::space::{Space, fold};

/// The format's name, recorded as the dataset's format.
pub const NAME: &str = "trafilatura-eval";

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
    has_file(dir, "evaldata.json") && (dir.join("eval").is_dir() || dir.join("cache").is_dir())
}

fn load(dir: &Path) -> Result<Dataset, Error> {
    load_pages(dir, true)
}

fn load_without_html(dir: &Path) -> Result<Dataset, Error> {
    load_pages(dir, false)
}

fn load_pages(dir: &Path, keep_html: bool) -> Result<Dataset, Error> {
    let gold_path = dir.join("evaldata.json");
    let (stored, bytes) = read_stored(&gold_path)?;
    let entries = ordered_object(&gold_path, &bytes)?;
    let mut digest = Fingerprint::new();
    digest.add("evaldata.json", &bytes);
    let gold_files = vec![("evaldata.json".to_string(), stored)];
    let mut issues = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut sources = Vec::with_capacity(entries.len());
    for (url, value) in entries {
        let err = |field: &str, msg: String| entry_error(&gold_path, &bytes, &url, field, msg);
        if !seen.insert(url.clone()) {
            issues.push(err("id", format!("duplicate key `{url}`; the later entry is left out")));
            continue;
        }
        let Value::Object(map) = &value else {
            issues.push(err("id", format!("entry `{url}`: expected an object, found {}", kind(&value))));
            continue;
        };
        let file = match map.get("file") {
            Some(Value::String(f)) if safe_component(f) => f.clone(),
            Some(Value::String(f)) => {
                issues.push(err("file", format!("entry `{url}`: `{f}` is not a plain file name")));
                continue;
            }
            other => {
                let found = other.map_or("nothing", kind);
                issues.push(err("file", format!("entry `{url}`: expected a file name, found {found}")));
                continue;
            }
        };
        let mut lists = Vec::with_capacity(2);
        for field in ["with", "without"] {
            match string_list(map.get(field)) {
                Ok(list) if list.iter().any(|s| fold(s, Space::Python).is_empty()) => {
                    issues.push(err(field, format!("entry `{url}`: a snippet is empty or only white space")));
                }
                Ok(list) => lists.push(list),
                Err(m) => issues.push(err(field, format!("entry `{url}`: {m}"))),
            }
        }
        let [with, without]: [Vec<String>; 2] = match lists.try_into() {
            Ok(pair) => pair,
            Err(_) => continue,
        };
        let html = vec![dir.join("cache").join(&file), dir.join("eval").join(&file)];
        let gold = ExtractGold { text: None, with, without, page_type: None };
        sources.push(PageSource { id: url.clone(), url: Some(url), html, gold });
    }
    let read = read_pages(dir, gold_files, digest, sources, keep_html, &mut issues);
    Ok(Dataset {
        name: FORMAT.dataset_name(dir),
        root: dir.to_path_buf(),
        format: NAME.to_string(),
        scoring: Scoring { families: vec![Family::Snippet, Family::Pages], primary: "snippet_f1".into() },
        fingerprint: read.fingerprint,
        items: Items::Extract { pages: read.pages, gold: read.gold },
        html_bytes: read.html_bytes,
        issues,
    })
}
