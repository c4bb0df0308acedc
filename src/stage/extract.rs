//! Extraction over a `warc` dataset cut into parts (docs/distributed.md, "Extraction over WARC
//! files"): `extract` (part i of N, a contiguous run of whole WARC files in load order) finds
//! the pages gold names in its files and extracts them through the worker path `run` uses (the
//! same processes, per-page time budget and failure isolation); `score` joins the parts' pages
//! as the loader joins the files' records and scores them by the runner's own scoring, so the
//! reports are `corpusbench run`'s.
//!
//! Files under the work folder, each written to a temporary name and renamed:
//! `extract/part-iiiii/pages.jsonl` (one line per page the part found, in gold order: the gold
//! record's index, whether joined by record id, and the page's id, URL, HTML size and outcome, or
//! its record's input error), `errors.jsonl` (its files' input errors, in file order) and
//! `meta.json` (written last: the dataset, spec, part and files); `time/extract-iiiii.json`
//! holds the part's seconds and page latencies, kept apart because they differ between runs. A
//! part's other outputs depend only on its files, the gold and the strategy, so a retried task
//! writes the same bytes (a page over its time budget aside).

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::{MAX_PARTS, Part, read_json, write_json};
use crate::corpus::warc::{Found, GoldPages, choose};
use crate::error::{Error, InputError};
use crate::io::write_atomic;
use crate::metrics::bootstrap::Bootstrap;
use crate::model::{Dataset, Items, Page};
use crate::runner::{Cell, Extracted, PageOutcome, RunOptions, Selected};
use crate::strategy::{Registry, Strategy};

/// Version of the extraction work folder's layout; a part of another version is refused.
pub const LAYOUT_VERSION: u32 = 1;

/// The folder of the parts' outputs in the work folder.
const DIR: &str = "extract";
const META: &str = "meta.json";
const PAGES: &str = "pages.jsonl";
const ERRORS: &str = "errors.jsonl";

/// What one part covered, written last: its presence says the part finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartMeta {
    /// [`LAYOUT_VERSION`].
    pub version: u32,
    /// The dataset's name.
    pub dataset: String,
    /// Its folder, absolute.
    pub root: PathBuf,
    /// The strategy spec, as given.
    pub strategy: String,
    /// Which part.
    pub part: usize,
    /// Of how many.
    pub parts: usize,
    /// The part's WARC files in load order, with their sizes.
    pub files: Vec<PartFile>,
    /// Pages found (lines of `pages.jsonl`).
    pub pages: usize,
    /// Input errors of its files (lines of `errors.jsonl`).
    pub errors: usize,
}

/// One WARC file of a part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartFile {
    /// Its path, as the dataset's manifest names it under the root.
    pub path: PathBuf,
    /// Its size in bytes when extracted; `score` refuses a file that changed.
    pub bytes: u64,
}

/// One page a part found, as `pages.jsonl` holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PageLine {
    /// The gold record's index, in gold order.
    gold: usize,
    /// Joined by record id (else by URL).
    by_id: bool,
    #[serde(flatten)]
    got: Got,
}

/// A found page, or why its record could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Got {
    /// The page was read and extracted.
    Page(Extraction),
    /// Its record or HTTP message was malformed.
    Error(InputError),
}

/// A page's extraction, without its HTML (which `score` does not need) or its times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Extraction {
    id: String,
    url: Option<String>,
    /// Bytes of the decoded HTML (the dataset's input size is their sum).
    html_bytes: u64,
    outcome: Outcome,
}

/// A page's outcome without its times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    Text(String),
    Failed(String),
    Timeout,
}

/// A part's times, kept apart from its outputs since they differ between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PartTime {
    /// Seconds of the whole command.
    seconds: f64,
    /// Seconds spent extracting its pages.
    extract_s: f64,
    /// Each finished page's latency, ms, in page order.
    latencies_ms: Vec<f64>,
    /// Each finished page's protocol overhead, ms.
    overheads_ms: Vec<f64>,
    /// Whether its pages went through worker processes.
    pool: bool,
}

/// The folder of part `index`.
pub fn part_dir(work: &Path, index: usize) -> PathBuf {
    super::part_dir(work, DIR, index)
}

fn time_file(work: &Path, index: usize) -> PathBuf {
    work.join("time").join(format!("extract-{index:05}.json"))
}

/// Whether `work` is an extraction work folder (parts under `extract/`, no dedup plan).
pub fn is_extract_work(work: &Path) -> bool {
    work.join(DIR).is_dir() && !work.join(super::PLAN_FILE).exists()
}

/// The extractor a spec builds, refused when it is not one.
fn extractor_of(registry: &Registry, spec: &str) -> Result<Selected, Error> {
    let sel = Selected::build(registry, spec)?;
    if !matches!(sel.strategy, Strategy::Extract(_)) {
        return Err(Error::Usage(format!("`{spec}` is not an extractor; `stage extract` runs extraction strategies")));
    }
    Ok(sel)
}

fn jsonl<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    for r in rows {
        serde_json::to_writer(&mut out, r).map_err(|e| Error::Usage(e.to_string()))?;
        out.push(b'\n');
    }
    Ok(out)
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path, field: &str) -> Result<Vec<T>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    text.lines()
        .enumerate()
        .map(|(k, line)| {
            serde_json::from_str(line).map_err(|e| Error::Input(InputError::field(path, k + 1, field, e.to_string())))
        })
        .collect()
}

/// What a part did, for the command's message.
#[derive(Debug, Clone)]
pub struct PartReport {
    /// Its WARC files.
    pub files: usize,
    /// Pages found and extracted (or malformed).
    pub pages: usize,
    /// Pages that failed.
    pub failed: usize,
    /// Pages over the time budget.
    pub timeouts: usize,
    /// Its files' input errors (records left out).
    pub errors: Vec<InputError>,
}

/// `extract`: part `part` of the WARC dataset at `root` with `spec`, extracted as `run`
/// extracts (`options`: the worker executable, threads, page budget), into
/// `work/extract/part-i/`. The part's file errors are returned (the records are left out).
pub fn extract(
    registry: &Registry,
    root: &Path,
    spec: &str,
    part: Part,
    work: &Path,
    options: &RunOptions,
) -> Result<PartReport, Error> {
    let t0 = Instant::now();
    if part.count > MAX_PARTS {
        return Err(Error::Usage(format!("parts must be 1 to {MAX_PARTS}")));
    }
    let sel = extractor_of(registry, spec)?;
    let root = std::path::absolute(root).map_err(|e| Error::io(root, e))?;
    let (manifest, files) = crate::corpus::warc_files(&root)?;
    let files = &files[part.range(files.len())];
    let mut part_files = Vec::new();
    for f in files {
        let bytes = std::fs::metadata(f).map_err(|e| Error::io(f, e))?.len();
        part_files.push(PartFile { path: f.clone(), bytes });
    }
    // Gold's own errors are the whole dataset's: `score` reports them.
    let (found, errors) = match GoldPages::read(&root, &mut Vec::new()) {
        Some(gold) => gold.scan(files),
        None => (Vec::new(), Vec::new()),
    };
    let mut pages: Vec<Page> = Vec::new();
    // Each found page as (id, URL, HTML bytes), its HTML handed to the extraction.
    let mut lines: Vec<Found<(String, Option<String>, u64)>> = Vec::new();
    for f in found {
        let page = f.page.map(|p| {
            let meta = (p.id.clone(), p.url.clone(), p.html.len() as u64);
            pages.push(p);
            meta
        });
        lines.push(Found { gold: f.gold, by_id: f.by_id, page });
    }
    let done = crate::runner::extract_pages(&sel, &pages, options).map_err(Error::Usage)?;
    drop(pages);
    if done.outcomes.len() != lines.iter().filter(|l| l.page.is_ok()).count() {
        return Err(Error::Usage("the extractor answered another number of pages than it was given".into()));
    }
    let (mut failed, mut timeouts) = (0, 0);
    let mut outcomes = done.outcomes.into_iter();
    let mut rows = Vec::with_capacity(lines.len());
    for Found { gold, by_id, page } in lines {
        let got = match page {
            Err(e) => Got::Error(e),
            Ok((id, url, html_bytes)) => {
                let outcome = match outcomes.next() {
                    Some(PageOutcome::Ok { text, .. }) => Outcome::Text(text),
                    Some(PageOutcome::Failed(e)) => {
                        failed += 1;
                        Outcome::Failed(e)
                    }
                    Some(PageOutcome::Timeout) | None => {
                        timeouts += 1;
                        Outcome::Timeout
                    }
                };
                Got::Page(Extraction { id, url, html_bytes, outcome })
            }
        };
        rows.push(PageLine { gold, by_id, got });
    }
    let dir = part_dir(work, part.index);
    write_atomic(&dir.join(PAGES), &jsonl(&rows)?)?;
    write_atomic(&dir.join(ERRORS), &jsonl(&errors)?)?;
    let time = PartTime {
        seconds: t0.elapsed().as_secs_f64(),
        extract_s: done.runs.iter().sum(),
        latencies_ms: done.latencies,
        overheads_ms: done.overheads,
        pool: done.pool_used,
    };
    write_json(&time_file(work, part.index), &time)?;
    let meta = PartMeta {
        version: LAYOUT_VERSION,
        dataset: manifest.name,
        root,
        strategy: spec.to_string(),
        part: part.index,
        parts: part.count,
        files: part_files,
        pages: rows.len(),
        errors: errors.len(),
    };
    write_json(&dir.join(META), &meta)?;
    Ok(PartReport { files: files.len(), pages: rows.len(), failed, timeouts, errors })
}

/// Every part's meta, checked to be of this layout and of one run (dataset, spec, part count).
fn read_metas(work: &Path) -> Result<Vec<PartMeta>, Error> {
    let first_path = part_dir(work, 0).join(META);
    if !first_path.is_file() {
        return Err(Error::Usage(format!("{}: part 0 has not finished (no {META})", work.display())));
    }
    let first: PartMeta = read_json(&first_path)?;
    if !(1..=MAX_PARTS).contains(&first.parts) {
        let msg = format!("{} parts (1 to {MAX_PARTS})", first.parts);
        return Err(Error::Input(InputError { field: Some("parts".into()), ..InputError::file(&first_path, msg) }));
    }
    let mut metas = Vec::with_capacity(first.parts);
    for i in 0..first.parts {
        let path = part_dir(work, i).join(META);
        if !path.is_file() {
            return Err(Error::Usage(format!("part {i}/{} has not finished (no {})", first.parts, path.display())));
        }
        let m: PartMeta = read_json(&path)?;
        let bad = |field: &str, msg: String| {
            Error::Input(InputError { field: Some(field.into()), ..InputError::file(&path, msg) })
        };
        if m.version != LAYOUT_VERSION {
            let msg = format!("layout version {} (this build reads {LAYOUT_VERSION}); extract again", m.version);
            return Err(bad("version", msg));
        }
        if m.part != i || m.parts != first.parts {
            return Err(bad("part", format!("part {}/{}, expected {i}/{}", m.part, m.parts, first.parts)));
        }
        if m.root != first.root || m.strategy != first.strategy || m.dataset != first.dataset {
            let msg = format!(
                "dataset `{}` at {} with `{}`, but part 0 ran dataset `{}` at {} with `{}`",
                m.dataset,
                m.root.display(),
                m.strategy,
                first.dataset,
                first.root.display(),
                first.strategy
            );
            return Err(bad("strategy", msg));
        }
        metas.push(m);
    }
    Ok(metas)
}

/// Checks that the parts cover the dataset's WARC files now, in order, each of its extracted
/// size.
fn check_files(metas: &[PartMeta], files: &[PathBuf]) -> Result<(), Error> {
    let covered: Vec<&PartFile> = metas.iter().flat_map(|m| &m.files).collect();
    let listed: Vec<&PathBuf> = covered.iter().map(|f| &f.path).collect();
    if listed != files.iter().collect::<Vec<_>>() {
        return Err(Error::Usage(format!(
            "the parts extracted {} WARC files, the dataset now has {}: the files changed since `extract`; extract again",
            covered.len(),
            files.len()
        )));
    }
    for f in covered {
        let size = std::fs::metadata(&f.path).map_err(|e| Error::io(&f.path, e))?.len();
        if size != f.bytes {
            return Err(Error::Input(InputError::file(
                &f.path,
                format!("{size} bytes, extracted with {}: the file changed since `extract`", f.bytes),
            )));
        }
    }
    Ok(())
}

/// `score` of an extraction work folder: the dataset's cell as `corpusbench run -s SPEC` gives
/// it, from every part's pages (joined as the loader joins the files' records), scored by the
/// runner's scoring; with the dataset's input errors, as `run` reports them. The cell's time is
/// the parts' extraction seconds, summed.
pub fn score(
    registry: &Registry,
    work: &Path,
    bootstrap: &Bootstrap,
) -> Result<(Dataset, Cell, Vec<InputError>), Error> {
    let metas = read_metas(work)?;
    let Some(first) = metas.first() else {
        return Err(Error::Usage(format!("{}: no extraction part", work.display())));
    };
    let sel = extractor_of(registry, &first.strategy)?;
    let mut outcomes: Vec<PageOutcome> = Vec::new();
    let mut html_bytes = 0u64;
    let mut ds = crate::corpus::load_warc_with(&first.root, |files, issues| {
        check_files(&metas, files)?;
        let Some(gold) = GoldPages::read(&first.root, issues) else {
            return Ok(Items::Extract { pages: Vec::new(), gold: Vec::new() });
        };
        let mut found: Vec<Found<Extraction>> = Vec::new();
        for m in &metas {
            let dir = part_dir(work, m.part);
            let errors: Vec<InputError> = read_jsonl(&dir.join(ERRORS), "error")?;
            let rows: Vec<PageLine> = read_jsonl(&dir.join(PAGES), "page")?;
            if errors.len() != m.errors || rows.len() != m.pages {
                let msg = format!(
                    "{} pages and {} errors, the part wrote {} and {}",
                    rows.len(),
                    errors.len(),
                    m.pages,
                    m.errors
                );
                return Err(Error::Input(InputError::file(&dir, msg)));
            }
            issues.extend(errors);
            for (k, r) in rows.into_iter().enumerate() {
                if r.gold >= gold.len() {
                    let msg = format!(
                        "gold record {} of {}: gold changed since `extract`; extract again",
                        r.gold,
                        gold.len()
                    );
                    return Err(Error::Input(InputError::field(&dir.join(PAGES), k + 1, "gold", msg)));
                }
                let page = match r.got {
                    Got::Page(p) => Ok(p),
                    Got::Error(e) => Err(e),
                };
                found.push(Found { gold: r.gold, by_id: r.by_id, page });
            }
        }
        let chosen = choose(gold.len(), found).into_iter().flatten().collect();
        let (extractions, golds) = gold.assemble(chosen, issues);
        let mut pages = Vec::with_capacity(extractions.len());
        for e in extractions {
            html_bytes += e.html_bytes;
            outcomes.push(match e.outcome {
                Outcome::Text(text) => PageOutcome::Ok { text, secs: 0.0, wall_s: 0.0 },
                Outcome::Failed(why) => PageOutcome::Failed(why),
                Outcome::Timeout => PageOutcome::Timeout,
            });
            pages.push(Page { id: e.id, html: String::new(), url: e.url });
        }
        Ok(Items::Extract { pages, gold: golds })
    })?;
    if ds.name != first.dataset {
        return Err(Error::Usage(format!("dataset `{}` is now named `{}`; extract again", first.dataset, ds.name)));
    }
    ds.html_bytes = Some(html_bytes);
    ds.scoring = ds.scoring.select(&crate::model::MetricSelection::default(), ds.task());
    let mut done = Extracted { outcomes, ..Extracted::default() };
    let mut seconds = 0.0;
    for m in &metas {
        // A part's times are figures about the run, not its answer: a missing file costs them only.
        let t: PartTime = read_json(&time_file(work, m.part)).unwrap_or_default();
        seconds += t.extract_s;
        done.latencies.extend(t.latencies_ms);
        done.overheads.extend(t.overheads_ms);
        done.pool_used |= t.pool;
    }
    done.runs = vec![seconds];
    let cell = crate::runner::score_extracted(&ds, &sel, done, bootstrap);
    let issues = ds.issues.clone();
    Ok((ds, cell, issues))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_contiguous_runs_covering_every_file_once() {
        for files in 0..9 {
            for count in 1..6 {
                let runs: Vec<_> = (0..count).map(|index| Part { index, count }.range(files)).collect();
                assert_eq!(runs.first().map(|r| r.start), Some(0));
                assert_eq!(runs.last().map(|r| r.end), Some(files));
                assert!(runs.windows(2).all(|w| w[0].end == w[1].start), "{files} files, {count} parts");
            }
        }
    }

    #[test]
    fn page_lines_round_trip() {
        let rows = vec![
            PageLine {
                gold: 3,
                by_id: true,
                got: Got::Page(Extraction {
                    id: "p".into(),
                    url: Some("https://a.example/".into()),
                    html_bytes: 12,
                    outcome: Outcome::Text("hello\n".into()),
                }),
            },
            PageLine {
                gold: 4,
                by_id: false,
                got: Got::Page(Extraction { id: "q".into(), url: None, html_bytes: 0, outcome: Outcome::Timeout }),
            },
            PageLine { gold: 5, by_id: false, got: Got::Error(InputError::file(Path::new("a.warc.gz"), "bad")) },
        ];
        let bytes = jsonl(&rows).unwrap();
        let back: Vec<PageLine> =
            String::from_utf8(bytes).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(back, rows);
    }
}
