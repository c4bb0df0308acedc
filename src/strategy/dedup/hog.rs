//! `hog`: a testing aid, not a deduplicator. It holds `mb` megabytes of heap, one megabyte at a
//! time, then answers that every document is unique, so tests can drive the heap limit of
//! deduplication workers: a cell whose strategy blows up its memory must fail alone while the run
//! goes on. Registered only by `Registry::with_testing_aids`.

use crate::error::Error;
use crate::model::{DedupOutput, Doc};
use crate::strategy::{Deduplicator, ParamSpec, Params, StrategyError};

/// Parameters of `hog`.
pub const PARAMS: &[ParamSpec] = &[ParamSpec { name: "mb", default: "0", help: "megabytes of heap to hold" }];

/// The `hog` testing aid.
#[derive(Debug, Clone)]
pub struct Hog {
    mb: usize,
}

impl Hog {
    /// Builds it from `mb` (at most 1 TB).
    pub fn new(params: &Params) -> Result<Hog, Error> {
        Ok(Hog { mb: params.usize_in("mb", 0, 1_000_000)? })
    }
}

impl Deduplicator for Hog {
    fn name(&self) -> &str {
        "hog"
    }

    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
        let held: Vec<Vec<u8>> = (0..self.mb).map(|i| vec![i as u8; 1 << 20]).collect();
        std::hint::black_box(&held);
        let cluster = (0..docs.len()).map(|i| i as u32).collect();
        Ok(DedupOutput { cluster: Some(cluster), ..DedupOutput::default() })
    }
}
