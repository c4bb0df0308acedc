//! Writing a generated dataset in the project's own format, incrementally and atomically.
//!
//! Records go one line at a time to hidden `.<name>.partial` files beside their final names;
//! [`Writer::finish`] flushes, renames them into place, writes `synth.toml`, fingerprints the
//! files as [`crate::corpus::fingerprint`] does and writes `dataset.toml` last. A folder with a
//! `dataset.toml` is therefore always complete; an interrupted run leaves only partial files
//! (and removes a stale manifest first). This module does not decide any content.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::edits::Edit;
use crate::corpus::fingerprint::fingerprint;
use crate::error::Error;

/// The data files of a generated dataset, in fingerprint order.
pub const DATA_FILES: [&str; 3] = ["docs.jsonl", "gold.jsonl", "edits.jsonl"];
/// The file recording the generator's parameters.
pub const PARAMS_FILE: &str = "synth.toml";

/// One document's line of `edits.jsonl`: how it was made.
#[derive(Debug, Serialize)]
pub struct EditsRecord<'a> {
    /// Document id.
    pub id: &'a str,
    /// `original`, `copy` or `contain`.
    pub kind: &'a str,
    /// Gold cluster (the id of the cluster's first document).
    pub cluster: &'a str,
    /// For a copy, the document it was copied from.
    pub source: Option<&'a str>,
    /// Input documents whose lines make up the document's own new text, in order of use.
    pub inputs: &'a [String],
    /// Own lines drawn from the vocabulary instead of the input.
    pub filled_lines: usize,
    /// Edits in the order applied.
    pub edits: &'a [Edit],
}

#[derive(Serialize)]
struct DocLine<'a> {
    id: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct GoldLine<'a> {
    id: &'a str,
    cluster: &'a str,
    dup_spans: Vec<[usize; 2]>,
}

/// The manifest written last.
#[derive(Debug, Serialize)]
pub struct ManifestOut {
    /// Dataset name.
    pub name: String,
    /// Always `dedup`.
    pub task: &'static str,
    /// Always `jsonl`.
    pub format: &'static str,
    /// One line on what it is.
    pub description: String,
    /// License of the text.
    pub license: String,
    /// Metric the leaderboard sorts by.
    pub primary_metric: String,
    /// Files covered by the fingerprint.
    pub files: Vec<String>,
    /// The fingerprint.
    pub sha256: String,
}

/// An open dataset being written.
pub struct Writer {
    dir: PathBuf,
    out: Vec<BufWriter<File>>,
    line: Vec<u8>,
}

fn partial(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.partial"))
}

impl Writer {
    /// Creates `dir` if needed, removes a manifest left from an earlier run, opens partial files.
    pub fn create(dir: &Path) -> Result<Writer, Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let manifest = dir.join("dataset.toml");
        if manifest.exists() {
            std::fs::remove_file(&manifest).map_err(|e| Error::io(&manifest, e))?;
        }
        let mut out = Vec::new();
        for name in DATA_FILES {
            let p = partial(dir, name);
            let f = File::create(&p).map_err(|e| Error::io(&p, e))?;
            out.push(BufWriter::with_capacity(1 << 20, f));
        }
        Ok(Writer { dir: dir.to_path_buf(), out, line: Vec::new() })
    }

    fn put<T: Serialize>(&mut self, file: usize, value: &T) -> Result<(), Error> {
        let path = || partial(&self.dir, DATA_FILES[file]);
        self.line.clear();
        serde_json::to_writer(&mut self.line, value).map_err(|e| Error::io(&path(), e.into()))?;
        self.line.push(b'\n');
        self.out[file].write_all(&self.line).map_err(|e| Error::io(&path(), e))
    }

    /// Appends one document, its gold and its edit record.
    pub fn write(&mut self, text: &str, spans: &[Range<usize>], rec: &EditsRecord<'_>) -> Result<(), Error> {
        self.put(0, &DocLine { id: rec.id, text })?;
        let dup_spans = spans.iter().map(|s| [s.start, s.end]).collect();
        self.put(1, &GoldLine { id: rec.id, cluster: rec.cluster, dup_spans })?;
        self.put(2, rec)
    }

    /// Moves the data files into place, writes `synth.toml` and then the manifest (whose
    /// `files` and `sha256` are filled in here). Returns the fingerprint.
    pub fn finish(self, params_toml: &str, mut manifest: ManifestOut) -> Result<String, Error> {
        for (name, w) in DATA_FILES.iter().zip(self.out) {
            let p = partial(&self.dir, name);
            let f = w.into_inner().map_err(|e| Error::io(&p, e.into_error()))?;
            f.sync_all().map_err(|e| Error::io(&p, e))?;
            let target = self.dir.join(name);
            std::fs::rename(&p, &target).map_err(|e| Error::io(&target, e))?;
        }
        crate::io::write_atomic(&self.dir.join(PARAMS_FILE), params_toml.as_bytes())?;
        let files: Vec<String> = DATA_FILES.iter().chain([&PARAMS_FILE]).map(|s| s.to_string()).collect();
        let sha = fingerprint(&self.dir, &files)?;
        manifest.files = files;
        manifest.sha256 = sha.clone();
        let toml = toml::to_string(&manifest).map_err(|e| Error::Usage(format!("cannot write manifest: {e}")))?;
        crate::io::write_atomic(&self.dir.join("dataset.toml"), toml.as_bytes())?;
        Ok(sha)
    }

    /// Removes the partial files after a failure (best effort).
    pub fn abort(self) {
        for name in DATA_FILES {
            let _ = std::fs::remove_file(partial(&self.dir, name));
        }
    }
}
