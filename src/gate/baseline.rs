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
