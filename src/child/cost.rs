//! Deterministic cost: instructions (counted by valgrind's callgrind) and heap allocations of one
//! strategy on one dataset, single-threaded. Unlike wall-clock time these do not move when the
//! machine is busy, so a CI gate can trust them.
//!
//! The parent ([`measure`], behind `corpusbench cost`) runs the executable's hidden
//! [`COST_WORKER`](super::COST_WORKER) subcommand under `valgrind --tool=callgrind`, collecting
//! only inside [`crate::cost::measured`]; the worker ([`run_once`]) loads the dataset (not
//! counted), runs the strategy once inside it on a one-thread rayon pool that is the calling
//! thread itself, and prints its allocation counts ([`worker_line`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cost::{Allocations, measured};
use crate::error::Error;
use crate::model::{Dataset, Items};
use crate::strategy::Strategy;

/// The worker's side: runs `strategy` once on `dataset` on the calling thread and returns the
/// allocation counts. Outputs are dropped outside the measured region.
pub fn run_once(dataset: &Dataset, strategy: &Strategy) -> Result<Allocations, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .use_current_thread()
        .build()
        .map_err(|e| Error::Usage(format!("cannot build a one-thread pool: {e}")))?;
    let result = pool.install(|| match (strategy, &dataset.items) {
        (Strategy::Dedup(s), Items::Dedup { docs, .. }) => {
            let (out, allocs) = measured(|| s.dedup(docs).map(|_| ()));
            out.map(|_| allocs).map_err(|e| e.to_string())
        }
        (Strategy::Extract(s), Items::Extract { pages, .. }) => {
            let (out, allocs) =
                measured(|| pages.iter().try_for_each(|p| s.extract(p).map(|t| drop(std::hint::black_box(t)))));
            out.map(|_| allocs).map_err(|e| e.to_string())
        }
        _ => Err(format!("strategy is not for {} datasets", dataset.task())),
    });
    result.map_err(|e| Error::Usage(format!("strategy failed on {}: {e}", dataset.name)))
}

/// Deterministic cost of one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cost {
    /// Instructions executed inside the strategy (callgrind `Ir`).
    pub instructions: u64,
    /// Heap allocations inside the strategy.
    pub allocations: Allocations,
}

/// Whether valgrind can be run.
pub fn valgrind_available() -> bool {
    Command::new("valgrind").arg("--version").output().is_ok_and(|o| o.status.success())
}

fn setarch_available(setarch: &Path) -> bool {
    Command::new(setarch).args([std::env::consts::ARCH, "-R", "true"]).output().is_ok_and(|o| o.status.success())
}

/// The names the cost worker's executable and dataset are linked under in its stage folder.
const STAGED_EXE: &str = "exe";
const STAGED_DATA: &str = "data";

/// Makes `stage` hold exactly the two links the cost worker is started through.
fn stage_links(stage: &Path, exe: &Path, dataset_dir: &Path) -> Result<(), Error> {
    let _ = std::fs::remove_dir_all(stage);
    std::fs::create_dir_all(stage).map_err(|e| Error::io(stage, e))?;
    for (name, target) in [(STAGED_EXE, exe), (STAGED_DATA, dataset_dir)] {
        let target = std::fs::canonicalize(target).map_err(|e| Error::io(target, e))?;
        let link = stage.join(name);
        link_to(&target, &link).map_err(|e| Error::io(&link, e))?;
    }
    Ok(())
}

#[cfg(unix)]
fn link_to(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn link_to(_target: &Path, _link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "the cost worker needs symbolic links (valgrind runs on Unix)",
    ))
}

/// `name` as found on the parent's `PATH` (the worker starts with an empty environment, so the
/// programs are named by their full paths).
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// The parent's side: runs `exe cost-worker --dataset DIR --strategy SPEC` under callgrind and
/// reads the instruction total and the worker's allocation counts.
pub fn measure(
    exe: &Path,
    testing_aids: bool,
    dataset_dir: &Path,
    dataset: &str,
    spec: &str,
    scratch: &Path,
) -> Result<Cost, Error> {
    std::fs::create_dir_all(scratch).map_err(|e| Error::io(scratch, e))?;
    let safe: String = format!("{dataset}-{spec}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    // Absolute: valgrind starts in the stage folder below, and `scratch` may be relative.
    let scratch = std::fs::canonicalize(scratch).map_err(|e| Error::io(scratch, e))?;
    let out_file: PathBuf = scratch.join(format!("callgrind.{safe}.out"));
    // The worker's starting stack holds its arguments and environment, and with address-space
    // randomisation off their length moves every stack address, and with them the counts of
    // alignment-sensitive loops. So it starts with arguments of a fixed length (links named
    // `exe` and `data` in a folder of its own, given relative to it) and a fixed environment:
    // the same counts from any checkout path and any user's environment.
    let stage = scratch.join(format!("stage.{safe}"));
    stage_links(&stage, exe, dataset_dir)?;
    let valgrind = find_program("valgrind").ok_or_else(|| Error::Usage("valgrind is not on PATH".into()))?;
    // Address-space randomisation moves buffer alignments and with them the instruction counts
    // of copy and search loops; run without it where `setarch -R` is available.
    let mut cmd = match find_program("setarch").filter(|s| setarch_available(s)) {
        Some(setarch) => {
            let mut c = Command::new(setarch);
            c.arg(std::env::consts::ARCH).arg("-R").arg(&valgrind);
            c
        }
        None => Command::new(&valgrind),
    };
    let output = cmd
        .current_dir(&stage)
        .env_clear()
        .env("RAYON_NUM_THREADS", "1")
        .arg("--tool=callgrind")
        .arg("--collect-atstart=no")
        .arg("--toggle-collect=*cost::measured*")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(format!(".{}{STAGED_EXE}", std::path::MAIN_SEPARATOR))
        .arg(super::COST_WORKER)
        .arg(format!("--max-record-mb={}", crate::io::record_cap() >> 20))
        .args(if testing_aids { vec![format!("--{}", super::TESTING_AIDS)] } else { Vec::new() })
        .arg("--dataset")
        .arg(format!(".{}{STAGED_DATA}", std::path::MAIN_SEPARATOR))
        .args(["--name", dataset, "--strategy", spec])
        .output()
        .map_err(|e| Error::Usage(format!("cannot run valgrind: {e}")))?;
    let _ = std::fs::remove_dir_all(&stage);
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = err.lines().rev().take(5).collect();
        return Err(Error::Usage(format!(
            "cost worker failed for {spec} on {dataset}: {}",
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        )));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let allocations = parse_worker_line(&stdout)
        .ok_or_else(|| Error::Usage(format!("cost worker for {spec} on {dataset} printed no counts: {stdout}")))?;
    let text = std::fs::read_to_string(&out_file).map_err(|e| Error::io(&out_file, e))?;
    let instructions = parse_callgrind_total(&text)
        .ok_or_else(|| Error::Usage(format!("{}: no instruction total", out_file.display())))?;
    let _ = std::fs::remove_file(&out_file);
    Ok(Cost { instructions, allocations })
}

/// The line the worker prints: `allocations <count> <bytes> <peak bytes>`.
pub fn worker_line(a: Allocations) -> String {
    format!("allocations {} {} {}", a.count, a.bytes, a.peak_bytes)
}

fn parse_worker_line(stdout: &str) -> Option<Allocations> {
    let line = stdout.lines().find(|l| l.starts_with("allocations "))?;
    let mut parts = line.split_whitespace().skip(1);
    Some(Allocations {
        count: parts.next()?.parse().ok()?,
        bytes: parts.next()?.parse().ok()?,
        peak_bytes: parts.next()?.parse().ok()?,
    })
}

/// The `totals:` (or `summary:`) line of a callgrind output file: the first event, `Ir`.
pub fn parse_callgrind_total(text: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with("totals:"))
        .or_else(|| text.lines().find(|l| l.starts_with("summary:")))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_callgrind_totals() {
        let text = "events: Ir\nfn=foo\n3 10\nsummary: 1234\ntotals: 1234\n";
        assert_eq!(parse_callgrind_total(text), Some(1234));
        assert_eq!(parse_callgrind_total("events: Ir\n"), None);
    }

    #[test]
    fn worker_line_round_trips() {
        let a = Allocations { count: 12, bytes: 3456, peak_bytes: 789 };
        assert_eq!(parse_worker_line(&format!("noise\n{}\n", worker_line(a))), Some(a));
    }
}
