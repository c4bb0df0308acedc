//! `dataset.toml`: a dataset's name, task, format, files, license and primary metric.

use std::path::Path;

use serde::Deserialize;

use crate::error::InputError;
use crate::model::Task;

/// The parsed manifest of a dataset folder.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Short unique name used in reports.
    pub name: String,
    /// `dedup` or `extract`.
    pub task: Task,
    /// Format of the files: `jsonl` (the project's own), `parquet` or `wet` (dedup shards),
    /// `warc` (extraction pages in WARC response records).
    #[serde(default = "default_format")]
    pub format: String,
    /// One line on what the dataset is.
    #[serde(default)]
    pub description: String,
    /// License of the data.
    #[serde(default)]
    pub license: String,
    /// The metric the leaderboard sorts by; default `span_f1` or `pair_f1` for deduplication
    /// (by what the gold holds), the first family's F1 for extraction.
    #[serde(default)]
    pub primary_metric: Option<String>,
    /// Files that make up the dataset, relative to the folder; the fingerprint covers them.
    pub files: Vec<String>,
    /// Whether `files` and records' `html_path` may name files outside the dataset folder.
    #[serde(default)]
    pub allow_outside_paths: bool,
    /// Expected sha256 fingerprint; a mismatch is reported as an input problem.
    #[serde(default)]
    pub sha256: Option<String>,
    /// The files of a dedup dataset's documents, as globs relative to the folder (`*` and `?` in
    /// file names), read in sorted path order: `data/train-*.parquet`, `shards/*.jsonl.zst`.
    /// For a `warc` extraction dataset, the WARC files. Default: `docs.jsonl` (format `jsonl`),
    /// `*.parquet` (`parquet`), `*.warc.wet.gz` (`wet`), `*.warc.gz` (`warc`).
    #[serde(default)]
    pub docs: Option<Vec<String>>,
    /// Columns of a Parquet dataset (format `parquet`).
    #[serde(default)]
    pub columns: Option<ColumnNames>,
}

/// Which Parquet columns hold a document's id, text and URL.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnNames {
    /// The id column; `""` for none (documents are then named `<file>:<row>`). Default `id`.
    #[serde(default = "default_id")]
    pub id: String,
    /// The text column. Default `text`.
    #[serde(default = "default_text")]
    pub text: String,
    /// The URL column, if any.
    #[serde(default)]
    pub url: Option<String>,
}

fn default_id() -> String {
    "id".to_string()
}

fn default_text() -> String {
    "text".to_string()
}

fn default_format() -> String {
    "jsonl".to_string()
}

impl Manifest {
    /// Reads and validates `path`.
    pub fn read(path: &Path) -> Result<Manifest, InputError> {
        let bytes = std::fs::read(path).map_err(|e| InputError::file(path, e.to_string()))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| InputError::file(path, format!("invalid UTF-8 at byte {}", e.valid_up_to())))?;
        let manifest: Manifest = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            InputError { path: path.to_path_buf(), line, field: None, message: e.message().to_string() }
        })?;
        if manifest.name.trim().is_empty() {
            return Err(InputError { field: Some("name".into()), ..InputError::file(path, "must not be empty") });
        }
        if manifest.files.is_empty() {
            return Err(InputError { field: Some("files".into()), ..InputError::file(path, "lists no files") });
        }
        Ok(manifest)
    }
}
