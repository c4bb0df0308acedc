//! Charts as inline SVG for the HTML report: scatter and line charts with error bars, and
//! horizontal bar charts. Drawn here rather than by a plotting library in the page, so a
//! report needs no script to show its figures, works offline and is byte-identical between
//! identical runs.

use std::fmt::Write as _;

/// Width and height of a chart, in SVG units.
const W: f64 = 640.0;
const H: f64 = 360.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 180.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 48.0;

/// Colours of series, in order (a palette readable by most colour-blind readers).
pub const PALETTE: [&str; 8] = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"];

/// The colour of series `i`.
pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Escapes text for HTML and SVG.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number for an axis label: few digits, no trailing zeros.
pub fn num(v: f64) -> String {
    let a = v.abs();
    let s = if a == 0.0 {
        "0".to_string()
    } else if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 0.01 {
        format!("{v:.3}")
    } else {
        format!("{v:.2e}")
    };
    if s.contains('.') && !s.contains('e') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// One axis: its range, whether it is logarithmic, and its title.
#[derive(Debug, Clone)]
pub struct Axis {
    /// Title.
    pub title: String,
    /// Logarithmic (values must be positive).
    pub log: bool,
    lo: f64,
    hi: f64,
}

impl Axis {
    /// An axis over `values` (non-finite values, and for a log axis non-positive ones, are ignored).
    pub fn over(title: &str, log: bool, values: impl IntoIterator<Item = f64>) -> Axis {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.into_iter().filter(|v| v.is_finite() && (!log || *v > 0.0)) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() {
            (lo, hi) = if log { (1.0, 10.0) } else { (0.0, 1.0) };
        }
        if log {
            let (l, h) = (lo.log10().floor(), hi.log10().ceil());
            let h = if h <= l { l + 1.0 } else { h };
            (lo, hi) = (10f64.powf(l), 10f64.powf(h));
        } else {
            let pad = if hi > lo { (hi - lo) * 0.08 } else { lo.abs().max(1.0) * 0.05 };
            (lo, hi) = (lo - pad, hi + pad);
        }
        Axis { title: title.to_string(), log, lo, hi }
    }

    /// Fixes the range (a linear axis from 0 to 1 for rates, say).
    pub fn range(mut self, lo: f64, hi: f64) -> Axis {
        self.lo = lo;
        self.hi = hi;
        self
    }

    fn frac(&self, v: f64) -> f64 {
        if self.log {
            let v = v.max(self.lo * 1e-3);
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }

    fn ticks(&self) -> Vec<f64> {
        if self.log {
            let (l, h) = (self.lo.log10().round() as i32, self.hi.log10().round() as i32);
            (l..=h).map(|e| 10f64.powi(e)).collect()
        } else {
            let span = self.hi - self.lo;
            let raw = span / 5.0;
            let mag = 10f64.powf(raw.log10().floor());
            let step =
                [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * mag).find(|s| span / s <= 6.0).unwrap_or(mag * 10.0);
            let mut t = (self.lo / step).ceil() * step;
            let mut out = Vec::new();
            while t <= self.hi + step * 1e-9 && out.len() < 12 {
                out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
                t += step;
            }
            out
        }
    }
}

/// A point of a series, with an optional vertical interval and a mark (drawn larger, e.g. the
/// Pareto front).
#[derive(Debug, Clone, Copy)]
pub struct Point {
    /// x value.
    pub x: f64,
    /// y value.
    pub y: f64,
    /// Interval on y, (low, high).
    pub err: Option<(f64, f64)>,
    /// Drawn as a marked point.
    pub mark: bool,
}

impl Point {
    /// A plain point.
    pub fn at(x: f64, y: f64) -> Point {
        Point { x, y, err: None, mark: false }
    }
}

/// A named series: points, and whether they are joined by a line.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// The points, in drawing order.
    pub points: Vec<Point>,
    /// Join the points with a line.
    pub line: bool,
    /// Draw the line dashed (e.g. a prediction against measurements).
    pub dashed: bool,
    /// Colour index in [`PALETTE`].
    pub colour: usize,
}

/// An x-y chart: series over two axes, and an optional polyline (the Pareto front) drawn
/// through the given points in grey.
pub fn xy(x: &Axis, y: &Axis, series: &[Series], front: &[(f64, f64)]) -> String {
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let px = |v: f64| LEFT + x.frac(v).clamp(-0.02, 1.02) * pw;
    let py = |v: f64| TOP + (1.0 - y.frac(v).clamp(-0.02, 1.02)) * ph;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img">"#
    );
    axes(&mut s, x, y, &px, &py);
    if front.len() > 1 {
        let pts: Vec<String> = front.iter().map(|&(a, b)| format!("{:.1},{:.1}", px(a), py(b))).collect();
        let _ = write!(
            s,
            r##"<polyline class="front" points="{}" fill="none" stroke="#999" stroke-width="6" stroke-opacity="0.35"/>"##,
            pts.join(" ")
        );
    }
    for se in series {
        let c = colour(se.colour);
        if se.line && se.points.len() > 1 {
            let pts: Vec<String> = se.points.iter().map(|p| format!("{:.1},{:.1}", px(p.x), py(p.y))).collect();
            let dash = if se.dashed { r#" stroke-dasharray="5 4""# } else { "" };
            let _ = write!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{c}" stroke-width="1.8"{dash}/>"#,
                pts.join(" ")
            );
        }
        for p in &se.points {
            if let Some((lo, hi)) = p.err {
                let _ = write!(
                    s,
                    r#"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="{c}" stroke-width="1.2"/>"#,
                    py(lo),
                    py(hi),
                    x = px(p.x)
                );
            }
            if !(se.dashed && se.line) {
                let r = if p.mark { 6.0 } else { 3.5 };
                let _ = write!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="{r}" fill="{c}" stroke="{}" stroke-width="1.5"><title>{}: {}, {}</title></circle>"#,
                    px(p.x),
                    py(p.y),
                    if p.mark { "#000" } else { "#fff" },
                    esc(&se.name),
                    num(p.x),
                    num(p.y)
                );
            }
        }
    }
    legend(&mut s, series.iter().map(|se| (se.name.as_str(), se.colour, se.dashed)));
    s.push_str("</svg>");
    s
}

fn axes(s: &mut String, x: &Axis, y: &Axis, px: &dyn Fn(f64) -> f64, py: &dyn Fn(f64) -> f64) {
    let (x0, x1, y0, y1) = (LEFT, W - RIGHT, TOP, H - BOTTOM);
    let _ = write!(
        s,
        r##"<rect x="{x0}" y="{y0}" width="{}" height="{}" fill="#fafafa" stroke="#ccc"/>"##,
        x1 - x0,
        y1 - y0
    );
    for t in x.ticks() {
        let tx = px(t);
        let _ = write!(
            s,
            r##"<line x1="{tx:.1}" x2="{tx:.1}" y1="{y0}" y2="{y1}" stroke="#e4e4e4"/><text x="{tx:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"##,
            y1 + 14.0,
            num(t)
        );
    }
    for t in y.ticks() {
        let ty = py(t);
        let _ = write!(
            s,
            r##"<line x1="{x0}" x2="{x1}" y1="{ty:.1}" y2="{ty:.1}" stroke="#e4e4e4"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            x0 - 4.0,
            ty + 4.0,
            num(t)
        );
    }
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">{}{}</text>"#,
        (x0 + x1) / 2.0,
        H - 12.0,
        esc(&x.title),
        if x.log { " (log)" } else { "" }
    );
    let _ = write!(
        s,
        r#"<text transform="translate(14 {}) rotate(-90)" font-size="12" text-anchor="middle">{}{}</text>"#,
        (y0 + y1) / 2.0,
        esc(&y.title),
        if y.log { " (log)" } else { "" }
    );
}

fn legend<'a>(s: &mut String, items: impl Iterator<Item = (&'a str, usize, bool)>) {
    let x = W - RIGHT + 10.0;
    for (i, (name, c, dashed)) in items.take(16).enumerate() {
        let y = TOP + 8.0 + i as f64 * 18.0;
        let dash = if dashed { r#" stroke-dasharray="5 4""# } else { "" };
        let short: String = if name.chars().count() > 26 {
            format!("{}…", name.chars().take(25).collect::<String>())
        } else {
            name.to_string()
        };
        let _ = write!(
            s,
            r#"<line x1="{x}" x2="{}" y1="{y}" y2="{y}" stroke="{}" stroke-width="3"{dash}/><text x="{}" y="{}" font-size="11"><title>{}</title>{}</text>"#,
            x + 16.0,
            colour(c),
            x + 20.0,
            y + 4.0,
            esc(name),
            esc(&short)
        );
    }
}

/// Grouped horizontal bars: one group per row label, one bar per series, values in 0..=`max`.
/// `values[g][s]` is series `s` in group `g` (`None`: no bar).
pub fn bars(groups: &[String], series: &[String], values: &[Vec<Option<f64>>], max: f64, title: &str) -> String {
    let bar = 9.0;
    let gap = 8.0;
    let label_w = 150.0;
    let plot_w = W - label_w - RIGHT;
    let group_h = bar * series.len().max(1) as f64 + gap;
    let height = TOP + group_h * groups.len() as f64 + 36.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img">"#
    );
    for (g, label) in groups.iter().enumerate() {
        let y0 = TOP + g as f64 * group_h;
        let short: String = if label.chars().count() > 22 {
            format!("{}…", label.chars().take(21).collect::<String>())
        } else {
            label.clone()
        };
        let _ = write!(
            s,
            r#"<text x="{}" y="{:.1}" font-size="11" text-anchor="end"><title>{}</title>{}</text>"#,
            label_w - 6.0,
            y0 + group_h / 2.0,
            esc(label),
            esc(&short)
        );
        for (i, v) in values.get(g).map(|v| v.as_slice()).unwrap_or(&[]).iter().enumerate() {
            let Some(v) = v.filter(|v| v.is_finite()) else { continue };
            let w = (v / max).clamp(0.0, 1.0) * plot_w;
            let _ = write!(
                s,
                r#"<rect x="{label_w}" y="{:.1}" width="{w:.1}" height="{}" fill="{}"><title>{}: {}</title></rect>"#,
                y0 + i as f64 * bar,
                bar - 1.0,
                colour(i),
                esc(series.get(i).map(String::as_str).unwrap_or("")),
                num(v)
            );
        }
    }
    let base = TOP + group_h * groups.len() as f64;
    for k in 0..=4 {
        let v = max * k as f64 / 4.0;
        let x = label_w + plot_w * k as f64 / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{base:.1}" stroke="#ddd"/><text x="{x:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"##,
            base + 14.0,
            num(v)
        );
    }
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">{}</text>"#,
        label_w + plot_w / 2.0,
        base + 30.0,
        esc(title)
    );
    legend(&mut s, series.iter().enumerate().map(|(i, n)| (n.as_str(), i, false)));
    s.push_str("</svg>");
    s
}

/// Distributions as horizontal box plots, one row per series: whiskers from the 5th to the
/// 95th percentile, a box from the 25th to the 75th, a tick at the median. `quantiles[s]`
/// holds the 0th, 5th, ..., 100th percentile of series `s`.
pub fn boxes(series: &[String], quantiles: &[Vec<f64>], title: &str) -> String {
    let row = 26.0;
    let label_w = 150.0;
    let height = TOP + row * series.len() as f64 + 40.0;
    let axis = Axis::over(
        title,
        true,
        quantiles.iter().flat_map(|q| [q.get(1).copied().unwrap_or(0.0), q.get(19).copied().unwrap_or(0.0)]),
    );
    let plot_w = W - label_w - 40.0;
    let px = |v: f64| label_w + axis.frac(v).clamp(0.0, 1.0) * plot_w;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img">"#
    );
    let base = TOP + row * series.len() as f64;
    for t in axis.ticks() {
        let x = px(t);
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{base:.1}" stroke="#e4e4e4"/><text x="{x:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"##,
            base + 14.0,
            num(t)
        );
    }
    for (i, (name, q)) in series.iter().zip(quantiles).enumerate() {
        if q.len() < 21 {
            continue;
        }
        let y = TOP + i as f64 * row + row / 2.0;
        let c = colour(i);
        let short: String = if name.chars().count() > 22 {
            format!("{}…", name.chars().take(21).collect::<String>())
        } else {
            name.clone()
        };
        let _ = write!(
            s,
            r#"<text x="{}" y="{:.1}" font-size="11" text-anchor="end"><title>{}</title>{}</text>"#,
            label_w - 6.0,
            y + 4.0,
            esc(name),
            esc(&short)
        );
        let _ = write!(
            s,
            r#"<line x1="{:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{c}" stroke-width="1.5"/>"#,
            px(q[1]),
            px(q[19])
        );
        let _ = write!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="14" fill="{c}" fill-opacity="0.35" stroke="{c}"><title>{}: p5 {} p25 {} p50 {} p75 {} p95 {} ms</title></rect>"#,
            px(q[5]),
            y - 7.0,
            (px(q[15]) - px(q[5])).max(1.0),
            esc(name),
            num(q[1]),
            num(q[5]),
            num(q[10]),
            num(q[15]),
            num(q[19])
        );
        let _ = write!(
            s,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="{c}" stroke-width="3"/>"#,
            y - 8.0,
            y + 8.0,
            x = px(q[10])
        );
    }
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">{} (log)</text>"#,
        label_w + plot_w / 2.0,
        base + 30.0,
        esc(title)
    );
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_escapes_are_short_and_safe() {
        assert_eq!(num(0.95), "0.95");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(2000.0), "2000");
        assert_eq!(esc("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    }

    #[test]
    fn a_log_axis_spans_whole_decades_and_linear_ticks_are_round() {
        let a = Axis::over("t", true, [3.0, 450.0]);
        assert_eq!(a.ticks(), vec![1.0, 10.0, 100.0, 1000.0]);
        let l = Axis::over("q", false, [0.0, 1.0]).range(0.0, 1.0);
        assert_eq!(l.ticks().into_iter().map(num).collect::<Vec<_>>(), ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
    }

    #[test]
    fn charts_draw_one_mark_per_point_and_bar() {
        let x = Axis::over("x", false, [1.0, 2.0]);
        let y = Axis::over("y", false, [0.5, 0.9]);
        let se = Series {
            name: "a".into(),
            points: vec![Point::at(1.0, 0.5), Point { x: 2.0, y: 0.9, err: Some((0.8, 1.0)), mark: true }],
            line: false,
            dashed: false,
            colour: 0,
        };
        let svg = xy(&x, &y, &[se], &[(2.0, 0.9)]);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let b = bars(
            &["g1".into(), "g2".into()],
            &["s1".into(), "s2".into()],
            &[vec![Some(0.5), None], vec![Some(1.0), Some(0.2)]],
            1.0,
            "f1",
        );
        assert_eq!(b.matches("<rect").count(), 3);
    }
}
