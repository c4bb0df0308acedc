//! Dolma's deduper regression fixtures (allenai/dolma `tests/data`), with upstream paths flattened
//! (`/` -> `__`): the provided documents (JSONL `{id, text, ...}`) and the expected output of
//! `dedupe.paragraphs` (JSONL `{id, attributes: {bff_duplicate_paragraph_spans: [[start, end,
//! score], ...]}}`), each plain or gzip-compressed.
//!
//! The expected spans become span gold, in char offsets as Dolma writes them. Dolma's span of a
//! document's last paragraph may end one character past the text (it counts a `"\n"` the text
//! does not have); such an end is clamped to the text length, and only that: any other
//! out-of-range span is an input error. The by-URL and n-gram fixtures are not loaded (URL
//! identity is not a text-duplication gold, and the n-gram mode is not implemented here).

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::Format;
use crate::corpus::fingerprint::fingerprint;
use crate::error::{Error, InputError};
use crate::io::jsonl::objects;
use crate::io::read_stored;
use crate::model::{Dataset, DedupGold, Doc, Family, Items, Scoring};
use crate::text::Spans;

/// The provided documents, as flattened from the upstream path.
pub const DOCUMENTS: &str = "tests__data__provided__deduper__documents__000.json";
/// The expected output of `dedupe.paragraphs`, as flattened from the upstream path.
pub const EXPECTED: &str = "tests__data__expected__dedupe-paragraphs.json";

/// The format entry.
pub const FORMAT: Format = Format {
    name: "dolma-fixtures",
    task: crate::model::Task::Dedup,
    named_by_folder: false,
    recognises,
    load,
    load_without_html: None,
};

fn exists(dir: &Path, name: &str) -> bool {
    dir.join(name).is_file() || dir.join(format!("{name}.gz")).is_file()
}

fn recognises(dir: &Path) -> bool {
    exists(dir, DOCUMENTS) && exists(dir, EXPECTED)
}

fn load(dir: &Path) -> Result<Dataset, Error> {
    let mut issues = Vec::new();
    let (docs_path, docs_bytes) = read_stored(&dir.join(DOCUMENTS))?;
    let (gold_path, gold_bytes) = read_stored(&dir.join(EXPECTED))?;
    let mut docs = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (line, map) in objects(&docs_path, docs_bytes.as_slice(), &mut issues) {
        let (Some(Value::String(id)), Some(Value::String(text))) = (map.get("id"), map.get("text")) else {
            issues.push(InputError::field(&docs_path, line, "id", "expected string fields `id` and `text`"));
            continue;
        };
        if index.contains_key(id) {
            issues.push(InputError::field(&docs_path, line, "id", format!("duplicate id `{id}`")));
            continue;
        }
        index.insert(id.clone(), docs.len());
        docs.push(Doc { id: id.clone(), text: text.clone() });
    }
    let lens: Vec<usize> = docs.iter().map(|d| d.text.chars().count()).collect();
    let mut spans: Vec<Spans> = vec![Spans::default(); docs.len()];
    for (line, map) in objects(&gold_path, gold_bytes.as_slice(), &mut issues) {
        let Some(&doc) = map.get("id").and_then(Value::as_str).and_then(|id| index.get(id)) else {
            issues.push(InputError::field(&gold_path, line, "id", "missing, or names no provided document"));
            continue;
        };
        let field = "attributes.bff_duplicate_paragraph_spans";
        let Some(list) = map.get("attributes").and_then(|a| a.get("bff_duplicate_paragraph_spans")) else {
            issues.push(InputError::field(&gold_path, line, field, "missing"));
            continue;
        };
        match parse_spans(list, lens[doc]) {
            Ok(s) => spans[doc] = s,
            Err(msg) => issues.push(InputError::field(&gold_path, line, field, msg)),
        }
    }
    let files: Vec<String> = [&docs_path, &gold_path].iter().map(|p| file_name(p.as_path())).collect();
    let fingerprint = fingerprint(dir, &files)?;
    Ok(Dataset {
        name: FORMAT.dataset_name(dir),
        root: dir.to_path_buf(),
        format: FORMAT.name.into(),
        scoring: Scoring { families: vec![Family::Span, Family::Removal], primary: "span_f1".into() },
        fingerprint,
        items: Items::Dedup { docs, gold: DedupGold { spans: Some(spans), ..DedupGold::default() } },
        html_bytes: None,
        issues,
    })
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// `[[start, end, score], ...]` -> sorted, merged char spans; an end one past the text is clamped.
pub fn parse_spans(v: &Value, char_len: usize) -> Result<Spans, String> {
    let Value::Array(items) = v else { return Err("expected an array of [start, end, score]".into()) };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let pair = item.as_array().filter(|a| a.len() >= 2).and_then(|a| Some((a[0].as_u64()?, a[1].as_u64()?)));
        let Some((start, end)) = pair else { return Err(format!("item {i}: expected [start, end, score]")) };
        let (start, mut end) = (start as usize, end as usize);
        if end == char_len + 1 {
            end = char_len;
        }
        if start >= end || end > char_len {
            return Err(format!("item {i}: span [{start}, {end}] is empty or outside the text's {char_len} chars"));
        }
        out.push(start..end);
    }
    Ok(Spans::new(out))
}
