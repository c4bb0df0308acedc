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
use crate::model::{Page, Task};
use crate::strategy::{Extractor, Registry};

/// A small article a worker extracts once before it says it is ready.
const WARM_UP_HTML: &str = "<html><head><title>Warm-up</title></head><body><nav><a href=/>Home</a></nav>\
    <article><h1>Warm-up</h1><p>This paragraph is extracted once, before any timed page, so that the \
    extractor's one-time set-up is not counted as the latency of the first page it is given.</p></article>\
    <footer>Footer</footer></body></html>";

/// The canonical spec of an extractor spec (every parameter, defaults included), or why it
/// cannot be built as one.
fn build(registry: &Registry, spec: &str) -> Result<(String, Box<dyn Extractor>), Error> {
    let (_, params) = registry.params(spec)?;
    Ok((params.canonical(), registry.extract(spec)?))
}

/// The worker's side: waits for the runner's `hello`, builds the extractor `spec` from
/// `registry`, answers `ready` (with its canonical spec) or `error`, then answers `extract`
/// requests until its input ends. Panics inside the extractor become error answers.
pub fn serve(registry: &Registry, spec: &str, input: impl Read, output: impl Write) -> Result<(), Error> {
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
    let (canonical, extractor) = match build(registry, spec) {
        Ok(built) => built,
        Err(e) => {
            send(&mut output, protocol::error_line(&e.to_string())).map_err(io_err)?;
            return Err(e);
        }
    };
    // One-time set-up inside the extractor (compiled patterns, tables) happens on its first page:
    // do it before the first timed request.
    let warm_up = Page { id: "warm-up".into(), html: WARM_UP_HTML.into(), url: None };
    let _ = isolate(|| extractor.extract(&warm_up).map_err(|e| e.to_string()));
    send(&mut output, protocol::ready_line("corpusbench", env!("CARGO_PKG_VERSION"), Some(&canonical)))
        .map_err(io_err)?;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line).map_err(io_err)? == 0 {
            return Ok(());
        }
        let answer = match Incoming::parse(&line) {
            Ok(m) if m.op == "extract" => {
                let page = Page { id: m.id, html: m.html, url: m.url };
                let t0 = Instant::now();
                let result = isolate(|| extractor.extract(&page).map_err(|e| e.to_string()));
                protocol::page_line(&page.id, &result, t0.elapsed().as_secs_f64())
            }
            Ok(m) => protocol::error_line(&format!("this worker serves extraction, not `{}`", m.op)),
            Err(e) => protocol::error_line(&e),
        };
        send(&mut output, answer).map_err(io_err)?;
    }
}

/// How to start workers serving `spec` as `registry` builds it: the `worker` subcommand of
/// `exe`, which must report the same canonical spec; its standard error goes to `log`.
pub fn launch(exe: &Path, registry: &Registry, spec: &str, log: Option<std::sync::Arc<Log>>) -> Result<Launch, Error> {
    let (_, params) = registry.params(spec)?;
    let mut args = vec![super::WORKER.to_string()];
    if registry.has_testing_aids() {
        args.push(format!("--{}", super::TESTING_AIDS));
    }
    args.extend(["--strategy".to_string(), spec.to_string()]);
    Ok(Launch {
        program: exe.to_path_buf(),
        args,
        env: Vec::new(),
        task: Task::Extract,
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
        crate::engine::protocol::Request::Hello { protocol: PROTOCOL, task: "extract", params: &Default::default() }
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
        serve(&Registry::builtin(), "plain", input.as_slice(), &mut output).unwrap();
        let lines: Vec<&[u8]> = output.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(ready(lines[0]).unwrap().spec.as_deref(), Some("plain"));
        for (line, (id, want)) in lines[1..].iter().zip([("a", "one"), ("b", "two")]) {
            assert_eq!(page_answer(line, id).unwrap().map(|(t, _)| t), Ok(want.to_string()));
        }
    }

    #[test]
    fn worker_reports_a_bad_spec_in_its_handshake() {
        let mut output = Vec::new();
        assert!(serve(&Registry::builtin(), "nope", hello().as_slice(), &mut output).is_err());
        let err = crate::engine::protocol::ready(output.strip_suffix(b"\n").unwrap()).unwrap_err();
        assert!(err.contains("unknown strategy"), "{err}");
    }

    #[test]
    fn worker_refuses_a_missing_hello() {
        let mut output = Vec::new();
        assert!(serve(&Registry::builtin(), "plain", b"{\"op\":\"extract\"}\n".as_slice(), &mut output).is_err());
        assert!(String::from_utf8_lossy(&output).contains("not a hello"));
    }
}
