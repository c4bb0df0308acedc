//! Wall-clock benches of the exact and span-level deduplicators (`exact`, `lines`, `paragraphs`,
//! `bloom-paragraphs`, `suffix-array`, `gopher-repetition`) on one fixed input: the bundled seed
//! article copied into 400 documents (about 1.6 MB). Each bench checks the strategy's answer
//! before timing it, so a fast wrong implementation cannot pass as a speed-up.

use std::hint::black_box;

use corpusbench::corpus::load_dataset;
use corpusbench::model::{Doc, Items};
use corpusbench::strategy::{Deduplicator, Registry};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const COPIES: usize = 400;

fn seed_copies() -> Vec<Doc> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/seed-news");
    let ds = load_dataset(&dir).expect("bundled seed dataset loads");
    let Items::Dedup { docs, .. } = ds.items else { panic!("seed-news is a dedup dataset") };
    (0..COPIES).map(|i| Doc { id: format!("copy-{i}"), text: docs[0].text.clone() }).collect()
}

fn dedup(spec: &str) -> Box<dyn Deduplicator> {
    Registry::builtin().dedup(spec).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn removed_chars(d: &dyn Deduplicator, docs: &[Doc]) -> usize {
    let out = d.dedup(docs).expect("runs");
    out.dup_spans.expect("span output").iter().flatten().map(|r| r.end - r.start).sum()
}

fn benches(c: &mut Criterion) {
    let docs = seed_copies();
    let bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();
    let chars = docs[0].text.chars().count();
    // The first copy keeps its lead and one body (2,116 chars); everything else is a repeat.
    let expected_lines = COPIES * chars - 2116;
    // The article has no blank line: it is one paragraph, a duplicate in every copy but the first.
    let expected_paragraphs = (COPIES - 1) * chars;

    let later_copies = (COPIES - 1) * chars;
    // Every copy after the first is removed whole by the strategies below. In the first copy:
    // - bloom-paragraphs: lines 12-21 repeat lines 2-11: chars 2116..4039 (the gold span);
    // - suffix-array: the second body plus the line break and the 2 chars before it, which match
    //   the lead's ending ("...\n" before line 2): 1,925 chars (a brute-force scan of every
    //   100-byte window for an earlier occurrence gives the same);
    // - gopher-repetition: the first copy fails the duplicate-line rules too: all of it.
    let cases = [
        ("lines", expected_lines),
        ("paragraphs", expected_paragraphs),
        ("bloom-paragraphs", later_copies + (4039 - 2116)),
        ("suffix-array", later_copies + 1925),
        ("gopher-repetition", COPIES * chars),
    ];

    let mut group = c.benchmark_group("dedup");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(20);
    for (spec, expected) in cases {
        let d = dedup(spec);
        assert_eq!(removed_chars(d.as_ref(), &docs), expected, "{spec} answer");
        group.bench_function(spec, |b| b.iter(|| removed_chars(d.as_ref(), black_box(&docs))));
    }
    let exact = dedup("exact");
    let clusters = |docs: &[Doc]| exact.dedup(docs).expect("runs").cluster.expect("clusters");
    assert!(clusters(&docs).iter().all(|&c| c == 0), "exact answer: one cluster");
    group.bench_function("exact", |b| b.iter(|| clusters(black_box(&docs))));
    group.finish();
}

criterion_group!(dedup_benches, benches);
criterion_main!(dedup_benches);
