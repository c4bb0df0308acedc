//! The integration tests, as one test binary (one link of the crate instead of one per file).
//! Each module is one area; `common` and `repro_common` hold the shared helpers.

mod common;
mod repro_common;

mod cli;
mod clough_stevenson;
mod cost;
mod dolma_fixtures;
mod expected_answers;
mod extractors;
mod gate;
mod gopher_seed;
mod layers;
mod near_dup;
mod properties;
mod repro_scrapinghub;
mod repro_trafilatura;
mod repro_wcxb;
mod runner;
mod strategies;
mod synth;
mod upstream_formats;
