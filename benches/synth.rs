//! Generation speed of `corpusbench synth`: documents per second for small documents made from
//! a fixed input, with default edit parameters. The document count is checked inside the timed
//! loop, so a change that generates less cannot pass as a speed-up.

use std::path::Path;

use corpusbench::synth::{Config, generate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// 500 input documents of 4 distinct lines each (letters only, so that normalisation keeps them
/// apart).
fn write_input(dir: &Path) -> std::path::PathBuf {
    let letters = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    let word = |mut n: usize| {
        let mut w = String::new();
        loop {
            w.push_str(letters[n % 10]);
            n /= 10;
            if n == 0 {
                return w;
            }
        }
    };
    let mut out = String::new();
    for d in 0..500 {
        let lines: Vec<String> = (0..4)
            .map(|l| {
                let k = d * 4 + l;
                format!(
                    "The council met on {} to discuss item {} and the {} report.",
                    word(k),
                    word(k * 7),
                    word(k * 13)
                )
            })
            .collect();
        out.push_str(&serde_json::json!({"id": d.to_string(), "text": lines.join("\n")}).to_string());
        out.push('\n');
    }
    let path = dir.join("input.jsonl");
    std::fs::write(&path, out).expect("write bench input");
    path
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write_input(dir.path());
    const DOCS: usize = 5_000;
    let mut cfg = Config::new(vec![input], dir.path().join("out"), DOCS, 1);
    cfg.doc_bytes = Some(400);
    cfg.fill = true;
    let mut group = c.benchmark_group("synth");
    group.throughput(Throughput::Elements(DOCS as u64));
    group.sample_size(10);
    group.bench_function("5000_docs_400_bytes", |b| {
        b.iter(|| {
            let summary = generate(&cfg).expect("generate");
            assert_eq!(summary.docs, DOCS);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
