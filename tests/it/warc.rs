//! WARC and WET datasets as a crawl stores them: pages in `response` records (one gzip member
//! per record, HTTP bodies chunked, gzipped or in a charset only the header names) score as the
//! same pages in JSON lines; WET `conversion` records deduplicate as the same documents in JSON
//! lines, loaded or streamed; bad records and truncated files are input errors naming the file
//! and the record, and the rest of the dataset still runs.

use std::io::Write;
use std::path::Path;

use corpusbench::io::warc::write_record;

use crate::common::{bundled_corpus, corpusbench, stable_rows_of_any_dataset as rows};

/// One record as its own gzip member, as Common Crawl writes `.warc.gz`.
pub(crate) fn gz_member(record: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(record).unwrap();
    gz.finish().unwrap()
}

pub(crate) fn json_lines(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The HTTP message of page `i`: every third chunked, every third gzipped, the rest plain; a
/// page with non-ASCII text (german-article) is sent as windows-1252 and names its charset only
/// in the header.
pub(crate) fn http_message(i: usize, html: &str) -> Vec<u8> {
    let (body, charset) = match encoding_rs::WINDOWS_1252.encode(html) {
        (bytes, _, false) if !html.is_ascii() && i.is_multiple_of(2) => (bytes.into_owned(), "; charset=windows-1252"),
        _ => (html.as_bytes().to_vec(), ""),
    };
    let mut m = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html{charset}\r\n").into_bytes();
    match i % 3 {
        0 => {
            m.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            for chunk in body.chunks(100) {
                m.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                m.extend_from_slice(chunk);
                m.extend_from_slice(b"\r\n");
            }
            m.extend_from_slice(b"0\r\n\r\n");
        }
        1 => {
            m.extend_from_slice(b"Content-Encoding: gzip\r\n\r\n");
            m.extend(gz_member(&body));
        }
        _ => {
            m.extend_from_slice(b"\r\n");
            m.extend(body);
        }
    }
    m
}

/// Writes the pages of bundled `handmade-extract` as a WARC file (request, response and
/// metadata records, as a crawler writes them), and a gold.jsonl that joins half the pages by
/// record id and half by URL. Returns the dataset folder.
fn warc_dataset(tmp: &Path) -> std::path::PathBuf {
    warc_dataset_in(tmp, "warc-extract", 1)
}

/// [`warc_dataset`] as dataset `name` with its pages in `files` WARC files (a warcinfo record
/// first in each, pages in contiguous runs), `crawl/CC-TEST-0000k.warc.gz`, named by a glob.
pub(crate) fn warc_dataset_in(tmp: &Path, name: &str, files: usize) -> std::path::PathBuf {
    let src = bundled_corpus().join("handmade-extract");
    let dir = tmp.join(name);
    std::fs::create_dir_all(dir.join("crawl")).unwrap();
    let warcinfo = gz_member(&{
        let mut w = Vec::new();
        write_record(&mut w, &[("WARC-Type", "warcinfo")], b"software: corpusbench test\r\n");
        w
    });
    let mut gold = String::new();
    let gold_by_id: std::collections::HashMap<String, serde_json::Value> =
        json_lines(&src.join("gold.jsonl")).into_iter().map(|g| (g["id"].as_str().unwrap().to_string(), g)).collect();
    let pages = json_lines(&src.join("docs.jsonl"));
    let per_file = pages.len().div_ceil(files);
    let mut warcs: Vec<Vec<u8>> = vec![warcinfo; files];
    for (i, page) in pages.iter().enumerate() {
        let id = page["id"].as_str().unwrap();
        let url = page["url"].as_str().unwrap();
        let html = std::fs::read_to_string(src.join(page["html_path"].as_str().unwrap())).unwrap();
        let record_id = format!("<urn:uuid:00000000-0000-0000-0000-{i:012}>");
        let mut w = Vec::new();
        write_record(&mut w, &[("WARC-Type", "request"), ("WARC-Target-URI", url)], b"GET / HTTP/1.1\r\n\r\n");
        let headers = [("WARC-Type", "response"), ("WARC-Target-URI", url), ("WARC-Record-ID", &record_id)];
        write_record(&mut w, &headers, &http_message(i, &html));
        write_record(&mut w, &[("WARC-Type", "metadata"), ("WARC-Target-URI", url)], b"fetchTimeMs: 12\r\n");
        warcs[i / per_file].extend(gz_member(&w));
        let mut g = gold_by_id[id].clone();
        if i % 2 == 0 {
            g["record_id"] = serde_json::Value::String(record_id);
        } else {
            g["url"] = serde_json::Value::String(url.to_string());
        }
        gold.push_str(&g.to_string());
        gold.push('\n');
    }
    for (k, warc) in warcs.iter().enumerate() {
        std::fs::write(dir.join(format!("crawl/CC-TEST-{k:05}.warc.gz")), warc).unwrap();
    }
    std::fs::write(dir.join("gold.jsonl"), gold).unwrap();
    let manifest = format!(
        "name = \"{name}\"\ntask = \"extract\"\nformat = \"warc\"\n\
         primary_metric = \"rouge_lsum_f1\"\ndocs = [\"crawl/*.warc.gz\"]\nfiles = [\"crawl/*.warc.gz\", \"gold.jsonl\"]\n"
    );
    std::fs::write(dir.join("dataset.toml"), manifest).unwrap();
    dir
}

/// Pages read from WARC response records score exactly as the same pages in JSON lines.
#[test]
fn warc_pages_score_as_the_same_pages_in_json_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = warc_dataset(tmp.path());
    let run = |corpus: &Path, out: &str| {
        let corpus = corpus.display().to_string();
        let args = ["run", "--corpus", &corpus, "-s", "plain", "-s", "readability", "--bootstrap", "50", "--out", out];
        let o = corpusbench(tmp.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        rows(&tmp.path().join(out))
    };
    let want = run(&bundled_corpus().join("handmade-extract"), "j");
    assert!(want.len() > 20, "{}", want.len());
    assert_eq!(run(&dir, "w"), want);
}

/// A malformed record, a body in an unsupported coding, a gold page the crawl lacks and a
/// truncated second file are each an input error naming its file and record (or gold line);
/// the other pages are scored and the exit code says some input was bad.
#[test]
fn bad_warc_records_and_truncated_files_are_input_errors_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = warc_dataset(tmp.path());
    let mut bad = Vec::new();
    bad.extend(gz_member(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: many\r\n\r\nxx\r\n\r\n"));
    let mut w = Vec::new();
    let brotli = b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\n\x1b\x00";
    write_record(&mut w, &[("WARC-Type", "response"), ("WARC-Target-URI", "https://br.example/")], brotli);
    bad.extend(gz_member(&w));
    let mut cut = gz_member(&{
        let mut w = Vec::new();
        write_record(&mut w, &[("WARC-Type", "response"), ("WARC-Target-URI", "https://cut.example/")], &[b'x'; 4000]);
        w
    });
    cut.truncate(cut.len() - 10);
    bad.extend(cut);
    std::fs::write(dir.join("crawl/CC-TEST-00001.warc.gz"), bad).unwrap();
    let mut gold = std::fs::read_to_string(dir.join("gold.jsonl")).unwrap();
    gold.push_str("{\"id\": \"brotli\", \"url\": \"https://br.example/\", \"text\": \"x\"}\n");
    gold.push_str("{\"id\": \"absent\", \"url\": \"https://nowhere.example/\", \"text\": \"x\"}\n");
    std::fs::write(dir.join("gold.jsonl"), gold).unwrap();
    let corpus = dir.display().to_string();
    let o = corpusbench(tmp.path(), &["run", "--corpus", &corpus, "-s", "plain", "--out", "r"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("CC-TEST-00001.warc.gz") && err.contains("record 1 (byte 0 uncompressed)"), "{err}");
    assert!(err.contains("Content-Length"), "{err}");
    assert!(err.contains("page `brotli`") && err.contains("Content-Encoding `br`"), "{err}");
    assert!(err.contains("after record 3") && err.contains("cannot read"), "{err}");
    assert!(err.contains("gold.jsonl:12") && err.contains("page `absent`"), "{err}");
    let rows = rows(&tmp.path().join("r"));
    let by_type = rows.iter().filter(|r| r.contains(",plain,pages@") && !r.contains('='));
    let pages: f64 = by_type.map(|r| r.rsplit(',').next().unwrap().parse::<f64>().unwrap()).sum();
    assert_eq!(pages, 10.0, "the ten good pages are scored: {rows:?}");
}

/// Writes the documents of bundled `synth-small` as WET files (two, each a gzip member per
/// record, with a warcinfo record first), named by record id.
fn wet_dataset(tmp: &Path) -> std::path::PathBuf {
    let src = bundled_corpus().join("synth-small");
    let dir = tmp.join("wet");
    std::fs::create_dir_all(&dir).unwrap();
    let docs = json_lines(&src.join("docs.jsonl"));
    for (k, chunk) in docs.chunks(docs.len().div_ceil(2)).enumerate() {
        let mut wet = Vec::new();
        let mut w = Vec::new();
        write_record(&mut w, &[("WARC-Type", "warcinfo")], b"isPartOf: TEST\r\n");
        wet.extend(gz_member(&w));
        for doc in chunk {
            let id = format!("<{}>", doc["id"].as_str().unwrap());
            let mut w = Vec::new();
            let headers = [("WARC-Type", "conversion"), ("WARC-Record-ID", &id), ("Content-Type", "text/plain")];
            write_record(&mut w, &headers, doc["text"].as_str().unwrap().as_bytes());
            wet.extend(gz_member(&w));
        }
        std::fs::write(dir.join(format!("CC-TEST-{k:05}.warc.wet.gz")), wet).unwrap();
    }
    std::fs::copy(src.join("gold.jsonl"), dir.join("gold.jsonl")).unwrap();
    let manifest = "name = \"wet\"\ntask = \"dedup\"\nformat = \"wet\"\nfiles = [\"gold.jsonl\"]\n";
    std::fs::write(dir.join("dataset.toml"), manifest).unwrap();
    dir
}

/// WET conversion records deduplicate exactly as the same documents in JSON lines, loaded or
/// streamed.
#[test]
fn wet_records_score_as_the_same_documents_in_json_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = wet_dataset(tmp.path());
    let run = |corpus: &Path, out: &str, stream: bool| {
        let corpus = corpus.display().to_string();
        let mut args = vec!["run", "--corpus", &corpus, "-s", "exact", "-s", "lines", "-s", "minhash@fineweb"];
        args.extend(["--bootstrap", "50", "--out", out]);
        if stream {
            args.push("--stream");
        }
        let o = corpusbench(tmp.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        rows(&tmp.path().join(out))
    };
    let want = run(&bundled_corpus().join("synth-small"), "j", false);
    assert!(want.len() > 50, "{}", want.len());
    assert_eq!(run(&dir, "w", false), want);
    assert_eq!(run(&dir, "ws", true), want);
}
