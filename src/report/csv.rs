//! `results.csv`: one row per dataset x strategy x metric in the [`schema`](super::schema)'s long
//! form. Rows follow the run's order: the cell's metrics, then its timings, or the `failed` row.

use super::schema::{FAILED, ResultRow, write_rows};
use crate::error::Error;
use crate::runner::Cell;

/// The rows of `cells`.
pub fn results_rows(cells: &[Cell]) -> Vec<ResultRow> {
    let mut rows = Vec::new();
    for cell in cells {
        let mut metrics: Vec<(String, f64)> = cell.metrics.clone();
        match (&cell.failure, &cell.timing) {
            (Some(_), _) => metrics.push((FAILED.into(), 1.0)),
            (None, Some(t)) => metrics.extend(t.metrics()),
            (None, None) => {}
        }
        rows.extend(metrics.into_iter().map(|(metric, value)| ResultRow {
            dataset: cell.dataset.clone(),
            task: cell.task,
            strategy: cell.strategy.clone(),
            metric,
            value,
        }));
    }
    rows
}

/// The CSV text of `cells`.
pub fn results_csv(cells: &[Cell]) -> Result<Vec<u8>, Error> {
    write_rows(&results_rows(cells))
}
