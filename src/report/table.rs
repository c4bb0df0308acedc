//! The terminal leaderboard: one table per dataset, strategies ranked by the dataset's primary
//! metric, shown with `±` half the width of its 95% bootstrap interval and its comparison with
//! the leader, then the other headline metrics and throughput, as many as fit the terminal.

use std::fmt::Write;

use crate::metrics::bootstrap::{CI_HIGH, CI_LOW, DIFF, P, TIED};
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

/// The width a leaderboard may take: the terminal's, `COLUMNS` when set, else 120.
pub fn terminal_width() -> usize {
    if let Some(w) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()) {
        return w.max(40);
    }
    #[cfg(unix)]
    {
        // SAFETY: TIOCGWINSZ fills the winsize structure passed; it is read only on success.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        if unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0 && ws.ws_col > 0 {
            return usize::from(ws.ws_col).max(40);
        }
    }
    120
}

/// The primary metric as `0.951 ±0.012` (half the interval's width), or the bare value.
fn with_interval(cell: &Cell, metric: &str) -> Option<String> {
    let v = value(cell, metric)?;
    let low = value(cell, &format!("{metric}:{CI_LOW}"));
    let high = value(cell, &format!("{metric}:{CI_HIGH}"));
    Some(match (low, high) {
        (Some(l), Some(h)) => format!("{v:.3} ±{:.3}", (h - l) / 2.0),
        _ => format!("{v:.3}"),
    })
}

/// How a strategy compares with the dataset's leader: `=` when the two cannot be told apart at
/// 95% (with the p-value), else the difference and its p-value.
fn versus_leader(cell: &Cell, metric: &str) -> Option<String> {
    let diff = value(cell, &format!("{metric}:{DIFF}"))?;
    let p = value(cell, &format!("{metric}:{P}"))?;
    let p = if p < 0.001 { "p<.001".to_string() } else { format!("p {p:.3}") };
    Some(if value(cell, &format!("{metric}:{TIED}")) == Some(1.0) {
        format!("= ({p})")
    } else {
        format!("{diff:+.3} ({p})")
    })
}

/// Renders the leaderboard of `cells` for `datasets`, within the terminal's width.
pub fn leaderboard(datasets: &[Dataset], cells: &[Cell]) -> String {
    leaderboard_within(datasets, cells, terminal_width())
}

/// Renders the leaderboard within `width` columns: headline columns that do not fit are left
/// out (lowest rank first, throughput kept), and the table says how many went to the CSV.
pub fn leaderboard_within(datasets: &[Dataset], cells: &[Cell], width: usize) -> String {
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
        let mut others: Vec<&str> = Vec::new();
        for m in headline {
            if m.name != primary && rows.iter().any(|c| value(c, m.name).is_some()) {
                others.push(m.name);
            }
        }
        let compared = rows.iter().any(|c| versus_leader(c, primary).is_some());
        // Drop the lowest-ranked columns (throughput, ranked last, is kept) until the table fits.
        let mut dropped = 0;
        let table = loop {
            let table = build_table(&rows, primary, compared, &others);
            let fits = render(&table).lines().all(|l| l.chars().count() <= width || l.contains("FAILED"));
            let droppable = others.iter().rposition(|m| *m != "mb_per_s");
            match droppable {
                Some(i) if !fits => {
                    others.remove(i);
                    dropped += 1;
                }
                _ => break table,
            }
        };
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
        if dropped > 0 {
            let _ = writeln!(out, "  ({dropped} more headline column(s) in results.csv)");
        }
    }
    out
}

/// The rows of one dataset's table: strategy, primary with interval, comparison with the
/// leader (when made), then `others`.
fn build_table(rows: &[&Cell], primary: &str, compared: bool, others: &[&str]) -> Vec<Vec<String>> {
    let mut header = vec!["strategy".to_string(), primary.to_string()];
    if compared {
        header.push("vs leader".to_string());
    }
    header.extend(others.iter().map(|c| c.to_string()));
    let mut table = vec![header];
    // Rows are ranked, so the leader is the first with a value of the primary metric.
    let leader = rows.iter().position(|c| c.failure.is_none() && value(c, primary).is_some());
    for (i, c) in rows.iter().enumerate() {
        let mut row = vec![match &c.engine {
            Some(e) => format!("{} ({} {})", c.strategy, e.name, e.version),
            None => c.strategy.clone(),
        }];
        if let Some(f) = &c.failure {
            row.push(format!("FAILED: {f}"));
        } else {
            row.push(with_interval(c, primary).unwrap_or_else(|| "-".into()));
            if compared {
                let fallback = if Some(i) == leader { "leader" } else { "-" };
                row.push(versus_leader(c, primary).unwrap_or_else(|| fallback.into()));
            }
            for m in others {
                row.push(value(c, m).map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into()));
            }
        }
        table.push(row);
    }
    table
}

/// Aligns a table of strings (the first row is the header): first column left, the rest right.
pub fn render(rows: &[Vec<String>]) -> String {
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

/// The primary metric of each dataset broken down by `kind` (`page_type`, `site`, `length`, `language`):
/// one row per strategy, one column per group (`value (pages)`), in the leaderboard's order,
/// as many groups as fit `width`. Datasets without that breakdown are left out.
pub fn breakdown(datasets: &[Dataset], cells: &[Cell], kind: &str, width: usize) -> String {
    let mut out = String::new();
    for ds in datasets {
        let mut rows: Vec<&Cell> = cells.iter().filter(|c| c.dataset == ds.name && c.failure.is_none()).collect();
        let primary = ds.primary_metric();
        let prefix = format!("{primary}@{kind}=");
        let mut groups: Vec<String> = Vec::new();
        for c in &rows {
            for (m, _) in &c.metrics {
                if let Some(v) = m.strip_prefix(&prefix)
                    && !v.contains(':')
                    && !groups.iter().any(|g| g == v)
                {
                    groups.push(v.to_string());
                }
            }
        }
        if groups.is_empty() {
            continue;
        }
        rows.sort_by(|a, b| {
            let (va, vb) =
                (value(a, primary).unwrap_or(f64::NEG_INFINITY), value(b, primary).unwrap_or(f64::NEG_INFINITY));
            vb.total_cmp(&va)
        });
        let size = |g: &str| rows.iter().find_map(|c| value(c, &format!("pages@{kind}={g}")));
        let mut shown = groups.len();
        let table = loop {
            let mut header = vec!["strategy".to_string(), format!("{primary} (all)")];
            header.extend(groups[..shown].iter().map(|g| match size(g) {
                Some(n) => format!("{g} ({n:.0})"),
                None => g.clone(),
            }));
            let mut table = vec![header];
            for c in &rows {
                let mut row = vec![c.strategy.clone(), with_interval(c, primary).unwrap_or_else(|| "-".into())];
                for g in &groups[..shown] {
                    let v = value(c, &format!("{prefix}{g}"));
                    row.push(v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into()));
                }
                table.push(row);
            }
            if shown == 0 || render(&table).lines().all(|l| l.chars().count() <= width) {
                break table;
            }
            shown -= 1;
        };
        let _ = writeln!(
            out,
            "\n{} by {kind} ({} groups of at least {} pages)",
            ds.name,
            groups.len(),
            crate::metrics::groups::MIN_GROUP
        );
        out.push_str(&render(&table));
        if shown < groups.len() {
            let _ = writeln!(out, "  ({} more group(s) in results.csv)", groups.len() - shown);
        }
    }
    out
}

/// Which of `points` (quality, throughput) lie on the Pareto front: no other point is at least
/// as good on both and better on one.
pub fn pareto(points: &[(f64, f64)]) -> Vec<bool> {
    points.iter().map(|&(q, t)| !points.iter().any(|&(q2, t2)| q2 >= q && t2 >= t && (q2 > q || t2 > t))).collect()
}

/// The sweep table: per dataset, every point in the order given, its primary metric with
/// interval, throughput, and `front` on the Pareto front of the two.
pub fn sweep(datasets: &[Dataset], cells: &[Cell]) -> String {
    let mut out = String::new();
    for ds in datasets {
        let rows: Vec<&Cell> = cells.iter().filter(|c| c.dataset == ds.name).collect();
        if rows.is_empty() {
            continue;
        }
        let primary = ds.primary_metric();
        let ok: Vec<(usize, (f64, f64))> = rows
            .iter()
            .enumerate()
            .filter(|(_, c)| c.failure.is_none())
            .filter_map(|(i, c)| Some((i, (value(c, primary)?, value(c, "mb_per_s")?))))
            .collect();
        let front = pareto(&ok.iter().map(|(_, p)| *p).collect::<Vec<_>>());
        let on_front = |i: usize| ok.iter().zip(&front).any(|((j, _), f)| *j == i && *f);
        let mut table = vec![vec!["point".to_string(), primary.to_string(), "mb_per_s".into(), "pareto".into()]];
        for (i, c) in rows.iter().enumerate() {
            let mut row = vec![c.strategy.clone()];
            if let Some(f) = &c.failure {
                row.push(format!("FAILED: {f}"));
            } else {
                row.push(with_interval(c, primary).unwrap_or_else(|| "-".into()));
                row.push(value(c, "mb_per_s").map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into()));
                row.push(if on_front(i) { "front".into() } else { String::new() });
            }
            table.push(row);
        }
        let _ = writeln!(out, "\n{} ({} points, sorted as given)", ds.name, rows.len());
        out.push_str(&render(&table));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pareto_front_keeps_points_no_other_beats_on_both() {
        let pts = [(0.9, 10.0), (0.8, 20.0), (0.7, 15.0), (0.9, 5.0), (0.6, 30.0)];
        assert_eq!(pareto(&pts), vec![true, true, false, false, true]);
        assert_eq!(pareto(&[(0.5, 1.0), (0.5, 1.0)]), vec![true, true]);
    }
}
