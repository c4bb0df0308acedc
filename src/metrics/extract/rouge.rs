//! ROUGE-LSum (summary-level longest common subsequence, Lin 2004) for any dataset with gold
//! text.
//!
//! Conventions, fixed here so that figures are comparable between runs:
//! - Tokens are white-space separated (`str::split_whitespace`), case and punctuation kept: no
//!   stemming, no lowercasing.
//! - Sentences are lines: the text is split on line breaks and blank lines are dropped. An
//!   extractor's paragraphs and the gold's lines are the units compared.
//! - For each gold sentence, the union of its tokens that lie on a longest common subsequence
//!   with any predicted sentence is taken; those tokens are hits, each gold and predicted token
//!   used at most once over the page (clipped by token counts, as the `rouge-score` package
//!   does). P = hits / predicted tokens, R = hits / gold tokens, F = 2PR/(P+R).
//! - Both sides empty scores 1 (a correct empty extraction); one side empty scores 0.
//! - Corpus figures are means over pages (macro).
//!
//! Each sentence pair is first reduced to the tokens both sides have; the longest common
//! subsequence of what remains costs time quadratic in its length (a page given as one very long
//! line on both sides is slow) and memory linear in it (large pairs are split, Hirschberg-style).

use std::collections::HashMap;

/// Per-page ROUGE-LSum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rouge {
    /// Hits / predicted tokens.
    pub precision: f64,
    /// Hits / gold tokens.
    pub recall: f64,
    /// F-measure.
    pub f1: f64,
}

/// Sentences of `text` as token-id lists, interning tokens in `ids`.
fn sentences<'a>(text: &'a str, ids: &mut HashMap<&'a str, u32>) -> Vec<Vec<u32>> {
    text.lines()
        .map(|line| {
            line.split_whitespace()
                .map(|w| {
                    let next = ids.len() as u32;
                    *ids.entry(w).or_insert(next)
                })
                .collect::<Vec<u32>>()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// Largest table (cells) [`lcs_positions`] fills in one piece; bigger pairs are split
/// (Hirschberg) so that memory stays linear in the sentence lengths.
const TABLE_CELLS: usize = 1 << 22;

/// Positions in `a` (plus `offset`) of one longest common subsequence of `a` and `b`.
fn lcs_positions_at(a: &[u32], b: &[u32], offset: usize, out: &mut Vec<usize>) {
    let (n, m) = (a.len(), b.len());
    let w = m + 1;
    let mut table = vec![0u32; (n + 1) * w];
    for i in 1..=n {
        for j in 1..=m {
            table[i * w + j] = if a[i - 1] == b[j - 1] {
                table[(i - 1) * w + j - 1] + 1
            } else {
                table[(i - 1) * w + j].max(table[i * w + j - 1])
            };
        }
    }
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        if a[i - 1] == b[j - 1] {
            out.push(offset + i - 1);
            i -= 1;
            j -= 1;
        } else if table[(i - 1) * w + j] >= table[i * w + j - 1] {
            i -= 1;
        } else {
            j -= 1;
        }
    }
}

/// Last row of the LCS-length table of `a` against every prefix of `b` (forward), or of the
/// reversed sequences (backward): `row[j]` = LCS(a, b[..j]) or LCS(a, b[m - j..]).
fn lcs_row(a: &[u32], b: &[u32], backward: bool, row: &mut Vec<u32>) {
    let m = b.len();
    row.clear();
    row.resize(m + 1, 0);
    let at = |s: &[u32], k: usize| if backward { s[s.len() - 1 - k] } else { s[k] };
    for i in 0..a.len() {
        let ai = at(a, i);
        let mut diag = 0u32;
        for j in 1..=m {
            let up = row[j];
            row[j] = if ai == at(b, j - 1) { diag + 1 } else { up.max(row[j - 1]) };
            diag = up;
        }
    }
}

/// Positions in `a` (plus `offset`) of one longest common subsequence of `a` and `b`, in
/// memory linear in their lengths (Hirschberg's split) when the full table would be large.
fn lcs_positions_split(a: &[u32], b: &[u32], offset: usize, out: &mut Vec<usize>) {
    if a.is_empty() || b.is_empty() {
        return;
    }
    if a.len().saturating_mul(b.len()) <= TABLE_CELLS || a.len() == 1 {
        lcs_positions_at(a, b, offset, out);
        return;
    }
    let mid = a.len() / 2;
    let (mut fwd, mut bwd) = (Vec::new(), Vec::new());
    lcs_row(&a[..mid], b, false, &mut fwd);
    lcs_row(&a[mid..], b, true, &mut bwd);
    let m = b.len();
    let split = (0..=m).max_by_key(|&j| (fwd[j] + bwd[m - j], std::cmp::Reverse(j))).unwrap_or(0);
    lcs_positions_split(&a[..mid], &b[..split], offset, out);
    lcs_positions_split(&a[mid..], &b[split..], offset + mid, out);
}

/// Positions in `a` of one longest common subsequence of `a` and `b`.
fn lcs_positions(a: &[u32], b: &[u32], out: &mut Vec<usize>) {
    lcs_positions_split(a, b, 0, out);
}

/// Scratch space for [`union_lcs`]: token membership marks and the filtered sequences.
struct Scratch {
    in_ref: Vec<bool>,
    in_cand: Vec<bool>,
    ref_kept: Vec<(usize, u32)>,
    cand_kept: Vec<u32>,
    ref_ids: Vec<u32>,
    found: Vec<usize>,
}

/// Positions in `r` of the union, over every candidate sentence, of one longest common
/// subsequence with `r`. Tokens absent from the other side of a pair cannot be on a common
/// subsequence, so each pair is first reduced to the tokens both sides have (which makes the
/// quadratic table small for sentences that share little).
fn union_lcs(r: &[u32], cands: &[Vec<u32>], s: &mut Scratch, out: &mut Vec<usize>) {
    out.clear();
    for &t in r {
        s.in_ref[t as usize] = true;
    }
    for c in cands {
        s.cand_kept.clear();
        s.cand_kept.extend(c.iter().copied().filter(|&t| s.in_ref[t as usize]));
        if s.cand_kept.is_empty() {
            continue;
        }
        for &t in &s.cand_kept {
            s.in_cand[t as usize] = true;
        }
        s.ref_kept.clear();
        s.ref_kept.extend(r.iter().enumerate().filter(|(_, t)| s.in_cand[**t as usize]).map(|(i, &t)| (i, t)));
        for &t in &s.cand_kept {
            s.in_cand[t as usize] = false;
        }
        s.ref_ids.clear();
        s.ref_ids.extend(s.ref_kept.iter().map(|&(_, t)| t));
        s.found.clear();
        lcs_positions(&s.ref_ids, &s.cand_kept, &mut s.found);
        out.extend(s.found.iter().map(|&k| s.ref_kept[k].0));
    }
    for &t in r {
        s.in_ref[t as usize] = false;
    }
    out.sort_unstable();
    out.dedup();
}

/// ROUGE-LSum of one page.
pub fn page(gold: &str, pred: &str) -> Rouge {
    let mut ids = HashMap::new();
    let refs = sentences(gold, &mut ids);
    let cands = sentences(pred, &mut ids);
    let ref_len: usize = refs.iter().map(Vec::len).sum();
    let cand_len: usize = cands.iter().map(Vec::len).sum();
    if ref_len == 0 || cand_len == 0 {
        let v = if ref_len == cand_len { 1.0 } else { 0.0 };
        return Rouge { precision: v, recall: v, f1: v };
    }
    let mut ref_left = vec![0u32; ids.len()];
    let mut cand_left = vec![0u32; ids.len()];
    for &t in refs.iter().flatten() {
        ref_left[t as usize] += 1;
    }
    for &t in cands.iter().flatten() {
        cand_left[t as usize] += 1;
    }
    let mut scratch = Scratch {
        in_ref: vec![false; ids.len()],
        in_cand: vec![false; ids.len()],
        ref_kept: Vec::new(),
        cand_kept: Vec::new(),
        ref_ids: Vec::new(),
        found: Vec::new(),
    };
    let mut hits = 0u64;
    let mut union = Vec::new();
    for r in &refs {
        union_lcs(r, &cands, &mut scratch, &mut union);
        for &pos in &union {
            let t = r[pos] as usize;
            if ref_left[t] > 0 && cand_left[t] > 0 {
                ref_left[t] -= 1;
                cand_left[t] -= 1;
                hits += 1;
            }
        }
    }
    let precision = hits as f64 / cand_len as f64;
    let recall = hits as f64 / ref_len as f64;
    let f1 = if hits > 0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    Rouge { precision, recall, f1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_score_one() {
        let r = page("a b c\nd e", "a b c\nd e");
        assert_eq!((r.precision, r.recall, r.f1), (1.0, 1.0, 1.0));
    }

    #[test]
    fn lin_2004_summary_level_example() {
        // Lin (2004), section 3.2: r = w1 w2 w3 w4 w5; c1 = w1 w2 w6 w7 w8; c2 = w1 w3 w8 w9 w5.
        // Union LCS = w1 w2 w3 w5 (4 hits); |r| = 5, |c| = 10.
        let r = page("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5");
        assert_eq!((r.recall, r.precision), (0.8, 0.4));
        assert!((r.f1 - 2.0 * 0.8 * 0.4 / 1.2).abs() < 1e-15);
    }

    #[test]
    fn hits_are_clipped_by_token_counts() {
        // Two gold lines "x y" each match the single predicted line "x y": 4 union tokens, but
        // the prediction has only one x and one y -> 2 hits. P = 2/2, R = 2/4.
        let r = page("x y\nx y", "x y");
        assert_eq!((r.precision, r.recall), (1.0, 0.5));
    }

    #[test]
    fn order_within_a_line_matters_but_line_order_does_not() {
        assert_eq!(page("a b\nc d", "c d\na b").f1, 1.0);
        // "b a" vs "a b": LCS 1 of 2.
        assert_eq!(page("a b", "b a").recall, 0.5);
    }

    #[test]
    fn split_lcs_finds_an_lcs_as_long_as_the_full_table() {
        // Deterministic pseudo-random sequences over a small alphabet, long enough to split.
        let mut x = 0x9E37_79B9u32;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x % 7
        };
        let a: Vec<u32> = (0..3000).map(|_| next()).collect();
        let b: Vec<u32> = (0..2500).map(|_| next()).collect();
        let (mut full, mut split) = (Vec::new(), Vec::new());
        lcs_positions_at(&a, &b, 0, &mut full);
        lcs_positions_split(&a, &b, 0, &mut split);
        assert!(a.len() * b.len() > TABLE_CELLS);
        assert_eq!(full.len(), split.len());
        // The split positions are distinct and, in order, spell a subsequence of b.
        split.sort_unstable();
        assert!(split.windows(2).all(|w| w[0] < w[1]));
        let picked: Vec<u32> = split.iter().map(|&i| a[i]).collect();
        let mut it = b.iter();
        assert!(picked.iter().all(|t| it.any(|u| u == t)));
    }

    #[test]
    fn empty_sides() {
        assert_eq!(page("", "\n \n").f1, 1.0);
        assert_eq!(page("a", "").f1, 0.0);
        assert_eq!(page("", "a").f1, 0.0);
        assert_eq!(page("a", "b").f1, 0.0);
    }
}
