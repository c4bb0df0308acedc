//! Streamed dedup datasets (`run --stream`, `Items::Streamed`) give exactly what the in-memory
//! path gives: the same documents, gold and input errors from the loader, and byte-identical
//! results, per-document figures and drill-down examples from a run.

use std::path::Path;

use corpusbench::corpus::{LoadOptions, load_dataset_with};
use corpusbench::model::{DocView, Items};

use crate::common::{bundled_corpus, corpusbench, dataset_dir, dedup_manifest};

/// A dataset with every kind of bad record: lines that are not JSON, wrong types, repeated ids,
/// gold for unknown documents, repeated gold (one with a malformed field), spans out of
/// bounds, a document without gold, integer and string cluster labels.
fn malformed(root: &Path) -> std::path::PathBuf {
    let docs = concat!(
        "{\"id\": \"a\", \"text\": \"one line\\nshared line\\n\"}\n",
        "not json\n",
        "{\"id\": \"b\", \"text\": \"one line\\nshared line\\n\"}\n",
        "{\"id\": 3, \"text\": \"x\"}\n",
        "{\"id\": \"a\", \"text\": \"again\"}\n",
        "{\"text\": \"t\", \"id\": \"c\", \"id\": \"c2\"}\n",
        "{\"id\": \"d\", \"text\": \"shared line\\nother\\n\"}\n",
        "{\"id\": \"e\", \"text\": \"no gold for me\"}\n",
        "{\"id\": \"f\", \"text\": \"dup gold\"}\n",
        "{\"id\": \"g\", \"text\": \"bad spans\"}\n",
        "{\"id\": \"h\", \"text\": \"one line\\nshared line\\n\", \"extra\": [1, {\"k\": null}]}\n",
    );
    let gold = concat!(
        "{\"id\": \"a\", \"cluster\": 1, \"dup_spans\": []}\n",
        "{\"id\": \"b\", \"cluster\": \"1\", \"dup_spans\": [[0, 21]]}\n",
        "{\"id\": \"c2\", \"cluster\": \"x\", \"dup_spans\": []}\n",
        "{\"id\": \"d\", \"dup_spans\": [[0, 12]], \"cluster\": \"y\"}\n",
        "{\"id\": \"zz\", \"cluster\": \"q\"}\n",
        "{\"id\": \"zz\", \"cluster\": \"q\"}\n",
        "{\"id\": \"f\", \"cluster\": \"f\"}\n",
        "{\"id\": \"f\", \"cluster\": [1]}\n",
        "{\"id\": \"g\", \"cluster\": \"g\", \"dup_spans\": [[0, 99]]}\n",
        "{\"id\": \"h\", \"cluster\": 1.0, \"dup_spans\": [[0, 9], [5, 21]]}\n",
        "[1, 2]\n",
    );
    dataset_dir(
        root,
        "malformed",
        &[
            ("dataset.toml", dedup_manifest("malformed").as_bytes()),
            ("docs.jsonl", docs.as_bytes()),
            ("gold.jsonl", gold.as_bytes()),
        ],
    )
}

/// The loader gives a streamed dataset the documents, gold and errors of the in-memory one.
#[test]
fn a_streamed_load_keeps_the_documents_gold_and_errors_of_the_in_memory_load() {
    let tmp = tempfile::tempdir().unwrap();
    let mut dirs: Vec<std::path::PathBuf> = ["handmade-docs", "handmade-spans", "seed-news", "synth-small"]
        .iter()
        .map(|d| bundled_corpus().join(d))
        .collect();
    dirs.push(malformed(tmp.path()));
    for dir in dirs {
        let loaded = load_dataset_with(&dir, LoadOptions { stream: false, ..LoadOptions::default() }).unwrap();
        let streamed = load_dataset_with(&dir, LoadOptions { stream: true, ..LoadOptions::default() }).unwrap();
        let (Items::Dedup { docs, gold }, Items::Streamed { docs: s, gold: sg }) = (&loaded.items, &streamed.items)
        else {
            panic!("{}: expected an in-memory and a streamed dedup dataset", dir.display());
        };
        assert_eq!(gold, sg, "{}", dir.display());
        assert_eq!(loaded.issues, streamed.issues, "{}", dir.display());
        assert_eq!(loaded.fingerprint, streamed.fingerprint);
        assert_eq!(loaded.input_bytes(), streamed.input_bytes());
        assert_eq!(docs.count(), s.count(), "{}", dir.display());
        let all: Vec<u32> = (0..docs.len() as u32).collect();
        let texts = s.texts(&all).unwrap();
        for (i, d) in docs.iter().enumerate() {
            assert_eq!((d.id.as_str(), d.text.as_str(), docs.char_len(i)), (s.id(i), &*texts[i], s.char_len(i)));
        }
        // A few documents by index, skipping the others.
        let some: Vec<u32> = (0..docs.len() as u32).filter(|i| i % 3 == 1).collect();
        let picked = s.texts(&some).unwrap();
        assert_eq!(picked.len(), some.len());
        for (k, &i) in some.iter().enumerate() {
            assert_eq!(&*picked[k], docs[i as usize].text.as_str());
        }
    }
    let loaded =
        load_dataset_with(&tmp.path().join("malformed"), LoadOptions { stream: true, ..LoadOptions::default() })
            .unwrap();
    let Items::Streamed { docs, .. } = &loaded.items else { unreachable!() };
    // a, b, c2, d and h stay; e has no gold, f two records, g a span past its end.
    assert_eq!(docs.ids.iter().map(|i| &**i).collect::<Vec<_>>(), ["a", "b", "c2", "d", "h"]);
    assert!(loaded.issues.len() >= 9, "{:#?}", loaded.issues);
}

/// Results rows other than times and heap figures, doc_stats.csv and examples.jsonl of a run.
fn outputs(dir: &Path, out: &str) -> (Vec<String>, Vec<u8>, Vec<u8>) {
    let dir = dir.join(out);
    let rows = crate::common::stable_result_lines(&dir);
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap_or_default();
    (rows, read("doc_stats.csv"), read("examples.jsonl"))
}

/// A run with `--stream` writes what a run without it writes, in process and in workers, for
/// strategies with a streaming form and for those given every document at once.
#[test]
fn a_streamed_run_writes_the_results_of_an_in_memory_run() {
    let tmp = tempfile::tempdir().unwrap();
    malformed(tmp.path());
    let corpus = bundled_corpus().display().to_string();
    let bad = tmp.path().join("malformed").display().to_string();
    let strategies = [
        "exact",
        "lines",
        "paragraphs",
        "bloom-paragraphs",
        "minhash@fineweb",
        "minhash:verify=jaccard",
        "simhash",
        "gopher-repetition",
        "suffix-array",
        // The concatenation in a mapped temporary file from the first byte.
        "suffix-array:spill_mb=0",
    ];
    let mut args: Vec<&str> = vec!["run", "--corpus", &corpus, "--corpus", &bad, "--bootstrap", "50"];
    for s in &strategies {
        args.extend(["-s", s]);
    }
    let mut plain = args.clone();
    plain.extend(["--out", "mem"]);
    let mut streamed = args.clone();
    streamed.extend(["--out", "str", "--stream"]);
    let a = corpusbench(tmp.path(), &plain);
    let b = corpusbench(tmp.path(), &streamed);
    assert_eq!(a.status.code(), b.status.code(), "{}", String::from_utf8_lossy(&b.stderr));
    let (ra, da, ea) = outputs(tmp.path(), "mem");
    let (rb, db, eb) = outputs(tmp.path(), "str");
    assert!(ra.len() > 500 && ra.iter().any(|r| r.contains("malformed,dedup,minhash@fineweb,pair_f1")), "{}", ra.len());
    assert_eq!(ra, rb);
    assert!(!da.is_empty() && !ea.is_empty());
    assert_eq!(da, db);
    assert_eq!(ea, eb);
    assert!(String::from_utf8_lossy(&b.stderr).contains("`simhash` has no streaming form"));
}

/// MinHash verification reads its candidates' documents again after the last batch: from the
/// shard files in a worker (`--stream`), from the documents sent over the pipe otherwise, and
/// from the files in process; all give the answers of every shingle set held, at any thread count.
#[test]
fn minhash_verification_gives_the_same_results_streamed_and_in_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = bundled_corpus().display().to_string();
    let mut runs = Vec::new();
    for threads in ["1", "2"] {
        for stream in [false, true] {
            let out = format!("t{threads}-{stream}");
            let mut args = vec!["run", "--corpus", &corpus, "--bootstrap", "20", "--threads", threads, "--out", &out];
            args.extend(["-s", "minhash:verify=jaccard", "-s", "minhash@lee2021", "-s", "minhash:verify=containment"]);
            if stream {
                args.push("--stream");
            }
            let run = corpusbench(tmp.path(), &args);
            assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
            runs.push((out.clone(), outputs(tmp.path(), &out)));
        }
    }
    let (first, (rows, stats, examples)) = &runs[0];
    let verified = |r: &&String| r.contains("strategy.verified_pairs") && !r.ends_with(",0.000000");
    assert!(rows.iter().filter(verified).count() >= 3, "{first}: pairs are verified");
    for (name, (r, s, e)) in &runs[1..] {
        assert_eq!(r, rows, "{name} against {first}");
        assert_eq!((s, e), (stats, examples), "{name} against {first}");
    }

    // In process, a streamed dataset's documents are read again from its files.
    let r = corpusbench::strategy::Registry::builtin();
    let selected: Vec<corpusbench::runner::Selected> = ["minhash:verify=jaccard", "minhash@lee2021"]
        .iter()
        .map(|s| corpusbench::runner::Selected::build(&r, s).unwrap())
        .collect();
    for dir in ["synth-small", "seed-news"] {
        let dir = bundled_corpus().join(dir);
        let answers = |stream| {
            let ds = load_dataset_with(&dir, LoadOptions { stream, ..LoadOptions::default() }).unwrap();
            let options = corpusbench::runner::RunOptions::in_process(1, 2);
            let cells = corpusbench::runner::run(&[ds], &selected, options, &mut |_, _| {}).unwrap();
            let varies = corpusbench::model::catalogue::varies;
            cells
                .into_iter()
                .map(|c| {
                    assert!(c.failure.is_none(), "{:?}", c.failure);
                    c.metrics.into_iter().filter(|(k, _)| !varies(k) && k != "peak_heap_mb").collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(answers(false), answers(true), "{}", dir.display());
    }
}
