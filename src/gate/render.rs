//! The gate's verdict as a terminal table and as Markdown for a pull-request comment.

use std::fmt::Write;

use super::{Row, Verdict};

fn fmt(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v.abs() >= 1000.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.4}"),
    }
}

fn summary(rows: &[Row]) -> String {
    let count = |v: Verdict| rows.iter().filter(|r| r.verdict == v).count();
    format!(
        "{} worse, {} better, {} within tolerance, {} new, {} stale, {} missing",
        count(Verdict::Worse),
        count(Verdict::Better),
        count(Verdict::Within),
        count(Verdict::New),
        count(Verdict::Stale),
        count(Verdict::Missing)
    )
}

fn shown(rows: &[Row], all: bool) -> impl Iterator<Item = &Row> {
    rows.iter().filter(move |r| all || r.verdict != Verdict::Within)
}

/// A plain-text table of what moved (every row with `all`), then a one-line summary.
pub fn text(rows: &[Row], all: bool) -> String {
    let mut table =
        vec![["verdict", "dataset", "strategy", "metric", "baseline", "current", "change"].map(String::from)];
    for r in shown(rows, all) {
        table.push([
            r.verdict.as_str().to_string(),
            r.dataset.clone(),
            r.strategy.clone(),
            r.metric.clone(),
            fmt(r.baseline),
            fmt(r.current),
            r.note.clone(),
        ]);
    }
    let mut out = String::new();
    if table.len() > 1 {
        let widths: Vec<usize> =
            (0..7).map(|i| table.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
        for row in &table {
            let line: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
            let _ = writeln!(out, "  {}", line.join("  ").trim_end());
        }
    }
    let _ = writeln!(out, "gate: {}", summary(rows));
    out
}

/// A Markdown report for a pull-request comment.
pub fn markdown(rows: &[Row], failed: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### corpusbench gate: {}\n", if failed { "regression" } else { "pass" });
    let _ = writeln!(out, "{}\n", summary(rows));
    let moved: Vec<&Row> = shown(rows, false).collect();
    if !moved.is_empty() {
        let _ = writeln!(out, "| | dataset | strategy | metric | baseline | current | change |");
        let _ = writeln!(out, "|---|---|---|---|---:|---:|---|");
        for r in moved {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {} | {} | {} |",
                r.verdict.as_str(),
                r.dataset,
                r.strategy,
                r.metric,
                fmt(r.baseline),
                fmt(r.current),
                r.note
            );
        }
    }
    out
}
