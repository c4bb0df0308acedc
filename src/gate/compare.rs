//! The comparison itself: one row per baseline metric (and per new cell), each with a verdict.

use super::{Baseline, Kind, Observed, kind};

/// What happened to one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Worse than the baseline by more than the tolerance, or gone, or its cell failed.
    Worse,
    /// The dataset's files changed since the baseline: not compared.
    Stale,
    /// The baseline has it, this run does not have the dataset at all.
    Missing,
    /// Better than the baseline by more than the tolerance.
    Better,
    /// In this run, not in the baseline.
    New,
    /// Within tolerance.
    Within,
}

impl Verdict {
    /// Lowercase word for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Worse => "WORSE",
            Verdict::Stale => "stale",
            Verdict::Missing => "missing",
            Verdict::Better => "better",
            Verdict::New => "new",
            Verdict::Within => "ok",
        }
    }
}

/// One compared metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Dataset name.
    pub dataset: String,
    /// Strategy spec.
    pub strategy: String,
    /// Metric name.
    pub metric: String,
    /// Baseline value.
    pub baseline: Option<f64>,
    /// This run's value.
    pub current: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in a few words (e.g. the tolerance that was exceeded).
    pub note: String,
}

/// Compares `observed` with `baseline`; rows come sorted by verdict (worst first), then dataset,
/// strategy and metric.
pub fn compare(baseline: &Baseline, observed: &Observed) -> Vec<Row> {
    let mut rows = Vec::new();
    for cell in &baseline.cells {
        let key = (cell.dataset.clone(), cell.strategy.clone());
        let base_fp = baseline.datasets.get(&cell.dataset);
        let cur_fp = observed.fingerprints.get(&cell.dataset);
        let current = observed.cells.get(&key);
        for (metric, &base) in &cell.metrics {
            let mut row = Row {
                dataset: cell.dataset.clone(),
                strategy: cell.strategy.clone(),
                metric: metric.clone(),
                baseline: Some(base),
                current: None,
                verdict: Verdict::Within,
                note: String::new(),
            };
            let Some(k) = kind(metric) else { continue };
            if cur_fp.is_none() {
                row.verdict = Verdict::Missing;
                row.note = "dataset not in this run".into();
            } else if base_fp.is_some() && base_fp != cur_fp {
                row.verdict = Verdict::Stale;
                row.note = "dataset files changed; re-baseline".into();
            } else {
                match current {
                    None => {
                        row.verdict = Verdict::Worse;
                        row.note = "strategy did not run on this dataset".into();
                    }
                    Some(c) if c.failed => {
                        row.verdict = Verdict::Worse;
                        row.note = "cell failed".into();
                    }
                    Some(c) => match c.metrics.get(metric) {
                        None => {
                            row.verdict = Verdict::Worse;
                            row.note = "metric no longer reported".into();
                        }
                        Some(&cur) => {
                            row.current = Some(cur);
                            let tol = baseline.tolerance.of(metric, k);
                            (row.verdict, row.note) = judge(k, base, cur, tol);
                        }
                    },
                }
            }
            rows.push(row);
        }
    }
    for ((dataset, strategy), c) in &observed.cells {
        if baseline.cells.iter().any(|b| &b.dataset == dataset && &b.strategy == strategy) || c.failed {
            continue;
        }
        for (metric, &v) in c.metrics.iter().filter(|(m, _)| kind(m).is_some()) {
            rows.push(Row {
                dataset: dataset.clone(),
                strategy: strategy.clone(),
                metric: metric.clone(),
                baseline: None,
                current: Some(v),
                verdict: Verdict::New,
                note: "not in the baseline".into(),
            });
        }
    }
    rows.sort_by(|a, b| {
        (a.verdict, &a.dataset, &a.strategy, &a.metric).cmp(&(b.verdict, &b.dataset, &b.strategy, &b.metric))
    });
    rows
}

fn judge(kind: Kind, base: f64, cur: f64, tol: f64) -> (Verdict, String) {
    match kind {
        Kind::Quality => {
            let delta = cur - base;
            let note = format!("{delta:+.4} (tolerance {tol})");
            if delta < -tol {
                (Verdict::Worse, note)
            } else if delta > tol {
                (Verdict::Better, note)
            } else {
                (Verdict::Within, note)
            }
        }
        Kind::Cost => {
            let rel = if base > 0.0 {
                (cur - base) / base
            } else if cur > 0.0 {
                f64::INFINITY
            } else {
                0.0
            };
            let note = format!("{:+.2}% (tolerance {:.1}%)", rel * 100.0, tol * 100.0);
            if rel > tol {
                (Verdict::Worse, note)
            } else if rel < -tol {
                (Verdict::Better, note)
            } else {
                (Verdict::Within, note)
            }
        }
    }
}

/// Whether any row is a regression (with `strict`, stale and missing rows count too).
pub fn fails(rows: &[Row], strict: bool) -> bool {
    rows.iter()
        .any(|r| r.verdict == Verdict::Worse || (strict && matches!(r.verdict, Verdict::Stale | Verdict::Missing)))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::gate::baseline::{BaselineCell, Tolerance};
    use crate::gate::observed::ObservedCell;

    fn baseline(metrics: &[(&str, f64)]) -> Baseline {
        Baseline {
            tolerance: Tolerance::default(),
            datasets: BTreeMap::from([("d".to_string(), "sha-1".to_string())]),
            cells: vec![BaselineCell {
                dataset: "d".into(),
                strategy: "s".into(),
                metrics: metrics.iter().map(|(m, v)| (m.to_string(), *v)).collect(),
            }],
        }
    }

    fn observed(sha: &str, metrics: &[(&str, f64)]) -> Observed {
        Observed {
            fingerprints: BTreeMap::from([("d".to_string(), sha.to_string())]),
            cells: BTreeMap::from([(
                ("d".to_string(), "s".to_string()),
                ObservedCell { metrics: metrics.iter().map(|(m, v)| (m.to_string(), *v)).collect(), failed: false },
            )]),
        }
    }

    fn verdicts(rows: &[Row]) -> Vec<(&str, Verdict)> {
        rows.iter().map(|r| (r.metric.as_str(), r.verdict)).collect()
    }

    #[test]
    fn quality_drop_beyond_tolerance_is_worse_and_within_is_ok() {
        let b = baseline(&[("span_f1", 0.9), ("pair_f1", 0.8)]);
        let rows = compare(&b, &observed("sha-1", &[("span_f1", 0.8990), ("pair_f1", 0.7996)]));
        assert_eq!(verdicts(&rows), vec![("span_f1", Verdict::Worse), ("pair_f1", Verdict::Within)]);
        assert!(fails(&rows, false));
    }

    #[test]
    fn more_instructions_beyond_tolerance_is_worse_fewer_is_better() {
        let b = baseline(&[("instructions", 1_000_000.0), ("allocations", 100.0)]);
        let rows = compare(&b, &observed("sha-1", &[("instructions", 1_040_000.0), ("allocations", 90.0)]));
        assert_eq!(verdicts(&rows), vec![("instructions", Verdict::Worse), ("allocations", Verdict::Better)]);
        let rows = compare(&b, &observed("sha-1", &[("instructions", 1_020_000.0), ("allocations", 100.0)]));
        assert!(!fails(&rows, true), "{rows:?}");
    }

    #[test]
    fn changed_fingerprint_is_reported_not_compared() {
        let b = baseline(&[("span_f1", 0.9)]);
        let rows = compare(&b, &observed("sha-2", &[("span_f1", 0.1)]));
        assert_eq!(verdicts(&rows), vec![("span_f1", Verdict::Stale)]);
        assert!(!fails(&rows, false));
        assert!(fails(&rows, true));
    }

    #[test]
    fn failed_cell_and_vanished_metric_are_regressions() {
        let b = baseline(&[("span_f1", 0.9), ("span_recall", 0.9)]);
        let mut obs = observed("sha-1", &[("span_f1", 0.9)]);
        assert_eq!(verdicts(&compare(&b, &obs)), vec![("span_recall", Verdict::Worse), ("span_f1", Verdict::Within)]);
        obs.cells.values_mut().for_each(|c| c.failed = true);
        assert!(compare(&b, &obs).iter().all(|r| r.verdict == Verdict::Worse));
    }

    #[test]
    fn untracked_metrics_and_timings_never_gate() {
        let b = baseline(&[("span_f1", 0.9)]);
        let rows = compare(&b, &observed("sha-1", &[("span_f1", 0.9), ("mb_per_s", 1.0), ("wall_s", 99.0)]));
        assert_eq!(verdicts(&rows), vec![("span_f1", Verdict::Within)]);
    }

    #[test]
    fn new_cells_are_listed_as_new() {
        let b = Baseline::default();
        let rows = compare(&b, &observed("sha-1", &[("span_f1", 0.5)]));
        assert_eq!(verdicts(&rows), vec![("span_f1", Verdict::New)]);
        assert!(!fails(&rows, true));
    }
}
