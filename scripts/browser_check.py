#!/usr/bin/env python3
"""Opens a corpusbench report (report.html) in headless chromium and checks it against the
report's contract; saves a full-page screenshot.

    .peers/browser/bin/python scripts/browser_check.py REPORT_HTML SCREENSHOT_PNG [--json OUT]
        [--clip-height PX]

The contract, as the page's manifest lists it
(`<script type="application/json" id="report-manifest">{"charts":[..],"tables":[..],"drills":[..]}`):
  - each chart is `<figure class="chart" data-chart="ID">` holding one inline `<svg>` with a
    nonzero box and at least one drawn element with a nonzero box;
  - each table is `<table class="data" data-table="ID">` with a `<tbody>` of at least one row;
  - each drill-down is a `<button class="drill-open" data-drill="ID">` and a closed
    `<dialog class="drill" id="drill-ID">`; clicking the first button opens its dialog (the `open`
    attribute), which shows an element `.diff`;
  - and nothing else of the kinds above is on the page without being in the manifest.
The page must also log no console error and throw no page error, and request nothing but
file:, data:, blob: and about: URLs (anything else is aborted and is a failure).

Prints a JSON summary (also written to OUT with --json):
  {"ok", "failures", "charts", "tables", "drills_checked", "console_errors", "render_ms",
   "load_ms", "bytes", "screenshot", "chromium"}
render_ms is from navigation start to the first frame after the load event, after a forced
layout, measured inside the page; load_ms to the end of the load event; bytes is the size of
REPORT_HTML. Exit status: 0 when the page passes, 1 when it fails (each failure on stderr),
2 when the check cannot run (no chromium, no playwright, no such file).

The driver is playwright (installed by scripts/browser.sh), used only to drive Debian's
chromium: it is launched with executable_path (/usr/bin/chromium, or $CORPUSBENCH_CHROMIUM) and
never downloads a browser of its own. Only the standard library besides.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("CORPUSBENCH_CHROMIUM") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOCAL_SCHEMES = {"file", "data", "blob", "about"}
TIMEOUT_MS = 30_000

# Runs before the page's own scripts: after the load event, forces a layout and waits for the
# next two frames (the first paint that includes the loaded page), then records the time since
# navigation start. Measured in the page so that the driver's round trips are not counted.
RENDER_PROBE = """
window.addEventListener("load", () => {
  setTimeout(() => {
    document.documentElement.getBoundingClientRect();
    void document.body && document.body.offsetHeight;
    requestAnimationFrame(() => requestAnimationFrame(() => {
      window.__corpusbenchRenderMs = performance.now();
    }));
  }, 0);
});
"""

# Checks the static contract in the page; returns {charts, tables, drills, failures}.
CONTRACT = r"""
() => {
  const failures = [];
  const fail = (m) => failures.push(m);
  const box = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const mEl = document.querySelectorAll('script#report-manifest[type="application/json"]');
  if (mEl.length !== 1) {
    fail(`expected one <script type="application/json" id="report-manifest">, found ${mEl.length}`);
    return { charts: [], tables: [], drills: [], failures };
  }
  let manifest;
  try { manifest = JSON.parse(mEl[0].textContent); } catch (e) {
    fail(`the manifest is not JSON: ${e.message}`);
    return { charts: [], tables: [], drills: [], failures };
  }
  const list = (key) => {
    const v = manifest === null || typeof manifest !== "object" ? undefined : manifest[key];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string" && x.length > 0)) {
      fail(`manifest "${key}" is not a list of non-empty strings`);
      return [];
    }
    const seen = new Set();
    for (const id of v) { if (seen.has(id)) fail(`manifest "${key}" lists ${id} twice`); seen.add(id); }
    return v;
  };
  const charts = list("charts"), tables = list("tables"), drills = list("drills");
  const unlisted = (selector, attr, listed, what) => {
    for (const el of document.querySelectorAll(selector)) {
      const id = el.getAttribute(attr);
      if (!listed.includes(id)) fail(`${what} ${JSON.stringify(id)} is on the page but not in the manifest`);
    }
  };
  const one = (selector, what) => {
    const els = document.querySelectorAll(selector);
    if (els.length !== 1) { fail(`${what}: expected one ${selector}, found ${els.length}`); return null; }
    return els[0];
  };
  const drawn = "path, rect, circle, ellipse, line, polyline, polygon, text, image, use";

  for (const id of charts) {
    const fig = one(`figure.chart[data-chart="${CSS.escape(id)}"]`, `chart ${id}`);
    if (!fig) continue;
    const svgs = [...fig.querySelectorAll("svg")].filter((s) => !s.parentElement.closest("svg"));
    if (svgs.length !== 1) { fail(`chart ${id}: expected one inline <svg>, found ${svgs.length}`); continue; }
    const svg = svgs[0];
    if (!box(svg)) fail(`chart ${id}: the <svg> has an empty bounding box`);
    const marks = [...svg.querySelectorAll(drawn)];
    if (marks.length === 0) fail(`chart ${id}: the <svg> draws nothing (no ${drawn})`);
    else if (!marks.some((m) => { const r = m.getBoundingClientRect(); return r.width > 0 || r.height > 0; }))
      fail(`chart ${id}: every drawn element of the <svg> has an empty bounding box`);
  }
  unlisted("figure.chart", "data-chart", charts, "chart");

  for (const id of tables) {
    const t = one(`table.data[data-table="${CSS.escape(id)}"]`, `table ${id}`);
    if (!t) continue;
    if (!t.tBodies.length) fail(`table ${id}: no <tbody>`);
    else if (![...t.tBodies].some((b) => b.rows.length > 0)) fail(`table ${id}: the <tbody> has no row`);
  }
  unlisted("table.data", "data-table", tables, "table");

  for (const id of drills) {
    one(`button.drill-open[data-drill="${CSS.escape(id)}"]`, `drill ${id}`);
    const d = one(`dialog.drill#${CSS.escape("drill-" + id)}`, `drill ${id}`);
    if (!d) continue;
    if (d.hasAttribute("open")) fail(`drill ${id}: the dialog is open before its button is clicked`);
    if (!d.querySelector(".diff")) fail(`drill ${id}: the dialog holds no .diff`);
  }
  unlisted("button.drill-open", "data-drill", drills, "drill button");
  return { charts, tables, drills, failures };
}
"""


def check(report: Path, screenshot: Path, clip_height: int | None = None) -> dict:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    summary = {
        "ok": False,
        "failures": [],
        "charts": [],
        "tables": [],
        "drills_checked": [],
        "console_errors": [],
        "page_errors": [],
        "offline_violations": [],
        "render_ms": None,
        "load_ms": None,
        "bytes": report.stat().st_size,
        "screenshot": str(screenshot),
        "chromium": None,
    }
    failures = summary["failures"]
    url = report.resolve().as_uri()

    with tempfile.TemporaryDirectory(prefix="corpusbench-browser-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 900},
            service_workers="block",
        )
        try:
            summary["chromium"] = context.browser.version if context.browser else None

            def local(u: str) -> bool:
                return urlsplit(u).scheme.lower() in LOCAL_SCHEMES

            def offline(u: str):
                if u not in summary["offline_violations"]:
                    summary["offline_violations"].append(u)

            def on_route(route):
                offline(route.request.url)
                route.abort()

            # Anything that is not local is recorded and aborted before it reaches the network.
            context.route(lambda u: not local(u), on_route)
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(TIMEOUT_MS)

            def on_request(request):
                if not local(request.url):
                    offline(request.url)

            def on_console(msg):
                if msg.type == "error":
                    loc = msg.location or {}
                    where = f" ({loc.get('url', '')}:{loc.get('lineNumber', '')})" if loc.get("url") else ""
                    summary["console_errors"].append(msg.text + where)

            def on_failed(request):
                if local(request.url):
                    failures.append(f"request failed: {request.url}: {request.failure}")

            page.on("request", on_request)
            page.on("requestfailed", on_failed)
            page.on("websocket", lambda ws: offline(ws.url))
            page.on("console", on_console)
            page.on("pageerror", lambda err: summary["page_errors"].append(str(err)))
            page.add_init_script(RENDER_PROBE)

            # A blank local page first: the renderer process for file:// is started by it, so
            # that the report's render time is the page's own and not the process start-up.
            blank = Path(profile) / "blank.html"
            blank.write_text("<!DOCTYPE html><title>blank</title>")
            page.goto(blank.as_uri(), wait_until="load")
            page.goto(url, wait_until="load")
            page.wait_for_function("() => window.__corpusbenchRenderMs !== undefined")
            timing = page.evaluate(
                """() => {
                  const nav = performance.getEntriesByType("navigation")[0];
                  return { render: window.__corpusbenchRenderMs, load: nav ? nav.loadEventEnd : null };
                }"""
            )
            summary["render_ms"] = round(timing["render"], 1)
            summary["load_ms"] = None if timing["load"] is None else round(timing["load"], 1)

            contract = page.evaluate(CONTRACT)
            failures.extend(contract["failures"])
            summary["charts"], summary["tables"] = contract["charts"], contract["tables"]

            # The report as it loads, before any dialog is open.
            if clip_height:
                page.screenshot(
                    path=str(screenshot), clip={"x": 0, "y": 0, "width": 1280, "height": clip_height}, full_page=True
                )
            else:
                page.screenshot(path=str(screenshot), full_page=True)

            if contract["drills"]:
                drill = contract["drills"][0]
                button = page.locator(f'button.drill-open[data-drill="{drill}"]')
                dialog = page.locator(f'dialog.drill[id="drill-{drill}"]')
                try:
                    button.first.click(timeout=5_000)
                    dialog.first.wait_for(state="visible", timeout=5_000)
                    if dialog.first.get_attribute("open") is None:
                        failures.append(f"drill {drill}: the dialog is shown but has no open attribute")
                    diff = dialog.first.locator(".diff").first
                    diff.wait_for(state="visible", timeout=5_000)
                    bb = diff.bounding_box()
                    if not bb or bb["width"] <= 0 or bb["height"] <= 0:
                        failures.append(f"drill {drill}: the .diff has an empty bounding box")
                    else:
                        summary["drills_checked"].append(drill)
                except PlaywrightError as e:
                    first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                    failures.append(f"drill {drill}: clicking its button did not show its dialog's .diff: {first_line}")
            # Let errors thrown by the click's handlers arrive.
            page.wait_for_timeout(100)
        finally:
            context.close()

    for e in summary["console_errors"]:
        failures.append(f"console error: {e}")
    for e in summary["page_errors"]:
        failures.append(f"page error: {e}")
    for u in summary["offline_violations"]:
        failures.append(f"request left file://: {u}")
    if not screenshot.is_file() or screenshot.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
        failures.append(f"no PNG screenshot at {screenshot}")
    summary["ok"] = not failures
    return summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("report", type=Path, help="the report.html to open")
    ap.add_argument("screenshot", type=Path, help="where to save the full-page PNG screenshot")
    ap.add_argument("--json", type=Path, metavar="OUT", help="also write the summary to OUT")
    ap.add_argument(
        "--clip-height", type=int, metavar="PX", help="save only the top PX pixels of the page (for a picture)"
    )
    a = ap.parse_args()

    if not a.report.is_file():
        print(f"browser_check: no such file: {a.report}", file=sys.stderr)
        return 2
    if not os.access(CHROMIUM, os.X_OK):
        print(f"browser_check: {CHROMIUM} is missing; run scripts/browser.sh", file=sys.stderr)
        return 2
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        print(
            f"browser_check: playwright is not importable by {sys.executable}; "
            "run scripts/browser.sh and use .peers/browser/bin/python",
            file=sys.stderr,
        )
        return 2

    a.screenshot.parent.mkdir(parents=True, exist_ok=True)
    try:
        summary = check(a.report, a.screenshot, a.clip_height)
    except Exception as e:  # the browser or the driver broke: not a verdict on the page
        print(f"browser_check: could not check {a.report}: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    text = json.dumps(summary, indent=2)
    print(text)
    if a.json:
        a.json.write_text(text + "\n")
    if not summary["ok"]:
        print(f"browser_check: FAIL: {a.report}: {len(summary['failures'])} problem(s)", file=sys.stderr)
        for f in summary["failures"]:
            print(f"  - {f}", file=sys.stderr)
        return 1
    print(
        f"browser_check: ok: {len(summary['charts'])} charts, {len(summary['tables'])} tables, "
        f"{len(summary['drills_checked'])} drill-down opened, rendered in {summary['render_ms']} ms",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
