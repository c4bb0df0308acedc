//! `bench.csv` and its table: per cell and thread count, the median wall time of the repeats,
//! their spread, MB/s, the time as a ratio to the reference strategy on the same dataset and
//! thread count (the first strategy run there), and the speed-up over one thread.
//!
//! Ratios measured in one run hold on a noisy machine where absolute times drift.

use std::fmt::Write;

use std::path::Path;

use crate::error::{Error, InputError};
use crate::runner::Cell;

/// One row of the bench report.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    /// Dataset name.
    pub dataset: String,
    /// Strategy spec.
    pub strategy: String,
    /// Worker threads.
    pub threads: usize,
    /// Median wall seconds.
    pub median_s: f64,
    /// Fastest repeat.
    pub min_s: f64,
    /// Slowest repeat.
    pub max_s: f64,
    /// MB/s at the median.
    pub mb_per_s: f64,
    /// Median time / the reference strategy's median time (same dataset and threads).
    pub ratio_to_reference: Option<f64>,
    /// One-thread median / this median.
    pub speedup: Option<f64>,
}

/// Rows of a thread sweep: `(threads, cells)` per sweep, cells in run order.
pub fn bench_rows(sweeps: &[(usize, Vec<Cell>)]) -> Vec<BenchRow> {
    let mut rows = Vec::new();
    let single = sweeps.iter().find(|(t, _)| *t == 1).map(|(_, c)| c);
    for (threads, cells) in sweeps {
        for cell in cells {
            let Some(t) = &cell.timing else { continue };
            let reference = cells.iter().find(|c| c.dataset == cell.dataset).and_then(|c| c.timing.as_ref());
            let one = single
                .and_then(|cs| cs.iter().find(|c| c.dataset == cell.dataset && c.strategy == cell.strategy))
                .and_then(|c| c.timing.as_ref());
            let ratio = |a: f64, b: f64| (b > 0.0).then(|| a / b);
            rows.push(BenchRow {
                dataset: cell.dataset.clone(),
                strategy: cell.strategy.clone(),
                threads: *threads,
                median_s: t.wall_s,
                min_s: t.runs.iter().copied().fold(f64::INFINITY, f64::min),
                max_s: t.runs.iter().copied().fold(0.0, f64::max),
                mb_per_s: if t.wall_s > 0.0 { t.bytes as f64 / 1e6 / t.wall_s } else { 0.0 },
                ratio_to_reference: reference.and_then(|r| ratio(t.wall_s, r.wall_s)),
                speedup: one.and_then(|o| ratio(o.wall_s, t.wall_s)),
            });
        }
    }
    rows
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}")).unwrap_or_default()
}

/// The header of `bench.csv`.
pub const HEADER: [&str; 9] =
    ["dataset", "strategy", "threads", "median_s", "min_s", "max_s", "mb_per_s", "ratio_to_reference", "speedup"];

/// The CSV text of a sweep.
pub fn bench_csv(sweeps: &[(usize, Vec<Cell>)]) -> Result<Vec<u8>, Error> {
    write_bench_rows(&bench_rows(sweeps))
}

/// The CSV text of bench rows.
pub fn write_bench_rows(rows: &[BenchRow]) -> Result<Vec<u8>, Error> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let csv_err = |e: ::csv::Error| Error::Usage(format!("cannot write CSV: {e}"));
    w.write_record(HEADER).map_err(csv_err)?;
    for r in rows.iter().cloned() {
        w.write_record([
            r.dataset,
            r.strategy,
            r.threads.to_string(),
            format!("{:.6}", r.median_s),
            format!("{:.6}", r.min_s),
            format!("{:.6}", r.max_s),
            format!("{:.3}", r.mb_per_s),
            opt(r.ratio_to_reference),
            opt(r.speedup),
        ])
        .map_err(csv_err)?;
    }
    w.into_inner().map_err(|e| Error::Usage(format!("cannot write CSV: {e}")))
}

/// Reads `bench.csv`; a malformed row is an error naming the file, line and field.
pub fn read_bench_csv(path: &Path) -> Result<Vec<BenchRow>, Error> {
    let mut rows = Vec::new();
    for (line, rec) in super::schema::records(path, &HEADER)? {
        let num = |k: usize| -> Result<Option<f64>, Error> {
            match rec.get(k).unwrap_or("") {
                "" => Ok(None),
                v => v
                    .parse()
                    .map(Some)
                    .map_err(|_| InputError::field(path, line, HEADER[k], format!("`{v}` is not a number")).into()),
            }
        };
        let need = |k: usize| -> Result<f64, Error> {
            num(k)?.ok_or_else(|| InputError::field(path, line, HEADER[k], "missing value").into())
        };
        rows.push(BenchRow {
            dataset: rec.get(0).unwrap_or("").to_string(),
            strategy: rec.get(1).unwrap_or("").to_string(),
            threads: need(2)? as usize,
            median_s: need(3)?,
            min_s: need(4)?,
            max_s: need(5)?,
            mb_per_s: need(6)?,
            ratio_to_reference: num(7)?,
            speedup: num(8)?,
        });
    }
    Ok(rows)
}

/// A terminal table of a sweep.
pub fn bench_table(sweeps: &[(usize, Vec<Cell>)]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n  {:<20} {:<24} {:>3} {:>11} {:>9} {:>9} {:>8} {:>8}",
        "dataset", "strategy", "thr", "median ms", "spread %", "MB/s", "x ref", "speedup"
    );
    for r in bench_rows(sweeps) {
        let spread = if r.median_s > 0.0 { (r.max_s - r.min_s) / r.median_s * 100.0 } else { 0.0 };
        let _ = writeln!(
            out,
            "  {:<20} {:<24} {:>3} {:>11.3} {:>9.1} {:>9.1} {:>8} {:>8}",
            r.dataset,
            r.strategy,
            r.threads,
            r.median_s * 1e3,
            spread,
            r.mb_per_s,
            opt(r.ratio_to_reference),
            opt(r.speedup)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_rows_round_trip_through_the_file() {
        let rows = vec![BenchRow {
            dataset: "d".into(),
            strategy: "lines".into(),
            threads: 2,
            median_s: 0.5,
            min_s: 0.25,
            max_s: 0.75,
            mb_per_s: 12.5,
            ratio_to_reference: Some(1.5),
            speedup: None,
        }];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.csv");
        std::fs::write(&path, write_bench_rows(&rows).unwrap()).unwrap();
        assert_eq!(read_bench_csv(&path).unwrap(), rows);
    }
}
