//! `run.json`: what was run, on what, where: version, commit, machine, threads, dataset
//! fingerprints, strategy specs, per-cell timings and failures, and every input problem.

use serde::Serialize;

use crate::corpus::Dataset;
use crate::error::{Error, InputError};
use crate::runner::{Cell, RunOptions};

#[derive(Serialize)]
struct RunRecord<'a> {
    corpusbench_version: &'static str,
    git_commit: Option<&'static str>,
    started_unix_s: u64,
    machine: Machine,
    threads: usize,
    repeat: usize,
    strategies: &'a [String],
    datasets: Vec<DatasetRecord<'a>>,
    cells: Vec<CellRecord<'a>>,
    input_errors: &'a [InputError],
}

#[derive(Serialize)]
struct Machine {
    os: &'static str,
    arch: &'static str,
    cpus: usize,
    cpu_model: Option<String>,
}

#[derive(Serialize)]
struct DatasetRecord<'a> {
    name: &'a str,
    task: &'static str,
    format: &'a str,
    root: String,
    items: usize,
    input_bytes: u64,
    sha256: &'a str,
}

#[derive(Serialize)]
struct CellRecord<'a> {
    dataset: &'a str,
    strategy: &'a str,
    failure: Option<&'a str>,
    wall_s_runs: Option<&'a [f64]>,
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
        corpusbench_version: env!("CARGO_PKG_VERSION"),
        git_commit: option_env!("CORPUSBENCH_GIT_COMMIT").filter(|c| !c.is_empty()),
        started_unix_s,
        machine: Machine {
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            cpu_model: cpu_model(),
        },
        threads: options.threads,
        repeat: options.repeat,
        strategies: specs,
        datasets: datasets
            .iter()
            .map(|d| DatasetRecord {
                name: &d.name,
                task: d.task().as_str(),
                format: &d.format,
                root: d.root.display().to_string(),
                items: d.len(),
                input_bytes: d.input_bytes(),
                sha256: &d.fingerprint,
            })
            .collect(),
        cells: cells
            .iter()
            .map(|c| CellRecord {
                dataset: &c.dataset,
                strategy: &c.strategy,
                failure: c.failure.as_deref(),
                wall_s_runs: c.timing.as_ref().map(|t| t.runs.as_slice()),
            })
            .collect(),
        input_errors,
    };
    let mut bytes = serde_json::to_vec_pretty(&record).map_err(|e| Error::Usage(format!("cannot write JSON: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}
