//! Parquet datasets as Hugging Face users hold them: a manifest naming shard globs and columns
//! scores exactly as the same documents in JSON lines; a folder of shards with no manifest runs
//! as it is; a bad row or a truncated shard is an input error naming the file, and the rest of
//! the dataset is still run.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, LargeStringArray, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::common::{bundled_corpus, corpusbench, stable_rows_of_any_dataset as rows};

/// (id, text) of every document of a bundled dataset.
fn bundled_docs(name: &str) -> Vec<(String, Option<String>)> {
    let text = std::fs::read_to_string(bundled_corpus().join(name).join("docs.jsonl")).unwrap();
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["id"].as_str().unwrap().to_string(), Some(v["text"].as_str().unwrap().to_string()))
        })
        .collect()
}

/// Writes `docs` as one shard (`content` column, large strings, snappy, row groups of 7).
fn write_shard(path: &Path, docs: &[(String, Option<String>)]) {
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(docs.iter().map(|d| d.0.as_str())));
    let texts: ArrayRef = Arc::new(LargeStringArray::from_iter(docs.iter().map(|d| d.1.as_deref())));
    let batch = RecordBatch::try_from_iter([("id", ids), ("content", texts)]).unwrap();
    let props =
        WriterProperties::builder().set_compression(Compression::SNAPPY).set_max_row_group_row_count(Some(7)).build();
    let mut writer = ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// Writes `docs` as `n` shards `data/train-0000k-of-0000n.parquet` under `dir`.
fn write_shards(dir: &Path, docs: &[(String, Option<String>)], n: usize) {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let per = docs.len().div_ceil(n);
    for (k, chunk) in docs.chunks(per).enumerate() {
        write_shard(&dir.join(format!("data/train-{k:05}-of-{n:05}.parquet")), chunk);
    }
}

const MANIFEST: &str = "name = \"synth-parquet\"\ntask = \"dedup\"\nformat = \"parquet\"\n\
    docs = [\"data/train-*.parquet\"]\nfiles = [\"data/train-*.parquet\", \"gold.jsonl\"]\n\
    [columns]\nid = \"id\"\ntext = \"content\"\n";

/// Shards named by a glob, with a text column of another name, score as the JSON lines do,
/// loaded or streamed.
#[test]
fn parquet_shards_score_as_the_same_documents_in_json_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("synth-parquet");
    let docs = bundled_docs("synth-small");
    write_shards(&dir, &docs, 3);
    std::fs::copy(bundled_corpus().join("synth-small/gold.jsonl"), dir.join("gold.jsonl")).unwrap();
    std::fs::write(dir.join("dataset.toml"), MANIFEST).unwrap();
    let jsonl = bundled_corpus().join("synth-small").display().to_string();
    let parquet = dir.display().to_string();
    let run = |corpus: &str, out: &str, stream: bool| {
        let mut args = vec!["run", "--corpus", corpus, "-s", "exact", "-s", "lines", "-s", "minhash@fineweb"];
        args.extend(["--bootstrap", "50", "--out", out]);
        if stream {
            args.push("--stream");
        }
        let o = corpusbench(tmp.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        rows(&tmp.path().join(out))
    };
    let want = run(&jsonl, "j", false);
    assert!(want.len() > 50, "{}", want.len());
    assert_eq!(run(&parquet, "p", false), want);
    assert_eq!(run(&parquet, "ps", true), want);
}

/// A folder of shards and nothing else is a dataset: documents stream from the shards, and
/// each strategy's removals are counted.
#[test]
fn a_folder_of_shards_with_no_manifest_runs_as_a_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("my-crawl");
    let mut docs = bundled_docs("synth-small");
    let copy = docs[0].clone();
    docs.push((format!("{}-again", copy.0), copy.1));
    // The no-manifest layout reads the `text` column.
    std::fs::create_dir_all(dir.join("data")).unwrap();
    for (k, chunk) in docs.chunks(docs.len().div_ceil(2)).enumerate() {
        let ids: ArrayRef = Arc::new(StringArray::from_iter_values(chunk.iter().map(|d| d.0.as_str())));
        let texts: ArrayRef = Arc::new(StringArray::from_iter(chunk.iter().map(|d| d.1.as_deref())));
        let batch = RecordBatch::try_from_iter([("id", ids), ("text", texts)]).unwrap();
        let path = dir.join(format!("data/train-{k:05}-of-00002.parquet"));
        let mut w = ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }
    let out = corpusbench(tmp.path(), &["list", "--corpus", &dir.display().to_string()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("my-crawl"), "{}", String::from_utf8_lossy(&out.stdout));
    let o = corpusbench(tmp.path(), &["run", "--corpus", &dir.display().to_string(), "-s", "exact", "--out", "r"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = rows(&tmp.path().join("r"));
    let removed = rows.iter().find(|r| r.contains(",exact,removed_fraction,")).expect("removed_fraction row");
    let value: f64 = removed.rsplit(',').next().unwrap().parse().unwrap();
    assert!(value > 0.0, "the exact copy is removed: {removed}");
}

/// A null text is an error naming its shard and row; a truncated shard an error naming the
/// file; the good shards still run, and the exit code says some input was bad.
#[test]
fn bad_rows_and_truncated_shards_are_input_errors_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("broken");
    let mut docs = bundled_docs("handmade-docs");
    docs[1].1 = None;
    write_shards(&dir, &docs, 2);
    let second = dir.join("data/train-00001-of-00002.parquet");
    let bytes = std::fs::read(&second).unwrap();
    std::fs::write(&second, &bytes[..bytes.len() / 2]).unwrap();
    let manifest = MANIFEST.replace("synth-parquet", "broken").replace(", \"gold.jsonl\"", "");
    std::fs::write(dir.join("dataset.toml"), manifest).unwrap();
    let o = corpusbench(tmp.path(), &["run", "--corpus", &dir.display().to_string(), "-s", "exact", "--out", "r"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("train-00000-of-00002.parquet") && err.contains("row 2"), "{err}");
    assert!(err.contains("train-00001-of-00002.parquet") && err.contains("not a readable Parquet file"), "{err}");
    let rows = rows(&tmp.path().join("r"));
    assert!(rows.iter().any(|r| r.starts_with("dedup,exact,removed_fraction,")), "{rows:?}");
}
