//! Strategies: the two traits every algorithm implements, and the registry that builds them from
//! spec strings such as `lines` or `lines:norm=ws`.
//!
//! A strategy is pure with respect to its input: the same documents and parameters give the same
//! output, so runs are reproducible and repeated timings can be checked against each other.

pub mod dedup;
pub mod engine;
pub mod extract;
pub mod registry;
pub mod spec;
pub mod sweep;

use crate::model::{Doc, Page};

pub use crate::model::{DedupOutput, PairModel};

pub use registry::{Origin, Registry, Strategy, StrategyInfo, build};
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
    /// Whether it reads the page's HTML. One that does not (saved outputs looked up by id) is
    /// run in the harness's own process, and a run of only such extractors loads no HTML text.
    fn reads_html(&self) -> bool {
        true
    }
}

/// A set of documents -> duplicate clusters and/or duplicate spans.
pub trait Deduplicator: Send + Sync {
    /// Stable id used in reports, e.g. `exact`.
    fn name(&self) -> &str;
    /// Sees the whole dataset at once (in dataset order: the keep policy depends on it); may
    /// parallelise inside with rayon.
    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError>;
    /// The strategy's model of document pairs, when it has one: its own similarity of two
    /// documents and the probability it predicts of finding a pair that similar. The scorer uses
    /// it to set the predicted S-curve against the recall measured on gold pairs
    /// (`pair_recall@jaccard=x`, see `metrics::s_curve`). `None` by default.
    fn pair_model(&self) -> Option<&dyn PairModel> {
        None
    }
    /// The streaming form, for a strategy that has one: documents in dataset order, in bounded
    /// batches, then a finish step; it keeps only the strategy's own state (hashes, band keys),
    /// never the texts. `None` (the default) means the strategy needs every document at once.
    fn stream(&self) -> Option<Box<dyn DedupStream + '_>> {
        None
    }
}

/// A deduplication fed one batch of documents at a time ([`Deduplicator::stream`]). Pushing the
/// same documents in any split into batches gives the same output as [`Deduplicator::dedup`].
pub trait DedupStream: Send {
    /// Takes the next documents of the dataset (the first follows the last of the previous batch).
    fn push(&mut self, batch: &[Doc]) -> Result<(), StrategyError>;
    /// The output for every document pushed, in the order pushed.
    fn finish(self: Box<Self>) -> Result<DedupOutput, StrategyError>;
}

/// The whole-slice form of a streaming strategy: every document in one batch.
pub fn dedup_in_one_batch(
    stream: Option<Box<dyn DedupStream + '_>>,
    docs: &[Doc],
) -> Result<DedupOutput, StrategyError> {
    let mut stream = stream.ok_or_else(|| StrategyError("strategy has no streaming form".into()))?;
    stream.push(docs)?;
    stream.finish()
}
