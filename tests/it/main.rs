//! The integration tests, as one test binary (one link of the crate instead of one per file).
//! Each module is one area; `common` holds the shared helpers. Tests that need the shared data
//! or valgrind are in `tests/data/`, whose harness reports them ignored where those are missing.

mod common;

mod cli;
mod dedup_workers;
mod engines;
mod expected_answers;
mod extractors;
mod gate;
mod gopher_seed;
mod layers;
mod near_dup;
mod parquet;
mod propagate;
mod properties;
mod runner;
mod s_curve;
mod stage;
mod stage_extract;
mod strategies;
mod streaming;
mod synth;
mod upstream_formats;
mod warc;
