//! The runner: every selected strategy on every dataset of its task, scored and timed.
//!
//! Cells (strategy x dataset) run one after another so that their timings do not disturb each
//! other; inside a cell the strategy may use every thread of the pool (`--threads`). A strategy
//! that returns an error or panics fails its cell (or, for extractors, the page), the failure is
//! recorded, and the run goes on.
//!
//! Built-in strategies run in worker processes when [`RunOptions::worker`] names the executable
//! (the CLI does): each extraction page gets a time budget ([`RunOptions::page_timeout`]) and a
//! page that hangs or crashes its worker costs only that page; each deduplication cell runs in
//! a worker of its own under a heap limit ([`RunOptions::memory_limit`]), so a strategy that
//! blows up its memory costs only its cell. Without an executable (library use) they run on the
//! rayon pool in this process, with no budget. Declared engines always run in their own
//! processes, under the page budget or the cell budget ([`RunOptions::cell_timeout`]).

pub mod timing;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::engine::{Launch, Link, Log, Pool, Ready};
use crate::error::{Error, isolate};
use crate::metrics;
use crate::metrics::bootstrap::{self, Bootstrap};
use crate::model::catalogue::STRATEGY_PREFIX;
use crate::model::{Dataset, Doc, DocView, Items, StreamedDocs, Task};
use crate::strategy::{DedupOutput, Deduplicator, Extractor, Origin, Registry, Strategy};

pub use crate::engine::PageOutcome;
pub use timing::{median, percentile};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Timed runs per cell; the reported time is their median.
    pub repeat: usize,
    /// Worker threads (rayon pool size), and extraction worker processes.
    pub threads: usize,
    /// Time budget of one page; a page over it is recorded as a timeout (worker processes only).
    pub page_timeout: Duration,
    /// The `corpusbench` executable to start extraction workers from (`worker` subcommand);
    /// `None` extracts in this process, without a time budget.
    pub worker: Option<PathBuf>,
    /// Time budget of a whole cell of a deduplicating engine.
    pub cell_timeout: Duration,
    /// Where engines' and workers' standard error is kept (`NAME.log`); dropped when `None`.
    pub log_dir: Option<PathBuf>,
    /// The most heap a built-in deduplicator may hold at once in its worker process; past it
    /// the cell fails and the run goes on. `None`: no limit.
    pub memory_limit: Option<u64>,
    /// Resamples for confidence intervals and paired comparisons (0 resamples: none).
    pub bootstrap: Bootstrap,
}

impl RunOptions {
    /// `repeat` runs on `threads` threads, in process, with the default page budget.
    pub fn in_process(repeat: usize, threads: usize) -> RunOptions {
        RunOptions {
            repeat,
            threads,
            page_timeout: DEFAULT_PAGE_TIMEOUT,
            worker: None,
            cell_timeout: DEFAULT_CELL_TIMEOUT,
            log_dir: None,
            memory_limit: None,
            bootstrap: Bootstrap { resamples: 0, ..Bootstrap::default() },
        }
    }
}

/// The default per-page time budget of extractors.
pub const DEFAULT_PAGE_TIMEOUT: Duration = Duration::from_secs(10);

/// The default budget of a whole cell of a deduplicating engine.
pub const DEFAULT_CELL_TIMEOUT: Duration = Duration::from_secs(3600);

/// A strategy to run, with the spec it was built from (its name in reports).
pub struct Selected {
    /// The spec as given, e.g. `lines:norm=ws`.
    pub spec: String,
    /// The built strategy.
    pub strategy: Strategy,
    /// Where it was registered; only built-ins and testing aids can be rebuilt in a worker
    /// process, so a library user's own extractor runs in this process.
    pub origin: Origin,
    /// Whether the registry it came from has the testing aids (its workers must install them).
    pub testing_aids: bool,
    /// How to start it, for a declared engine ([`Origin::Engine`]).
    pub launch: Option<Launch>,
}

impl Selected {
    /// Builds `spec` from `registry`.
    pub fn build(registry: &Registry, spec: &str) -> Result<Selected, Error> {
        let spec = spec.trim();
        let (info, params) = registry.params(spec)?;
        let launch = match &info.engine {
            Some(decl) => Some(crate::strategy::engine::launch(decl, &params)?),
            None => None,
        };
        Ok(Selected {
            spec: spec.to_string(),
            strategy: (info.build)(&params)?,
            origin: info.origin,
            testing_aids: registry.has_testing_aids(),
            launch,
        })
    }

    /// A strategy built by the caller, outside any registry; it runs in this process.
    pub fn in_process(spec: &str, strategy: Strategy) -> Selected {
        Selected { spec: spec.to_string(), strategy, origin: Origin::Library, testing_aids: false, launch: None }
    }
}

/// The outcome of one strategy on one dataset.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Dataset name.
    pub dataset: String,
    /// Dataset task.
    pub task: Task,
    /// Strategy spec.
    pub strategy: String,
    /// Quality metrics and strategy figures, in a fixed order (deterministic).
    pub metrics: Vec<(String, f64)>,
    /// Timing, when the strategy ran.
    pub timing: Option<Timing>,
    /// Why the cell failed, when it did.
    pub failure: Option<String>,
    /// Per-document figures the strategy reported (see `DedupOutput::doc_stats`).
    pub doc_stats: Vec<(String, Vec<f64>)>,
    /// The cell's answer, checked against benchmark definitions before a time is recorded.
    pub answer: Answer,
    /// What a declared engine said of itself (the system and its version).
    pub engine: Option<Ready>,
    /// Each interval metric's value on every bootstrap resample, in resample order (NaN where
    /// a resample lacks it); the paired comparisons take differences of these.
    pub resampled: Vec<(String, Vec<f64>)>,
    /// Examples for the report's drill-down: worst pages, or missed and false pairs.
    pub examples: Vec<crate::metrics::examples::Example>,
}

/// What a strategy answered on a dataset, in the units benchmark definitions check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Answer {
    /// Characters a cleaner would remove (deduplicators).
    pub removed_chars: Option<u64>,
    /// Distinct clusters (clustering deduplicators).
    pub clusters: Option<u64>,
}

/// Timing of one cell.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Wall seconds of each repeat.
    pub runs: Vec<f64>,
    /// Median wall seconds.
    pub wall_s: f64,
    /// Documents or pages processed per repeat.
    pub docs: usize,
    /// Input bytes processed per repeat.
    pub bytes: u64,
    /// Per-page extraction latency in milliseconds, (p50, p99), over every page that finished in
    /// every repeat (extractors only).
    pub latency_ms: Option<(f64, f64)>,
    /// Per-page latency in ms at every 5th percentile (0, 5, ..., 100), for the report's
    /// distribution; empty when there are no per-page times.
    pub latency_quantiles_ms: Vec<f64>,
}

impl Timing {
    fn new(runs: Vec<f64>, docs: usize, bytes: u64) -> Timing {
        Timing { wall_s: median(&runs), runs, docs, bytes, latency_ms: None, latency_quantiles_ms: Vec::new() }
    }

    /// Timing figures as named metrics (`wall_s`, `docs_per_s`, `mb_per_s`, and for extractors
    /// `latency_p50_ms`, `latency_p99_ms`).
    pub fn metrics(&self) -> Vec<(String, f64)> {
        let per_s = |x: f64| if self.wall_s > 0.0 { x / self.wall_s } else { 0.0 };
        let mut m = vec![
            ("wall_s".into(), self.wall_s),
            ("docs_per_s".into(), per_s(self.docs as f64)),
            ("mb_per_s".into(), per_s(self.bytes as f64 / 1e6)),
        ];
        if let Some((p50, p99)) = self.latency_ms {
            m.push(("latency_p50_ms".into(), p50));
            m.push(("latency_p99_ms".into(), p99));
        }
        m
    }
}

/// Whether any of `strategies` reads pages' HTML: an engine, or an extractor whose
/// `reads_html` is true. When none does, extraction pages need not be loaded with it.
pub fn reads_html(strategies: &[Selected]) -> bool {
    strategies.iter().any(|s| match &s.strategy {
        Strategy::Extract(e) => s.launch.is_some() || e.reads_html(),
        Strategy::Dedup(_) => false,
    })
}

/// Runs every strategy of a matching task on every dataset; `on_cell` is told when each cell
/// starts (for progress display).
pub fn run(
    datasets: &[Dataset],
    strategies: &[Selected],
    options: RunOptions,
    on_cell: &mut dyn FnMut(&str, &str),
) -> Result<Vec<Cell>, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", options.threads)))?;
    let mut cells = Vec::new();
    for ds in datasets {
        let first = cells.len();
        // An extraction dataset's breakdown groups, made by its first scored cell for them all.
        let shared = Shared::default();
        for sel in strategies.iter().filter(|s| s.strategy.task() == ds.task()) {
            on_cell(&ds.name, &sel.spec);
            let cell = pool.install(|| run_cell(ds, sel, &options, &shared));
            cells.push(cell);
        }
        compare_with_leader(ds.primary_metric(), &mut cells[first..]);
    }
    Ok(cells)
}

/// Adds the interval companions of every interval metric of `cell` from the resamples of each
/// pass (its units, and the metrics of a resample of them), and keeps the resampled values for
/// the paired comparisons.
fn add_intervals(cell: &mut Cell, boot: &Bootstrap, passes: &[bootstrap::Pass<'_>]) {
    if !boot.on() {
        return;
    }
    // One unit resamples to itself: no interval, and no comparison, can come of it.
    let passes: Vec<&bootstrap::Pass<'_>> = passes.iter().filter(|p| p.units >= 2).collect();
    // Where each name is first given: its pass and position.
    let mut first: std::collections::HashMap<&str, (usize, usize), crate::text::hash::PlainKeys> = Default::default();
    for (k, pass) in passes.iter().enumerate() {
        for (i, name) in pass.names.iter().enumerate() {
            first.entry(name.as_str()).or_insert((k, i));
        }
    }
    let rows: Vec<Vec<Vec<f64>>> = passes.iter().map(|pass| boot.replicate(pass)).collect();
    // Each interval metric's value in each resample (NaN where the resample lacks it); a metric
    // named twice in the cell takes the same values both times.
    let resampled: Vec<(String, Vec<f64>)> = cell
        .metrics
        .iter()
        .map(|(m, _)| m)
        .filter(|m| crate::model::catalogue::has_interval(m))
        .map(|m| {
            let values = match first.get(m.as_str()) {
                Some(&(k, i)) => rows[k].iter().map(|row| row.get(i).copied().unwrap_or(f64::NAN)).collect(),
                None => vec![f64::NAN; boot.resamples],
            };
            (m.clone(), values)
        })
        .collect();
    cell.resampled = resampled;
    let companions = bootstrap::companions(&cell.resampled);
    cell.metrics.extend(companions);
}

/// Compares every cell of one dataset with its leader (the best point value of `primary`) on
/// the same resamples: the difference's interval, its p-value, and whether the two are tied.
fn compare_with_leader(primary: &str, cells: &mut [Cell]) {
    let point = |c: &Cell| c.metrics.iter().find(|(m, _)| m == primary).map(|(_, v)| *v);
    let resampled = |c: &Cell| c.resampled.iter().find(|(m, _)| m == primary).map(|(_, v)| v.clone());
    let leader = cells
        .iter()
        .enumerate()
        .filter(|(_, c)| c.failure.is_none() && resampled(c).is_some())
        .filter_map(|(i, c)| point(c).map(|v| (i, v)))
        .fold(None, |best: Option<(usize, f64)>, (i, v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((i, v)),
        });
    let Some((lead, lead_point)) = leader else { return };
    let Some(lead_values) = resampled(&cells[lead]) else { return };
    for (i, cell) in cells.iter_mut().enumerate() {
        if i == lead || cell.failure.is_some() {
            continue;
        }
        let (Some(values), Some(own)) = (resampled(cell), point(cell)) else { continue };
        if values.len() != lead_values.len() {
            continue;
        }
        let diffs: Vec<f64> = values.iter().zip(&lead_values).map(|(a, b)| a - b).collect();
        let Some(p) = bootstrap::paired(&diffs) else { continue };
        cell.metrics.extend([
            (format!("{primary}:{}", bootstrap::DIFF), own - lead_point),
            (format!("{primary}:{}", bootstrap::DIFF_LOW), p.interval.low),
            (format!("{primary}:{}", bootstrap::DIFF_HIGH), p.interval.high),
            (format!("{primary}:{}", bootstrap::P), p.p),
            (format!("{primary}:{}", bootstrap::TIED), if p.tied() { 1.0 } else { 0.0 }),
        ]);
    }
}

/// What a dataset's extraction cells share, made by the first cell that needs it: the breakdown
/// groups of its pages by kind (`metrics::extract::breakdown_labels`) and its gold side
/// prepared for scoring.
#[derive(Default)]
struct Shared {
    groups: std::sync::OnceLock<Vec<(metrics::groups::Kind, Vec<Option<String>>)>>,
    gold: std::sync::OnceLock<metrics::extract::GoldSide>,
}

impl Cell {
    /// The cell of `sel` on `ds` before anything is measured or scored.
    fn empty(ds: &Dataset, sel: &Selected) -> Cell {
        Cell {
            dataset: ds.name.clone(),
            task: ds.task(),
            strategy: sel.spec.clone(),
            metrics: Vec::new(),
            timing: None,
            failure: None,
            doc_stats: Vec::new(),
            answer: Answer::default(),
            engine: None,
            resampled: Vec::new(),
            examples: Vec::new(),
        }
    }
}

fn run_cell(ds: &Dataset, sel: &Selected, options: &RunOptions, shared: &Shared) -> Cell {
    let repeat = options.repeat.max(1);
    let mut cell = Cell::empty(ds, sel);
    match (&sel.strategy, &ds.items) {
        (Strategy::Dedup(s), Items::Dedup { .. } | Items::Streamed { .. })
            if sel.launch.is_some()
                || (options.worker.is_some() && matches!(sel.origin, Origin::Builtin | Origin::TestingAid)) =>
        {
            let Some((docs, gold)) = DocsRef::of(&ds.items) else { return cell };
            let engine = sel.launch.is_some();
            if !engine && matches!(docs, DocsRef::Streamed(_)) && s.stream().is_none() {
                eprintln!("note: `{}` has no streaming form; it is given every document at once", sel.spec);
            }
            let launch = match (&sel.launch, &options.worker) {
                (Some(launch), _) => with_log(launch, &sel.spec, options),
                (None, Some(exe)) => {
                    let worker = crate::child::worker::WorkerOptions {
                        threads: options.threads,
                        memory_limit: options.memory_limit,
                    };
                    let registry = crate::child::registry(sel.testing_aids);
                    match crate::child::worker::launch(exe, &registry, &sel.spec, worker, log_for(&sel.spec, options)) {
                        Ok(l) => l,
                        Err(e) => {
                            cell.failure = Some(e.to_string());
                            return cell;
                        }
                    }
                }
                (None, None) => return cell,
            };
            let mut link = match Link::start(&launch) {
                Ok(link) => link,
                Err(e) => {
                    cell.failure = Some(e);
                    return cell;
                }
            };
            if engine {
                cell.engine = Some(link.ready.clone());
            }
            let mut runs = Vec::with_capacity(repeat);
            let mut peak = 0u64;
            let mut first: Option<crate::engine::DedupAnswer> = None;
            // corpusbench's own worker reads a streamed dataset's shards itself: the documents
            // are parsed once, in the process that needs them, and never cross the pipe.
            let files = match &docs {
                DocsRef::Streamed(d) if !engine && s.stream().is_some() => d
                    .source
                    .as_any()
                    .downcast_ref::<crate::corpus::shards::ShardSource>()
                    .and_then(|source| serde_json::to_value(source).ok()),
                _ => None,
            };
            for _ in 0..repeat {
                let t0 = Instant::now();
                let answer = match &files {
                    Some(files) => link.dedup_files(&docs, files, options.cell_timeout),
                    None => link.dedup_from(&docs, &mut |each| docs.feed(each), options.cell_timeout),
                };
                let round_trip = t0.elapsed().as_secs_f64();
                match answer {
                    Err(e) => {
                        cell.failure = Some(match options.memory_limit {
                            Some(limit) if e.contains(crate::cost::OVER_BUDGET) => {
                                format!(
                                    "the strategy's heap would exceed the memory limit of {} MB: {e}",
                                    limit / 1_000_000
                                )
                            }
                            _ => e,
                        });
                        return cell;
                    }
                    Ok(a) => {
                        // A built-in is timed inside its worker, around the strategy call alone
                        // (as in process); an engine by the round trip the user waits for.
                        runs.push(if engine { round_trip } else { a.compute_s });
                        peak = peak.max(a.peak_heap_bytes.unwrap_or(0));
                        match &first {
                            None => first = Some(a),
                            Some(f) if f.output != a.output => {
                                cell.failure = Some("output differs between repeats (nondeterministic)".into());
                                return cell;
                            }
                            Some(_) => {}
                        }
                    }
                }
            }
            drop(link);
            let Some(answer) = first else { return cell };
            let engine_figures = if engine {
                vec![
                    ("failed_docs".to_string(), answer.failed_docs as f64),
                    ("engine_compute_s".to_string(), answer.compute_s),
                ]
            } else {
                Vec::new()
            };
            // A built-in in a worker is the same strategy as the one built here: its pair model
            // is this process's (an engine has none).
            let scored = Scored { output: answer.output, model: s.pair_model() };
            score_dedup(&mut cell, ds, &docs, gold, scored, engine_figures, peak, runs, &options.bootstrap);
        }
        (Strategy::Dedup(s), Items::Dedup { .. } | Items::Streamed { .. }) => {
            let Some((docs, gold)) = DocsRef::of(&ds.items) else { return cell };
            let mut runs = Vec::with_capacity(repeat);
            let mut first: Option<DedupOutput> = None;
            let mut peak = 0u64;
            for _ in 0..repeat {
                let t0 = Instant::now();
                let (out, allocs) = crate::cost::measured(|| isolate(|| docs.dedup(s.as_ref())));
                runs.push(t0.elapsed().as_secs_f64());
                peak = peak.max(allocs.peak_bytes);
                match out {
                    Err(e) => {
                        cell.failure = Some(e);
                        return cell;
                    }
                    Ok(out) => match &first {
                        None => first = Some(out),
                        Some(f) if *f != out => {
                            cell.failure = Some("output differs between repeats (nondeterministic)".into());
                            return cell;
                        }
                        Some(_) => {}
                    },
                }
            }
            let Some(out) = first else { return cell };
            let scored = Scored { output: out, model: s.pair_model() };
            score_dedup(&mut cell, ds, &docs, gold, scored, Vec::new(), peak, runs, &options.bootstrap);
        }
        (Strategy::Extract(s), Items::Extract { pages, gold }) => {
            let mut pool = match start_pool(sel, s.as_ref(), options) {
                Ok(pool) => pool,
                Err(e) => {
                    cell.failure = Some(e);
                    return cell;
                }
            };
            if sel.launch.is_some() {
                cell.engine = pool.as_ref().map(|p| p.ready().clone());
            }
            let mut done = Extracted::default();
            // Scores, failures and timeouts come from the first repeat; latencies from every
            // repeat; a page extracted in two repeats must give the same text both times.
            let mut first: Option<Vec<PageOutcome>> = None;
            for _ in 0..repeat {
                let outcomes = done.add_run(pool.as_mut(), s.as_ref(), pages, options.page_timeout);
                match &first {
                    None => first = Some(outcomes),
                    Some(f) => {
                        if let Some(i) = differing_page(f, &outcomes) {
                            cell.failure = Some(format!(
                                "output differs between repeats on page `{}` (nondeterministic)",
                                pages[i].id
                            ));
                            return cell;
                        }
                    }
                }
            }
            done.pool_used = pool.is_some();
            drop(pool);
            done.outcomes = first.unwrap_or_default();
            score_pages(&mut cell, ds, pages, gold, shared, done, &options.bootstrap);
        }
        _ => cell.failure = Some(format!("strategy is not for {} datasets", ds.task())),
    }
    cell
}

/// What extracting a dataset's pages gave: each page's outcome (of the first repeat), the wall
/// seconds of each repeat, every finished page's latency and protocol overhead (ms), and
/// whether the pages went through a pool of worker processes.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    /// Each page's outcome, in page order.
    pub outcomes: Vec<PageOutcome>,
    /// Wall seconds of each repeat.
    pub runs: Vec<f64>,
    /// Latency of every finished page, ms.
    pub latencies: Vec<f64>,
    /// Protocol overhead of every finished page, ms.
    pub overheads: Vec<f64>,
    /// Whether a pool of processes served the pages.
    pub pool_used: bool,
}

impl Extracted {
    /// Extracts `pages` once (through `pool`, or in this process), adding the repeat's time,
    /// latencies and overheads; gives the outcomes.
    fn add_run(
        &mut self,
        pool: Option<&mut Pool>,
        s: &dyn Extractor,
        pages: &[crate::model::Page],
        budget: Duration,
    ) -> Vec<PageOutcome> {
        let t0 = Instant::now();
        let outcomes = match pool {
            Some(pool) => pool.run(pages, budget),
            None => extract_in_process(s, pages),
        };
        self.runs.push(t0.elapsed().as_secs_f64());
        for o in &outcomes {
            if let PageOutcome::Ok { secs, wall_s, .. } = o {
                self.latencies.push(secs * 1e3);
                self.overheads.push((wall_s - secs).max(0.0) * 1e3);
            }
        }
        outcomes
    }
}

/// The pool of processes an extractor's pages go through, as `run` starts it: a declared
/// engine's, or workers of this executable for a built-in that reads HTML (one per thread);
/// `None` extracts in this process.
fn start_pool(sel: &Selected, s: &dyn Extractor, options: &RunOptions) -> Result<Option<Pool>, String> {
    let launch = match (&sel.launch, &options.worker, sel.origin) {
        (Some(launch), _, _) => Some(Ok(with_log(launch, &sel.spec, options))),
        (None, Some(exe), Origin::Builtin | Origin::TestingAid) if s.reads_html() => {
            // The workers build from the registry their command line gives them; an
            // extractor that reads no HTML has nothing to isolate and runs here.
            let log = log_for(&sel.spec, options);
            let registry = crate::child::registry(sel.testing_aids);
            let worker = crate::child::worker::WorkerOptions { threads: 1, memory_limit: None };
            Some(crate::child::worker::launch(exe, &registry, &sel.spec, worker, log).map_err(|e| e.to_string()))
        }
        _ => None,
    };
    launch.map(|l| l.and_then(|l| Pool::start(&l, options.threads))).transpose()
}

/// Extracts `pages` once with `sel` as `run` does (the same processes, page budget and
/// failure isolation), for a stage that extracts part of a dataset (`crate::stage::extract`).
pub fn extract_pages(sel: &Selected, pages: &[crate::model::Page], options: &RunOptions) -> Result<Extracted, String> {
    let Strategy::Extract(s) = &sel.strategy else {
        return Err(format!("`{}` is not an extractor", sel.spec));
    };
    let mut pool = start_pool(sel, s.as_ref(), options)?;
    let mut done = Extracted::default();
    done.outcomes = done.add_run(pool.as_mut(), s.as_ref(), pages, options.page_timeout);
    done.pool_used = pool.is_some();
    Ok(done)
}

/// An extraction cell scored from pages extracted elsewhere (the extraction stages,
/// `crate::stage::extract`): what running `sel` on `ds` gives when its pages' outcomes are
/// `done`'s. Called on the current rayon pool.
pub fn score_extracted(ds: &Dataset, sel: &Selected, done: Extracted, bootstrap: &Bootstrap) -> Cell {
    let mut cell = Cell::empty(ds, sel);
    let Items::Extract { pages, gold } = &ds.items else {
        cell.failure = Some(format!("strategy is not for {} datasets", ds.task()));
        return cell;
    };
    if done.outcomes.len() != pages.len() {
        cell.failure = Some(format!("{} outcomes for {} pages", done.outcomes.len(), pages.len()));
        return cell;
    }
    score_pages(&mut cell, ds, pages, gold, &Shared::default(), done, bootstrap);
    cell
}

/// Fills an extraction cell from its pages' outcomes: the cell fails when every page failed or
/// timed out; else the metrics, worst pages, intervals, failure counts and timing.
fn score_pages(
    cell: &mut Cell,
    ds: &Dataset,
    pages: &[crate::model::Page],
    gold: &[crate::model::ExtractGold],
    shared: &Shared,
    done: Extracted,
    bootstrap: &Bootstrap,
) {
    let Extracted { outcomes, runs, latencies, overheads, pool_used } = done;
    let failed = outcomes.iter().filter(|o| matches!(o, PageOutcome::Failed(_))).count();
    let timeouts = outcomes.iter().filter(|o| matches!(o, PageOutcome::Timeout)).count();
    // An extractor that produced nothing for any page has no scores worth ranking.
    if !pages.is_empty() && failed + timeouts == pages.len() {
        let first = outcomes.iter().find_map(|o| match o {
            PageOutcome::Failed(e) => Some(e.as_str()),
            _ => None,
        });
        cell.failure = Some(match first {
            Some(e) => {
                format!("all {} pages failed or timed out ({timeouts} timed out); first error: {e}", pages.len())
            }
            None => format!("all {} pages timed out", pages.len()),
        });
        return;
    }
    let texts: Vec<String> = outcomes
        .into_iter()
        .map(|o| match o {
            PageOutcome::Ok { text, .. } => text,
            _ => String::new(),
        })
        .collect();
    let groups = shared.groups.get_or_init(|| {
        let urls: Vec<Option<&str>> = pages.iter().map(|p| p.url.as_deref()).collect();
        let ids: Vec<&str> = pages.iter().map(|p| p.id.as_str()).collect();
        let cache = crate::corpus::fingerprint::user_cache_dir()
            .and_then(|dir| metrics::groups::LanguageCache::new(&dir, &ds.fingerprint));
        metrics::extract::breakdown_labels_cached(gold, &ids, &urls, cache.as_ref())
    });
    let prepared = shared.gold.get_or_init(|| metrics::extract::GoldSide::new(&ds.scoring, gold));
    let scored = metrics::extract::Scored::against(&ds.scoring, gold, prepared, &texts).with_labels(groups);
    cell.metrics = scored.metrics(None);
    cell.examples = metrics::examples::worst_pages(pages, gold, &texts, &scored.page_scores());
    add_intervals(cell, bootstrap, &[scored.pass()]);
    cell.metrics.push(("failed_pages".into(), failed as f64));
    cell.metrics.push(("timeout_pages".into(), timeouts as f64));
    if pool_used && !overheads.is_empty() {
        cell.metrics.push(("overhead_p50_ms".into(), percentile(&overheads, 50.0)));
    }
    let mut timing = Timing::new(runs, pages.len(), ds.input_bytes());
    if !latencies.is_empty() {
        timing.latency_ms = Some((percentile(&latencies, 50.0), percentile(&latencies, 99.0)));
        timing.latency_quantiles_ms = (0..=20).map(|q| percentile(&latencies, q as f64 * 5.0)).collect();
    }
    cell.timing = Some(timing);
}

/// A dedup cell scored from an output computed elsewhere (the stage pipeline, `crate::stage`):
/// the metrics, figures, examples and answer that running `sel` on `ds` would give when it
/// answers `output`, with `runs` as its times. Called on the current rayon pool.
pub fn score_given(ds: &Dataset, sel: &Selected, output: DedupOutput, runs: Vec<f64>, bootstrap: &Bootstrap) -> Cell {
    let mut cell = Cell::empty(ds, sel);
    let (Strategy::Dedup(s), Some((docs, gold))) = (&sel.strategy, DocsRef::of(&ds.items)) else {
        cell.failure = Some(format!("strategy is not for {} datasets", ds.task()));
        return cell;
    };
    let scored = Scored { output, model: s.pair_model() };
    score_dedup(&mut cell, ds, &docs, gold, scored, Vec::new(), 0, runs, bootstrap);
    cell
}

/// A deduplicator's output with the strategy's pair model, if it has one.
struct Scored<'a> {
    output: DedupOutput,
    model: Option<&'a dyn crate::strategy::PairModel>,
}

/// Fills a dedup cell from its checked output: the metrics (with the S-curve rows when the
/// strategy has a pair model), the strategy's own figures, `extra` figures of the runner,
/// intervals, the heap high-water mark (known only where the binary's counting allocator is
/// installed, in process or in a worker), the answer and the timing.
#[allow(clippy::too_many_arguments)]
fn score_dedup<D: DocView + ?Sized>(
    cell: &mut Cell,
    ds: &Dataset,
    docs: &D,
    gold: &crate::model::DedupGold,
    scored: Scored<'_>,
    extra: Vec<(String, f64)>,
    peak: u64,
    runs: Vec<f64>,
    bootstrap: &Bootstrap,
) {
    let out = scored.output;
    if let Err(e) = out.validate(docs) {
        cell.failure = Some(e);
        return;
    }
    cell.metrics = metrics::dedup::score(docs, gold, &ds.scoring, &out);
    if let Some(model) = scored.model {
        cell.metrics.extend(metrics::dedup::s_curve(docs, gold, &ds.scoring, &out, model, bootstrap.seed));
    }
    if bootstrap.on() {
        let resampler = metrics::dedup::Resampler::new(docs, gold, &ds.scoring, &out);
        add_intervals(cell, bootstrap, &resampler.passes());
    }
    cell.metrics.extend(out.stats.iter().map(|(name, v)| (format!("{STRATEGY_PREFIX}{name}"), *v)));
    cell.metrics.extend(extra);
    if peak > 0 {
        cell.metrics.push(("peak_heap_mb".into(), peak as f64 / 1e6));
    }
    if let (Some(g), Some(p)) = (&gold.clusters, &out.cluster) {
        cell.examples = metrics::examples::pairs(docs, g, p);
    }
    cell.answer = Answer { removed_chars: out.removed_chars(docs), clusters: out.cluster_count() };
    cell.doc_stats = out.doc_stats;
    cell.timing = Some(Timing::new(runs, docs.count(), ds.input_bytes()));
}

/// A dedup dataset's documents, held in memory or streamed from their files.
#[derive(Clone, Copy)]
enum DocsRef<'a> {
    Loaded(&'a [Doc]),
    Streamed(&'a StreamedDocs),
}

impl<'a> DocsRef<'a> {
    /// The documents and gold of a dedup dataset's items.
    fn of(items: &'a Items) -> Option<(DocsRef<'a>, &'a crate::model::DedupGold)> {
        match items {
            Items::Dedup { docs, gold } => Some((DocsRef::Loaded(docs), gold)),
            Items::Streamed { docs, gold } => Some((DocsRef::Streamed(docs), gold)),
            Items::Extract { .. } => None,
        }
    }

    /// Hands the documents to `each` in batches, in dataset order.
    fn feed(&self, each: &mut dyn FnMut(&[Doc]) -> Result<(), String>) -> Result<(), String> {
        match self {
            DocsRef::Loaded(docs) => each(docs),
            DocsRef::Streamed(s) => s.source.batches(crate::model::docs::BATCH_BYTES, each),
        }
    }

    /// Runs `dedup` in this process: its streaming form batch by batch when the documents are
    /// streamed and it has one; else on every document at once (read into memory when
    /// streamed, which the run reports).
    fn dedup(&self, dedup: &dyn Deduplicator) -> Result<DedupOutput, String> {
        match (self, dedup.stream()) {
            (DocsRef::Loaded(docs), _) => dedup.dedup(docs).map_err(|e| e.to_string()),
            (DocsRef::Streamed(s), Some(mut stream)) => {
                let mut failed = None;
                self.feed(&mut |batch| {
                    stream.push(batch).map_err(|e| {
                        failed = Some(e.to_string());
                        String::new()
                    })
                })
                .map_err(|e| failed.take().unwrap_or(e))?;
                crate::strategy::finish_stream(stream, &mut |wanted, each| {
                    s.source.select(wanted, &mut |i, doc| each(i, std::borrow::Cow::Owned(doc.text)))
                })
                .map_err(|e| e.to_string())
            }
            (DocsRef::Streamed(_), None) => {
                eprintln!("note: `{}` has no streaming form; it is given every document at once", dedup.name());
                let mut all = Vec::new();
                self.feed(&mut |batch| {
                    all.extend_from_slice(batch);
                    Ok(())
                })?;
                dedup.dedup(&all).map_err(|e| e.to_string())
            }
        }
    }
}

impl DocView for DocsRef<'_> {
    fn count(&self) -> usize {
        match self {
            DocsRef::Loaded(d) => d.count(),
            DocsRef::Streamed(d) => d.count(),
        }
    }
    fn id(&self, i: usize) -> &str {
        match self {
            DocsRef::Loaded(d) => d.id(i),
            DocsRef::Streamed(d) => d.id(i),
        }
    }
    fn char_len(&self, i: usize) -> usize {
        match self {
            DocsRef::Loaded(d) => d.char_len(i),
            DocsRef::Streamed(d) => d.char_len(i),
        }
    }
    fn texts(&self, wanted: &[u32]) -> Result<Vec<std::borrow::Cow<'_, str>>, String> {
        match self {
            DocsRef::Loaded(d) => d.texts(wanted),
            DocsRef::Streamed(d) => d.texts(wanted),
        }
    }
}

/// The first page extracted in both repeats with different texts.
fn differing_page(a: &[PageOutcome], b: &[PageOutcome]) -> Option<usize> {
    a.iter().zip(b).position(|pair| match pair {
        (PageOutcome::Ok { text: x, .. }, PageOutcome::Ok { text: y, .. }) => x != y,
        _ => false,
    })
}

/// Extracts every page on the current rayon pool, timing each; panics become failures.
fn extract_in_process(extractor: &dyn Extractor, pages: &[crate::model::Page]) -> Vec<PageOutcome> {
    use rayon::prelude::*;
    pages
        .par_iter()
        .map(|p| {
            let t0 = Instant::now();
            match isolate(|| extractor.extract(p).map_err(|e| e.to_string())) {
                Ok(text) => {
                    let secs = t0.elapsed().as_secs_f64();
                    PageOutcome::Ok { text, secs, wall_s: secs }
                }
                Err(e) => PageOutcome::Failed(e),
            }
        })
        .collect()
}

/// Where the standard error of `spec`'s processes goes in this run.
fn log_for(spec: &str, options: &RunOptions) -> Option<std::sync::Arc<Log>> {
    let dir = options.log_dir.as_ref()?;
    Some(std::sync::Arc::new(Log::new(&dir.join(crate::engine::log_name(spec)))))
}

/// `launch`, with its standard error going to this run's log of `spec`.
fn with_log(launch: &Launch, spec: &str, options: &RunOptions) -> Launch {
    Launch { log: log_for(spec, options), ..launch.clone() }
}
