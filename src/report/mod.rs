//! Reports: `results.csv` (long form, [`schema`]), `cost.csv`, `doc_stats.csv` (per-document
//! figures), `run.json` (the run record), `resamples.jsonl` (bootstrap values, for `compare`),
//! `examples.jsonl` (the drill-down's worst pages and missed and false pairs), `bench.csv`, the
//! terminal leaderboard, and the HTML report with its Markdown summary (`html`, charts drawn by
//! `svg`). Each report is one module here; every file is written with
//! [`crate::io::write_atomic`].

pub mod bench;
pub mod cost;
pub mod csv;
pub mod doc_stats;
pub mod examples;
pub mod html;
pub mod json;
pub mod resamples;
pub mod schema;
pub mod svg;
pub mod table;
