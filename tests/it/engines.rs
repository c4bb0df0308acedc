//! Declared engines through the runner, as a user meets them: the test engines in
//! `tests/engines/` (system python3, standard library only) transport pages losslessly, report
//! their overhead and version, and every way of breaking the protocol costs only its page or
//! cell, with a message that says what happened, while the run goes on.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use corpusbench::model::{Dataset, DedupGold, Doc, ExtractGold, Items, Page};
use corpusbench::runner::{self, Cell, RunOptions, Selected};
use corpusbench::strategy::Registry;

const TEST_ENGINES: &str = "tests/engines";

fn registry() -> Registry {
    let mut r = Registry::builtin();
    let errors = r.add_engines(&[PathBuf::from(TEST_ENGINES)]);
    assert!(errors.is_empty(), "{errors:?}");
    r
}

fn pages() -> Vec<Page> {
    let htmls = [
        "<p>caf\u{e9} \u{1F600} \u{4e2d}\u{6587}</p>".to_string(),
        "<p>tab\tand \u{1}control\u{7f} and \"quotes\" and \\backslash</p>".to_string(),
        format!("<p>{}</p>", "long line ".repeat(50_000)),
        "<p>line one\nline two\r\nline three</p>".to_string(),
        "<html><body>CRASH here</body></html>".to_string(),
    ];
    htmls.into_iter().enumerate().map(|(i, html)| Page { id: format!("p{i}"), html, url: None }).collect()
}

fn extract_dataset() -> Dataset {
    let pages = pages();
    let gold = pages
        .iter()
        .map(|_| ExtractGold { text: Some("ok".into()), with: vec![], without: vec![], page_type: None })
        .collect();
    Dataset::in_memory("engine-pages", Items::Extract { pages, gold })
}

fn dedup_dataset() -> Dataset {
    let docs: Vec<Doc> = ["a b c d e f g h i j", "a b c d e f g h i j", "something else entirely"]
        .iter()
        .enumerate()
        .map(|(i, t)| Doc { id: format!("d{i}"), text: t.to_string() })
        .collect();
    let gold = DedupGold { clusters: Some(vec![0, 0, 2]), spans: None, categories: None };
    Dataset::in_memory("engine-docs", Items::Dedup { docs, gold })
}

fn options(log_dir: Option<&Path>) -> RunOptions {
    RunOptions {
        page_timeout: Duration::from_secs(5),
        cell_timeout: Duration::from_secs(5),
        log_dir: log_dir.map(Path::to_path_buf),
        ..RunOptions::in_process(1, 2)
    }
}

fn run(ds: &Dataset, specs: &[&str], log_dir: Option<&Path>) -> Vec<Cell> {
    let r = registry();
    let selected: Vec<Selected> = specs.iter().map(|s| Selected::build(&r, s).unwrap()).collect();
    runner::run(std::slice::from_ref(ds), &selected, options(log_dir), &mut |_, _| {}).unwrap()
}

fn metric(cell: &Cell, name: &str) -> Option<f64> {
    cell.metrics.iter().find(|(m, _)| m == name).map(|(_, v)| *v)
}

fn failure(cell: &Cell) -> String {
    cell.failure.clone().unwrap_or_default()
}

#[test]
fn the_transport_is_lossless_and_the_engine_is_named() {
    let ds = extract_dataset();
    let r = registry();
    let sel = Selected::build(&r, "engine:echo").unwrap();
    let launch = sel.launch.clone().unwrap();
    let mut pool = corpusbench::engine::Pool::start(&launch, 2).unwrap();
    assert_eq!(pool.ready().name, "echo");
    let Items::Extract { pages, .. } = &ds.items else { unreachable!() };
    for (page, o) in pages.iter().zip(pool.run(pages, Duration::from_secs(10))) {
        match o {
            runner::PageOutcome::Ok { text, secs, wall_s } => {
                assert_eq!(text, page.html, "{}", page.id);
                assert!(wall_s >= secs);
            }
            other => panic!("{}: {other:?}", page.id),
        }
    }
}

#[test]
fn a_noop_engine_reports_overhead_latency_and_version() {
    let cells = run(&extract_dataset(), &["engine:noop"], None);
    let c = &cells[0];
    assert!(c.failure.is_none(), "{:?}", c.failure);
    let overhead = metric(c, "overhead_p50_ms").expect("overhead is measured");
    assert!(overhead > 0.0 && overhead < 1000.0, "{overhead}");
    assert_eq!(metric(c, "failed_pages"), Some(0.0));
    let engine = c.engine.as_ref().expect("the handshake is recorded");
    assert!(!engine.name.is_empty() && !engine.version.is_empty(), "{engine:?}");
    assert!(c.timing.as_ref().and_then(|t| t.latency_ms).is_some());
}

#[test]
fn engines_that_fail_to_start_fail_their_cell_and_the_run_goes_on() {
    let cases = [
        ("engine:bad-handshake", "not a handshake"),
        ("engine:wrong-protocol", "protocol 99"),
        ("engine:exits-at-start", "exiting at start on purpose"),
    ];
    let specs: Vec<&str> = cases.iter().map(|(s, _)| *s).chain(["engine:noop"]).collect();
    let cells = run(&extract_dataset(), &specs, None);
    for ((spec, want), cell) in cases.iter().zip(&cells) {
        assert!(failure(cell).contains(want), "{spec}: {:?}", cell.failure);
    }
    assert!(cells[3].failure.is_none(), "{:?}", cells[3].failure);
}

#[test]
fn a_silent_engine_costs_each_page_its_budget_only() {
    let ds = extract_dataset();
    let r = registry();
    let selected = vec![Selected::build(&r, "engine:never-answers").unwrap()];
    let opts = RunOptions { page_timeout: Duration::from_millis(300), ..options(None) };
    let t0 = Instant::now();
    let cells = runner::run(&[ds], &selected, opts, &mut |_, _| {}).unwrap();
    assert!(t0.elapsed() < Duration::from_secs(30), "{:?}", t0.elapsed());
    assert!(failure(&cells[0]).contains("all 5 pages timed out"), "{:?}", cells[0].failure);
}

#[test]
fn bad_answers_cost_their_page_with_a_reason() {
    let cells = run(
        &extract_dataset(),
        &[
            "engine:invalid-json",
            "engine:crash-on-page",
            "engine:wrong-id",
            "engine:invalid-utf8",
            "engine:error-answer",
        ],
        None,
    );
    // `p1` gets `not json`; the other pages are answered.
    assert_eq!(metric(&cells[0], "failed_pages"), Some(1.0), "{:?}", cells[0]);
    // The engine dies on `p4`, is restarted, and the pages after it are answered.
    assert_eq!(metric(&cells[1], "failed_pages"), Some(1.0), "{:?}", cells[1]);
    for (cell, want) in cells[2..].iter().zip(["answer is for page `other`", "not valid UTF-8", "boom"]) {
        assert!(
            failure(cell).contains("all 5 pages failed") && failure(cell).contains(want),
            "{want}: {:?}",
            cell.failure
        );
    }
}

#[test]
fn a_flood_on_stderr_is_logged_up_to_its_cap() {
    let dir = tempfile::tempdir().unwrap();
    let cells = run(&extract_dataset(), &["engine:stderr-flood"], Some(dir.path()));
    assert!(cells[0].failure.is_none(), "{:?}", cells[0].failure);
    assert_eq!(metric(&cells[0], "failed_pages"), Some(0.0));
    let log = dir.path().join("engine_stderr-flood.log");
    let len = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    assert_eq!(len, corpusbench::engine::log::LOG_CAP, "{}", log.display());
}

#[test]
fn deduplicating_engines_are_scored_and_their_breaches_fail_the_cell() {
    let cells = run(
        &dedup_dataset(),
        &[
            "engine:noop-dedup",
            "engine:dedup-bad-spans",
            "engine:dedup-unsorted-spans",
            "engine:dedup-wrong-count",
            "engine:dedup-error",
            "engine:dedup-hang",
            "exact",
        ],
        None,
    );
    let noop = &cells[0];
    assert!(noop.failure.is_none(), "{:?}", noop.failure);
    // Every document alone: no pair found, so recall 0 and no false positive.
    assert_eq!(metric(noop, "pair_recall"), Some(0.0), "{:?}", noop.metrics);
    assert_eq!(metric(noop, "failed_docs"), Some(0.0));
    assert!(noop.engine.is_some());
    let wants = ["outside document", "not sorted", "answered 2 of 3", "engine error: boom", "cell budget"];
    for (cell, want) in cells[1..6].iter().zip(wants) {
        assert!(failure(cell).contains(want), "{}: {want}: {:?}", cell.strategy, cell.failure);
    }
    assert_eq!(metric(&cells[6], "pair_recall"), Some(1.0), "the built-in after them runs");
}

#[test]
fn a_users_engine_needs_only_a_declaration_and_gets_its_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let script = "import json,sys\n\
        hello=json.loads(sys.stdin.readline())\n\
        print(json.dumps({'op':'ready','protocol':1,'name':'mine','version':'0.1'}),flush=True)\n\
        for line in sys.stdin:\n\
        \x20   m=json.loads(line)\n\
        \x20   text=json.dumps(hello['params'],sort_keys=True)\n\
        \x20   print(json.dumps({'id':m['id'],'text':text,'compute_s':0.0}),flush=True)\n";
    std::fs::write(dir.path().join("mine.py"), script).unwrap();
    std::fs::write(
        dir.path().join("mine.toml"),
        "task = \"extract\"\ncommand = [\"python3\", \"{dir}/mine.py\"]\n\
         [params.threshold]\ndefault = 0.5\n[params.mode]\ndefault = \"fast\"\n",
    )
    .unwrap();
    let mut r = Registry::builtin();
    assert!(r.add_engines(&[dir.path().to_path_buf()]).is_empty());
    let page = Page { id: "x".into(), html: "<p>x</p>".into(), url: None };
    let extractor = r.extract("engine:mine:threshold=0.7").unwrap();
    assert_eq!(extractor.extract(&page).unwrap(), r#"{"mode": "fast", "threshold": "0.7"}"#);
    let err = r.extract("engine:mine:colour=red").err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("no parameter `colour`") && err.contains("threshold"), "{err}");
}

#[test]
fn the_cli_lists_engines_with_whether_they_run_and_reports_bad_declarations() {
    let dir = tempfile::tempdir().unwrap();
    let engines = dir.path().join("mine");
    std::fs::create_dir_all(&engines).unwrap();
    std::fs::write(engines.join("broken.toml"), "task = \"sort\"\ncommand = [\"x\"]\n").unwrap();
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join(TEST_ENGINES);
    let out = crate::common::corpusbench(
        dir.path(),
        &["--engines", tests.to_str().unwrap(), "--engines", engines.to_str().unwrap(), "list"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("engine:noop") && stdout.contains("runnable: noop"), "{stdout}");
    let line = stdout.lines().skip_while(|l| !l.contains("engine:exits-at-start")).nth(1).unwrap_or_default();
    assert!(line.contains("NOT runnable here") && line.contains("exiting at start on purpose"), "{line}");
    assert!(stderr.contains("broken.toml") && stderr.contains("task"), "{stderr}");
    assert_eq!(out.status.code(), Some(2), "a malformed declaration is an input error");
    let missing = crate::common::corpusbench(dir.path(), &["--engines", "no-such-folder", "list"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-folder"));
}
