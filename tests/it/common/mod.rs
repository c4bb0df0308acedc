//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's bundled corpus.
pub fn bundled_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// Runs the `corpusbench` binary with `args` in `dir`.
pub fn corpusbench(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corpusbench"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the corpusbench binary runs")
}

/// A finished command's exit status and output, for an assertion's message.
pub fn describe(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Writes `files` (name, bytes) into a new folder `name` under `root`.
pub fn dataset_dir(root: &Path, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, bytes) in files {
        std::fs::write(dir.join(file), bytes).unwrap();
    }
    dir
}

/// A dedup manifest for a folder holding docs.jsonl and gold.jsonl.
pub fn dedup_manifest(name: &str) -> String {
    format!(
        "name = \"{name}\"\ntask = \"dedup\"\nprimary_metric = \"span_f1\"\nfiles = [\"docs.jsonl\", \"gold.jsonl\"]\n"
    )
}

/// One results.csv row: (dataset, task, strategy, metric, value).
pub type Row = (String, String, String, String, f64);

/// The rows of a results.csv.
pub fn results_rows(path: &Path) -> Vec<Row> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[0].to_string(), rec[1].to_string(), rec[2].to_string(), rec[3].to_string(), rec[4].parse().unwrap())
        })
        .collect()
}

/// The lines of a run folder's results.csv that identical runs share: every row but times and
/// heap figures (the header too).
pub fn stable_result_lines(run: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(run.join("results.csv")).unwrap();
    text.lines()
        .enumerate()
        .filter(|(i, l)| {
            let metric = l.split(',').nth(3).unwrap_or("");
            *i == 0 || !corpusbench::model::catalogue::varies(metric) && metric != "peak_heap_mb"
        })
        .map(|(_, l)| l)
        .map(str::to_string)
        .collect()
}

/// [`stable_result_lines`] without the header and the dataset column, so that the same data
/// stored two ways (two dataset names) compares equal.
pub fn stable_rows_of_any_dataset(run: &Path) -> Vec<String> {
    stable_result_lines(run)
        .into_iter()
        .skip(1)
        .map(|l| l.split_once(',').map_or(l.as_str(), |(_, rest)| rest).to_string())
        .collect()
}

/// Every file under `dir` (relative path, bytes), sorted by path.
pub fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push((p.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
