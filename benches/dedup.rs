//! Wall-clock benches of the exact and span-level deduplicators (`exact`, `lines`, `paragraphs`,
//! `bloom-paragraphs`, `suffix-array`, `gopher-repetition`) on one fixed input: the bundled seed
//! article copied into 400 documents (about 1.6 MB): the `seed-copies` case of
//! `benches/cases.toml`. Each bench checks the strategy's answer there before timing it, so a
//! fast wrong implementation cannot pass as a speed-up.

use std::hint::black_box;

use corpusbench::cases::{Case, Cases};
use corpusbench::corpus::load_dataset;
use corpusbench::model::{Doc, Items};
use corpusbench::runner::Answer;
use corpusbench::strategy::{Deduplicator, Registry};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The case these benches time.
fn case() -> (Cases, Case) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/cases.toml");
    let cases = Cases::read(&path).expect("benches/cases.toml");
    let case = cases.get("seed-copies").expect("the seed-copies case").clone();
    (cases, case)
}

/// The case's input: its dataset's first document, `copies` times.
fn copies(cases: &Cases, case: &Case) -> Vec<Doc> {
    let ds = load_dataset(&cases.dataset_dir(case)).expect("the case's dataset loads");
    let Items::Dedup { docs, .. } = ds.items else { panic!("{} is not a dedup dataset", case.name) };
    (0..case.copies.unwrap_or(1)).map(|i| Doc { id: format!("copy-{i}"), text: docs[0].text.clone() }).collect()
}

fn dedup(spec: &str) -> Box<dyn Deduplicator> {
    Registry::builtin().dedup(spec).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

/// The strategy's answer on `docs`, as the runner computes it.
fn answer(d: &dyn Deduplicator, docs: &[Doc]) -> Answer {
    let out = d.dedup(docs).expect("runs");
    Answer { removed_chars: out.removed_chars(docs), clusters: out.cluster_count() }
}

fn benches(c: &mut Criterion) {
    let (cases, case) = case();
    let docs = copies(&cases, &case);
    let bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();
    let mut specs: Vec<&String> = case.expect.removed_chars.keys().chain(case.expect.clusters.keys()).collect();
    specs.dedup();
    let mut group = c.benchmark_group("dedup");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(20);
    for spec in specs {
        let d = dedup(spec);
        let got = answer(d.as_ref(), &docs);
        case.check(spec, &got).unwrap_or_else(|wrong| panic!("{wrong}"));
        group.bench_function(spec.as_str(), |b| b.iter(|| answer(d.as_ref(), black_box(&docs))));
    }
    group.finish();
}

criterion_group!(dedup_benches, benches);
criterion_main!(dedup_benches);
