//! The command line as a user meets it: the default run, determinism of results.csv, and every
//! kind of bad input giving an error that names file, line and field, without a panic and
//! without losing the rest of the data.

use std::path::Path;

use crate::common::{Row, corpusbench, dataset_dir, dedup_manifest, results_rows};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn default_run_prints_a_leaderboard_and_writes_results() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = crate::common::bundled_corpus();
    let out = corpusbench(tmp.path(), &["run", "--corpus", corpus.to_str().unwrap(), "--out", "res"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("seed-news") && text.contains("lines") && text.contains("span_f1"), "{text}");
    let rows = results_rows(&tmp.path().join("res/results.csv"));
    let seed_lines_f1 = rows
        .iter()
        .find(|r| r.0 == "seed-news" && r.2 == "lines" && r.3 == "span_f1")
        .map(|r| r.4)
        .expect("a span_f1 row for lines on seed-news");
    assert_eq!(seed_lines_f1, 1.0);
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("res/run.json")).unwrap()).unwrap();
    let datasets = run["datasets"].as_array().unwrap();
    assert!(datasets.iter().all(|d| d["sha256"].as_str().is_some_and(|s| s.len() == 64)), "{run}");
}

#[test]
fn results_csv_is_identical_across_runs_and_thread_counts_apart_from_timing_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = crate::common::bundled_corpus();
    let c = corpus.to_str().unwrap();
    for (out_dir, threads) in [("a", "2"), ("b", "1")] {
        let out = corpusbench(tmp.path(), &["run", "--corpus", c, "--out", out_dir, "--threads", threads]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let strip = |p: &Path| -> String {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .filter(|l| !l.split(",").nth(3).is_some_and(corpusbench::model::catalogue::varies))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (a, b) = (strip(&tmp.path().join("a/results.csv")), strip(&tmp.path().join("b/results.csv")));
    assert!(a.lines().count() > 20, "{a}");
    // Bootstrap intervals and comparisons with the leader are on by default, and reproducible.
    for companion in [":ci_low,", ":ci_high,", ":se,", ":p_vs_leader,", ":tied_with_leader,"] {
        assert!(a.contains(companion), "no {companion} row");
    }
    assert_eq!(a, b);
}

/// Runs `corpusbench run` on one dataset made of `docs` and `gold`; returns (exit code, stderr, rows).
fn run_bad(docs: &[u8], gold: &[u8]) -> (Option<i32>, String, Vec<Row>) {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = dedup_manifest("bad");
    let dir = dataset_dir(
        tmp.path(),
        "bad",
        &[("dataset.toml", manifest.as_bytes()), ("docs.jsonl", docs), ("gold.jsonl", gold)],
    );
    let out = corpusbench(tmp.path(), &["run", "--corpus", dir.to_str().unwrap(), "-s", "lines", "--out", "res"]);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    let rows = results_rows(&tmp.path().join("res/results.csv"));
    (out.status.code(), err, rows)
}

const GOOD_DOC: &str = "{\"id\": \"ok\", \"text\": \"a\\nb\\na\"}\n";
const GOOD_GOLD: &str = "{\"id\": \"ok\", \"dup_spans\": [[4, 5]]}\n";

fn assert_reported(err: &str, file: &str, line: usize, field: Option<&str>) {
    let at = format!("{file}:{line}");
    assert!(err.contains(&at), "expected `{at}` in: {err}");
    if let Some(field) = field {
        assert!(err.contains(&format!("field `{field}`")), "expected field `{field}` in: {err}");
    }
}

/// The good document is still scored after a bad record elsewhere.
fn assert_good_doc_scored(rows: &[Row]) {
    let f1 = rows.iter().find(|r| r.3 == "span_f1").map(|r| r.4);
    assert_eq!(f1, Some(1.0), "{rows:?}");
}

#[test]
fn malformed_json_line_names_file_and_line_and_the_run_goes_on() {
    let docs = format!("{GOOD_DOC}{{\"id\": \"x\", \"text\": \n");
    let (code, err, rows) = run_bad(docs.as_bytes(), GOOD_GOLD.as_bytes());
    assert_eq!(code, Some(2));
    assert_reported(&err, "docs.jsonl", 2, None);
    assert!(err.contains("malformed JSON"), "{err}");
    assert_good_doc_scored(&rows);
}

#[test]
fn missing_field_is_named() {
    let docs = format!("{GOOD_DOC}{{\"id\": \"x\"}}\n");
    let (code, err, rows) = run_bad(docs.as_bytes(), GOOD_GOLD.as_bytes());
    assert_eq!(code, Some(2));
    assert_reported(&err, "docs.jsonl", 2, Some("text"));
    assert!(err.contains("missing"), "{err}");
    assert_good_doc_scored(&rows);
}

#[test]
fn field_of_wrong_type_is_named() {
    let docs = format!("{GOOD_DOC}{{\"id\": \"x\", \"text\": 42}}\n");
    let (_, err, _) = run_bad(docs.as_bytes(), GOOD_GOLD.as_bytes());
    assert_reported(&err, "docs.jsonl", 2, Some("text"));
    assert!(err.contains("expected a string, found a number"), "{err}");
}

#[test]
fn gold_id_without_document_is_named() {
    let gold = format!("{GOOD_GOLD}{{\"id\": \"ghost\", \"dup_spans\": []}}\n");
    let (code, err, rows) = run_bad(GOOD_DOC.as_bytes(), gold.as_bytes());
    assert_eq!(code, Some(2));
    assert_reported(&err, "gold.jsonl", 2, Some("id"));
    assert!(err.contains("no document with id `ghost`"), "{err}");
    assert_good_doc_scored(&rows);
}

#[test]
fn span_outside_its_document_is_named_and_the_document_left_out() {
    let docs = format!("{GOOD_DOC}{{\"id\": \"short\", \"text\": \"abc\"}}\n");
    let gold = format!("{GOOD_GOLD}{{\"id\": \"short\", \"dup_spans\": [[1, 9]]}}\n");
    let (code, err, rows) = run_bad(docs.as_bytes(), gold.as_bytes());
    assert_eq!(code, Some(2));
    assert_reported(&err, "gold.jsonl", 2, Some("dup_spans"));
    assert!(err.contains("ends past the document's 3 characters"), "{err}");
    assert_good_doc_scored(&rows);
}

#[test]
fn invalid_utf8_names_file_line_and_byte() {
    let mut docs = GOOD_DOC.as_bytes().to_vec();
    docs.extend_from_slice(b"{\"id\": \"x\", \"text\": \"caf\xe9\"}\n");
    let (code, err, rows) = run_bad(&docs, GOOD_GOLD.as_bytes());
    assert_eq!(code, Some(2));
    assert_reported(&err, "docs.jsonl", 2, None);
    assert!(err.contains("invalid UTF-8 at byte 25"), "{err}");
    assert_good_doc_scored(&rows);
}

#[test]
fn duplicate_id_is_named_with_the_first_line() {
    let docs = format!("{GOOD_DOC}{GOOD_DOC}");
    let (_, err, _) = run_bad(docs.as_bytes(), GOOD_GOLD.as_bytes());
    assert_reported(&err, "docs.jsonl", 2, Some("id"));
    assert!(err.contains("first on line 1"), "{err}");
}

#[test]
fn bad_manifest_names_the_file_and_other_datasets_still_run() {
    let tmp = tempfile::tempdir().unwrap();
    let good = dedup_manifest("good");
    dataset_dir(
        tmp.path(),
        "good",
        &[("dataset.toml", good.as_bytes()), ("docs.jsonl", GOOD_DOC.as_bytes()), ("gold.jsonl", GOOD_GOLD.as_bytes())],
    );
    dataset_dir(tmp.path(), "broken", &[("dataset.toml", b"name = \"broken\"\ntask = \"dedupe\"\n")]);
    let out = corpusbench(tmp.path(), &["run", "--corpus", ".", "-s", "lines", "--out", "res"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("broken/dataset.toml:2") && err.contains("dedupe"), "{err}");
    assert_good_doc_scored(&results_rows(&tmp.path().join("res/results.csv")));
}

#[test]
fn unknown_strategy_lists_the_known_ones_and_fails_before_running() {
    let tmp = tempfile::tempdir().unwrap();
    let out = corpusbench(tmp.path(), &["run", "-s", "minhsh", "--out", "res"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("unknown strategy `minhsh`") && err.contains("lines"), "{err}");
    assert!(!tmp.path().join("res").exists());
}

#[test]
fn unknown_parameter_lists_the_strategy_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let out = corpusbench(tmp.path(), &["run", "-s", "lines:normalise=ws"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("no parameter `normalise`") && err.contains("norm, min_chars"), "{err}");
}

#[test]
fn list_shows_strategies_and_bundled_datasets() {
    let out = corpusbench(Path::new(env!("CARGO_MANIFEST_DIR")), &["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("exact") && text.contains("seed-news") && text.contains("handmade-docs"), "{text}");
}

/// `list` reads manifests and folder layouts only: it names the datasets loading would find,
/// with the same names and tasks, and does not read their records (a malformed one is found by
/// `run`, not by `list`).
#[test]
fn list_reads_manifests_only_and_agrees_with_loading() {
    let corpus = vec![crate::common::bundled_corpus()];
    let (loaded, _) = corpusbench::corpus::discover(&corpus);
    let (listed, errors) = corpusbench::corpus::survey(&corpus);
    assert!(errors.is_empty(), "{errors:?}");
    let loaded: Vec<_> = loaded.iter().map(|d| (d.name.clone(), d.task(), d.root.clone())).collect();
    let listed: Vec<_> = listed.into_iter().map(|d| (d.name, d.task, d.root)).collect();
    assert_eq!(listed, loaded);

    let tmp = tempfile::tempdir().unwrap();
    let manifest = dedup_manifest("unread");
    let dir = dataset_dir(
        tmp.path(),
        "unread",
        &[("dataset.toml", manifest.as_bytes()), ("docs.jsonl", b"{oops\n"), ("gold.jsonl", b"")],
    );
    let dir = dir.to_str().unwrap();
    let out = corpusbench(tmp.path(), &["list", "--corpus", dir]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("unread") && stdout(&out).contains("jsonl"), "{}", stdout(&out));
    let out = corpusbench(tmp.path(), &["run", "--corpus", dir, "-s", "exact", "--out", "res"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn bench_records_no_time_for_a_wrong_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let seed = crate::common::bundled_corpus().join("seed-news");
    std::fs::create_dir_all(tmp.path().join("benches")).unwrap();
    // `lines` removes 1,923 characters of the seed article, not 7; `exact` is right.
    let cases = format!(
        "[[case]]\nname = \"seed\"\ndataset = \"{}\"\n[case.expect.removed_chars]\nlines = 7\n[case.expect.clusters]\nexact = 1\n",
        seed.display()
    );
    std::fs::write(tmp.path().join("benches/cases.toml"), cases).unwrap();
    let seed = seed.display().to_string();
    let args = ["bench", "--corpus", &seed, "-s", "lines", "-s", "exact", "--repeat", "1", "--threads", "1"];
    let out = corpusbench(tmp.path(), &[&args[..], &["--cases", "benches/cases.toml", "--out", "b"]].concat());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("wrong answer: lines on seed: removed_chars is 1923, expected 7"),
        "{}",
        stderr(&out)
    );
    let csv = std::fs::read_to_string(tmp.path().join("b/bench.csv")).unwrap();
    assert!(csv.contains(",exact,") && !csv.contains(",lines,"), "{csv}");
}

/// Specs that once aborted the whole run (an allocation of bands x rows, or of a filter sized
/// for 10^14 items) or were accepted silently are refused when parsed, before any work.
#[test]
fn out_of_bounds_and_nameless_parameters_are_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = crate::common::bundled_corpus().join("seed-news").display().to_string();
    for (spec, says) in [
        ("minhash:bands=4294967296,rows=4294967296", "expected an integer from 0 to 65536"),
        ("minhash:bands=1000000,rows=1000000", "expected an integer from 0 to 65536"),
        ("minhash:bands=300,rows=300", "exceeds the largest signature"),
        ("bloom-paragraphs:expected=100000000000000", "over the 8 GiB limit"),
        ("minhash:verify_threshold=5", "expected a number from 0 to 1"),
        ("exact:=ws", "has no parameter name"),
    ] {
        let out = corpusbench(tmp.path(), &["run", "--corpus", &corpus, "-s", spec, "--out", "r"]);
        assert_eq!(out.status.code(), Some(1), "{spec}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{spec}: {}", stderr(&out));
        assert!(!tmp.path().join("r").exists(), "{spec}: work was done");
    }
}

/// Exit status 1: nothing could run, and it is said before any work.
#[test]
fn bad_arguments_and_runs_where_nothing_applies_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let seed = crate::common::bundled_corpus().join("seed-news").display().to_string();
    let cases: [(&[&str], &str); 5] = [
        (&["run", "--bogus"], "unexpected argument"),
        (&["run", "--corpus", &seed, "--repeat", "18446744073709551615"], "--repeat"),
        (&["run", "--corpus", &seed, "--threads", "1000000"], "--threads"),
        (&["run", "--corpus", &seed, "-s", "exact", "-s", "exact"], "given twice"),
        (&["run", "--corpus", &seed, "-s", "plain", "--out", "r"], "no strategy given is for the task"),
    ];
    for (args, says) in cases {
        let t0 = std::time::Instant::now();
        let out = corpusbench(tmp.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert!(t0.elapsed() < std::time::Duration::from_secs(10), "{args:?} took {:?}", t0.elapsed());
    }
    assert!(!tmp.path().join("r").exists());
    let help = corpusbench(tmp.path(), &["run", "--help"]);
    assert_eq!(help.status.code(), Some(0));
}

/// Exit status 2: an extractor whose every page failed is a failed cell, in the table, the CSV
/// and the run record alike.
#[test]
fn a_cell_whose_every_page_failed_is_a_failure_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = crate::common::bundled_corpus().join("handmade-extract").display().to_string();
    std::fs::write(tmp.path().join("saved.json"), r#"{"no-such-page": "text"}"#).unwrap();
    let out = corpusbench(tmp.path(), &["run", "--corpus", &corpus, "-s", "outputs:saved.json", "--out", "r"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).contains("FAILED: all 10 pages failed"), "{}", stdout(&out));
    let rows = results_rows(&tmp.path().join("r/results.csv"));
    assert!(rows.iter().any(|r| r.3 == "failed" && r.4 == 1.0), "{rows:?}");
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("r/run.json")).unwrap()).unwrap();
    let failure = run["cells"][0]["failure"].as_str().unwrap_or_default();
    assert!(failure.starts_with("all 10 pages failed"), "{failure}");
}

#[test]
fn a_document_without_a_gold_record_is_reported_and_left_out() {
    // `orphan` repeats the good document's text; scored as "unique" it would make `lines` look wrong.
    let docs = format!("{GOOD_DOC}{{\"id\": \"orphan\", \"text\": \"a\\nb\\na\"}}\n");
    let (code, err, rows) = run_bad(docs.as_bytes(), GOOD_GOLD.as_bytes());
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("gold.jsonl") && err.contains("document `orphan` has no gold record"), "{err}");
    assert_good_doc_scored(&rows);
}

#[test]
fn a_byte_order_mark_keeps_the_first_record() {
    let docs = format!("\u{feff}{GOOD_DOC}");
    let (code, err, rows) = run_bad(docs.as_bytes(), GOOD_GOLD.as_bytes());
    assert_eq!(code, Some(0), "{err}");
    assert_good_doc_scored(&rows);
}

/// Zstandard-compressed files (`docs.jsonl.zst`, `gold.jsonl.zst`) load and are scored as the
/// plain ones; a truncated one is an input error naming the file, and the run still completes.
#[test]
fn files_stored_zstd_compressed_load_and_a_truncated_one_is_reported() {
    let zst = |text: &str| zstd::stream::encode_all(text.as_bytes(), 3).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let manifest = dedup_manifest("zstd");
    let (docs, gold) = (zst(GOOD_DOC), zst(GOOD_GOLD));
    let dir = dataset_dir(
        tmp.path(),
        "zstd",
        &[("dataset.toml", manifest.as_bytes()), ("docs.jsonl.zst", &docs), ("gold.jsonl.zst", &gold)],
    );
    let out = corpusbench(tmp.path(), &["run", "--corpus", dir.to_str().unwrap(), "-s", "lines", "--out", "res"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_good_doc_scored(&results_rows(&tmp.path().join("res/results.csv")));

    let many: String = (0..500).map(|i| format!("{{\"id\": \"d{i}\", \"text\": \"text {i}\"}}\n")).collect();
    let mut cut = zst(&format!("{GOOD_DOC}{many}"));
    cut.truncate(cut.len() / 2);
    std::fs::write(dir.join("docs.jsonl.zst"), &cut).unwrap();
    let out = corpusbench(tmp.path(), &["run", "--corpus", dir.to_str().unwrap(), "-s", "lines", "--out", "res2"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("docs.jsonl.zst") && err.contains("cannot read"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn files_stored_gzip_compressed_load_and_are_fingerprinted() {
    use std::io::Write;
    let gz = |text: &str| {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text.as_bytes()).unwrap();
        enc.finish().unwrap()
    };
    let tmp = tempfile::tempdir().unwrap();
    let manifest = dedup_manifest("zipped");
    let (docs, gold) = (gz(GOOD_DOC), gz(GOOD_GOLD));
    let dir = dataset_dir(
        tmp.path(),
        "zipped",
        &[("dataset.toml", manifest.as_bytes()), ("docs.jsonl.gz", &docs), ("gold.jsonl.gz", &gold)],
    );
    let out = corpusbench(tmp.path(), &["run", "--corpus", dir.to_str().unwrap(), "-s", "lines", "--out", "res"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_good_doc_scored(&results_rows(&tmp.path().join("res/results.csv")));
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("res/run.json")).unwrap()).unwrap();
    assert_eq!(run["datasets"][0]["sha256"].as_str().map(str::len), Some(64), "{run}");
}

/// A record that inflates past `--max-record-mb` (here a 2 MiB line of a small `.gz`) is a
/// malformed record of its own, named by file and line; the records around it still load, and a
/// cap out of bounds is a bad argument.
#[test]
fn a_record_over_the_cap_is_reported_and_the_rest_of_the_file_loads() {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(GOOD_DOC.as_bytes()).unwrap();
    enc.write_all(format!("{{\"id\": \"big\", \"text\": \"{}\"}}\n", "a".repeat(2 << 20)).as_bytes()).unwrap();
    enc.write_all(b"{\"id\": \"after\", \"text\": \"c\"}\n").unwrap();
    let docs = enc.finish().unwrap();
    assert!(docs.len() < 64 << 10, "the compressed file is small: {} bytes", docs.len());
    let gold = format!("{GOOD_GOLD}{{\"id\": \"big\", \"dup_spans\": []}}\n{{\"id\": \"after\", \"dup_spans\": []}}\n");
    let tmp = tempfile::tempdir().unwrap();
    let manifest = dedup_manifest("capped");
    let dir = dataset_dir(
        tmp.path(),
        "capped",
        &[("dataset.toml", manifest.as_bytes()), ("docs.jsonl.gz", &docs), ("gold.jsonl", gold.as_bytes())],
    );
    let dir = dir.to_str().unwrap();
    let out = corpusbench(tmp.path(), &["--max-record-mb", "1", "run", "--corpus", dir, "-s", "lines", "--out", "res"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_reported(&err, "docs.jsonl.gz", 2, None);
    assert!(err.contains("record cap"), "{err}");
    assert_good_doc_scored(&results_rows(&tmp.path().join("res/results.csv")));
    // With the default cap of 64 MiB the same file is clean.
    let out = corpusbench(tmp.path(), &["run", "--corpus", dir, "-s", "lines", "--out", "res2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = corpusbench(tmp.path(), &["--max-record-mb", "0", "list", "--corpus", dir]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// Two runs on one output folder cannot mix their reports: the second is refused at once, and
/// an output folder that cannot be written is an error before any work.
#[test]
fn a_held_or_unwritable_output_folder_is_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = crate::common::bundled_corpus().join("handmade-extract").display().to_string();
    let mut first = std::process::Command::new(env!("CARGO_BIN_EXE_corpusbench"))
        .args(["--testing-aids", "run", "--corpus", &corpus, "-s", "sleep:ms=2000", "--threads", "1", "--out", "r"])
        .current_dir(tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !tmp.path().join("r/.corpusbench.lock").exists() && t0.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let second = corpusbench(tmp.path(), &["run", "--corpus", &corpus, "-s", "plain", "--out", "r"]);
    let _ = first.kill();
    let _ = first.wait();
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    assert!(stderr(&second).contains("another corpusbench command is writing"), "{}", stderr(&second));

    let blocked = tmp.path().join("a-file");
    std::fs::write(&blocked, "not a folder").unwrap();
    let out = blocked.join("out").display().to_string();
    let bad = corpusbench(tmp.path(), &["run", "--corpus", &corpus, "-s", "plain", "--out", &out]);
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("a-file"), "{}", stderr(&bad));
}

/// A record or manifest that names a file outside the dataset, or something that is not a
/// regular file (a FIFO would block loading for ever), is an input error, not a read.
#[test]
fn paths_outside_the_dataset_and_fifos_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = "name = \"x\"\ntask = \"extract\"\nfiles = [\"docs.jsonl\", \"gold.jsonl\"]\n";
    let gold = b"{\"id\": \"a\", \"text\": \"t\"}\n{\"id\": \"b\", \"text\": \"t\"}\n";
    let docs = b"{\"id\": \"a\", \"html_path\": \"/etc/hostname\"}\n{\"id\": \"b\", \"html_path\": \"pipe\"}\n";
    let dir = dataset_dir(
        tmp.path(),
        "x",
        &[("dataset.toml", manifest.as_bytes()), ("docs.jsonl", docs), ("gold.jsonl", gold)],
    );
    let fifo = std::process::Command::new("mkfifo").arg(dir.join("pipe")).status();
    assert!(fifo.is_ok_and(|s| s.success()), "mkfifo");
    let out = corpusbench(tmp.path(), &["run", "--corpus", dir.to_str().unwrap(), "-s", "plain", "--out", "r"]);
    let err = stderr(&out);
    assert!(err.contains("docs.jsonl:1: field `html_path`") && err.contains("outside the dataset folder"), "{err}");
    assert!(err.contains("docs.jsonl:2: field `html_path`") && err.contains("not a regular file"), "{err}");

    let escaping = "name = \"y\"\ntask = \"dedup\"\nfiles = [\"docs.jsonl\", \"../x/gold.jsonl\"]\n";
    let dir = dataset_dir(tmp.path(), "y", &[("dataset.toml", escaping.as_bytes()), ("docs.jsonl", b"")]);
    let out = corpusbench(tmp.path(), &["run", "--corpus", dir.to_str().unwrap(), "-s", "lines", "--out", "r"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("field `files`") && stderr(&out).contains("outside the dataset folder"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn compare_pairs_two_runs_on_the_same_resamples_and_fails_on_worse_only_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = crate::common::bundled_corpus().join("handmade-extract");
    let d = ds.to_str().unwrap();
    for (out, spec) in [("plain", "plain"), ("again", "plain"), ("traf", "trafilatura")] {
        let o = corpusbench(tmp.path(), &["run", "--corpus", d, "-s", spec, "--out", out, "--threads", "2"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(tmp.path().join(out).join("resamples.jsonl").is_file());
    }
    let same = corpusbench(tmp.path(), &["compare", "plain", "again", "--fail-on-worse"]);
    let text = String::from_utf8_lossy(&same.stdout).to_string();
    assert_eq!(same.status.code(), Some(0), "{text}");
    assert!(text.contains("shingle_f1") && !text.contains("WORSE") && !text.contains("better"), "{text}");
    let better = corpusbench(tmp.path(), &["compare", "plain", "traf"]);
    let text = String::from_utf8_lossy(&better.stdout).to_string();
    let row = text.lines().find(|l| l.contains(" shingle_f1 ")).unwrap_or_default().to_string();
    assert!(row.ends_with("better"), "{text}");
    let worse = corpusbench(tmp.path(), &["compare", "traf", "plain", "--fail-on-worse"]);
    assert_eq!(worse.status.code(), Some(1), "{}", String::from_utf8_lossy(&worse.stdout));
    let o = corpusbench(tmp.path(), &["run", "--corpus", d, "-s", "plain", "--out", "plain", "--bootstrap", "0"]);
    assert!(o.status.success());
    let none = corpusbench(tmp.path(), &["compare", "plain", "traf"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(stderr(&none).contains("resamples.jsonl"), "{}", stderr(&none));
}

#[test]
fn sweep_runs_every_point_of_a_grid_and_marks_a_pareto_front() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = crate::common::bundled_corpus().join("synth-small");
    let d = ds.to_str().unwrap();
    let o = corpusbench(tmp.path(), &["sweep", "--corpus", d, "-s", "minhash:bands={10,20},rows={4,8}", "--out", "sw"]);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{}", stderr(&o));
    for point in ["bands=10,rows=4", "bands=10,rows=8", "bands=20,rows=4", "bands=20,rows=8"] {
        assert!(text.contains(&format!("minhash:{point}")), "{point}: {text}");
    }
    assert!(text.contains("front"), "{text}");
    let csv = std::fs::read_to_string(tmp.path().join("sw/results.csv")).unwrap();
    assert!(csv.contains("\"minhash:bands=20,rows=8\",span_f1,"), "{csv}");
    let bad = corpusbench(tmp.path(), &["sweep", "--corpus", d, "-s", "minhash:threshold=0.9..0.5/0.1"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("threshold=0.9..0.5/0.1"), "{}", stderr(&bad));
}

#[test]
fn run_with_html_writes_a_self_contained_report_with_its_drill_down() {
    let out = tempfile::tempdir().expect("temp dir");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_corpusbench"))
        .args(["run", "--corpus", "corpus/handmade-extract", "--bootstrap", "50", "--html", "--out"])
        .arg(out.path())
        .output()
        .expect("runs");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let page = std::fs::read_to_string(out.path().join("report.html")).expect("report.html");
    assert!(page.contains(r#"data-chart="ds0-quality-throughput""#));
    assert!(page.contains(r#"data-table="ds0-table""#));
    assert!(page.contains(r#"class="drill-open" data-drill="ds0-s0""#));
    assert!(page.contains(r#"<dialog class="drill" id="drill-ds0-s0">"#));
    assert!(!page.contains("<script src") && !page.contains("<link"), "fetches nothing");
    let md = std::fs::read_to_string(out.path().join("report.md")).expect("report.md");
    assert!(md.contains("### handmade-extract"));
    // `report` remakes the same file from the folder alone.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_corpusbench"))
        .arg("report")
        .arg(out.path())
        .output()
        .expect("runs");
    assert!(again.status.success());
    assert_eq!(std::fs::read_to_string(out.path().join("report.html")).expect("report.html"), page);
}

/// Five German pages extracted exactly (their HTML holds only the text) and five English pages
/// whose HTML adds a boilerplate line that `plain` keeps.
fn two_language_corpus(root: &Path) -> std::path::PathBuf {
    let de = [
        "Die Gemeinde hat beschlossen, den alten Bahnhof in eine Bibliothek umzubauen, weil das Gebäude seit Jahren leer steht und im Ortskern dringend ein ruhiger Ort zum Lernen fehlt.",
        "Im Frühjahr sollten Tomaten erst nach den Eisheiligen ins Freie gesetzt werden, denn schon eine einzige kalte Nacht kann die jungen Pflanzen so schwächen, dass sie kaum noch Früchte tragen.",
        "Unser Chor probt jeden Mittwochabend im Gemeindesaal und sucht noch Stimmen für den Tenor, wobei Noten lesen zu können hilfreich, aber keine Bedingung für die Teilnahme ist.",
        "Nach dem Sturm waren mehrere Straßen im Tal gesperrt, und die Feuerwehr brauchte den ganzen Vormittag, um die umgestürzten Bäume zu zersägen und von der Fahrbahn zu räumen.",
        "Wer ein gebrauchtes Fahrrad kauft, sollte vor allem die Bremsen, die Kette und den Rahmen prüfen, denn kleine Risse im Rahmen sind oft erst bei genauem Hinsehen zu erkennen.",
    ];
    let en = [
        "The parish council decided to turn the old railway station into a library, because the building has stood empty for years and the village centre badly needs a quiet place to study.",
        "In spring, tomatoes should only be planted outside once the last frost has passed, since a single cold night can weaken the young plants so much that they bear very little fruit.",
        "Our choir rehearses every Wednesday evening in the parish hall and is still looking for tenors; being able to read music helps, but it is not a condition for joining us.",
        "After the storm several roads in the valley were closed, and the fire brigade spent the whole morning sawing up fallen trees and clearing them off the carriageway.",
        "Anyone buying a second-hand bicycle should check the brakes, the chain and the frame above all, because small cracks in the frame are often visible only on close inspection.",
    ];
    let mut docs = String::new();
    let mut gold = String::new();
    for (i, (lang, text)) in de.iter().map(|t| ("de", t)).chain(en.iter().map(|t| ("en", t))).enumerate() {
        let extra = if lang == "en" {
            "<div>Subscribe to our weekly newsletter for more stories like this one</div>"
        } else {
            ""
        };
        let html = format!("<html><body><p>{text}</p>{extra}</body></html>");
        docs.push_str(&serde_json::json!({"id": format!("p{i}"), "html": html}).to_string());
        docs.push('\n');
        gold.push_str(&serde_json::json!({"id": format!("p{i}"), "text": text}).to_string());
        gold.push('\n');
    }
    let manifest = "name = \"two-languages\"\ntask = \"extract\"\nprimary_metric = \"rouge_lsum_f1\"\nfiles = [\"docs.jsonl\", \"gold.jsonl\"]\n";
    dataset_dir(
        root,
        "two-languages",
        &[("dataset.toml", manifest.as_bytes()), ("docs.jsonl", docs.as_bytes()), ("gold.jsonl", gold.as_bytes())],
    )
}

/// `--by language` groups pages by the language of their gold text: rows for every language
/// with at least 5 pages, scored within the group, in results.csv, the terminal table and the
/// HTML report's breakdown bars.
#[test]
fn by_language_groups_pages_by_the_language_of_their_gold_text() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = two_language_corpus(tmp.path());
    let out = corpusbench(
        tmp.path(),
        &["run", "--corpus", dir.to_str().unwrap(), "-s", "plain", "--by", "language", "--html", "--out", "res"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = results_rows(&tmp.path().join("res/results.csv"));
    let get = |m: &str| rows.iter().find(|r| r.2 == "plain" && r.3 == m).map(|r| r.4);
    assert_eq!(get("pages@language=deu"), Some(5.0), "{rows:?}");
    assert_eq!(get("pages@language=eng"), Some(5.0), "{rows:?}");
    // The German pages are extracted exactly; the English ones carry a boilerplate line.
    assert_eq!(get("rouge_lsum_f1@language=deu"), Some(1.0));
    let eng = get("rouge_lsum_f1@language=eng").unwrap_or(f64::NAN);
    assert!(eng > 0.5 && eng < 1.0, "{eng}");
    // The overall figure is the mean of the two groups of five.
    let all = get("rouge_lsum_f1").unwrap_or(f64::NAN);
    assert!((all - (1.0 + eng) / 2.0).abs() < 1e-9, "{all} {eng}");
    // Group rows get intervals like any other quality row.
    assert!(get("rouge_lsum_f1@language=eng:ci_low").is_some_and(|lo| lo <= eng));
    let text = stdout(&out);
    assert!(text.contains("two-languages by language (2 groups of at least 5 pages)"), "{text}");
    assert!(text.contains("deu (5)") && text.contains("eng (5)"), "{text}");
    let page = std::fs::read_to_string(tmp.path().join("res/report.html")).unwrap();
    assert!(page.contains(r#"data-chart="ds0-by-language""#));

    // handmade-extract: nine English pages and one German, so only English is reported.
    let corpus = crate::common::bundled_corpus().join("handmade-extract");
    let out = corpusbench(
        tmp.path(),
        &["run", "--corpus", corpus.to_str().unwrap(), "-s", "plain", "--by", "language", "--out", "hm"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = results_rows(&tmp.path().join("hm/results.csv"));
    let langs: Vec<(&str, f64)> =
        rows.iter().filter_map(|r| Some((r.3.strip_prefix("pages@language=")?, r.4))).collect();
    assert_eq!(langs, vec![("eng", 9.0)]);

    let bad = corpusbench(tmp.path(), &["run", "--corpus", dir.to_str().unwrap(), "--by", "lang"]);
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("page_type, site, length, language"), "{}", stderr(&bad));
}
