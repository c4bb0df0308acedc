//! Sharded documents: the files of a dedup dataset named by globs (`data/train-*.parquet`,
//! `shards/*.jsonl.zst`), read in sorted path order, each as JSON lines or Parquet. A document's
//! position is its shard and its line (JSON lines) or row (Parquet), so a streamed dataset can
//! read its texts again without an id index.

use std::path::{Path, PathBuf};

use super::parquet::{self, Columns};
use crate::error::InputError;
use crate::model::{Doc, DocSource};

/// How the documents of a shard are stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ShardFormat {
    /// JSON lines, `{"id": str, "text": str, ...}`, plain, `.gz` or `.zst`.
    Jsonl,
    /// Parquet, with the columns that hold the fields; without an id column a document is
    /// named `<file name>:<row>`.
    Parquet(Columns),
    /// WET (Common Crawl's extracted text): each `conversion` record is a document, named by its
    /// `WARC-Record-ID`; its position is its record number. Plain, `.gz` or `.zst`.
    Wet,
}

/// One file of documents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// Where it is.
    pub path: PathBuf,
    /// How it is stored.
    pub format: ShardFormat,
}

/// Whether `name` matches `pattern`, where `*` is any run of characters and `?` any one.
pub fn matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Greedy match with backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// The files under `root` that `pattern` names (relative, `/`-separated; `*` and `?` in the
/// last component only), sorted by path; a wildcard does not match a leading `.`. A pattern
/// without wildcards names one file, which need not exist (the reader reports it).
pub fn expand(root: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let (dir, name) = match pattern.rsplit_once('/') {
        Some((dir, name)) => (root.join(dir), name),
        None => (root.to_path_buf(), pattern),
    };
    if dir.to_string_lossy().contains(['*', '?']) {
        return Err(format!("`{pattern}`: wildcards are allowed in the file name only"));
    }
    if !name.contains(['*', '?']) {
        return Ok(vec![dir.join(name)]);
    }
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("`{pattern}`: cannot read {}: {e}", dir.display()))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| {
            // As a shell's glob: a hidden file (the caches beside the data) only when asked for.
            let file = e.file_name().to_string_lossy().into_owned();
            matches(name, &file) && (!file.starts_with('.') || name.starts_with('.'))
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(format!("`{pattern}` names no file in {}", dir.display()));
    }
    Ok(found)
}

/// The name a document without an id gets: its file's name and its row.
fn row_id(path: &Path, row: u64) -> String {
    let file = path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned());
    format!("{file}:{row}")
}

/// Calls `each(position, doc)` for every well-formed document of `shard`, in file order (the
/// position is the 1-based line or row); every problem goes to `errors`.
pub fn each_doc(shard: &Shard, errors: &mut Vec<InputError>, each: &mut dyn FnMut(u64, Doc)) {
    each_wanted_doc(shard, errors, &mut |_| true, each)
}

/// Calls `each(position, id, text bytes, text chars)` for every well-formed document of
/// `shard`, in file order, as [`each_doc`] would find them; a JSON line's text is measured in
/// place, not decoded. Every problem goes to `errors`, as with [`each_doc`].
pub fn each_doc_len(shard: &Shard, errors: &mut Vec<InputError>, each: &mut dyn FnMut(u64, &str, usize, usize)) {
    if shard.format != ShardFormat::Jsonl {
        return each_doc(shard, errors, &mut |pos, doc| each(pos, &doc.id, doc.text.len(), doc.text.chars().count()));
    }
    let Some(input) = open_or_report(&shard.path, errors) else { return };
    let mut reader = crate::io::jsonl::Reader::new(&shard.path, input);
    while let Some(line) = reader.next_line() {
        match line.and_then(|line| Ok((line, super::jsonl::measure_doc(&shard.path, &reader)?))) {
            Ok((line, (id, bytes, chars))) => each(line as u64, &id, bytes, chars),
            Err(e) => errors.push(e),
        }
    }
}

/// [`each_doc`] for the positions `want` accepts only: a JSON line it refuses is not parsed.
pub fn each_wanted_doc(
    shard: &Shard,
    errors: &mut Vec<InputError>,
    want: &mut dyn FnMut(u64) -> bool,
    each: &mut dyn FnMut(u64, Doc),
) {
    match &shard.format {
        ShardFormat::Jsonl => {
            let Some(input) = open_or_report(&shard.path, errors) else { return };
            let mut reader = crate::io::jsonl::Reader::new(&shard.path, input);
            loop {
                // A line not wanted is passed over without being held or parsed.
                if !want(reader.line() as u64 + 1) {
                    match reader.skip_line() {
                        None => break,
                        Some(Ok(())) => continue,
                        Some(Err(e)) => {
                            errors.push(e);
                            continue;
                        }
                    }
                }
                let Some(line) = reader.next_line() else { break };
                let line = match line {
                    Ok(line) => line,
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                };
                if !want(line as u64) {
                    continue;
                }
                match super::jsonl::parse_doc(&shard.path, &reader) {
                    Ok(doc) => each(line as u64, doc),
                    Err(e) => errors.push(e),
                }
            }
        }
        ShardFormat::Wet => {
            let Some(input) = open_or_report(&shard.path, errors) else { return };
            for record in crate::io::warc::Reader::new(&shard.path, input) {
                match record {
                    Ok(r) if r.kind() == "conversion" && want(r.number) => match wet_doc(&shard.path, r) {
                        Ok((number, doc)) => each(number, doc),
                        Err(e) => errors.push(e),
                    },
                    Ok(_) => {}
                    Err(e) => errors.push(e),
                }
            }
        }
        ShardFormat::Parquet(columns) => {
            let path = &shard.path;
            let mut bad = Vec::new();
            parquet::read(
                path,
                columns,
                &mut |row| {
                    if !want(row.row) {
                        return;
                    }
                    let id = match row.id {
                        Some("") => {
                            let msg = format!("row {}: must not be empty; row left out", row.row);
                            let field = columns.id.as_deref().unwrap_or("id");
                            bad.push(InputError::field(path, row.row as usize, field, msg));
                            return;
                        }
                        Some(id) => id.to_string(),
                        None => row_id(path, row.row),
                    };
                    each(row.row, Doc { id, text: row.text.to_string() });
                },
                errors,
            );
            errors.extend(bad);
        }
    }
}

/// `path` opened for reading (decompressed), or `None` with the reason in `errors`.
fn open_or_report(path: &Path, errors: &mut Vec<InputError>) -> Option<Box<dyn std::io::BufRead>> {
    crate::io::open(path).map_err(|e| errors.push(e)).ok()
}

/// The document of a WET `conversion` record, with its record number.
fn wet_doc(path: &Path, mut r: crate::io::warc::Record) -> Result<(u64, Doc), InputError> {
    let Some(id) = r.record_id().filter(|id| !id.is_empty()).map(str::to_string) else {
        return Err(r.error(path, "field WARC-Record-ID: missing; record left out"));
    };
    match String::from_utf8(std::mem::take(&mut r.block)) {
        Ok(text) => Ok((r.number, Doc { id, text })),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            Err(r.error(path, format!("invalid UTF-8 at byte {at} of the block; record left out")))
        }
    }
}

/// The shards of a streamed dataset and, per shard, the positions of the documents the load
/// kept (ascending). It travels to a worker, which then reads the documents itself, as runs of
/// consecutive positions: a few bytes for a shard whose documents were all kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "Runs", from = "Runs")]
pub struct ShardSource {
    shards: Vec<(Shard, Vec<u64>)>,
}

/// [`ShardSource`] as sent: per shard, `(first, count)` runs of kept positions.
#[derive(serde::Serialize, serde::Deserialize)]
struct Runs {
    shards: Vec<(Shard, Vec<(u64, u64)>)>,
}

impl From<ShardSource> for Runs {
    fn from(s: ShardSource) -> Runs {
        let shards = s
            .shards
            .into_iter()
            .map(|(shard, kept)| {
                let mut runs: Vec<(u64, u64)> = Vec::new();
                for p in kept {
                    match runs.last_mut() {
                        Some((first, n)) if *first + *n == p => *n += 1,
                        _ => runs.push((p, 1)),
                    }
                }
                (shard, runs)
            })
            .collect();
        Runs { shards }
    }
}

impl From<Runs> for ShardSource {
    fn from(r: Runs) -> ShardSource {
        let shards = r
            .shards
            .into_iter()
            .map(|(shard, runs)| {
                (shard, runs.into_iter().flat_map(|(first, n)| first..first.saturating_add(n)).collect())
            })
            .collect();
        ShardSource { shards }
    }
}

impl ShardSource {
    /// The documents at `kept` positions of each shard.
    pub fn new(shards: Vec<(Shard, Vec<u64>)>) -> ShardSource {
        ShardSource { shards }
    }

    /// The shards with the positions of their kept documents, in dataset order.
    pub fn shards(&self) -> &[(Shard, Vec<u64>)] {
        &self.shards
    }
}

impl DocSource for ShardSource {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn select(&self, wanted: &[u32], each: &mut dyn FnMut(u32, Doc)) -> Result<(), String> {
        let mut next = wanted.iter().copied().peekable();
        let mut first = 0u64; // index of the shard's first kept document
        for (shard, kept) in &self.shards {
            let end = first + kept.len() as u64;
            let mut here: Vec<(u64, u32)> = Vec::new();
            while let Some(&w) = next.peek() {
                if u64::from(w) >= end {
                    break;
                }
                here.push((kept[(u64::from(w) - first) as usize], w));
                next.next();
            }
            if !here.is_empty() {
                // The wanted position at or after the last one asked about.
                let at = std::cell::Cell::new(0usize);
                let mut found = 0usize;
                let mut errors = Vec::new();
                each_wanted_doc(
                    shard,
                    &mut errors,
                    &mut |pos| {
                        let mut k = at.get();
                        while k < here.len() && here[k].0 < pos {
                            k += 1;
                        }
                        at.set(k);
                        k < here.len() && here[k].0 == pos
                    },
                    &mut |_, doc| {
                        each(here[at.get()].1, doc);
                        found += 1;
                    },
                );
                if found != here.len() {
                    let why = errors.first().map(|e| format!(": {e}")).unwrap_or_default();
                    return Err(format!("{}: a document loaded before is gone{why}", shard.path.display()));
                }
            }
            first = end;
        }
        match next.next() {
            Some(w) => Err(format!("no document {w} in the dataset's files")),
            None => Ok(()),
        }
    }

    fn batches(&self, batch_bytes: usize, each: &mut dyn FnMut(&[Doc]) -> Result<(), String>) -> Result<(), String> {
        let mut batch: Vec<Doc> = Vec::new();
        let mut held = 0usize;
        for (shard, kept) in &self.shards {
            let mut wanted = kept.iter().peekable();
            let mut failed: Option<String> = None;
            let mut errors = Vec::new();
            each_doc(shard, &mut errors, &mut |pos, doc| {
                if failed.is_some() || wanted.peek().is_none_or(|&&w| pos < w) {
                    return;
                }
                if wanted.peek().is_some_and(|&&w| pos > w) {
                    failed = Some(format!(
                        "{}: document at {} is gone (the file changed since it was loaded)",
                        shard.path.display(),
                        wanted.peek().copied().unwrap_or(&0)
                    ));
                    return;
                }
                wanted.next();
                held += doc.text.len();
                batch.push(doc);
                if held >= batch_bytes {
                    if let Err(e) = each(&batch) {
                        failed = Some(e);
                    }
                    batch.clear();
                    held = 0;
                }
            });
            if let Some(e) = failed {
                return Err(e);
            }
            if let Some(missing) = wanted.next() {
                let why = errors.first().map(|e| format!(": {e}")).unwrap_or_default();
                return Err(format!("{}: document at {missing} is gone{why}", shard.path.display()));
            }
        }
        if !batch.is_empty() {
            each(&batch)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_runs_and_single_characters() {
        assert!(matches("train-*.parquet", "train-00000-of-00004.parquet"));
        assert!(matches("*", "x"));
        assert!(matches("a?c*", "abcdef"));
        assert!(!matches("train-*.parquet", "test-00000.parquet"));
        assert!(!matches("*.jsonl", "docs.jsonl.gz"));
        assert!(matches("*.jsonl*", "docs.jsonl.gz"));
        assert!(!matches("a?c", "ac"));
    }

    #[test]
    fn a_glob_names_its_files_in_sorted_order_and_a_bad_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        for f in ["b.parquet", "a.parquet", "c.txt"] {
            std::fs::write(dir.path().join("data").join(f), b"").unwrap();
        }
        let found = expand(dir.path(), "data/*.parquet").unwrap();
        let names: Vec<_> = found.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["a.parquet", "b.parquet"]);
        assert!(expand(dir.path(), "data/*.arrow").unwrap_err().contains("names no file"));
        assert!(expand(dir.path(), "d*/x.parquet").unwrap_err().contains("file name only"));
        assert_eq!(expand(dir.path(), "docs.jsonl").unwrap(), vec![dir.path().join("docs.jsonl")]);
    }

    #[test]
    fn a_wildcard_leaves_hidden_files_unless_the_pattern_names_them() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["a.jsonl", ".corpusbench-fingerprint", ".b.jsonl"] {
            std::fs::write(dir.path().join(f), b"").unwrap();
        }
        let names = |pattern: &str| -> Vec<String> {
            let found = expand(dir.path(), pattern).unwrap();
            found.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect()
        };
        assert_eq!(names("*"), ["a.jsonl"]);
        assert_eq!(names(".*.jsonl"), [".b.jsonl"]);
    }
}
