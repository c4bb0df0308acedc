//! One running engine process and the protocol spoken with it.
//!
//! The caller's thread writes each request and reads its answer itself ([`Pipes`], every wait
//! bounded by a deadline); one thread drains the engine's standard error into the run's log.
//! The caller waits for each answer with a deadline; an engine that misses it, dies or breaks the protocol is killed, and the caller
//! starts a fresh one for the next item.

use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::log::Log;
use super::pipe::{Miss, Pipes};
use super::protocol::{self, Answer, Label, PAYLOADS, PROTOCOL, Ready, Request};
use super::{Launch, PageOutcome};
use crate::model::{DedupOutput, Doc, DocView, Page, Pairs};

/// Hands documents over in batches, in dataset order: calls its argument once per batch and
/// stops at its first error.
pub type Feed<'a> = dyn FnMut(&mut dyn FnMut(&[Doc]) -> Result<(), String>) -> Result<(), String> + 'a;

/// How much of an engine's standard error is kept for messages.
const TAIL: usize = 2048;

/// Dedup messages are written in batches of about this many bytes.
const BATCH: usize = 1 << 20;

/// A running engine that has completed its handshake.
pub struct Link {
    child: Child,
    pipes: Pipes,
    tail: Arc<Mutex<VecDeque<u8>>>,
    /// What the engine said of itself.
    pub ready: Ready,
}

/// What a deduplicating engine answered for a whole dataset.
#[derive(Debug, Clone)]
pub struct DedupAnswer {
    /// The output, in corpusbench's terms (labels by smallest index, spans checked).
    pub output: DedupOutput,
    /// The engine's own compute seconds.
    pub compute_s: f64,
    /// Documents the engine answered with an error (kept whole).
    pub failed_docs: usize,
    /// The heap high-water mark the engine reported (corpusbench's own workers do).
    pub peak_heap_bytes: Option<u64>,
}

fn command(launch: &Launch) -> Command {
    let mut cmd = Command::new(&launch.program);
    cmd.args(&launch.args).envs(launch.env.iter().map(|(k, v)| (k, v)));
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

impl Link {
    /// Starts the engine of `launch` and performs the handshake within its start-up budget.
    pub fn start(launch: &Launch) -> Result<Link, String> {
        let mut child =
            command(launch).spawn().map_err(|e| format!("cannot start `{}`: {e}", launch.program.display()))?;
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("engine started without pipes".into());
        };
        let pipes = match Pipes::new(stdin, stdout) {
            Ok(pipes) => pipes,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("cannot set up the engine's pipes: {e}"));
            }
        };
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        spawn_drain(stderr, launch.log.clone(), tail.clone());
        let mut link = Link { child, pipes, tail, ready: Ready::default() };
        let deadline = Instant::now() + launch.startup;
        let hello = Request::Hello {
            protocol: PROTOCOL,
            task: launch.task.as_str(),
            params: &launch.params,
            payloads: PAYLOADS,
        }
        .line();
        let line = match link.send(&[&hello], deadline).and_then(|_| link.recv(deadline)) {
            Ok(line) => line,
            Err(Miss::Timeout) => {
                return Err(link.fail(format!("no handshake within {}s", launch.startup.as_secs())));
            }
            Err(Miss::Closed(why)) => return Err(link.fail(format!("exited before its handshake ({why})"))),
        };
        link.ready = match protocol::ready(&line) {
            Ok(r) => r,
            Err(e) => return Err(link.fail(e)),
        };
        if let Some(want) = &launch.expect_spec
            && link.ready.spec.as_ref() != Some(want)
        {
            let got = link.ready.spec.clone().unwrap_or_default();
            return Err(link
                .fail(format!("worker built `{got}`, not `{want}`: the executable's registry differs from this one")));
        }
        Ok(link)
    }

    /// Writes `parts` in order, by `deadline`.
    fn send(&mut self, parts: &[&[u8]], deadline: Instant) -> Result<(), Miss> {
        self.pipes.send(parts, deadline)
    }

    /// The next line the engine wrote, waiting until `deadline`.
    fn recv(&mut self, deadline: Instant) -> Result<Vec<u8>, Miss> {
        self.pipes.recv(deadline)
    }

    /// Kills the engine and returns `why`, with its exit status and the end of its standard
    /// error when it had already died.
    fn fail(&mut self, why: String) -> String {
        let status = match self.child.try_wait() {
            Ok(Some(status)) => Some(status),
            _ => {
                // A dying engine may need a moment to be reaped; a live one is killed.
                std::thread::sleep(Duration::from_millis(20));
                self.child.try_wait().ok().flatten()
            }
        };
        self.stop();
        let mut msg = why;
        if let Some(status) = status {
            msg.push_str(&format!("; it exited with {status}"));
        }
        let tail = self.stderr_tail();
        if !tail.is_empty() {
            msg.push_str(&format!("; its stderr ends: {tail}"));
        }
        msg
    }

    fn stderr_tail(&self) -> String {
        let tail = self.tail.lock().map(|t| t.iter().copied().collect::<Vec<u8>>()).unwrap_or_default();
        let text = String::from_utf8_lossy(&tail);
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Extracts one page within `budget`. The flag says whether the engine can take the next
    /// page; when it is false the engine has been killed.
    pub fn extract(&mut self, page: &Page, budget: Duration) -> (PageOutcome, bool) {
        let started = Instant::now();
        let deadline = started + budget;
        let request = Request::Extract { id: &page.id, url: page.url.as_deref(), html: &page.html };
        let (header, bulk) = request.parts(self.ready.raw);
        let line = match self.send(&[&header, bulk], deadline).and_then(|_| self.recv(deadline)) {
            Ok(line) => line,
            Err(Miss::Timeout) => {
                self.stop();
                return (PageOutcome::Timeout, false);
            }
            Err(Miss::Closed(why)) => return (PageOutcome::Failed(self.fail(format!("engine died ({why})"))), false),
        };
        let wall = started.elapsed().as_secs_f64();
        match protocol::page_answer(&line, &page.id) {
            Ok(Ok((text, secs))) => (PageOutcome::Ok { text, secs, wall_s: wall.max(secs) }, true),
            Ok(Err(e)) => (PageOutcome::Failed(e), true),
            Err(breach) => (PageOutcome::Failed(self.fail(breach)), false),
        }
    }

    /// Deduplicates `docs` within `budget`. On any error the engine has been killed.
    pub fn dedup(&mut self, docs: &[Doc], budget: Duration) -> Result<DedupAnswer, String> {
        self.dedup_from(docs, &mut |each| each(docs), budget)
    }

    /// Deduplicates the documents `feed` hands over in batches (the documents of `docs`, in
    /// order), within `budget`; only the batch being sent is held. On any error the engine has
    /// been killed.
    pub fn dedup_from<D: DocView + ?Sized>(
        &mut self,
        docs: &D,
        feed: &mut Feed<'_>,
        budget: Duration,
    ) -> Result<DedupAnswer, String> {
        self.dedup_request(docs, None, feed, budget)
    }

    /// Deduplicates `docs` that corpusbench's own worker reads itself from `files` (the
    /// serialised source of a streamed dataset): only the request goes down the pipe.
    pub fn dedup_files<D: DocView + ?Sized>(
        &mut self,
        docs: &D,
        files: &serde_json::Value,
        budget: Duration,
    ) -> Result<DedupAnswer, String> {
        self.dedup_request(docs, Some(files), &mut |_| Ok(()), budget)
    }

    fn dedup_request<D: DocView + ?Sized>(
        &mut self,
        docs: &D,
        files: Option<&serde_json::Value>,
        feed: &mut Feed<'_>,
        budget: Duration,
    ) -> Result<DedupAnswer, String> {
        let deadline = Instant::now() + budget;
        let timeout = |budget: Duration| format!("no answer within the cell budget of {}s", budget.as_secs_f64());
        let mut batch = Request::Dedup { docs: docs.count(), files }.line();
        let mut sent = Ok(());
        let raw = self.ready.raw;
        let fed = feed(&mut |docs: &[Doc]| {
            for d in docs {
                let (header, bulk) = Request::Doc { id: &d.id, text: &d.text, url: None }.parts(raw);
                batch.extend_from_slice(&header);
                if batch.len() + bulk.len() > BATCH {
                    sent = self.send(&[&batch, bulk], deadline);
                    batch.clear();
                } else {
                    batch.extend_from_slice(bulk);
                }
                if sent.is_err() {
                    return Err(String::new());
                }
            }
            Ok(())
        });
        if let Err(e) = fed
            && sent.is_ok()
        {
            self.stop();
            return Err(format!("documents could not be read: {e}"));
        }
        if sent.is_ok() {
            batch.extend_from_slice(&Request::End.line());
            sent = self.send(&[&batch], deadline);
        }
        match sent {
            Err(Miss::Timeout) => {
                self.stop();
                return Err(timeout(budget));
            }
            Err(Miss::Closed(why)) => return Err(self.fail(format!("engine died ({why})"))),
            Ok(()) => {}
        }
        let mut answers = Assembler::default();
        loop {
            let line = match self.recv(deadline) {
                Ok(line) => line,
                Err(Miss::Timeout) => {
                    self.stop();
                    return Err(timeout(budget));
                }
                Err(Miss::Closed(why)) => return Err(self.fail(format!("engine died ({why})"))),
            };
            let a = match Answer::parse(&line) {
                Ok(a) => a,
                Err(e) => return Err(self.fail(e)),
            };
            if a.is("error") {
                // The engine said it failed this dataset; it stays up for the next one.
                return Err(format!("engine error: {}", a.message.unwrap_or_default()));
            }
            if a.is("done") {
                if answers.len() != docs.count() {
                    return Err(self.fail(format!("engine answered {} of {} documents", answers.len(), docs.count())));
                }
                return match answers.finish(docs, a) {
                    Ok(answer) => Ok(answer),
                    Err(e) => Err(self.fail(e)),
                };
            }
            if answers.len() >= docs.count() {
                return Err(self.fail(format!("engine answered more than the {} documents", docs.count())));
            }
            let doc = docs.id(answers.len());
            match a.id.as_deref() {
                Some(id) if id == doc => answers.push(docs, a),
                Some(id) => {
                    return Err(self.fail(format!("answer {} is for document `{id}`, not `{doc}`", answers.len() + 1)));
                }
                None => return Err(self.fail(format!("answer {} has no id", answers.len() + 1))),
            }
        }
    }

    /// Kills the engine (if it is still running) and reaps it.
    pub fn stop(&mut self) {
        self.pipes.close_input();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Copies an engine's standard error to the run's log (within the log's cap), keeping the last
/// [`TAIL`] bytes for messages.
fn spawn_drain(mut err: impl Read + Send + 'static, log: Option<Arc<Log>>, tail: Arc<Mutex<VecDeque<u8>>>) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match err.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if let Some(log) = &log {
                log.write(&buf[..n]);
            }
            if let Ok(mut t) = tail.lock() {
                t.extend(&buf[..n]);
                let extra = t.len().saturating_sub(TAIL);
                t.drain(..extra);
            }
        }
    });
}

/// Turns per-document answers (in document order, ids already matched) and the closing `done`
/// line into a [`DedupOutput`], one answer at a time (only what the output keeps is held),
/// checking each against its document; an output it returns passes [`DedupOutput::validate`].
/// The first problem is kept and reported at `done`, after the count of answers is checked.
#[derive(Default)]
pub struct Assembler {
    /// Answers taken.
    n: usize,
    /// Whether answers carry clusters and spans: the fields of the first answer that is not an
    /// error.
    fields: Option<(bool, bool)>,
    /// The first document of each label, by the label's xxh3-128 (integers and strings apart).
    first_of: HashMap<u128, u32, crate::text::hash::HashedKeys>,
    cluster: Vec<u32>,
    dup_spans: Vec<Vec<std::ops::Range<usize>>>,
    failed_docs: usize,
    /// Per-document figures: one column per name, in the order of first appearance, NaN where a
    /// document did not report it.
    columns: Vec<(String, Vec<f64>)>,
    problem: Option<String>,
}

impl Assembler {
    /// Answers taken so far.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether no answer was taken.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Takes the answer for document `self.len()` of `docs`.
    pub fn push<D: DocView + ?Sized>(&mut self, docs: &D, a: Answer) {
        let i = self.n;
        self.n += 1;
        if let Err(e) = self.take(docs, i, &a) {
            self.problem.get_or_insert(e);
        }
        for (name, _) in a.figures.iter().flat_map(|f| f.0.iter()) {
            if !self.columns.iter().any(|(n, _)| n == name) {
                self.columns.push((name.clone(), vec![f64::NAN; i]));
            }
        }
        for (name, column) in &mut self.columns {
            let found = a.figures.as_ref().and_then(|f| f.0.iter().find(|(n, _)| n == name)).map(|(_, v)| *v);
            column.push(found.filter(|v| v.is_finite()).unwrap_or(f64::NAN));
        }
    }

    fn take<D: DocView + ?Sized>(&mut self, docs: &D, i: usize, a: &Answer) -> Result<(), String> {
        let index = u32::try_from(i).map_err(|_| "more than 2^32 documents".to_string())?;
        if a.error.is_some() {
            self.failed_docs += 1;
            let (clusters, spans) = self.fields.unwrap_or((true, true));
            if clusters {
                self.cluster.push(index);
            }
            if spans {
                self.dup_spans.push(Vec::new());
            }
            return Ok(());
        }
        let (clusters, spans) = *self.fields.get_or_insert((a.cluster.is_some(), a.spans.is_some()));
        if !clusters && !spans {
            return Err(format!("the answer for document `{}` has neither cluster nor spans", docs.id(0)));
        }
        if a.cluster.is_some() != clusters || a.spans.is_some() != spans {
            return Err(format!(
                "the answer for document `{}` does not have the fields of the first answer",
                docs.id(i)
            ));
        }
        if let Some(label) = &a.cluster {
            let key = match label {
                Label::Int(n) => xxhash_rust::xxh3::xxh3_128_with_seed(&n.to_le_bytes(), 1),
                Label::Str(s) => xxhash_rust::xxh3::xxh3_128(s.as_bytes()),
            };
            self.cluster.push(*self.first_of.entry(key).or_insert(index));
        }
        if let Some(s) = &a.spans {
            self.dup_spans.push(check_spans(docs.id(i), docs.char_len(i), s)?);
        }
        Ok(())
    }

    /// The output, given the closing `done` line.
    pub fn finish<D: DocView + ?Sized>(self, docs: &D, done: Answer) -> Result<DedupAnswer, String> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        let (clusters, spans) = self.fields.unwrap_or((false, false));
        let compute_s = match done.compute_s {
            Some(s) if s.is_finite() && s >= 0.0 => s,
            _ => return Err("the closing line has no non-negative compute_s".into()),
        };
        let n = docs.count() as u64;
        if let Some(bad) = done.pairs.iter().flatten().find(|(i, j)| u64::from(*i) >= n || u64::from(*j) >= n) {
            return Err(format!("pair {bad:?} names a document beyond the {n} given"));
        }
        let output = DedupOutput {
            cluster: clusters.then_some(self.cluster),
            dup_spans: spans.then_some(self.dup_spans),
            pairs: done.pairs.map(|edges| Pairs { edges, group: done.pair_groups }),
            stats: done.stats.unwrap_or_default().0.into_iter().filter(|(_, v)| v.is_finite()).collect(),
            doc_stats: self.columns,
        };
        Ok(DedupAnswer { output, compute_s, failed_docs: self.failed_docs, peak_heap_bytes: done.peak_heap_bytes })
    }
}

/// Every answer at once, through an [`Assembler`]; answers past the last document are ignored
/// (the caller checks their number).
pub fn assemble<D: DocView + ?Sized>(docs: &D, answers: Vec<Answer>, done: Answer) -> Result<DedupAnswer, String> {
    let mut assembler = Assembler::default();
    for a in answers.into_iter().take(docs.count()) {
        assembler.push(docs, a);
    }
    assembler.finish(docs, done)
}

/// A document's spans as ranges, after checking they are sorted, disjoint and inside it.
fn check_spans(id: &str, len: usize, spans: &[(u64, u64)]) -> Result<Vec<std::ops::Range<usize>>, String> {
    let len = len as u64;
    let mut end = 0;
    let mut out = Vec::with_capacity(spans.len());
    for &(s, e) in spans {
        if s > e || e > len {
            return Err(format!("span [{s}, {e}) is outside document `{id}` ({len} chars)"));
        }
        if s < end {
            return Err(format!("spans of document `{id}` are not sorted and disjoint at [{s}, {e})"));
        }
        end = e;
        // Both ends are at most `len`, a char count of a string in memory.
        out.push(s as usize..e as usize);
    }
    Ok(out)
}
