//! `dedup-outputs:PATH`: the saved output of any deduplication system, scored without running it.
//!
//! The forms the field writes (`format=auto` tells them apart by the first record):
//! - `clusters`: JSON lines `{"id": ..., "cluster": label}` (label a string or an integer);
//! - `spans`: JSON lines `{"id": ..., "dup_spans": [[start, end], ...]}`, half-open code-point
//!   offsets, sorted and disjoint;
//! - `removed`: the ids a system removed, as NeMo Curator and datatrove write them: JSON lines
//!   with an `id` (datatrove's excluded documents), a JSON array of ids, or one id per line;
//!   a removed document counts as one span over its whole text;
//! - `dolma`: dolma attribute files, `{"id": ..., "attributes": {NAME: [[start, end, score],
//!   ...]}}` (`attribute=NAME` chooses when there are several). Dolma's offsets are code points;
//!   its last paragraph's span may end one past the text, and is cut to the text here.
//!
//! Files may be gzip-compressed. A record that cannot be read is an error naming file, line and
//! field; it fails the cell (the run goes on), as does a file none of whose ids is in the dataset.
//! Documents the file does not mention are unique and kept whole; how many there were, and how
//! many of the file's ids are not in the dataset, are reported as `missing_docs` and `unknown_ids`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, InputError};
use crate::model::{DedupOutput, Doc};
use crate::strategy::{Deduplicator, ParamSpec, Params, StrategyError};

/// Parameters of `dedup-outputs`.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec { name: "path", default: "", help: "the saved output (JSON lines, JSON array or text; .gz allowed)" },
    ParamSpec { name: "format", default: "auto", help: "auto, clusters, spans, removed or dolma" },
    ParamSpec {
        name: "attribute",
        default: "",
        help: "the dolma attribute holding the spans (when there are several)",
    },
];

/// A cluster label as saved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Label {
    Int(i64),
    Str(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Clusters,
    Spans,
    Removed,
    Dolma,
}

/// What the file says, by document id.
#[derive(Debug, Default)]
struct Saved {
    clusters: HashMap<String, Label>,
    spans: HashMap<String, (usize, Vec<(u64, u64)>)>,
    removed: HashSet<String>,
}

/// A saved deduplication output.
#[derive(Debug)]
pub struct SavedDedup {
    path: String,
    form: Form,
    saved: Saved,
    errors: Vec<InputError>,
}

fn id_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `[[start, end, ...], ...]` as pairs; `None` when the value has another shape.
fn pairs(v: &Value) -> Option<Vec<(u64, u64)>> {
    v.as_array()?
        .iter()
        .map(|s| {
            let s = s.as_array()?;
            Some((s.first()?.as_u64()?, s.get(1)?.as_u64()?))
        })
        .collect()
}

impl SavedDedup {
    /// Builds from spec parameters: reads the file now, so a missing file stops the command.
    /// Without a path it builds a deduplicator that fails every cell, saying so.
    pub fn new(params: &Params) -> Result<SavedDedup, Error> {
        let path = params.str("path")?;
        if path.is_empty() {
            return Ok(SavedDedup {
                path: String::new(),
                form: Form::Removed,
                saved: Saved::default(),
                errors: Vec::new(),
            });
        }
        let form = match params.choice("format", &["auto", "clusters", "spans", "removed", "dolma"])? {
            "clusters" => Some(Form::Clusters),
            "spans" => Some(Form::Spans),
            "removed" => Some(Form::Removed),
            "dolma" => Some(Form::Dolma),
            _ => None,
        };
        let (path, bytes) = crate::io::read_stored(Path::new(path))?;
        Ok(SavedDedup::parse(&path, &bytes, form, params.str("attribute")?))
    }

    /// Parses a saved output whose form is detected (`path` is for messages).
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> SavedDedup {
        SavedDedup::parse(path, bytes, None, "")
    }

    /// Parses a saved output (`path` is for messages); `form` `None` detects it.
    fn parse(path: &Path, bytes: &[u8], form: Option<Form>, attribute: &str) -> SavedDedup {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let first = bytes.iter().position(|b| !b.is_ascii_whitespace()).map(|i| bytes[i]);
        let mut errors = Vec::new();
        let mut saved = Saved::default();
        let as_array = first == Some(b'[');
        let as_lines = first != Some(b'{') && !as_array;
        let form = form.unwrap_or_else(|| {
            if as_array || as_lines {
                return Form::Removed;
            }
            let line = bytes.split(|b| *b == b'\n').find(|l| l.iter().any(|b| !b.is_ascii_whitespace()));
            let head: Option<serde_json::Map<String, Value>> = line.and_then(|l| serde_json::from_slice(l).ok());
            match head {
                Some(o) if o.contains_key("cluster") => Form::Clusters,
                Some(o) if o.contains_key("dup_spans") => Form::Spans,
                Some(o) if o.contains_key("attributes") => Form::Dolma,
                _ => Form::Removed,
            }
        });
        let display = path.display().to_string();
        if form == Form::Removed && as_array {
            match serde_json::from_slice::<Vec<Value>>(bytes) {
                Ok(ids) => {
                    for (i, v) in ids.iter().enumerate() {
                        match id_of(Some(v)) {
                            Some(id) => {
                                saved.removed.insert(id);
                            }
                            None => errors.push(InputError::file(path, format!("array item {i} is not an id"))),
                        }
                    }
                }
                Err(e) => errors.push(InputError::line(path, e.line(), format!("not a JSON array of ids: {e}"))),
            }
            return SavedDedup { path: display, form, saved, errors };
        }
        if form == Form::Removed && as_lines {
            for line in String::from_utf8_lossy(bytes).lines() {
                let id = line.trim();
                if !id.is_empty() {
                    saved.removed.insert(id.to_string());
                }
            }
            return SavedDedup { path: display, form, saved, errors };
        }
        let objects = crate::io::jsonl::objects(path, bytes, &mut errors);
        for (line, o) in objects {
            let Some(id) = id_of(o.get("id")) else {
                errors.push(InputError::field(path, line, "id", "missing, or not a string or number"));
                continue;
            };
            let bad = |field: &str, what: &str| InputError::field(path, line, field, what.to_string());
            match form {
                Form::Removed => {
                    saved.removed.insert(id);
                }
                Form::Clusters => match o.get("cluster") {
                    Some(Value::String(s)) => {
                        saved.clusters.insert(id, Label::Str(s.clone()));
                    }
                    Some(Value::Number(n)) if n.as_i64().is_some() => {
                        saved.clusters.insert(id, Label::Int(n.as_i64().unwrap_or_default()));
                    }
                    _ => errors.push(bad("cluster", "missing, or not a string or integer")),
                },
                Form::Spans => match o.get("dup_spans").and_then(pairs) {
                    Some(p) => {
                        saved.spans.insert(id, (line, p));
                    }
                    None => errors.push(bad("dup_spans", "missing, or not a list of [start, end] pairs")),
                },
                Form::Dolma => {
                    let Some(Value::Object(attrs)) = o.get("attributes") else {
                        errors.push(bad("attributes", "missing, or not an object"));
                        continue;
                    };
                    let name = if attribute.is_empty() {
                        if attrs.len() > 1 {
                            let names: Vec<&str> = attrs.keys().map(String::as_str).collect();
                            errors.push(bad(
                                "attributes",
                                &format!(
                                    "holds several attributes ({}): choose one with attribute=NAME",
                                    names.join(", ")
                                ),
                            ));
                            continue;
                        }
                        attrs.keys().next().cloned().unwrap_or_default()
                    } else {
                        attribute.to_string()
                    };
                    let spans = match attrs.get(&name) {
                        None | Some(Value::Null) => Some(Vec::new()),
                        Some(v) => pairs(v),
                    };
                    match spans {
                        Some(mut p) => {
                            // Dolma lists spans in paragraph order; sort in case another writer did not.
                            p.sort_unstable();
                            saved.spans.insert(id, (line, p));
                        }
                        None => {
                            errors.push(bad(&format!("attributes.{name}"), "not a list of [start, end, score] spans"))
                        }
                    }
                }
            }
        }
        SavedDedup { path: display, form, saved, errors }
    }

    fn known_ids(&self) -> Box<dyn Iterator<Item = &String> + '_> {
        match self.form {
            Form::Clusters => Box::new(self.saved.clusters.keys()),
            Form::Spans | Form::Dolma => Box::new(self.saved.spans.keys()),
            Form::Removed => Box::new(self.saved.removed.iter()),
        }
    }
}

impl Deduplicator for SavedDedup {
    fn name(&self) -> &str {
        "dedup-outputs"
    }

    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
        if self.path.is_empty() {
            return Err(StrategyError("no file given (use dedup-outputs:PATH)".into()));
        }
        if let Some(first) = self.errors.first() {
            let more =
                if self.errors.len() > 1 { format!(" (and {} more)", self.errors.len() - 1) } else { String::new() };
            return Err(StrategyError(format!("{first}{more}")));
        }
        let ids: HashSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        let unknown = self.known_ids().filter(|id| !ids.contains(id.as_str())).count();
        let total = self.known_ids().count();
        if total > 0 && unknown == total {
            return Err(StrategyError(format!("{}: none of its {total} ids is a document of this dataset", self.path)));
        }
        let mut out = DedupOutput::default();
        let mut missing = 0usize;
        match self.form {
            Form::Clusters => {
                let mut first_of: HashMap<&Label, u32> = HashMap::new();
                let mut labels = Vec::with_capacity(docs.len());
                for (i, d) in docs.iter().enumerate() {
                    let index = u32::try_from(i).map_err(|_| StrategyError("more than 2^32 documents".into()))?;
                    match self.saved.clusters.get(&d.id) {
                        Some(label) => labels.push(*first_of.entry(label).or_insert(index)),
                        None => {
                            missing += 1;
                            labels.push(index);
                        }
                    }
                }
                out.cluster = Some(labels);
            }
            Form::Spans | Form::Dolma => {
                let mut all = Vec::with_capacity(docs.len());
                for d in docs {
                    let Some((line, spans)) = self.saved.spans.get(&d.id) else {
                        missing += 1;
                        all.push(Vec::new());
                        continue;
                    };
                    let len = d.text.chars().count() as u64;
                    let mut ranges = Vec::with_capacity(spans.len());
                    let mut end = 0u64;
                    for &(s, mut e) in spans {
                        if self.form == Form::Dolma && e == len + 1 {
                            e = len;
                        }
                        let at = |what: &str| {
                            StrategyError(format!("{}:{line}: document `{}`: span [{s}, {e}) {what}", self.path, d.id))
                        };
                        if s > e || e > len {
                            return Err(at(&format!("is outside the text ({len} chars)")));
                        }
                        if s < end {
                            if self.form == Form::Dolma {
                                // Overlapping dolma spans are merged (they mark one removal).
                                if let Some(last) = ranges.last_mut() {
                                    let last: &mut std::ops::Range<usize> = last;
                                    last.end = last.end.max(e as usize);
                                }
                                end = end.max(e);
                                continue;
                            }
                            return Err(at("is not sorted after, and disjoint from, the span before"));
                        }
                        end = e;
                        ranges.push(s as usize..e as usize);
                    }
                    all.push(ranges);
                }
                out.dup_spans = Some(all);
            }
            Form::Removed => {
                out.dup_spans = Some(
                    docs.iter()
                        .map(|d| {
                            if self.saved.removed.contains(&d.id) {
                                vec![0..d.text.chars().count()]
                            } else {
                                Vec::new()
                            }
                        })
                        .collect(),
                );
            }
        }
        out.stats.push(("missing_docs".into(), missing as f64));
        out.stats.push(("unknown_ids".into(), unknown as f64));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs() -> Vec<Doc> {
        ["alpha beta", "alpha beta", "gamma", "d\u{e9}lta"]
            .iter()
            .enumerate()
            .map(|(i, t)| Doc { id: format!("d{i}"), text: t.to_string() })
            .collect()
    }

    fn run(text: &str, form: Option<Form>) -> Result<DedupOutput, StrategyError> {
        SavedDedup::parse(Path::new("saved.jsonl"), text.as_bytes(), form, "").dedup(&docs())
    }

    #[test]
    fn clusters_are_relabelled_by_their_first_document() {
        let out = run(
            "{\"id\":\"d0\",\"cluster\":\"x\"}\n{\"id\":\"d1\",\"cluster\":\"x\"}\n{\"id\":\"d2\",\"cluster\":7}\n",
            None,
        )
        .unwrap();
        assert_eq!(out.cluster, Some(vec![0, 0, 2, 3]));
        assert_eq!(out.stats, [("missing_docs".to_string(), 1.0), ("unknown_ids".to_string(), 0.0)]);
    }

    #[test]
    fn spans_are_checked_against_their_document() {
        let out =
            run("{\"id\":\"d1\",\"dup_spans\":[[0,5],[6,10]]}\n{\"id\":\"d3\",\"dup_spans\":[[0,5]]}\n", None).unwrap();
        assert_eq!(out.dup_spans, Some(vec![vec![], vec![0..5, 6..10], vec![], vec![0..5]]));
        let err = run("{\"id\":\"d3\",\"dup_spans\":[[0,6]]}\n", None).unwrap_err().0;
        assert!(err.contains("saved.jsonl:1") && err.contains("outside the text (5 chars)"), "{err}");
        let err = run("{\"id\":\"d1\",\"dup_spans\":[[5,8],[0,3]]}\n", None).unwrap_err().0;
        assert!(err.contains("not sorted"), "{err}");
    }

    #[test]
    fn removed_ids_come_as_json_lines_arrays_or_text() {
        let want = Some(vec![vec![], vec![0..10], vec![], vec![]]);
        assert_eq!(run("{\"id\":\"d1\",\"text\":\"alpha beta\"}\n", None).unwrap().dup_spans, want);
        assert_eq!(run("[\"d1\"]", None).unwrap().dup_spans, want);
        assert_eq!(run("d1\n\n", None).unwrap().dup_spans, want);
        assert_eq!(run("  d1\r\nnope\n", None).unwrap().stats[1], ("unknown_ids".to_string(), 1.0));
    }

    #[test]
    fn dolma_attributes_are_read_with_its_end_quirk() {
        let text = "{\"id\":\"d1\",\"attributes\":{\"bff_duplicate_paragraph_spans\":[[0,11,1.0]]}}\n\
                    {\"id\":\"d0\",\"attributes\":{\"bff_duplicate_paragraph_spans\":[]}}\n";
        let out = run(text, None).unwrap();
        assert_eq!(out.dup_spans, Some(vec![vec![], vec![0..10], vec![], vec![]]));
        let two = "{\"id\":\"d1\",\"attributes\":{\"a\":[],\"b\":[]}}\n";
        assert!(run(two, None).unwrap_err().0.contains("attribute=NAME"));
        let chosen = SavedDedup::parse(Path::new("x"), two.as_bytes(), None, "b").dedup(&docs()).unwrap();
        assert_eq!(chosen.dup_spans.map(|s| s.len()), Some(4));
    }

    #[test]
    fn bad_records_name_file_line_and_field_and_fail_the_cell() {
        let err = run("{\"id\":\"d0\",\"cluster\":1}\n{\"id\":\"d1\",\"cluster\":[1]}\n", None).unwrap_err().0;
        assert!(err.contains("saved.jsonl:2") && err.contains("cluster"), "{err}");
        let err = run("{\"cluster\":1}\n", Some(Form::Clusters)).unwrap_err().0;
        assert!(err.contains("id"), "{err}");
        let err = run("{\"id\":\"zz\",\"cluster\":1}\n", None).unwrap_err().0;
        assert!(err.contains("none of its 1 ids"), "{err}");
    }
}
