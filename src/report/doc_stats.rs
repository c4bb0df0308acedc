//! `doc_stats.csv`: per-document figures that strategies report (for example the Gopher
//! repetition fractions), long form with header `dataset,strategy,doc_id,stat,value`.
//!
//! Rows follow the run's cell order, then document order, then the strategy's column order;
//! values are printed with six decimals, so identical inputs give identical files; a figure not
//! reported for a document (NaN) is left out. Cells without
//! per-document figures write no rows; the file is written (header only) even then.

use crate::error::Error;
use crate::model::{Dataset, Items};
use crate::runner::Cell;

/// The CSV text of every cell's per-document figures; document ids come from `datasets`.
pub fn doc_stats_csv(datasets: &[Dataset], cells: &[Cell]) -> Result<Vec<u8>, Error> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let csv_err = |e: ::csv::Error| Error::Usage(format!("cannot write CSV: {e}"));
    w.write_record(["dataset", "strategy", "doc_id", "stat", "value"]).map_err(csv_err)?;
    for cell in cells.iter().filter(|c| !c.doc_stats.is_empty()) {
        let ids: Vec<&str> = match datasets.iter().find(|d| d.name == cell.dataset).map(|d| &d.items) {
            Some(Items::Dedup { docs, .. }) => docs.iter().map(|d| d.id.as_str()).collect(),
            Some(Items::Streamed { docs, .. }) => docs.ids.iter().map(|id| &**id).collect(),
            _ => continue,
        };
        for (i, id) in ids.into_iter().enumerate() {
            for (stat, values) in &cell.doc_stats {
                // A figure a strategy did not report for this document (NaN) has no row.
                let Some(v) = values.get(i).filter(|v| v.is_finite()) else { continue };
                let value = format!("{v:.6}");
                w.write_record([cell.dataset.as_str(), &cell.strategy, id, stat, &value]).map_err(csv_err)?;
            }
        }
    }
    w.into_inner().map_err(|e| Error::Usage(format!("cannot write CSV: {e}")))
}
