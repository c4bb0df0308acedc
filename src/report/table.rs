//! The terminal leaderboard: one table per dataset, strategies ranked by the dataset's primary
//! metric, with the other headline metrics and throughput beside it.

use std::fmt::Write;

use crate::model::Dataset;
use crate::model::catalogue::{self, MetricInfo};
use crate::runner::Cell;

fn value(cell: &Cell, metric: &str) -> Option<f64> {
    if let Some((_, v)) = cell.metrics.iter().find(|(m, _)| m == metric) {
        return Some(*v);
    }
    let timing = cell.timing.as_ref()?.metrics();
    timing.into_iter().find(|(m, _)| m == metric).map(|(_, v)| v)
}

/// Renders the leaderboard of `cells` for `datasets`.
pub fn leaderboard(datasets: &[Dataset], cells: &[Cell]) -> String {
    let mut out = String::new();
    for ds in datasets {
        let mut rows: Vec<&Cell> = cells.iter().filter(|c| c.dataset == ds.name).collect();
        if rows.is_empty() {
            continue;
        }
        let primary = ds.primary_metric();
        rows.sort_by(|a, b| {
            let (va, vb) =
                (value(a, primary).unwrap_or(f64::NEG_INFINITY), value(b, primary).unwrap_or(f64::NEG_INFINITY));
            vb.total_cmp(&va)
        });
        // The primary metric, then the catalogue's headline columns (in rank order) that some
        // strategy of this dataset has.
        let mut headline: Vec<&MetricInfo> = catalogue::METRICS.iter().filter(|m| m.headline.is_some()).collect();
        headline.sort_by_key(|m| m.headline);
        let mut columns: Vec<&str> = vec![primary];
        for m in headline {
            if m.name != primary && rows.iter().any(|c| value(c, m.name).is_some()) {
                columns.push(m.name);
            }
        }
        let mut header = vec!["strategy".to_string()];
        header.extend(columns.iter().map(|c| c.to_string()));
        let mut table = vec![header];
        for c in &rows {
            let mut row = vec![match &c.engine {
                Some(e) => format!("{} ({} {})", c.strategy, e.name, e.version),
                None => c.strategy.clone(),
            }];
            if let Some(f) = &c.failure {
                row.push(format!("FAILED: {f}"));
            } else {
                for m in &columns {
                    row.push(value(c, m).map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into()));
                }
            }
            table.push(row);
        }
        let _ = writeln!(
            out,
            "\n{} ({}, {} {}, {:.2} MB, sha256 {})",
            ds.name,
            ds.task(),
            ds.len(),
            if ds.task() == crate::model::Task::Dedup { "docs" } else { "pages" },
            ds.input_bytes() as f64 / 1e6,
            ds.fingerprint.get(..12).unwrap_or("-"),
        );
        out.push_str(&render(&table));
    }
    out
}

/// Aligns a table of strings: first column left, the rest right.
fn render(rows: &[Vec<String>]) -> String {
    let ncol = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..ncol).map(|i| rows.iter().filter_map(|r| r.get(i)).map(|s| s.chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (r, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i == 0 {
                let _ = write!(line, "  {cell}{}", " ".repeat(pad));
            } else if cell.starts_with("FAILED") {
                let _ = write!(line, "  {cell}");
            } else {
                let _ = write!(line, "  {}{cell}", " ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
        if r == 0 {
            let total: usize = widths.iter().map(|w| w + 2).sum();
            out.push_str(&format!("  {}\n", "-".repeat(total.saturating_sub(2))));
        }
    }
    out
}
