//! Reproduces WCXB's reference figures on its dev split: scoring the saved outputs of
//! trafilatura and resiliparse (`outputs/*.json`) with corpusbench's bag-of-words metric gives
//! `reference-metrics.csv`, `reference-metrics-by-type.csv` and `reference-per-page.csv`
//! (computed with upstream `evaluate.py`).

use std::collections::HashMap;

use crate::repro_common::*;
use corpusbench::metrics::extract::bow;
use corpusbench::model::Items;

pub fn loader_reads_every_page_with_type_and_gold() {
    let dir = dataset_dir("wcxb-dev");
    let ds = load(&dir);
    assert_eq!(ds.len(), 1497);
    assert_eq!(ds.primary_metric(), "bow_f1");
    let Items::Extract { pages, gold } = &ds.items else { panic!("not an extraction dataset") };
    assert_eq!(pages.first().map(|p| p.id.as_str()), Some("0001"));
    assert!(gold.iter().all(|g| g.text.is_some() && g.page_type.is_some()));
    let mut types: Vec<&str> = gold.iter().filter_map(|g| g.page_type.as_deref()).collect();
    types.sort();
    types.dedup();
    assert_eq!(types.len(), 7, "{types:?}");
}

pub fn reference_metrics_are_reproduced() {
    let dir = dataset_dir("wcxb-dev");
    let ds = load(&dir);
    let Items::Extract { pages, gold } = &ds.items else { panic!("not an extraction dataset") };
    let overall = read_csv(&dir.join("reference-metrics.csv"));
    let by_type = read_csv(&dir.join("reference-metrics-by-type.csv"));
    let per_page = read_csv(&dir.join("reference-per-page.csv"));
    assert_eq!(overall.len(), 2);
    let close = |system: &str, what: &str, ours: f64, theirs: f64| {
        assert_eq!(fixed(ours, 4), fixed(theirs, 4), "{system}: {what}");
        assert!((ours - theirs).abs() < 1e-9, "{system}: {what}: {ours} vs {theirs}");
    };
    for row in &overall {
        let system = &row["system"];
        let (_, texts, failed) = outputs_for(&ds, &dir.join("outputs").join(format!("{system}.json")));
        assert_eq!(failed as f64, num(row, "null_outputs"), "{system}: null outputs");
        assert_eq!(texts.len() as f64, num(row, "pages"));
        let s = score(&ds, &texts);
        for (metric, column) in [
            ("bow_precision", "precision"),
            ("bow_recall", "recall"),
            ("bow_f1", "f1"),
            ("bow_with_rate", "with_rate"),
            ("bow_without_rate", "without_rate"),
        ] {
            close(system, column, get(&s, metric), num(row, column));
        }
        let types: Vec<_> = by_type.iter().filter(|r| &r["system"] == system).collect();
        assert_eq!(types.len(), 7, "{system}");
        for t in types {
            let ty = &t["page_type"];
            assert_eq!(get(&s, &format!("pages@{ty}")), num(t, "pages"), "{system}@{ty}");
            for m in ["precision", "recall", "f1"] {
                close(system, &format!("{m}@{ty}"), get(&s, &format!("bow_{m}@{ty}")), num(t, m));
            }
        }
        // Page by page, with the page type the loader assigned.
        let expected: HashMap<&str, &HashMap<String, String>> =
            per_page.iter().filter(|r| &r["system"] == system).map(|r| (r["file_id"].as_str(), r)).collect();
        assert_eq!(expected.len(), pages.len());
        for ((page, g), text) in pages.iter().zip(gold).zip(&texts) {
            let r = expected[page.id.as_str()];
            assert_eq!(g.page_type.as_deref(), Some(r["page_type"].as_str()), "{}", page.id);
            let p = bow::page(g.text.as_deref().unwrap_or(""), text);
            let what = format!("page {}", page.id);
            assert!((p.precision - num(r, "precision")).abs() < 1e-12, "{system}: {what} precision");
            assert!((p.recall - num(r, "recall")).abs() < 1e-12, "{system}: {what} recall");
            assert!((p.f1 - num(r, "f1")).abs() < 1e-12, "{system}: {what} f1");
            assert!((bow::snippet_rate(&g.with, text) - num(r, "with_rate")).abs() < 1e-12, "{system}: {what}");
            assert!((bow::snippet_rate(&g.without, text) - num(r, "without_rate")).abs() < 1e-12, "{system}: {what}");
        }
    }
}
