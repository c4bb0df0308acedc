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
use crate::strategy::{DedupOutput, Deduplicator, ParamSpec, Params, StrategyError};
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
}

impl Deduplicator for Exact {
    fn name(&self) -> &str {
        "exact"
    }

    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
        let hashes: Vec<u128> = docs
            .par_iter()
            .map_init(String::new, |buf, doc| {
                self.norm.apply(&doc.text, buf);
                content_hash(buf)
            })
            .collect();
        let mut first: HashMap<u128, u32, HashedKeys> =
            HashMap::with_capacity_and_hasher(hashes.len(), HashedKeys::default());
        let cluster = hashes.iter().enumerate().map(|(i, h)| *first.entry(*h).or_insert(i as u32)).collect();
        Ok(DedupOutput { cluster: Some(cluster), ..DedupOutput::default() })
    }
}
