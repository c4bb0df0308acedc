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

use std::borrow::Cow;

use crate::model::docs::BATCH_BYTES;
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
///
/// After the last push, a stream may ask to see some documents again (`minhash` verifying its
/// candidate pairs on their shingle sets): [`finish_stream`] asks [`DedupStream::wanted`] and
/// hands those documents to [`DedupStream::reread`], round after round, until it wants none,
/// then calls [`DedupStream::finish`]. A stream that needs no second look keeps the defaults.
pub trait DedupStream: Send {
    /// Takes the next documents of the dataset (the first follows the last of the previous batch).
    fn push(&mut self, batch: &[Doc]) -> Result<(), StrategyError>;
    /// Whether it may ask for documents again after the last push. A feed that cannot read
    /// them again (documents that came over a pipe) keeps their texts when it is true.
    fn reads_again(&self) -> bool {
        false
    }
    /// After the last push, and after each round of [`DedupStream::reread`]: the documents it
    /// must see again before it can finish (sorted, distinct indices in the order pushed); none
    /// when it is ready to finish.
    fn wanted(&mut self) -> Result<Vec<u32>, StrategyError> {
        Ok(Vec::new())
    }
    /// The next of the documents the last [`DedupStream::wanted`] named, in its order, as
    /// `(index, text)`; the round's documents come in one or more such batches.
    fn reread(&mut self, docs: &[(u32, &str)]) -> Result<(), StrategyError> {
        let _ = docs;
        Err(StrategyError("this strategy reads no document again".into()))
    }
    /// The output for every document pushed, in the order pushed.
    fn finish(self: Box<Self>) -> Result<DedupOutput, StrategyError>;
}

/// How a feed finds documents again by index: `select(wanted, each)` calls `each(index, text)`
/// for every document of `wanted` (sorted, distinct indices), in that order. The texts live for
/// `'s` (borrowed from documents in memory, or owned).
pub type Select<'s, 'c> = dyn FnMut(&[u32], &mut dyn FnMut(u32, Cow<'s, str>)) -> Result<(), String> + Send + 'c;

/// Finishes `stream` after its last push: the rounds of documents it wants again, read by
/// `select` and handed over in batches of about [`BATCH_BYTES`] of text, then its output.
pub fn finish_stream<'s>(
    mut stream: Box<dyn DedupStream + '_>,
    select: &mut Select<'s, '_>,
) -> Result<DedupOutput, StrategyError> {
    loop {
        let wanted = stream.wanted()?;
        if wanted.is_empty() {
            return stream.finish();
        }
        let mut batch: Vec<(u32, Cow<'s, str>)> = Vec::new();
        let (mut held, mut came) = (0usize, 0usize);
        let mut failed: Option<StrategyError> = None;
        let mut hand_over = |batch: &mut Vec<(u32, Cow<'s, str>)>, failed: &mut Option<StrategyError>| {
            if failed.is_none() && !batch.is_empty() {
                let view: Vec<(u32, &str)> = batch.iter().map(|(i, t)| (*i, t.as_ref())).collect();
                if let Err(e) = stream.reread(&view) {
                    *failed = Some(e);
                }
            }
            batch.clear();
        };
        select(&wanted, &mut |i, text| {
            came += 1;
            if failed.is_none() {
                held += text.len();
                batch.push((i, text));
                if held >= BATCH_BYTES {
                    hand_over(&mut batch, &mut failed);
                    held = 0;
                }
            }
        })
        .map_err(|e| StrategyError(format!("documents could not be read again: {e}")))?;
        hand_over(&mut batch, &mut failed);
        if let Some(e) = failed {
            return Err(e);
        }
        if came != wanted.len() {
            return Err(StrategyError(format!("{came} of the {} documents wanted again were read", wanted.len())));
        }
    }
}

/// The whole-slice form of a streaming strategy: every document in one batch, and the documents
/// it wants again taken from the same slice.
pub fn dedup_in_one_batch(
    stream: Option<Box<dyn DedupStream + '_>>,
    docs: &[Doc],
) -> Result<DedupOutput, StrategyError> {
    let mut stream = stream.ok_or_else(|| StrategyError("strategy has no streaming form".into()))?;
    stream.push(docs)?;
    finish_in_memory(stream, docs)
}

/// [`finish_stream`] for a stream that was pushed `docs`, which are in memory: the documents it
/// wants again are taken from them.
pub fn finish_in_memory(stream: Box<dyn DedupStream + '_>, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
    finish_stream(stream, &mut |wanted, each| {
        for &i in wanted {
            let doc = docs.get(i as usize).ok_or_else(|| format!("no document {i} among {}", docs.len()))?;
            each(i, Cow::Borrowed(doc.text.as_str()));
        }
        Ok(())
    })
}
