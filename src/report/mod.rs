//! Reports: `results.csv` (long form, [`schema`]), `cost.csv`, `doc_stats.csv` (per-document
//! figures), `run.json` (the run record), `resamples.jsonl` (bootstrap values, for `compare`), `bench.csv`
//! and the terminal leaderboard. Each report
//! is one module here; every file is written with [`crate::io::write_atomic`].

pub mod bench;
pub mod cost;
pub mod csv;
pub mod doc_stats;
pub mod json;
pub mod resamples;
pub mod schema;
pub mod table;
