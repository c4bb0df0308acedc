//! Writes the MinHash benchmark corpus (the documents `benches/minhash.rs` times) as a dataset
//! folder: `docs.jsonl` (`{"id", "text"}`), `gold.jsonl` (`{"id", "cluster"}`) and `dataset.toml`, so other tools
//! (scripts/compare_minhash.py) and `corpusbench run --corpus` read the very same documents.
//!
//! Usage: `cargo run --release --example gen_bench_corpus -- OUT_DIR [DOCS]`

#[path = "../benches/support/bench_corpus.rs"]
mod bench_corpus;

use std::io::{BufWriter, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: gen_bench_corpus OUT_DIR [DOCS]")?;
    let docs = match args.next() {
        Some(n) => n.parse().map_err(|_| format!("DOCS must be a number, got `{n}`"))?,
        None => bench_corpus::DOCS,
    };
    let corpus = bench_corpus::generate(1, docs);
    std::fs::create_dir_all(&out)?;
    let dir = std::path::Path::new(&out);
    let mut d = BufWriter::new(std::fs::File::create(dir.join("docs.jsonl"))?);
    let mut g = BufWriter::new(std::fs::File::create(dir.join("gold.jsonl"))?);
    for (i, text) in corpus.texts.iter().enumerate() {
        serde_json::to_writer(&mut d, &serde_json::json!({ "id": format!("d{i}"), "text": text }))?;
        d.write_all(b"\n")?;
        let c = format!("c{}", corpus.cluster[i]);
        serde_json::to_writer(&mut g, &serde_json::json!({ "id": format!("d{i}"), "cluster": c }))?;
        g.write_all(b"\n")?;
    }
    d.flush()?;
    g.flush()?;
    let manifest = format!(
        "name = \"minhash-bench\"\ntask = \"dedup\"\nformat = \"jsonl\"\n\
         description = \"Seeded random-word documents with planted near-copies ({docs} docs)\"\n\
         license = \"CC0-1.0 (generated)\"\nprimary_metric = \"pair_f1\"\nfiles = [\"docs.jsonl\", \"gold.jsonl\"]\n"
    );
    std::fs::write(dir.join("dataset.toml"), manifest)?;
    eprintln!("{docs} documents, {} bytes, {} planted clusters -> {out}", corpus.bytes(), corpus.clusters());
    Ok(())
}
