//! corpusbench: a benchmark and evaluation harness for text deduplication and extraction.
//!
//! Strategies implement [`strategy::Deduplicator`] or [`strategy::Extractor`] and are built by
//! name from the [`strategy::registry`]; datasets are loaded by [`corpus`]; [`runner`] runs and
//! times every strategy on every dataset of its task; [`metrics`] scores the outputs against gold;
//! [`report`] writes results.
#![deny(missing_docs)]

pub mod cases;
pub mod child;
pub mod corpus;
pub mod cost;
pub mod engine;
pub mod error;
pub mod gate;
pub mod io;
pub mod metrics;
pub mod model;
pub mod report;
pub mod runner;
pub mod stage;
pub mod strategy;
pub mod synth;
pub mod text;

pub use error::{Error, InputError};

/// The README's examples, compiled and run as doctests so that they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;
