//! Helpers shared by the upstream reproduction tests (`repro_*.rs`): locating `../shared/data`, reading reference CSVs,
//! and scoring a file of saved outputs on a loaded dataset.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use corpusbench::corpus::formats;
use corpusbench::metrics;
use corpusbench::model::{Dataset, Items};
use corpusbench::strategy::Extractor;
use corpusbench::strategy::extract::outputs::Outputs;

/// `<crate>/../shared/data/extraction/<name>` (the harness skips the test when it is absent).
pub fn dataset_dir(name: &str) -> PathBuf {
    crate::shared(&format!("extraction/{name}"))
}

/// Loads an upstream-format folder, failing the test on any load problem.
pub fn load(dir: &Path) -> Dataset {
    let format = formats::find(dir).unwrap_or_else(|| panic!("no format recognises {}", dir.display()));
    let ds = (format.load)(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    assert!(ds.issues.is_empty(), "load issues: {:?}", ds.issues.iter().take(5).collect::<Vec<_>>());
    ds
}

/// Rows of a CSV file as header -> value maps.
pub fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers: Vec<String> = reader.headers().map(|h| h.iter().map(str::to_string).collect()).unwrap_or_default();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            headers.iter().cloned().zip(r.iter().map(str::to_string)).collect()
        })
        .collect()
}

/// A float field of a CSV row.
pub fn num(row: &HashMap<String, String>, key: &str) -> f64 {
    row.get(key).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("row {row:?}: no number in `{key}`"))
}

/// The saved outputs in `file`, aligned with the dataset's pages (failures as ""), and how many
/// pages failed.
pub fn outputs_for(ds: &Dataset, file: &Path) -> (Outputs, Vec<String>, usize) {
    let outputs = Outputs::from_file(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let Items::Extract { pages, .. } = &ds.items else { panic!("{} is not an extraction dataset", ds.name) };
    let results: Vec<_> = pages.iter().map(|p| outputs.extract(p)).collect();
    let failed = results.iter().filter(|r| r.is_err()).count();
    let texts = results.into_iter().map(|r| r.unwrap_or_default()).collect();
    (outputs, texts, failed)
}

/// Scores saved outputs with the dataset's metrics, as the runner does.
pub fn score(ds: &Dataset, texts: &[String]) -> HashMap<String, f64> {
    let Items::Extract { gold, .. } = &ds.items else { panic!("{} is not an extraction dataset", ds.name) };
    metrics::extract::score(&ds.scoring, gold, texts).into_iter().collect()
}

/// `metric` from a score map.
pub fn get(scores: &HashMap<String, f64>, metric: &str) -> f64 {
    *scores.get(metric).unwrap_or_else(|| panic!("no metric `{metric}` in {:?}", scores.keys().collect::<Vec<_>>()))
}

/// Python's `'{:.Nf}'.format(x)` for the values compared here (none sits on an exact tie).
pub fn fixed(x: f64, decimals: usize) -> String {
    format!("{x:.decimals$}")
}
