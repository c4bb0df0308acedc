//! Parameter sweeps: one spec with ranges or lists expands into the grid of specs it names.
//!
//! - a range `key=LOW..HIGH/STEP` (inclusive), e.g. `minhash:threshold=0.5..0.95/0.05`;
//! - a list `key={a,b,c}`, e.g. `minhash:bands={10,14,20},rows={5,8}`;
//! - several of them give every combination (a grid), the first parameter varying slowest.
//!
//! Range points are `LOW + i * STEP` printed with the decimals of LOW and STEP, so
//! `0.5..0.95/0.05` gives `0.50`, `0.55`, ..., `0.95` with no binary fractions creeping in.

use crate::error::Error;

/// The most points one sweep may expand to.
pub const MAX_POINTS: usize = 10_000;

/// Splits the parameters of `rest` at commas outside braces.
fn split_params(rest: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&rest[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&rest[start..]);
    out
}

fn decimals(s: &str) -> usize {
    s.split_once('.').map_or(0, |(_, f)| f.len())
}

/// The values one `value` stands for: a range, a list, or itself.
fn values(spec: &str, key: &str, value: &str) -> Result<Vec<String>, Error> {
    let bad = |why: String| Error::Spec(format!("sweep `{spec}`: `{key}={value}`: {why}"));
    if let Some(list) = value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
        let items: Vec<String> = list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        if items.is_empty() {
            return Err(bad("an empty list".into()));
        }
        return Ok(items);
    }
    let Some((low, rest)) = value.split_once("..") else { return Ok(vec![value.to_string()]) };
    let Some((high, step)) = rest.split_once('/') else {
        return Err(bad("a range needs a step: LOW..HIGH/STEP".into()));
    };
    let num = |s: &str| s.trim().parse::<f64>().ok().filter(|x| x.is_finite());
    let (Some(a), Some(b), Some(d)) = (num(low), num(high), num(step)) else {
        return Err(bad("LOW, HIGH and STEP must be numbers".into()));
    };
    if d <= 0.0 || b < a {
        return Err(bad("STEP must be positive and HIGH at least LOW".into()));
    }
    let count = ((b - a) / d + 1e-9).floor() + 1.0;
    if count > MAX_POINTS as f64 {
        return Err(bad(format!("more than {MAX_POINTS} points")));
    }
    let places = decimals(low.trim()).max(decimals(step.trim()));
    Ok((0..count as usize).map(|i| format!("{:.places$}", a + i as f64 * d)).collect())
}

/// The specs `spec` stands for, in grid order; a spec without ranges or lists is itself.
pub fn expand(spec: &str) -> Result<Vec<String>, Error> {
    let spec = spec.trim();
    // The parameters start after the name (an engine's name holds one colon).
    let head =
        if spec.starts_with(crate::engine::decl::ENGINE_PREFIX) { crate::engine::decl::ENGINE_PREFIX.len() } else { 0 };
    let Some((name, rest)) = spec[head..].split_once(':').map(|(n, r)| (&spec[..head + n.len()], r)) else {
        return Ok(vec![spec.to_string()]);
    };
    if !rest.contains('=') {
        return Ok(vec![spec.to_string()]);
    }
    let mut axes: Vec<(String, Vec<String>)> = Vec::new();
    for part in split_params(rest).into_iter().filter(|p| !p.trim().is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        axes.push((k.trim().to_string(), values(spec, k.trim(), v.trim())?));
    }
    let total = axes.iter().try_fold(1usize, |n, (_, v)| n.checked_mul(v.len()).filter(|n| *n <= MAX_POINTS));
    let Some(total) = total else {
        return Err(Error::Spec(format!("sweep `{spec}` expands to more than {MAX_POINTS} points")));
    };
    let mut out = Vec::with_capacity(total);
    for i in 0..total {
        let mut rem = i;
        let mut params = vec![String::new(); axes.len()];
        for (a, (k, vals)) in axes.iter().enumerate().rev() {
            params[a] = format!("{k}={}", vals[rem % vals.len()]);
            rem /= vals.len();
        }
        out.push(format!("{name}:{}", params.join(",")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_lists_and_grids_expand_in_order() {
        let t = expand("minhash:threshold=0.5..0.95/0.05").unwrap();
        assert_eq!(t.len(), 10);
        assert_eq!((t[0].as_str(), t[9].as_str()), ("minhash:threshold=0.50", "minhash:threshold=0.95"));
        let g = expand("minhash:bands={10,14,20},rows={5,8}").unwrap();
        assert_eq!(g[..3], ["minhash:bands=10,rows=5", "minhash:bands=10,rows=8", "minhash:bands=14,rows=5"]);
        assert_eq!(g.len(), 6);
        assert_eq!(expand("exact").unwrap(), ["exact"]);
        assert_eq!(expand("lines:norm=ws").unwrap(), ["lines:norm=ws"]);
        assert_eq!(expand("outputs:/a/b.json").unwrap(), ["outputs:/a/b.json"]);
        assert_eq!(expand("engine:x:k={1,2}").unwrap(), ["engine:x:k=1", "engine:x:k=2"]);
    }

    #[test]
    fn bad_sweeps_are_refused_with_the_part_named() {
        for bad in ["m:t=0.5..0.9", "m:t=0.9..0.5/0.1", "m:t=0..1/0", "m:t={}", "m:t=a..b/c", "m:t=0..1e9/1"] {
            let err = expand(bad).unwrap_err().to_string();
            assert!(err.contains("m:t="), "{bad}: {err}");
        }
        assert!(expand("m:a={1,2,3,4,5,6,7,8,9,10},b=0..1000/1").unwrap_err().to_string().contains("more than"));
    }
}
