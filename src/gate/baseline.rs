//! The committed baseline: tolerances, dataset fingerprints and, per strategy x dataset, the
//! gated metrics (quality floors and cost ceilings). Stored as TOML so a reviewer can read a
//! baseline change in a pull request.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Kind, Observed, kind};
use crate::error::{Error, InputError};

/// How far a metric may move before it counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    /// Absolute tolerance of quality metrics.
    #[serde(default = "default_quality_abs")]
    pub quality_abs: f64,
    /// Relative tolerance of cost metrics (0.03 = 3%).
    #[serde(default = "default_cost_rel")]
    pub cost_rel: f64,
    /// Per-metric overrides (absolute for quality, relative for cost).
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
}

fn default_quality_abs() -> f64 {
    0.0005
}

fn default_cost_rel() -> f64 {
    0.03
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance { quality_abs: default_quality_abs(), cost_rel: default_cost_rel(), metrics: BTreeMap::new() }
    }
}

impl Tolerance {
    /// The tolerance of `metric` of `kind`.
    pub fn of(&self, metric: &str, kind: Kind) -> f64 {
        self.metrics.get(metric).copied().unwrap_or(match kind {
            Kind::Quality => self.quality_abs,
            Kind::Cost => self.cost_rel,
        })
    }
}

/// One baseline cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineCell {
    /// Dataset name.
    pub dataset: String,
    /// Strategy spec.
    pub strategy: String,
    /// Gated metric -> value.
    pub metrics: BTreeMap<String, f64>,
}

/// The baseline file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Tolerances.
    #[serde(default)]
    pub tolerance: Tolerance,
    /// Dataset name -> sha256 fingerprint the values were measured on.
    #[serde(default)]
    pub datasets: BTreeMap<String, String>,
    /// Cells, sorted by dataset then strategy.
    #[serde(default)]
    pub cells: Vec<BaselineCell>,
}

impl Baseline {
    /// Reads a baseline TOML file.
    pub fn read(path: &Path) -> Result<Baseline, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            Error::Input(InputError { path: path.to_path_buf(), line, field: None, message: e.message().to_string() })
        })
    }

    /// The TOML text of the baseline.
    pub fn to_toml(&self) -> Result<String, Error> {
        toml::to_string(self).map_err(|e| Error::Usage(format!("cannot write baseline: {e}")))
    }

    /// This baseline updated with `observed`: every cell the run covered takes the run's gated
    /// metrics (a failed cell is left out); cells on datasets the run did not load at all are
    /// kept as they are, with their fingerprints, so re-baselining on a machine without some
    /// data never deletes the baseline of that data.
    pub fn updated(&self, observed: &Observed) -> Baseline {
        let fresh = Baseline::from_observed(observed, self.tolerance.clone());
        let mut datasets = fresh.datasets.clone();
        let mut cells = fresh.cells;
        for cell in &self.cells {
            if !observed.fingerprints.contains_key(&cell.dataset) {
                cells.push(cell.clone());
                if let Some(fp) = self.datasets.get(&cell.dataset) {
                    datasets.insert(cell.dataset.clone(), fp.clone());
                }
            }
        }
        cells.sort_by(|a, b| (&a.dataset, &a.strategy).cmp(&(&b.dataset, &b.strategy)));
        Baseline { tolerance: self.tolerance.clone(), datasets, cells }
    }

    /// A baseline holding every gated metric of `observed`, with `tolerance`. Failed cells are
    /// left out.
    pub fn from_observed(observed: &Observed, tolerance: Tolerance) -> Baseline {
        let cells = observed
            .cells
            .iter()
            .filter(|(_, c)| !c.failed)
            .map(|((dataset, strategy), c)| BaselineCell {
                dataset: dataset.clone(),
                strategy: strategy.clone(),
                metrics: c.metrics.iter().filter(|(m, _)| kind(m).is_some()).map(|(m, v)| (m.clone(), *v)).collect(),
            })
            .filter(|c| !c.metrics.is_empty())
            .collect();
        Baseline { tolerance, datasets: observed.fingerprints.clone(), cells }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::observed::ObservedCell;

    fn cell(dataset: &str, f1: f64) -> BaselineCell {
        BaselineCell {
            dataset: dataset.into(),
            strategy: "s".into(),
            metrics: BTreeMap::from([("span_f1".to_string(), f1)]),
        }
    }

    #[test]
    fn update_keeps_cells_of_datasets_the_run_did_not_load() {
        let old = Baseline {
            tolerance: Tolerance::default(),
            datasets: BTreeMap::from([("here".into(), "a".into()), ("shared".into(), "b".into())]),
            cells: vec![cell("here", 0.5), cell("shared", 0.9)],
        };
        let observed = Observed {
            fingerprints: BTreeMap::from([("here".into(), "a2".into())]),
            cells: BTreeMap::from([(
                ("here".to_string(), "s".to_string()),
                ObservedCell { metrics: BTreeMap::from([("span_f1".to_string(), 0.6)]), failed: false },
            )]),
        };
        let new = old.updated(&observed);
        assert_eq!(new.cells, vec![cell("here", 0.6), cell("shared", 0.9)]);
        assert_eq!(new.datasets.get("shared").map(String::as_str), Some("b"));
        assert_eq!(new.datasets.get("here").map(String::as_str), Some("a2"));
    }
}
