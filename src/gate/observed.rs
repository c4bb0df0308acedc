//! What a run observed, read back through the results schema: `results.csv` and `cost.csv`
//! ([`crate::report::schema`]) and the dataset fingerprints of the run record ([`RunRecord`]).

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::Error;
use crate::report::json::RunRecord;
use crate::report::schema::{FAILED, ResultRow, read_rows};

/// Metrics of one strategy on one dataset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedCell {
    /// Metric name -> value.
    pub metrics: BTreeMap<String, f64>,
    /// Whether the cell failed.
    pub failed: bool,
}

/// A run's observations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// Dataset name -> sha256 fingerprint.
    pub fingerprints: BTreeMap<String, String>,
    /// (dataset, strategy) -> metrics.
    pub cells: BTreeMap<(String, String), ObservedCell>,
}

impl Observed {
    /// Reads `results.csv`, `run.json` and, when present, `cost.csv` from `dir`.
    pub fn read(dir: &Path) -> Result<Observed, Error> {
        let mut obs = Observed::default();
        obs.add_rows(read_rows(&dir.join("results.csv"))?);
        let cost = dir.join("cost.csv");
        if cost.exists() {
            obs.add_rows(read_rows(&cost)?);
        }
        let run = RunRecord::read(&dir.join("run.json"))?;
        for ds in run.datasets {
            obs.fingerprints.insert(ds.name, ds.sha256);
        }
        Ok(obs)
    }

    /// Adds the rows of one long-form CSV file.
    pub fn add_rows(&mut self, rows: Vec<ResultRow>) {
        for r in rows {
            let cell = self.cells.entry((r.dataset, r.strategy)).or_default();
            if r.metric == FAILED {
                cell.failed = true;
            } else {
                cell.metrics.insert(r.metric, r.value);
            }
        }
    }
}
