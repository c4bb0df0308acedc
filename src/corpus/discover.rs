//! Finding datasets: a folder with a `dataset.toml` is one dataset; any other folder is searched
//! one level deep for dataset folders.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::parquet::Columns;
use super::shards::{Shard, ShardFormat};
use super::{Manifest, fingerprint::fingerprint, formats, jsonl};
use crate::error::{Error, InputError};
use crate::model::scoring::own_format;
use crate::model::{Dataset, Items, Scoring, Task};

/// How datasets are loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Dedup datasets in the project's format keep their texts in their files
    /// ([`crate::model::Items::Streamed`]); other datasets load as usual.
    pub stream: bool,
    /// Extraction datasets in upstream formats load pages without their HTML (no strategy of
    /// the command reads it); their fingerprint and size stay as read with it.
    pub skip_html: bool,
}

/// Loads every dataset found under `roots`, in a stable order (roots as given, then sub-folder
/// names sorted). A dataset that cannot be loaded at all is reported in the returned errors.
pub fn discover(roots: &[PathBuf]) -> (Vec<Dataset>, Vec<InputError>) {
    discover_with(roots, LoadOptions::default())
}

/// [`discover`] with `options`.
pub fn discover_with(roots: &[PathBuf], options: LoadOptions) -> (Vec<Dataset>, Vec<InputError>) {
    let mut datasets = Vec::new();
    let mut errors = Vec::new();
    let mut names = HashSet::new();
    for root in roots {
        for dir in dataset_dirs(root, &mut errors) {
            let loaded = if dir.join("dataset.toml").is_file() {
                load_dataset_with(&dir, options)
            } else {
                match formats::find(&dir) {
                    Some(format) => match format.load_without_html {
                        Some(lean) if options.skip_html => lean(&dir),
                        _ => (format.load)(&dir),
                    },
                    None => Err(Error::Usage("not a dataset folder".into())),
                }
            };
            match loaded {
                Ok(ds) => {
                    if !names.insert(ds.name.clone()) {
                        let msg = format!("dataset name `{}` is used by another dataset; skipped", ds.name);
                        errors.push(InputError {
                            field: Some("name".into()),
                            ..InputError::file(&dir.join("dataset.toml"), msg)
                        });
                    } else {
                        datasets.push(ds);
                    }
                }
                Err(e) => errors.push(match e {
                    Error::Input(e) => e,
                    other => InputError::file(&dir, other.to_string()),
                }),
            }
        }
    }
    (datasets, errors)
}

/// A dataset as `list` shows it: what its manifest or its layout says, without reading its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The dataset's name.
    pub name: String,
    /// Its task.
    pub task: crate::model::Task,
    /// `jsonl` for the project's format, else the upstream format's name.
    pub format: String,
    /// Its folder.
    pub root: PathBuf,
}

/// Every dataset under `roots`, in the order [`discover`] loads them, from manifests and folder
/// layouts only: nothing is loaded or fingerprinted, so it costs the same at any size.
pub fn survey(roots: &[PathBuf]) -> (Vec<Listing>, Vec<InputError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for root in roots {
        for dir in dataset_dirs(root, &mut errors) {
            let manifest_path = dir.join("dataset.toml");
            if manifest_path.is_file() {
                match Manifest::read(&manifest_path) {
                    Ok(m) => out.push(Listing { name: m.name, task: m.task, format: m.format, root: dir }),
                    Err(e) => errors.push(e),
                }
            } else if let Some(f) = formats::find(&dir) {
                out.push(Listing { name: f.dataset_name(&dir), task: f.task, format: f.name.to_string(), root: dir });
            }
        }
    }
    (out, errors)
}

/// A folder is a dataset when it has a `dataset.toml` or an upstream format recognises it.
fn is_dataset(dir: &Path) -> bool {
    dir.join("dataset.toml").is_file() || formats::find(dir).is_some()
}

fn dataset_dirs(root: &Path, errors: &mut Vec<InputError>) -> Vec<PathBuf> {
    if is_dataset(root) {
        return vec![root.to_path_buf()];
    }
    let entries = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(InputError::file(root, format!("cannot read corpus folder: {e}")));
            return Vec::new();
        }
    };
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| is_dataset(p)).collect();
    dirs.sort();
    if dirs.is_empty() {
        errors.push(InputError::file(root, "no dataset found (a dataset folder holds a dataset.toml)"));
    }
    dirs
}

/// An error about `field` of a manifest.
fn field_error(manifest: &Path, field: &str, msg: String) -> InputError {
    InputError { field: Some(field.into()), ..InputError::file(manifest, msg) }
}

/// The document shards a dedup manifest names (`docs`, or its format's default), in order.
fn shards_of(dir: &Path, manifest: &Manifest) -> Result<Vec<Shard>, String> {
    let format = match manifest.format.as_str() {
        "parquet" => {
            let c = manifest.columns.clone().unwrap_or(super::manifest::ColumnNames {
                id: "id".into(),
                text: "text".into(),
                url: None,
            });
            ShardFormat::Parquet(Columns { id: (!c.id.is_empty()).then_some(c.id), text: c.text, url: c.url })
        }
        _ if manifest.columns.is_some() => return Err("`columns` is for Parquet datasets".into()),
        "wet" => ShardFormat::Wet,
        _ => ShardFormat::Jsonl,
    };
    let default = match (&format, manifest.task) {
        (_, Task::Extract) => "*.warc.gz",
        (ShardFormat::Jsonl, _) => "docs.jsonl",
        (ShardFormat::Parquet(_), _) => "*.parquet",
        (ShardFormat::Wet, _) => "*.warc.wet.gz",
    };
    let patterns = manifest.docs.clone().unwrap_or_else(|| vec![default.to_string()]);
    if patterns.is_empty() {
        return Err("lists no files".into());
    }
    let mut shards = Vec::new();
    for pattern in &patterns {
        crate::io::inside(dir, pattern.trim_end_matches(['*', '?']), manifest.allow_outside_paths)?;
        for path in super::shards::expand(dir, pattern)? {
            // A file named without wildcards may be stored compressed, as every loader accepts.
            let path = crate::io::find_stored(&path).unwrap_or(path);
            shards.push(Shard { path, format: format.clone() });
        }
    }
    Ok(shards)
}

/// Loads one dataset folder. Problems inside its files land in [`Dataset::issues`]; only a
/// missing or invalid manifest is an error.
pub fn load_dataset(dir: &Path) -> Result<Dataset, Error> {
    load_dataset_with(dir, LoadOptions::default())
}

/// [`load_dataset`] with `options`.
pub fn load_dataset_with(dir: &Path, options: LoadOptions) -> Result<Dataset, Error> {
    let manifest_path = dir.join("dataset.toml");
    let manifest = Manifest::read(&manifest_path)?;
    let mut issues = Vec::new();
    let items = match (manifest.format.as_str(), manifest.task, &manifest.docs) {
        ("jsonl", task, None) => jsonl::load(dir, task, manifest.allow_outside_paths, options.stream, &mut issues),
        ("jsonl" | "parquet" | "wet", Task::Dedup, _) => {
            let shards = shards_of(dir, &manifest).map_err(|msg| field_error(&manifest_path, "docs", msg))?;
            jsonl::load_dedup(dir, shards, options.stream, &mut issues)
        }
        ("warc", Task::Extract, _) => {
            let shards = shards_of(dir, &manifest).map_err(|msg| field_error(&manifest_path, "docs", msg))?;
            let files: Vec<_> = shards.into_iter().map(|s| s.path).collect();
            super::warc::load_extract(dir, &files, &mut issues)
        }
        ("jsonl", Task::Extract, Some(_)) => {
            return Err(field_error(&manifest_path, "docs", "`docs` is for dedup datasets".into()).into());
        }
        ("parquet" | "wet", Task::Extract, _) => {
            let msg = format!("a {} dataset is a dedup dataset (`task = \"dedup\"`)", manifest.format);
            return Err(field_error(&manifest_path, "format", msg).into());
        }
        ("warc", Task::Dedup, _) => {
            let msg = "a WARC dataset is an extraction dataset; for dedup over extracted text use `wet`".to_string();
            return Err(field_error(&manifest_path, "format", msg).into());
        }
        (other, ..) => {
            let msg = format!("unknown format `{other}` (known: jsonl, parquet, wet, warc)");
            return Err(field_error(&manifest_path, "format", msg).into());
        }
    };
    finish(dir, &manifest_path, manifest, items, issues)
}

/// The manifest of a `warc` extraction dataset at `dir`, and its WARC files (`docs`, default
/// `*.warc.gz`) in the order a load reads them; an error for any other dataset.
pub fn warc_files(dir: &Path) -> Result<(Manifest, Vec<std::path::PathBuf>), Error> {
    let manifest_path = dir.join("dataset.toml");
    let manifest = Manifest::read(&manifest_path)?;
    if manifest.format != "warc" || manifest.task != Task::Extract {
        let msg = format!("not a WARC extraction dataset (format `{}`, task {})", manifest.format, manifest.task);
        return Err(field_error(&manifest_path, "format", msg).into());
    }
    let shards = shards_of(dir, &manifest).map_err(|msg| field_error(&manifest_path, "docs", msg))?;
    Ok((manifest, shards.into_iter().map(|s| s.path).collect()))
}

/// A `warc` extraction dataset whose pages `items` makes from its WARC files (in load order),
/// finished as [`load_dataset`] finishes one (fingerprint, scoring, issues sorted by place): the
/// extraction stages (`crate::stage::extract`) assemble the pages from their parts' outputs.
pub fn load_warc_with(
    dir: &Path,
    items: impl FnOnce(&[std::path::PathBuf], &mut Vec<InputError>) -> Result<Items, Error>,
) -> Result<Dataset, Error> {
    let (manifest, files) = warc_files(dir)?;
    let mut issues = Vec::new();
    let items = items(&files, &mut issues)?;
    finish(dir, &dir.join("dataset.toml"), manifest, items, issues)
}

/// The rest of a load once the items are read: the files' fingerprint, the scoring, the issues
/// in file and line order.
fn finish(
    dir: &Path,
    manifest_path: &Path,
    manifest: Manifest,
    items: Items,
    mut issues: Vec<InputError>,
) -> Result<Dataset, Error> {
    check_files(dir, manifest_path, &manifest)?;
    let fingerprint = match fingerprint(dir, &manifest.files) {
        Ok(fp) => fp,
        Err(e) => {
            issues.push(InputError { field: Some("files".into()), ..InputError::file(manifest_path, e.to_string()) });
            String::new()
        }
    };
    if let Some(expected) = &manifest.sha256
        && !fingerprint.is_empty()
        && *expected != fingerprint
    {
        let msg = format!("files changed: fingerprint is {fingerprint}, manifest expects {expected}");
        issues.push(InputError { field: Some("sha256".into()), ..InputError::file(manifest_path, msg) });
    }
    issues.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    complete(dir, manifest_path, manifest, fingerprint, items, issues)
}

/// Refuses a manifest whose `files` reach outside the dataset's folder (unless it allows it).
fn check_files(dir: &Path, manifest_path: &Path, manifest: &Manifest) -> Result<(), Error> {
    let outside = manifest.files.iter().find_map(|f| crate::io::inside(dir, f, manifest.allow_outside_paths).err());
    match outside {
        Some(msg) => Err(InputError { field: Some("files".into()), ..InputError::file(manifest_path, msg) }.into()),
        None => Ok(()),
    }
}

/// The dataset of `manifest` with its items: scoring follows the gold the items hold.
fn complete(
    dir: &Path,
    manifest_path: &Path,
    manifest: Manifest,
    fingerprint: String,
    items: Items,
    issues: Vec<InputError>,
) -> Result<Dataset, Error> {
    let (task, families, default) = own_format(&items);
    let scoring = Scoring::new(task, families, manifest.primary_metric.as_deref(), default, manifest_path)?;
    Ok(Dataset {
        name: manifest.name,
        root: dir.to_path_buf(),
        format: manifest.format,
        scoring,
        fingerprint,
        items,
        html_bytes: None,
        issues,
    })
}

/// The dataset in `dir` with items loaded earlier and the issues met then (the stage
/// pipeline's `score` takes them from `plan`): the manifest is read again and the fingerprint
/// taken (from its cache when the files did not change), but no document is read.
pub fn dataset_with_items(dir: &Path, items: Items, issues: Vec<InputError>) -> Result<Dataset, Error> {
    let manifest_path = dir.join("dataset.toml");
    let manifest = Manifest::read(&manifest_path)?;
    check_files(dir, &manifest_path, &manifest)?;
    let fingerprint = fingerprint(dir, &manifest.files)?;
    complete(dir, &manifest_path, manifest, fingerprint, items, issues)
}
