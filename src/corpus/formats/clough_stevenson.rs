//! The corpus of plagiarised short answers (Clough and Stevenson 2011), as a folder of `.txt`
//! files with `file_information.csv` (`File,Task,Category`): five Wikipedia sources
//! (`orig_task{a..e}.txt`, category `orig`) and 95 answers to tasks a-e labelled `cut`, `light`,
//! `heavy` or `non`.
//!
//! Gold: each source with every `cut`, `light` and `heavy` answer to its task forms one cluster
//! (the answer was derived from it); `non` answers were written independently and are singletons.
//! Every document's category is kept for per-category pair metrics. Documents are ordered
//! sources first (so a keep-first policy keeps the source), then answers in the CSV's order.
//!
//! Encoding: a file that is valid UTF-8 is read as UTF-8 (a byte-order mark dropped); any other
//! file is read as Windows-1252, which is what the non-UTF-8 answers are (their bytes 0x91-0x97
//! are that code page's curly quotes, bullet and dashes). Line breaks are kept as they are.
//! `test_info.csv` (a train/test split of a later copy) and derived pair tables are not read.

use std::collections::HashMap;
use std::path::Path;

use super::Format;
use crate::corpus::fingerprint::fingerprint;
use crate::error::{Error, InputError};
use crate::model::{Dataset, DedupGold, Doc, Family, Items, Scoring};

/// The format entry.
pub const FORMAT: Format = Format {
    name: "clough-stevenson",
    task: crate::model::Task::Dedup,
    named_by_folder: false,
    recognises,
    load,
    load_without_html: None,
};

/// The labels file.
pub const INFO: &str = "file_information.csv";

fn recognises(dir: &Path) -> bool {
    dir.join(INFO).is_file() && dir.join("orig_taska.txt").is_file()
}

/// Decodes one file: UTF-8 when valid (BOM dropped), else Windows-1252.
pub fn decode_text(raw: &[u8]) -> String {
    let raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(raw).0.into_owned(),
    }
}

/// One row of the labels file.
struct Row {
    line: usize,
    file: String,
    task: String,
    category: String,
}

const CATEGORIES: &[&str] = &["orig", "cut", "light", "heavy", "non"];

fn rows(path: &Path, issues: &mut Vec<InputError>) -> Result<Vec<Row>, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes.as_slice());
    let headers = reader.headers().map_err(|e| InputError::line(path, 1, format!("unreadable header: {e}")))?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| InputError { field: Some(name.into()), ..InputError::line(path, 1, "missing column") })
    };
    let (f, t, c) = (col("File")?, col("Task")?, col("Category")?);
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                issues.push(InputError::line(path, line, format!("malformed CSV record: {e}")));
                continue;
            }
        };
        let get = |k: usize| rec.get(k).unwrap_or("").trim().to_string();
        let row = Row { line, file: get(f), task: get(t), category: get(c) };
        if !CATEGORIES.contains(&row.category.as_str()) {
            let msg = format!("unknown category `{}` (known: {})", row.category, CATEGORIES.join(", "));
            issues.push(InputError::field(path, line, "Category", msg));
            continue;
        }
        if row.file.is_empty() || row.file.contains(['/', '\\']) {
            issues.push(InputError::field(path, line, "File", format!("`{}` is not a file name", row.file)));
            continue;
        }
        out.push(row);
    }
    Ok(out)
}

fn load(dir: &Path) -> Result<Dataset, Error> {
    let info = dir.join(INFO);
    let mut issues = Vec::new();
    let mut rows = rows(&info, &mut issues)?;
    // Sources first, then answers, each in the CSV's order (a stable sort keeps it).
    rows.sort_by_key(|r| r.category != "orig");

    let mut docs = Vec::new();
    let mut kept = Vec::new();
    for row in rows {
        let path = dir.join(&row.file);
        match std::fs::read(&path) {
            Ok(raw) => {
                docs.push(Doc { id: row.file.clone(), text: decode_text(&raw) });
                kept.push(row);
            }
            Err(e) => issues.push(InputError::field(&info, row.line, "File", format!("{}: {e}", path.display()))),
        }
    }

    let mut source_cluster: HashMap<&str, u32> = HashMap::new();
    for (i, row) in kept.iter().enumerate() {
        if row.category == "orig" && source_cluster.insert(row.task.as_str(), i as u32).is_some() {
            issues.push(InputError::field(&info, row.line, "Task", format!("a second source for task `{}`", row.task)));
        }
    }
    let clusters = kept
        .iter()
        .enumerate()
        .map(|(i, row)| match row.category.as_str() {
            "orig" | "non" => i as u32,
            _ => match source_cluster.get(row.task.as_str()) {
                Some(&c) => c,
                None => {
                    let msg = format!("no source for task `{}`; scored as unrelated", row.task);
                    issues.push(InputError::field(&info, row.line, "Task", msg));
                    i as u32
                }
            },
        })
        .collect();
    let categories = kept.iter().map(|r| r.category.clone()).collect();

    let mut files = vec![INFO.to_string()];
    files.extend(docs.iter().map(|d| d.id.clone()));
    let fingerprint = fingerprint(dir, &files)?;
    Ok(Dataset {
        name: FORMAT.dataset_name(dir),
        root: dir.to_path_buf(),
        format: FORMAT.name.into(),
        scoring: Scoring { families: vec![Family::Cluster, Family::Edge, Family::Removal], primary: "pair_f1".into() },
        fingerprint,
        items: Items::Dedup {
            docs,
            gold: DedupGold { clusters: Some(clusters), spans: None, categories: Some(categories) },
        },
        html_bytes: None,
        issues,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_bytes_decode_to_their_characters() {
        // 0x93/0x94 curly double quotes, 0x92 right single quote, 0x97 em dash.
        assert_eq!(decode_text(b"\x93it\x92s\x94 \x97 ok"), "\u{201C}it\u{2019}s\u{201D} \u{2014} ok");
        assert_eq!(decode_text("caf\u{e9}".as_bytes()), "caf\u{e9}");
        assert_eq!(decode_text(b"\xEF\xBB\xBFbom"), "bom");
    }

    #[test]
    fn layout_builds_clusters_and_categories() {
        let dir = tempfile::tempdir().unwrap();
        let w = |name: &str, text: &[u8]| std::fs::write(dir.path().join(name), text).unwrap();
        w(INFO, b"File,Task,Category\nx1.txt,a,cut\nx2.txt,a,non\nx3.txt,b,heavy\norig_taska.txt,a,orig\norig_taskb.txt,b,orig\n");
        for f in ["x1.txt", "x2.txt", "x3.txt", "orig_taska.txt", "orig_taskb.txt"] {
            w(f, f.as_bytes());
        }
        assert!(recognises(dir.path()));
        let ds = load(dir.path()).unwrap();
        assert!(ds.issues.is_empty(), "{:?}", ds.issues);
        let Items::Dedup { docs, gold } = ds.items else { panic!() };
        let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["orig_taska.txt", "orig_taskb.txt", "x1.txt", "x2.txt", "x3.txt"]);
        assert_eq!(gold.clusters, Some(vec![0, 1, 0, 3, 1]));
        assert_eq!(gold.categories.unwrap(), ["orig", "orig", "cut", "non", "heavy"]);
    }

    #[test]
    fn unknown_category_and_missing_file_are_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let w = |name: &str, text: &[u8]| std::fs::write(dir.path().join(name), text).unwrap();
        w(INFO, b"File,Task,Category\nx1.txt,a,copied\ngone.txt,a,cut\norig_taska.txt,a,orig\n");
        w("orig_taska.txt", b"source");
        let ds = load(dir.path()).unwrap();
        assert_eq!(ds.len(), 1);
        assert_eq!(ds.issues.len(), 2);
        assert_eq!(ds.issues[0].line, Some(2));
        assert_eq!(ds.issues[0].field.as_deref(), Some("Category"));
        assert_eq!(ds.issues[1].line, Some(3));
    }
}
