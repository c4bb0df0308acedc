//! The results schema: the typed row of the long-form CSV files (`results.csv`, `cost.csv`),
//! `dataset,task,strategy,metric,value`, with the one writer and the one reader every command
//! uses. Values print with six decimals, cost counts as integers, so identical inputs give
//! identical files apart from the rows the catalogue marks as varying.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, InputError};
use crate::model::catalogue;
use crate::model::{Family, Task};

/// The header of every long-form CSV file.
pub const HEADER: [&str; 5] = ["dataset", "task", "strategy", "metric", "value"];

/// The metric of the row that marks a failed cell (value 1).
pub const FAILED: &str = "failed";

/// One row: one metric of one strategy on one dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRow {
    /// Dataset name.
    pub dataset: String,
    /// Dataset task.
    pub task: Task,
    /// Strategy spec.
    pub strategy: String,
    /// Metric name (a catalogue name, possibly with `@group`, or a `strategy.` figure).
    pub metric: String,
    /// Its value.
    pub value: f64,
}

fn csv_err(e: impl std::fmt::Display) -> Error {
    Error::Usage(format!("cannot write CSV: {e}"))
}

/// How a value is printed: counts of the cost family as integers, the rest with six decimals.
fn format_value(metric: &str, value: f64) -> String {
    match catalogue::lookup(metric) {
        Some(m) if m.family == Family::Cost => format!("{value:.0}"),
        _ => format!("{value:.6}"),
    }
}

/// The CSV text of `rows`, header first.
pub fn write_rows(rows: &[ResultRow]) -> Result<Vec<u8>, Error> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).map_err(csv_err)?;
    for r in rows {
        let value = format_value(&r.metric, r.value);
        w.write_record([r.dataset.as_str(), r.task.as_str(), &r.strategy, &r.metric, &value]).map_err(csv_err)?;
    }
    w.into_inner().map_err(csv_err)
}

/// The records of a CSV report with their line numbers, after checking its header is `header`;
/// an unreadable record is an error naming the file and line.
pub fn records(path: &Path, header: &[&str]) -> Result<Vec<(usize, ::csv::StringRecord)>, Error> {
    let mut reader = ::csv::Reader::from_path(path).map_err(|e| InputError::file(path, e.to_string()))?;
    let headers = reader.headers().map_err(|e| InputError::line(path, 1, e.to_string()))?.clone();
    if headers.iter().ne(header.iter().copied()) {
        return Err(InputError::line(path, 1, format!("expected the header `{}`", header.join(","))).into());
    }
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        out.push((line, rec.map_err(|e| InputError::line(path, line, e.to_string()))?));
    }
    Ok(out)
}

/// Reads a long-form CSV file; a malformed row is an error naming the file, line and field.
pub fn read_rows(path: &Path) -> Result<Vec<ResultRow>, Error> {
    let mut rows = Vec::new();
    for (line, rec) in records(path, &HEADER)? {
        if rec.len() != HEADER.len() {
            return Err(InputError::line(path, line, format!("expected 5 fields, found {}", rec.len())).into());
        }
        let task = match &rec[1] {
            "dedup" => Task::Dedup,
            "extract" => Task::Extract,
            other => return Err(InputError::field(path, line, "task", format!("unknown task `{other}`")).into()),
        };
        let value: f64 = rec[4]
            .parse()
            .map_err(|_| InputError::field(path, line, "value", format!("`{}` is not a number", &rec[4])))?;
        rows.push(ResultRow {
            dataset: rec[0].to_string(),
            task,
            strategy: rec[2].to_string(),
            metric: rec[3].to_string(),
            value,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_through_the_file() {
        let rows = vec![
            ResultRow {
                dataset: "d".into(),
                task: Task::Dedup,
                strategy: "lines:norm=ws".into(),
                metric: "span_f1".into(),
                value: 0.5,
            },
            ResultRow {
                dataset: "d".into(),
                task: Task::Dedup,
                strategy: "lines".into(),
                metric: "instructions".into(),
                value: 1234.0,
            },
        ];
        let bytes = write_rows(&rows).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("span_f1,0.500000\n") && text.contains("instructions,1234\n"), "{text}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(read_rows(&path).unwrap(), rows);
    }

    #[test]
    fn a_bad_value_names_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, "dataset,task,strategy,metric,value\nd,dedup,s,m,x\n").unwrap();
        let err = read_rows(&path).unwrap_err().to_string();
        assert!(err.contains("r.csv:2") && err.contains("`value`"), "{err}");
    }
}
