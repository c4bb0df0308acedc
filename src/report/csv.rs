//! `results.csv`: one row per dataset x strategy x metric, header
//! `dataset,task,strategy,metric,value`. Rows follow the run's order and values are printed with
//! six decimals, so identical inputs give identical files apart from the timing rows.

use crate::error::Error;
use crate::runner::Cell;

/// The CSV text of `cells`.
pub fn results_csv(cells: &[Cell]) -> Result<Vec<u8>, Error> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let csv_err = |e: ::csv::Error| Error::Usage(format!("cannot write CSV: {e}"));
    w.write_record(["dataset", "task", "strategy", "metric", "value"]).map_err(csv_err)?;
    for cell in cells {
        let mut rows: Vec<(String, f64)> = cell.metrics.clone();
        match (&cell.failure, &cell.timing) {
            (Some(_), _) => rows.push(("failed".into(), 1.0)),
            (None, Some(t)) => rows.extend(t.metrics()),
            (None, None) => {}
        }
        for (metric, value) in rows {
            let value = format!("{value:.6}");
            w.write_record([cell.dataset.as_str(), cell.task.as_str(), &cell.strategy, &metric, &value])
                .map_err(csv_err)?;
        }
    }
    w.into_inner().map_err(|e| Error::Usage(format!("cannot write CSV: {e}")))
}
