//! Seeded bootstrap: confidence intervals of every quality metric, and paired comparisons of two
//! strategies on the same resamples.
//!
//! A resample draws `n` units with replacement from the `n` units a metric averages over (pages
//! for extraction, documents for span metrics, gold clusters for cluster metrics; see
//! `docs/statistics.md`). Draw `r` of seed `s` comes from SplitMix64 seeded with
//! `xxh3_64(s ‖ r)` (both little-endian u64), an index being the high 64 bits of the 128-bit
//! product of a draw and `n`, so the resamples are the same on every machine, at any thread
//! count, and for every strategy of a dataset.
//!
//! Intervals are percentile intervals (2.5th and 97.5th percentiles, linear interpolation
//! between order statistics), written as companions of the metric: `bow_f1:ci_low`,
//! `bow_f1:ci_high`, and `bow_f1:se`, the resamples' standard deviation (what the scrapinghub
//! benchmark prints after `±`).

use rayon::prelude::*;

use crate::text::hash::SplitMix64;

/// Resamples drawn by default (`--bootstrap N`; 0 turns the bootstrap off).
pub const DEFAULT_RESAMPLES: usize = 1000;

/// The seed of the resamples by default (`--seed`).
pub const DEFAULT_SEED: u64 = 0;

/// Companion suffixes, after `:` in a metric name.
pub const CI_LOW: &str = "ci_low";
/// Upper end of the 95% interval.
pub const CI_HIGH: &str = "ci_high";
/// Standard deviation of the resampled values.
pub const SE: &str = "se";
/// The paired difference from the dataset's leader (this strategy minus the leader).
pub const DIFF: &str = "diff_vs_leader";
/// Lower end of the 95% interval of that difference.
pub const DIFF_LOW: &str = "diff_low";
/// Upper end.
pub const DIFF_HIGH: &str = "diff_high";
/// Two-sided bootstrap p-value of "no difference from the leader".
pub const P: &str = "p_vs_leader";
/// 1 when the difference's interval holds 0 (cannot be told apart from the leader at 95%).
pub const TIED: &str = "tied_with_leader";

/// Writes the figures of one resample (given its indices) into a row of NaNs, in the order of
/// its pass's names; a figure the resample lacks stays NaN.
pub type Fill<'p> = Box<dyn Fn(&[usize], &mut [f64]) + Sync + 'p>;

/// One resampling pass of a cell: the number of units, the names of the figures every resample
/// of them gives (made once), and how to compute a resample's figures in that order.
pub struct Pass<'p> {
    /// Units drawn from (pages, gold clusters, documents).
    pub units: usize,
    /// The figures' names, in the order [`Pass::fill`] writes them.
    pub names: Vec<String>,
    /// A resample's figures.
    pub fill: Fill<'p>,
}

impl<'p> Pass<'p> {
    /// A pass from a function that names its figures anew in each resample: the names are
    /// those it gives over all the units (every figure a resample can have: a resample draws a
    /// subset of the groups and categories of the whole), each resample's figures matched to
    /// them by name (the first where one repeats).
    pub fn named<F>(units: usize, metrics: F) -> Pass<'p>
    where
        F: Fn(&[usize]) -> Vec<(String, f64)> + Sync + 'p,
    {
        let all: Vec<usize> = (0..units).collect();
        let names: Vec<String> = metrics(&all).into_iter().map(|(n, _)| n).collect();
        let mut index: std::collections::HashMap<String, usize, crate::text::hash::PlainKeys> = Default::default();
        for (i, n) in names.iter().enumerate() {
            index.entry(n.clone()).or_insert(i);
        }
        let fill = move |idx: &[usize], row: &mut [f64]| {
            for (name, v) in metrics(idx).iter().rev() {
                if let Some(slot) = index.get(name.as_str()).and_then(|&i| row.get_mut(i)) {
                    *slot = *v;
                }
            }
        };
        Pass { units, names, fill: Box::new(fill) }
    }
}

/// How many resamples, drawn from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bootstrap {
    /// Number of resamples; 0 means no intervals.
    pub resamples: usize,
    /// Seed of the draws.
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap { resamples: DEFAULT_RESAMPLES, seed: DEFAULT_SEED }
    }
}

impl Bootstrap {
    /// Whether intervals are computed at all.
    pub fn on(&self) -> bool {
        self.resamples > 0
    }

    /// Resample `r` of `n` units: `n` indices drawn with replacement, sorted.
    pub fn draw(&self, r: usize, n: usize) -> Vec<usize> {
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&self.seed.to_le_bytes());
        key[8..].copy_from_slice(&(r as u64).to_le_bytes());
        let mut rng = SplitMix64::new(xxhash_rust::xxh3::xxh3_64(&key));
        // Sorted by counting: the drawn indices are all below `n`.
        let mut counts = vec![0u32; n];
        for _ in 0..n {
            let i = ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize;
            if let Some(c) = counts.get_mut(i) {
                *c += 1;
            }
        }
        let mut idx: Vec<usize> = Vec::with_capacity(n);
        for (i, &c) in counts.iter().enumerate() {
            idx.extend(std::iter::repeat_n(i, c as usize));
        }
        idx
    }

    /// Each resample's row of `pass`'s figures (aligned with its names), in resample order.
    pub fn replicate(&self, pass: &Pass<'_>) -> Vec<Vec<f64>> {
        (0..self.resamples)
            .into_par_iter()
            .map(|r| {
                let mut row = vec![f64::NAN; pass.names.len()];
                (pass.fill)(&self.draw(r, pass.units), &mut row);
                row
            })
            .collect()
    }
}

/// A percentile interval and the standard deviation of the resampled values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// 2.5th percentile.
    pub low: f64,
    /// 97.5th percentile.
    pub high: f64,
    /// Sample standard deviation.
    pub se: f64,
}

/// The `q`-th quantile (0..=1) of sorted `v`, interpolating linearly between order statistics.
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let pos = q * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

/// The interval of the finite `values`; `None` when there are fewer than two.
pub fn interval(values: &[f64]) -> Option<Interval> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 2 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (v.len() - 1) as f64;
    Some(Interval { low: quantile(&v, 0.025), high: quantile(&v, 0.975), se: var.sqrt() })
}

/// A paired comparison: the interval of the differences, and the two-sided p-value of "no
/// difference" (twice the smaller share of resamples on either side of 0, at most 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// Interval of the differences.
    pub interval: Interval,
    /// Two-sided p-value.
    pub p: f64,
}

impl Paired {
    /// Whether 0 lies in the 95% interval: the two cannot be told apart.
    pub fn tied(&self) -> bool {
        self.interval.low <= 0.0 && self.interval.high >= 0.0
    }
}

/// The paired comparison of the finite `diffs`; `None` when there are fewer than two.
pub fn paired(diffs: &[f64]) -> Option<Paired> {
    let interval = interval(diffs)?;
    let finite: Vec<f64> = diffs.iter().copied().filter(|x| x.is_finite()).collect();
    let n = finite.len() as f64;
    let below = finite.iter().filter(|d| **d <= 0.0).count() as f64;
    let above = finite.iter().filter(|d| **d >= 0.0).count() as f64;
    Some(Paired { interval, p: (2.0 * below.min(above) / n).min(1.0) })
}

/// The companion rows (`:ci_low`, `:ci_high`, `:se`) of each metric's `resampled` values, in
/// the order given.
pub fn companions(resampled: &[(String, Vec<f64>)]) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for (name, values) in resampled {
        if let Some(iv) = interval(values) {
            out.push((format!("{name}:{CI_LOW}"), iv.low));
            out.push((format!("{name}:{CI_HIGH}"), iv.high));
            out.push((format!("{name}:{SE}"), iv.se));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values of `metric` across `replicates` of `pass` (a resample that lacks it is skipped).
    fn values_of(pass: &Pass<'_>, replicates: &[Vec<f64>], metric: &str) -> Vec<f64> {
        let i = pass.names.iter().position(|n| n == metric).unwrap();
        replicates.iter().map(|row| row[i]).filter(|v| !v.is_nan()).collect()
    }

    #[test]
    fn draws_are_fixed_by_seed_and_index_and_stay_in_range() {
        let b = Bootstrap { resamples: 10, seed: 7 };
        assert_eq!(b.draw(3, 50), b.draw(3, 50));
        assert_ne!(b.draw(3, 50), b.draw(4, 50));
        assert_ne!(b.draw(3, 50), Bootstrap { seed: 8, ..b }.draw(3, 50));
        assert!(b.draw(0, 50).iter().all(|&i| i < 50));
        assert_eq!(b.draw(0, 0), Vec::<usize>::new());
        // The first draw of seed 0, resample 0, pinned: the resamples are part of the results.
        assert_eq!(Bootstrap::default().draw(0, 10), vec![0, 0, 3, 5, 6, 7, 9, 9, 9, 9]);
    }

    #[test]
    fn the_mean_of_a_resample_of_units_varies_as_theory_says() {
        // Units 0..n with values 0/1, half each: the mean's standard error is 0.5 / sqrt(n).
        let n = 400;
        let b = Bootstrap { resamples: 2000, seed: 1 };
        let pass = Pass::named(n, |idx| {
            vec![("m".into(), idx.iter().filter(|&&i| i % 2 == 0).count() as f64 / idx.len() as f64)]
        });
        let reps = b.replicate(&pass);
        let iv = interval(&values_of(&pass, &reps, "m")).unwrap();
        let want = 0.5 / (n as f64).sqrt();
        assert!((iv.se - want).abs() < 0.1 * want, "se {} vs {want}", iv.se);
        assert!(iv.low < 0.5 && iv.high > 0.5 && iv.high - iv.low < 5.0 * want);
    }

    #[test]
    fn a_named_pass_matches_figures_by_name_and_leaves_missing_ones_nan() {
        // Over all units both figures exist; a resample without unit 0 lacks "zero", and its
        // figures come in another order than the names'.
        let pass = Pass::named(3, |idx| {
            let mut out = vec![("count".to_string(), idx.len() as f64)];
            if idx.contains(&0) {
                out.insert(0, ("zero".to_string(), 1.0));
            }
            out.push(("count".to_string(), -1.0));
            out
        });
        assert_eq!(pass.names, ["zero", "count", "count"]);
        let mut row = vec![f64::NAN; 3];
        (pass.fill)(&[1, 2, 2], &mut row);
        assert!(row[0].is_nan());
        assert_eq!(row[1], 3.0, "the first of a repeated name wins");
    }

    #[test]
    fn quantiles_interpolate_and_pairs_tell_sides_apart() {
        let v = [0.0, 1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.0);
        assert_eq!(quantile(&v, 0.25), 1.0);
        assert!((quantile(&v, 0.975) - 3.9).abs() < 1e-12);
        assert!(interval(&[1.0]).is_none());
        let clear = paired(&(1..=100).map(|i| i as f64 / 100.0).collect::<Vec<_>>()).unwrap();
        assert!(!clear.tied() && clear.p == 0.0);
        let even = paired(&(-50..=50).map(|i| i as f64).collect::<Vec<_>>()).unwrap();
        assert!(even.tied() && even.p == 1.0);
    }
}
