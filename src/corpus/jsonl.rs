//! The project's own format: `docs.jsonl` and `gold.jsonl`, one JSON object a line.
//!
//! - docs (dedup): `{"id": str, "text": str}`
//! - docs (extract): `{"id": str, "html": str}` or `{"id": str, "html_path": str}`, `"url": str` optional
//! - gold: `{"id": str, "cluster": str|int?, "dup_spans": [[start, end], ...]?, "text": str?,
//!   "with": [str]?, "without": [str]?, "page_type": str?}`
//!
//! Span offsets are Unicode scalar (char) offsets, half-open. Every problem is reported with file,
//! line and field; the record it concerns is left out and loading goes on.
//!
//! Dedup documents are read one line at a time straight into [`Doc`]s (no JSON tree, no list of
//! parsed lines), so loading holds little more than the texts themselves.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::InputError;
use crate::io::jsonl::{objects, type_name as kind};
use crate::io::open_stored;
use crate::model::{DedupGold, Doc, ExtractGold, Items, Page, Task};
use crate::text::Spans;

/// One record being read: its file and line, for errors.
struct Rec<'a> {
    path: &'a Path,
    line: usize,
    map: &'a Map<String, Value>,
}

impl<'a> Rec<'a> {
    fn err(&self, field: &str, msg: impl Into<String>) -> InputError {
        InputError::field(self.path, self.line, field, msg)
    }

    fn opt_str(&self, field: &str) -> Result<Option<&'a str>, InputError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.err(field, format!("expected a string, found {}", kind(other)))),
        }
    }

    fn req_str(&self, field: &str) -> Result<&'a str, InputError> {
        self.opt_str(field)?.ok_or_else(|| self.err(field, "missing required field"))
    }

    fn id(&self) -> Result<&'a str, InputError> {
        let id = self.req_str("id")?;
        if id.is_empty() {
            return Err(self.err("id", "must not be empty"));
        }
        Ok(id)
    }

    fn str_list(&self, field: &str) -> Result<Vec<String>, InputError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(self.err(field, format!("item {i}: expected a string, found {}", kind(other)))),
                })
                .collect(),
            Some(other) => Err(self.err(field, format!("expected an array of strings, found {}", kind(other)))),
        }
    }
}

/// Loads documents or pages and gold from `root` for a dataset of `task`.
pub fn load(root: &Path, task: Task, allow_outside: bool, errors: &mut Vec<InputError>) -> Items {
    let (docs_path, docs) = match open_stored(&root.join("docs.jsonl")) {
        Ok(opened) => opened,
        Err(e) => {
            errors.push(e);
            return empty(task);
        }
    };
    let gold = read_gold(root, errors);
    match task {
        Task::Dedup => {
            let (docs, index) = read_docs(&docs_path, docs, errors);
            load_dedup(&docs_path, docs, &index, gold, errors)
        }
        Task::Extract => {
            let objs = objects(&docs_path, docs, errors);
            load_extract(root, allow_outside, &docs_path, &objs, gold, errors)
        }
    }
}

/// The objects of `gold.jsonl` (or `.gz`), when there is one.
fn read_gold(root: &Path, errors: &mut Vec<InputError>) -> Option<(PathBuf, Objects)> {
    let gold_path = root.join("gold.jsonl");
    match open_stored(&gold_path) {
        Ok((path, reader)) => {
            let objs = objects(&path, reader, errors);
            Some((path, objs))
        }
        Err(_) if crate::io::find_stored(&gold_path).is_err() => None,
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// A dedup document line in the form nearly every line has: read straight into its fields,
/// with no JSON tree (unknown fields are skipped).
#[derive(serde::Deserialize)]
struct DocLine {
    id: String,
    text: String,
}

/// Ids of the documents read so far: where each was first seen and its index.
type DocIndex = HashMap<String, (usize, usize)>;

/// Reads dedup documents one line at a time, keeping only the documents. A line that is not a
/// plain `{"id": string, "text": string, ...}` goes through the JSON tree for its exact error
/// (or is accepted there, as with a repeated key); duplicate ids keep the first.
fn read_docs(path: &Path, input: impl std::io::BufRead, errors: &mut Vec<InputError>) -> (Vec<Doc>, DocIndex) {
    let mut reader = crate::io::jsonl::Reader::new(path, input);
    let mut docs = Vec::new();
    let mut index: DocIndex = HashMap::new();
    while let Some(line) = reader.next_line() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let doc = match serde_json::from_slice::<DocLine>(reader.raw()) {
            Ok(d) if !d.id.is_empty() => Ok(Doc { id: d.id, text: d.text }),
            _ => reader.parse().and_then(|(line, map)| {
                let rec = Rec { path, line, map: &map };
                Ok(Doc { id: rec.id()?.to_string(), text: rec.req_str("text")?.to_string() })
            }),
        };
        let doc = match doc {
            Ok(doc) => doc,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match index.entry(doc.id.clone()) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let msg = format!("duplicate id `{}` (first on line {})", doc.id, first.get().0);
                errors.push(InputError::field(path, line, "id", msg));
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert((line, docs.len()));
                docs.push(doc);
            }
        }
    }
    (docs, index)
}

fn empty(task: Task) -> Items {
    match task {
        Task::Dedup => Items::Dedup { docs: Vec::new(), gold: DedupGold::default() },
        Task::Extract => Items::Extract { pages: Vec::new(), gold: Vec::new() },
    }
}

/// Reads records with unique ids; duplicates and id errors are reported and skipped.
fn records<'a, T>(
    path: &'a Path,
    objs: &'a [(usize, Map<String, Value>)],
    errors: &mut Vec<InputError>,
    mut parse: impl FnMut(&Rec<'a>, &'a str) -> Result<T, InputError>,
) -> (Vec<T>, HashMap<&'a str, usize>, HashSet<&'a str>) {
    let mut out = Vec::new();
    let mut first_line: HashMap<&str, usize> = HashMap::new();
    let mut index = HashMap::new();
    let mut bad = HashSet::new();
    for (line, map) in objs {
        let rec = Rec { path, line: *line, map };
        let id = match rec.id() {
            Ok(id) => id,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if let Some(first) = first_line.get(id) {
            errors.push(rec.err("id", format!("duplicate id `{id}` (first on line {first})")));
            bad.insert(id);
            continue;
        }
        first_line.insert(id, *line);
        match parse(&rec, id) {
            Ok(item) => {
                index.insert(id, out.len());
                out.push(item);
            }
            Err(e) => {
                errors.push(e);
                bad.insert(id);
            }
        }
    }
    (out, index, bad)
}

/// Objects of one file with their line numbers.
type Objects = Vec<(usize, Map<String, Value>)>;

fn load_dedup(
    docs_path: &Path,
    mut docs: Vec<Doc>,
    index: &DocIndex,
    gold: Option<(PathBuf, Objects)>,
    errors: &mut Vec<InputError>,
) -> Items {
    // No gold file, or one with no record (a dataset to time strategies on): nothing to score.
    let Some((gold_path, gold_objs)) = gold.filter(|(_, objs)| !objs.is_empty()) else {
        return Items::Dedup { docs, gold: DedupGold::default() };
    };
    let char_lens: Vec<usize> = docs.iter().map(|d| d.text.chars().count()).collect();
    let mut has_clusters = false;
    let mut has_spans = false;
    let (golds, _, mut bad) = records(&gold_path, &gold_objs, errors, |rec, id| {
        let Some(&(_, doc)) = index.get(id) else {
            return Err(rec.err("id", format!("no document with id `{id}` in {}", docs_path.display())));
        };
        let cluster = match rec.map.get("cluster") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(other) => return Err(rec.err("cluster", format!("expected a string, found {}", kind(other)))),
        };
        let spans = match rec.map.get("dup_spans") {
            None | Some(Value::Null) => None,
            Some(v) => Some(parse_spans(rec, v, char_lens[doc])?),
        };
        has_clusters |= cluster.is_some();
        has_spans |= spans.is_some();
        Ok((doc, cluster, spans))
    });
    // A document whose gold is malformed cannot be scored: leave it out rather than guess.
    let mut labels: HashMap<String, u32> = HashMap::new();
    let mut clusters: Vec<Option<u32>> = vec![None; docs.len()];
    let mut spans: Vec<Spans> = vec![Spans::default(); docs.len()];
    let mut drop = vec![false; docs.len()];
    for id in bad.drain() {
        if let Some(&(_, i)) = index.get(id) {
            drop[i] = true;
        }
    }
    let mut golds = golds;
    golds.sort_by_key(|g| g.0);
    // A document the gold says nothing about cannot be scored: guessing "unique" would count a
    // strategy's correct find as a false positive. Report it and leave it out.
    let mut has_gold = vec![false; docs.len()];
    for g in &golds {
        has_gold[g.0] = true;
    }
    for (i, doc) in docs.iter().enumerate() {
        if !has_gold[i] && !drop[i] {
            drop[i] = true;
            let msg = format!("document `{}` has no gold record; left out of the run", doc.id);
            errors.push(InputError::file(&gold_path, msg));
        }
    }
    for (doc, cluster, span) in golds {
        if let Some(c) = cluster {
            let next = labels.len() as u32;
            clusters[doc] = Some(*labels.entry(c).or_insert(next));
        }
        if let Some(s) = span {
            spans[doc] = s;
        }
    }
    let mut next = labels.len() as u32;
    let keep: Vec<bool> = drop.iter().map(|d| !d).collect();
    let mut k = keep.iter();
    docs.retain(|_| *k.next().unwrap_or(&true));
    let clusters = has_clusters.then(|| {
        clusters
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| {
                c.unwrap_or_else(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect()
    });
    let spans = has_spans.then(|| spans.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(s, _)| s).collect());
    Items::Dedup { docs, gold: DedupGold { clusters, spans, ..DedupGold::default() } }
}

/// Parses `[[start, end], ...]`, checks bounds against the document's char length, and returns
/// the spans sorted with overlaps merged.
fn parse_spans(rec: &Rec<'_>, v: &Value, char_len: usize) -> Result<Spans, InputError> {
    let Value::Array(items) = v else {
        return Err(rec.err("dup_spans", format!("expected an array of [start, end] pairs, found {}", kind(v))));
    };
    let mut spans = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let pair = match item {
            Value::Array(p) if p.len() == 2 => (p[0].as_u64(), p[1].as_u64()),
            _ => (None, None),
        };
        let (Some(start), Some(end)) = pair else {
            return Err(rec.err("dup_spans", format!("item {i}: expected [start, end] with non-negative integers")));
        };
        let (start, end) = (start as usize, end as usize);
        if start >= end {
            return Err(rec.err("dup_spans", format!("item {i}: empty or reversed span [{start}, {end}]")));
        }
        if end > char_len {
            return Err(rec.err(
                "dup_spans",
                format!("item {i}: span [{start}, {end}] ends past the document's {char_len} characters"),
            ));
        }
        spans.push(start..end);
    }
    Ok(Spans::new(spans))
}

fn load_extract(
    root: &Path,
    allow_outside: bool,
    docs_path: &Path,
    objs: &Objects,
    gold: Option<(PathBuf, Objects)>,
    errors: &mut Vec<InputError>,
) -> Items {
    let (mut pages, index, _) = records(docs_path, objs, errors, |rec, id| {
        let html = match (rec.opt_str("html")?, rec.opt_str("html_path")?) {
            (Some(html), _) => html.to_string(),
            (None, Some(rel)) => {
                let path = crate::io::inside(root, rel, allow_outside).map_err(|e| rec.err("html_path", e))?;
                let (_, raw) = crate::io::read_stored(&path).map_err(|e| rec.err("html_path", e.to_string()))?;
                crate::corpus::decode_html(&raw)
            }
            (None, None) => return Err(rec.err("html", "missing required field (or `html_path`)")),
        };
        Ok(Page { id: id.to_string(), html, url: rec.opt_str("url")?.map(str::to_string) })
    });
    let mut golds = vec![ExtractGold::default(); pages.len()];
    let mut has_gold = vec![false; pages.len()];
    if let Some((gold_path, gold_objs)) = gold {
        let (parsed, _, _) = records(&gold_path, &gold_objs, errors, |rec, id| {
            let Some(&page) = index.get(id) else {
                return Err(rec.err("id", format!("no page with id `{id}` in {}", docs_path.display())));
            };
            let gold = ExtractGold {
                text: rec.opt_str("text")?.map(str::to_string),
                with: rec.str_list("with")?,
                without: rec.str_list("without")?,
                page_type: rec.opt_str("page_type")?.map(str::to_string),
            };
            Ok((page, gold))
        });
        for (page, gold) in parsed {
            golds[page] = gold;
            has_gold[page] = true;
        }
    }
    // Pages without gold cannot be scored; report and leave them out.
    let mut kept_pages = Vec::new();
    let mut kept_gold = Vec::new();
    for ((page, gold), ok) in pages.drain(..).zip(golds).zip(has_gold) {
        if ok {
            kept_pages.push(page);
            kept_gold.push(gold);
        } else {
            errors.push(InputError::file(docs_path, format!("page `{}` has no valid gold record; left out", page.id)));
        }
    }
    Items::Extract { pages: kept_pages, gold: kept_gold }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct path and the JSON-tree path agree: plain lines, extra fields and escapes go
    /// straight in; a repeated key takes the last value, as the tree does; lines the direct
    /// path refuses get the tree's exact errors.
    #[test]
    fn documents_read_directly_match_the_json_tree() {
        let input = concat!(
            "{\"id\": \"a\", \"text\": \"x\\ny \\u00e9\", \"meta\": {\"k\": [1, 2]}}\n",
            "{\"text\": \"t\", \"id\": \"b\", \"id\": \"b2\"}\n",
            "{\"id\": \"\", \"text\": \"t\"}\n",
            "{\"id\": 7, \"text\": \"t\"}\n",
            "{\"id\": \"c\"}\n",
            "{\"id\": \"a\", \"text\": \"again\"}\n",
            "  \n",
            "{\"id\": \"d\", \"text\": \"last\"}",
        );
        let mut errors = Vec::new();
        let (docs, index) = read_docs(Path::new("docs.jsonl"), input.as_bytes(), &mut errors);
        let got: Vec<(&str, &str)> = docs.iter().map(|d| (d.id.as_str(), d.text.as_str())).collect();
        assert_eq!(got, [("a", "x\ny é"), ("b2", "t"), ("d", "last")]);
        assert_eq!(index.get("d"), Some(&(8, 2)));
        let errs: Vec<(Option<usize>, Option<&str>)> = errors.iter().map(|e| (e.line, e.field.as_deref())).collect();
        assert_eq!(
            errs,
            [(Some(3), Some("id")), (Some(4), Some("id")), (Some(5), Some("text")), (Some(6), Some("id"))]
        );
        assert!(errors[0].message.contains("must not be empty"), "{}", errors[0]);
        assert!(errors[1].message.contains("expected a string, found a number"), "{}", errors[1]);
        assert!(errors[2].message.contains("missing required field"), "{}", errors[2]);
        assert!(errors[3].message.contains("duplicate id `a` (first on line 1)"), "{}", errors[3]);
    }
}
