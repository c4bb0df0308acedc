//! Near-duplicate detection throughput, end to end (texts in, clusters out): `minhash@fineweb`
//! on 1 and 2 threads, and `simhash` on 1 thread, over a seeded corpus of 20,000 documents of
//! about 9 KB with planted near-copies (see `support/bench_corpus.rs`).
//!
//! Every timed run checks its answer: the number of clusters found must equal the number
//! planted, so a faster but wrong change cannot pass as a speed-up.
//!
//! `MINHASH_BENCH_DOCS=2000 cargo bench --bench minhash` runs a smaller corpus.

#[path = "support/bench_corpus.rs"]
mod bench_corpus;

use std::collections::HashSet;
use std::time::Duration;

use corpusbench::model::Doc;
use corpusbench::strategy::{Deduplicator, Registry};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

fn dedup(spec: &str) -> Box<dyn Deduplicator> {
    Registry::builtin().dedup(spec).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn clusters_found(d: &dyn Deduplicator, docs: &[Doc]) -> usize {
    let out = d.dedup(docs).expect("dedup runs");
    out.cluster.expect("clusters").into_iter().collect::<HashSet<u32>>().len()
}

fn bench(c: &mut Criterion) {
    let n = std::env::var("MINHASH_BENCH_DOCS").ok().and_then(|v| v.parse().ok()).unwrap_or(bench_corpus::DOCS);
    let corpus = bench_corpus::generate(1, n);
    let planted = corpus.clusters();
    let bytes = corpus.bytes();
    let docs: Vec<Doc> =
        corpus.texts.iter().enumerate().map(|(i, t)| Doc { id: format!("d{i}"), text: t.clone() }).collect();

    let mut group = c.benchmark_group("near-dup");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(20));
    group.warm_up_time(Duration::from_secs(2));

    let minhash = dedup("minhash@fineweb");
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
        assert_eq!(pool.install(|| clusters_found(minhash.as_ref(), &docs)), planted, "minhash@fineweb clusters");
        group.bench_function(format!("minhash@fineweb/{threads}-thread"), |b| {
            b.iter(|| assert_eq!(pool.install(|| clusters_found(minhash.as_ref(), &docs)), planted))
        });
    }

    // SimHash at k = 3 misses some of these copies (ten word edits move a 64-bit fingerprint by
    // more than 3 bits); its check is that it never merges more than was planted and finds some.
    let simhash = dedup("simhash");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("thread pool");
    let found = pool.install(|| clusters_found(simhash.as_ref(), &docs));
    assert!(found >= planted && found < n, "simhash found {found} clusters, planted {planted}");
    group.bench_function("simhash/1-thread", |b| {
        b.iter(|| assert_eq!(pool.install(|| clusters_found(simhash.as_ref(), &docs)), found))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
