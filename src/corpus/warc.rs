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

/// A page found in the WARC files: which gold record it answers (its index in gold order),
/// whether by record id (which outranks a URL match anywhere), and the page, or why it could
/// not be read. `T` is the page as loaded ([`Page`]), or what a stage made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<T> {
    /// The gold record's index, in gold order.
    pub gold: usize,
    /// Joined by record id (else by URL).
    pub by_id: bool,
    /// The page, or the input error of its record.
    pub page: Result<T, InputError>,
}

/// The gold records of a WARC dataset, as the pages they name: what the loader and the
/// extraction stages (`crate::stage::extract`) join the WARC files' records against.
pub struct GoldPages {
    path: PathBuf,
    wanted: Vec<Wanted>,
}

impl GoldPages {
    /// Reads `gold.jsonl` of `root`; its bad records, or its absence, are `errors`.
    pub fn read(root: &Path, errors: &mut Vec<InputError>) -> Option<GoldPages> {
        let Some((path, objs)) = read_gold(root, errors) else {
            let msg = "a WARC dataset needs a gold.jsonl naming the pages to score";
            errors.push(InputError::file(&root.join("gold.jsonl"), msg));
            return None;
        };
        let (wanted, ..) = records(&path, &objs, errors, wanted);
        Some(GoldPages { path, wanted })
    }

    /// Gold records.
    pub fn len(&self) -> usize {
        self.wanted.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.wanted.is_empty()
    }

    /// The pages of `files` (read in parallel) that gold names, at most one per gold record
    /// ([`choose`]: the first in file order, a record-id match before any URL match), in gold
    /// order, with the files' errors in file order.
    pub fn scan(&self, files: &[PathBuf]) -> (Vec<Found<Page>>, Vec<InputError>) {
        let mut by_id: HashMap<&str, usize> = HashMap::new();
        let mut by_url: HashMap<&str, usize> = HashMap::new();
        for (i, w) in self.wanted.iter().enumerate() {
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
        let per_file: Vec<(Vec<Found<Page>>, Vec<InputError>)> =
            files.par_iter().map(|path| scan(path, &by_id, &by_url, &self.wanted)).collect();
        let mut errors = Vec::new();
        let mut found = Vec::new();
        for (f, file_errors) in per_file {
            errors.extend(file_errors);
            found.extend(f);
        }
        (choose(self.wanted.len(), found).into_iter().flatten().collect(), errors)
    }

    /// The pages (in gold order) and their gold from the chosen pages of every file, `chosen`
    /// (at most one per gold record, as [`choose`] gives them); a page whose record was
    /// malformed, and a gold record without a page, are `errors`, in gold order.
    pub fn assemble<T>(self, chosen: Vec<Found<T>>, errors: &mut Vec<InputError>) -> (Vec<T>, Vec<ExtractGold>) {
        let mut slots: Vec<Option<Result<T, InputError>>> = (0..self.wanted.len()).map(|_| None).collect();
        for f in chosen {
            if let Some(slot) = slots.get_mut(f.gold) {
                *slot = Some(f.page);
            }
        }
        let mut pages = Vec::new();
        let mut golds = Vec::new();
        for (w, found) in self.wanted.into_iter().zip(slots) {
            match found {
                Some(Ok(page)) => {
                    pages.push(page);
                    golds.push(w.gold);
                }
                Some(Err(e)) => errors.push(e),
                None => {
                    let key = match (&w.record_id, &w.url) {
                        (Some(r), _) => format!("WARC-Record-ID `{r}`"),
                        (None, Some(u)) => format!("WARC-Target-URI `{u}`"),
                        (None, None) => format!("record id or URL `{}`", w.id),
                    };
                    let msg = format!("page `{}`: no response record with {key} in the WARC files; left out", w.id);
                    errors.push(InputError::line(&self.path, w.line, msg));
                }
            }
        }
        (pages, golds)
    }
}

/// At most one page per gold record of `gold` records from `found` (in file order): the first
/// matched by record id, else the first matched by URL, as the loader joins them. Choosing in
/// runs of files and then among the runs' choices, in order, gives the same pages.
pub fn choose<T>(gold: usize, found: impl IntoIterator<Item = Found<T>>) -> Vec<Option<Found<T>>> {
    let mut chosen: Vec<Option<Found<T>>> = (0..gold).map(|_| None).collect();
    for f in found {
        let Some(slot) = chosen.get_mut(f.gold) else { continue };
        let better = match slot {
            None => true,
            Some(old) => f.by_id && !old.by_id,
        };
        if better {
            *slot = Some(f);
        }
    }
    chosen
}

/// Loads the pages of `files` (in order) that `gold.jsonl` of `root` names.
pub fn load_extract(root: &Path, files: &[PathBuf], errors: &mut Vec<InputError>) -> Items {
    let Some(gold) = GoldPages::read(root, errors) else {
        return Items::Extract { pages: Vec::new(), gold: Vec::new() };
    };
    let (found, file_errors) = gold.scan(files);
    errors.extend(file_errors);
    let (pages, gold) = gold.assemble(found, errors);
    Items::Extract { pages, gold }
}

/// The pages of one WARC file that gold names, and the file's errors.
fn scan(
    path: &Path,
    by_id: &HashMap<&str, usize>,
    by_url: &HashMap<&str, usize>,
    wanted: &[Wanted],
) -> (Vec<Found<Page>>, Vec<InputError>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn found(gold: usize, by_id: bool, tag: u32) -> Found<u32> {
        Found { gold, by_id, page: Ok(tag) }
    }

    /// The first record-id match wins, else the first URL match; choosing within runs of files
    /// and then among the runs' choices in order gives the same pages.
    #[test]
    fn choosing_in_runs_gives_the_choice_over_all() {
        let all =
            vec![found(0, false, 1), found(1, false, 2), found(0, true, 3), found(1, false, 4), found(0, true, 5)];
        let once: Vec<_> = choose(3, all.clone()).into_iter().map(|f| f.map(|f| f.page)).collect();
        assert_eq!(once, vec![Some(Ok(3)), Some(Ok(2)), None]);
        for cut in 0..=all.len() {
            let (a, b) = all.split_at(cut);
            let runs = [a.to_vec(), b.to_vec()].map(|run| choose(3, run).into_iter().flatten().collect::<Vec<_>>());
            let twice: Vec<_> = choose(3, runs.into_iter().flatten()).into_iter().map(|f| f.map(|f| f.page)).collect();
            assert_eq!(twice, once, "cut at {cut}");
        }
    }
}
