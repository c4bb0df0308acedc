//! Strategies: the two traits every algorithm implements, and the registry that builds them from
//! spec strings such as `lines` or `lines:norm=ws`.
//!
//! A strategy is pure with respect to its input: the same documents and parameters give the same
//! output, so runs are reproducible and repeated timings can be checked against each other.

pub mod dedup;
pub mod extract;
pub mod registry;
pub mod spec;

use std::ops::Range;

use crate::corpus::{Doc, Page};

pub use registry::{Strategy, StrategyInfo, build, registry};
pub use spec::{ParamSpec, Params};

/// Why a strategy could not produce an output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StrategyError(pub String);

/// HTML page -> main text.
pub trait Extractor: Send + Sync {
    /// Stable id used in reports, e.g. `readability`.
    fn name(&self) -> &str;
    /// The page's main text, paragraphs separated by line breaks.
    fn extract(&self, page: &Page) -> Result<String, StrategyError>;
}

/// A set of documents -> duplicate clusters and/or duplicate spans.
pub trait Deduplicator: Send + Sync {
    /// Stable id used in reports, e.g. `exact`.
    fn name(&self) -> &str;
    /// Sees the whole dataset at once (in dataset order: the keep policy depends on it); may
    /// parallelise inside with rayon.
    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError>;
}

/// What a deduplicator found.
///
/// Document-level strategies fill `cluster`; span-level ones fill `dup_spans`; some fill both.
/// Keep policy: the first document of a cluster and the first occurrence of a repeated span (in
/// dataset order) are kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DedupOutput {
    /// Per document: a cluster label; documents alone in their cluster have a label of their own.
    pub cluster: Option<Vec<u32>>,
    /// Per document: char-offset spans a cleaner would remove (sorted, disjoint, half-open).
    pub dup_spans: Option<Vec<Vec<Range<usize>>>>,
    /// Document pairs `(i, j)`, `i < j`, the strategy judged duplicates before closing them into
    /// clusters (e.g. verified LSH candidates), scored as edge-level precision and recall.
    pub pairs: Option<Vec<(u32, u32)>>,
    /// Figures the strategy reports about itself (named, e.g. `candidate_pairs`), added to the
    /// results beside the metrics.
    pub stats: Vec<(String, f64)>,
    /// Per-document figures, by name: each column holds one value per document (in dataset
    /// order), written to `doc_stats.csv` so a user can see why a document was judged as it was.
    pub doc_stats: Vec<(String, Vec<f64>)>,
}
