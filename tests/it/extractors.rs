//! Every registered extractor on every hand-made page, on adversarial input, and under the
//! runner's per-page time budget.

use std::path::Path;
use std::time::Duration;

use corpusbench::child::worker::{WorkerOptions, launch};
use corpusbench::corpus::load_dataset;
use corpusbench::engine::Pool;
use corpusbench::model::{Dataset, ExtractGold, Items, Page};
use corpusbench::runner::{self, RunOptions, Selected};
use corpusbench::strategy::{Extractor, Registry};

const HANDMADE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/handmade-extract");

fn handmade() -> (Vec<Page>, Vec<ExtractGold>) {
    let ds = load_dataset(Path::new(HANDMADE)).expect("bundled dataset loads");
    assert!(ds.issues.is_empty(), "{:?}", ds.issues);
    match ds.items {
        Items::Extract { pages, gold } => (pages, gold),
        Items::Dedup { .. } | Items::Streamed { .. } => panic!("handmade-extract is an extraction dataset"),
    }
}

fn extractor(spec: &str) -> Box<dyn Extractor> {
    Registry::builtin().extract(spec).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Snippets of `page` that each extractor must find (`with`) or must not output (`without`).
/// `plain` keeps visible boilerplate by design, so it is held to every `with` snippet and to the
/// `without` snippets that are invisible in a browser (scripts, hidden elements, templates).
#[test]
fn plain_keeps_every_visible_main_text_snippet_and_drops_invisible_text() {
    let (pages, gold) = handmade();
    let plain = extractor("plain");
    let invisible: &[(&str, &[&str])] = &[
        (
            "hidden-content",
            &[
                "Download our app for breaking news alerts",
                "Your session has expired",
                "Printed from the website of the Marsh Trust",
                "Menu icon",
                "Please enable JavaScript",
                "Template text that is never rendered",
                "Injected by script",
            ],
        ),
        ("news-article", &["dataLayer", "Harbour town votes to keep its night ferry | The Coastal Ledger"]),
        ("product-page", &["schema.org"]),
        ("blog-comments", &["font-family"]),
        ("code-tutorial", &["background: #eee"]),
    ];
    for (page, g) in pages.iter().zip(&gold) {
        let out = squash(&plain.extract(page).unwrap());
        for w in &g.with {
            assert!(out.contains(&squash(w)), "plain on {}: missing {w:?} in {out:?}", page.id);
        }
        let hidden = invisible.iter().find(|(id, _)| *id == page.id).map(|(_, s)| *s).unwrap_or(&[]);
        for h in hidden {
            assert!(!out.contains(h), "plain on {}: kept invisible {h:?}", page.id);
        }
    }
}

#[test]
fn plain_breaks_lines_at_blocks_and_keeps_code_indentation() {
    let (pages, _) = handmade();
    let plain = extractor("plain");
    let code = pages.iter().find(|p| p.id == "code-tutorial").unwrap();
    let out = plain.extract(code).unwrap();
    assert!(out.contains("\n    let total = prices.iter().sum::<u32>();\n"), "{out}");
    let faq = pages.iter().find(|p| p.id == "faq-page").unwrap();
    let out = plain.extract(faq).unwrap();
    assert!(out.contains("\nA swimming costume and a towel\nA padlock for the lockers, or a one euro coin\n"), "{out}");
}

/// Pages on which each boilerplate-removing extractor gets every `with` snippet and avoids every
/// `without` snippet. The lists pin behaviour read from the extractors' outputs and checked by hand
/// against the pages; a page missing from a list is one the algorithm is known to get wrong
/// (jusText drops articles whose paragraphs are all shorter than its 200-character `length_high`,
/// and its English stoplist rejects the German article; trafilatura keeps `<template>` text;
/// rs-trafilatura keeps the listing's "Next page" link).
const PINNED: &[(&str, &[&str])] = &[
    (
        "readability",
        &[
            "news-article",
            "blog-comments",
            "product-page",
            "german-article",
            "code-tutorial",
            "hidden-content",
            "faq-page",
        ],
    ),
    (
        "trafilatura",
        &[
            "news-article",
            "blog-comments",
            "product-page",
            "cookie-banner",
            "listing-page",
            "german-article",
            "code-tutorial",
            "faq-page",
        ],
    ),
    (
        "sift",
        &[
            "news-article",
            "blog-comments",
            "forum-thread",
            "product-page",
            "cookie-banner",
            "german-article",
            "code-tutorial",
            "hidden-content",
            "faq-page",
        ],
    ),
    ("justext", &["news-article", "blog-comments", "product-page", "hidden-content"]),
    (
        "rs-trafilatura",
        &[
            "news-article",
            "blog-comments",
            "forum-thread",
            "product-page",
            "cookie-banner",
            "german-article",
            "code-tutorial",
            "hidden-content",
            "faq-page",
        ],
    ),
];

#[test]
fn main_text_extractors_keep_article_text_and_drop_boilerplate_on_pinned_pages() {
    let (pages, gold) = handmade();
    for (spec, pinned) in PINNED {
        let ex = extractor(spec);
        for (page, g) in pages.iter().zip(&gold) {
            let out = squash(&ex.extract(page).unwrap_or_else(|e| panic!("{spec} on {}: {e}", page.id)));
            if !pinned.contains(&page.id.as_str()) {
                continue;
            }
            for w in &g.with {
                assert!(out.contains(&squash(w)), "{spec} on {}: missing {w:?} in {out:?}", page.id);
            }
            for wo in &g.without {
                assert!(!out.contains(wo.as_str()), "{spec} on {}: kept boilerplate {wo:?} in {out:?}", page.id);
            }
        }
    }
}

/// `trafilatura@python` and `rs-trafilatura` add a blog's comments after the article (Python
/// trafilatura's default); `trafilatura` leaves them out.
#[test]
fn python_defaults_include_the_comments_trafilatura_leaves_out() {
    let (pages, gold) = handmade();
    let i = pages.iter().position(|p| p.id == "blog-comments").unwrap();
    let comment = "The numbered pages are the trick";
    let text = |spec: &str| squash(&extractor(spec).extract(&pages[i]).unwrap());
    assert!(!text("trafilatura").contains(comment), "{}", text("trafilatura"));
    assert!(!text("rs-trafilatura:comments=false").contains(comment), "{}", text("rs-trafilatura:comments=false"));
    for spec in ["trafilatura@python", "rs-trafilatura"] {
        let out = text(spec);
        assert!(out.contains(comment), "{spec}: {out}");
        for w in &gold[i].with {
            assert!(out.contains(&squash(w)), "{spec}: missing {w:?} in {out:?}");
        }
        // The comments follow the article.
        assert!(out.find(comment) > out.find(&squash(&gold[i].with[2])), "{spec}: {out}");
    }
    assert_eq!(extractor("trafilatura@python").name(), "trafilatura@python");
}

fn adversarial() -> Vec<Page> {
    let page = |id: &str, html: String| Page { id: id.to_string(), html, url: Some("not a url".into()) };
    vec![
        page("empty", String::new()),
        page("unclosed", "<div><p>unclosed <b>bold <i>italic <table><tr><td>cell".repeat(300)),
        page("deep", "<div>".repeat(100_000) + "deep text" + &"</div>".repeat(100_000)),
        page("huge-attribute", format!("<p title=\"{}\">after a huge attribute</p>", "x".repeat(2_000_000))),
        page("entities", "<p>&bogus; &#xFFFFFF; &#0; &#55296; &amp &lt;&gt &#x; &;</p>".to_string()),
        page("binary", "\u{0}\u{1}<\u{0}>\u{FFFD}</".to_string()),
        page("stray-end-tags", "</div></p></li></body></html>text".repeat(1_000)),
    ]
}

#[test]
fn plain_handles_adversarial_input_in_process() {
    let plain = extractor("plain");
    let pages = adversarial();
    let text = |id: &str| plain.extract(pages.iter().find(|p| p.id == id).unwrap()).unwrap();
    assert_eq!(text("empty"), "");
    assert_eq!(text("deep"), "deep text");
    assert_eq!(text("huge-attribute"), "after a huge attribute");
    assert_eq!(text("entities"), "&bogus; \u{FFFD} \u{FFFD} \u{FFFD} & <> &#x; &;");
    assert!(text("unclosed").starts_with("unclosed bold italic\ncell\nunclosed"), "{}", text("unclosed"));
    // A stray `</p>` opens and closes an empty paragraph in a browser, so each `text` is a line.
    assert_eq!(text("stray-end-tags"), vec!["text"; 1_000].join("\n"));
}

#[test]
fn sift_handles_adversarial_input_in_process_in_linear_time() {
    let sift = extractor("sift");
    let pages = adversarial();
    let text = |id: &str| sift.extract(pages.iter().find(|p| p.id == id).unwrap()).unwrap();
    assert_eq!(text("empty"), "");
    let start = std::time::Instant::now();
    assert_eq!(text("deep"), "deep text");
    assert!(start.elapsed() < Duration::from_secs(2), "100,000 nested divs took {:?}", start.elapsed());
    assert_eq!(text("huge-attribute"), "after a huge attribute");
    for page in &pages {
        // No panic, and the same answer twice.
        assert_eq!(sift.extract(page).unwrap(), sift.extract(page).unwrap(), "{}", page.id);
    }
    // A million nested divs: ten times the depth, about ten times the time (linear, no recursion).
    let deep = Page {
        id: "deeper".into(),
        html: "<div>".repeat(1_000_000) + "deeper text" + &"</div>".repeat(1_000_000),
        url: None,
    };
    let start = std::time::Instant::now();
    assert_eq!(sift.extract(&deep).unwrap(), "deeper text");
    assert!(start.elapsed() < Duration::from_secs(20), "1,000,000 nested divs took {:?}", start.elapsed());
}

#[test]
fn sift_keeps_code_indentation_and_forum_posts_and_drops_navigation_and_footer() {
    let (pages, _) = handmade();
    let sift = extractor("sift");
    let code = pages.iter().find(|p| p.id == "code-tutorial").unwrap();
    let out = sift.extract(code).unwrap();
    assert!(out.contains("\n    let total = prices.iter().sum::<u32>();\n"), "{out}");
    let news = pages.iter().find(|p| p.id == "news-article").unwrap();
    let out = sift.extract(news).unwrap();
    assert!(out.starts_with("Harbour town votes to keep its night ferry\nThe town council of Westhaven"), "{out}");
    for boilerplate in ["Subscribe today", "Related stories", "All rights reserved", "Privacy policy"] {
        assert!(!out.contains(boilerplate), "kept {boilerplate:?} in {out}");
    }
    // Every post of the forum thread is kept, with its author line; the forum's chrome is not.
    let forum = pages.iter().find(|p| p.id == "forum-thread").unwrap();
    let out = sift.extract(forum).unwrap();
    assert_eq!(out.matches("greenfinch").count(), 2, "{out}");
    assert!(out.contains("old_spade") && out.contains("moving its nitrogen up to the new growth"), "{out}");
    assert!(!out.contains("Forum index") && !out.contains("Users browsing this forum"), "{out}");
}

/// Some parsers overflow the stack on deep nesting or go quadratic on misnested formatting
/// tags; in worker processes that costs the page, never the run.
#[test]
fn adversarial_input_cannot_take_a_worker_run_down() {
    let pages = adversarial();
    let exe = Path::new(env!("CARGO_BIN_EXE_corpusbench"));
    let registry = Registry::builtin();
    for info in registry.defaults().filter(|s| s.task == corpusbench::model::Task::Extract) {
        let mut pool =
            Pool::start(&launch(exe, &registry, &info.name, WorkerOptions::default(), None).unwrap(), 2).unwrap();
        let outcomes = pool.run(&pages, Duration::from_secs(5));
        assert_eq!(outcomes.len(), pages.len());
        for (page, o) in pages.iter().zip(&outcomes) {
            let what = match o {
                runner::PageOutcome::Ok { .. } => "ok".to_string(),
                runner::PageOutcome::Failed(e) => format!("failed: {e}"),
                runner::PageOutcome::Timeout => "timeout".to_string(),
            };
            eprintln!("{} on {}: {what}", info.name, page.id);
            if ["empty", "entities", "binary"].contains(&page.id.as_str()) {
                assert!(matches!(o, runner::PageOutcome::Ok { .. }), "{} on {}: {o:?}", info.name, page.id);
            }
        }
    }
}

fn handmade_dataset() -> Dataset {
    load_dataset(Path::new(HANDMADE)).expect("bundled dataset loads")
}

fn metric(cell: &runner::Cell, name: &str) -> Option<f64> {
    cell.metrics
        .iter()
        .chain(cell.timing.as_ref().map(|t| t.metrics()).unwrap_or_default().iter())
        .find(|(m, _)| m == name)
        .map(|(_, v)| *v)
}

fn worker_options(timeout: Duration) -> RunOptions {
    RunOptions {
        page_timeout: timeout,
        worker: Some(env!("CARGO_BIN_EXE_corpusbench").into()),
        ..RunOptions::in_process(1, 2)
    }
}

#[test]
fn a_page_over_its_budget_is_a_timeout_and_the_run_goes_on() {
    let ds = handmade_dataset();
    let n = ds.len();
    let spec = "sleep:ms=60000,only=forum-thread";
    let selected = vec![
        Selected::build(&Registry::with_testing_aids(), spec).unwrap(),
        Selected::build(&Registry::builtin(), "plain").unwrap(),
    ];
    let t0 = std::time::Instant::now();
    let cells = runner::run(&[ds], &selected, worker_options(Duration::from_millis(500)), &mut |_, _| {}).unwrap();
    assert!(t0.elapsed() < Duration::from_secs(30), "the sleeping page was not cut off");
    let sleepy = &cells[0];
    assert!(sleepy.failure.is_none(), "{:?}", sleepy.failure);
    assert_eq!(metric(sleepy, "timeout_pages"), Some(1.0), "{:?}", sleepy.metrics);
    assert_eq!(metric(sleepy, "failed_pages"), Some(0.0));
    let plain = &cells[1];
    assert_eq!(metric(plain, "timeout_pages"), Some(0.0));
    assert_eq!(metric(plain, "failed_pages"), Some(0.0));
    let p50 = metric(plain, "latency_p50_ms").unwrap();
    let p99 = metric(plain, "latency_p99_ms").unwrap();
    assert!(p50 > 0.0 && p50 <= p99, "p50 {p50} p99 {p99}");
    assert!(metric(sleepy, "docs_per_s").is_some() && n == 10);
}

#[test]
fn workers_give_the_same_text_as_in_process_extraction() {
    let (pages, _) = handmade();
    let exe = Path::new(env!("CARGO_BIN_EXE_corpusbench"));
    let mut pool =
        Pool::start(&launch(exe, &Registry::builtin(), "plain", WorkerOptions::default(), None).unwrap(), 2).unwrap();
    let outcomes = pool.run(&pages, Duration::from_secs(30));
    let plain = extractor("plain");
    for (page, outcome) in pages.iter().zip(outcomes) {
        match outcome {
            runner::PageOutcome::Ok { text, .. } => assert_eq!(text, plain.extract(page).unwrap(), "{}", page.id),
            other => panic!("{}: {other:?}", page.id),
        }
    }
}

#[test]
fn a_bad_spec_fails_the_cell_with_the_workers_reason() {
    let exe = Path::new(env!("CARGO_BIN_EXE_corpusbench"));
    let spec = launch(exe, &Registry::builtin(), "justext:lang=Klingon", WorkerOptions::default(), None).unwrap();
    let err = Pool::start(&spec, 1).err().unwrap_or_default();
    assert!(err.contains("Klingon"), "{err}");
}

#[test]
fn in_process_runs_report_latency_and_no_timeouts() {
    let ds = handmade_dataset();
    let selected = vec![Selected::build(&Registry::builtin(), "plain").unwrap()];
    let cells = runner::run(&[ds], &selected, RunOptions::in_process(1, 1), &mut |_, _| {}).unwrap();
    assert_eq!(metric(&cells[0], "timeout_pages"), Some(0.0));
    assert!(metric(&cells[0], "latency_p99_ms").is_some());
    for m in ["latency_p50_ms", "latency_p99_ms", "timeout_pages"] {
        assert!(corpusbench::model::catalogue::varies(m), "{m}");
    }
}

#[test]
fn justext_needs_a_german_or_merged_stoplist_for_the_german_article() {
    let (pages, gold) = handmade();
    let i = pages.iter().position(|p| p.id == "german-article").unwrap();
    assert_eq!(extractor("justext").extract(&pages[i]).unwrap(), "");
    for spec in ["justext:lang=German", "justext:lang=all"] {
        let out = squash(&extractor(spec).extract(&pages[i]).unwrap());
        for w in &gold[i].with {
            assert!(out.contains(w.as_str()), "{spec}: missing {w:?} in {out:?}");
        }
    }
}

/// The pids of the live (not zombie) children of `pid`, from /proc.
fn live_children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // pid (comm) state ppid ...: comm may hold spaces, so split after its closing paren.
        let Some((head, rest)) = stat.rsplit_once(')') else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(state), Some(ppid)) = (fields.first(), fields.get(1)) else { continue };
        if *ppid == pid.to_string()
            && *state != "Z"
            && let Some(p) = head.split_whitespace().next().and_then(|p| p.parse().ok())
        {
            out.push(p);
        }
    }
    out
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().next() != Some("Z")))
        .unwrap_or(false)
}

/// A worker stuck in a page whose extractor never returns dies with its parent: killing the
/// run leaves no process behind.
#[test]
#[cfg(target_os = "linux")]
fn workers_die_with_their_parent_even_mid_page() {
    use std::time::{Duration, Instant};
    let tmp = tempfile::tempdir().unwrap();
    let corpus = crate::common::bundled_corpus().join("handmade-extract");
    let mut parent = std::process::Command::new(env!("CARGO_BIN_EXE_corpusbench"))
        .args(["--testing-aids", "run", "-s", "sleep:ms=600000", "--threads", "1", "--page-timeout", "600"])
        .arg("--corpus")
        .arg(&corpus)
        .current_dir(tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let workers = loop {
        let w = live_children(parent.id());
        if !w.is_empty() || t0.elapsed() > Duration::from_secs(30) {
            break w;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!workers.is_empty(), "no worker started");
    // Let the worker take its first page, then kill the parent without any chance to clean up.
    std::thread::sleep(Duration::from_millis(500));
    let _ = std::process::Command::new("kill").args(["-TERM", &parent.id().to_string()]).status();
    let _ = parent.wait();
    let t1 = Instant::now();
    while workers.iter().any(|&w| alive(w)) && t1.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left: Vec<u32> = workers.iter().copied().filter(|&w| alive(w)).collect();
    for &w in &left {
        let _ = std::process::Command::new("kill").args(["-KILL", &w.to_string()]).status();
    }
    assert!(left.is_empty(), "workers {left:?} outlived their parent");
}
