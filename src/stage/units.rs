//! `exact`, `lines` and `paragraphs` through the stage pipeline: the shuffle is on unit hashes
//! (a document's normalised text for `exact`, each line or paragraph for the span strategies),
//! partitioned by key range, and of each hash the smallest (ordinal, char start) is the first
//! occurrence, kept; every later one is a duplicate, as the single-machine stream decides it.
//!
//! `sign` writes (hash_hi, hash_lo, ordinal, start, end) runs; `bucket` sends each duplicate unit,
//! with the ordinal of its hash's first occurrence, to the apply part that holds its document;
//! `components` only sums the partitions' counts (a unit's fate is settled in its bucket);
//! `apply` turns a part's duplicates into cluster labels (`exact`) or merged duplicate spans.

use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::ipc::{self, Column};
use super::{
    Part, Plan, part_dir, part_span, partition_dir, partition_of, read_json, shards_of, sign_file, write_json,
};
use crate::error::{Error, InputError};
use crate::io::write_atomic;
use crate::strategy::DedupOutput;
use crate::strategy::dedup::exact::Exact;
use crate::strategy::dedup::units::Units;

/// A strategy staged through unit hashes.
#[derive(Debug, Clone)]
pub enum UnitStrategy {
    /// `exact`: one unit a document, its whole normalised text; the answer is clusters.
    Exact(Exact),
    /// `lines` or `paragraphs`: the answer is each document's duplicate spans.
    Spans(Units),
}

impl UnitStrategy {
    /// (xxh3-128, char span) of each unit of `text`, in text order, as the strategy hashes them.
    fn units(&self, text: &str, buf: &mut String) -> Vec<(u128, Range<usize>)> {
        match self {
            // A document is one unit; its span is not needed.
            UnitStrategy::Exact(e) => vec![(e.doc_hash(text, buf), 0..0)],
            UnitStrategy::Spans(u) => u.hashed_units(text, buf),
        }
    }
}

/// One unit as `sign` writes it; the derived order (hash, then ordinal and char start) puts a
/// hash's first occurrence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Unit {
    hi: u64,
    lo: u64,
    ordinal: u64,
    start: u64,
    end: u64,
}

const SIGN_COLUMNS: [&str; 5] = ["hash_hi", "hash_lo", "ordinal", "start", "end"];

/// A duplicate unit as `bucket` writes it for an apply part: its document, char span, and the
/// ordinal of the first occurrence of its hash.
const DUP_COLUMNS: [&str; 4] = ["ordinal", "start", "end", "first"];

/// `bucket`'s file for apply part `index` in key partition `p`.
fn dup_file(work: &Path, p: usize, index: usize) -> std::path::PathBuf {
    partition_dir(work, p).join(format!("part-{index:05}.arrow"))
}

/// `sign` for units: every unit of part `part`'s documents, as sorted runs per key partition
/// (by the hash's high 64 bits), and the documents' ids.
pub(super) fn sign(strategy: &UnitStrategy, plan: &Plan, work: &Path, part: Part) -> Result<(), Error> {
    let (source, first, docs) = super::source_of(plan, shards_of(plan, part.index))?;
    let mut runs: Vec<Vec<Unit>> = vec![Vec::new(); plan.partitions];
    let mut next = first;
    let mut ids: Vec<u8> = Vec::new();
    crate::model::DocSource::batches(&source, crate::model::docs::BATCH_BYTES, &mut |batch| {
        super::push_ids(&mut ids, batch)?;
        let hashed: Vec<Vec<(u128, Range<usize>)>> =
            batch.par_iter().map_init(String::new, |buf, d| strategy.units(&d.text, buf)).collect();
        for units in hashed {
            for (h, span) in units {
                let hi = (h >> 64) as u64;
                let (start, end) = (span.start as u64, span.end as u64);
                runs[partition_of(hi, plan.partitions)].push(Unit { hi, lo: h as u64, ordinal: next, start, end });
            }
            next += 1;
        }
        Ok(())
    })
    .map_err(Error::Usage)?;
    if next - first != docs {
        return Err(Error::Usage(format!("part {}: read {} documents, planned {docs}", part.index, next - first)));
    }
    runs.par_iter_mut().for_each(|r| r.par_sort_unstable());
    for (p, run) in runs.iter().enumerate() {
        let cols = [
            Column::U64(run.iter().map(|u| u.hi).collect()),
            Column::U64(run.iter().map(|u| u.lo).collect()),
            Column::U64(run.iter().map(|u| u.ordinal).collect()),
            Column::U64(run.iter().map(|u| u.start).collect()),
            Column::U64(run.iter().map(|u| u.end).collect()),
        ];
        ipc::write(&sign_file(work, part.index, p), &SIGN_COLUMNS, &cols)?;
    }
    write_atomic(&part_dir(work, "sign", part.index).join(super::IDS_FILE), &ids)
}

/// What `bucket` found in its partition, beside its files; `components` sums them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitsMeta {
    /// Units hashed.
    pub units: u64,
    /// Distinct hashes (first occurrences, kept).
    pub hashes: u64,
    /// Units whose hash occurred earlier (removed).
    pub duplicates: u64,
}

/// The end ordinal (exclusive) of each apply part, non-decreasing.
fn part_ends(plan: &Plan) -> Vec<u64> {
    (0..plan.parts)
        .map(|i| {
            let (first, docs) = part_span(plan, i);
            first + docs
        })
        .collect()
}

/// `bucket` for units: merges partition `part`'s runs, keeps each hash's first occurrence, and
/// writes the others, each with the ordinal of that first, sorted by (ordinal, start), to the
/// apply part holding its document: `bucket/partition-p/part-i.arrow` for every part i (empty
/// ones too), and `meta.json`.
pub(super) fn bucket(plan: &Plan, work: &Path, part: Part) -> Result<(), Error> {
    let mut runs: Vec<Vec<Unit>> = Vec::with_capacity(plan.parts);
    for i in 0..plan.parts {
        let path = sign_file(work, i, part.index);
        let cols = ipc::read(&path, &SIGN_COLUMNS)?;
        let mut entries = Vec::with_capacity(cols[0].len());
        for ((((&hi, &lo), &ordinal), &start), &end) in
            cols[0].iter().zip(&cols[1]).zip(&cols[2]).zip(&cols[3]).zip(&cols[4])
        {
            if ordinal >= plan.docs || start > end || partition_of(hi, plan.partitions) != part.index {
                let msg = format!(
                    "unit of document {ordinal} (of {}), span {start}..{end}, hash not of partition {}",
                    plan.docs, part.index
                );
                return Err(Error::Input(InputError::file(&path, msg)));
            }
            entries.push(Unit { hi, lo, ordinal, start, end });
        }
        if !entries.is_sorted() {
            return Err(Error::Input(InputError::file(&path, "units out of order: not a sign run")));
        }
        runs.push(entries);
    }
    let ends = part_ends(plan);
    let mut out: Vec<Vec<(u64, u64, u64, u64)>> = vec![Vec::new(); plan.parts];
    let mut meta = UnitsMeta { units: runs.iter().map(|r| r.len() as u64).sum(), ..UnitsMeta::default() };
    // The runs merged in order: each hash's units come together, its first occurrence first.
    let mut first: Option<(u64, u64, u64)> = None;
    super::merge_runs(&runs, |u| match first {
        Some((hi, lo, ordinal)) if (hi, lo) == (u.hi, u.lo) => {
            // Every ordinal is below the plan's documents, so below the last part's end.
            let i = ends.partition_point(|&e| e <= u.ordinal).min(plan.parts - 1);
            out[i].push((u.ordinal, u.start, u.end, ordinal));
            meta.duplicates += 1;
        }
        _ => {
            meta.hashes += 1;
            first = Some((u.hi, u.lo, u.ordinal));
        }
    });
    drop(runs);
    out.par_iter_mut().for_each(|d| d.sort_unstable());
    for (i, dups) in out.iter().enumerate() {
        let cols = [
            Column::U64(dups.iter().map(|d| d.0).collect()),
            Column::U64(dups.iter().map(|d| d.1).collect()),
            Column::U64(dups.iter().map(|d| d.2).collect()),
            Column::U64(dups.iter().map(|d| d.3).collect()),
        ];
        ipc::write(&dup_file(work, part.index, i), &DUP_COLUMNS, &cols)?;
    }
    write_json(&partition_dir(work, part.index).join("meta.json"), &meta)
}

/// What `components` writes for units: the partitions' counts summed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitsComponentsMeta {
    /// Documents in all.
    pub docs: u64,
    /// Units hashed, distinct hashes, duplicate units.
    #[serde(flatten)]
    pub units: UnitsMeta,
}

/// `components` for units: nothing to join (each unit's fate was settled in its bucket), so it
/// sums the partitions' counts into `components/meta.json`, keeping the stage sequence uniform.
pub(super) fn components(strategy: &UnitStrategy, plan: &Plan, work: &Path) -> Result<String, Error> {
    let mut meta = UnitsComponentsMeta { docs: plan.docs, ..UnitsComponentsMeta::default() };
    for p in 0..plan.partitions {
        let m: UnitsMeta = read_json(&partition_dir(work, p).join("meta.json"))?;
        meta.units.units += m.units;
        meta.units.hashes += m.hashes;
        meta.units.duplicates += m.duplicates;
    }
    write_json(&work.join("components").join("meta.json"), &meta)?;
    Ok(match strategy {
        UnitStrategy::Exact(_) => format!("{} clusters of {} documents", meta.units.hashes, meta.docs),
        UnitStrategy::Spans(_) => format!(
            "{} duplicate units of {} in {} documents ({} distinct)",
            meta.units.duplicates, meta.units.units, meta.docs, meta.units.hashes
        ),
    })
}

/// Part `index`'s duplicate units from every key partition, checked to be its documents' and
/// to follow their first occurrence, sorted by (ordinal, start).
fn read_dups(plan: &Plan, work: &Path, index: usize) -> Result<Vec<(u64, u64, u64, u64)>, Error> {
    let (first, docs) = part_span(plan, index);
    let mut dups = Vec::new();
    for p in 0..plan.partitions {
        let path = dup_file(work, p, index);
        let cols = ipc::read(&path, &DUP_COLUMNS)?;
        for (((&o, &start), &end), &f) in cols[0].iter().zip(&cols[1]).zip(&cols[2]).zip(&cols[3]) {
            if o < first || o >= first + docs || start > end || f > o {
                let msg = format!("duplicate of document {o} (part {index}: {first}..{}), first {f}", first + docs);
                return Err(Error::Input(InputError::file(&path, msg)));
            }
            dups.push((o, start, end, f));
        }
    }
    dups.sort_unstable();
    Ok(dups)
}

/// A span strategy's answer of one document: its duplicate spans, in text order.
#[derive(Serialize)]
struct DocSpans<'a> {
    id: &'a str,
    ordinal: u64,
    spans: Vec<[u64; 2]>,
}

const SPAN_COLUMNS: [&str; 3] = ["ordinal", "start", "end"];

/// `apply` for units. `exact`: each duplicate document labelled by its hash's first ordinal,
/// written as `minhash`'s are (`kept.jsonl`, `removed.jsonl`, `labels.arrow`). Span strategies:
/// each document's duplicate spans, adjacent ones merged as the single-machine stream merges
/// them: `spans.arrow` (ordinal, start, end) and `spans.jsonl` (`{"id", "ordinal", "spans"}`,
/// documents with spans only).
pub(super) fn apply(strategy: &UnitStrategy, plan: &Plan, work: &Path, part: Part) -> Result<(), Error> {
    let (first, docs) = part_span(plan, part.index);
    let ids = super::read_ids(work, part.index, docs)?;
    let dups = read_dups(plan, work, part.index)?;
    match strategy {
        UnitStrategy::Exact(_) => {
            let mut own: Vec<u64> = (first..first + docs).collect();
            for &(o, _, _, f) in &dups {
                own[(o - first) as usize] = f;
            }
            super::write_clusters(work, part.index, first, &ids, own)
        }
        UnitStrategy::Spans(_) => {
            let mut spans: Vec<(u64, u64, u64)> = Vec::new();
            for &(o, start, end, _) in &dups {
                match spans.last_mut() {
                    Some(last) if last.0 == o && last.2 == start => last.2 = end,
                    Some(last) if last.0 == o && last.2 > start => {
                        let msg = format!("document {o}: duplicate spans overlap at {start}");
                        return Err(Error::Input(InputError::file(&work.join("bucket"), msg)));
                    }
                    _ => spans.push((o, start, end)),
                }
            }
            let dir = part_dir(work, "apply", part.index);
            let mut jsonl = Vec::new();
            for doc in spans.chunk_by(|a, b| a.0 == b.0) {
                let o = doc[0].0;
                let id = ids.get((o - first) as usize).map_or("", String::as_str);
                let line = DocSpans { id, ordinal: o, spans: doc.iter().map(|s| [s.1, s.2]).collect() };
                serde_json::to_writer(&mut jsonl, &line).map_err(|e| Error::Usage(e.to_string()))?;
                jsonl.push(b'\n');
            }
            write_atomic(&dir.join("spans.jsonl"), &jsonl)?;
            let cols = [
                Column::U64(spans.iter().map(|s| s.0).collect()),
                Column::U64(spans.iter().map(|s| s.1).collect()),
                Column::U64(spans.iter().map(|s| s.2).collect()),
            ];
            ipc::write(&dir.join("spans.arrow"), &SPAN_COLUMNS, &cols)
        }
    }
}

/// The `DedupOutput` the single-machine run gives, from every apply part: `exact`'s labels
/// (each a kept document's), or every document's duplicate spans.
pub(super) fn output(strategy: &UnitStrategy, plan: &Plan, work: &Path) -> Result<DedupOutput, Error> {
    match strategy {
        UnitStrategy::Exact(_) => {
            let labels = super::read_labels(work, plan)?;
            if let Some(o) = (0..labels.len()).find(|&o| labels[labels[o] as usize] != labels[o]) {
                let msg = format!("document {o} is labelled by {}, itself not kept", labels[o]);
                return Err(Error::Input(InputError::file(&work.join("apply"), msg)));
            }
            Ok(DedupOutput { cluster: Some(labels), ..DedupOutput::default() })
        }
        UnitStrategy::Spans(_) => {
            let n =
                usize::try_from(plan.docs).map_err(|_| Error::Usage("too many documents for one machine".into()))?;
            let mut spans: Vec<Vec<Range<usize>>> = vec![Vec::new(); n];
            let mut last = (0u64, 0u64);
            for i in 0..plan.parts {
                let path = part_dir(work, "apply", i).join("spans.arrow");
                let (first, docs) = part_span(plan, i);
                let cols = ipc::read(&path, &SPAN_COLUMNS)?;
                for ((&o, &start), &end) in cols[0].iter().zip(&cols[1]).zip(&cols[2]) {
                    if o < first || o >= first + docs || start >= end || (o, start) < last {
                        let msg = format!("span {start}..{end} of document {o}: out of order or of another part");
                        return Err(Error::Input(InputError::file(&path, msg)));
                    }
                    last = (o, end);
                    let too_long = || Error::Usage(format!("span {start}..{end}: past this machine's offsets"));
                    let range = usize::try_from(start).map_err(|_| too_long())?
                        ..usize::try_from(end).map_err(|_| too_long())?;
                    spans[o as usize].push(range);
                }
            }
            Ok(DedupOutput { dup_spans: Some(spans), ..DedupOutput::default() })
        }
    }
}
