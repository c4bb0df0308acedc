//! What a run observed, read back from its files: `results.csv` and `cost.csv` (same long form,
//! `dataset,task,strategy,metric,value`) and the dataset fingerprints in `run.json`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, InputError};

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
        obs.read_csv(&dir.join("results.csv"))?;
        let cost = dir.join("cost.csv");
        if cost.exists() {
            obs.read_csv(&cost)?;
        }
        let run_json = dir.join("run.json");
        let bytes = std::fs::read(&run_json).map_err(|e| Error::io(&run_json, e))?;
        let run: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| InputError::file(&run_json, format!("malformed JSON: {e}")))?;
        for ds in run["datasets"].as_array().into_iter().flatten() {
            if let (Some(name), Some(sha)) = (ds["name"].as_str(), ds["sha256"].as_str()) {
                obs.fingerprints.insert(name.to_string(), sha.to_string());
            }
        }
        Ok(obs)
    }

    /// Adds the rows of one long-form CSV.
    pub fn read_csv(&mut self, path: &Path) -> Result<(), Error> {
        let mut reader = csv::Reader::from_path(path).map_err(|e| InputError::file(path, e.to_string()))?;
        for (i, rec) in reader.records().enumerate() {
            let line = i + 2;
            let rec = rec.map_err(|e| InputError::line(path, line, e.to_string()))?;
            if rec.len() != 5 {
                return Err(InputError::line(path, line, format!("expected 5 fields, found {}", rec.len())).into());
            }
            let value: f64 = rec[4]
                .parse()
                .map_err(|_| InputError::field(path, line, "value", format!("`{}` is not a number", &rec[4])))?;
            let cell = self.cells.entry((rec[0].to_string(), rec[2].to_string())).or_default();
            if &rec[3] == "failed" {
                cell.failed = true;
            } else {
                cell.metrics.insert(rec[3].to_string(), value);
            }
        }
        Ok(())
    }
}
