//! The gate as a user meets it: a run that lost quality or does more work fails with a clear
//! message, an unchanged run passes, and updating the baseline refuses to lower a floor.

use std::path::Path;

use crate::common::corpusbench;

fn write_run(dir: &Path, sha: &str, rows: &[(&str, &str, &str, f64)]) {
    std::fs::create_dir_all(dir).unwrap();
    let mut csv = String::from("dataset,task,strategy,metric,value\n");
    for (ds, strategy, metric, value) in rows {
        csv.push_str(&format!("{ds},dedup,{strategy},{metric},{value:.6}\n"));
    }
    std::fs::write(dir.join("results.csv"), csv).unwrap();
    let run = serde_json::json!({"datasets": [{"name": "news", "sha256": sha}]});
    std::fs::write(dir.join("run.json"), run.to_string()).unwrap();
}

fn gate(dir: &Path, args: &[&str]) -> (i32, String) {
    let mut all = vec!["gate", "--baseline", "baseline.toml"];
    all.extend_from_slice(args);
    let out = corpusbench(dir, &all);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains("panicked"), "{text}");
    (out.status.code().unwrap_or(-1), text)
}

const BASE: &[(&str, &str, &str, f64)] =
    &[("news", "lines", "span_f1", 0.93), ("news", "lines", "mb_per_s", 80.0), ("news", "exact", "pair_f1", 0.53)];

#[test]
fn synthetic_runs_pass_when_unchanged_and_fail_on_quality_or_cost_regressions() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    let mut base = BASE.to_vec();
    base.push(("news", "lines", "instructions", 1_000_000.0));
    write_run(&p.join("base"), "sha-1", &base);
    assert_eq!(gate(p, &["--run", "base", "--update"]).0, 0);

    // Same quality, timing noise, 1% more instructions: passes.
    write_run(
        &p.join("same"),
        "sha-1",
        &[
            ("news", "lines", "span_f1", 0.93),
            ("news", "lines", "mb_per_s", 40.0),
            ("news", "exact", "pair_f1", 0.5302),
            ("news", "lines", "instructions", 1_010_000.0),
        ],
    );
    let (code, text) = gate(p, &["--run", "same", "--strict", "--markdown", "same.md"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("0 worse"), "{text}");
    assert!(std::fs::read_to_string(p.join("same.md")).unwrap().contains("gate: pass"));

    // Lower span F1: fails, naming the cell and metric.
    write_run(
        &p.join("worse"),
        "sha-1",
        &[
            ("news", "lines", "span_f1", 0.90),
            ("news", "exact", "pair_f1", 0.53),
            ("news", "lines", "instructions", 1_000_000.0),
        ],
    );
    let (code, text) = gate(p, &["--run", "worse", "--markdown", "worse.md"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("WORSE") && text.contains("span_f1") && text.contains("-0.0300"), "{text}");
    let md = std::fs::read_to_string(p.join("worse.md")).unwrap();
    assert!(md.contains("gate: regression") && md.contains("| WORSE | news | `lines` | span_f1 |"), "{md}");

    // 10% more instructions: fails.
    write_run(
        &p.join("slower"),
        "sha-1",
        &[
            ("news", "lines", "span_f1", 0.93),
            ("news", "exact", "pair_f1", 0.53),
            ("news", "lines", "instructions", 1_100_000.0),
        ],
    );
    let (code, text) = gate(p, &["--run", "slower"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("instructions") && text.contains("+10.00%"), "{text}");

    // Updating the baseline with the worse run is refused unless asked for.
    let (code, text) = gate(p, &["--run", "worse", "--update"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("refusing to update the baseline"), "{text}");
    assert_eq!(gate(p, &["--run", "worse", "--update", "--allow-lower"]).0, 0);
    assert_eq!(gate(p, &["--run", "worse"]).0, 0);
}

#[test]
fn changed_dataset_is_reported_as_stale_not_compared() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    write_run(&p.join("base"), "sha-1", BASE);
    assert_eq!(gate(p, &["--run", "base", "--update"]).0, 0);
    write_run(&p.join("changed"), "sha-2", &[("news", "lines", "span_f1", 0.1), ("news", "exact", "pair_f1", 0.1)]);
    let (code, text) = gate(p, &["--run", "changed"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("stale") && text.contains("dataset files changed"), "{text}");
    assert_eq!(gate(p, &["--run", "changed", "--strict"]).0, 1);
}

/// A real run of `lines` is the baseline; the same strategy with a worse normalisation (here
/// emulated by running `lines:norm=none` under the name `lines`, as a code change would) fails.
#[test]
fn a_real_run_with_a_worse_normalisation_fails_the_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    let corpus = crate::common::bundled_corpus();
    let c = corpus.to_str().unwrap();
    let out = corpusbench(p, &["run", "--corpus", c, "-s", "lines", "--out", "base"]);
    assert!(out.status.success());
    assert_eq!(gate(p, &["--run", "base", "--update"]).0, 0);

    let out = corpusbench(p, &["run", "--corpus", c, "-s", "lines:norm=none", "--out", "changed"]);
    assert!(out.status.success());
    let csv = std::fs::read_to_string(p.join("changed/results.csv")).unwrap().replace(",lines:norm=none,", ",lines,");
    std::fs::write(p.join("changed/results.csv"), csv).unwrap();
    let (code, text) = gate(p, &["--run", "changed"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("handmade-spans") && text.contains("span_recall"), "{text}");

    // An unrelated change (a second run of the same code) passes.
    let out = corpusbench(p, &["run", "--corpus", c, "-s", "lines", "--out", "again"]);
    assert!(out.status.success());
    assert_eq!(gate(p, &["--run", "again", "--strict"]).0, 0);
}

#[test]
fn missing_baseline_explains_how_to_create_one() {
    let tmp = tempfile::tempdir().unwrap();
    write_run(&tmp.path().join("r"), "sha", BASE);
    let (code, text) = gate(tmp.path(), &["--run", "r"]);
    assert_eq!(code, 1);
    assert!(text.contains("gate --update"), "{text}");
}
