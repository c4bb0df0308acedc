//! `cost.csv`: the deterministic cost of each cell (instructions, allocations, allocated bytes)
//! in the long form of `results.csv`, so the gate reads both the same way.

use super::schema::{ResultRow, write_rows};
use crate::child::cost::Cost;
use crate::error::Error;
use crate::model::Task;

/// The CSV text of measured cells: `(dataset, task, strategy, cost)` in run order.
pub fn cost_csv(cells: &[(String, Task, String, Cost)]) -> Result<Vec<u8>, Error> {
    let mut rows = Vec::new();
    for (dataset, task, strategy, c) in cells {
        for (metric, v) in [
            ("instructions", c.instructions),
            ("allocations", c.allocations.count),
            ("alloc_bytes", c.allocations.bytes),
        ] {
            rows.push(ResultRow {
                dataset: dataset.clone(),
                task: *task,
                strategy: strategy.clone(),
                metric: metric.to_string(),
                value: v as f64,
            });
        }
    }
    write_rows(&rows)
}
