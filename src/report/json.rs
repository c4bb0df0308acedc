//! `run.json`: what was run, on what, where: version, commit, machine, threads, dataset
//! fingerprints, strategy specs, per-cell timings and failures, and every input problem.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, InputError};
use crate::model::{Dataset, Task};
use crate::runner::{Cell, RunOptions};

/// The run record, as written to and read from `run.json`. Reading is lenient: a field a
/// record lacks (an older or hand-written one) takes its default; only the datasets' names and
/// fingerprints are required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunRecord {
    /// corpusbench's version.
    pub corpusbench_version: String,
    /// The commit it was built from, when known.
    pub git_commit: Option<String>,
    /// When the run started (Unix seconds).
    pub started_unix_s: u64,
    /// The machine it ran on.
    pub machine: Machine,
    /// Worker threads.
    pub threads: usize,
    /// Timed runs per cell.
    pub repeat: usize,
    /// Strategy specs, as selected.
    pub strategies: Vec<String>,
    /// The datasets, with their fingerprints.
    pub datasets: Vec<DatasetRecord>,
    /// One record per cell.
    pub cells: Vec<CellRecord>,
    /// Every input problem met while loading.
    pub input_errors: Vec<InputError>,
}

/// The machine a run ran on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Machine {
    /// Operating system.
    pub os: String,
    /// CPU architecture.
    pub arch: String,
    /// Logical CPUs.
    pub cpus: usize,
    /// CPU model name, when the system says.
    pub cpu_model: Option<String>,
}

/// One dataset of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRecord {
    /// Name.
    pub name: String,
    /// Task.
    #[serde(default)]
    pub task: Option<Task>,
    /// Format it was read as.
    #[serde(default)]
    pub format: String,
    /// Folder it was read from.
    #[serde(default)]
    pub root: String,
    /// Documents or pages.
    #[serde(default)]
    pub items: usize,
    /// Input bytes.
    #[serde(default)]
    pub input_bytes: u64,
    /// sha256 fingerprint of its files.
    pub sha256: String,
    /// The metric its strategies are ranked by.
    #[serde(default)]
    pub primary_metric: Option<String>,
}

/// One cell of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellRecord {
    /// Dataset name.
    pub dataset: String,
    /// Strategy spec.
    pub strategy: String,
    /// Why it failed, when it did.
    #[serde(default)]
    pub failure: Option<String>,
    /// Wall seconds of each repeat.
    #[serde(default)]
    pub wall_s_runs: Option<Vec<f64>>,
    /// The system a declared engine wraps, as its handshake named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_name: Option<String>,
    /// That system's version, as the engine reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    /// Per-page latency in ms at every 5th percentile (extractors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latency_quantiles_ms: Vec<f64>,
}

impl RunRecord {
    /// Reads `run.json`.
    pub fn read(path: &Path) -> Result<RunRecord, Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            InputError::line(path, e.line(), format!("not a run record at column {}: {e}", e.column())).into()
        })
    }
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// The JSON text of the run record.
pub fn run_json(
    datasets: &[Dataset],
    specs: &[String],
    cells: &[Cell],
    options: &RunOptions,
    input_errors: &[InputError],
    started_unix_s: u64,
) -> Result<Vec<u8>, Error> {
    let record = RunRecord {
        corpusbench_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: option_env!("CORPUSBENCH_GIT_COMMIT").filter(|c| !c.is_empty()).map(str::to_string),
        started_unix_s,
        machine: Machine {
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            cpu_model: cpu_model(),
        },
        threads: options.threads,
        repeat: options.repeat,
        strategies: specs.to_vec(),
        datasets: datasets
            .iter()
            .map(|d| DatasetRecord {
                name: d.name.clone(),
                task: Some(d.task()),
                format: d.format.clone(),
                root: d.root.display().to_string(),
                items: d.len(),
                input_bytes: d.input_bytes(),
                sha256: d.fingerprint.clone(),
                primary_metric: Some(d.scoring.primary.clone()),
            })
            .collect(),
        cells: cells
            .iter()
            .map(|c| CellRecord {
                dataset: c.dataset.clone(),
                strategy: c.strategy.clone(),
                failure: c.failure.clone(),
                wall_s_runs: c.timing.as_ref().map(|t| t.runs.clone()),
                engine_name: c.engine.as_ref().map(|e| e.name.clone()),
                engine_version: c.engine.as_ref().map(|e| e.version.clone()),
                latency_quantiles_ms: c.timing.as_ref().map(|t| t.latency_quantiles_ms.clone()).unwrap_or_default(),
            })
            .collect(),
        input_errors: input_errors.to_vec(),
    };
    let mut bytes = serde_json::to_vec_pretty(&record).map_err(|e| Error::Usage(format!("cannot write JSON: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}
