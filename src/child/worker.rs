//! corpusbench's own extraction workers: `corpusbench worker --strategy SPEC` serves one
//! built-in extractor over engine protocol v1 ([`crate::engine::protocol`]), so the runner's
//! pool treats a built-in and a declared engine alike: each page within a time budget, a page
//! that hangs or crashes its worker costing only that page.
//!
//! The worker's handshake carries the canonical spec it built (`spec`); the runner refuses a
//! worker that built another, which would mean the executable's registry differs from its own.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::time::Instant;

use crate::engine::protocol::{self, Incoming, PROTOCOL};
use crate::engine::{Launch, Log, STARTUP_BUDGET};
use crate::error::{Error, isolate};
use crate::model::{DedupOutput, Doc, DocView, Page};
use crate::strategy::{Deduplicator, Extractor, Registry, Strategy};

/// A small article a worker extracts once before it says it is ready.
const WARM_UP_HTML: &str = "<html><head><title>Warm-up</title></head><body><nav><a href=/>Home</a></nav>\
    <article><h1>Warm-up</h1><p>This paragraph is extracted once, before any timed page, so that the \
    extractor's one-time set-up is not counted as the latency of the first page it is given.</p></article>\
    <footer>Footer</footer></body></html>";

/// What a worker serves: an extractor, or a deduplicator on its own thread pool.
enum Served {
    Extract(Box<dyn Extractor>),
    Dedup(Box<dyn Deduplicator>, rayon::ThreadPool),
}

/// The canonical spec of `spec` (every parameter, defaults included) and the strategy built
/// from it, or why it cannot be built.
fn build(registry: &Registry, spec: &str, threads: usize) -> Result<(String, Served), Error> {
    let (_, params) = registry.params(spec)?;
    let served = match registry.build(spec)? {
        Strategy::Extract(e) => Served::Extract(e),
        Strategy::Dedup(d) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads.max(1))
                .build()
                .map_err(|e| Error::Usage(format!("cannot start {threads} threads: {e}")))?;
            Served::Dedup(d, pool)
        }
    };
    Ok((params.canonical(), served))
}

/// How a worker runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorkerOptions {
    /// Threads of a deduplicator's pool.
    pub threads: usize,
    /// The most heap a deduplication may hold at once (see [`crate::cost::set_budget`]).
    pub memory_limit: Option<u64>,
}

/// The worker's side: waits for the runner's `hello`, builds `spec` from `registry`, answers
/// `ready` (with its canonical spec) or `error`, then answers `extract` requests, or `dedup`
/// datasets, until its input ends. Panics inside the strategy become error answers.
pub fn serve(
    registry: &Registry,
    spec: &str,
    options: WorkerOptions,
    input: impl Read,
    output: impl Write,
) -> Result<(), Error> {
    let mut input = BufReader::new(input);
    let mut output = std::io::BufWriter::new(output);
    let io_err = |e: std::io::Error| Error::Usage(format!("worker pipe: {e}"));
    let send = |out: &mut std::io::BufWriter<_>, line: Vec<u8>| out.write_all(&line).and_then(|_| out.flush());
    let mut line = Vec::new();
    input.read_until(b'\n', &mut line).map_err(io_err)?;
    let hello = Incoming::parse(&line).ok().filter(|m| m.op == "hello");
    let refuse = match &hello {
        None => Some("the first message is not a hello".to_string()),
        Some(h) if h.protocol != Some(u64::from(PROTOCOL)) => Some(format!("this worker speaks protocol {PROTOCOL}")),
        Some(_) => None,
    };
    if let Some(why) = refuse {
        send(&mut output, protocol::error_line(&why)).map_err(io_err)?;
        return Err(Error::Usage(why));
    }
    let (canonical, served) = match build(registry, spec, options.threads) {
        Ok(built) => built,
        Err(e) => {
            send(&mut output, protocol::error_line(&e.to_string())).map_err(io_err)?;
            return Err(e);
        }
    };
    if let Served::Extract(extractor) = &served {
        // One-time set-up inside the extractor (compiled patterns, tables) happens on its first
        // page: do it before the first timed request.
        let warm_up = Page { id: "warm-up".into(), html: WARM_UP_HTML.into(), url: None };
        let _ = isolate(|| extractor.extract(&warm_up).map_err(|e| e.to_string()));
    }
    crate::cost::set_budget(options.memory_limit);
    let raw = hello.as_ref().is_some_and(|h| h.payloads.iter().any(|p| p == protocol::RAW));
    send(&mut output, protocol::ready_line("corpusbench", env!("CARGO_PKG_VERSION"), Some(&canonical), raw))
        .map_err(io_err)?;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line).map_err(io_err)? == 0 {
            return Ok(());
        }
        let mut message = Incoming::parse(&line);
        if let Ok(m) = &mut message
            && let Err(e) = m.read_raw(&mut input).map_err(io_err)?
        {
            message = Err(e);
        }
        let answer = match (&served, message) {
            (Served::Extract(extractor), Ok(m)) if m.op == "extract" => {
                let page = Page { id: m.id, html: m.html, url: m.url };
                let t0 = Instant::now();
                let result = isolate(|| extractor.extract(&page).map_err(|e| e.to_string()));
                protocol::page_line(&page.id, &result, t0.elapsed().as_secs_f64())
            }
            (Served::Dedup(dedup, pool), Ok(m)) if m.op == "dedup" && dedup.stream().is_some() => {
                // Documents go to the strategy batch by batch as they arrive, or as this process
                // reads them from the files it was given; only ids and lengths are kept, for the
                // answers.
                let expected = m.docs.unwrap_or(0);
                let (result, allocs) = crate::cost::measured(|| {
                    isolate(|| match &m.files {
                        Some(files) => from_files(&mut input, files, expected, dedup.as_ref(), pool),
                        None => streamed(&mut input, expected, dedup.as_ref(), pool),
                    })
                });
                match result.and_then(|(out, ids, secs)| out.validate(&ids).map(|()| (out, ids, secs))) {
                    Ok((out, ids, secs)) => {
                        write_dedup(&mut output, &ids, &out, secs, allocs.peak_bytes).map_err(io_err)?;
                        continue;
                    }
                    Err(e) => protocol::error_line(&e),
                }
            }
            (Served::Dedup(dedup, pool), Ok(m)) if m.op == "dedup" => {
                let docs = match read_docs(&mut input, m.docs.unwrap_or(0)) {
                    Ok(docs) => docs,
                    Err(e) => {
                        send(&mut output, protocol::error_line(&e)).map_err(io_err)?;
                        continue;
                    }
                };
                let t0 = Instant::now();
                let (result, allocs) = pool
                    .install(|| crate::cost::measured(|| isolate(|| dedup.dedup(&docs).map_err(|e| e.to_string()))));
                let secs = t0.elapsed().as_secs_f64();
                match result.and_then(|out| out.validate(&docs).map(|()| out)) {
                    Ok(out) => {
                        write_dedup(&mut output, &docs, &out, secs, allocs.peak_bytes).map_err(io_err)?;
                        continue;
                    }
                    Err(e) => protocol::error_line(&e),
                }
            }
            (_, Ok(m)) => protocol::error_line(&format!("this worker does not serve `{}`", m.op)),
            (_, Err(e)) => protocol::error_line(&e),
        };
        send(&mut output, answer).map_err(io_err)?;
    }
}

/// The next message inside a dataset (its raw payload read too), with `line` as the buffer.
fn next_message(input: &mut impl BufRead, line: &mut Vec<u8>) -> Result<Incoming, String> {
    line.clear();
    match input.read_until(b'\n', line) {
        Ok(0) => return Err("input ended inside a dataset".into()),
        Ok(_) => {}
        Err(e) => return Err(format!("worker pipe: {e}")),
    }
    let mut m = Incoming::parse(line)?;
    m.read_raw(input).map_err(|e| format!("worker pipe: {e}"))??;
    Ok(m)
}

/// Reads the `doc` messages of one dataset up to its `end`.
fn read_docs(input: &mut impl BufRead, expected: usize) -> Result<Vec<Doc>, String> {
    let mut docs = Vec::with_capacity(expected.min(1 << 20));
    let mut line = Vec::new();
    loop {
        let m = next_message(input, &mut line)?;
        match m.op.as_str() {
            "doc" => docs.push(Doc { id: m.id, text: m.text }),
            "end" if docs.len() == expected => return Ok(docs),
            "end" => return Err(format!("dedup announced {expected} documents, {} came", docs.len())),
            other => return Err(format!("`{other}` inside a dataset")),
        }
    }
}

/// The ids and lengths of the documents a streaming deduplication was given.
#[derive(Default)]
struct Seen {
    ids: Vec<Box<str>>,
    char_lens: Vec<u32>,
}

impl DocView for Seen {
    fn count(&self) -> usize {
        self.ids.len()
    }
    fn id(&self, i: usize) -> &str {
        &self.ids[i]
    }
    fn char_len(&self, i: usize) -> usize {
        self.char_lens[i] as usize
    }
    fn texts(&self, _: &[u32]) -> Result<Vec<std::borrow::Cow<'_, str>>, String> {
        Err("a worker keeps no texts".into())
    }
}

/// A streaming deduplication being fed: its stream, the documents seen, the seconds spent in
/// the strategy, and its first failure (after which nothing more is pushed).
struct Fed<'a> {
    stream: Box<dyn crate::strategy::DedupStream + 'a>,
    pool: &'a rayon::ThreadPool,
    seen: Seen,
    secs: f64,
    failure: Option<String>,
}

impl<'a> Fed<'a> {
    fn new(dedup: &'a dyn Deduplicator, pool: &'a rayon::ThreadPool) -> Result<Fed<'a>, String> {
        let stream = dedup.stream().ok_or("the strategy has no streaming form")?;
        Ok(Fed { stream, pool, seen: Seen::default(), secs: 0.0, failure: None })
    }

    /// Records a document's id and length, for the answers.
    fn see(&mut self, id: Box<str>, text: &str) -> Result<(), String> {
        let chars = u32::try_from(text.chars().count()).map_err(|_| "a text of more than 2^32 characters")?;
        self.seen.ids.push(id);
        self.seen.char_lens.push(chars);
        Ok(())
    }

    /// Pushes `batch` to the stream, unless it has failed already.
    fn push(&mut self, batch: &[Doc]) {
        if self.failure.is_none() && !batch.is_empty() {
            let t0 = Instant::now();
            if let Err(e) = self.pool.install(|| self.stream.push(batch)) {
                self.failure = Some(e.to_string());
            }
            self.secs += t0.elapsed().as_secs_f64();
        }
    }

    /// The output, the documents seen and the strategy's seconds: the first failure, else a
    /// count other than `expected` (`miscount` says it), else the stream's own finish, after the
    /// rounds of documents it wants again, found by `select` (their reading is in its seconds).
    fn finish(
        self,
        expected: usize,
        miscount: impl FnOnce(usize) -> String,
        select: &mut crate::strategy::Select<'_, '_>,
    ) -> Result<(DedupOutput, Seen, f64), String> {
        if let Some(e) = self.failure {
            return Err(e);
        }
        if self.seen.count() != expected {
            return Err(miscount(self.seen.count()));
        }
        let t0 = Instant::now();
        let (stream, pool) = (self.stream, self.pool);
        let out = pool.install(|| crate::strategy::finish_stream(stream, select)).map_err(|e| e.to_string())?;
        Ok((out, self.seen, self.secs + t0.elapsed().as_secs_f64()))
    }
}

/// Reads the `doc` messages of one dataset up to its `end`, pushing them to `dedup`'s stream in
/// batches; the output, the documents seen and the seconds spent in the strategy. After a
/// failure the rest of the dataset is still read, so the pipe stays in step. Documents that came
/// over the pipe cannot be read again, so a stream that may want some again
/// ([`DedupStream::reads_again`](crate::strategy::DedupStream::reads_again)) has the texts kept
/// here until it finishes: the memory of the texts, as the parent holds them too.
fn streamed(
    input: &mut impl BufRead,
    expected: usize,
    dedup: &dyn Deduplicator,
    pool: &rayon::ThreadPool,
) -> Result<(DedupOutput, Seen, f64), String> {
    let mut fed = Fed::new(dedup, pool)?;
    let keep = fed.stream.reads_again();
    let mut texts: Vec<String> = Vec::new();
    let mut batch: Vec<Doc> = Vec::new();
    let mut held = 0usize;
    let mut line = Vec::new();
    let mut hand_over = |fed: &mut Fed, batch: &mut Vec<Doc>| {
        fed.push(batch);
        if keep {
            texts.extend(batch.drain(..).map(|d| d.text));
        }
        batch.clear();
    };
    loop {
        let m = next_message(input, &mut line)?;
        match m.op.as_str() {
            "doc" => {
                fed.see(m.id.into_boxed_str(), &m.text)?;
                held += m.text.len();
                batch.push(Doc { id: String::new(), text: m.text });
                if held >= crate::model::docs::BATCH_BYTES {
                    hand_over(&mut fed, &mut batch);
                    held = 0;
                }
            }
            "end" => break,
            other => return Err(format!("`{other}` inside a dataset")),
        }
    }
    hand_over(&mut fed, &mut batch);
    let miscount = |n| format!("dedup announced {expected} documents, {n} came");
    fed.finish(expected, miscount, &mut |wanted, each| {
        for &i in wanted {
            let text = texts.get(i as usize).ok_or_else(|| format!("no document {i} was kept"))?;
            each(i, std::borrow::Cow::Borrowed(text.as_str()));
        }
        Ok(())
    })
}

/// Reads the documents of one dataset from the files `files` describes (a
/// [`ShardSource`](crate::corpus::shards::ShardSource)) and pushes them to `dedup`'s stream in
/// batches, then reads the request's `end`; as [`streamed`] returns. Reading stops at the
/// strategy's first failure.
fn from_files(
    input: &mut impl BufRead,
    files: &serde_json::Value,
    expected: usize,
    dedup: &dyn Deduplicator,
    pool: &rayon::ThreadPool,
) -> Result<(DedupOutput, Seen, f64), String> {
    let mut line = Vec::new();
    let end = next_message(input, &mut line)?;
    if end.op != "end" {
        return Err(format!("`{}` inside a dataset read from its files", end.op));
    }
    let source = <crate::corpus::shards::ShardSource as serde::Deserialize>::deserialize(files)
        .map_err(|e| format!("the dataset's files are not described: {e}"))?;
    let mut fed = Fed::new(dedup, pool)?;
    use crate::model::DocSource as _;
    let read = source.batches(crate::model::docs::BATCH_BYTES, &mut |batch| {
        for d in batch {
            fed.see(d.id.as_str().into(), &d.text)?;
        }
        fed.push(batch);
        if fed.failure.is_some() { Err(String::new()) } else { Ok(()) }
    });
    if let Err(e) = read
        && fed.failure.is_none()
    {
        return Err(e);
    }
    let miscount = |n| format!("the files hold {n} documents, {expected} were loaded");
    // The documents the strategy wants again are read again from the files.
    fed.finish(expected, miscount, &mut |wanted, each| {
        source.select(wanted, &mut |i, doc| each(i, std::borrow::Cow::Owned(doc.text)))
    })
}

/// Writes a deduplication's answers: one line per document, then `done`.
fn write_dedup<D: DocView + ?Sized>(
    out: &mut impl Write,
    docs: &D,
    dedup: &DedupOutput,
    secs: f64,
    peak: u64,
) -> std::io::Result<()> {
    for i in 0..docs.count() {
        let cluster = dedup.cluster.as_ref().and_then(|c| c.get(i)).copied();
        let spans = dedup.dup_spans.as_ref().and_then(|s| s.get(i)).map(Vec::as_slice);
        let figures: Vec<(&str, f64)> =
            dedup.doc_stats.iter().filter_map(|(name, v)| v.get(i).map(|x| (name.as_str(), *x))).collect();
        out.write_all(&protocol::doc_line(docs.id(i), cluster, spans, &figures))?;
    }
    out.write_all(&protocol::done_line(secs, &dedup.stats, dedup.pairs.as_ref(), Some(peak)))?;
    out.flush()
}

/// How to start workers serving `spec` as `registry` builds it: the `worker` subcommand of
/// `exe`, which must report the same canonical spec; its standard error goes to `log`.
pub fn launch(
    exe: &Path,
    registry: &Registry,
    spec: &str,
    options: WorkerOptions,
    log: Option<std::sync::Arc<Log>>,
) -> Result<Launch, Error> {
    let (info, params) = registry.params(spec)?;
    let mut args = vec![super::WORKER.to_string()];
    if registry.has_testing_aids() {
        args.push(format!("--{}", super::TESTING_AIDS));
    }
    args.extend(["--strategy".to_string(), spec.to_string()]);
    args.extend(["--threads".to_string(), options.threads.max(1).to_string()]);
    if let Some(limit) = options.memory_limit {
        args.extend(["--memory-limit".to_string(), limit.to_string()]);
    }
    // OpenMP threads (libsais, in `suffix-array`) sleep rather than spin at their barriers unless
    // the user says otherwise: spinning on a loaded machine made a construction 9x slower.
    let env = match std::env::var_os("OMP_WAIT_POLICY") {
        None => vec![("OMP_WAIT_POLICY".to_string(), "passive".to_string())],
        Some(_) => Vec::new(),
    };
    Ok(Launch {
        program: exe.to_path_buf(),
        args,
        env,
        task: info.task,
        params: Default::default(),
        expect_spec: Some(params.canonical()),
        startup: STARTUP_BUDGET,
        log,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello() -> Vec<u8> {
        hello_offering(&[])
    }

    fn hello_offering(payloads: &[&str]) -> Vec<u8> {
        crate::engine::protocol::Request::Hello {
            protocol: PROTOCOL,
            task: "extract",
            params: &Default::default(),
            payloads,
        }
        .line()
    }

    #[test]
    #[cfg(feature = "html-extractors")]
    fn worker_answers_requests_in_order_after_handshake() {
        use crate::engine::protocol::{Request, page_answer, ready};
        let mut input = hello();
        input.extend(Request::Extract { id: "a", url: Some("https://x.test/"), html: "<p>one</p>" }.line());
        input.extend(Request::Extract { id: "b", url: None, html: "<p>two</p>" }.line());
        let mut output = Vec::new();
        serve(&Registry::builtin(), "plain", WorkerOptions::default(), input.as_slice(), &mut output).unwrap();
        let lines: Vec<&[u8]> = output.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(ready(lines[0]).unwrap().spec.as_deref(), Some("plain"));
        for (line, (id, want)) in lines[1..].iter().zip([("a", "one"), ("b", "two")]) {
            assert_eq!(page_answer(line, id).unwrap().map(|(t, _)| t), Ok(want.to_string()));
        }
    }

    #[test]
    #[cfg(feature = "html-extractors")]
    fn worker_takes_raw_payloads_and_stays_in_step_after_one_that_is_not_utf8() {
        use crate::engine::protocol::{PAYLOADS, Request, page_answer, ready};
        let mut input = hello_offering(PAYLOADS);
        input.extend(Request::Extract { id: "a", url: None, html: "<p>caf\u{e9}\n\"x\"</p>" }.frame(true));
        input.extend(b"{\"op\":\"extract\",\"id\":\"bad\",\"html_bytes\":3}\n\xff\xfe\xfd");
        input.extend(Request::Extract { id: "b", url: None, html: "<p>two</p>" }.frame(true));
        let mut output = Vec::new();
        serve(&Registry::builtin(), "plain", WorkerOptions::default(), input.as_slice(), &mut output).unwrap();
        let lines: Vec<&[u8]> = output.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 4);
        assert!(ready(lines[0]).unwrap().raw);
        assert_eq!(page_answer(lines[1], "a").unwrap().map(|(t, _)| t), Ok("caf\u{e9} \"x\"".to_string()));
        let bad = String::from_utf8_lossy(lines[2]);
        assert!(bad.contains("not valid UTF-8"), "{bad}");
        assert_eq!(page_answer(lines[3], "b").unwrap().map(|(t, _)| t), Ok("two".to_string()));
    }

    #[test]
    fn worker_without_an_offer_speaks_json_payloads() {
        let mut output = Vec::new();
        serve(&Registry::builtin(), "plain", WorkerOptions::default(), hello().as_slice(), &mut output).unwrap();
        assert!(!crate::engine::protocol::ready(output.strip_suffix(b"\n").unwrap()).unwrap().raw);
    }

    #[test]
    fn worker_reports_a_bad_spec_in_its_handshake() {
        let mut output = Vec::new();
        assert!(
            serve(&Registry::builtin(), "nope", WorkerOptions::default(), hello().as_slice(), &mut output).is_err()
        );
        let err = crate::engine::protocol::ready(output.strip_suffix(b"\n").unwrap()).unwrap_err();
        assert!(err.contains("unknown strategy"), "{err}");
    }

    #[test]
    fn worker_refuses_a_missing_hello() {
        let mut output = Vec::new();
        assert!(
            serve(
                &Registry::builtin(),
                "plain",
                WorkerOptions::default(),
                b"{\"op\":\"extract\"}\n".as_slice(),
                &mut output
            )
            .is_err()
        );
        assert!(String::from_utf8_lossy(&output).contains("not a hello"));
    }
}
