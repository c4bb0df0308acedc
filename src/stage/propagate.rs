//! `minhash` components past one node: connected components by rounds over ordinal ranges,
//! alternating large-star and small-star (Kiveris et al., "Connected Components in MapReduce
//! and Beyond", 2014), so that no task holds more than the edges of its range.
//!
//! The documents are cut into as many ordinal ranges as the plan has key partitions (range `q`
//! is `[q * D / P, (q + 1) * D / P)`). Every round's edges are kept in both directions, as
//! (node, neighbor) pairs stored by the range of `node`, so a range task sees the whole
//! neighborhood of each of its nodes:
//!
//! - round 0, task `p`: the star edges and identical-content groups of bucket partition `p`,
//!   sent to the ranges of their ends (`propagate/round-00001/from-ppppp/range-qqqqq.arrow`);
//! - round `r >= 1`, task `q`: reads `propagate/round-r/from-*/range-q.arrow`; odd rounds are
//!   large-star (each node's larger neighbors linked to the smallest of its neighborhood), even
//!   rounds small-star (a node and its smaller neighbors linked to the smallest of them); the
//!   new edges go to `propagate/round-(r+1)/from-q/range-*.arrow`, and
//!   `propagate/round-r/meta-q.json` says whether the range's input was already stars around
//!   each component's smallest ordinal (`changed: false`), which both kinds of round leave as
//!   they are;
//! - when no task of round `r` changed anything, `labels` task `q` writes
//!   `components/labels/range-qqqqq.arrow` (ordinal, label) for every ordinal of its range: a
//!   node's smaller neighbor (its star's center) or itself.
//!
//! Both operations keep each component connected and never add a node to it, and their common
//! fixed point is exactly "every component a star around its smallest ordinal", so the labels
//! are union-find's (`min_labels`). Every file is sorted and deduplicated before it is written,
//! so a retried task writes the same bytes.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::ipc::{self, Column};
use super::{GROUP_COLUMNS, PAIR_COLUMNS, Part, Plan, Staged};
use crate::error::{Error, InputError};
use crate::strategy::Registry;

/// The most rounds a work folder's names hold (five digits).
pub const MAX_ROUNDS: usize = 99_999;

/// The columns of a round's edge files: each edge stored at `node`'s range.
const EDGE_COLUMNS: [&str; 2] = ["node", "neighbor"];

/// The columns of a range's labels.
const LABEL_COLUMNS: [&str; 2] = ["ordinal", "label"];

/// What one round task did, beside its outputs (`propagate/round-r/meta-q.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundMeta {
    /// The round.
    pub round: usize,
    /// Directed edges read (each undirected edge is two; round 0: bucket edges read).
    pub edges_in: u64,
    /// Directed edges written, over all ranges.
    pub edges_out: u64,
    /// Whether the range's input was not yet stars around each component's smallest ordinal
    /// (round 0: always), so that the rounds must go on.
    pub changed: bool,
}

/// Ordinals of range `q` of `ranges` over `docs` documents.
pub fn range_of(docs: u64, ranges: usize, q: usize) -> Range<u64> {
    let at = |q: usize| ((u128::from(docs) * q as u128) / ranges as u128) as u64;
    at(q)..at(q + 1)
}

/// The range holding `ordinal` (< `docs`).
pub fn range_index(docs: u64, ranges: usize, ordinal: u64) -> usize {
    let mut q = ((u128::from(ordinal) * ranges as u128) / u128::from(docs.max(1))) as usize;
    q = q.min(ranges - 1);
    while q + 1 < ranges && range_of(docs, ranges, q + 1).start <= ordinal {
        q += 1;
    }
    while q > 0 && range_of(docs, ranges, q).start > ordinal {
        q -= 1;
    }
    q
}

/// The folder of round `r`'s input edges.
fn round_dir(work: &Path, round: usize) -> PathBuf {
    work.join("propagate").join(format!("round-{round:05}"))
}

fn edge_file(work: &Path, round: usize, from: usize, range: usize) -> PathBuf {
    round_dir(work, round).join(format!("from-{from:05}")).join(format!("range-{range:05}.arrow"))
}

fn meta_file(work: &Path, round: usize, q: usize) -> PathBuf {
    round_dir(work, round).join(format!("meta-{q:05}.json"))
}

/// Range `q`'s labels file.
pub fn labels_file(work: &Path, q: usize) -> PathBuf {
    work.join("components").join("labels").join(format!("range-{q:05}.arrow"))
}

/// One round over one range: `adjacency` is the range's (node, neighbor) pairs, sorted and
/// without repeats; odd rounds large-star, even small-star. Pushes the new edges, both
/// directions, to `out`, and says whether the input was not yet settled (some node with both
/// smaller and larger neighbors, or more than one smaller neighbor).
pub fn step(adjacency: &[(u64, u64)], large: bool, out: &mut Vec<(u64, u64)>) -> bool {
    let mut changed = false;
    let mut both = |a: u64, b: u64| {
        out.push((a, b));
        out.push((b, a));
    };
    for hood in adjacency.chunk_by(|x, y| x.0 == y.0) {
        let u = hood[0].0;
        // Neighbors ascending: the smaller ones first.
        let smaller = hood.partition_point(|&(_, v)| v < u);
        let larger = &hood[smaller..];
        if (smaller > 0 && !larger.is_empty()) || smaller > 1 {
            changed = true;
        }
        let m = hood[0].1.min(u);
        if large {
            // Every larger neighbor linked to the smallest of u's neighborhood (u included).
            for &(_, v) in larger {
                both(v, m);
            }
        } else if smaller > 0 {
            // u and its smaller neighbors linked to the smallest of them.
            both(u, m);
            for &(_, v) in &hood[1..smaller] {
                both(v, m);
            }
        }
    }
    changed
}

/// Cuts `edges` (directed pairs) by the range of their node, each range's sorted and without
/// repeats.
fn by_range(edges: Vec<(u64, u64)>, docs: u64, ranges: usize) -> Vec<Vec<(u64, u64)>> {
    let mut out: Vec<Vec<(u64, u64)>> = vec![Vec::new(); ranges];
    for e in edges {
        out[range_index(docs, ranges, e.0)].push(e);
    }
    out.par_iter_mut().for_each(|r| {
        r.par_sort_unstable();
        r.dedup();
    });
    out
}

/// The labels of range `range` from its settled adjacency: a node's smallest neighbor when it
/// is smaller (its star's center), else the node itself.
fn range_labels(adjacency: &[(u64, u64)], range: Range<u64>) -> Vec<u64> {
    let mut labels: Vec<u64> = range.clone().collect();
    for hood in adjacency.chunk_by(|x, y| x.0 == y.0) {
        let (u, v) = hood[0];
        if v < u {
            labels[(u - range.start) as usize] = v;
        }
    }
    labels
}

/// Components of `n` nodes over `ranges` ranges, every round run in memory, range by range, as
/// the tasks run it: the labels and the rounds run (the last one changed nothing). For tests
/// and measurement; `None` past `max_rounds`.
pub fn in_memory(n: u64, ranges: usize, edges: &[(u64, u64)], max_rounds: usize) -> Option<(Vec<u64>, usize)> {
    let mut all: Vec<(u64, u64)> = edges.iter().filter(|e| e.0 != e.1).flat_map(|&(a, b)| [(a, b), (b, a)]).collect();
    let mut input = by_range(std::mem::take(&mut all), n, ranges);
    for round in 1..=max_rounds {
        let mut changed = false;
        let mut out = Vec::new();
        for adjacency in &input {
            changed |= step(adjacency, round % 2 == 1, &mut out);
        }
        if !changed {
            let mut labels = Vec::with_capacity(n as usize);
            for (q, adjacency) in input.iter().enumerate() {
                labels.extend(range_labels(adjacency, range_of(n, ranges, q)));
            }
            return Some((labels, round));
        }
        input = by_range(out, n, ranges);
    }
    None
}

fn minhash_plan(registry: &Registry, work: &Path) -> Result<Plan, Error> {
    let plan = super::read_plan(work)?;
    match super::staged_of(registry, &plan.strategy)? {
        Staged::MinHash(_) => Ok(plan),
        Staged::Units(_) => Err(Error::Usage(format!(
            "`{}`: label propagation is for `minhash`; units need no components",
            plan.strategy
        ))),
    }
}

/// Reads a pair file, each pair's values checked against `docs`, and (`range`) its first
/// value within the range.
fn read_checked(path: &Path, names: &[&str], docs: u64, range: Option<&Range<u64>>) -> Result<Vec<(u64, u64)>, Error> {
    let pairs = super::read_pairs(path, names, docs)?;
    if let Some(r) = range
        && let Some(&(a, b)) = pairs.iter().find(|p| !r.contains(&p.0))
    {
        return Err(Error::Input(InputError::file(
            path,
            format!("edge ({a}, {b}) is not of range {}..{}", r.start, r.end),
        )));
    }
    Ok(pairs)
}

/// Range `q`'s input of `round`: every task's file for it, merged in order, without repeats.
fn read_round(plan: &Plan, work: &Path, round: usize, q: usize) -> Result<Vec<(u64, u64)>, Error> {
    let range = range_of(plan.docs, plan.partitions, q);
    let mut runs = Vec::with_capacity(plan.partitions);
    for from in 0..plan.partitions {
        let path = edge_file(work, round, from, q);
        let run = read_checked(&path, &EDGE_COLUMNS, plan.docs, Some(&range))?;
        if !run.is_sorted() {
            return Err(Error::Input(InputError::file(&path, "edges out of order: not a round's file")));
        }
        runs.push(run);
    }
    // Each task wrote its edges sorted: merged, without repeats, they need no sort.
    let mut adjacency: Vec<(u64, u64)> = Vec::with_capacity(runs.iter().map(Vec::len).sum());
    super::merge_runs(&runs, |e| {
        if adjacency.last() != Some(&e) {
            adjacency.push(e);
        }
    });
    Ok(adjacency)
}

fn write_round(plan: &Plan, work: &Path, round: usize, from: usize, out: Vec<(u64, u64)>) -> Result<u64, Error> {
    let written = out.len() as u64;
    for (q, edges) in by_range(out, plan.docs, plan.partitions).into_iter().enumerate() {
        super::write_pairs(&edge_file(work, round, from, q), &EDGE_COLUMNS, &edges)?;
    }
    Ok(written)
}

/// `propagate --round R --part q/P`: round 0 sends bucket partition `q`'s edges to their
/// ranges; round `R >= 1` runs large-star (odd) or small-star (even) over range `q`.
pub fn round(registry: &Registry, work: &Path, round: usize, part: Part) -> Result<RoundMeta, Error> {
    let t0 = Instant::now();
    let plan = minhash_plan(registry, work)?;
    super::check_part(part, "partitions", plan.partitions)?;
    if round >= MAX_ROUNDS {
        return Err(Error::Usage(format!("round {round}: at most {} rounds", MAX_ROUNDS - 1)));
    }
    let q = part.index;
    let (edges_in, out, changed) = if round == 0 {
        let dir = super::partition_dir(work, q);
        let mut out = Vec::new();
        let mut read = 0u64;
        for (file, names) in [("star.arrow", &PAIR_COLUMNS), ("groups.arrow", &GROUP_COLUMNS)] {
            let pairs = read_checked(&dir.join(file), names, plan.docs, None)?;
            read += pairs.len() as u64;
            out.extend(pairs.into_iter().filter(|e| e.0 != e.1).flat_map(|(a, b)| [(a, b), (b, a)]));
        }
        (read, out, true)
    } else {
        let adjacency = read_round(&plan, work, round, q)?;
        let mut out = Vec::new();
        let changed = step(&adjacency, round % 2 == 1, &mut out);
        (adjacency.len() as u64, out, changed)
    };
    let edges_out = write_round(&plan, work, round + 1, q, out)?;
    let meta = RoundMeta { round, edges_in, edges_out, changed };
    super::write_json(&meta_file(work, round, q), &meta)?;
    super::record_time(work, &format!("propagate-{round:05}"), q, t0)?;
    Ok(meta)
}

/// Whether any task of `round` changed something, from every task's meta.
pub fn round_changed(work: &Path, partitions: usize, round: usize) -> Result<bool, Error> {
    let mut changed = false;
    for q in 0..partitions {
        let path = meta_file(work, round, q);
        let meta: RoundMeta = super::read_json(&path)?;
        if meta.round != round {
            return Err(Error::Input(InputError::file(&path, format!("round {}, expected {round}", meta.round))));
        }
        changed |= meta.changed;
    }
    Ok(changed)
}

/// `propagate --labels --round R --part q/P`: range `q`'s labels from round `R`'s input, once
/// no task of round `R` changed anything: `components/labels/range-qqqqq.arrow`.
pub fn labels(registry: &Registry, work: &Path, round: usize, part: Part) -> Result<(), Error> {
    let t0 = Instant::now();
    let plan = minhash_plan(registry, work)?;
    super::check_part(part, "partitions", plan.partitions)?;
    if round == 0 || round_changed(work, plan.partitions, round)? {
        return Err(Error::Usage(format!("round {round} changed the edges: the rounds are not done")));
    }
    let q = part.index;
    let adjacency = read_round(&plan, work, round, q)?;
    let range = range_of(plan.docs, plan.partitions, q);
    let labels = range_labels(&adjacency, range.clone());
    let path = labels_file(work, q);
    ipc::write(&path, &LABEL_COLUMNS, &[Column::U64(range.collect()), Column::U64(labels)])?;
    super::record_time(work, "labels", q, t0)
}

/// Range `q`'s labels file, checked to hold its range's ordinals in order, each label at most
/// its ordinal: the labels.
fn read_labels_of(plan: &Plan, work: &Path, q: usize) -> Result<Vec<u64>, Error> {
    let path = labels_file(work, q);
    let range = range_of(plan.docs, plan.partitions, q);
    let mut cols = ipc::read(&path, &LABEL_COLUMNS)?;
    let ok = cols[0].len() as u64 == range.end - range.start
        && cols[0].iter().zip(range.clone()).all(|(&o, want)| o == want)
        && cols[0].iter().zip(&cols[1]).all(|(o, l)| l <= o);
    if !ok {
        return Err(Error::Input(InputError::file(
            &path,
            format!("not the labels of ordinals {}..{}, each at most its ordinal", range.start, range.end),
        )));
    }
    Ok(cols.swap_remove(1))
}

/// The labels of ordinals `first..first + docs` from the range files, or `None` when
/// `components/labels/` is not there (union-find's `labels.arrow` is read instead).
pub fn part_labels(plan: &Plan, work: &Path, first: u64, docs: u64) -> Result<Option<Vec<u64>>, Error> {
    if !work.join("components").join("labels").is_dir() {
        return Ok(None);
    }
    let mut own = Vec::with_capacity(docs as usize);
    if docs == 0 {
        return Ok(Some(own));
    }
    let (lo, hi) =
        (range_index(plan.docs, plan.partitions, first), range_index(plan.docs, plan.partitions, first + docs - 1));
    for q in lo..=hi {
        let range = range_of(plan.docs, plan.partitions, q);
        let labels = read_labels_of(plan, work, q)?;
        let (from, to) = (first.max(range.start), (first + docs).min(range.end));
        own.extend_from_slice(&labels[(from - range.start) as usize..(to - range.start) as usize]);
    }
    Ok(Some(own))
}

/// `components --propagated`: what `components` writes (`components/{labels,edges,groups}.arrow`
/// and `meta.json`, which `score` reads), the labels the range files' concatenation instead of
/// union-find's.
pub fn components(registry: &Registry, work: &Path) -> Result<String, Error> {
    let t0 = Instant::now();
    let plan = minhash_plan(registry, work)?;
    let mut labels = Vec::with_capacity(usize::try_from(plan.docs).unwrap_or(0));
    for q in 0..plan.partitions {
        labels.extend(read_labels_of(&plan, work, q)?);
    }
    let meta = super::components_minhash(&plan, work, Some(labels))?;
    super::record_time(work, "components", 0, t0)?;
    Ok(format!("{} clusters of {} documents (propagated labels)", meta.clusters, meta.docs))
}

/// Every round of every range in this process, then the labels: the rounds run (the last
/// changed nothing). Refused past `max_rounds`.
pub fn run_rounds(registry: &Registry, work: &Path, max_rounds: usize) -> Result<usize, Error> {
    let plan = minhash_plan(registry, work)?;
    let count = plan.partitions;
    for index in 0..count {
        round(registry, work, 0, Part { index, count })?;
    }
    for r in 1..=max_rounds.min(MAX_ROUNDS - 1) {
        for index in 0..count {
            round(registry, work, r, Part { index, count })?;
        }
        if !round_changed(work, count, r)? {
            for index in 0..count {
                labels(registry, work, r, Part { index, count })?;
            }
            return Ok(r);
        }
    }
    Err(Error::Usage(format!("label propagation did not settle in {max_rounds} rounds")))
}

/// `stage run --components propagate`: every stage in this process as `super::run_local` runs
/// them, the components by rounds of label propagation (at most `max_rounds`).
pub fn run_local(
    registry: &Registry,
    local: &super::Local,
    bootstrap: &crate::metrics::bootstrap::Bootstrap,
    max_rounds: usize,
) -> Result<(crate::model::Dataset, crate::runner::Cell, Vec<InputError>), Error> {
    let work = local.work.as_path();
    let (plan, issues) = super::plan(registry, &local.root, &local.spec, local.parts, local.partitions, work)?;
    for index in 0..plan.parts {
        super::sign(registry, work, Part { index, count: plan.parts })?;
    }
    for index in 0..plan.partitions {
        super::bucket(registry, work, Part { index, count: plan.partitions })?;
    }
    run_rounds(registry, work, max_rounds)?;
    components(registry, work)?;
    for index in 0..plan.parts {
        super::apply(registry, work, Part { index, count: plan.parts })?;
    }
    let (ds, cell) = super::score(registry, work, bootstrap)?;
    Ok((ds, cell, issues))
}

#[cfg(test)]
mod tests {
    use super::super::min_labels;
    use super::*;

    /// A SplitMix64 stream, for reproducible random graphs.
    fn rng(seed: u64) -> impl FnMut() -> u64 {
        let mut s = seed;
        move || {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
    }

    /// Paths of `len` nodes over shuffled ordinals (components of diameter `len - 1`).
    fn shuffled_paths(n: u64, len: u64, seed: u64) -> Vec<(u64, u64)> {
        let mut next = rng(seed);
        let mut order: Vec<u64> = (0..n).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, (next() % (i as u64 + 1)) as usize);
        }
        order.chunks(len as usize).flat_map(|c| c.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>()).collect()
    }

    #[test]
    fn ranges_cover_the_ordinals_in_order() {
        for (docs, ranges) in [(10u64, 3usize), (3, 7), (1000, 16), (1, 1), (0, 2)] {
            let mut next = 0;
            for q in 0..ranges {
                let r = range_of(docs, ranges, q);
                assert_eq!(r.start, next);
                for o in r.clone() {
                    assert_eq!(range_index(docs, ranges, o), q, "{docs} {ranges} {o}");
                }
                next = r.end;
            }
            assert_eq!(next, docs);
        }
    }

    #[test]
    fn random_graphs_give_union_find_labels_at_any_range_count() {
        let mut next = rng(7);
        for case in 0..60u64 {
            let n = 1 + next() % 300;
            let m = next() % (2 * n);
            let edges: Vec<(u64, u64)> = (0..m).map(|_| (next() % n, next() % n)).collect();
            let ranges = 1 + (next() % 9) as usize;
            let (labels, _) = in_memory(n, ranges, &edges, 200).unwrap();
            assert_eq!(labels, min_labels(n as usize, edges.iter().copied()), "case {case}");
        }
    }

    #[test]
    fn long_shuffled_paths_take_several_rounds_and_give_union_find_labels() {
        let n = 5000;
        let edges = shuffled_paths(n, 500, 3);
        let (labels, rounds) = in_memory(n, 4, &edges, 200).unwrap();
        assert_eq!(labels, min_labels(n as usize, edges.iter().copied()));
        assert!(rounds > 4, "{rounds} rounds");
        assert!(in_memory(n, 4, &edges, 2).is_none());
    }

    #[test]
    fn stars_around_the_minimum_are_settled() {
        let adjacency = [(5, 2), (9, 2)];
        let mut out = Vec::new();
        assert!(!step(&adjacency, true, &mut out));
        assert!(!step(&adjacency, false, &mut out));
        assert!(step(&[(5, 2), (5, 3)], false, &mut out));
        assert!(step(&[(5, 2), (5, 9)], true, &mut out));
    }

    /// Rounds and seconds against union-find on a larger graph:
    /// `cargo test --release --lib propagate::tests::measure -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement of rounds and seconds, not a check: run with --release --ignored --nocapture"]
    fn measure() {
        for (n, len, ranges) in [(1_000_000u64, 2u64, 16usize), (1_000_000, 20, 16), (1_000_000, 1000, 16)] {
            let edges = shuffled_paths(n, len, 11);
            let t0 = Instant::now();
            let expected = min_labels(n as usize, edges.iter().copied());
            let uf = t0.elapsed().as_secs_f64();
            let t0 = Instant::now();
            let (labels, rounds) = in_memory(n, ranges, &edges, 500).unwrap();
            let lp = t0.elapsed().as_secs_f64();
            assert_eq!(labels, expected);
            println!("{n} nodes, paths of {len}, {ranges} ranges: {rounds} rounds, {lp:.2} s; union-find {uf:.3} s");
        }
    }
}
