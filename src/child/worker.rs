//! Worker processes that give each page a time budget.
//!
//! A thread cannot be stopped from outside, so a page that makes an extractor loop forever would
//! hang an in-process run. Instead the runner keeps a [`Pool`] of child processes (`corpusbench
//! worker --strategy SPEC`, see [`serve`]), sends each one page at a time over its stdin and waits
//! for the answer with a deadline. A worker that misses the deadline is killed and replaced, and
//! the page is recorded as [`PageOutcome::Timeout`]; a worker that dies (a stack overflow, an
//! abort) is replaced too and the page recorded as failed. Either way the run goes on.
//!
//! Wire format (all integers little-endian; length-prefixed, so page HTML and extracted text go
//! through as raw bytes with no escaping):
//! - handshake, worker -> runner, once: a response frame whose status is [`READY`], with the
//!   canonical spec of the strategy it built as payload (the runner checks it against its own),
//!   or [`BUILD_FAILED`] (the payload then says why);
//! - request, runner -> worker: `u32` id length, id bytes, `u32` url length (`u32::MAX` for
//!   none), url bytes, `u64` html length, html bytes;
//! - response, worker -> runner: `u8` status ([`OK`] or [`FAILED`]), `u64` extraction
//!   nanoseconds, `u64` payload length, payload (the text, or the error message).
//!
//! This module does not score or time cells; it only moves pages and answers.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use crate::error::{Error, isolate};
use crate::model::Page;
use crate::strategy::{Extractor, Registry};

/// Response status: the payload is the extracted text.
pub const OK: u8 = 0;
/// Response status: the extractor failed; the payload is the message.
pub const FAILED: u8 = 1;
/// Handshake status: the strategy was built, requests may follow.
pub const READY: u8 = 2;
/// Handshake status: the strategy could not be built; the payload says why.
pub const BUILD_FAILED: u8 = 3;

/// A small article a worker extracts once before it says it is ready.
const WARM_UP_HTML: &str = "<html><head><title>Warm-up</title></head><body><nav><a href=/>Home</a></nav>\
    <article><h1>Warm-up</h1><p>This paragraph is extracted once, before any timed page, so that the \
    extractor's one-time set-up is not counted as the latency of the first page it is given.</p></article>\
    <footer>Footer</footer></body></html>";

/// How long a new worker may take to build its strategy and say it is ready.
const STARTUP_BUDGET: Duration = Duration::from_secs(60);

/// What became of one page.
#[derive(Debug, Clone, PartialEq)]
pub enum PageOutcome {
    /// The extracted text, and the seconds the extraction took.
    Ok {
        /// The text.
        text: String,
        /// Seconds spent in the extractor.
        secs: f64,
    },
    /// The extractor returned an error, panicked, or its worker died.
    Failed(String),
    /// The page took longer than the budget; its worker was killed.
    Timeout,
}

/// One response frame.
struct Frame {
    status: u8,
    nanos: u64,
    payload: Vec<u8>,
}

fn write_frame(out: &mut impl Write, status: u8, nanos: u64, payload: &[u8]) -> std::io::Result<()> {
    out.write_all(&[status])?;
    out.write_all(&nanos.to_le_bytes())?;
    out.write_all(&(payload.len() as u64).to_le_bytes())?;
    out.write_all(payload)?;
    out.flush()
}

fn read_u64(input: &mut impl Read) -> std::io::Result<u64> {
    let mut b = [0u8; 8];
    input.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn read_bytes(input: &mut impl Read, len: u64) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    input.take(len).read_to_end(&mut buf)?;
    if buf.len() as u64 != len {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "truncated frame"));
    }
    Ok(buf)
}

fn read_frame(input: &mut impl Read) -> std::io::Result<Frame> {
    let mut status = [0u8; 1];
    input.read_exact(&mut status)?;
    let nanos = read_u64(input)?;
    let len = read_u64(input)?;
    Ok(Frame { status: status[0], nanos, payload: read_bytes(input, len)? })
}

/// Writes a length-prefixed string, cut to fit a `u32` length below `u32::MAX`.
fn write_short(out: &mut impl Write, s: &str) -> std::io::Result<()> {
    let mut end = s.len().min(u32::MAX as usize - 1);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    out.write_all(&(end as u32).to_le_bytes())?;
    out.write_all(&s.as_bytes()[..end])
}

fn read_u32(input: &mut impl Read) -> std::io::Result<u32> {
    let mut b = [0u8; 4];
    input.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn write_request(out: &mut impl Write, page: &Page) -> std::io::Result<()> {
    write_short(out, &page.id)?;
    match &page.url {
        Some(url) => write_short(out, url)?,
        None => out.write_all(&u32::MAX.to_le_bytes())?,
    }
    out.write_all(&(page.html.len() as u64).to_le_bytes())?;
    out.write_all(page.html.as_bytes())?;
    out.flush()
}

/// Reads one request; `None` at a clean end of input.
fn read_request(input: &mut impl Read) -> std::io::Result<Option<Page>> {
    let id_len = match read_u32(input) {
        Ok(n) => n,
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    };
    let id = String::from_utf8_lossy(&read_bytes(input, u64::from(id_len))?).into_owned();
    let url_len = read_u32(input)?;
    let url = if url_len == u32::MAX {
        None
    } else {
        Some(String::from_utf8_lossy(&read_bytes(input, u64::from(url_len))?).into_owned())
    };
    let html_len = read_u64(input)?;
    let html = String::from_utf8_lossy(&read_bytes(input, html_len)?).into_owned();
    Ok(Some(Page { id, html, url }))
}

/// The canonical spec of an extractor spec (every parameter, defaults included), or why it
/// cannot be built as one.
fn build(registry: &Registry, spec: &str) -> Result<(String, Box<dyn Extractor>), Error> {
    let (_, params) = registry.params(spec)?;
    Ok((params.canonical(), registry.extract(spec)?))
}

/// The worker's side: builds the extractor `spec` from `registry`, says so on `output` (with
/// its canonical spec), then answers requests from `input` until it ends. Panics inside the
/// extractor become failed responses.
pub fn serve(registry: &Registry, spec: &str, input: impl Read, output: impl Write) -> Result<(), Error> {
    let mut input = BufReader::new(input);
    let mut output = BufWriter::new(output);
    let io_err = |e: std::io::Error| Error::Usage(format!("worker pipe: {e}"));
    let (canonical, extractor) = match build(registry, spec) {
        Ok(built) => built,
        Err(e) => {
            write_frame(&mut output, BUILD_FAILED, 0, e.to_string().as_bytes()).map_err(io_err)?;
            return Err(e);
        }
    };
    // One-time set-up inside the extractor (compiled patterns, tables) happens on its first page:
    // do it before the first timed request.
    let warm_up = Page { id: "warm-up".into(), html: WARM_UP_HTML.into(), url: None };
    let _ = isolate(|| extractor.extract(&warm_up).map_err(|e| e.to_string()));
    write_frame(&mut output, READY, 0, canonical.as_bytes()).map_err(io_err)?;
    while let Some(page) = read_request(&mut input).map_err(io_err)? {
        let t0 = Instant::now();
        let result = isolate(|| extractor.extract(&page).map_err(|e| e.to_string()));
        let nanos = u64::try_from(t0.elapsed().as_nanos()).unwrap_or(u64::MAX);
        match result {
            Ok(text) => write_frame(&mut output, OK, nanos, text.as_bytes()),
            Err(msg) => write_frame(&mut output, FAILED, nanos, msg.as_bytes()),
        }
        .map_err(io_err)?;
    }
    Ok(())
}

/// One running worker: its process, the pipe to it, and the frames its reader thread receives.
struct Worker {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    frames: Receiver<std::io::Result<Frame>>,
}

/// What a pool starts: the executable, the spec, and what its workers must build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerSpec {
    /// The `corpusbench` executable.
    pub exe: PathBuf,
    /// The extractor spec as given.
    pub spec: String,
    /// The canonical spec the parent built from it; a worker that built another is refused.
    pub canonical: String,
    /// Whether the workers install the testing aids (the parent's registry has them).
    pub testing_aids: bool,
}

impl WorkerSpec {
    /// The worker spec of `spec` as `registry` builds it.
    pub fn new(exe: &Path, registry: &Registry, spec: &str) -> Result<WorkerSpec, Error> {
        let (_, params) = registry.params(spec)?;
        Ok(WorkerSpec {
            exe: exe.to_path_buf(),
            spec: spec.to_string(),
            canonical: params.canonical(),
            testing_aids: registry.has_testing_aids(),
        })
    }
}

impl Worker {
    fn spawn(ws: &WorkerSpec) -> Result<Worker, String> {
        let exe = &ws.exe;
        let mut child = super::command(exe, super::WORKER, ws.testing_aids)
            .args(["--strategy", &ws.spec])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start worker {}: {e}", exe.display()))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("worker started without pipes".into());
        };
        let (tx, frames) = channel();
        // The reader ends when the worker's stdout closes (exit or kill) or nobody listens.
        std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            loop {
                let frame = read_frame(&mut stdout);
                let end = frame.is_err();
                if tx.send(frame).is_err() || end {
                    break;
                }
            }
        });
        let mut worker = Worker { child, stdin: BufWriter::new(stdin), frames };
        match worker.frames.recv_timeout(STARTUP_BUDGET) {
            Ok(Ok(f)) if f.status == READY && f.payload == ws.canonical.as_bytes() => Ok(worker),
            Ok(Ok(f)) if f.status == READY => {
                worker.stop();
                Err(format!(
                    "worker built `{}`, not `{}`: the executable's registry differs from this one",
                    String::from_utf8_lossy(&f.payload),
                    ws.canonical
                ))
            }
            Ok(Ok(f)) if f.status == BUILD_FAILED => {
                worker.stop();
                Err(String::from_utf8_lossy(&f.payload).into_owned())
            }
            Ok(Ok(_)) => {
                worker.stop();
                Err("worker sent an unexpected handshake".into())
            }
            Ok(Err(e)) => {
                worker.stop();
                Err(format!("worker exited before it was ready: {e}"))
            }
            Err(_) => {
                worker.stop();
                Err(format!("worker was not ready within {}s", STARTUP_BUDGET.as_secs()))
            }
        }
    }

    /// Sends one page and waits for its answer until `budget` has passed.
    fn ask(&mut self, page: &Page, budget: Duration) -> (PageOutcome, bool) {
        let started = Instant::now();
        if let Err(e) = write_request(&mut self.stdin, page) {
            return (PageOutcome::Failed(format!("worker died: {e}")), false);
        }
        let left = budget.saturating_sub(started.elapsed());
        match self.frames.recv_timeout(left) {
            Ok(Ok(f)) => {
                let text = String::from_utf8_lossy(&f.payload).into_owned();
                let outcome = match f.status {
                    OK => PageOutcome::Ok { text, secs: f.nanos as f64 / 1e9 },
                    _ => PageOutcome::Failed(text),
                };
                (outcome, true)
            }
            Ok(Err(e)) => (PageOutcome::Failed(format!("worker died: {e}")), false),
            Err(RecvTimeoutError::Disconnected) => (PageOutcome::Failed("worker died".into()), false),
            Err(RecvTimeoutError::Timeout) => (PageOutcome::Timeout, false),
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A pool of workers running one extractor spec.
pub struct Pool {
    spec: WorkerSpec,
    workers: Vec<Option<Worker>>,
}

impl Pool {
    /// Starts `size` workers for `spec`; fails (with the worker's reason) when the strategy
    /// cannot be built or the executable cannot be started.
    pub fn start(spec: &WorkerSpec, size: usize) -> Result<Pool, String> {
        let workers = (0..size.max(1)).map(|_| Worker::spawn(spec).map(Some)).collect::<Result<_, _>>()?;
        Ok(Pool { spec: spec.clone(), workers })
    }

    /// Extracts every page, each within `budget`, in parallel over the pool; outcomes are in
    /// page order. A worker that times out or dies is replaced before its next page.
    pub fn run(&mut self, pages: &[Page], budget: Duration) -> Vec<PageOutcome> {
        let next = AtomicUsize::new(0);
        let spec = &self.spec;
        let parts: Vec<Vec<(usize, PageOutcome)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .workers
                .iter_mut()
                .map(|slot| {
                    let next = &next;
                    scope.spawn(move || {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(page) = pages.get(i) else { break };
                            if slot.is_none() {
                                match Worker::spawn(spec) {
                                    Ok(w) => *slot = Some(w),
                                    Err(e) => {
                                        done.push((i, PageOutcome::Failed(format!("cannot restart worker: {e}"))));
                                        continue;
                                    }
                                }
                            }
                            let Some(worker) = slot.as_mut() else { continue };
                            let (outcome, healthy) = worker.ask(page, budget);
                            if !healthy {
                                // Dropping kills the process; a fresh one serves the next page.
                                *slot = None;
                            }
                            done.push((i, outcome));
                        }
                        done
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
        });
        let mut outcomes: Vec<Option<PageOutcome>> = vec![None; pages.len()];
        for (i, outcome) in parts.into_iter().flatten() {
            outcomes[i] = Some(outcome);
        }
        outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| PageOutcome::Failed("page was not processed".into())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "html-extractors")]
    fn worker_answers_requests_in_order_after_handshake() {
        let pages = [
            Page { id: "a".into(), html: "<p>one</p>".into(), url: Some("https://x.test/".into()) },
            Page { id: "b".into(), html: "<p>two</p>".into(), url: None },
        ];
        let mut input = Vec::new();
        for p in &pages {
            write_request(&mut input, p).unwrap();
        }
        let mut output = Vec::new();
        serve(&Registry::builtin(), "plain", input.as_slice(), &mut output).unwrap();
        let mut r = output.as_slice();
        let ready = read_frame(&mut r).unwrap();
        assert_eq!((ready.status, ready.payload.as_slice()), (READY, b"plain".as_slice()));
        for want in ["one", "two"] {
            let f = read_frame(&mut r).unwrap();
            assert_eq!((f.status, f.payload.as_slice()), (OK, want.as_bytes()));
        }
        assert!(r.is_empty());
    }

    #[test]
    fn worker_reports_a_bad_spec_in_its_handshake() {
        let mut output = Vec::new();
        assert!(serve(&Registry::builtin(), "nope", [].as_slice(), &mut output).is_err());
        let f = read_frame(&mut output.as_slice()).unwrap();
        assert_eq!(f.status, BUILD_FAILED);
        assert!(String::from_utf8_lossy(&f.payload).contains("unknown strategy"));
    }
}
