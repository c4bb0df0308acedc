//! The `corpusbench` command line: `run` and `list`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use corpusbench::corpus::{Dataset, discover};
use corpusbench::error::{Error, InputError};
use corpusbench::report;
use corpusbench::runner::{self, RunOptions, Selected};
use corpusbench::strategy::{self, registry};

/// Benchmark text deduplication and extraction strategies on labeled data.
#[derive(Parser)]
#[command(name = "corpusbench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run strategies on datasets, score them, time them and print a leaderboard.
    Run(RunArgs),
    /// List the built-in strategies (with parameters) and the datasets found.
    List {
        /// Dataset folder, or a folder of dataset folders (repeatable).
        #[arg(long, default_value = "corpus")]
        corpus: Vec<PathBuf>,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Dataset folder, or a folder of dataset folders (repeatable).
    #[arg(long, default_value = "corpus")]
    corpus: Vec<PathBuf>,
    /// Strategy spec, `name` or `name:key=value,...` (repeatable); default: every built-in
    /// strategy of each dataset's task.
    #[arg(long = "strategy", short = 's')]
    strategies: Vec<String>,
    /// Folder for results.csv and run.json.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// Timed runs per cell; the median is reported.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    repeat: u64,
    /// Worker threads; default: all cores.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    threads: Option<u64>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::List { corpus } => list(&corpus),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn report_input_errors(errors: &[InputError]) {
    for e in errors {
        eprintln!("input error: {e}");
    }
}

fn load(corpus: &[PathBuf]) -> (Vec<Dataset>, Vec<InputError>) {
    let (datasets, mut errors) = discover(corpus);
    for ds in &datasets {
        errors.extend(ds.issues.iter().cloned());
    }
    (datasets, errors)
}

fn run(args: RunArgs) -> Result<ExitCode, Error> {
    let specs: Vec<String> = if args.strategies.is_empty() {
        registry().iter().filter(|s| s.default).map(|s| s.name.to_string()).collect()
    } else {
        args.strategies.iter().map(|s| s.trim().to_string()).collect()
    };
    // Build every strategy first: a bad spec stops the run before any work is done.
    let selected = specs
        .iter()
        .map(|spec| Ok(Selected { spec: spec.clone(), strategy: strategy::build(spec)? }))
        .collect::<Result<Vec<_>, Error>>()?;
    let (datasets, input_errors) = load(&args.corpus);
    report_input_errors(&input_errors);
    if datasets.is_empty() {
        return Err(Error::Usage("no dataset to run on".into()));
    }
    let threads = args
        .threads
        .map(|t| t as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let options = RunOptions { repeat: args.repeat as usize, threads };
    let total: usize = datasets.iter().map(|d| selected.iter().filter(|s| s.strategy.task() == d.task()).count()).sum();
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let cells = runner::run(&datasets, &selected, options, &mut |ds, spec| {
        bar.inc(1);
        bar.set_message(format!("{spec} on {ds}"));
    })?;
    bar.finish_and_clear();

    let csv = report::csv::results_csv(&cells)?;
    report::write_atomic(&args.out.join("results.csv"), &csv)?;
    let json = report::json::run_json(&datasets, &specs, &cells, options, &input_errors, started)?;
    report::write_atomic(&args.out.join("run.json"), &json)?;

    print!("{}", report::table::leaderboard(&datasets, &cells));
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
    Ok(if input_errors.is_empty() && failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn list(corpus: &[PathBuf]) -> Result<ExitCode, Error> {
    println!("strategies:");
    for s in registry() {
        println!("  {:<12} {:<8} {}", s.name, s.task.as_str(), s.summary);
        for p in s.params {
            println!("      {}={:<8} {}", p.name, p.default, p.help);
        }
    }
    let (datasets, errors) = load(corpus);
    println!("datasets:");
    for d in &datasets {
        println!(
            "  {:<20} {:<8} {:>6} items  {}  {}",
            d.name,
            d.task().as_str(),
            d.len(),
            d.fingerprint.get(..12).unwrap_or("-"),
            d.root.display()
        );
    }
    report_input_errors(&errors);
    Ok(if errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}
