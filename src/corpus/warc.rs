//! Extraction datasets whose pages are in WARC files (`format = "warc"`), as a crawl stores
//! them: `dataset.toml` names the files (`docs`, default `*.warc.gz`), and `gold.jsonl` gives one
//! record per page to score.
//!
//! A gold record is `{"id": str, "record_id": str?, "url": str?, "text": str?, "with": [str]?,
//! "without": [str]?, "page_type": str?}`. It is joined to the `response` record whose
//! `WARC-Record-ID` is `record_id` (with or without its angle brackets), or else to the first
//! `response` record, in file order, whose `WARC-Target-URI` is `url`; with neither field, `id`
//! itself is tried as a record id and then as a URL. Records no gold names are read past and
//! never decoded, so a crawl of any size costs the pages scored, not the crawl. The HTTP body is
//! decoded with the charset of its `Content-Type` (after a byte-order mark, before `<meta>`).
//!
//! Pages are in gold order. A gold record without its page, and a page whose record or HTTP
//! message is malformed, is an input error naming the file and the line (gold) or the record
//! number and byte offset (WARC); the page is left out and loading goes on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::jsonl::{Rec, extract_gold, read_gold, records};
use crate::error::InputError;
use crate::io::warc::{self, http_payload};
use crate::model::{ExtractGold, Items, Page};

/// How a gold record names its page.
struct Wanted {
    id: String,
    line: usize,
    record_id: Option<String>,
    url: Option<String>,
    gold: ExtractGold,
}

fn wanted(rec: &Rec<'_>, id: &str) -> Result<Wanted, InputError> {
    let record_id = rec.opt_str("record_id")?.map(|r| warc::strip_brackets(r).to_string());
    let url = rec.opt_str("url")?.map(str::to_string);
    Ok(Wanted { id: id.to_string(), line: rec.line, record_id, url, gold: extract_gold(rec)? })
}

/// A page found in one WARC file: which gold record it answers, and whether by record id (which
/// outranks a URL match anywhere).
struct Found {
    gold: usize,
    by_id: bool,
    page: Result<Page, InputError>,
}

/// Loads the pages of `files` (in order) that `gold.jsonl` of `root` names.
pub fn load_extract(root: &Path, files: &[PathBuf], errors: &mut Vec<InputError>) -> Items {
    let empty = Items::Extract { pages: Vec::new(), gold: Vec::new() };
    let Some((gold_path, objs)) = read_gold(root, errors) else {
        let msg = "a WARC dataset needs a gold.jsonl naming the pages to score";
        errors.push(InputError::file(&root.join("gold.jsonl"), msg));
        return empty;
    };
    let (wanted, ..) = records(&gold_path, &objs, errors, wanted);
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut by_url: HashMap<&str, usize> = HashMap::new();
    for (i, w) in wanted.iter().enumerate() {
        match (&w.record_id, &w.url) {
            (Some(r), _) => {
                by_id.entry(r).or_insert(i);
            }
            (None, Some(u)) => {
                by_url.entry(u).or_insert(i);
            }
            (None, None) => {
                by_id.entry(warc::strip_brackets(&w.id)).or_insert(i);
                by_url.entry(&w.id).or_insert(i);
            }
        }
    }
    let per_file: Vec<(Vec<Found>, Vec<InputError>)> =
        files.par_iter().map(|path| scan(path, &by_id, &by_url, &wanted)).collect();
    // The first match in file order wins; a record-id match outranks a URL match.
    let mut chosen: Vec<Option<(bool, Result<Page, InputError>)>> = (0..wanted.len()).map(|_| None).collect();
    for (found, file_errors) in per_file {
        errors.extend(file_errors);
        for f in found {
            let slot = &mut chosen[f.gold];
            let better = match slot {
                None => true,
                Some((by_id, _)) => f.by_id && !*by_id,
            };
            if better {
                *slot = Some((f.by_id, f.page));
            }
        }
    }
    let mut pages = Vec::new();
    let mut golds = Vec::new();
    for (w, found) in wanted.into_iter().zip(chosen) {
        match found {
            Some((_, Ok(page))) => {
                pages.push(page);
                golds.push(w.gold);
            }
            Some((_, Err(e))) => errors.push(e),
            None => {
                let key = match (&w.record_id, &w.url) {
                    (Some(r), _) => format!("WARC-Record-ID `{r}`"),
                    (None, Some(u)) => format!("WARC-Target-URI `{u}`"),
                    (None, None) => format!("record id or URL `{}`", w.id),
                };
                let msg = format!("page `{}`: no response record with {key} in the WARC files; left out", w.id);
                errors.push(InputError::line(&gold_path, w.line, msg));
            }
        }
    }
    Items::Extract { pages, gold: golds }
}

/// The pages of one WARC file that gold names, and the file's errors.
fn scan(
    path: &Path,
    by_id: &HashMap<&str, usize>,
    by_url: &HashMap<&str, usize>,
    wanted: &[Wanted],
) -> (Vec<Found>, Vec<InputError>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let input = match crate::io::open(path) {
        Ok(input) => input,
        Err(e) => return (found, vec![e]),
    };
    for record in warc::Reader::new(path, input) {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if record.kind() != "response" {
            continue;
        }
        let (gold, by_id) = match record.record_id().and_then(|r| by_id.get(r)) {
            Some(&g) => (g, true),
            None => match record.target_uri().and_then(|u| by_url.get(u)) {
                Some(&g) => (g, false),
                None => continue,
            },
        };
        let url = record.target_uri().map(str::to_string);
        let page = http_payload(&record.block)
            .map(|http| {
                let html = super::encoding::decode_with_charset(&http.body, url.as_deref(), http.charset()).text;
                Page { id: wanted[gold].id.clone(), html, url }
            })
            .map_err(|msg| record.error(path, format!("page `{}`: {msg}", wanted[gold].id)));
        found.push(Found { gold, by_id, page });
    }
    (found, errors)
}
