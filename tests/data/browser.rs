//! The HTML report in a real browser: `scripts/browser_check.py` opens a page in headless
//! chromium (Debian's, driven by the playwright of `scripts/browser.sh`) and checks it against the
//! report's contract (charts, tables and drill-downs its manifest lists, no console or page
//! error, nothing fetched off file://). The report of a run is checked, and the checker itself is
//! proven on a handmade page that follows the contract (tests/fixtures/report-contract.html) and
//! on broken variants of it, each of which it must fail. Reported as ignored where chromium or
//! the driver is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use serde_json::Value;

use crate::common::describe;

/// Held by each test here for as long as it runs a browser: one chromium at a time, so that the
/// render times measured are not those of browsers competing for the machine's two cores.
static ONE_BROWSER: Mutex<()> = Mutex::new(());

fn one_browser() -> std::sync::MutexGuard<'static, ()> {
    ONE_BROWSER.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The chromium the checker launches.
pub fn chromium() -> PathBuf {
    match std::env::var_os("CORPUSBENCH_CHROMIUM") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from("/usr/bin/chromium"),
    }
}

/// The python of the browser venv made by `scripts/browser.sh`.
pub fn python() -> PathBuf {
    crate::peers::peers_dir().join("browser/bin/python")
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the checker on `page`; its output and the JSON summary it wrote, if any.
fn check(page: &Path, screenshot: &Path) -> (Output, Option<Value>) {
    let json = screenshot.with_extension("json");
    let out = Command::new(python())
        .arg(repo().join("scripts/browser_check.py"))
        .arg(page)
        .arg(screenshot)
        .arg("--json")
        .arg(&json)
        .output()
        .expect("the browser venv's python runs");
    let summary = std::fs::read(&json).ok().map(|b| serde_json::from_slice(&b).expect("the summary is JSON"));
    (out, summary)
}

fn ids(summary: &Value, key: &str) -> usize {
    summary[key].as_array().map_or(0, Vec::len)
}

/// The screenshot is a PNG of more than `min` bytes.
fn assert_png(path: &Path, min: usize) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", path.display());
    assert!(bytes.len() > min, "{}: {} bytes, expected more than {min}", path.display(), bytes.len());
}

pub fn report_of_a_run_opens_and_renders_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let out = Command::new(env!("CARGO_BIN_EXE_corpusbench"))
        .args(["run", "--corpus", "corpus/handmade-extract", "--corpus", "corpus/synth-small", "--out"])
        .arg(&run_dir)
        .arg("--html")
        .current_dir(repo())
        .output()
        .expect("the corpusbench binary runs");
    assert!(out.status.success(), "corpusbench run --html failed: {}", describe(&out));
    let report = run_dir.join("report.html");
    assert!(report.is_file(), "run --html wrote no {}", report.display());

    let screenshot = tmp.path().join("report.png");
    let (out, summary) = {
        let _one = one_browser();
        check(&report, &screenshot)
    };
    assert!(out.status.success(), "browser_check failed on the run's report: {}", describe(&out));
    let summary = summary.expect("browser_check wrote its summary");
    eprintln!("browser_check on the report of handmade-extract + synth-small: {summary}");
    assert_eq!(summary["ok"], true, "{summary}");
    for key in ["charts", "tables", "drills_checked"] {
        assert!(ids(&summary, key) >= 1, "no {key} in {summary}");
    }
    assert_eq!(ids(&summary, "console_errors"), 0, "{summary}");
    let render_ms = summary["render_ms"].as_f64().expect("render_ms");
    assert!(render_ms < 2000.0, "the report took {render_ms} ms to render");
    assert_png(&screenshot, 10 * 1024);
}

fn fixture() -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/report-contract.html")).unwrap()
}

pub fn checker_passes_the_contract_fixture() {
    let tmp = tempfile::tempdir().unwrap();
    let screenshot = tmp.path().join("fixture.png");
    let _one = one_browser();
    let (out, summary) = check(&repo().join("tests/fixtures/report-contract.html"), &screenshot);
    assert!(out.status.success(), "browser_check failed on the contract fixture: {}", describe(&out));
    let summary = summary.expect("browser_check wrote its summary");
    eprintln!("browser_check on the contract fixture: {summary}");
    assert_eq!(summary["charts"], serde_json::json!(["bow-f1", "pair-f1"]), "{summary}");
    assert_eq!(summary["tables"], serde_json::json!(["extract", "dedup"]), "{summary}");
    assert_eq!(summary["drills_checked"], serde_json::json!(["page-3"]), "{summary}");
    assert_eq!(summary["bytes"].as_u64(), Some(fixture().len() as u64), "{summary}");
    assert!(summary["render_ms"].as_f64().is_some_and(|ms| ms > 0.0 && ms < 2000.0), "{summary}");
    assert_png(&screenshot, 10 * 1024);
}

/// Stands for the drawn elements of the fixture's pair-f1 chart in [`BROKEN`].
const PAIR_F1_MARKS: &str = "<the marks of pair-f1>";

/// Variants of the fixture that break the contract: (name, text replaced, replacement, what
/// the checker must say).
const BROKEN: &[(&str, &str, &str, &str)] = &[
    (
        "console-error",
        "<script>\n",
        "<script>\nconsole.error(\"chart data missing\");\n",
        "console error: chart data missing",
    ),
    ("page-error", "<script>\n", "<script>\nnull.boom;\n", "page error:"),
    ("chart-missing", "data-chart=\"pair-f1\"", "data-chart=\"pair-f2\"", "chart pair-f1: expected one"),
    // The text replaced is every drawn element of the pair-f1 chart, found by pair_f1_marks.
    ("chart-draws-nothing", PAIR_F1_MARKS, "", "chart pair-f1: the <svg> draws nothing"),
    (
        "table-without-rows",
        "<tr><td>minhash</td><td>0.934</td><td>12000</td></tr>\n    <tr><td>exact</td><td>0.501</td><td>95000</td></tr>",
        "",
        "table dedup: the <tbody> has no row",
    ),
    (
        "drill-does-not-open",
        ".showModal()",
        ".setAttribute(\"data-seen\", \"\")",
        "drill page-3: clicking its button did not show",
    ),
    (
        "network-request",
        "</style>",
        "</style>\n<link rel=\"stylesheet\" href=\"https://example.com/report.css\">",
        "request left file://: https://example.com/report.css",
    ),
    (
        "no-manifest",
        "id=\"report-manifest\"",
        "id=\"manifest\"",
        "expected one <script type=\"application/json\" id=\"report-manifest\">",
    ),
];

pub fn checker_fails_pages_that_break_the_contract() {
    let tmp = tempfile::tempdir().unwrap();
    let good = fixture();
    let pages: Vec<(&str, PathBuf, &str)> = BROKEN
        .iter()
        .map(|(name, from, to, says)| {
            let from = if *from == PAIR_F1_MARKS { pair_f1_marks(&good) } else { from.to_string() };
            assert!(good.contains(&from), "{name}: the fixture no longer holds {from:?}");
            let page = tmp.path().join(format!("{name}.html"));
            std::fs::write(&page, good.replacen(&from, to, 1)).unwrap();
            (*name, page, *says)
        })
        .collect();
    let _one = one_browser();
    for (name, page, says) in pages {
        let (out, summary) = check(&page, &page.with_extension("png"));
        assert_eq!(out.status.code(), Some(1), "{name}: browser_check should fail the page: {}", describe(&out));
        let summary = summary.unwrap_or_else(|| panic!("{name}: no summary: {}", describe(&out)));
        assert_eq!(summary["ok"], false, "{name}: {summary}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("browser_check: FAIL"), "{name}: {}", describe(&out));
        assert!(
            summary["failures"].as_array().unwrap().iter().any(|f| f.as_str().is_some_and(|f| f.contains(says))),
            "{name}: expected a failure saying {says:?}: {summary}"
        );
        eprintln!("{name}: failed as it should: {}", summary["failures"]);
    }
}

/// The drawn elements of the fixture's pair-f1 chart: everything between its `<svg ...>` line and
/// its `</svg>`.
fn pair_f1_marks(page: &str) -> String {
    let fig = page.find("data-chart=\"pair-f1\"").expect("the fixture has the pair-f1 chart");
    let open = fig + page[fig..].find("<svg").unwrap();
    let start = open + page[open..].find('>').unwrap() + 1;
    let end = start + page[start..].find("</svg>").unwrap();
    page[start..end].to_string()
}
