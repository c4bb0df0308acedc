//! `corpusbench synth`: a seeded generator of labeled deduplication datasets from any text.
//!
//! Documents are emitted one at a time, each of one of three kinds:
//!
//! - **original**: new text, lines from the input that no earlier document contains (see
//!   [`fresh`]), either one input document's lines or, with a target size, as many lines as reach
//!   it. It may repeat its own body (`repeat`) and get a site header/footer (`boilerplate`).
//! - **copy**: an earlier document (drawn from a bounded reservoir), exact or edited: words,
//!   character noise, paragraphs inserted/removed/shuffled, truncation, boilerplate,
//!   syndication. Each edit has its own probability and strength ([`params`]).
//! - **contain**: new text that quotes a contiguous run of an earlier document's paragraphs.
//!
//! # Gold convention
//!
//! It follows the keep-first policy the metrics score against ([`crate::metrics::dedup`]):
//!
//! - **Clusters**: an original or a contain document starts its own cluster, labelled with its
//!   id; a copy joins its source's cluster. Sources always precede their copies, so the first
//!   document of a cluster is its original.
//! - **Spans** (char offsets, half-open): a copy's span is its whole text, exactly what
//!   `spans_from_clusters` derives for every document but a cluster's first. In an original or
//!   a contain document the spans are the lines that occurred earlier in the dataset and nothing
//!   else: the second copy of a repeated body, a quoted run, and a header or footer line that an
//!   earlier document already carried. A block of lines covers its line break when one follows
//!   (as the `lines` strategy reports it), see [`layout`].
//!
//! The gold is exact by construction: new text is checked line by line (CCNet normalisation)
//! against everything emitted before, so an original shares no line with an earlier document.
//! Near-duplicate input (reworded copies) is only kept out with the `shingles` source filter.
//!
//! Everything random comes from one SplitMix64 stream seeded by `seed` ([`rng`]) and the work is
//! sequential, so the same input, seed and parameters give byte-identical files. Memory is
//! bounded by the reservoir and the seen-line set, not by the number of documents.
//!
//! Not done here: paragraphs separated by blank lines (output has one paragraph a line), and
//! gzip-compressed output.

pub mod edits;
pub mod fresh;
pub mod layout;
pub mod params;
pub mod rng;
pub mod source;
pub mod writer;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

use serde::Serialize;

use edits::{Edit, FOOTERS, HEADERS};
use fresh::{Filter, Fresh, FreshStats, Origin};
pub use params::{PARAMS, Params};
use rng::Rng;
use source::{Fields, SourceReader};
use writer::{EditsRecord, ManifestOut, Writer};

use crate::error::Error;

/// Everything a generation run depends on.
#[derive(Debug, Clone)]
pub struct Config {
    /// Input files or folders, read in this order.
    pub inputs: Vec<PathBuf>,
    /// JSONL field names.
    pub fields: Fields,
    /// Output dataset folder.
    pub out: PathBuf,
    /// Dataset name for the manifest.
    pub name: String,
    /// Documents to generate.
    pub docs: usize,
    /// PRNG seed.
    pub seed: u64,
    /// Target size of new text per document in bytes; `None`: one input document each.
    pub doc_bytes: Option<usize>,
    /// Earlier documents kept for copies and quotes.
    pub reservoir: usize,
    /// How new input lines are checked.
    pub filter: Filter,
    /// Fill with vocabulary lines when the input runs out.
    pub fill: bool,
    /// Manifest `primary_metric`.
    pub primary_metric: String,
    /// Manifest `license`.
    pub license: String,
    /// Edit parameters.
    pub params: Params,
}

impl Config {
    /// A configuration with default parameters.
    pub fn new(inputs: Vec<PathBuf>, out: PathBuf, docs: usize, seed: u64) -> Config {
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "synth".into());
        Config {
            inputs,
            fields: Fields::default(),
            out,
            name,
            docs,
            seed,
            doc_bytes: None,
            reservoir: 4096,
            filter: Filter::Exact,
            fill: false,
            primary_metric: "span_f1".into(),
            license: "as the input text".into(),
            params: Params::default(),
        }
    }
}

/// Counts of a finished run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Documents written.
    pub docs: usize,
    /// Originals.
    pub originals: usize,
    /// Copies (exact and edited).
    pub copies: usize,
    /// Copies without any edit.
    pub exact_copies: usize,
    /// Documents quoting another.
    pub contains: usize,
    /// Originals repeating their body.
    pub repeats: usize,
    /// Documents with at least one gold span.
    pub docs_with_spans: usize,
    /// True when the input ran out before `docs` documents were made.
    pub input_exhausted: bool,
    /// The supply's counts.
    pub input: FreshStats,
    /// Fingerprint of the written dataset.
    #[serde(skip)]
    pub sha256: String,
}

/// A document kept for later copies and quotes.
struct Stored {
    id: String,
    cluster: String,
    lines: Vec<String>,
}

/// A document being made.
struct Made {
    kind: &'static str,
    cluster: String,
    source: Option<String>,
    lines: Vec<String>,
    /// Whole text is a duplicate (copies).
    whole: bool,
    /// Duplicate line blocks (originals, contain documents).
    blocks: Vec<Range<usize>>,
    inputs: Vec<String>,
    filled: usize,
    edits: Vec<Edit>,
}

/// State of one run.
struct Gen<'a> {
    cfg: &'a Config,
    rng: Rng,
    fresh: Fresh,
    reservoir: Vec<Stored>,
    /// Which headers and footers occurred (as normalised lines) in an emitted document.
    seen_headers: Vec<bool>,
    seen_footers: Vec<bool>,
    header_keys: Vec<Option<u64>>,
    footer_keys: Vec<Option<u64>>,
}

/// Generates the dataset `cfg` describes into `cfg.out`.
pub fn generate(cfg: &Config) -> Result<Summary, Error> {
    cfg.params.validate()?;
    if cfg.docs == 0 {
        return Err(Error::Usage("--docs must be at least 1".into()));
    }
    if cfg.doc_bytes == Some(0) {
        return Err(Error::Usage("--doc-bytes must be at least 1".into()));
    }
    if cfg.reservoir == 0 {
        return Err(Error::Usage("--reservoir must be at least 1".into()));
    }
    let reader = SourceReader::new(&cfg.inputs, cfg.fields.clone())?;
    let mut fresh = Fresh::new(reader, cfg.filter, cfg.fill);
    let header_keys = HEADERS.iter().map(|l| fresh.mark_seen(l)).collect();
    let footer_keys = FOOTERS.iter().map(|l| fresh.mark_seen(l)).collect();
    for o in 0..edits::OUTLETS.len() {
        fresh.mark_seen(&edits::credit_line(o));
    }
    let mut g = Gen {
        cfg,
        rng: Rng::new(cfg.seed),
        fresh,
        reservoir: Vec::new(),
        seen_headers: vec![false; HEADERS.len()],
        seen_footers: vec![false; FOOTERS.len()],
        header_keys,
        footer_keys,
    };
    let mut writer = Writer::create(&cfg.out)?;
    match g.run(&mut writer) {
        Ok(mut summary) => {
            summary.input = g.fresh.stats.clone();
            let manifest = ManifestOut {
                name: cfg.name.clone(),
                task: "dedup",
                format: "jsonl",
                description: format!(
                    "Synthetic deduplication corpus: {} documents made by `corpusbench synth` (seed {}); \
                     how each was made is in edits.jsonl, the parameters in synth.toml.",
                    summary.docs, cfg.seed
                ),
                license: cfg.license.clone(),
                primary_metric: cfg.primary_metric.clone(),
                files: Vec::new(),
                sha256: String::new(),
            };
            summary.sha256 = writer.finish(&params_toml(cfg, &summary)?, manifest)?;
            Ok(summary)
        }
        Err(e) => {
            writer.abort();
            Err(e)
        }
    }
}

#[derive(Serialize)]
struct ParamsFile<'a> {
    generator: &'static str,
    version: &'static str,
    seed: u64,
    docs_requested: usize,
    doc_bytes: Option<usize>,
    reservoir: usize,
    source_filter: Filter,
    fill_words: bool,
    text_field: &'a str,
    id_field: &'a str,
    inputs: Vec<String>,
    params: BTreeMap<&'static str, f64>,
    summary: &'a Summary,
}

fn params_toml(cfg: &Config, summary: &Summary) -> Result<String, Error> {
    let file = ParamsFile {
        generator: "corpusbench synth",
        version: env!("CARGO_PKG_VERSION"),
        seed: cfg.seed,
        docs_requested: cfg.docs,
        doc_bytes: cfg.doc_bytes,
        reservoir: cfg.reservoir,
        source_filter: cfg.filter,
        fill_words: cfg.fill,
        text_field: &cfg.fields.text,
        id_field: &cfg.fields.id,
        inputs: cfg.inputs.iter().map(|p| p.display().to_string()).collect(),
        params: cfg.params.iter().collect(),
        summary,
    };
    toml::to_string(&file).map_err(|e| Error::Usage(format!("cannot write synth.toml: {e}")))
}

/// Whether a line carries no letter or digit, so that CCNet normalisation leaves nothing (the
/// `lines` strategy ignores such lines, so they must not end up inside a gold span).
fn is_blank(line: &str) -> bool {
    !line.chars().any(char::is_alphanumeric)
}

impl Gen<'_> {
    fn run(&mut self, writer: &mut Writer) -> Result<Summary, Error> {
        let mut summary = Summary::default();
        let width = (self.cfg.docs - 1).max(1).to_string().len();
        let p_copy = self.cfg.params.get("copy");
        let p_contain = self.cfg.params.get("contain");
        for i in 0..self.cfg.docs {
            let id = format!("d{i:0width$}");
            let made = if self.reservoir.is_empty() {
                self.original(&id)?
            } else {
                let r = self.rng.unit();
                if r < p_copy {
                    Some(self.copy()?)
                } else if r < p_copy + p_contain {
                    self.contain(&id)?
                } else {
                    self.original(&id)?
                }
            };
            let Some(made) = made else {
                summary.input_exhausted = true;
                break;
            };
            let (text, spans) = if made.whole {
                let text = made.lines.join("\n");
                let len = text.chars().count();
                let spans = if len > 0 { vec![0..len] } else { Vec::new() };
                (text, spans)
            } else {
                layout::render(&made.lines, &made.blocks)
            };
            let rec = EditsRecord {
                id: &id,
                kind: made.kind,
                cluster: &made.cluster,
                source: made.source.as_deref(),
                inputs: &made.inputs,
                filled_lines: made.filled,
                edits: &made.edits,
            };
            writer.write(&text, &spans, &rec)?;
            summary.docs += 1;
            summary.docs_with_spans += usize::from(!spans.is_empty());
            match made.kind {
                "copy" => {
                    summary.copies += 1;
                    summary.exact_copies += usize::from(made.edits.is_empty());
                }
                "contain" => summary.contains += 1,
                _ => summary.originals += 1,
            }
            summary.repeats += made.edits.iter().filter(|e| matches!(e, Edit::Repeat { .. })).count();
            self.remember(i, id, made);
        }
        Ok(summary)
    }

    /// Marks the document's lines as seen and offers it to the reservoir
    /// (Algorithm R: every document emitted so far is equally likely to be held).
    fn remember(&mut self, index: usize, id: String, made: Made) {
        // A header or footer counts as seen when a line of the text normalises as it does:
        // what was emitted, not what an edit intended (noise or truncation may have changed it).
        for line in &made.lines {
            let key = self.fresh.mark_seen(line);
            if key.is_none() {
                continue;
            }
            if let Some(h) = self.header_keys.iter().position(|k| *k == key) {
                self.seen_headers[h] = true;
            }
            if let Some(f) = self.footer_keys.iter().position(|k| *k == key) {
                self.seen_footers[f] = true;
            }
        }
        let stored = Stored { id, cluster: made.cluster, lines: made.lines };
        if self.reservoir.len() < self.cfg.reservoir {
            self.reservoir.push(stored);
        } else {
            let j = self.rng.below(index + 1);
            if j < self.cfg.reservoir {
                self.reservoir[j] = stored;
            }
        }
    }

    /// New text for one document: lines up to the target size, or one input document's lines.
    fn own_text(&mut self) -> Result<(Vec<String>, Vec<String>, usize), Error> {
        let picked: Vec<(String, Origin)> = match self.cfg.doc_bytes {
            Some(target) => {
                let mut out = Vec::new();
                let mut bytes = 0;
                while bytes < target {
                    let Some((line, origin)) = self.fresh.line(&mut self.rng)? else { break };
                    bytes += line.len() + usize::from(!out.is_empty());
                    out.push((line, origin));
                }
                out
            }
            None => self.fresh.rest_of_doc(&mut self.rng)?,
        };
        let mut inputs: Vec<String> = Vec::new();
        let mut filled = 0;
        let mut lines = Vec::with_capacity(picked.len());
        for (line, origin) in picked {
            match origin {
                Origin::Input(id) => {
                    if inputs.last() != Some(&id) {
                        inputs.push(id);
                    }
                }
                Origin::Fill => filled += 1,
            }
            lines.push(line);
        }
        Ok((lines, inputs, filled))
    }

    fn original(&mut self, id: &str) -> Result<Option<Made>, Error> {
        let (mut lines, inputs, filled) = self.own_text()?;
        if lines.is_empty() {
            return Ok(None);
        }
        let p = &self.cfg.params;
        let mut made_edits = Vec::new();
        let mut blocks = Vec::new();
        if self.rng.chance(p.get("repeat")) {
            let e = edits::repeat(&mut lines, p.count("repeat.lead_max"), &mut self.rng);
            if let Edit::Repeat { span_lines, .. } = &e {
                blocks.push(span_lines[0]..span_lines[1]);
            }
            made_edits.push(e);
        }
        if self.rng.chance(p.get("original.boilerplate")) {
            let e = edits::boilerplate(&mut lines, &self.seen_headers, &self.seen_footers, &mut self.rng);
            if let Edit::Boilerplate { header, header_repeated, footer_repeated, .. } = &e {
                if header.is_some() {
                    // The header pushed every line down by one: so are the recorded spans.
                    for b in blocks.iter_mut() {
                        *b = b.start + 1..b.end + 1;
                    }
                    for earlier in made_edits.iter_mut() {
                        if let Edit::Repeat { span_lines, .. } = earlier {
                            *span_lines = [span_lines[0] + 1, span_lines[1] + 1];
                        }
                    }
                }
                if *header_repeated {
                    blocks.push(0..1);
                }
                if *footer_repeated {
                    blocks.push(lines.len() - 1..lines.len());
                }
            }
            made_edits.push(e);
        }
        Ok(Some(Made {
            kind: "original",
            cluster: id.to_string(),
            source: None,
            lines,
            whole: false,
            blocks,
            inputs,
            filled,
            edits: made_edits,
        }))
    }

    /// A copy of a reservoir document, exact or edited. An edit that leaves no text is undone
    /// by drawing the edits again (at most three times; then the copy is exact).
    fn copy(&mut self) -> Result<Made, Error> {
        let k = self.rng.below(self.reservoir.len());
        let (source, cluster) = (self.reservoir[k].id.clone(), self.reservoir[k].cluster.clone());
        let exact = self.rng.chance(self.cfg.params.get("copy.exact"));
        let mut attempt = 0;
        let (lines, made_edits) = loop {
            let mut lines = self.reservoir[k].lines.clone();
            if exact || attempt == 3 {
                break (lines, Vec::new());
            }
            attempt += 1;
            let made_edits = self.edit_copy(&mut lines)?;
            lines.retain(|l| !is_blank(l));
            if !lines.is_empty() {
                break (lines, made_edits);
            }
        };
        let (whole, blocks, inputs, filled) = (true, Vec::new(), Vec::new(), 0);
        Ok(Made {
            kind: "copy",
            cluster,
            source: Some(source),
            lines,
            whole,
            blocks,
            inputs,
            filled,
            edits: made_edits,
        })
    }

    /// Applies each copy edit with its probability, in a fixed order: content first, then the
    /// wrapping, then noise and truncation, which touch everything.
    fn edit_copy(&mut self, lines: &mut Vec<String>) -> Result<Vec<Edit>, Error> {
        let p = &self.cfg.params;
        let rng = &mut self.rng;
        let mut out = Vec::new();
        if lines.len() >= 2 && rng.chance(p.get("remove")) {
            out.push(edits::remove_paragraphs(lines, p.count("remove.max"), rng));
        }
        if rng.chance(p.get("insert")) {
            out.push(edits::insert_paragraphs(lines, p.count("insert.max"), &mut self.fresh, rng)?);
        }
        if lines.len() >= 2 && rng.chance(p.get("shuffle")) {
            out.push(edits::shuffle(lines, rng));
        }
        if rng.chance(p.get("words")) {
            out.push(edits::words(lines, p.get("words.rate"), &self.fresh, rng));
        }
        if rng.chance(p.get("syndication")) {
            out.push(edits::syndication(lines, rng));
        }
        if rng.chance(p.get("boilerplate")) {
            out.push(edits::boilerplate(lines, &self.seen_headers, &self.seen_footers, rng));
        }
        if rng.chance(p.get("noise")) {
            out.push(edits::noise(lines, p.get("noise.rate"), rng));
        }
        if rng.chance(p.get("truncate")) {
            out.push(edits::truncate(lines, p.get("truncate.min"), p.get("truncate.max"), rng));
        }
        Ok(out)
    }

    fn contain(&mut self, id: &str) -> Result<Option<Made>, Error> {
        let (mut lines, inputs, filled) = self.own_text()?;
        if lines.is_empty() {
            return Ok(None);
        }
        let k = self.rng.below(self.reservoir.len());
        let p = &self.cfg.params;
        let src = &self.reservoir[k];
        let e =
            edits::contain(&mut lines, &src.id, &src.lines, p.get("contain.min"), p.get("contain.max"), &mut self.rng);
        let mut blocks = Vec::new();
        if let Edit::Contain { span_lines, .. } = &e {
            blocks.push(span_lines[0]..span_lines[1]);
        }
        Ok(Some(Made {
            kind: "contain",
            cluster: id.to_string(),
            source: Some(src.id.clone()),
            lines,
            whole: false,
            blocks,
            inputs,
            filled,
            edits: vec![e],
        }))
    }
}
