//! The HTML report (`report.html`) and its Markdown summary (`report.md`), both made from the
//! files of a run folder alone: `run.json`, `results.csv`, `examples.jsonl`, and `bench.csv`
//! and `cost.csv` when they are there. One self-contained file: charts are inline SVG
//! ([`super::svg`]), styles and the few lines of script (opening the drill-down) are inline,
//! nothing is fetched. The page lists what it holds in a JSON manifest
//! (`<script id="report-manifest">`), which the browser test checks against what renders.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::bench::{BenchRow, read_bench_csv};
use super::examples::{self as ex, ExampleRow};
use super::json::RunRecord;
use super::schema::{FAILED, ResultRow, read_rows};
use super::svg::{self, Axis, Point, Series, esc};
use crate::error::Error;
use crate::io::write_atomic;
use crate::metrics::bootstrap::{CI_HIGH, CI_LOW, DIFF, DIFF_HIGH, DIFF_LOW, P, TIED};
use crate::metrics::examples::{Example, PairKind};
use crate::model::catalogue::{self, Direction};

/// File names in the run folder.
pub const HTML_FILE: &str = "report.html";
/// The Markdown summary's file name.
pub const MARKDOWN_FILE: &str = "report.md";

/// Sweep curves and S-curves draw at most this many strategies each.
const MAX_LINES: usize = 8;

/// Everything a report is made from.
#[derive(Debug, Clone, Default)]
pub struct RunData {
    /// The run record.
    pub record: RunRecord,
    /// `results.csv`.
    pub results: Vec<ResultRow>,
    /// `examples.jsonl`.
    pub examples: Vec<ExampleRow>,
    /// `bench.csv`, when the folder has one.
    pub bench: Vec<BenchRow>,
    /// `cost.csv`, when the folder has one.
    pub cost: Vec<ResultRow>,
}

impl RunData {
    /// Reads a run folder.
    pub fn load(dir: &Path) -> Result<RunData, Error> {
        let record = RunRecord::read(&dir.join("run.json"))?;
        let results = read_rows(&dir.join("results.csv"))?;
        let examples = ex::read(dir)?;
        let bench_path = dir.join("bench.csv");
        let bench = if bench_path.exists() { read_bench_csv(&bench_path)? } else { Vec::new() };
        let cost_path = dir.join("cost.csv");
        let cost = if cost_path.exists() { read_rows(&cost_path)? } else { Vec::new() };
        Ok(RunData { record, results, examples, bench, cost })
    }
}

/// Writes `report.html` and `report.md` into the run folder `dir`; returns their paths.
pub fn write(dir: &Path) -> Result<(PathBuf, PathBuf), Error> {
    let data = RunData::load(dir)?;
    let (html_path, md_path) = (dir.join(HTML_FILE), dir.join(MARKDOWN_FILE));
    write_atomic(&html_path, html(&data).as_bytes())?;
    write_atomic(&md_path, markdown(&data).as_bytes())?;
    Ok((html_path, md_path))
}

/// One strategy on one dataset, as the results give it.
struct CellView<'a> {
    strategy: &'a str,
    metrics: BTreeMap<&'a str, f64>,
    failed: bool,
}

impl CellView<'_> {
    fn get(&self, m: &str) -> Option<f64> {
        self.metrics.get(m).copied().filter(|v| v.is_finite())
    }
    fn companion(&self, m: &str, c: &str) -> Option<f64> {
        self.get(&format!("{m}:{c}"))
    }
}

/// A dataset with its cells, ranked by the primary metric (failed cells last).
struct DatasetView<'a> {
    name: &'a str,
    task: String,
    items: usize,
    primary: String,
    higher: bool,
    cells: Vec<CellView<'a>>,
}

fn datasets(data: &RunData) -> Vec<DatasetView<'_>> {
    let mut out = Vec::new();
    for d in &data.record.datasets {
        let mut cells: Vec<CellView<'_>> = Vec::new();
        for r in data.results.iter().filter(|r| r.dataset == d.name) {
            let i = match cells.iter().position(|c| c.strategy == r.strategy) {
                Some(i) => i,
                None => {
                    cells.push(CellView { strategy: &r.strategy, metrics: BTreeMap::new(), failed: false });
                    cells.len() - 1
                }
            };
            if r.metric == FAILED {
                cells[i].failed = true;
            }
            cells[i].metrics.insert(&r.metric, r.value);
        }
        if cells.is_empty() {
            continue;
        }
        let primary = d.primary_metric.clone().unwrap_or_else(|| {
            ["span_f1", "pair_f1", "bow_f1", "shingle_f1", "snippet_f1"]
                .into_iter()
                .find(|m| cells.iter().any(|c| c.get(m).is_some()))
                .unwrap_or("pair_f1")
                .to_string()
        });
        let higher = catalogue::lookup(&primary).map(|m| m.direction) != Some(Direction::Lower);
        let key = |c: &CellView<'_>| c.get(&primary).map(|v| if higher { -v } else { v }).unwrap_or(f64::INFINITY);
        cells.sort_by(|a, b| a.failed.cmp(&b.failed).then(key(a).total_cmp(&key(b))));
        out.push(DatasetView {
            name: &d.name,
            task: d.task.map(|t| t.to_string()).unwrap_or_default(),
            items: d.items,
            primary,
            higher,
            cells,
        });
    }
    out
}

/// Which points no other point beats on both axes (both "higher is better").
fn front_of(points: &[(f64, f64)]) -> Vec<bool> {
    super::table::pareto(points)
}

/// Where a cell sits on an x axis: (the value drawn, the value as "higher is better").
type XOf<'f> = Box<dyn Fn(&CellView<'_>) -> Option<(f64, f64)> + 'f>;

/// The points of a sweep curve: parameter value and cell.
type Curve<'c, 'd> = Vec<(f64, &'c CellView<'d>)>;

/// What the page holds, for the manifest.
#[derive(Default)]
struct Manifest {
    charts: Vec<String>,
    tables: Vec<String>,
    drills: Vec<String>,
}

fn figure(out: &mut String, m: &mut Manifest, id: &str, caption: &str, svg: &str) {
    m.charts.push(id.to_string());
    let _ = write!(
        out,
        r#"<figure class="chart" data-chart="{id}"><figcaption>{}</figcaption>{svg}</figure>"#,
        esc(caption)
    );
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:0 16px 48px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #ddd}h3{font-size:15px}
table.data{border-collapse:collapse;margin:8px 0}table.data td,table.data th{padding:3px 8px;border-bottom:1px solid #eee;text-align:right}
table.data td:first-child,table.data th:first-child{text-align:left}tr.failed td{color:#b00}
.tie{color:#0a7d2c;font-weight:bold}.charts{display:flex;flex-wrap:wrap;gap:12px}
figure.chart{margin:0;border:1px solid #eee;padding:6px}figcaption{font-weight:600;font-size:13px}
nav a{margin-right:12px}button.drill-open{font-size:12px}
dialog.drill{width:90vw;max-width:1400px;max-height:88vh;overflow:auto}
.diff{display:grid;grid-template-columns:1fr 1fr;gap:10px;font:12px/1.4 ui-monospace,monospace;white-space:pre-wrap;word-break:break-word}
.diff>div{border:1px solid #ddd;padding:6px;max-height:50vh;overflow:auto}
.miss{background:#fdd;text-decoration:line-through}.extra{background:#dfd}.example{margin-bottom:18px}
"#;

const SCRIPT: &str = r#"
document.querySelectorAll('button.drill-open').forEach(function(b){b.addEventListener('click',function(){var d=document.getElementById('drill-'+b.dataset.drill);if(d){d.showModal();}});});
document.querySelectorAll('dialog.drill button.close').forEach(function(b){b.addEventListener('click',function(){b.closest('dialog').close();});});
"#;

/// The report's HTML text.
pub fn html(data: &RunData) -> String {
    let views = datasets(data);
    let mut m = Manifest::default();
    let mut body = String::new();
    let r = &data.record;
    let _ = write!(
        body,
        "<h1>corpusbench report</h1><p>corpusbench {}{} · {} dataset(s) · {} strategies · {} thread(s) · {} repeat(s) · {} CPU(s){}</p>",
        esc(&r.corpusbench_version),
        r.git_commit.as_deref().map(|c| format!(" ({})", esc(c))).unwrap_or_default(),
        views.len(),
        r.strategies.len(),
        r.threads,
        r.repeat,
        r.machine.cpus,
        r.machine.cpu_model.as_deref().map(|c| format!(" ({})", esc(c))).unwrap_or_default(),
    );
    body.push_str("<nav>");
    for (i, d) in views.iter().enumerate() {
        let _ = write!(body, r##"<a href="#ds{i}">{}</a>"##, esc(d.name));
    }
    body.push_str("</nav>");
    let mut dialogs = String::new();
    for (i, d) in views.iter().enumerate() {
        dataset_section(&mut body, &mut dialogs, &mut m, data, i, d);
    }
    if !data.bench.is_empty() {
        scaling(&mut body, &mut m, data);
    }
    let manifest = format!(
        r#"{{"charts":{},"tables":{},"drills":{}}}"#,
        json_list(&m.charts),
        json_list(&m.tables),
        json_list(&m.drills)
    );
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>corpusbench report</title><style>{STYLE}</style></head><body>{body}{dialogs}<script type=\"application/json\" id=\"report-manifest\">{manifest}</script><script>{SCRIPT}</script></body></html>\n"
    )
}

fn json_list(ids: &[String]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

fn pval(p: f64) -> String {
    if p < 0.001 { "p<.001".into() } else { format!("p {p:.3}") }
}

fn fmt3(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "–".into())
}

fn dataset_section(
    body: &mut String,
    dialogs: &mut String,
    m: &mut Manifest,
    data: &RunData,
    i: usize,
    d: &DatasetView<'_>,
) {
    let id = format!("ds{i}");
    let p = &d.primary;
    let _ = write!(
        body,
        r#"<h2 id="{id}">{} <small>({}, {} items; ranked by {})</small></h2>"#,
        esc(d.name),
        esc(&d.task),
        d.items,
        esc(p)
    );
    // The table, with intervals, the comparison with the leader and the drill-down buttons.
    m.tables.push(format!("{id}-table"));
    let _ = write!(
        body,
        r#"<table class="data" data-table="{id}-table"><thead><tr><th>strategy</th><th>{}</th><th>95% interval</th><th>vs leader</th><th>MB/s</th><th>docs/s</th><th>latency p50 ms</th><th>examples</th></tr></thead><tbody>"#,
        esc(p)
    );
    for (j, c) in d.cells.iter().enumerate() {
        let drill = format!("{id}-s{j}");
        let examples: Vec<&ExampleRow> =
            data.examples.iter().filter(|e| e.dataset == d.name && e.strategy == c.strategy).collect();
        let button = if examples.is_empty() {
            String::new()
        } else {
            m.drills.push(drill.clone());
            drill_dialog(dialogs, &drill, d.name, c.strategy, &examples);
            format!(r#"<button class="drill-open" data-drill="{drill}">{} example(s)</button>"#, examples.len())
        };
        if c.failed {
            let _ = write!(
                body,
                r#"<tr class="failed"><td>{}</td><td colspan="6">failed (see run.json)</td><td>{button}</td></tr>"#,
                esc(c.strategy)
            );
            continue;
        }
        let interval = match (c.companion(p, CI_LOW), c.companion(p, CI_HIGH)) {
            (Some(l), Some(h)) => format!("[{l:.3}, {h:.3}]"),
            _ => "–".into(),
        };
        let versus = match (c.companion(p, DIFF), c.companion(p, P)) {
            (Some(diff), Some(pv)) => {
                let range = match (c.companion(p, DIFF_LOW), c.companion(p, DIFF_HIGH)) {
                    (Some(l), Some(h)) => format!(" [{l:+.3}, {h:+.3}]"),
                    _ => String::new(),
                };
                if c.companion(p, TIED) == Some(1.0) {
                    format!(
                        r#"<span class="tie" title="cannot be told apart from the leader at 95%">= tied</span> {diff:+.3}{range}, {}"#,
                        pval(pv)
                    )
                } else {
                    format!("{diff:+.3}{range}, {}", pval(pv))
                }
            }
            _ if j == 0 => "leader".into(),
            _ => "–".into(),
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{interval}</td><td>{versus}</td><td>{}</td><td>{}</td><td>{}</td><td>{button}</td></tr>",
            esc(c.strategy),
            fmt3(c.get(p)),
            fmt3(c.get("mb_per_s")),
            c.get("docs_per_s").map(|v| format!("{v:.1}")).unwrap_or_else(|| "–".into()),
            fmt3(c.get("latency_p50_ms")),
        );
    }
    body.push_str("</tbody></table><div class=\"charts\">");
    quality_charts(body, m, data, &id, d);
    breakdowns(body, m, &id, d);
    latency(body, m, data, &id, d);
    sweeps(body, m, &id, d);
    s_curve(body, m, &id, d);
    body.push_str("</div>");
}

/// Quality against throughput (and against instructions when `cost.csv` has them), with
/// interval bars; the Pareto front is drawn through its points and they are marked.
fn quality_charts(body: &mut String, m: &mut Manifest, data: &RunData, id: &str, d: &DatasetView<'_>) {
    let p = &d.primary;
    let ok: Vec<&CellView<'_>> = d.cells.iter().filter(|c| !c.failed && c.get(p).is_some()).collect();
    let sign = if d.higher { 1.0 } else { -1.0 };
    let instructions = |c: &CellView<'_>| {
        data.cost
            .iter()
            .find(|r| r.dataset == d.name && r.strategy == c.strategy && r.metric == "instructions")
            .map(|r| r.value)
            .filter(|v| *v > 0.0)
    };
    let against: [(&str, &str, XOf<'_>); 2] = [
        ("throughput", "MB/s", Box::new(|c: &CellView<'_>| c.get("mb_per_s").filter(|v| *v > 0.0).map(|v| (v, v)))),
        (
            "instructions",
            "instructions (fewer is better)",
            Box::new(move |c: &CellView<'_>| instructions(c).map(|v| (v, -v))),
        ),
    ];
    for (key, title, x_of) in against {
        let pts: Vec<(&CellView<'_>, f64, f64)> = ok.iter().filter_map(|c| Some((*c, x_of(c)?.0, c.get(p)?))).collect();
        if pts.is_empty() {
            continue;
        }
        // Pareto on (quality, x as "higher is better").
        let better: Vec<(f64, f64)> =
            pts.iter().map(|(c, _, q)| (q * sign, x_of(c).map(|v| v.1).unwrap_or(0.0))).collect();
        let front = front_of(&better);
        let series: Vec<Series> = pts
            .iter()
            .zip(&front)
            .enumerate()
            .map(|(k, ((c, x, q), f))| Series {
                name: c.strategy.to_string(),
                points: vec![Point {
                    x: *x,
                    y: *q,
                    err: c.companion(p, CI_LOW).zip(c.companion(p, CI_HIGH)),
                    mark: *f,
                }],
                line: false,
                dashed: false,
                colour: k,
            })
            .collect();
        let mut line: Vec<(f64, f64)> =
            pts.iter().zip(&front).filter(|(_, f)| **f).map(|((_, x, q), _)| (*x, *q)).collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        let xs = pts.iter().map(|(_, x, _)| *x);
        let ys = pts.iter().flat_map(|(c, _, q)| [Some(*q), c.companion(p, CI_LOW), c.companion(p, CI_HIGH)]).flatten();
        let svg = svg::xy(&Axis::over(title, true, xs), &Axis::over(p, false, ys), &series, &line);
        figure(body, m, &format!("{id}-quality-{key}"), &format!("{p} against {key}; Pareto front marked"), &svg);
    }
}

/// `metric@kind=value` rows of the primary metric, one bar chart per kind.
fn breakdowns(body: &mut String, m: &mut Manifest, id: &str, d: &DatasetView<'_>) {
    let p = &d.primary;
    let prefix = format!("{p}@");
    let mut kinds: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for c in &d.cells {
        for (name, _) in c.metrics.iter().filter(|(n, _)| n.starts_with(&prefix) && !n.contains(':')) {
            let Some((kind, value)) = name[prefix.len()..].split_once('=') else { continue };
            let size = c.get(&format!("pages@{kind}={value}")).unwrap_or(0.0) as usize;
            let e = kinds.entry(kind).or_default().entry(value).or_insert(0);
            *e = (*e).max(size);
        }
    }
    let ok: Vec<&CellView<'_>> = d.cells.iter().filter(|c| !c.failed).take(MAX_LINES).collect();
    for (kind, groups) in kinds {
        // The largest groups, at most 15.
        let mut groups: Vec<(&str, usize)> = groups.into_iter().collect();
        groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        groups.truncate(15);
        let labels: Vec<String> = groups.iter().map(|(g, n)| format!("{g} ({n})")).collect();
        let names: Vec<String> = ok.iter().map(|c| c.strategy.to_string()).collect();
        let values: Vec<Vec<Option<f64>>> =
            groups.iter().map(|(g, _)| ok.iter().map(|c| c.get(&format!("{p}@{kind}={g}"))).collect()).collect();
        let svg = svg::bars(&labels, &names, &values, 1.0, &format!("{p} by {kind} (pages)"));
        figure(body, m, &format!("{id}-by-{kind}"), &format!("{p} by {kind}"), &svg);
    }
}

/// Per-page latency distributions (extractors).
fn latency(body: &mut String, m: &mut Manifest, data: &RunData, id: &str, d: &DatasetView<'_>) {
    let mut names = Vec::new();
    let mut qs = Vec::new();
    for c in &d.cells {
        if let Some(rec) = data.record.cells.iter().find(|r| r.dataset == d.name && r.strategy == c.strategy)
            && rec.latency_quantiles_ms.len() == 21
        {
            names.push(c.strategy.to_string());
            qs.push(rec.latency_quantiles_ms.clone());
        }
    }
    if !names.is_empty() {
        let svg = svg::boxes(&names, &qs, "per-page latency, ms");
        figure(body, m, &format!("{id}-latency"), "per-page latency: p5–p95, p25–p75, median", &svg);
    }
}

/// A spec's name and parameters (`minhash:threshold=0.5,bands=20`).
fn spec_parts(spec: &str) -> (&str, Vec<(&str, &str)>) {
    match spec.split_once(':') {
        Some((name, params)) => (name, params.split(',').filter_map(|kv| kv.split_once('=')).collect()),
        None => (spec, Vec::new()),
    }
}

/// Sweep curves: strategies of one name whose specs differ in one numeric parameter, three
/// points or more, drawn as the primary metric (and its precision and recall) against it.
fn sweeps(body: &mut String, m: &mut Manifest, id: &str, d: &DatasetView<'_>) {
    let p = &d.primary;
    // (name, varied key, the other parameters) -> (value, cell) points.
    let mut curves: BTreeMap<(String, String, String), Curve<'_, '_>> = BTreeMap::new();
    for c in d.cells.iter().filter(|c| !c.failed) {
        let (name, params) = spec_parts(c.strategy);
        for (k, v) in &params {
            let Ok(x) = v.parse::<f64>() else { continue };
            let rest: Vec<String> = params.iter().filter(|(k2, _)| k2 != k).map(|(a, b)| format!("{a}={b}")).collect();
            curves.entry((name.to_string(), k.to_string(), rest.join(","))).or_default().push((x, c));
        }
    }
    // Per (name, key): the curves with at least three distinct values.
    let mut by_key: BTreeMap<(String, String), Vec<(String, Curve<'_, '_>)>> = BTreeMap::new();
    for ((name, key, rest), mut pts) in curves {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        pts.dedup_by(|a, b| a.0 == b.0);
        if pts.len() >= 3 {
            by_key.entry((name, key)).or_default().push((rest, pts));
        }
    }
    let (prec, rec) = (p.replace("_f1", "_precision"), p.replace("_f1", "_recall"));
    for ((name, key), curves) in by_key {
        let mut series = Vec::new();
        for (k, (rest, pts)) in curves.iter().take(MAX_LINES).enumerate() {
            let label = if rest.is_empty() { name.clone() } else { format!("{name} {rest}") };
            let curve = |metric: &str, dashed: bool, suffix: &str| Series {
                name: format!("{label}{suffix}"),
                points: pts
                    .iter()
                    .filter_map(|(x, c)| {
                        Some(Point {
                            x: *x,
                            y: c.get(metric)?,
                            err: if dashed {
                                None
                            } else {
                                c.companion(metric, CI_LOW).zip(c.companion(metric, CI_HIGH))
                            },
                            mark: false,
                        })
                    })
                    .collect(),
                line: true,
                dashed,
                colour: k,
            };
            series.push(curve(p, false, ""));
            if curves.len() == 1 && prec != *p {
                for (i, (metric, suffix)) in [(&prec, " precision"), (&rec, " recall")].into_iter().enumerate() {
                    let mut s = curve(metric, false, suffix);
                    s.colour = k + 1 + i;
                    if !s.points.is_empty() {
                        series.push(s);
                    }
                }
            }
        }
        let xs: Vec<f64> = series.iter().flat_map(|s| s.points.iter().map(|p| p.x)).collect();
        let ys: Vec<f64> = series
            .iter()
            .flat_map(|s| s.points.iter().flat_map(|p| [Some(p.y), p.err.map(|e| e.0), p.err.map(|e| e.1)]))
            .flatten()
            .collect();
        let svg = svg::xy(&Axis::over(&key, false, xs), &Axis::over(p, false, ys), &series, &[]);
        let slug: String =
            format!("{name}-{key}").chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        figure(body, m, &format!("{id}-sweep-{slug}"), &format!("sweep of {name} over {key}"), &svg);
    }
}

/// The LSH S-curve: measured recall of gold pairs by their true Jaccard (`pair_recall@jaccard=x`)
/// against the predicted detection probability (`p_detect@jaccard=x`, dashed).
fn s_curve(body: &mut String, m: &mut Manifest, id: &str, d: &DatasetView<'_>) {
    let with: Vec<&CellView<'_>> =
        d.cells.iter().filter(|c| !c.failed && c.metrics.keys().any(|k| k.starts_with("p_detect@jaccard="))).collect();
    if with.is_empty() {
        return;
    }
    // At most MAX_LINES strategies, spread evenly over those with a curve.
    let step = with.len().div_ceil(MAX_LINES).max(1);
    let mut series = Vec::new();
    for (k, c) in with.iter().step_by(step).enumerate() {
        let curve = |prefix: &str| -> Vec<Point> {
            let mut pts: Vec<Point> = c
                .metrics
                .iter()
                .filter(|(n, _)| !n.contains(':'))
                .filter_map(|(n, v)| Some(Point::at(n.strip_prefix(prefix)?.parse::<f64>().ok()?, *v)))
                .collect();
            pts.sort_by(|a, b| a.x.total_cmp(&b.x));
            pts
        };
        series.push(Series {
            name: format!("{} measured", c.strategy),
            points: curve("pair_recall@jaccard="),
            line: true,
            dashed: false,
            colour: k,
        });
        series.push(Series {
            name: format!("{} predicted", c.strategy),
            points: curve("p_detect@jaccard="),
            line: true,
            dashed: true,
            colour: k,
        });
    }
    let svg = svg::xy(
        &Axis::over("true Jaccard of the gold pair", false, [0.0, 1.0]).range(0.0, 1.0),
        &Axis::over("share of pairs found", false, [0.0, 1.0]).range(0.0, 1.05),
        &series,
        &[],
    );
    figure(
        body,
        m,
        &format!("{id}-s-curve"),
        "LSH S-curve: recall of gold pairs by Jaccard (solid) and the predicted detection probability (dashed)",
        &svg,
    );
}

/// Thread scaling from `bench.csv`: speed-up over one thread, per dataset and strategy.
fn scaling(body: &mut String, m: &mut Manifest, data: &RunData) {
    body.push_str("<h2 id=\"scaling\">Thread scaling (bench)</h2><div class=\"charts\">");
    let mut names: Vec<&str> = Vec::new();
    for r in &data.bench {
        if !names.contains(&r.dataset.as_str()) {
            names.push(&r.dataset);
        }
    }
    for (i, ds) in names.iter().enumerate() {
        let mut strategies: Vec<&str> = Vec::new();
        for r in data.bench.iter().filter(|r| r.dataset == *ds) {
            if !strategies.contains(&r.strategy.as_str()) {
                strategies.push(&r.strategy);
            }
        }
        let mut series: Vec<Series> = strategies
            .iter()
            .take(MAX_LINES)
            .enumerate()
            .map(|(k, s)| Series {
                name: s.to_string(),
                points: data
                    .bench
                    .iter()
                    .filter(|r| r.dataset == *ds && r.strategy == *s)
                    .filter_map(|r| Some(Point::at(r.threads as f64, r.speedup?)))
                    .collect(),
                line: true,
                dashed: false,
                colour: k,
            })
            .collect();
        let max_t = data.bench.iter().filter(|r| r.dataset == *ds).map(|r| r.threads).max().unwrap_or(1) as f64;
        series.push(Series {
            name: "linear".into(),
            points: vec![Point::at(1.0, 1.0), Point::at(max_t, max_t)],
            line: true,
            dashed: true,
            colour: 7,
        });
        let ys: Vec<f64> = series.iter().flat_map(|s| s.points.iter().map(|p| p.y)).collect();
        let svg = svg::xy(
            &Axis::over("threads", false, [1.0, max_t]),
            &Axis::over("speed-up over 1 thread", false, ys),
            &series,
            &[],
        );
        figure(body, m, &format!("scaling-{i}"), &format!("{ds}: speed-up against threads"), &svg);
    }
    body.push_str("</div>");
}

/// A cell's dialog: each example with a side-by-side diff.
fn drill_dialog(out: &mut String, id: &str, dataset: &str, strategy: &str, examples: &[&ExampleRow]) {
    let _ = write!(
        out,
        r#"<dialog class="drill" id="drill-{id}"><button class="close">close</button><h3>{} on {}</h3>"#,
        esc(strategy),
        esc(dataset)
    );
    for e in examples {
        match &e.example {
            Example::Page { id, url, score, gold, text } => {
                let _ = write!(
                    out,
                    r#"<div class="example"><h4>page {} — F1 {score:.3}{}</h4><p><span class="miss">gold text the strategy missed</span> · <span class="extra">text it added</span></p>{}</div>"#,
                    esc(id),
                    url.as_deref().map(|u| format!(" — {}", esc(u))).unwrap_or_default(),
                    diff(gold, text, "gold", "extracted")
                );
            }
            Example::Pair { pair, a_id, a_text, b_id, b_text } => {
                let what = match pair {
                    PairKind::Missed => "missed pair (duplicates in the gold, kept apart)",
                    PairKind::False => "false pair (put together, apart in the gold)",
                };
                let _ = write!(
                    out,
                    r#"<div class="example"><h4>{what}: {} and {}</h4>{}</div>"#,
                    esc(a_id),
                    esc(b_id),
                    diff(a_text, b_text, a_id, b_id)
                );
            }
        }
    }
    out.push_str("</dialog>");
}

/// Side-by-side word diff: words only on the left are marked `miss`, only on the right `extra`.
fn diff(left: &str, right: &str, left_title: &str, right_title: &str) -> String {
    use similar::{Algorithm, ChangeTag, TextDiff};
    let d = TextDiff::configure().algorithm(Algorithm::Myers).diff_words(left, right);
    let (mut l, mut r) = (String::new(), String::new());
    for change in d.iter_all_changes() {
        let v = esc(change.value());
        match change.tag() {
            ChangeTag::Equal => {
                l.push_str(&v);
                r.push_str(&v);
            }
            ChangeTag::Delete => {
                let _ = write!(l, r#"<span class="miss">{v}</span>"#);
            }
            ChangeTag::Insert => {
                let _ = write!(r, r#"<span class="extra">{v}</span>"#);
            }
        }
    }
    format!(
        r#"<div class="diff"><div><b>{}</b><br>{l}</div><div><b>{}</b><br>{r}</div></div>"#,
        esc(left_title),
        esc(right_title)
    )
}

/// The Markdown summary: per dataset, each strategy's primary metric with its interval, the
/// comparison with the leader and throughput.
pub fn markdown(data: &RunData) -> String {
    let mut out = String::from("## corpusbench results\n");
    for d in datasets(data) {
        let p = &d.primary;
        let _ = write!(
            out,
            "\n### {} ({}, {} items)\n\n| strategy | {p} | 95% interval | vs leader | MB/s |\n|---|---:|---|---|---:|\n",
            d.name, d.task, d.items
        );
        for (j, c) in d.cells.iter().enumerate() {
            if c.failed {
                let _ = writeln!(out, "| `{}` | failed | | | |", c.strategy);
                continue;
            }
            let interval = match (c.companion(p, CI_LOW), c.companion(p, CI_HIGH)) {
                (Some(l), Some(h)) => format!("[{l:.3}, {h:.3}]"),
                _ => String::new(),
            };
            let versus = match (c.companion(p, DIFF), c.companion(p, P)) {
                (Some(diff), Some(pv)) if c.companion(p, TIED) == Some(1.0) => {
                    format!("tied ({diff:+.3}, {})", pval(pv))
                }
                (Some(diff), Some(pv)) => format!("{diff:+.3} ({})", pval(pv)),
                _ if j == 0 => "leader".into(),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {interval} | {versus} | {} |",
                c.strategy,
                fmt3(c.get(p)),
                fmt3(c.get("mb_per_s"))
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Task;
    use crate::report::json::{CellRecord, DatasetRecord};

    fn row(strategy: &str, metric: &str, value: f64) -> ResultRow {
        ResultRow { dataset: "d".into(), task: Task::Extract, strategy: strategy.into(), metric: metric.into(), value }
    }

    fn data() -> RunData {
        let record = RunRecord {
            datasets: vec![DatasetRecord {
                name: "d".into(),
                task: Some(Task::Extract),
                format: String::new(),
                root: String::new(),
                items: 3,
                input_bytes: 10,
                sha256: String::new(),
                primary_metric: Some("bow_f1".into()),
            }],
            cells: vec![CellRecord {
                dataset: "d".into(),
                strategy: "a".into(),
                failure: None,
                wall_s_runs: None,
                engine_name: None,
                engine_version: None,
                latency_quantiles_ms: (0..=20).map(|q| 1.0 + q as f64).collect(),
            }],
            ..Default::default()
        };
        let results = vec![
            row("b", "bow_f1", 0.7),
            row("b", "mb_per_s", 2.0),
            row("a", "bow_f1", 0.9),
            row("a", "bow_f1:ci_low", 0.85),
            row("a", "bow_f1:ci_high", 0.95),
            row("a", "mb_per_s", 1.0),
            row("a", "bow_f1@page_type=article", 0.8),
            row("a", "pages@page_type=article", 5.0),
            row("c", FAILED, 1.0),
        ];
        let examples = vec![ExampleRow {
            dataset: "d".into(),
            strategy: "a".into(),
            example: Example::Page {
                id: "p1".into(),
                url: None,
                score: 0.5,
                gold: "one two three".into(),
                text: "one three four".into(),
            },
        }];
        RunData { record, results, examples, ..Default::default() }
    }

    #[test]
    fn the_report_holds_its_manifest_and_ranks_by_the_primary_metric() {
        let page = html(&data());
        let manifest =
            page.split(r#"id="report-manifest">"#).nth(1).and_then(|s| s.split("</script>").next()).unwrap_or("");
        let m: serde_json::Value = serde_json::from_str(manifest).unwrap_or_default();
        assert_eq!(m["tables"], serde_json::json!(["ds0-table"]));
        assert_eq!(m["charts"], serde_json::json!(["ds0-quality-throughput", "ds0-by-page_type", "ds0-latency"]));
        assert_eq!(m["drills"], serde_json::json!(["ds0-s0"]));
        for id in ["ds0-quality-throughput", "ds0-by-page_type", "ds0-latency"] {
            assert!(page.contains(&format!(r#"data-chart="{id}""#)), "{id}");
        }
        // a (0.9) before b (0.7), the failed c last.
        let (a, b, c) = (page.find("<td>a</td>"), page.find("<td>b</td>"), page.find("<td>c</td>"));
        assert!(a < b && b < c, "{a:?} {b:?} {c:?}");
        assert!(!page.contains("<script src"));
    }

    #[test]
    fn the_diff_marks_missed_and_extra_words() {
        let d = diff("one two three", "one three four", "gold", "extracted");
        assert!(d.contains(r#"<span class="miss">two</span>"#), "{d}");
        assert!(d.contains(r#"<span class="extra">four</span>"#), "{d}");
    }

    #[test]
    fn the_markdown_summary_has_a_row_per_strategy() {
        let md = markdown(&data());
        assert!(md.contains("| `a` | 0.900 | [0.850, 0.950] | leader | 1.000 |"), "{md}");
        assert!(md.contains("| `c` | failed |"), "{md}");
    }

    #[test]
    fn spec_parts_split_name_and_parameters() {
        assert_eq!(
            spec_parts("minhash:threshold=0.5,bands=20"),
            ("minhash", vec![("threshold", "0.5"), ("bands", "20")])
        );
        assert_eq!(spec_parts("exact"), ("exact", vec![]));
    }
}
