//! The project's JSONL loading (both files of a dedup dataset) followed by every fast dedup
//! strategy, checking what the runner relies on: loading never panics, outputs describe every
//! document with spans in bounds, and every metric is finite.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use corpusbench::corpus::load_dataset;
use corpusbench::metrics::dedup::score;
use corpusbench::model::Items;
use corpusbench::strategy::Registry;
use libfuzzer_sys::fuzz_target;

const SPECS: &[&str] = &[
    "exact",
    "exact:norm=ccnet",
    "lines",
    "paragraphs",
    "bloom-paragraphs:expected=1000",
    "minhash",
    "simhash",
    "gopher-repetition",
];

/// One folder for the whole session, rewritten by every input.
fn folder() -> &'static PathBuf {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let dir = tmp.path().join("fuzz");
        std::fs::create_dir_all(&dir).expect("dataset folder");
        let manifest = "name = \"fuzz\"\ntask = \"dedup\"\nfiles = [\"docs.jsonl\", \"gold.jsonl\"]\n";
        std::fs::write(dir.join("dataset.toml"), manifest).expect("manifest");
        (tmp, dir)
    })
    .1
}

fuzz_target!(|data: &[u8]| {
    // The input is docs.jsonl, then a 0xFF byte (never in UTF-8), then gold.jsonl.
    let (docs, gold) = match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let dir = folder();
    std::fs::write(dir.join("docs.jsonl"), docs).expect("docs");
    std::fs::write(dir.join("gold.jsonl"), gold).expect("gold");
    let Ok(ds) = load_dataset(dir) else { return };
    let Items::Dedup { docs, gold } = &ds.items else { return };
    let registry = Registry::builtin();
    for spec in SPECS {
        let d = registry.dedup(spec).expect("built-in spec");
        let Ok(out) = d.dedup(docs) else { continue };
        out.validate(docs).unwrap_or_else(|e| panic!("{spec}: {e}"));
        for (name, v) in score(docs, gold, &ds.scoring, &out) {
            assert!(v.is_finite(), "{spec}: {name} = {v}");
        }
    }
});
