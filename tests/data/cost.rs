//! Deterministic cost under valgrind: counts repeat, and they grow with the work done. Reported
//! as ignored where valgrind is not installed.

use crate::common::{corpusbench, dataset_dir, dedup_manifest, results_rows};

fn instructions(dir: &std::path::Path, corpus: &std::path::Path, spec: &str, out: &str) -> (f64, f64) {
    let o = corpusbench(dir, &["cost", "--corpus", corpus.to_str().unwrap(), "-s", spec, "--out", out]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = results_rows(&dir.join(out).join("cost.csv"));
    let get = |m: &str| rows.iter().find(|r| r.3 == m).map(|r| r.4).unwrap();
    (get("instructions"), get("allocations"))
}

pub fn instruction_counts_repeat_and_scale_with_the_input() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    let text = "A line that repeats.\\nAnother line.\\n";
    let one = format!("{{\"id\": \"a\", \"text\": \"{text}\"}}\n");
    let many: String = (0..64).map(|i| format!("{{\"id\": \"a{i}\", \"text\": \"{text}\"}}\n")).collect();
    let m = dedup_manifest("small");
    let small =
        dataset_dir(p, "small", &[("dataset.toml", m.as_bytes()), ("docs.jsonl", one.as_bytes()), ("gold.jsonl", b"")]);
    let m = dedup_manifest("large");
    let large = dataset_dir(
        p,
        "large",
        &[("dataset.toml", m.as_bytes()), ("docs.jsonl", many.as_bytes()), ("gold.jsonl", b"")],
    );

    let (a, alloc_a) = instructions(p, &small, "lines", "r1");
    let (b, alloc_b) = instructions(p, &small, "lines", "r2");
    assert!(a > 0.0);
    assert!((a - b).abs() / a < 0.01, "repeat runs differ: {a} vs {b}");
    assert_eq!(alloc_a, alloc_b);
    let (c, _) = instructions(p, &large, "lines", "r3");
    assert!(c > 16.0 * a, "64 documents cost {c}, one costs {a}");
}
