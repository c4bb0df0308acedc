//! The exact stage pipeline (docs/distributed.md): `minhash`, `exact`, `lines` and `paragraphs`
//! deduplication cut into commands over parts of a dataset's shards, so that a scheduler (Ray,
//! later) only runs commands, the same ones for every strategy, and the answer is
//! corpusbench's, equal to `corpusbench run`'s.
//!
//! `plan` lists the shards with their documents' global ordinals; `sign` (part i of N) writes
//! each document's keys (band keys; unit hashes in `units`) as sorted runs per key partition;
//! `bucket` (partition p of P) merges a partition's runs and emits edges (or duplicate units);
//! `components` joins them (union-find, labelled by the smallest ordinal); `apply` (part i)
//! writes kept and removed ids and cluster labels (or duplicate spans); `score` gives the
//! metrics of `run`. Every output is written to a temporary name and renamed, and depends only
//! on its inputs, so a task can be retried and gives the same bytes.

pub mod extract;
pub mod ipc;
pub mod propagate;
pub mod units;

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::corpus::shards::{Shard, ShardSource};
use crate::error::{Error, InputError};
use crate::io::write_atomic;
use crate::metrics::bootstrap::Bootstrap;
use crate::model::{Dataset, Items};
use crate::runner::{Cell, Selected};
use crate::strategy::DedupOutput;
use crate::strategy::Registry;
use crate::strategy::dedup::exact::Exact;
use crate::strategy::dedup::minhash::{Candidates, Groups, KeyScratch, MAX_LISTED_PAIRS, MinHash, words_hash};
use crate::strategy::dedup::units::Units;
use ipc::Column;
use units::UnitStrategy;

/// The plan's file name in the work folder.
pub const PLAN_FILE: &str = "plan.json";

/// Version of the work folder's layout; a plan of another version is refused.
pub const LAYOUT_VERSION: u32 = 2;

/// The work of a pipeline: the dataset's shards with their documents and ordinals, the
/// strategy, and how the work is cut (sign and apply parts, key partitions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// [`LAYOUT_VERSION`].
    pub version: u32,
    /// The dataset's name.
    pub dataset: String,
    /// Its folder.
    pub root: PathBuf,
    /// Its sha256 fingerprint when planned; `score` refuses a dataset that changed.
    pub fingerprint: String,
    /// The strategy spec, as given.
    pub strategy: String,
    /// Sign and apply parts (each a run of whole shards).
    pub parts: usize,
    /// Key partitions of the shuffle (each a range of band keys).
    pub partitions: usize,
    /// Documents in all.
    pub docs: u64,
    /// The shards in dataset order.
    pub shards: Vec<PlannedShard>,
}

/// One shard of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedShard {
    /// This shard alone, with the positions (line or row) of its documents the load kept.
    pub source: ShardSource,
    /// Its documents (kept positions).
    pub docs: u64,
    /// The file's size in bytes.
    pub bytes: u64,
    /// xxh3-128 of the file's bytes, hex: what a scheduler compares to find a shard changed.
    pub xxh3: String,
    /// The global ordinal of its first document: the documents of the shards before it.
    pub first: u64,
}

/// Part `index` of `count` (0-based), written `i/N` on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// Which part, `0..count`.
    pub index: usize,
    /// How many parts.
    pub count: usize,
}

impl Part {
    /// This part's share of `items` items cut into `count` contiguous runs in order:
    /// `[index * items / count, (index + 1) * items / count)`.
    pub fn range(self, items: usize) -> std::ops::Range<usize> {
        let at = |i: usize| (i as u128 * items as u128 / self.count as u128) as usize;
        at(self.index)..at(self.index + 1)
    }
}

impl std::str::FromStr for Part {
    type Err = String;
    fn from_str(s: &str) -> Result<Part, String> {
        let bad = || format!("`{s}` is not a part `i/N` with 0 <= i < N");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) =
            (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if index >= count {
            return Err(bad());
        }
        Ok(Part { index, count })
    }
}

/// The most parts or partitions a plan takes (file names have five digits).
pub const MAX_PARTS: usize = 99_999;

/// The key partition of a band key: partitions are equal ranges of the 64-bit keys
/// (`key * P / 2^64`), so concatenating them in order is the global sort.
pub fn partition_of(key: u64, partitions: usize) -> usize {
    ((u128::from(key) * partitions as u128) >> 64) as usize
}

/// The shards (indices into `plan.shards`) of sign or apply part `index`: a contiguous run,
/// `[index * S / N, (index + 1) * S / N)`, so each part's ordinals are contiguous.
pub fn shards_of(plan: &Plan, index: usize) -> std::ops::Range<usize> {
    Part { index, count: plan.parts }.range(plan.shards.len())
}

fn part_dir(work: &Path, stage: &str, index: usize) -> PathBuf {
    work.join(stage).join(format!("part-{index:05}"))
}

fn partition_dir(work: &Path, p: usize) -> PathBuf {
    work.join("bucket").join(format!("partition-{p:05}"))
}

fn sign_file(work: &Path, part: usize, p: usize) -> PathBuf {
    part_dir(work, "sign", part).join(format!("partition-{p:05}.arrow"))
}

/// Records how long a stage took, beside (not in) its outputs: `time/STAGE-INDEX.txt`.
fn record_time(work: &Path, stage: &str, index: usize, t0: Instant) -> Result<(), Error> {
    let path = work.join("time").join(format!("{stage}-{index:05}.txt"));
    write_atomic(&path, format!("{:.6}\n", t0.elapsed().as_secs_f64()).as_bytes())
}

/// The seconds of every stage recorded in `work`, summed in file-name order.
fn recorded_seconds(work: &Path) -> f64 {
    let Ok(entries) = std::fs::read_dir(work.join("time")) else { return 0.0 };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files.iter().filter_map(|p| std::fs::read_to_string(p).ok()).filter_map(|t| t.trim().parse::<f64>().ok()).sum()
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::Input(InputError { line: Some(e.line()), ..InputError::file(path, e.to_string()) }))
}

/// The `minhash` a spec builds, refused when the pipeline cannot run it (another strategy, or
/// verification, which is not staged yet).
pub fn minhash_of(registry: &Registry, spec: &str) -> Result<MinHash, Error> {
    let (_, params) = registry.params(spec)?;
    let name = params.strategy();
    if name != "minhash" && !name.starts_with("minhash@") {
        return Err(Error::Usage(format!("the stage pipeline runs `minhash` (any preset) only; `{spec}` is `{name}`")));
    }
    let m = MinHash::new(&params)?;
    if m.verifies() {
        return Err(Error::Usage(format!("`{spec}`: verification is not staged yet; use verify=off")));
    }
    if m.banding().0 > usize::from(u16::MAX) {
        return Err(Error::Usage(format!("`{spec}`: more than {} bands", u16::MAX)));
    }
    Ok(m)
}

/// What the pipeline runs for a spec: `minhash`'s band-key shuffle, or the unit-hash shuffle of
/// `exact`, `lines` and `paragraphs` (`units`).
#[derive(Debug, Clone)]
pub enum Staged {
    /// `minhash`, any preset, without verification.
    MinHash(MinHash),
    /// `exact`, `lines` or `paragraphs`.
    Units(UnitStrategy),
}

/// The staged strategy a spec builds, refused (with the reason) when the pipeline cannot give
/// the single-machine answer for it.
pub fn staged_of(registry: &Registry, spec: &str) -> Result<Staged, Error> {
    let (_, params) = registry.params(spec)?;
    let name = params.strategy();
    match name.split('@').next().unwrap_or(name) {
        "minhash" => minhash_of(registry, spec).map(Staged::MinHash),
        "exact" => Ok(Staged::Units(UnitStrategy::Exact(Exact::new(&params)?))),
        "lines" => Ok(Staged::Units(UnitStrategy::Spans(Units::lines(&params)?))),
        "paragraphs" => Ok(Staged::Units(UnitStrategy::Spans(Units::paragraphs(&params)?))),
        "bloom-paragraphs" => Err(Error::Usage(format!(
            "`{spec}` does not distribute exactly: a Bloom filter's false positives depend on the order \
             paragraphs are inserted in, so no cut of the work gives the single-machine answer; run it on \
             one node (`corpusbench run`), or stage `paragraphs`"
        ))),
        _ => Err(Error::Usage(format!(
            "the stage pipeline runs `minhash` (any preset), `exact`, `lines` and `paragraphs`; `{spec}` is `{name}`"
        ))),
    }
}

/// xxh3-128 of a file's bytes, read in 1 MiB blocks.
fn file_xxh3(path: &Path) -> Result<(u64, String), Error> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    Ok((bytes, format!("{:032x}", h.digest128())))
}

/// The file beside a dataset's shards that caches their xxh3-128 digests, keyed as the
/// fingerprint's cache is (each file's name, size and modification time).
pub const DIGESTS_CACHE: &str = ".corpusbench-shard-digests";

/// (bytes, xxh3-128 hex) of each of `paths` under `root`, from [`DIGESTS_CACHE`] while no file
/// changed, else read and cached (when the folder can be written), as the dataset's
/// fingerprint is.
fn shard_digests(root: &Path, paths: &[&Path]) -> Result<Vec<(u64, String)>, Error> {
    use crate::corpus::fingerprint::{CACHE_FROM_BYTES, relative_name, stat_key};
    let named: Vec<(String, PathBuf)> = paths.iter().map(|p| (relative_name(root, p), p.to_path_buf())).collect();
    let (key, total) = stat_key("corpusbench shard xxh3 1", &named)?;
    let cache = root.join(DIGESTS_CACHE);
    let parse = |rest: &str| -> Option<Vec<(u64, String)>> {
        let out: Option<Vec<(u64, String)>> = rest
            .lines()
            .map(|l| {
                let (bytes, hex) = l.split_once('\t')?;
                (hex.len() == 32).then(|| Some((bytes.parse().ok()?, hex.to_string())))?
            })
            .collect();
        out.filter(|v| v.len() == paths.len())
    };
    if let Ok(cached) = std::fs::read_to_string(&cache)
        && let Some(found) = cached.strip_prefix(key.as_str()).and_then(parse)
    {
        return Ok(found);
    }
    let digests = paths.iter().map(|p| file_xxh3(p)).collect::<Result<Vec<_>, Error>>()?;
    if total >= CACHE_FROM_BYTES || cache.exists() {
        let mut body = key;
        for (bytes, hex) in &digests {
            body.push_str(&format!("{bytes}\t{hex}\n"));
        }
        // A folder that cannot be written (read-only data) simply has no cache.
        let _ = write_atomic(&cache, body.as_bytes());
    }
    Ok(digests)
}

/// The dataset at `root` loaded as a streamed run loads it (ids, lengths and gold; texts left
/// in the shards), with its input errors.
pub fn load(root: &Path) -> Result<(Dataset, Vec<InputError>), Error> {
    let options = crate::corpus::LoadOptions { stream: true, skip_html: true };
    let ds = crate::corpus::load_dataset_with(root, options)?;
    let issues = ds.issues.clone();
    Ok((ds, issues))
}

fn shard_source(ds: &Dataset) -> Result<&ShardSource, Error> {
    match &ds.items {
        Items::Streamed { docs, .. } => docs.source.as_any().downcast_ref::<ShardSource>(),
        _ => None,
    }
    .ok_or_else(|| Error::Usage(format!("dataset `{}` is not a dedup dataset read from shards", ds.name)))
}

/// `plan`: loads the dataset at `root` as a streamed run does, and writes the plan (shards,
/// document counts, sizes, fingerprints, first ordinals) to `work/plan.json`.
pub fn plan(
    registry: &Registry,
    root: &Path,
    spec: &str,
    parts: usize,
    partitions: usize,
    work: &Path,
) -> Result<(Plan, Vec<InputError>), Error> {
    let t0 = Instant::now();
    staged_of(registry, spec)?;
    if !(1..=MAX_PARTS).contains(&parts) || !(1..=MAX_PARTS).contains(&partitions) {
        return Err(Error::Usage(format!("parts and partitions must be 1 to {MAX_PARTS}")));
    }
    let (ds, issues) = load(root)?;
    let source = shard_source(&ds)?;
    let mut shards = Vec::new();
    let mut first = 0u64;
    let paths: Vec<&Path> = source.shards().iter().map(|(shard, _)| shard.path.as_path()).collect();
    let digests = shard_digests(root, &paths)?;
    for ((shard, kept), (bytes, xxh3)) in source.shards().iter().zip(digests) {
        let docs = kept.len() as u64;
        shards.push(PlannedShard {
            source: ShardSource::new(vec![(shard.clone(), kept.clone())]),
            docs,
            bytes,
            xxh3,
            first,
        });
        first += docs;
    }
    let root = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
    let plan = Plan {
        version: LAYOUT_VERSION,
        dataset: ds.name.clone(),
        root,
        fingerprint: ds.fingerprint.clone(),
        strategy: spec.to_string(),
        parts,
        partitions,
        docs: first,
        shards,
    };
    // Compact: a million documents' ids and gold, read once by `score`.
    let docs = serde_json::to_vec(&PlannedDocs::of(&ds)?).map_err(|e| Error::Usage(e.to_string()))?;
    write_atomic(&work.join(DOCS_FILE), &docs)?;
    write_json(&work.join(PLAN_FILE), &plan)?;
    record_time(work, "plan", 0, t0)?;
    Ok((plan, issues))
}

/// `plan`'s copy of what scoring needs of the dataset, beside the plan, so that `score` does
/// not read the documents again.
const DOCS_FILE: &str = "plan-docs.json";

/// What a streamed load holds of a dedup dataset besides its texts: ids, lengths, gold and
/// the input errors met, as `plan` loaded them.
#[derive(Debug, Serialize, Deserialize)]
struct PlannedDocs {
    ids: Vec<Box<str>>,
    char_lens: Vec<u32>,
    bytes: u64,
    clusters: Option<Vec<u32>>,
    spans: Option<Vec<Vec<(usize, usize)>>>,
    categories: Option<Vec<String>>,
    issues: Vec<InputError>,
}

impl PlannedDocs {
    fn of(ds: &Dataset) -> Result<PlannedDocs, Error> {
        let Items::Streamed { docs, gold } = &ds.items else {
            return Err(Error::Usage(format!("dataset `{}` did not load as a streamed dedup dataset", ds.name)));
        };
        let spans = gold
            .spans
            .as_ref()
            .map(|all| all.iter().map(|s| s.as_slice().iter().map(|r| (r.start, r.end)).collect()).collect());
        Ok(PlannedDocs {
            ids: docs.ids.clone(),
            char_lens: docs.char_lens.clone(),
            bytes: docs.bytes,
            clusters: gold.clusters.clone(),
            spans,
            categories: gold.categories.clone(),
            issues: ds.issues.clone(),
        })
    }

    /// The dataset as `plan` loaded it, its texts read through the planned shards; refused
    /// when the file does not hold the plan's documents.
    fn into_dataset(self, plan: &Plan, path: &Path) -> Result<Dataset, Error> {
        let n = self.ids.len();
        let lens = [
            Some(self.char_lens.len()),
            self.clusters.as_ref().map(Vec::len),
            self.spans.as_ref().map(Vec::len),
            self.categories.as_ref().map(Vec::len),
        ];
        if n as u64 != plan.docs || lens.iter().flatten().any(|&l| l != n) {
            return Err(Error::Input(InputError::file(path, format!("not the {} documents of the plan", plan.docs))));
        }
        let mut all: Vec<(Shard, Vec<u64>)> = Vec::new();
        for s in &plan.shards {
            all.extend(s.source.shards().iter().cloned());
        }
        let spans = self.spans.map(|all| {
            all.into_iter().map(|s| crate::text::Spans::new(s.into_iter().map(|(a, b)| a..b).collect())).collect()
        });
        let gold = crate::model::DedupGold { clusters: self.clusters, spans, categories: self.categories };
        let docs = crate::model::StreamedDocs {
            ids: self.ids,
            char_lens: self.char_lens,
            bytes: self.bytes,
            source: std::sync::Arc::new(ShardSource::new(all)),
        };
        crate::corpus::discover::dataset_with_items(&plan.root, Items::Streamed { docs, gold }, self.issues)
    }
}

/// The plan in `work`, checked to be of this layout.
pub fn read_plan(work: &Path) -> Result<Plan, Error> {
    let path = work.join(PLAN_FILE);
    let plan: Plan = read_json(&path)?;
    if plan.version != LAYOUT_VERSION {
        let msg = format!("layout version {} (this build reads {LAYOUT_VERSION}); plan again", plan.version);
        return Err(Error::Input(InputError { field: Some("version".into()), ..InputError::file(&path, msg) }));
    }
    Ok(plan)
}

fn check_part(part: Part, what: &str, of: usize) -> Result<(), Error> {
    if part.count != of {
        return Err(Error::Usage(format!(
            "the plan has {of} {what}; part {}/{} names {}",
            part.index, part.count, part.count
        )));
    }
    Ok(())
}

/// The shards of a run of planned shards as one source, with the ordinal of its first document.
fn source_of(plan: &Plan, range: std::ops::Range<usize>) -> Result<(ShardSource, u64, u64), Error> {
    let shards = &plan.shards[range.clone()];
    let mut all: Vec<(Shard, Vec<u64>)> = Vec::new();
    for s in shards {
        for (shard, kept) in s.source.shards() {
            let size = std::fs::metadata(&shard.path).map_err(|e| Error::io(&shard.path, e))?.len();
            if size != s.bytes {
                return Err(Error::Input(InputError::file(
                    &shard.path,
                    format!("{size} bytes, planned with {}: the shard changed since `plan`", s.bytes),
                )));
            }
            all.push((shard.clone(), kept.clone()));
        }
    }
    let first = shards.first().map_or(0, |s| s.first);
    let docs = shards.iter().map(|s| s.docs).sum();
    Ok((ShardSource::new(all), first, docs))
}

/// One band key of one document, as `sign` writes it: its band, the key, the xxh3-128 of all
/// the document's band keys (equal for identical-content groups) and the ordinal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    band: u16,
    key: u64,
    ordinal: u64,
    group: (u64, u64),
}

/// Each sign part's document ids in ordinal order, one JSON string a line, for `apply`.
const IDS_FILE: &str = "ids.jsonl";

const SIGN_COLUMNS: [&str; 5] = ["band", "key", "ordinal", "group_hi", "group_lo"];

fn write_entries(path: &Path, entries: &[Entry]) -> Result<(), Error> {
    let cols = [
        Column::U16(entries.iter().map(|e| e.band).collect()),
        Column::U64(entries.iter().map(|e| e.key).collect()),
        Column::U64(entries.iter().map(|e| e.ordinal).collect()),
        Column::U64(entries.iter().map(|e| e.group.0).collect()),
        Column::U64(entries.iter().map(|e| e.group.1).collect()),
    ];
    ipc::write(path, &SIGN_COLUMNS, &cols)
}

fn read_entries(path: &Path, bands: usize, out: &mut Vec<Entry>) -> Result<(), Error> {
    let cols = ipc::read(path, &SIGN_COLUMNS)?;
    for ((((&band, &key), &ordinal), &hi), &lo) in
        cols[0].iter().zip(&cols[1]).zip(&cols[2]).zip(&cols[3]).zip(&cols[4])
    {
        if band as usize >= bands {
            return Err(Error::Input(InputError {
                field: Some("band".into()),
                ..InputError::file(path, format!("band {band} of {bands}"))
            }));
        }
        out.push(Entry { band: band as u16, key, ordinal, group: (hi, lo) });
    }
    Ok(())
}

/// Appends the ids of `batch` to `ids`, one JSON string a line (what `sign` writes for `apply`).
fn push_ids(ids: &mut Vec<u8>, batch: &[crate::model::Doc]) -> Result<(), String> {
    for d in batch {
        // A string always serialises; the line is the id as a JSON string.
        serde_json::to_writer(&mut *ids, &d.id).map_err(|e| e.to_string())?;
        ids.push(b'\n');
    }
    Ok(())
}

/// `sign`: the keys of part `part`'s documents (band keys, or unit hashes: `units::sign`), as
/// sorted runs, one Arrow IPC file per key partition: `sign/part-i/partition-p.arrow`, and
/// their ids, `sign/part-i/ids.jsonl`.
pub fn sign(registry: &Registry, work: &Path, part: Part) -> Result<(), Error> {
    let t0 = Instant::now();
    let plan = read_plan(work)?;
    check_part(part, "parts", plan.parts)?;
    match staged_of(registry, &plan.strategy)? {
        Staged::MinHash(m) => sign_minhash(&m, &plan, work, part)?,
        Staged::Units(u) => units::sign(&u, &plan, work, part)?,
    }
    record_time(work, "sign", part.index, t0)
}

/// `sign` for `minhash`: each document's band keys as (band, key, ordinal, group) entries.
fn sign_minhash(m: &MinHash, plan: &Plan, work: &Path, part: Part) -> Result<(), Error> {
    let bands = m.banding().0;
    let (source, first, docs) = source_of(plan, shards_of(plan, part.index))?;
    let mut runs: Vec<Vec<Entry>> = vec![Vec::new(); plan.partitions];
    let mut next = first;
    let mut failed: Option<Error> = None;
    let mut ids: Vec<u8> = Vec::new();
    crate::model::DocSource::batches(&source, crate::model::docs::BATCH_BYTES, &mut |batch| {
        push_ids(&mut ids, batch)?;
        let keys: Vec<Vec<u64>> =
            batch.par_iter().map_init(KeyScratch::default, |s, d| m.band_keys(&d.text, s)).collect();
        for k in keys {
            if k.len() == bands {
                let h = words_hash(&k);
                let group = ((h >> 64) as u64, h as u64);
                for (t, &key) in k.iter().enumerate() {
                    runs[partition_of(key, plan.partitions)].push(Entry { band: t as u16, key, ordinal: next, group });
                }
            } else if !k.is_empty() {
                failed = Some(Error::Usage(format!("document {next}: {} band keys, expected {bands}", k.len())));
            }
            next += 1;
        }
        Ok(())
    })
    .map_err(Error::Usage)?;
    if let Some(e) = failed {
        return Err(e);
    }
    if next - first != docs {
        return Err(Error::Usage(format!("part {}: read {} documents, planned {docs}", part.index, next - first)));
    }
    runs.par_iter_mut().for_each(|r| r.par_sort_unstable());
    for (p, run) in runs.iter().enumerate() {
        write_entries(&sign_file(work, part.index, p), run)?;
    }
    write_atomic(&part_dir(work, "sign", part.index).join(IDS_FILE), &ids)
}

/// What `bucket` found in its partition, beside its edge files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketMeta {
    /// Same-bucket pairs between group firsts, summed over bands (each distinct pair at least
    /// once): what decides listed against star edges.
    pub bucket_pairs: u64,
    /// Star edges (each bucket's first to each other member).
    pub star_edges: u64,
    /// Whether the partition alone held more than `MAX_LISTED_PAIRS` pairs, so it listed none.
    pub over: bool,
}

const LISTED_COLUMNS: [&str; 4] = ["band", "key", "i", "j"];
const PAIR_COLUMNS: [&str; 2] = ["i", "j"];
const GROUP_COLUMNS: [&str; 2] = ["member", "first"];

/// `bucket`: merges key partition `part`'s runs from every sign part and writes what its keys
/// decide (`minhash`: groups and edges; units: `units::bucket`) to `bucket/partition-p/`.
pub fn bucket(registry: &Registry, work: &Path, part: Part) -> Result<(), Error> {
    let t0 = Instant::now();
    let plan = read_plan(work)?;
    check_part(part, "partitions", plan.partitions)?;
    match staged_of(registry, &plan.strategy)? {
        Staged::MinHash(m) => bucket_minhash(m.banding().0, &plan, work, part).map(|_| ())?,
        Staged::Units(_) => units::bucket(&plan, work, part)?,
    }
    record_time(work, "bucket", part.index, t0)
}

/// `bucket` for `minhash`: per bucket of equal (band, key), its identical-content groups (band
/// 0 only: every band has them), its star edges, and its listed pairs (band, key, i, j) while
/// the partition's pairs stay under `MAX_LISTED_PAIRS`: `{groups,star,listed}.arrow` and
/// `meta.json`.
fn bucket_minhash(bands: usize, plan: &Plan, work: &Path, part: Part) -> Result<BucketMeta, Error> {
    let mut runs = Vec::with_capacity(plan.parts);
    for i in 0..plan.parts {
        let path = sign_file(work, i, part.index);
        let mut run = Vec::new();
        read_entries(&path, bands, &mut run)?;
        if !run.is_sorted() {
            return Err(Error::Input(InputError::file(&path, "entries out of order: not a sign run")));
        }
        runs.push(run);
    }
    let mut meta = BucketMeta::default();
    let mut groups: Vec<(u64, u64)> = Vec::new();
    let mut star: Vec<(u64, u64)> = Vec::new();
    let mut listed: Vec<(u16, u64, u64, u64)> = Vec::new();
    let mut members: Vec<((u64, u64), u64)> = Vec::new();
    let mut firsts: Vec<u64> = Vec::new();
    let mut take = |b: &[Entry]| {
        let (band, key) = (b[0].band, b[0].key);
        // Identical-content groups: the smallest ordinal of each group hash is its first.
        firsts.clear();
        if b.len() == 1 {
            firsts.push(b[0].ordinal);
        } else {
            members.clear();
            members.extend(b.iter().map(|e| (e.group, e.ordinal)));
            members.sort_unstable();
            for g in members.chunk_by(|x, y| x.0 == y.0) {
                firsts.push(g[0].1);
                if band == 0 {
                    groups.extend(g[1..].iter().map(|&(_, m)| (m, g[0].1)));
                }
            }
            firsts.sort_unstable();
        }
        let n = firsts.len() as u64;
        meta.bucket_pairs += n * (n - 1) / 2;
        meta.star_edges += n - 1;
        star.extend(firsts[1..].iter().map(|&j| (firsts[0], j)));
        if !meta.over {
            if meta.bucket_pairs > MAX_LISTED_PAIRS {
                meta.over = true;
                listed = Vec::new();
            } else {
                for (x, &i) in firsts.iter().enumerate() {
                    listed.extend(firsts[x + 1..].iter().map(|&j| (band, key, i, j)));
                }
            }
        }
    };
    // Each run is sorted: merging them visits the buckets in (band, key) order without sorting
    // their concatenation.
    let mut bucket: Vec<Entry> = Vec::new();
    merge_runs(&runs, |e| {
        if bucket.last().is_some_and(|l| (l.band, l.key) != (e.band, e.key)) {
            take(&bucket);
            bucket.clear();
        }
        bucket.push(e);
    });
    if !bucket.is_empty() {
        take(&bucket);
    }
    drop(runs);
    groups.sort_unstable();
    let dir = partition_dir(work, part.index);
    write_pairs(&dir.join("groups.arrow"), &GROUP_COLUMNS, &groups)?;
    write_pairs(&dir.join("star.arrow"), &PAIR_COLUMNS, &star)?;
    let cols = [
        Column::U16(listed.iter().map(|e| e.0).collect()),
        Column::U64(listed.iter().map(|e| e.1).collect()),
        Column::U64(listed.iter().map(|e| e.2).collect()),
        Column::U64(listed.iter().map(|e| e.3).collect()),
    ];
    ipc::write(&dir.join("listed.arrow"), &LISTED_COLUMNS, &cols)?;
    write_json(&dir.join("meta.json"), &meta)?;
    Ok(meta)
}

/// Calls `each` on every item of `runs`, each run sorted, in sorted order (ties in run
/// order): a k-way merge of the sign parts' runs, cheaper than sorting their concatenation.
pub fn merge_runs<T: Ord + Copy>(runs: &[Vec<T>], mut each: impl FnMut(T)) {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    use std::collections::binary_heap::PeekMut;
    let mut heap: BinaryHeap<Reverse<(T, usize)>> =
        runs.iter().enumerate().filter_map(|(r, run)| run.first().map(|&x| Reverse((x, r)))).collect();
    let mut next = vec![1usize; runs.len()];
    while let Some(mut top) = heap.peek_mut() {
        let Reverse((x, r)) = *top;
        each(x);
        match runs[r].get(next[r]) {
            Some(&y) => {
                next[r] += 1;
                *top = Reverse((y, r));
            }
            None => {
                PeekMut::pop(top);
            }
        }
    }
}

fn write_pairs(path: &Path, names: &[&str], pairs: &[(u64, u64)]) -> Result<(), Error> {
    let cols = [Column::U64(pairs.iter().map(|p| p.0).collect()), Column::U64(pairs.iter().map(|p| p.1).collect())];
    ipc::write(path, names, &cols)
}

fn read_pairs(path: &Path, names: &[&str], docs: u64) -> Result<Vec<(u64, u64)>, Error> {
    let cols = ipc::read(path, names)?;
    let pairs: Vec<(u64, u64)> = cols[0].iter().copied().zip(cols[1].iter().copied()).collect();
    if let Some(&(a, b)) = pairs.iter().find(|&&(a, b)| a >= docs || b >= docs) {
        return Err(Error::Input(InputError::file(path, format!("pair ({a}, {b}) names a document past {docs}"))));
    }
    Ok(pairs)
}

/// What `components` decided, beside its files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentsMeta {
    /// Documents in all.
    pub docs: u64,
    /// Whether the candidate pairs are listed (else star edges, and no edge metrics).
    pub listed: bool,
    /// Same-bucket pairs summed over bands and partitions.
    pub bucket_pairs: u64,
    /// Star edges in all.
    pub star_edges: u64,
    /// Documents that joined an earlier one of identical band keys.
    pub identical_docs: u64,
    /// Clusters (distinct labels).
    pub clusters: u64,
}

/// Cluster labels of `n` documents joined by `edges`: each the smallest ordinal of its
/// component (union-find, the smaller root kept).
pub fn min_labels(n: usize, edges: impl Iterator<Item = (u64, u64)>) -> Vec<u64> {
    fn find(parent: &mut [u64], mut x: u64) -> u64 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up;
            x = up;
        }
        x
    }
    let mut parent: Vec<u64> = (0..n as u64).collect();
    for (a, b) in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent[hi as usize] = lo;
        }
    }
    (0..n as u64).map(|i| find(&mut parent, i)).collect()
}

/// `components`: joins every partition's output into `components/` (`minhash`: cluster labels
/// and edges; units: `units::components`, the partitions' counts), and says what it found.
pub fn components(registry: &Registry, work: &Path) -> Result<String, Error> {
    let t0 = Instant::now();
    let plan = read_plan(work)?;
    let said = match staged_of(registry, &plan.strategy)? {
        Staged::MinHash(_) => {
            let meta = components_minhash(&plan, work, None)?;
            format!("{} clusters of {} documents", meta.clusters, meta.docs)
        }
        Staged::Units(u) => units::components(&u, &plan, work)?,
    };
    record_time(work, "components", 0, t0)?;
    Ok(said)
}

/// `components` for `minhash`: decides listed against star edges as the single-machine index
/// does (more than `MAX_LISTED_PAIRS` same-bucket pairs: star), labels the clusters
/// (union-find over star edges and groups, smallest ordinal), and writes
/// `components/{labels,edges,groups}.arrow` and `meta.json`. Listed edges are each pair once,
/// by the first band it shares, in (band, key, i, j) order: the order of `run`'s pairs. `given`
/// labels (`propagate`) stand in for union-find's.
fn components_minhash(plan: &Plan, work: &Path, given: Option<Vec<u64>>) -> Result<ComponentsMeta, Error> {
    let n = usize::try_from(plan.docs).map_err(|_| Error::Usage("too many documents for one machine".into()))?;
    let mut meta = ComponentsMeta { docs: plan.docs, ..ComponentsMeta::default() };
    let mut over = false;
    let mut groups = Vec::new();
    let mut star = Vec::new();
    for p in 0..plan.partitions {
        let dir = partition_dir(work, p);
        let m: BucketMeta = read_json(&dir.join("meta.json"))?;
        meta.bucket_pairs += m.bucket_pairs;
        meta.star_edges += m.star_edges;
        over |= m.over;
        groups.extend(read_pairs(&dir.join("groups.arrow"), &GROUP_COLUMNS, plan.docs)?);
        star.extend(read_pairs(&dir.join("star.arrow"), &PAIR_COLUMNS, plan.docs)?);
    }
    meta.listed = !over && meta.bucket_pairs <= MAX_LISTED_PAIRS;
    groups.sort_unstable();
    meta.identical_docs = groups.len() as u64;
    let labels = given.unwrap_or_else(|| min_labels(n, star.iter().chain(&groups).copied()));
    meta.clusters = labels.iter().enumerate().filter(|&(i, &l)| i as u64 == l).count() as u64;
    let edges: Vec<(u64, u64)> = if meta.listed {
        drop(star);
        let mut listed: Vec<(u64, u64, u16, u64)> = Vec::new();
        for p in 0..plan.partitions {
            let path = partition_dir(work, p).join("listed.arrow");
            let cols = ipc::read(&path, &LISTED_COLUMNS)?;
            for (((&band, &key), &i), &j) in cols[0].iter().zip(&cols[1]).zip(&cols[2]).zip(&cols[3]) {
                if i >= j || j >= plan.docs {
                    return Err(Error::Input(InputError::file(&path, format!("pair ({i}, {j}) is not i < j < docs"))));
                }
                listed.push((i, j, band as u16, key));
            }
        }
        // Each pair once, by the first band it shares.
        listed.par_sort_unstable();
        listed.dedup_by(|later, earlier| later.0 == earlier.0 && later.1 == earlier.1);
        let mut ordered: Vec<(u16, u64, u64, u64)> = listed.into_iter().map(|(i, j, t, k)| (t, k, i, j)).collect();
        ordered.par_sort_unstable();
        ordered.into_iter().map(|(_, _, i, j)| (i, j)).collect()
    } else {
        star
    };
    let dir = work.join("components");
    ipc::write(&dir.join("labels.arrow"), &["label"], &[Column::U64(labels)])?;
    write_pairs(&dir.join("edges.arrow"), &PAIR_COLUMNS, &edges)?;
    write_pairs(&dir.join("groups.arrow"), &GROUP_COLUMNS, &groups)?;
    write_json(&dir.join("meta.json"), &meta)?;
    Ok(meta)
}

/// `apply`: part `part`'s answer, in `apply/part-i/` (`minhash` and `exact`: kept and removed
/// ids and cluster labels; `lines` and `paragraphs`: each document's duplicate spans).
pub fn apply(registry: &Registry, work: &Path, part: Part) -> Result<(), Error> {
    let t0 = Instant::now();
    let plan = read_plan(work)?;
    check_part(part, "parts", plan.parts)?;
    match staged_of(registry, &plan.strategy)? {
        Staged::MinHash(_) => apply_minhash(&plan, work, part)?,
        Staged::Units(u) => units::apply(&u, &plan, work, part)?,
    }
    record_time(work, "apply", part.index, t0)
}

/// The first ordinal and the document count of sign or apply part `index`.
fn part_span(plan: &Plan, index: usize) -> (u64, u64) {
    let range = shards_of(plan, index);
    let first = plan.shards.get(range.start).map_or(plan.docs, |s| s.first);
    (first, plan.shards[range].iter().map(|s| s.docs).sum())
}

/// Part `index`'s document ids, as its `sign` wrote them, checked to be the planned `docs`.
fn read_ids(work: &Path, index: usize, docs: u64) -> Result<Vec<String>, Error> {
    let ids_path = part_dir(work, "sign", index).join(IDS_FILE);
    let text = std::fs::read_to_string(&ids_path).map_err(|e| Error::io(&ids_path, e))?;
    let mut ids = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let id: String = serde_json::from_str(line)
            .map_err(|e| Error::Input(InputError::field(&ids_path, k + 1, "id", e.to_string())))?;
        ids.push(id);
    }
    if ids.len() as u64 != docs {
        return Err(Error::Input(InputError::file(&ids_path, format!("{} ids, planned {docs}", ids.len()))));
    }
    Ok(ids)
}

/// Writes a part's cluster answer: `labels.arrow` (ordinal, label), the ids kept (`kept.jsonl`:
/// the first of its cluster) and removed (`removed.jsonl`, with the ordinal of the document kept
/// in its stead), for the documents from ordinal `first` on, labelled `own`.
fn write_clusters(work: &Path, index: usize, first: u64, ids: &[String], own: Vec<u64>) -> Result<(), Error> {
    let (mut kept, mut removed) = (Vec::new(), Vec::new());
    for ((id, &label), ordinal) in ids.iter().zip(&own).zip(first..) {
        let out = if label == ordinal { &mut kept } else { &mut removed };
        serde_json::to_writer(&mut *out, &serde_json::json!({ "id": id, "ordinal": ordinal, "cluster": label }))
            .map_err(|e| Error::Usage(e.to_string()))?;
        out.push(b'\n');
    }
    let dir = part_dir(work, "apply", index);
    write_atomic(&dir.join("kept.jsonl"), &kept)?;
    write_atomic(&dir.join("removed.jsonl"), &removed)?;
    let docs = own.len() as u64;
    ipc::write(
        &dir.join("labels.arrow"),
        &["ordinal", "label"],
        &[Column::U64((first..first + docs).collect()), Column::U64(own)],
    )
}

/// `apply` for `minhash`: the labels of the part's documents from `components/labels.arrow`,
/// or from the ranges' files of `propagate` when they are there.
fn apply_minhash(plan: &Plan, work: &Path, part: Part) -> Result<(), Error> {
    let (first, docs) = part_span(plan, part.index);
    if let Some(own) = propagate::part_labels(plan, work, first, docs)? {
        return write_clusters(work, part.index, first, &read_ids(work, part.index, docs)?, own);
    }
    let labels_path = work.join("components").join("labels.arrow");
    let labels = ipc::read(&labels_path, &["label"])?.swap_remove(0);
    if labels.len() as u64 != plan.docs {
        return Err(Error::Input(InputError::file(
            &labels_path,
            format!("{} labels for {} documents", labels.len(), plan.docs),
        )));
    }
    let ids = read_ids(work, part.index, docs)?;
    let own = labels[first as usize..(first + docs) as usize].to_vec();
    write_clusters(work, part.index, first, &ids, own)
}

/// Every apply part's cluster labels in ordinal order, checked to cover the plan's documents
/// in order, each label at most its ordinal, and narrowed to u32 (one machine scores at most
/// 2^32 documents).
fn read_labels(work: &Path, plan: &Plan) -> Result<Vec<u32>, Error> {
    let small = |x: u64| {
        u32::try_from(x).map_err(|_| Error::Usage(format!("{} documents: one machine scores at most 2^32", plan.docs)))
    };
    let mut labels: Vec<u32> = Vec::with_capacity(usize::try_from(plan.docs).unwrap_or(0));
    for i in 0..plan.parts {
        let path = part_dir(work, "apply", i).join("labels.arrow");
        let cols = ipc::read(&path, &["ordinal", "label"])?;
        for (&o, &l) in cols[0].iter().zip(&cols[1]) {
            if o != labels.len() as u64 || l > o {
                return Err(Error::Input(InputError::file(&path, format!("ordinal {o}, label {l}: out of order"))));
            }
            labels.push(small(l)?);
        }
    }
    if labels.len() as u64 != plan.docs {
        return Err(Error::Usage(format!("the apply parts label {} of {} documents", labels.len(), plan.docs)));
    }
    Ok(labels)
}

/// `score`: the dataset's cell as `corpusbench run -s SPEC` gives it, from the stage outputs
/// (labels from every apply part, edges and groups from `components`): the same `DedupOutput`
/// is built and scored by the runner's own scoring. The cell's time is the stages' recorded
/// seconds summed.
pub fn score(registry: &Registry, work: &Path, bootstrap: &Bootstrap) -> Result<(Dataset, Cell), Error> {
    let t0 = Instant::now();
    let plan = read_plan(work)?;
    let staged = staged_of(registry, &plan.strategy)?;
    let docs_path = work.join(DOCS_FILE);
    let planned: PlannedDocs = read_json(&docs_path)?;
    let ds = planned.into_dataset(&plan, &docs_path)?;
    if ds.fingerprint != plan.fingerprint || ds.len() as u64 != plan.docs {
        return Err(Error::Usage(format!("dataset `{}` changed since `plan`; plan again", ds.name)));
    }
    let output = match staged {
        Staged::MinHash(m) => minhash_output(&m, &plan, work)?,
        Staged::Units(u) => units::output(&u, &plan, work)?,
    };
    let sel = Selected::build(registry, &plan.strategy)?;
    let seconds = recorded_seconds(work) + t0.elapsed().as_secs_f64();
    let cell = crate::runner::score_given(&ds, &sel, output, vec![seconds], bootstrap);
    Ok((ds, cell))
}

/// `minhash`'s `DedupOutput` from the components' groups and edges, checked against the apply
/// parts' labels.
fn minhash_output(m: &MinHash, plan: &Plan, work: &Path) -> Result<DedupOutput, Error> {
    let labels = read_labels(work, plan)?;
    // `read_labels` checked that every ordinal fits in u32.
    let small = |x: u64| u32::try_from(x).map_err(|_| Error::Usage(format!("ordinal {x} past 2^32")));
    let dir = work.join("components");
    let meta: ComponentsMeta = read_json(&dir.join("meta.json"))?;
    let mut group: Vec<u32> = (0..small(plan.docs)?).collect();
    let members = read_pairs(&dir.join("groups.arrow"), &GROUP_COLUMNS, plan.docs)?;
    for &(member, first) in &members {
        group[member as usize] = small(first)?;
    }
    let edges = read_pairs(&dir.join("edges.arrow"), &PAIR_COLUMNS, plan.docs)?
        .into_iter()
        .map(|(i, j)| Ok((small(i)?, small(j)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let groups = Groups { group, collapsed: members.len() };
    let candidates = Candidates { edges, listed: meta.listed, bucket_pairs: meta.bucket_pairs };
    let output = m.output_from(groups, candidates).map_err(|e| Error::Usage(e.to_string()))?;
    if output.cluster.as_deref() != Some(labels.as_slice()) {
        return Err(Error::Usage("the apply parts' labels differ from the clusters of the components' edges".into()));
    }
    Ok(output)
}

/// What the local driver was asked.
#[derive(Debug, Clone)]
pub struct Local {
    /// The dataset folder.
    pub root: PathBuf,
    /// The strategy spec.
    pub spec: String,
    /// Sign and apply parts.
    pub parts: usize,
    /// Key partitions.
    pub partitions: usize,
    /// The work folder.
    pub work: PathBuf,
}

/// Every stage in this process, one part after another: with one part and one partition, the
/// single-machine path. Gives the scored cell and the plan's input errors.
pub fn run_local(
    registry: &Registry,
    local: &Local,
    bootstrap: &Bootstrap,
) -> Result<(Dataset, Cell, Vec<InputError>), Error> {
    let (plan, issues) = plan(registry, &local.root, &local.spec, local.parts, local.partitions, &local.work)?;
    for index in 0..plan.parts {
        sign(registry, &local.work, Part { index, count: plan.parts })?;
    }
    for index in 0..plan.partitions {
        bucket(registry, &local.work, Part { index, count: plan.partitions })?;
    }
    components(registry, &local.work)?;
    for index in 0..plan.parts {
        apply(registry, &local.work, Part { index, count: plan.parts })?;
    }
    let (ds, cell) = score(registry, &local.work, bootstrap)?;
    Ok((ds, cell, issues))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_parse_and_refuse_out_of_range() {
        assert_eq!("2/4".parse::<Part>(), Ok(Part { index: 2, count: 4 }));
        assert!("4/4".parse::<Part>().is_err());
        assert!("x/4".parse::<Part>().is_err());
        assert!("1".parse::<Part>().is_err());
    }

    #[test]
    fn partitions_are_ordered_key_ranges() {
        assert_eq!(partition_of(0, 4), 0);
        assert_eq!(partition_of(u64::MAX, 4), 3);
        assert_eq!(partition_of(1 << 62, 4), 1);
        assert_eq!(partition_of(u64::MAX, 1), 0);
        let keys = [3u64, 1 << 63, u64::MAX - 1, 1 << 40];
        let mut sorted = keys;
        sorted.sort_unstable();
        let parts: Vec<usize> = sorted.iter().map(|&k| partition_of(k, 7)).collect();
        assert!(parts.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn staged_strategies_are_minhash_and_the_exact_unit_strategies() {
        let registry = Registry::builtin();
        let staged = |spec: &str| staged_of(&registry, spec);
        assert!(matches!(staged("minhash@fineweb"), Ok(Staged::MinHash(_))));
        for spec in ["exact", "lines", "paragraphs", "lines:min_chars=5"] {
            assert!(matches!(staged(spec), Ok(Staged::Units(_))), "{spec}");
        }
        let bloom = staged("bloom-paragraphs").unwrap_err().to_string();
        assert!(bloom.contains("does not distribute exactly") && bloom.contains("one node"), "{bloom}");
        let other = staged("suffix-array").unwrap_err().to_string();
        assert!(other.contains("`lines`") && other.contains("suffix-array"), "{other}");
    }

    #[test]
    fn merged_runs_are_their_concatenation_sorted() {
        // Runs of pseudo-random lengths and values (with repeats across runs), some empty.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for case in 0..50 {
            let runs: Vec<Vec<(u64, u64)>> = (0..case % 7)
                .map(|_| {
                    let n = next() % 40;
                    let mut run: Vec<(u64, u64)> = (0..n).map(|_| (next() % 16, next() % 4)).collect();
                    run.sort_unstable();
                    run
                })
                .collect();
            let mut merged = Vec::new();
            merge_runs(&runs, |v| merged.push(v));
            let mut expected: Vec<(u64, u64)> = runs.concat();
            expected.sort_unstable();
            assert_eq!(merged, expected, "case {case}");
        }
    }

    #[test]
    fn labels_are_the_smallest_ordinal_of_each_component() {
        let labels = min_labels(7, [(5, 3), (3, 6), (6, 1), (4, 2)].into_iter());
        assert_eq!(labels, vec![0, 1, 2, 1, 2, 1, 1]);
        assert_eq!(min_labels(3, std::iter::empty()), vec![0, 1, 2]);
    }
}
