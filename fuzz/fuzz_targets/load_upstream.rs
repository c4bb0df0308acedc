//! Each upstream-format loader (Clough-Stevenson, Dolma fixtures, scrapinghub, trafilatura-eval,
//! WCXB) on a folder laid out as the format expects, its files taken from the input. Loading never
//! panics, every problem names a file of the folder, page ids are unique and a loaded dedup
//! dataset's gold lines up with its documents.
#![no_main]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use corpusbench::corpus::discover;
use corpusbench::corpus::formats::{clough_stevenson, dolma_fixtures};
use corpusbench::model::Items;
use libfuzzer_sys::fuzz_target;

/// The formats, each with the files its input parts are written to (relative to its folder).
const LAYOUTS: &[(&str, &[&str])] = &[
    ("clough", &[clough_stevenson::INFO, "orig_taska.txt", "g0pA_taska.txt"]),
    ("dolma", &[dolma_fixtures::DOCUMENTS, dolma_fixtures::EXPECTED]),
    ("scrapinghub", &["ground-truth.json", "html/p0.html", "html/p1.html"]),
    ("trafilatura", &["evaldata.json", "eval/p0.html", "eval/p1.html"]),
    ("wcxb", &["ground-truth/p0.json", "html/p0.html", "ground-truth/p1.json", "html/p1.html"]),
];

/// One temporary folder for the whole session; each format has its own sub-folder.
fn root() -> &'static PathBuf {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let path = tmp.path().to_path_buf();
        (tmp, path)
    })
    .1
}

/// Writes the parts of `data` (split at 0xFF bytes, never in UTF-8) to the layout's files; a
/// file with no part is removed, so every input sees only its own files.
fn lay_out(dir: &Path, files: &[&str], data: &[u8]) {
    let mut parts = data.split(|&b| b == 0xFF);
    for file in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folder");
        match parts.next() {
            Some(part) => std::fs::write(&path, part).expect("write"),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let (name, files) = LAYOUTS[choice as usize % LAYOUTS.len()];
    let dir = root().join(name);
    lay_out(&dir, files, rest);
    let (datasets, errors) = discover(std::slice::from_ref(&dir));
    for e in &errors {
        assert!(e.path.starts_with(&dir), "an error outside the folder: {e}");
    }
    for ds in &datasets {
        for e in &ds.issues {
            assert!(e.path.starts_with(&dir), "an issue outside the folder: {e}");
        }
        match &ds.items {
            Items::Extract { pages, gold } => {
                assert_eq!(pages.len(), gold.len(), "{name}: pages and gold differ in number");
                let mut ids = HashSet::new();
                for p in pages {
                    assert!(ids.insert(p.id.as_str()), "{name}: page id `{}` twice", p.id);
                }
            }
            Items::Dedup { docs, gold } => {
                for labels in [gold.clusters.as_ref().map(Vec::len), gold.spans.as_ref().map(Vec::len)] {
                    assert!(labels.is_none_or(|n| n == docs.len()), "{name}: gold not aligned with documents");
                }
                for (doc, spans) in docs.iter().zip(gold.spans.iter().flatten()) {
                    let chars = doc.text.chars().count();
                    for s in spans.as_slice() {
                        assert!(s.start <= s.end && s.end <= chars, "{name}: gold span {s:?} out of bounds");
                    }
                }
            }
            // A folder of Parquet shards: ids, lengths and gold stay aligned.
            Items::Streamed { docs, gold } => {
                assert_eq!(docs.ids.len(), docs.char_lens.len(), "{name}: ids and lengths differ in number");
                for labels in [gold.clusters.as_ref().map(Vec::len), gold.spans.as_ref().map(Vec::len)] {
                    assert!(labels.is_none_or(|n| n == docs.ids.len()), "{name}: gold not aligned with documents");
                }
            }
        }
    }
});
