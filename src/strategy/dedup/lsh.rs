//! Locality-sensitive hashing by banding, and the choice of its bands and rows.
//!
//! A signature of `b * r` MinHash values is cut into `b` bands of `r` rows; two documents are
//! candidates when all rows of at least one band agree. A pair of Jaccard similarity `s`
//! becomes a candidate with probability `1 - (1 - s^r)^b` (the S-curve).
//!
//! [`optimal_bands_rows`] picks `(b, r)` for a threshold `t` as datasketch's `_optimal_param`
//! does: over every `b * r <= num_perm`, minimise `w_fp * FP + w_fn * FN`, where FP is the area
//! under the S-curve on `[0, t]` and FN the area above it on `[t, 1]`, integrated numerically.
//!
//! This module does not compute signatures or verify candidates.

use crate::error::Error;

/// Probability that a pair of Jaccard similarity `s` shares at least one of `bands` bands of
/// `rows` rows: `1 - (1 - s^rows)^bands`.
pub fn detect_probability(s: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
}

/// Area under the S-curve on `[0, threshold]`: how much dissimilar mass becomes candidates.
pub fn false_positive_area(threshold: f64, bands: usize, rows: usize) -> f64 {
    integrate(|s| detect_probability(s, bands, rows), 0.0, threshold)
}

/// Area above the S-curve on `[threshold, 1]`: how much similar mass is missed.
pub fn false_negative_area(threshold: f64, bands: usize, rows: usize) -> f64 {
    integrate(|s| 1.0 - detect_probability(s, bands, rows), threshold, 1.0)
}

/// The `(bands, rows)` with `bands * rows <= num_perm` that minimises the weighted false
/// positive and false negative areas (ties go to the first found, bands then rows ascending).
pub fn optimal_bands_rows(
    threshold: f64,
    num_perm: usize,
    fp_weight: f64,
    fn_weight: f64,
) -> Result<(usize, usize), Error> {
    if !(threshold > 0.0 && threshold < 1.0) {
        return Err(Error::Spec(format!("LSH threshold must lie strictly between 0 and 1, got {threshold}")));
    }
    if num_perm == 0 {
        return Err(Error::Spec("LSH needs at least one permutation".into()));
    }
    if fp_weight < 0.0 || fn_weight < 0.0 {
        return Err(Error::Spec("LSH error weights must not be negative".into()));
    }
    let mut best = (0, 0);
    let mut best_err = f64::INFINITY;
    for b in 1..=num_perm {
        for r in 1..=num_perm / b {
            let err =
                fp_weight * false_positive_area(threshold, b, r) + fn_weight * false_negative_area(threshold, b, r);
            if err < best_err {
                best_err = err;
                best = (b, r);
            }
        }
    }
    Ok(best)
}

/// Definite integral of `f` on `[a, b]` by adaptive Simpson quadrature (absolute tolerance
/// 1e-12), accurate enough that the optimiser's choice does not depend on quadrature error.
pub fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    if b <= a {
        return 0.0;
    }
    let fa = f(a);
    let fb = f(b);
    let m = 0.5 * (a + b);
    let fm = f(m);
    let whole = (b - a) / 6.0 * (fa + 4.0 * fm + fb);
    simpson(&f, a, b, fa, fm, fb, whole, 1e-12, 48)
}

#[allow(clippy::too_many_arguments)]
fn simpson(
    f: &impl Fn(f64) -> f64,
    a: f64,
    b: f64,
    fa: f64,
    fm: f64,
    fb: f64,
    whole: f64,
    eps: f64,
    depth: u32,
) -> f64 {
    let m = 0.5 * (a + b);
    let lm = 0.5 * (a + m);
    let rm = 0.5 * (m + b);
    let flm = f(lm);
    let frm = f(rm);
    let left = (m - a) / 6.0 * (fa + 4.0 * flm + fm);
    let right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
    let delta = left + right - whole;
    if depth == 0 || delta.abs() <= 15.0 * eps {
        return left + right + delta / 15.0;
    }
    simpson(f, a, m, fa, flm, fm, left, eps / 2.0, depth - 1)
        + simpson(f, m, b, fm, frm, fb, right, eps / 2.0, depth - 1)
}

/// Figures describing a banding, reported beside the metrics: `bands`, `rows` and the
/// detection probability at Jaccard 0.5, 0.7, 0.8 and 0.9 (`p_detect@0.5`, ...).
pub fn banding_stats(bands: usize, rows: usize) -> Vec<(String, f64)> {
    let mut out = vec![("bands".to_string(), bands as f64), ("rows".to_string(), rows as f64)];
    for s in [0.5, 0.7, 0.8, 0.9] {
        out.push((format!("p_detect@{s}"), detect_probability(s, bands, rows)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    #[test]
    fn detect_probability_by_hand() {
        // b = 2, r = 2, s = 0.5: s^r = 0.25; 1 - 0.75^2 = 0.4375.
        assert!(close(detect_probability(0.5, 2, 2), 0.4375, 1e-15));
        // FineWeb's 14 x 8 at s = 0.8: 0.8^8 = 0.16777216; 1 - 0.83222784^14 = 0.92407...
        assert!(close(detect_probability(0.8, 14, 8), 1.0 - 0.83222784f64.powi(14), 1e-15));
        assert!(close(detect_probability(0.8, 14, 8), 0.924, 5e-4));
        assert_eq!(detect_probability(1.0, 3, 4), 1.0);
        assert_eq!(detect_probability(0.0, 3, 4), 0.0);
    }

    #[test]
    fn areas_by_hand() {
        // b = 1, r = 1: the curve is s. FP on [0, 0.5] = 0.125, FN on [0.5, 1] = 0.125.
        assert!(close(false_positive_area(0.5, 1, 1), 0.125, 1e-12));
        assert!(close(false_negative_area(0.5, 1, 1), 0.125, 1e-12));
        // b = 1, r = 2: curve s^2; FP on [0, 0.5] = 1/24; FN on [0.5, 1] = 0.5 - 7/24 = 5/24.
        assert!(close(false_positive_area(0.5, 1, 2), 1.0 / 24.0, 1e-12));
        assert!(close(false_negative_area(0.5, 1, 2), 5.0 / 24.0, 1e-12));
    }

    #[test]
    fn optimiser_agrees_with_datasketch() {
        // datasketch 2.0.0, datasketch.lsh._optimal_param(threshold, num_perm, 0.5, 0.5):
        let cases = [
            (0.5, 128, (25, 5)),
            (0.7, 128, (14, 9)),
            (0.8, 128, (9, 13)),
            (0.9, 128, (5, 25)),
            (0.8, 112, (9, 12)),
            (0.75, 256, (21, 12)),
        ];
        for (t, n, want) in cases {
            assert_eq!(optimal_bands_rows(t, n, 0.5, 0.5).unwrap(), want, "threshold {t}, num_perm {n}");
        }
    }

    #[test]
    fn optimiser_rejects_bad_input() {
        assert!(optimal_bands_rows(1.0, 128, 0.5, 0.5).is_err());
        assert!(optimal_bands_rows(0.5, 0, 0.5, 0.5).is_err());
    }
}
