//! The S-curve rows of `minhash` on synth-small: written by `run` (its built-ins run in worker
//! processes) and by the library's in-process runner alike, equal to what the scorer computes
//! from the strategy's own pair model, over every gold pair of the dataset; and drawn in the
//! HTML report.

use std::collections::BTreeMap;
use std::path::Path;

use corpusbench::corpus::load_dataset;
use corpusbench::metrics::s_curve::{Caps, s_curve};
use corpusbench::model::Items;
use corpusbench::runner::{RunOptions, Selected, run};
use corpusbench::strategy::Registry;

use crate::common::{corpusbench, results_rows};

fn synth_small() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/synth-small")
}

/// Gold same-cluster pairs of a gold.jsonl, counted from the file.
fn gold_pairs(path: &Path) -> u64 {
    let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        *sizes.entry(v["cluster"].as_str().unwrap().to_string()).or_default() += 1;
    }
    sizes.values().map(|n| n * (n - 1) / 2).sum()
}

/// The S-curve of default `minhash` on synth-small as the scorer computes it, seed 0.
fn expected() -> Vec<(String, f64)> {
    let ds = load_dataset(&synth_small()).unwrap();
    let Items::Dedup { docs, gold } = &ds.items else { panic!("dedup dataset") };
    let d = Registry::builtin().dedup("minhash").unwrap();
    let out = d.dedup(docs).unwrap();
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let model = d.pair_model().expect("minhash has a pair model");
    s_curve(&texts, gold.clusters.as_ref().unwrap(), out.cluster.as_ref().unwrap(), model, 0, Caps::default())
}

#[test]
fn a_minhash_run_writes_the_s_curve_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = synth_small();
    let args = ["run", "--corpus", corpus.to_str().unwrap(), "-s", "minhash", "-s", "exact", "--out", "res", "--html"];
    let out = corpusbench(tmp.path(), &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = results_rows(&tmp.path().join("res/results.csv"));
    let of = |strategy: &str| -> BTreeMap<String, f64> {
        rows.iter().filter(|r| r.2 == strategy && r.3.contains("@jaccard=")).map(|r| (r.3.clone(), r.4)).collect()
    };
    let m = of("minhash");
    // `exact` has no pair model; no interval is computed for any S-curve row.
    assert!(of("exact").is_empty());
    assert!(m.keys().all(|k| !k.contains(':')), "{m:?}");
    // Every gold pair of the 200 documents is scored (far below the caps).
    let total: f64 = m.iter().filter(|(k, _)| k.starts_with("pairs@")).map(|(_, v)| v).sum();
    assert_eq!(total, gold_pairs(&corpus.join("gold.jsonl")) as f64);
    assert_eq!(total, 181.0);
    // The rows are the scorer's, to the six decimals of results.csv.
    let want = expected();
    assert_eq!(m.len(), want.len());
    for (name, v) in &want {
        assert!((m[name] - v).abs() < 5e-7, "{name}: {} in results.csv, {v} computed", m[name]);
    }
    // Identical and near-identical pairs (the top bin) are all found and predicted to be.
    assert_eq!(m["pair_recall@jaccard=0.975"], 1.0);
    assert!(m["p_detect@jaccard=0.975"] > 0.99 && m["pairs@jaccard=0.975"] >= 30.0, "{m:?}");
    // Default minhash (9 bands of 13 rows, tuned for 0.8) links no gold pair below Jaccard 0.5,
    // and the predicted mean probability never falls from one bin to the next.
    let curve = |prefix: &str| -> Vec<(f64, f64)> {
        let mut pts: Vec<(f64, f64)> =
            m.iter().filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.parse::<f64>().ok()?, *v))).collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        pts
    };
    assert!(curve("pair_recall@jaccard=").iter().filter(|(x, _)| *x < 0.5).all(|(_, r)| *r == 0.0), "{m:?}");
    let predicted = curve("p_detect@jaccard=");
    assert!(predicted.len() >= 10, "{m:?}");
    assert!(predicted.windows(2).all(|w| w[0].1 <= w[1].1), "{predicted:?}");
    // The report draws them: one measured and one predicted line, a point per bin each.
    let html = std::fs::read_to_string(tmp.path().join("res/report.html")).unwrap();
    let start = html.find(r#"data-chart="ds0-s-curve""#).expect("an S-curve figure");
    let figure = &html[start..start + html[start..].find("</figure>").unwrap()];
    let lines: Vec<usize> = figure
        .split("<polyline")
        .skip(1)
        .map(|l| l.split("points=\"").nth(1).unwrap().split('"').next().unwrap().split_whitespace().count())
        .collect();
    assert_eq!(lines, [predicted.len(), predicted.len()], "{figure}");
}

#[test]
fn the_in_process_runner_writes_the_same_rows() {
    let ds = load_dataset(&synth_small()).unwrap();
    let selected = vec![Selected::build(&Registry::builtin(), "minhash").unwrap()];
    let cells = run(&[ds], &selected, RunOptions::in_process(1, 2), &mut |_, _| {}).unwrap();
    let got: Vec<(String, f64)> = cells[0].metrics.iter().filter(|(k, _)| k.contains("@jaccard=")).cloned().collect();
    assert_eq!(got, expected());
}
