//! Every registered deduplicator against every bundled gold case: each must run, describe every
//! document, stay inside document bounds, be deterministic, and never claim a span in a control
//! document. Named expectations pin what each strategy is for. A new strategy is covered here
//! the moment it is registered.

use corpusbench::corpus::discover;
use corpusbench::metrics::dedup::score;
use corpusbench::model::{Dataset, Items, Task};
use corpusbench::strategy::Registry;

fn bundled() -> Vec<Dataset> {
    let (datasets, errors) = discover(&[crate::common::bundled_corpus()]);
    assert!(errors.is_empty(), "bundled corpus has input errors: {errors:?}");
    for ds in &datasets {
        assert!(ds.issues.is_empty(), "{}: {:?}", ds.name, ds.issues);
    }
    datasets
}

fn metric(metrics: &[(String, f64)], name: &str) -> f64 {
    metrics.iter().find(|(m, _)| m == name).map(|(_, v)| *v).unwrap_or_else(|| panic!("no metric {name}"))
}

/// Runs `spec` on dataset `name` and returns its metrics.
fn run(datasets: &[Dataset], spec: &str, name: &str) -> Vec<(String, f64)> {
    let ds = datasets.iter().find(|d| d.name == name).unwrap_or_else(|| panic!("no dataset {name}"));
    let s = Registry::builtin().dedup(spec).unwrap_or_else(|e| panic!("{e}"));
    let Items::Dedup { docs, gold } = &ds.items else { panic!("{name} is not a dedup dataset") };
    score(docs, gold, &ds.scoring, &s.dedup(docs).unwrap())
}

#[test]
fn every_dedup_strategy_runs_on_every_bundled_case_within_bounds_and_deterministically() {
    let datasets = bundled();
    let dedup: Vec<_> = datasets.iter().filter(|d| d.task() == Task::Dedup).collect();
    assert!(dedup.len() >= 3, "expected the seed and hand-made cases");
    let registry = Registry::builtin();
    // A strategy that replays a saved file (`dedup-outputs:PATH`) needs one; its module tests it.
    let replays = |i: &&corpusbench::strategy::StrategyInfo| i.params.first().is_some_and(|p| p.name == "path");
    for info in registry.infos().iter().filter(|i| i.task == Task::Dedup && !replays(i)) {
        let s = registry.dedup(&info.name).unwrap_or_else(|e| panic!("{}: {e}", info.name));
        for ds in &dedup {
            let Items::Dedup { docs, gold } = &ds.items else { unreachable!() };
            let out = s.dedup(docs).unwrap_or_else(|e| panic!("{} on {}: {e}", info.name, ds.name));
            assert!(out.cluster.is_some() || out.dup_spans.is_some(), "{} returned nothing", info.name);
            if let Some(c) = &out.cluster {
                assert_eq!(c.len(), docs.len(), "{} on {}", info.name, ds.name);
            }
            if let Some(spans) = &out.dup_spans {
                assert_eq!(spans.len(), docs.len(), "{} on {}", info.name, ds.name);
                for (doc, s) in docs.iter().zip(spans) {
                    let len = doc.text.chars().count();
                    for w in s.windows(2) {
                        assert!(w[0].end <= w[1].start, "{}: spans of {} overlap or are unsorted", info.name, doc.id);
                    }
                    assert!(
                        s.iter().all(|r| r.start < r.end && r.end <= len),
                        "{}: {} out of bounds",
                        info.name,
                        doc.id
                    );
                    if doc.id.starts_with("control-") {
                        assert!(s.is_empty(), "{} flags control document {}", info.name, doc.id);
                    }
                }
            }
            let again = s.dedup(docs).unwrap();
            assert_eq!(out, again, "{} is not deterministic on {}", info.name, ds.name);
            let scores = score(docs, gold, &ds.scoring, &out);
            assert!(scores.iter().all(|(_, v)| v.is_finite()), "{}: {scores:?}", info.name);
        }
    }
}

#[test]
fn lines_removes_exactly_the_second_copy_of_the_seed_article() {
    let m = run(&bundled(), "lines", "seed-news");
    assert_eq!(metric(&m, "span_precision"), 1.0);
    assert_eq!(metric(&m, "span_recall"), 1.0);
    assert_eq!(metric(&m, "span_f1"), 1.0);
}

#[test]
fn lines_catches_boilerplate_and_noisy_repeats_without_false_positives() {
    let m = run(&bundled(), "lines", "handmade-spans");
    assert_eq!(metric(&m, "span_precision"), 1.0);
    // The repeated paragraph's blank separator line is gold but not a line of text: recall < 1.
    assert!(metric(&m, "span_recall") > 0.85, "{m:?}");
}

#[test]
fn lines_without_ccnet_normalisation_misses_the_punctuation_variant() {
    let datasets = bundled();
    let ccnet = metric(&run(&datasets, "lines", "handmade-spans"), "span_recall");
    let raw = metric(&run(&datasets, "lines:norm=none", "handmade-spans"), "span_recall");
    assert!(raw < ccnet, "none {raw} should recall less than ccnet {ccnet}");
}

#[test]
fn paragraphs_removes_the_repeated_paragraph_with_its_separator() {
    let datasets = bundled();
    let ds = datasets.iter().find(|d| d.name == "handmade-spans").unwrap();
    let Items::Dedup { docs, gold } = &ds.items else { unreachable!() };
    let s = Registry::builtin().dedup("paragraphs").unwrap();
    let out = s.dedup(docs).unwrap();
    let i = docs.iter().position(|d| d.id == "repeated-paragraph-council").unwrap();
    assert_eq!(out.dup_spans.unwrap()[i], gold.spans.as_ref().unwrap()[i]);
}

#[test]
fn exact_never_merges_different_texts_and_finds_mirrors() {
    let m = run(&bundled(), "exact", "handmade-docs");
    assert_eq!(metric(&m, "pair_precision"), 1.0);
    // mirrors and the reformatted copy are found (4 of 11 gold pairs); edited and syndicated copies are not
    assert!((metric(&m, "pair_recall") - 4.0 / 11.0).abs() < 1e-12, "{m:?}");
}

#[test]
fn exact_with_no_normalisation_misses_the_reformatted_copy() {
    let m = run(&bundled(), "exact:norm=none", "handmade-docs");
    // only the two byte-identical mirrors: ferry x2 and school x2 -> 2 of 11 gold pairs
    assert!((metric(&m, "pair_recall") - 2.0 / 11.0).abs() < 1e-12, "{m:?}");
}

/// 100,000 short documents that all normalise to one text (CCNet folds digits), as real
/// corpora hold hundreds of thousands of identical error or parking pages: every
/// near-duplicate strategy finds the one cluster in linear time and memory (all pairs would be
/// 5 x 10^9 per band), cluster metrics come from cluster sizes, and the banded indexes give
/// their pairs as one group, so edge metrics are computed too, without listing them.
#[test]
fn a_hundred_thousand_identical_documents_form_one_cluster_without_listing_pairs() {
    use corpusbench::model::DedupGold;
    use corpusbench::runner::{RunOptions, Selected};
    let n = 100_000;
    let docs: Vec<corpusbench::model::Doc> = (0..n)
        .map(|i| corpusbench::model::Doc { id: format!("d{i}"), text: format!("doc {i:05} w{}", i % 9) })
        .collect();
    let gold = DedupGold { clusters: Some(vec![0; n]), ..DedupGold::default() };
    let ds = Dataset::in_memory("identical", Items::Dedup { docs, gold });
    let registry = Registry::builtin();
    let specs = ["exact:norm=ccnet", "minhash:norm=ccnet,ngram=2", "simhash:ngram=2"];
    let selected: Vec<Selected> = specs.iter().map(|s| Selected::build(&registry, s).unwrap()).collect();
    let cells = corpusbench::runner::run(&[ds], &selected, RunOptions::in_process(1, 2), &mut |_, _| {}).unwrap();
    for cell in &cells {
        assert!(cell.failure.is_none(), "{}: {:?}", cell.strategy, cell.failure);
        assert_eq!(cell.answer.clusters, Some(1), "{}", cell.strategy);
        assert_eq!(metric(&cell.metrics, "pair_f1"), 1.0, "{}", cell.strategy);
        if cell.strategy.starts_with("exact") {
            assert!(
                !cell.metrics.iter().any(|(m, _)| m.starts_with("edge_")),
                "{}: exact gives no pairs",
                cell.strategy
            );
        } else {
            assert_eq!(metric(&cell.metrics, "edge_f1"), 1.0, "{}: {:?}", cell.strategy, cell.metrics);
        }
    }
}
