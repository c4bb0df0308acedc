//! `exact`: documents whose normalised text is identical form one cluster.
//!
//! Hashes are xxh3-128 of the normalised text; at 128 bits an accidental collision among even
//! billions of documents is negligible, so texts are not compared again.

use std::collections::HashMap;

use rayon::prelude::*;

use super::shingle::{norm_from, norm_param};
use super::{HashedKeys, content_hash};
use crate::error::Error;
use crate::model::Doc;
use crate::strategy::{DedupOutput, DedupStream, Deduplicator, ParamSpec, Params, StrategyError, dedup_in_one_batch};
use crate::text::Norm;

/// Parameters of `exact`.
pub const PARAMS: &[ParamSpec] = &[norm_param("ws")];

/// Document-level exact deduplication.
#[derive(Debug, Clone)]
pub struct Exact {
    norm: Norm,
}

impl Exact {
    /// Builds from spec parameters.
    pub fn new(params: &Params) -> Result<Exact, Error> {
        Ok(Exact { norm: norm_from(params)? })
    }

    /// The xxh3-128 of `text` normalised (`buf` is scratch): the key a document clusters by,
    /// public for the stage pipeline (`crate::stage`), which shuffles these keys.
    pub fn doc_hash(&self, text: &str, buf: &mut String) -> u128 {
        normalised_hash(self.norm, text, buf)
    }
}

/// xxh3-128 of `text` under `norm`: one definition for the stream and the stage pipeline.
fn normalised_hash(norm: Norm, text: &str, buf: &mut String) -> u128 {
    norm.apply(text, buf);
    content_hash(buf)
}

impl Deduplicator for Exact {
    fn name(&self) -> &str {
        "exact"
    }

    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
        dedup_in_one_batch(self.stream(), docs)
    }

    fn stream(&self) -> Option<Box<dyn DedupStream + '_>> {
        Some(Box::new(ExactStream { norm: self.norm, first: HashMap::default(), cluster: Vec::new() }))
    }
}

/// The state of `exact` between batches: the first document of each hash, and every label.
struct ExactStream {
    norm: Norm,
    first: HashMap<u128, u32, HashedKeys>,
    cluster: Vec<u32>,
}

impl DedupStream for ExactStream {
    fn push(&mut self, batch: &[Doc]) -> Result<(), StrategyError> {
        let norm = self.norm;
        let hashes: Vec<u128> =
            batch.par_iter().map_init(String::new, |buf, doc| normalised_hash(norm, &doc.text, buf)).collect();
        self.first.reserve(hashes.len());
        self.cluster.reserve(hashes.len());
        for h in hashes {
            let next = u32::try_from(self.cluster.len())
                .map_err(|_| StrategyError("exact: more than 2^32 documents".into()))?;
            self.cluster.push(*self.first.entry(h).or_insert(next));
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<DedupOutput, StrategyError> {
        Ok(DedupOutput { cluster: Some(self.cluster), ..DedupOutput::default() })
    }
}
