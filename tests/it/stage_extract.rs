//! Extraction over WARC files in parts (`stage extract`, then `stage score`): at any part
//! count, run in any order, the reports are byte for byte those of `corpusbench run` on the
//! same dataset (timing rows aside), with a malformed record, a gold page the crawl lacks, and
//! pages whose gold join is decided across parts (a record-id match in a later file outranks a
//! URL match in an earlier one; of two URL matches the first file's wins).

use std::path::{Path, PathBuf};

use corpusbench::io::warc::write_record;

use crate::common::{corpusbench, describe, stable_result_lines};
use crate::warc::{gz_member, warc_dataset_in};

const FILES: usize = 4;
const SPEC: &str = "sift";

/// A response record of `url` (and `record_id`, if given) whose body is `html`.
fn response(url: &str, record_id: Option<&str>, html: &str) -> Vec<u8> {
    let mut headers = vec![("WARC-Type", "response"), ("WARC-Target-URI", url)];
    if let Some(r) = record_id {
        headers.push(("WARC-Record-ID", r));
    }
    let mut w = Vec::new();
    let http = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n{html}");
    write_record(&mut w, &headers, http.as_bytes());
    gz_member(&w)
}

fn page(text: &str) -> String {
    format!("<html><body><article><p>{text}</p></article></body></html>")
}

fn append(path: &Path, bytes: &[u8]) {
    let mut all = std::fs::read(path).unwrap();
    all.extend_from_slice(bytes);
    std::fs::write(path, all).unwrap();
}

/// The bundled extraction pages in `FILES` WARC files, plus: a malformed record (file 1); page
/// `twice` by URL in files 0 and 3 (the first is gold's); page `both` whose gold names it by an
/// id that is a URL in file 0 and a record id in file 3 (the record id wins); a gold page the
/// crawl lacks.
fn dataset(root: &Path) -> PathBuf {
    let dir = warc_dataset_in(root, "warc-parts", FILES);
    let crawl = |k: usize| dir.join(format!("crawl/CC-TEST-{k:05}.warc.gz"));
    let text = "The river rose over the old stone bridge, and the town gathered on the hill to watch it.";
    let other = "Entirely different words about a market, prices of apples and the weather in spring.";
    append(&crawl(0), &response("https://twice.example/", None, &page(text)));
    append(&crawl(3), &response("https://twice.example/", None, &page(other)));
    append(&crawl(0), &response("https://both.example/", None, &page(other)));
    append(&crawl(3), &response("https://elsewhere.example/", Some("<https://both.example/>"), &page(text)));
    append(&crawl(1), &gz_member(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: many\r\n\r\nxx\r\n\r\n"));
    let mut gold = std::fs::read_to_string(dir.join("gold.jsonl")).unwrap();
    for (id, key) in [("twice", "\"url\": \"https://twice.example/\", "), ("https://both.example/", "")] {
        gold.push_str(&format!("{{\"id\": \"{id}\", {key}\"text\": \"{text}\", \"page_type\": \"article\"}}\n"));
    }
    gold.push_str("{\"id\": \"absent\", \"url\": \"https://nowhere.example/\", \"text\": \"x\"}\n");
    std::fs::write(dir.join("gold.jsonl"), gold).unwrap();
    dir
}

fn input_errors(out: &std::process::Output) -> Vec<String> {
    let err = String::from_utf8_lossy(&out.stderr);
    let mut lines: Vec<String> = err.lines().filter(|l| l.starts_with("input error:")).map(str::to_string).collect();
    lines.sort();
    lines
}

/// results.csv without its timing rows, the metric read from the end of the line (a spec with
/// a comma is quoted, so fields cannot be counted from the start).
fn stable_lines(run: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(run.join("results.csv")).unwrap();
    text.lines()
        .filter(|l| !corpusbench::model::catalogue::varies(l.rsplit(',').nth(1).unwrap_or("")))
        .map(str::to_string)
        .collect()
}

fn assert_same_reports(single: &Path, staged: &Path, what: &str) {
    assert_eq!(stable_lines(single), stable_lines(staged), "{what}: results.csv differs");
    for f in ["doc_stats.csv", "examples.jsonl", "resamples.jsonl"] {
        let (a, b) = (std::fs::read(single.join(f)).unwrap(), std::fs::read(staged.join(f)));
        assert!(b.as_ref().ok() == Some(&a), "{what}: {f} differs from run's");
    }
}

#[test]
fn warc_extraction_in_parts_gives_runs_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = dataset(tmp.path());
    let corpus = ds.to_str().unwrap();
    let single = tmp.path().join("single");
    let args = ["run", "--corpus", corpus, "-s", SPEC, "--bootstrap", "50", "--threads", "1", "--out"];
    let run = corpusbench(tmp.path(), &[&args[..], &[single.to_str().unwrap()]].concat());
    assert_eq!(run.status.code(), Some(2), "{}", describe(&run));
    let want_errors = input_errors(&run);
    assert_eq!(want_errors.len(), 2, "{want_errors:?}");
    assert!(want_errors.iter().any(|e| e.contains("CC-TEST-00001.warc.gz") && e.contains("Content-Length")));
    assert!(want_errors.iter().any(|e| e.contains("page `absent`")));
    let rows = stable_result_lines(&single);
    let by_type = rows.iter().filter(|r| r.contains(",sift,pages@") && !r.contains('='));
    let pages: f64 = by_type.map(|r| r.rsplit(',').next().unwrap().parse::<f64>().unwrap()).sum();
    assert_eq!(pages, 12.0, "the ten bundled pages, `twice` and `both` are scored: {rows:?}");

    for (parts, order) in [(1, vec![0]), (3, vec![2, 0, 1])] {
        let work = tmp.path().join(format!("work-{parts}"));
        let w = work.to_str().unwrap();
        for &i in &order {
            let part = format!("{i}/{parts}");
            let args = ["stage", "extract", "--corpus", corpus, "-s", SPEC, "--part", &part, "--work", w];
            let o = corpusbench(tmp.path(), &[&args[..], &["--threads", "1"]].concat());
            // Exit 2 for the part holding the malformed record (file 1), 0 for the others.
            let bad = if parts == 1 { 0 } else { 1 };
            assert_eq!(o.status.code(), Some(if i == bad { 2 } else { 0 }), "part {part}: {}", describe(&o));
        }
        let out = tmp.path().join(format!("staged-{parts}"));
        let score = ["stage", "score", "--work", w, "--bootstrap", "50", "--out", out.to_str().unwrap()];
        let o = corpusbench(tmp.path(), &score);
        assert_eq!(o.status.code(), Some(2), "score of {parts} parts: {}", describe(&o));
        assert_eq!(input_errors(&o), want_errors, "{parts} parts: input errors");
        assert_same_reports(&single, &out, &format!("{parts} parts"));
        // The pages went through worker processes, as run's did.
        let results = std::fs::read_to_string(out.join("results.csv")).unwrap();
        assert!(results.contains(",overhead_p50_ms,"), "{results}");

        // A retried part writes the same bytes.
        let pages = work.join("extract/part-00000/pages.jsonl");
        let before = std::fs::read(&pages).unwrap();
        let part = format!("0/{parts}");
        let args = ["stage", "extract", "--corpus", corpus, "-s", SPEC, "--part", &part, "--work", w];
        let o = corpusbench(tmp.path(), &args);
        assert!(o.status.code().is_some_and(|c| c != 1), "{}", describe(&o));
        assert_eq!(std::fs::read(&pages).unwrap(), before, "a retried part wrote other bytes");
    }
}

/// A work folder missing a part, or given a strategy that is not an extractor, is refused
/// (exit 1) with a message naming what is wrong.
#[test]
fn an_unfinished_part_or_a_dedup_strategy_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = dataset(tmp.path());
    let corpus = ds.to_str().unwrap();
    let w = tmp.path().join("w");
    let w = w.to_str().unwrap();
    let o =
        corpusbench(tmp.path(), &["stage", "extract", "--corpus", corpus, "-s", "exact", "--part", "0/2", "--work", w]);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an extractor"), "{}", describe(&o));
    let o =
        corpusbench(tmp.path(), &["stage", "extract", "--corpus", corpus, "-s", "plain", "--part", "0/2", "--work", w]);
    // Exit 2: part 0 of 2 holds file 1's malformed record.
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    let o = corpusbench(tmp.path(), &["stage", "score", "--work", w, "--out", "o"]);
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("part 1/2 has not finished"), "{}", describe(&o));
}

/// A page over its time budget is that page's timeout, in a part as in `run`: the part goes
/// on and exits as `run` would, and the scored reports (`timeout_pages` 1) are `run`'s.
#[test]
fn a_page_over_its_budget_is_a_timeout_in_a_part_as_in_run() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = warc_dataset_in(tmp.path(), "warc-slow", 2);
    let corpus = ds.to_str().unwrap();
    let spec = "sleep:ms=5000,only=blog-comments";
    let budget = ["--page-timeout", "0.5", "--threads", "1"];
    let single = tmp.path().join("single");
    let args = ["--testing-aids", "run", "--corpus", corpus, "-s", spec, "--bootstrap", "20", "--out"];
    let o = corpusbench(tmp.path(), &[&args[..], &[single.to_str().unwrap()], &budget[..]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    let w = tmp.path().join("w");
    let w = w.to_str().unwrap();
    for part in ["1/2", "0/2"] {
        let args = ["--testing-aids", "stage", "extract", "--corpus", corpus, "-s", spec, "--part", part, "--work", w];
        let o = corpusbench(tmp.path(), &[&args[..], &budget[..]].concat());
        assert_eq!(o.status.code(), Some(0), "part {part}: {}", describe(&o));
    }
    let pages = std::fs::read_to_string(tmp.path().join("w/extract/part-00000/pages.jsonl")).unwrap();
    assert_eq!(pages.matches("\"timeout\"").count(), 1, "{pages}");
    let out = tmp.path().join("staged");
    let args = ["--testing-aids", "stage", "score", "--work", w, "--bootstrap", "20", "--out", out.to_str().unwrap()];
    let o = corpusbench(tmp.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    assert_same_reports(&single, &out, "a timeout");
    // `timeout_pages` varies between runs (it is a matter of time), so it is read here.
    let results = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert!(results.lines().any(|l| l.ends_with(",timeout_pages,1.000000")), "{results}");
}
