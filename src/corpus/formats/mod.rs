//! Upstream dataset formats, recognised by a folder's contents (no `dataset.toml` needed), so a
//! user can point `--corpus` at a benchmark as it is distributed.
//!
//! Each format module contributes one [`Format`] to [`FORMATS`]: a cheap check of the folder's
//! layout and a loader. The first format that recognises a folder loads it.

pub mod clough_stevenson;
pub mod dolma_fixtures;
pub mod parquet_shards;
pub mod scrapinghub;
pub mod trafilatura_eval;
pub(crate) mod upstream;
pub mod wcxb;

use std::path::Path;

use crate::error::Error;
use crate::model::{Dataset, Task};

/// One upstream format.
pub struct Format {
    /// Name recorded as the dataset's format.
    pub name: &'static str,
    /// The task of its datasets.
    pub task: Task,
    /// Whether a dataset of this format is named after its folder (else after the format).
    pub named_by_folder: bool,
    /// Whether `dir` looks like this format (cheap: file names only).
    pub recognises: fn(&Path) -> bool,
    /// Loads `dir`; problems inside files go to the dataset's issues.
    pub load: Loader,
    /// Loads `dir` with pages that hold no HTML (`LoadOptions::skip_html`), for the formats
    /// that have pages; the dataset's fingerprint and size are those [`Format::load`] gives.
    pub load_without_html: Option<Loader>,
}

/// A format's loader of a folder.
pub type Loader = fn(&Path) -> Result<Dataset, Error>;

/// Every upstream format, tried in this order.
pub const FORMATS: &[Format] = &[
    clough_stevenson::FORMAT,
    dolma_fixtures::FORMAT,
    scrapinghub::FORMAT,
    trafilatura_eval::FORMAT,
    wcxb::FORMAT,
    parquet_shards::FORMAT,
];

impl Format {
    /// The name a dataset of this format in `dir` gets, without loading it.
    pub fn dataset_name(&self, dir: &Path) -> String {
        if self.named_by_folder { upstream::folder_name(dir, self.name) } else { self.name.to_string() }
    }
}

/// The first format that recognises `dir`.
pub fn find(dir: &Path) -> Option<&'static Format> {
    FORMATS.iter().find(|f| (f.recognises)(dir))
}
