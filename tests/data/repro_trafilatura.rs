//! Reproduces the trafilatura evaluation's reference figures: scoring the saved outputs of
//! trafilatura, trafilatura fast, resiliparse and the baseline (`outputs/*.json`) with
//! corpusbench's snippet metric gives the counts and scores of `reference-metrics.csv` (computed
//! with upstream `eval_common.py`), and the per-page counts of `reference-per-item.csv`.

use std::collections::HashMap;

use crate::repro_common::*;
use corpusbench::corpus::encoding;
use corpusbench::metrics::extract::snippet;
use corpusbench::model::Items;

pub fn loader_reads_every_entry_and_snippet() {
    let dir = dataset_dir("trafilatura-eval");
    let ds = load(&dir);
    assert_eq!(ds.len(), 990);
    assert_eq!(ds.primary_metric(), "snippet_f1");
    let Items::Extract { pages, gold } = &ds.items else { panic!("not an extraction dataset") };
    // Totals given by eval_baseline.json ("chunks") and PROVENANCE.md.
    assert_eq!(gold.iter().map(|g| g.with.len()).sum::<usize>(), 2951);
    assert_eq!(gold.iter().map(|g| g.without.len()).sum::<usize>(), 2966);
    assert!(pages.iter().all(|p| p.url.as_deref() == Some(p.id.as_str())));
}

pub fn reference_metrics_are_reproduced() {
    let dir = dataset_dir("trafilatura-eval");
    let ds = load(&dir);
    let Items::Extract { pages, gold } = &ds.items else { panic!("not an extraction dataset") };
    let per_item = read_csv(&dir.join("reference-per-item.csv"));
    let rows = read_csv(&dir.join("reference-metrics.csv"));
    assert_eq!(rows.len(), 4);
    for row in &rows {
        let system = &row["system"];
        let (_, texts, _) = outputs_for(&ds, &dir.join("outputs").join(format!("{system}.json")));
        let s = score(&ds, &texts);
        for (metric, column) in [("snippet_tp", "tp"), ("snippet_fp", "fp"), ("snippet_tn", "tn"), ("snippet_fn", "fn")]
        {
            assert_eq!(get(&s, metric), num(row, column), "{system}: {column}");
        }
        for (metric, column) in [
            ("snippet_precision", "precision"),
            ("snippet_recall", "recall"),
            ("snippet_accuracy", "accuracy"),
            ("snippet_f1", "f1"),
        ] {
            let (ours, theirs) = (get(&s, metric), num(row, column));
            assert_eq!(fixed(ours, 4), fixed(theirs, 4), "{system}: {column}");
            assert!((ours - theirs).abs() < 1e-12, "{system}: {column}: {ours} vs {theirs}");
        }
        // Per page: the same counts as upstream count_item, page by page.
        let expected: HashMap<&str, [u64; 4]> = per_item
            .iter()
            .filter(|r| &r["system"] == system)
            .map(|r| (r["url"].as_str(), [num(r, "tp"), num(r, "fp"), num(r, "fn"), num(r, "tn")].map(|v| v as u64)))
            .collect();
        assert_eq!(expected.len(), pages.len(), "{system}");
        for ((page, g), text) in pages.iter().zip(gold).zip(&texts) {
            let c = snippet::page(&g.with, &g.without, text);
            assert_eq!(Some(&[c.tp, c.fp, c.fn_, c.tn]), expected.get(page.id.as_str()), "{system}: {}", page.id);
        }
    }
}

pub fn pages_that_are_not_utf8_are_decoded_by_their_declaration_or_bytes() {
    let dir = dataset_dir("trafilatura-eval");
    // Pages PROVENANCE.md counts among the 27 that are not UTF-8: one declares ISO-8859-1 in its
    // first 1024 bytes; two only after them (one an archived page behind the Wayback toolbar).
    for (file, source) in [
        ("cdu-fraktion-erfurt.de.waldorfschule.html", encoding::Source::Meta),
        ("archive.org-travaillent.html", encoding::Source::LateMeta),
        ("kyffhaeuser-nachrichten.de-Regen.html", encoding::Source::LateMeta),
    ] {
        let read = |sub: &str| corpusbench::io::read_stored(&dir.join(sub).join(file));
        let (_, raw) = read("cache").or_else(|_| read("eval")).unwrap_or_else(|e| panic!("{e}"));
        assert!(std::str::from_utf8(&raw).is_err(), "{file} is expected not to be UTF-8");
        let d = encoding::decode(&raw, Some("https://example.de/"));
        assert_eq!(d.encoding, encoding_rs::WINDOWS_1252, "{file}");
        assert_eq!(d.source, source, "{file}");
        assert!(!d.had_errors && !d.text.contains('\u{FFFD}'), "{file}");
    }
}
