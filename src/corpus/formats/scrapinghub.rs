//! The scrapinghub article extraction benchmark as distributed: `ground-truth.json`
//! (`{id: {"articleBody": text, "url": url}}`) beside `html/<id>.html` (each file may be stored as
//! `.gz`).
//!
//! Gold text is `articleBody`; a missing or null body is "" (as upstream `evaluate.py` reads it).
//! Pages are in `ground-truth.json` order. The published system outputs under `output/` are not
//! read here: score them with the `outputs:PATH` extractor.

use std::path::Path;

use serde_json::Value;

use super::Format;
use super::upstream::{
    PageSource, entry_error, has_file, kind, ordered_object, read_pages, safe_component, text_or_empty,
};
use crate::corpus::fingerprint::Fingerprint;
use crate::error::Error;
use crate::io::read_stored;
use crate::model::{Dataset, ExtractGold, Family, Items, Scoring};

/// The format's name, recorded as the dataset's format.
pub const NAME: &str = "scrapinghub-aeb";

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
    has_file(dir, "ground-truth.json") && dir.join("html").is_dir()
}

fn load(dir: &Path) -> Result<Dataset, Error> {
    load_pages(dir, true)
}

fn load_without_html(dir: &Path) -> Result<Dataset, Error> {
    load_pages(dir, false)
}

fn load_pages(dir: &Path, keep_html: bool) -> Result<Dataset, Error> {
    let gold_path = dir.join("ground-truth.json");
    let (stored, bytes) = read_stored(&gold_path)?;
    let entries = ordered_object(&gold_path, &bytes)?;
    let mut digest = Fingerprint::new();
    digest.add("ground-truth.json", &bytes);
    let gold_files = vec![("ground-truth.json".to_string(), stored)];
    let mut issues = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut sources = Vec::with_capacity(entries.len());
    for (id, value) in entries {
        let err = |field: &str, msg: String| entry_error(&gold_path, &bytes, &id, field, msg);
        if !seen.insert(id.clone()) {
            issues.push(err("id", format!("duplicate id `{id}`; the later entry is left out")));
            continue;
        }
        if !safe_component(&format!("{id}.html")) {
            issues.push(err("id", format!("id `{id}` cannot name a file under html/")));
            continue;
        }
        let Value::Object(map) = &value else {
            issues.push(err("id", format!("entry `{id}`: expected an object, found {}", kind(&value))));
            continue;
        };
        let text = match text_or_empty(map.get("articleBody")) {
            Ok(t) => t,
            Err(m) => {
                issues.push(err("articleBody", format!("entry `{id}`: {m}")));
                continue;
            }
        };
        let url = match map.get("url") {
            Some(Value::String(u)) => Some(u.clone()),
            _ => None,
        };
        let html = vec![dir.join("html").join(format!("{id}.html"))];
        sources.push(PageSource { id, url, html, gold: ExtractGold { text: Some(text), ..ExtractGold::default() } });
    }
    let read = read_pages(dir, gold_files, digest, sources, keep_html, &mut issues);
    Ok(Dataset {
        name: FORMAT.dataset_name(dir),
        root: dir.to_path_buf(),
        format: NAME.to_string(),
        scoring: Scoring { families: vec![Family::Shingle, Family::Pages], primary: "shingle_f1".into() },
        fingerprint: read.fingerprint,
        items: Items::Extract { pages: read.pages, gold: read.gold },
        html_bytes: read.html_bytes,
        issues,
    })
}
