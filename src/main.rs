//! The `corpusbench` command line: `run`, `synth`, `list`, `bench`, `cost`, `gate` (and the hidden
//! `worker`, which the runner starts to extract pages under a time budget, and `cost-worker`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use corpusbench::child;
use corpusbench::corpus::discover;
use corpusbench::error::{Error, InputError};
use corpusbench::io::write_atomic;
use corpusbench::model::Dataset;
use corpusbench::report;
use corpusbench::runner::{self, RunOptions, Selected};
use corpusbench::strategy::Registry;

/// The most timed runs per cell `--repeat` accepts.
const MAX_REPEAT: u64 = 1000;
/// The most threads (and extraction worker processes) `--threads` accepts.
const MAX_THREADS: u64 = 1024;

/// The exit codes of every command, in one place (the README's table says the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// 0: everything ran clean (for `gate`: no regression).
    Clean,
    /// 1: nothing could run (a bad argument, an unknown strategy or parameter, no dataset, no
    /// strategy for any dataset's task), or `gate` found a regression.
    Failed,
    /// 2: the command completed, but input records were malformed (and left out), a cell
    /// failed, or a benchmark answer was wrong.
    Partial,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(match e {
            Exit::Clean => 0,
            Exit::Failed => 1,
            Exit::Partial => 2,
        })
    }
}

#[global_allocator]
static ALLOC: corpusbench::cost::CountingAlloc = corpusbench::cost::CountingAlloc;

/// Benchmark text deduplication and extraction strategies on labeled data.
#[derive(Parser)]
#[command(name = "corpusbench", version, about)]
struct Cli {
    /// Also install the testing aids (`sleep`) in the registry (for the test suite).
    #[arg(long = child::TESTING_AIDS, global = true, hide = true)]
    testing_aids: bool,
    /// A folder of engine declarations (`NAME.toml`, see docs/engines.md), besides `engines/`
    /// (repeatable).
    #[arg(long = "engines", global = true, value_name = "DIR")]
    engines: Vec<PathBuf>,
    /// The largest record a loader reads, in MiB after decompression (1 to 1048576): a JSON
    /// line, or a file read whole (a page, a JSON document, a saved output). A record over it is
    /// a malformed record of its own, so a gzip bomb cannot take the run's memory.
    #[arg(long, global = true, default_value_t = corpusbench::io::DEFAULT_RECORD_MB,
          value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    max_record_mb: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run strategies on datasets, score them, time them and print a leaderboard.
    Run(RunArgs),
    /// Run every point of parameter sweeps (`-s 'minhash:threshold=0.5..0.95/0.05'`,
    /// `-s 'minhash:bands={10,14,20},rows={5,8}'`) and mark the Pareto front of quality
    /// against throughput; the same reports as `run`.
    Sweep(RunArgs),
    /// Generate a labeled deduplication dataset from any text (seeded, deterministic).
    Synth(SynthArgs),
    /// List the built-in strategies (with parameters) and the datasets found.
    List {
        /// Dataset folder, or a folder of dataset folders (repeatable).
        #[arg(long, default_value = "corpus")]
        corpus: Vec<PathBuf>,
    },
    /// Repeated timed runs: median and spread per cell, ratio to a reference strategy measured
    /// in the same run, and scaling over 1..N threads.
    Bench(BenchArgs),
    /// Deterministic cost (instructions under valgrind, allocations) of each strategy on each
    /// dataset, single-threaded; writes cost.csv.
    Cost(CostArgs),
    /// Compare a run with a committed baseline; exit 1 on a regression.
    Gate(GateArgs),
    /// Compare two runs of a strategy (before and after a change) on the same bootstrap
    /// resamples: each quality metric's difference B - A, its 95% interval and p-value.
    Compare {
        /// The run folder before (its resamples.jsonl).
        a: PathBuf,
        /// The run folder after.
        b: PathBuf,
        /// Exit 1 when some metric is worse in B, beyond doubt at 95%.
        #[arg(long)]
        fail_on_worse: bool,
    },
    /// Make the HTML report (`report.html`, one self-contained file) and its Markdown summary
    /// (`report.md`) of a run folder, from its run.json, results.csv and examples.jsonl, and
    /// bench.csv and cost.csv when they are there.
    Report {
        /// The run folder.
        #[arg(default_value = "results")]
        run: PathBuf,
    },
    /// Write the datasets' items as corpusbench decoded them, one JSON object a line
    /// (`{"dataset", "id", "url", "html"}` per page, `{"dataset", "id", "text"}` per document),
    /// so a system can be run on exactly the same input outside corpusbench.
    Export {
        /// Dataset folder, or a folder of dataset folders (repeatable).
        #[arg(long, default_value = "corpus")]
        corpus: Vec<PathBuf>,
        /// The file to write (written atomically).
        #[arg(long)]
        out: PathBuf,
    },
    /// The exact stage pipeline of `minhash`, `exact`, `lines` or `paragraphs` over parts of a dataset's shards,
    /// and of an extractor over parts of a WARC dataset's files (docs/distributed.md): each stage a command a
    /// scheduler can run, and retry, on its own.
    Stage {
        /// Threads of this process's pool (at most 1024); default: all cores.
        #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
        threads: Option<u64>,
        #[command(subcommand)]
        stage: StageCommand,
    },
    /// Serves extraction requests on stdin/stdout for the runner (not for direct use).
    #[command(name = child::WORKER, hide = true)]
    Worker {
        /// The strategy spec to serve.
        #[arg(long)]
        strategy: String,
        /// Threads of a deduplicator's pool.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// The most heap a deduplication may hold at once, bytes.
        #[arg(long)]
        memory_limit: Option<u64>,
    },
    /// Runs one strategy once on one dataset and prints its allocation counts (used by `cost`).
    #[command(name = child::COST_WORKER, hide = true)]
    CostWorker {
        /// The dataset folder.
        #[arg(long)]
        dataset: PathBuf,
        /// The dataset name within the folder.
        #[arg(long)]
        name: String,
        /// The strategy spec.
        #[arg(long)]
        strategy: String,
    },
}

/// The stages of `corpusbench stage`.
#[derive(Subcommand)]
enum StageCommand {
    /// List the dataset's shards (documents, sizes, fingerprints, first ordinals) into
    /// WORK/plan.json, with the strategy and how the work is cut.
    Plan(PlanArgs),
    /// Keys (band keys, or unit hashes) of part i/N's documents, as sorted runs per key partition (Arrow IPC).
    Sign(PartArgs),
    /// Merge partition p/P's runs from every sign part; write its groups and edges, or its duplicate units.
    Bucket(PartArgs),
    /// Union-find over every partition's edges: cluster labels by smallest ordinal (units: counts only).
    Components {
        /// The work folder.
        #[arg(long)]
        work: PathBuf,
        /// Take the labels from `propagate --labels` (components/labels/) instead of union-find.
        #[arg(long)]
        propagated: bool,
    },
    /// One round of label propagation over ordinal range q/P (`minhash` components past one node):
    /// round 0 sends bucket partition q's edges to their ranges; then rounds until none changes.
    Propagate {
        /// The work folder.
        #[arg(long)]
        work: PathBuf,
        /// The round, from 0.
        #[arg(long, value_parser = clap::value_parser!(u64).range(0..99_999))]
        round: u64,
        /// Which range, `q/P` (P the plan's partitions).
        #[arg(long)]
        part: corpusbench::stage::Part,
        /// Write range q's labels from the round's edges (once the round changed nothing).
        #[arg(long)]
        labels: bool,
    },
    /// Kept and removed ids and cluster labels (or duplicate spans) of part i/N's documents.
    Apply(PartArgs),
    /// The metrics `corpusbench run` gives for the strategy on the dataset, from the stages'
    /// outputs (a dedup plan's, or every `extract` part's): results.csv, doc_stats.csv,
    /// examples.jsonl (and resamples.jsonl) in --out.
    Score {
        /// The work folder.
        #[arg(long)]
        work: PathBuf,
        #[command(flatten)]
        score: ScoreArgs,
    },
    /// Extract part i/N (a run of whole WARC files) of a `warc` extraction dataset through the
    /// worker path `run` uses, into WORK/extract/part-i/; `score --work WORK` then gives `run`'s reports.
    Extract(ExtractArgs),
    /// Every stage in this process for N parts (N = 1: the single-machine path), then score.
    Run {
        #[command(flatten)]
        plan: PlanArgs,
        #[command(flatten)]
        score: ScoreArgs,
        /// How `minhash` components are labelled: `union-find` on one node, or `propagate`, rounds
        /// over ordinal ranges as separate tasks would run them.
        #[arg(long, value_enum, default_value = "union-find")]
        components: ComponentsMode,
        /// The most rounds of `--components propagate`.
        #[arg(long, default_value_t = 100)]
        max_rounds: usize,
    },
}

/// How `stage run` labels `minhash` components.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ComponentsMode {
    /// Union-find on one node.
    UnionFind,
    /// Label propagation by rounds over ordinal ranges.
    Propagate,
}

#[derive(clap::Args)]
struct PlanArgs {
    /// The dataset folder (a dedup dataset whose manifest names its shards).
    #[arg(long)]
    corpus: PathBuf,
    /// The strategy spec: `minhash` or a preset without verification, `exact`, `lines` or `paragraphs`.
    #[arg(long = "strategy", short = 's', default_value = "minhash@fineweb")]
    strategy: String,
    /// Sign and apply parts, each a run of whole shards.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=99_999))]
    parts: u64,
    /// Key partitions of the shuffle (bucket tasks).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=99_999))]
    partitions: u64,
    /// The work folder (plan, runs, edges, labels).
    #[arg(long)]
    work: PathBuf,
}

#[derive(clap::Args)]
struct ExtractArgs {
    /// The dataset folder (format `warc`, task `extract`).
    #[arg(long)]
    corpus: PathBuf,
    /// The extraction strategy spec.
    #[arg(long = "strategy", short = 's')]
    strategy: String,
    /// Which part, `i/N` (0-based): WARC files `[i*F/N, (i+1)*F/N)` of the F in load order.
    #[arg(long)]
    part: corpusbench::stage::Part,
    /// The work folder.
    #[arg(long)]
    work: PathBuf,
    /// Time budget of one page, in seconds, as `run --page-timeout`.
    #[arg(long, default_value_t = 10.0, value_parser = parse_seconds)]
    page_timeout: f64,
}

#[derive(clap::Args)]
struct PartArgs {
    /// The work folder.
    #[arg(long)]
    work: PathBuf,
    /// Which part, `i/N` (0-based; N as planned).
    #[arg(long)]
    part: corpusbench::stage::Part,
}

#[derive(clap::Args)]
struct ScoreArgs {
    /// Folder for results.csv, doc_stats.csv and examples.jsonl.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// Bootstrap resamples (at most 100000); 0 turns them off.
    #[arg(long, default_value_t = corpusbench::metrics::bootstrap::DEFAULT_RESAMPLES as u64,
          value_parser = clap::value_parser!(u64).range(0..=100_000))]
    bootstrap: u64,
    /// Seed of the bootstrap resamples and of the S-curve's sample of gold pairs.
    #[arg(long, default_value_t = corpusbench::metrics::bootstrap::DEFAULT_SEED)]
    bootstrap_seed: u64,
}

/// Which datasets and strategies a command works on.
#[derive(clap::Args)]
struct Selection {
    /// Dataset folder, or a folder of dataset folders (repeatable).
    #[arg(long, default_value = "corpus")]
    corpus: Vec<PathBuf>,
    /// Strategy spec, `name` or `name:key=value,...` (repeatable); default: every built-in
    /// strategy of each dataset's task.
    #[arg(long = "strategy", short = 's')]
    strategies: Vec<String>,
}

#[derive(clap::Args)]
struct BenchArgs {
    #[command(flatten)]
    select: Selection,
    /// Reference strategy for time ratios; default: the first strategy of each dataset's task.
    #[arg(long)]
    reference: Option<String>,
    /// Timed runs per cell (1 to 1000).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=MAX_REPEAT))]
    repeat: u64,
    /// Largest thread count of the scaling sweep (1..N, at most 1024); default: all cores.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
    /// Folder for bench.csv.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// Benchmark definitions with expected answers; a cell whose answer differs gets no time.
    /// Default: benches/cases.toml when it exists.
    #[arg(long)]
    cases: Option<PathBuf>,
}

#[derive(clap::Args)]
struct CostArgs {
    #[command(flatten)]
    select: Selection,
    /// Folder for cost.csv (usually the run's --out folder).
    #[arg(long, default_value = "results")]
    out: PathBuf,
}

#[derive(clap::Args)]
struct GateArgs {
    /// The committed baseline.
    #[arg(long, default_value = "gate/baseline.toml")]
    baseline: PathBuf,
    /// The run folder (results.csv, run.json, and cost.csv if measured).
    #[arg(long, default_value = "results")]
    run: PathBuf,
    /// Also write the verdict as Markdown (for a pull-request comment).
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Show every compared metric, not only those that moved.
    #[arg(long)]
    all: bool,
    /// A stricter, optional check: also compare the run with this earlier run on the same
    /// bootstrap resamples, and fail when a metric is worse beyond doubt at 95%.
    #[arg(long)]
    paired_with: Option<PathBuf>,
    /// Stale (dataset changed) and missing cells fail the gate too.
    #[arg(long)]
    strict: bool,
    /// Write this run as the new baseline; refuses if anything got worse.
    #[arg(long)]
    update: bool,
    /// With --update: accept lower quality floors or higher cost ceilings.
    #[arg(long, requires = "update")]
    allow_lower: bool,
}

#[derive(clap::Args)]
struct RunArgs {
    #[command(flatten)]
    select: Selection,
    /// Folder for results.csv and run.json.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// Timed runs per cell (1 to 1000); the median is reported.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=MAX_REPEAT))]
    repeat: u64,
    /// Worker threads (at most 1024); default: all cores.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
    /// Time budget of one page for extractors, in seconds; a page over it is recorded as a
    /// timeout (`timeout_pages`) and the run goes on.
    #[arg(long, default_value_t = 10.0, value_parser = parse_seconds)]
    page_timeout: f64,
    /// Time budget of a whole cell of a deduplicating engine, in seconds; a cell over it fails
    /// and the run goes on.
    #[arg(long, default_value_t = 3600.0, value_parser = parse_seconds)]
    cell_timeout: f64,
    /// The most heap, in MB, a built-in deduplicator may hold at once (it runs in a worker
    /// process); a cell over it fails and the run goes on. Default: half the machine's memory;
    /// 0: no limit.
    #[arg(long)]
    memory_limit: Option<u64>,
    /// Bootstrap resamples for confidence intervals and comparisons with each dataset's leader
    /// (at most 100000); 0 turns them off.
    #[arg(long, default_value_t = corpusbench::metrics::bootstrap::DEFAULT_RESAMPLES as u64,
          value_parser = clap::value_parser!(u64).range(0..=100_000))]
    bootstrap: u64,
    /// Metric families to compute, comma-separated: `default` (each dataset's own), and any of
    /// cluster, edge, span, removal, shingle, snippet, bow, bow_rates, rouge; e.g.
    /// `default,rouge` adds ROUGE-LSum, `bow` computes only bag-of-words figures (and the
    /// primary metric's family).
    #[arg(long, default_value = "default")]
    metrics: corpusbench::model::MetricSelection,
    /// Seed of the bootstrap resamples, and of the sample of gold pairs of the LSH S-curve.
    #[arg(long, default_value_t = corpusbench::metrics::bootstrap::DEFAULT_SEED)]
    bootstrap_seed: u64,
    /// Also print each dataset's primary metric by group: page_type, site, length,
    /// language or half (`tune`/`check`, by a hash of the page id).
    #[arg(long, value_parser = parse_kind)]
    by: Option<corpusbench::metrics::groups::Kind>,
    /// Also write the HTML report and its Markdown summary into the run folder (as
    /// `corpusbench report` does).
    #[arg(long)]
    html: bool,
    /// Keep the texts of dedup datasets (project format) in their files: documents are read in
    /// batches as strategies take them, and only ids, lengths and gold are held. A strategy with
    /// no streaming form is given every document at once, and the run says so.
    #[arg(long)]
    stream: bool,
}

fn parse_kind(s: &str) -> Result<corpusbench::metrics::groups::Kind, String> {
    use corpusbench::metrics::groups::Kind;
    Kind::parse(s).ok_or_else(|| format!("`{s}` is not a breakdown (one of: {})", Kind::ALL.map(Kind::name).join(", ")))
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x < 1e9 => Ok(x),
        _ => Err(format!("`{s}` is not a positive number of seconds")),
    }
}

/// The running executable, which extraction workers are started from.
fn worker_exe() -> Result<PathBuf, Error> {
    std::env::current_exe()
        .map_err(|e| Error::Usage(format!("cannot locate the corpusbench executable for workers: {e}")))
}

#[derive(clap::Args)]
struct SynthArgs {
    /// Input: .jsonl or .txt files, or folders of .txt files (sorted by name); .gz accepted.
    #[arg(required_unless_present = "list_params")]
    inputs: Vec<PathBuf>,
    /// Output dataset folder.
    #[arg(long, required_unless_present = "list_params")]
    out: Option<PathBuf>,
    /// Documents to generate.
    #[arg(long, default_value_t = 1000)]
    docs: usize,
    /// PRNG seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Target bytes of new text per document (input lines are concatenated to reach it);
    /// default: one input document each.
    #[arg(long)]
    doc_bytes: Option<usize>,
    /// Dataset name (default: the output folder's name).
    #[arg(long)]
    name: Option<String>,
    /// JSONL field holding the text.
    #[arg(long, default_value = "text")]
    text_field: String,
    /// JSONL field holding the id.
    #[arg(long, default_value = "id")]
    id_field: String,
    /// Earlier documents kept in memory as sources of copies and quotes.
    #[arg(long, default_value_t = 4096)]
    reservoir: usize,
    /// Input line filter: exact (normalised line never seen) or shingles (also refuse lines
    /// sharing a fifth of their word 5-grams with earlier text).
    #[arg(long, default_value = "exact")]
    source_filter: String,
    /// When the input runs out, make new lines from its vocabulary instead of stopping.
    #[arg(long)]
    fill_words: bool,
    /// Edit parameter `name=value` (repeatable); see --list-params.
    #[arg(long = "set")]
    set: Vec<String>,
    /// Manifest primary metric.
    #[arg(long, default_value = "span_f1")]
    primary_metric: String,
    /// Manifest license line.
    #[arg(long, default_value = "as the input text")]
    license: String,
    /// Print the edit parameters with their defaults and exit.
    #[arg(long)]
    list_params: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are answers, not errors; a bad argument means nothing ran.
            let _ = e.print();
            return if e.use_stderr() { Exit::Failed.into() } else { Exit::Clean.into() };
        }
    };
    corpusbench::io::set_record_cap_mb(cli.max_record_mb);
    let mut registry = child::registry(cli.testing_aids);
    if !matches!(cli.command, Command::Worker { .. } | Command::CostWorker { .. }) {
        let mut dirs = vec![PathBuf::from(DEFAULT_ENGINES)];
        dirs.extend(cli.engines.iter().cloned());
        if let Some(missing) = cli.engines.iter().find(|d| !d.is_dir()) {
            eprintln!("error: engines folder {} does not exist", missing.display());
            return Exit::Failed.into();
        }
        let _ = ENGINE_ERRORS.set(registry.add_engines(&dirs));
    }
    let result = match cli.command {
        Command::Run(args) => run(&registry, args, false),
        Command::Sweep(mut args) => {
            let expanded: Result<Vec<Vec<String>>, Error> =
                args.select.strategies.iter().map(|s| corpusbench::strategy::sweep::expand(s)).collect();
            match expanded {
                Ok(specs) => {
                    args.select.strategies = specs.into_iter().flatten().collect();
                    run(&registry, args, true)
                }
                Err(e) => Err(e),
            }
        }
        Command::Synth(args) => synth(args),
        Command::List { corpus } => list(&registry, &corpus),
        Command::Bench(args) => bench(&registry, args),
        Command::Cost(args) => cost(&registry, args),
        Command::Gate(args) => gate(args),
        Command::Compare { a, b, fail_on_worse } => compare_runs(&a, &b).map(|(text, worse)| {
            print!("{text}");
            if fail_on_worse && worse > 0 { Exit::Failed.into() } else { Exit::Clean.into() }
        }),
        Command::Report { run } => report::html::write(&run).map(|(html, md)| {
            println!("report: {}  summary: {}", html.display(), md.display());
            Exit::Clean.into()
        }),
        Command::Export { corpus, out } => export(&corpus, &out),
        Command::Stage { threads, stage } => stage_command(&registry, threads, stage),
        // No watchdog thread here: it would run inside the region callgrind counts.
        Command::CostWorker { dataset, name, strategy } => cost_worker(&registry, &dataset, &name, &strategy),
        Command::Worker { strategy, threads, memory_limit } => {
            child::exit_with_parent();
            // A panic is reported to the runner as a failed page; its message need not reach stderr.
            std::panic::set_hook(Box::new(|_| {}));
            let options = child::worker::WorkerOptions { threads, memory_limit };
            child::worker::serve(&registry, &strategy, options, std::io::stdin().lock(), std::io::stdout().lock())
                .map(|()| Exit::Clean.into())
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Failed.into()
        }
    }
}

fn report_input_errors(errors: &[InputError]) {
    for e in errors {
        eprintln!("input error: {e}");
    }
}

/// Engine declarations that could not be read: input errors of every command that loads data.
static ENGINE_ERRORS: std::sync::OnceLock<Vec<InputError>> = std::sync::OnceLock::new();

/// The engine declarations' errors, then `found`.
fn with_engine_errors(found: Vec<InputError>) -> Vec<InputError> {
    let mut errors = ENGINE_ERRORS.get().cloned().unwrap_or_default();
    errors.extend(found);
    errors
}

fn load(corpus: &[PathBuf]) -> (Vec<Dataset>, Vec<InputError>) {
    load_with(corpus, corpusbench::corpus::LoadOptions::default())
}

fn load_with(corpus: &[PathBuf], options: corpusbench::corpus::LoadOptions) -> (Vec<Dataset>, Vec<InputError>) {
    let (datasets, found) = corpusbench::corpus::discover_with(corpus, options);
    let mut errors = with_engine_errors(found);
    for ds in &datasets {
        errors.extend(ds.issues.iter().cloned());
    }
    (datasets, errors)
}

/// The given specs, or every default built-in strategy; each is built first, so a bad spec
/// stops the command before any work is done.
fn select(registry: &Registry, given: &[String]) -> Result<(Vec<String>, Vec<Selected>), Error> {
    let specs: Vec<String> = if given.is_empty() {
        registry.defaults().map(|s| s.name.to_string()).collect()
    } else {
        given.iter().map(|s| s.trim().to_string()).collect()
    };
    if let Some(dup) = specs.iter().enumerate().find_map(|(i, s)| specs[..i].contains(s).then_some(s)) {
        return Err(Error::Usage(format!("strategy `{dup}` is given twice")));
    }
    let selected = specs.iter().map(|spec| Selected::build(registry, spec)).collect::<Result<Vec<_>, Error>>()?;
    Ok((specs, selected))
}

fn run(registry: &Registry, args: RunArgs, sweep: bool) -> Result<ExitCode, Error> {
    let (specs, selected) = select(registry, &args.select.strategies)?;
    let options = corpusbench::corpus::LoadOptions { stream: args.stream, skip_html: !runner::reads_html(&selected) };
    let (mut datasets, input_errors) = load_with(&args.select.corpus, options);
    report_input_errors(&input_errors);
    if datasets.is_empty() {
        return Err(Error::Usage("no dataset to run on".into()));
    }
    for d in &mut datasets {
        d.scoring = d.scoring.select(&args.metrics, d.task());
    }
    let threads = args
        .threads
        .map(|t| t as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let options = RunOptions {
        repeat: args.repeat as usize,
        threads,
        page_timeout: std::time::Duration::from_secs_f64(args.page_timeout),
        worker: Some(worker_exe()?),
        cell_timeout: std::time::Duration::from_secs_f64(args.cell_timeout),
        log_dir: Some(args.out.join("engines")),
        memory_limit: memory_limit(args.memory_limit),
        bootstrap: corpusbench::metrics::bootstrap::Bootstrap {
            resamples: args.bootstrap as usize,
            seed: args.bootstrap_seed,
        },
    };
    let total: usize = datasets.iter().map(|d| selected.iter().filter(|s| s.strategy.task() == d.task()).count()).sum();
    if total == 0 {
        return Err(Error::Usage(format!(
            "no strategy given is for the task of any dataset found ({} dataset(s): {})",
            datasets.len(),
            datasets.iter().map(|d| format!("{} ({})", d.name, d.task())).collect::<Vec<_>>().join(", ")
        )));
    }
    let _out = corpusbench::io::lock_out_dir(&args.out)?;
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let cells = runner::run(&datasets, &selected, options.clone(), &mut |ds, spec| {
        bar.inc(1);
        bar.set_message(format!("{spec} on {ds}"));
    })?;
    bar.finish_and_clear();

    let csv = report::csv::results_csv(&cells)?;
    write_atomic(&args.out.join("results.csv"), &csv)?;
    let doc_stats = report::doc_stats::doc_stats_csv(&datasets, &cells)?;
    write_atomic(&args.out.join("doc_stats.csv"), &doc_stats)?;
    let json = report::json::run_json(&datasets, &specs, &cells, &options, &input_errors, started)?;
    write_atomic(&args.out.join("run.json"), &json)?;
    let resamples_path = args.out.join(report::resamples::FILE);
    if options.bootstrap.on() {
        let rows = report::resamples::rows(&datasets, &cells, &options.bootstrap);
        write_atomic(&resamples_path, &report::resamples::write(&rows)?)?;
    } else if resamples_path.exists() {
        // A stale file of an earlier run must not be compared as this run's.
        std::fs::remove_file(&resamples_path).map_err(|e| Error::io(&resamples_path, e))?;
    }

    write_atomic(&args.out.join(report::examples::FILE), &report::examples::write(&cells)?)?;
    if args.html {
        let (html, _) = report::html::write(&args.out)?;
        eprintln!("report: {}", html.display());
    }

    if sweep {
        print!("{}", report::table::sweep(&datasets, &cells));
    } else {
        print!("{}", report::table::leaderboard(&datasets, &cells));
    }
    if let Some(kind) = &args.by {
        print!("{}", report::table::breakdown(&datasets, &cells, kind.name(), report::table::terminal_width()));
    }
    println!(
        "\nresults: {}  run record: {}",
        args.out.join("results.csv").display(),
        args.out.join("run.json").display()
    );
    let failures: Vec<_> = cells.iter().filter(|c| c.failure.is_some()).collect();
    for c in &failures {
        eprintln!("failed: {} on {}: {}", c.strategy, c.dataset, c.failure.as_deref().unwrap_or(""));
    }
    if !input_errors.is_empty() {
        eprintln!("{} input error(s); the affected records were left out", input_errors.len());
    }
    Ok(if input_errors.is_empty() && failures.is_empty() { Exit::Clean.into() } else { Exit::Partial.into() })
}

fn stage_command(registry: &Registry, threads: Option<u64>, command: StageCommand) -> Result<ExitCode, Error> {
    use corpusbench::stage;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(default_threads(threads))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the thread pool: {e}")))?;
    let bootstrap_of = |s: &ScoreArgs| corpusbench::metrics::bootstrap::Bootstrap {
        resamples: s.bootstrap as usize,
        seed: s.bootstrap_seed,
    };
    pool.install(|| {
        let issues = match command {
            StageCommand::Plan(p) => {
                let (plan, issues) =
                    stage::plan(registry, &p.corpus, &p.strategy, p.parts as usize, p.partitions as usize, &p.work)?;
                println!("planned {} documents in {} shards", plan.docs, plan.shards.len());
                issues
            }
            StageCommand::Sign(a) => stage::sign(registry, &a.work, a.part).map(|_| Vec::new())?,
            StageCommand::Bucket(a) => stage::bucket(registry, &a.work, a.part).map(|_| Vec::new())?,
            StageCommand::Components { work, propagated } => {
                let said = if propagated {
                    stage::propagate::components(registry, &work)?
                } else {
                    stage::components(registry, &work)?
                };
                println!("{said}");
                Vec::new()
            }
            StageCommand::Propagate { work, round, part, labels } => {
                if labels {
                    stage::propagate::labels(registry, &work, round as usize, part)?;
                } else {
                    let meta = stage::propagate::round(registry, &work, round as usize, part)?;
                    println!("round {round}, range {}: changed: {}", part.index, meta.changed);
                }
                Vec::new()
            }
            StageCommand::Apply(a) => stage::apply(registry, &a.work, a.part).map(|_| Vec::new())?,
            StageCommand::Extract(a) => {
                let options = RunOptions {
                    page_timeout: std::time::Duration::from_secs_f64(a.page_timeout),
                    worker: Some(worker_exe()?),
                    log_dir: Some(a.work.join("logs").join(format!("extract-{:05}", a.part.index))),
                    ..RunOptions::in_process(1, default_threads(threads))
                };
                let done = stage::extract::extract(registry, &a.corpus, &a.strategy, a.part, &a.work, &options)?;
                println!(
                    "part {}/{}: {} WARC files, {} pages ({} failed, {} timed out)",
                    a.part.index, a.part.count, done.files, done.pages, done.failed, done.timeouts
                );
                done.errors
            }
            StageCommand::Score { work, score } if stage::extract::is_extract_work(&work) => {
                let _out = corpusbench::io::lock_out_dir(&score.out)?;
                let (ds, cell, issues) = stage::extract::score(registry, &work, &bootstrap_of(&score))?;
                report_input_errors(&issues);
                let failed = cell.failure.clone();
                write_stage_reports(&score.out, ds, cell, &bootstrap_of(&score), true)?;
                if let Some(why) = failed {
                    eprintln!("failed: scoring: {why}");
                    return Ok(Exit::Partial.into());
                }
                if !issues.is_empty() {
                    eprintln!("{} input error(s); the affected records were left out", issues.len());
                    return Ok(Exit::Partial.into());
                }
                Vec::new()
            }
            StageCommand::Score { work, score } => {
                let _out = corpusbench::io::lock_out_dir(&score.out)?;
                let (ds, cell) = stage::score(registry, &work, &bootstrap_of(&score))?;
                write_stage_reports(&score.out, ds, cell, &bootstrap_of(&score), false)?;
                Vec::new()
            }
            StageCommand::Run { plan, score, components, max_rounds } => {
                let _out = corpusbench::io::lock_out_dir(&score.out)?;
                let local = stage::Local {
                    root: plan.corpus,
                    spec: plan.strategy,
                    parts: plan.parts as usize,
                    partitions: plan.partitions as usize,
                    work: plan.work,
                };
                let (ds, cell, issues) = match components {
                    ComponentsMode::UnionFind => stage::run_local(registry, &local, &bootstrap_of(&score))?,
                    ComponentsMode::Propagate => {
                        stage::propagate::run_local(registry, &local, &bootstrap_of(&score), max_rounds)?
                    }
                };
                write_stage_reports(&score.out, ds, cell, &bootstrap_of(&score), false)?;
                issues
            }
        };
        report_input_errors(&issues);
        Ok(if issues.is_empty() { Exit::Clean.into() } else { Exit::Partial.into() })
    })
}

/// The reports `run` writes of a cell, for the stage pipeline's scored cell; a failed cell is
/// an error unless `failed_too` (extraction, whose failed cell `run` reports as a row).
fn write_stage_reports(
    out: &std::path::Path,
    ds: Dataset,
    cell: runner::Cell,
    bootstrap: &corpusbench::metrics::bootstrap::Bootstrap,
    failed_too: bool,
) -> Result<(), Error> {
    if let Some(why) = cell.failure.as_ref().filter(|_| !failed_too) {
        return Err(Error::Usage(format!("scoring failed: {why}")));
    }
    let (datasets, cells) = (vec![ds], vec![cell]);
    write_atomic(&out.join("results.csv"), &report::csv::results_csv(&cells)?)?;
    write_atomic(&out.join("doc_stats.csv"), &report::doc_stats::doc_stats_csv(&datasets, &cells)?)?;
    write_atomic(&out.join(report::examples::FILE), &report::examples::write(&cells)?)?;
    let resamples_path = out.join(report::resamples::FILE);
    if bootstrap.on() {
        let rows = report::resamples::rows(&datasets, &cells, bootstrap);
        write_atomic(&resamples_path, &report::resamples::write(&rows)?)?;
    } else if resamples_path.exists() {
        std::fs::remove_file(&resamples_path).map_err(|e| Error::io(&resamples_path, e))?;
    }
    print!("{}", report::table::leaderboard(&datasets, &cells));
    println!("\nresults: {}", out.join("results.csv").display());
    Ok(())
}

fn list(registry: &Registry, corpus: &[PathBuf]) -> Result<ExitCode, Error> {
    println!("strategies:");
    let width = registry.infos().iter().map(|s| s.name.len()).max().unwrap_or(0);
    // Every engine is started once, all at the same time, to see whether it runs here.
    let probes: Vec<Option<Result<corpusbench::engine::Ready, String>>> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            registry.infos().iter().map(|s| s.engine.as_ref().map(|d| scope.spawn(|| d.probe()))).collect();
        handles.into_iter().map(|h| h.map(|h| h.join().unwrap_or_else(|_| Err("probe panicked".into())))).collect()
    });
    for (s, probe) in registry.infos().iter().zip(probes) {
        println!("  {:<width$}  {:<7}  {}", s.name, s.task.as_str(), s.summary);
        match probe {
            Some(Ok(ready)) => {
                println!("  {:<width$}             runnable: {} {}", "", ready.name, ready.version)
            }
            Some(Err(why)) => println!("  {:<width$}             NOT runnable here: {why}", ""),
            None => {}
        }
        for p in s.params {
            println!("  {:<width$}             {}={}: {}", "", p.name, p.default, p.help);
        }
    }
    // Manifests and folder layouts only: listing costs the same however large the data is.
    let (datasets, found) = corpusbench::corpus::survey(corpus);
    let errors = with_engine_errors(found);
    println!("datasets:");
    for d in &datasets {
        println!("  {:<20} {:<8} {:<18} {}", d.name, d.task.as_str(), d.format, d.root.display());
    }
    report_input_errors(&errors);
    Ok(if errors.is_empty() { Exit::Clean.into() } else { Exit::Partial.into() })
}

fn export(corpus: &[PathBuf], out: &std::path::Path) -> Result<ExitCode, Error> {
    let (datasets, errors) = load(corpus);
    report_input_errors(&errors);
    if datasets.is_empty() {
        return Err(Error::Usage("no dataset to export".into()));
    }
    let mut bytes = Vec::new();
    let mut line = |v: serde_json::Value| {
        bytes.extend(serde_json::to_vec(&v).unwrap_or_default());
        bytes.push(b'\n');
    };
    for ds in &datasets {
        match &ds.items {
            corpusbench::model::Items::Extract { pages, .. } => {
                for p in pages {
                    line(serde_json::json!({"dataset": ds.name, "id": p.id, "url": p.url, "html": p.html}));
                }
            }
            corpusbench::model::Items::Dedup { docs, .. } => {
                for d in docs {
                    line(serde_json::json!({"dataset": ds.name, "id": d.id, "text": d.text}));
                }
            }
            corpusbench::model::Items::Streamed { docs, .. } => {
                docs.source
                    .batches(corpusbench::model::docs::BATCH_BYTES, &mut |batch| {
                        for d in batch {
                            line(serde_json::json!({"dataset": ds.name, "id": d.id, "text": d.text}));
                        }
                        Ok(())
                    })
                    .map_err(Error::Usage)?;
            }
        }
    }
    write_atomic(out, &bytes)?;
    let items: usize = datasets.iter().map(|d| d.len()).sum();
    eprintln!("exported {items} items of {} dataset(s) to {}", datasets.len(), out.display());
    Ok(if errors.is_empty() { Exit::Clean.into() } else { Exit::Partial.into() })
}

/// The heap limit of deduplication workers, bytes: `given` MB (0: none), else half the
/// machine's memory (none when it cannot be read).
fn memory_limit(given_mb: Option<u64>) -> Option<u64> {
    match given_mb {
        Some(0) => None,
        Some(mb) => Some(mb.saturating_mul(1_000_000)),
        None => {
            let info = std::fs::read_to_string("/proc/meminfo").ok()?;
            let kb: u64 = info.lines().find(|l| l.starts_with("MemTotal:"))?.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb.saturating_mul(1024) / 2)
        }
    }
}

fn default_threads(given: Option<u64>) -> usize {
    given.map(|t| t as usize).unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
}

fn bench(registry: &Registry, args: BenchArgs) -> Result<ExitCode, Error> {
    let (_, mut selected) = select(registry, &args.select.strategies)?;
    if let Some(reference) = &args.reference {
        if let Some(i) = selected.iter().position(|s| &s.spec == reference) {
            let r = selected.remove(i);
            selected.insert(0, r);
        } else {
            selected.insert(0, Selected::build(registry, reference)?);
        }
    }
    let (datasets, input_errors) = load(&args.select.corpus);
    report_input_errors(&input_errors);
    if datasets.is_empty() {
        return Err(Error::Usage("no dataset to run on".into()));
    }
    let cases = match &args.cases {
        Some(path) => corpusbench::cases::Cases::read(path)?,
        None if std::path::Path::new(DEFAULT_CASES).is_file() => {
            corpusbench::cases::Cases::read(std::path::Path::new(DEFAULT_CASES))?
        }
        None => corpusbench::cases::Cases::default(),
    };
    let case_of = cases.by_dataset(&datasets);
    let _out = corpusbench::io::lock_out_dir(&args.out)?;
    let max_threads = default_threads(args.threads);
    let mut sweeps = Vec::new();
    let mut wrong_answers = 0;
    for threads in 1..=max_threads {
        let options = RunOptions {
            repeat: args.repeat as usize,
            threads,
            page_timeout: runner::DEFAULT_PAGE_TIMEOUT,
            worker: Some(worker_exe()?),
            cell_timeout: runner::DEFAULT_CELL_TIMEOUT,
            log_dir: Some(args.out.join("engines")),
            memory_limit: memory_limit(None),
            // bench measures speed; intervals of its quality figures are `run`'s business.
            bootstrap: corpusbench::metrics::bootstrap::Bootstrap { resamples: 0, seed: 0 },
        };
        eprintln!("bench: {threads} thread(s), {} repeat(s) per cell", args.repeat);
        let mut cells = runner::run(&datasets, &selected, options, &mut |_, _| {})?;
        // A wrong answer is a failure of its cell: no time is recorded for it.
        for (i, wrong) in corpusbench::cases::check_cells(&case_of, &cells) {
            eprintln!("wrong answer: {wrong} (no time recorded)");
            wrong_answers += 1;
            cells[i].failure = Some(format!("wrong answer: {wrong}"));
            cells[i].timing = None;
        }
        sweeps.push((threads, cells));
    }
    let csv = report::bench::bench_csv(&sweeps)?;
    write_atomic(&args.out.join("bench.csv"), &csv)?;
    print!("{}", report::bench::bench_table(&sweeps));
    println!("\nbench results: {}", args.out.join("bench.csv").display());
    Ok(if wrong_answers == 0 && input_errors.is_empty() { Exit::Clean.into() } else { Exit::Partial.into() })
}

/// The folder of engine declarations read by every command.
const DEFAULT_ENGINES: &str = "engines";

/// The benchmark definitions `bench` checks answers against when `--cases` is not given.
const DEFAULT_CASES: &str = "benches/cases.toml";

fn cost(registry: &Registry, args: CostArgs) -> Result<ExitCode, Error> {
    if !child::cost::valgrind_available() {
        return Err(Error::Usage("valgrind not found: install it (Debian: apt-get install valgrind)".into()));
    }
    let exe = std::env::current_exe().map_err(|e| Error::Usage(format!("cannot locate this executable: {e}")))?;
    let (_, selected) = select(registry, &args.select.strategies)?;
    if let Some(engine) = selected.iter().find(|s| s.launch.is_some()) {
        return Err(Error::Usage(format!(
            "`cost` counts the instructions of built-in strategies; `{}` is an engine, a program of its own",
            engine.spec
        )));
    }
    let (datasets, input_errors) = load(&args.select.corpus);
    report_input_errors(&input_errors);
    let _out = corpusbench::io::lock_out_dir(&args.out)?;
    let scratch = args.out.join(".callgrind");
    let mut rows: Vec<(String, corpusbench::model::Task, String, child::cost::Cost)> = Vec::new();
    let mut failures = 0;
    for ds in &datasets {
        for sel in selected.iter().filter(|s| s.strategy.task() == ds.task()) {
            match child::cost::measure(&exe, sel.testing_aids, &ds.root, &ds.name, &sel.spec, &scratch) {
                Ok(c) => {
                    println!(
                        "  {:<20} {:<24} {:>14} instructions {:>9} allocations",
                        ds.name, sel.spec, c.instructions, c.allocations.count
                    );
                    rows.push((ds.name.clone(), ds.task(), sel.spec.clone(), c));
                }
                Err(e) => {
                    failures += 1;
                    eprintln!("failed: {e}");
                }
            }
        }
    }
    let _ = std::fs::remove_dir(&scratch);
    write_atomic(&args.out.join("cost.csv"), &report::cost::cost_csv(&rows)?)?;
    println!("cost: {}", args.out.join("cost.csv").display());
    Ok(if failures == 0 && input_errors.is_empty() { Exit::Clean.into() } else { Exit::Partial.into() })
}

fn cost_worker(registry: &Registry, dir: &std::path::Path, name: &str, spec: &str) -> Result<ExitCode, Error> {
    let strategy = registry.build(spec)?;
    let (datasets, _) = discover(&[dir.to_path_buf()]);
    let ds = datasets
        .into_iter()
        .find(|d| d.name == name)
        .ok_or_else(|| Error::Usage(format!("no dataset `{name}` in {}", dir.display())))?;
    let allocs = child::cost::run_once(&ds, &strategy)?;
    println!("{}", child::cost::worker_line(allocs));
    Ok(Exit::Clean.into())
}

fn gate(args: GateArgs) -> Result<ExitCode, Error> {
    use corpusbench::gate::{Baseline, Observed, compare, render};
    let observed = Observed::read(&args.run)?;
    let baseline = if args.baseline.exists() {
        Baseline::read(&args.baseline)?
    } else if args.update {
        Baseline::default()
    } else {
        return Err(Error::Usage(format!(
            "no baseline at {}; create one with `corpusbench gate --update --baseline {}`",
            args.baseline.display(),
            args.baseline.display()
        )));
    };
    let rows = compare::compare(&baseline, &observed);
    let failed = compare::fails(&rows, args.strict);
    if args.update {
        if failed && !args.allow_lower {
            print!("{}", render::text(&rows, false));
            eprintln!("refusing to update the baseline: the rows marked WORSE would lower a floor (use --allow-lower)");
            return Ok(Exit::Failed.into());
        }
        // Cells on datasets this run did not load are kept (see `Baseline::updated`).
        let new = baseline.updated(&observed);
        write_atomic(&args.baseline, new.to_toml()?.as_bytes())?;
        println!("baseline written: {} ({} cells)", args.baseline.display(), new.cells.len());
        return Ok(Exit::Clean.into());
    }
    print!("{}", render::text(&rows, args.all));
    if let Some(md) = &args.markdown {
        write_atomic(md, render::markdown(&rows, failed).as_bytes())?;
    }
    let mut failed = failed;
    if let Some(before) = &args.paired_with {
        let (text, worse) = compare_runs(before, &args.run)?;
        print!("\npaired with {}:\n{text}", before.display());
        if worse > 0 {
            eprintln!("gate: {worse} metric(s) worse than in {} beyond doubt at 95%", before.display());
            failed = true;
        }
    }
    if failed {
        eprintln!("gate: regression (rows marked WORSE{})", if args.strict { ", stale or missing" } else { "" });
        Ok(Exit::Failed.into())
    } else {
        Ok(Exit::Clean.into())
    }
}

/// The paired comparison of run `b` with run `a` as a table, and how many metrics are worse in
/// `b` (the difference's interval wholly on the bad side of 0, by the catalogue's direction).
fn compare_runs(a: &std::path::Path, b: &std::path::Path) -> Result<(String, usize), Error> {
    use corpusbench::model::catalogue::{self, Direction};
    use corpusbench::report::resamples;
    let (rows_a, rows_b) = (resamples::read(a)?, resamples::read(b)?);
    let (comparisons, unpaired) = resamples::compare(&rows_a, &rows_b);
    if comparisons.is_empty() {
        return Err(Error::Usage(format!(
            "nothing to compare: no dataset, strategy and metric of {} has resamples of the same draws in {} \
             (same dataset fingerprint, --bootstrap and --bootstrap-seed are needed)",
            a.display(),
            b.display()
        )));
    }
    let mut table = vec![vec![
        "dataset".to_string(),
        "metric".into(),
        "A (mean)".into(),
        "B (mean)".into(),
        "B - A [95% interval]".into(),
        "p".into(),
        "verdict".into(),
    ]];
    let mut worse = 0;
    for c in &comparisons {
        let iv = c.paired.interval;
        let direction = catalogue::lookup(&c.metric).map_or(Direction::Neither, |m| m.direction);
        let verdict = match (direction, iv.low > 0.0, iv.high < 0.0) {
            (_, false, false) => "tied",
            (Direction::Higher, true, _) | (Direction::Lower, _, true) => "better",
            (Direction::Higher, _, true) | (Direction::Lower, true, _) => {
                worse += 1;
                "WORSE"
            }
            _ => "differs",
        };
        let name = |s: &str| if c.strategy_a == c.strategy_b { String::new() } else { format!(" ({s})") };
        table.push(vec![
            c.dataset.clone(),
            c.metric.clone(),
            format!("{:.3}{}", c.means.0, name(&c.strategy_a)),
            format!("{:.3}{}", c.means.1, name(&c.strategy_b)),
            format!("{:+.4} [{:+.4}, {:+.4}]", c.means.1 - c.means.0, iv.low, iv.high),
            format!("{:.3}", c.paired.p),
            verdict.to_string(),
        ]);
    }
    let mut text = corpusbench::report::table::render(&table);
    if unpaired > 0 {
        text.push_str(&format!("  ({unpaired} metric(s) of A had no counterpart in B on the same draws)\n"));
    }
    Ok((text, worse))
}

fn synth(args: SynthArgs) -> Result<ExitCode, Error> {
    use corpusbench::synth;
    if args.list_params {
        for p in synth::PARAMS {
            println!("{:<22} {:<6} {}", p.name, p.default, p.help);
        }
        return Ok(Exit::Clean.into());
    }
    let out = args.out.ok_or_else(|| Error::Usage("--out is required".into()))?;
    let mut cfg = synth::Config::new(args.inputs, out, args.docs, args.seed);
    if let Some(name) = args.name {
        cfg.name = name;
    }
    cfg.fields = synth::source::Fields { text: args.text_field, id: args.id_field };
    cfg.doc_bytes = args.doc_bytes;
    cfg.reservoir = args.reservoir;
    cfg.filter = synth::fresh::Filter::parse(&args.source_filter)?;
    cfg.fill = args.fill_words;
    cfg.primary_metric = args.primary_metric;
    cfg.license = args.license;
    for spec in &args.set {
        cfg.params.set_spec(spec)?;
    }
    let s = synth::generate(&cfg)?;
    println!(
        "{}: {} documents ({} originals, {} copies of which {} exact, {} containing a quote, {} repeating their body)",
        cfg.out.display(),
        s.docs,
        s.originals,
        s.copies,
        s.exact_copies,
        s.contains,
        s.repeats
    );
    println!(
        "input: {} documents, {} lines, {} refused as seen, {} filled from the vocabulary; sha256 {}",
        s.input.input_docs, s.input.input_lines, s.input.refused_lines, s.input.filled_lines, s.sha256
    );
    if s.input_exhausted {
        eprintln!("input ran out after {} of {} documents (use --fill-words to go on)", s.docs, cfg.docs);
        return Ok(Exit::Partial.into());
    }
    Ok(Exit::Clean.into())
}
