//! `resamples.jsonl`: each cell's bootstrap values of its overall quality metrics (not the
//! `@group` rows), one JSON line per dataset x strategy x metric, so that two runs can be
//! compared on the same resamples later (`corpusbench compare`). A line also records the
//! dataset's fingerprint and the bootstrap's seed and size: values of different draws are
//! never paired.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, InputError};
use crate::metrics::bootstrap::{self, Bootstrap, Paired};
use crate::model::Dataset;
use crate::runner::Cell;

/// The file name in a run folder.
pub const FILE: &str = "resamples.jsonl";

/// One line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResampleRow {
    /// Dataset name.
    pub dataset: String,
    /// The dataset's sha256 fingerprint.
    pub fingerprint: String,
    /// Strategy spec.
    pub strategy: String,
    /// Metric name.
    pub metric: String,
    /// Seed of the draws.
    pub seed: u64,
    /// The metric on each resample, in resample order (`null` where a resample lacks it).
    pub values: Vec<Option<f64>>,
}

/// The lines of `cells` (datasets give the fingerprints), in the run's order.
pub fn rows(datasets: &[Dataset], cells: &[Cell], boot: &Bootstrap) -> Vec<ResampleRow> {
    let fingerprint = |name: &str| datasets.iter().find(|d| d.name == name).map(|d| d.fingerprint.clone());
    let mut out = Vec::new();
    for c in cells.iter().filter(|c| c.failure.is_none()) {
        let Some(fp) = fingerprint(&c.dataset) else { continue };
        for (metric, values) in c.resampled.iter().filter(|(m, _)| !m.contains('@')) {
            out.push(ResampleRow {
                dataset: c.dataset.clone(),
                fingerprint: fp.clone(),
                strategy: c.strategy.clone(),
                metric: metric.clone(),
                seed: boot.seed,
                // Six decimals, as results.csv: the file stays small and byte-identical.
                values: values.iter().map(|v| v.is_finite().then(|| (v * 1e6).round() / 1e6)).collect(),
            });
        }
    }
    out
}

/// The JSON lines text of `rows`.
pub fn write(rows: &[ResampleRow]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    for r in rows {
        let line = serde_json::to_vec(r).map_err(|e| Error::Usage(format!("cannot write {FILE}: {e}")))?;
        out.extend(line);
        out.push(b'\n');
    }
    Ok(out)
}

/// Reads a run folder's `resamples.jsonl`; a malformed line is an error naming file and line.
pub fn read(run: &Path) -> Result<Vec<ResampleRow>, Error> {
    let path = run.join(FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        InputError::file(&path, format!("{e} (a run made with --bootstrap 0, or before intervals existed, has none)"))
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let row: ResampleRow = serde_json::from_str(line)
            .map_err(|e| InputError::line(&path, i + 1, format!("not a resample row: {e}")))?;
        out.push(row);
    }
    Ok(out)
}

/// One metric of one strategy compared between two runs: B minus A on the same resamples.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Dataset.
    pub dataset: String,
    /// Strategy of run A.
    pub strategy_a: String,
    /// Strategy of run B.
    pub strategy_b: String,
    /// Metric.
    pub metric: String,
    /// The difference's interval and p-value.
    pub paired: Paired,
    /// The mean of A's and of B's resampled values.
    pub means: (f64, f64),
}

/// Pairs the lines of two runs: the same dataset (by fingerprint), the same strategy spec, or
/// the only strategy of that dataset in each run; the same metric, seed and number of
/// resamples. Lines that cannot be paired are skipped and counted.
pub fn compare(a: &[ResampleRow], b: &[ResampleRow]) -> (Vec<Comparison>, usize) {
    fn strategies<'r>(rows: &'r [ResampleRow], ds: &str) -> Vec<&'r str> {
        let mut s: Vec<&str> = rows.iter().filter(|r| r.dataset == ds).map(|r| r.strategy.as_str()).collect();
        s.sort_unstable();
        s.dedup();
        s
    }
    let index: BTreeMap<(&str, &str, &str), &ResampleRow> =
        b.iter().map(|r| ((r.dataset.as_str(), r.strategy.as_str(), r.metric.as_str()), r)).collect();
    let mut out = Vec::new();
    let mut unpaired = 0;
    for ra in a {
        let mut rb = index.get(&(ra.dataset.as_str(), ra.strategy.as_str(), ra.metric.as_str())).copied();
        if rb.is_none() {
            let (sa, sb) = (strategies(a, &ra.dataset), strategies(b, &ra.dataset));
            if let ([_], [only]) = (sa.as_slice(), sb.as_slice()) {
                rb = index.get(&(ra.dataset.as_str(), *only, ra.metric.as_str())).copied();
            }
        }
        let Some(rb) = rb.filter(|rb| rb.fingerprint == ra.fingerprint && rb.seed == ra.seed) else {
            unpaired += 1;
            continue;
        };
        if rb.values.len() != ra.values.len() {
            unpaired += 1;
            continue;
        }
        let pairs: Vec<(f64, f64)> =
            ra.values.iter().zip(&rb.values).filter_map(|(x, y)| Some(((*x)?, (*y)?))).collect();
        let diffs: Vec<f64> = pairs.iter().map(|(x, y)| y - x).collect();
        let Some(paired) = bootstrap::paired(&diffs) else {
            unpaired += 1;
            continue;
        };
        let mean = |f: fn(&(f64, f64)) -> f64| pairs.iter().map(f).sum::<f64>() / pairs.len() as f64;
        out.push(Comparison {
            dataset: ra.dataset.clone(),
            strategy_a: ra.strategy.clone(),
            strategy_b: rb.strategy.clone(),
            metric: ra.metric.clone(),
            paired,
            means: (mean(|p| p.0), mean(|p| p.1)),
        });
    }
    (out, unpaired)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(strategy: &str, metric: &str, values: &[f64]) -> ResampleRow {
        ResampleRow {
            dataset: "d".into(),
            fingerprint: "f".into(),
            strategy: strategy.into(),
            metric: metric.into(),
            seed: 0,
            values: values.iter().map(|v| Some(*v)).collect(),
        }
    }

    #[test]
    fn runs_pair_by_strategy_or_by_the_only_strategy_and_never_across_draws() {
        let a = vec![row("x", "m", &[0.5, 0.6, 0.55]), row("x", "n", &[0.1, 0.2, 0.3])];
        let b = vec![row("y", "m", &[0.7, 0.8, 0.75]), row("y", "n", &[0.1, 0.2])];
        let (got, unpaired) = compare(&a, &b);
        assert_eq!(unpaired, 1, "resamples of different sizes are not paired");
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].strategy_a.as_str(), got[0].strategy_b.as_str()), ("x", "y"));
        assert!(!got[0].paired.tied() && got[0].paired.interval.low > 0.0);
        let mut other_seed = b.clone();
        other_seed[0].seed = 1;
        assert_eq!(compare(&a, &other_seed).0.len(), 0);
    }

    #[test]
    fn lines_round_trip() {
        let rows = vec![row("x", "m", &[0.5, 0.25])];
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), write(&rows).unwrap()).unwrap();
        assert_eq!(read(dir.path()).unwrap(), rows);
        std::fs::write(dir.path().join(FILE), b"{\"dataset\": 3}\n").unwrap();
        let err = read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("resamples.jsonl") && err.contains(":1"), "{err}");
    }
}
