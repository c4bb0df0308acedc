//! A folder of Parquet shards as Hugging Face datasets publish them, with no manifest:
//! `*.parquet` in the folder, or else in its `data/` folder (`data/train-00000-of-00004.parquet`),
//! read in sorted path order. Columns `text`, and `id` when the first shard has one (else each
//! document is named `<file>:<row>`). A dedup dataset with no gold: strategies are timed and
//! their removals counted. Documents stay in their files and are read as strategies take them.
//! A manifest (`format = "parquet"`, `docs`, `[columns]`) names other files or columns, or adds
//! gold.

use std::path::{Path, PathBuf};

use super::Format;
use crate::corpus::fingerprint::{Fingerprint, relative_name};
use crate::corpus::jsonl::load_dedup;
use crate::corpus::parquet::{Columns, column_names};
use crate::corpus::shards::{Shard, ShardFormat};
use crate::error::Error;
use crate::model::{Dataset, Family, Scoring};

/// The format entry.
pub const FORMAT: Format = Format {
    name: "parquet-shards",
    task: crate::model::Task::Dedup,
    named_by_folder: true,
    recognises,
    load,
    load_without_html: None,
};

/// The Parquet files of `dir`, else of `dir/data`, sorted.
fn shard_paths(dir: &Path) -> Vec<PathBuf> {
    for d in [dir.to_path_buf(), dir.join("data")] {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect();
        if !found.is_empty() {
            found.sort();
            return found;
        }
    }
    Vec::new()
}

fn recognises(dir: &Path) -> bool {
    !dir.join("dataset.toml").exists() && !shard_paths(dir).is_empty()
}

fn load(dir: &Path) -> Result<Dataset, Error> {
    let paths = shard_paths(dir);
    let first = paths.first().ok_or_else(|| Error::Usage(format!("{}: no Parquet file", dir.display())))?;
    let has_id = column_names(first)?.iter().any(|c| c == "id");
    let columns = Columns { id: has_id.then(|| "id".to_string()), text: "text".to_string(), url: None };
    // The fingerprint covers names and sizes (a shard's bytes are read once, by the run).
    let mut digest = Fingerprint::new();
    for p in &paths {
        let len = std::fs::metadata(p).map_err(|e| Error::io(p, e))?.len();
        digest.add(&relative_name(dir, p), &len.to_le_bytes());
    }
    let shards = paths.into_iter().map(|path| Shard { path, format: ShardFormat::Parquet(columns.clone()) }).collect();
    let mut issues = Vec::new();
    let items = load_dedup(dir, shards, true, &mut issues);
    Ok(Dataset {
        name: FORMAT.dataset_name(dir),
        root: dir.to_path_buf(),
        format: FORMAT.name.into(),
        scoring: Scoring { families: vec![Family::Removal], primary: "removed_fraction".into() },
        fingerprint: digest.finish(),
        items,
        html_bytes: None,
        issues,
    })
}
