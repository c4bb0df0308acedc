//! The supply of new text: lines no earlier document of the output contains, so that an
//! "original" document is unique and the gold can call it so.
//!
//! Input documents are cut into lines (trimmed, blank ones dropped). A line is accepted only if
//! its normalised form (CCNet's, as the `lines` strategy uses by default) was never seen before:
//! not in the input so far, not in any emitted document, not among the reserved boilerplate. With
//! [`Filter::Shingles`] a line is also refused when a fifth or more of its word 5-grams were seen,
//! which keeps near-duplicate input (reworded copies) out of the originals. When the input runs
//! out, lines of words drawn from the input's vocabulary can fill in (`fill`).
//!
//! Memory grows with the number of distinct lines (8 bytes each in a hash set; with shingles, 8
//! bytes per word as well), never with document texts. This module does not decide what a
//! document is made of; see the plan in [`super`].

use std::collections::{HashSet, VecDeque};

use xxhash_rust::xxh3::xxh3_64;

use super::rng::Rng;
use super::source::SourceReader;
use crate::error::Error;
use crate::text::Norm;
use crate::text::hash::HashedKeys;

/// How strictly input lines must be new to be used in an original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Filter {
    /// Normalised line never seen before.
    Exact,
    /// As `Exact`, and under a fifth of its word 5-grams seen before.
    Shingles,
}

impl Filter {
    /// Parses `exact` or `shingles`.
    pub fn parse(s: &str) -> Result<Filter, Error> {
        match s {
            "exact" => Ok(Filter::Exact),
            "shingles" => Ok(Filter::Shingles),
            other => Err(Error::Usage(format!("unknown source filter `{other}` (known: exact, shingles)"))),
        }
    }
}

/// A set of xxh3 hashes, passed through as their own table hash.
type HashSet64 = HashSet<u64, HashedKeys>;

/// Where a fresh line came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An input document, by id.
    Input(String),
    /// Drawn from the vocabulary.
    Fill,
}

/// Counts of what the supply did, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FreshStats {
    /// Input documents read.
    pub input_docs: u64,
    /// Input lines read (non-blank).
    pub input_lines: u64,
    /// Input lines refused as already seen (or near-seen).
    pub refused_lines: u64,
    /// Lines made from the vocabulary.
    pub filled_lines: u64,
}

/// The supply of never-seen lines.
pub struct Fresh {
    reader: SourceReader,
    queue: VecDeque<(String, String)>,
    exhausted: bool,
    filter: Filter,
    fill: bool,
    seen: HashSet64,
    shingles: HashSet64,
    vocab: Vec<String>,
    vocab_cap: usize,
    tokens_offered: u64,
    norm: String,
    /// What happened so far.
    pub stats: FreshStats,
}

/// Words kept for substitutions and filler lines (a uniform sample of the input's tokens).
const VOCAB_CAP: usize = 50_000;
/// Shingle width (words) of [`Filter::Shingles`].
const SHINGLE: usize = 5;

impl Fresh {
    /// A supply over `reader`.
    pub fn new(reader: SourceReader, filter: Filter, fill: bool) -> Fresh {
        Fresh {
            reader,
            queue: VecDeque::new(),
            exhausted: false,
            filter,
            fill,
            seen: HashSet64::default(),
            shingles: HashSet64::default(),
            vocab: Vec::new(),
            vocab_cap: VOCAB_CAP,
            tokens_offered: 0,
            norm: String::new(),
            stats: FreshStats::default(),
        }
    }

    fn key(&mut self, line: &str) -> Option<u64> {
        Norm::Ccnet.apply(line, &mut self.norm);
        (!self.norm.is_empty()).then(|| xxh3_64(self.norm.as_bytes()))
    }

    /// Marks `line` as seen (boilerplate reserved up front, lines of emitted documents) and
    /// returns its key: the xxh3 of its normalised form (`None` for a blank line).
    pub fn mark_seen(&mut self, line: &str) -> Option<u64> {
        let k = self.key(line)?;
        self.seen.insert(k);
        Some(k)
    }

    /// Whether `line` would pass the filter; if so it is marked seen.
    fn accept(&mut self, line: &str) -> bool {
        let Some(k) = self.key(line) else { return false };
        if self.seen.contains(&k) {
            return false;
        }
        if self.filter == Filter::Shingles {
            let words: Vec<&str> = self.norm.split(' ').collect();
            if words.len() >= SHINGLE {
                let hashes: Vec<u64> = words.windows(SHINGLE).map(|w| xxh3_64(w.join(" ").as_bytes())).collect();
                let old = hashes.iter().filter(|h| self.shingles.contains(h)).count();
                if old * 5 >= hashes.len() {
                    return false;
                }
                self.shingles.extend(hashes);
            }
        }
        self.seen.insert(k);
        true
    }

    fn learn_words(&mut self, line: &str, rng: &mut Rng) {
        for token in line.split_whitespace() {
            let word = token.trim_matches(|c: char| !c.is_alphanumeric());
            if word.is_empty() {
                continue;
            }
            self.tokens_offered += 1;
            if self.vocab.len() < self.vocab_cap {
                self.vocab.push(word.to_string());
            } else {
                let j = (rng.next_u64() % self.tokens_offered) as usize;
                if j < self.vocab_cap {
                    self.vocab[j] = word.to_string();
                }
            }
        }
    }

    /// Reads input documents until one yields accepted lines; false when the input is done.
    fn refill(&mut self, rng: &mut Rng) -> Result<bool, Error> {
        while !self.exhausted {
            let Some(doc) = self.reader.next_doc()? else {
                self.exhausted = true;
                break;
            };
            self.stats.input_docs += 1;
            for raw in doc.text.split('\n') {
                let line = raw.trim();
                if line.is_empty() {
                    continue;
                }
                self.stats.input_lines += 1;
                if self.accept(line) {
                    self.learn_words(line, rng);
                    self.queue.push_back((doc.id.clone(), line.to_string()));
                } else {
                    self.stats.refused_lines += 1;
                }
            }
            if !self.queue.is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A random word of the input's vocabulary (`None` before any input was read).
    pub fn word(&self, rng: &mut Rng) -> Option<&str> {
        (!self.vocab.is_empty()).then(|| self.vocab[rng.below(self.vocab.len())].as_str())
    }

    /// A never-seen line of 8 to 20 vocabulary words, or `None` (no vocabulary, or no luck).
    fn fill_line(&mut self, rng: &mut Rng) -> Option<String> {
        for _ in 0..32 {
            let n = rng.between(8, 20);
            let mut line = String::new();
            for i in 0..n {
                let w = self.word(rng)?;
                if i == 0 {
                    let mut cs = w.chars();
                    if let Some(c) = cs.next() {
                        line.extend(c.to_uppercase());
                        line.push_str(cs.as_str());
                    }
                } else {
                    line.push(' ');
                    line.push_str(w);
                }
            }
            line.push('.');
            if self.accept(&line) {
                self.stats.filled_lines += 1;
                return Some(line);
            }
        }
        None
    }

    /// The next never-seen line: from the input while it lasts, then (with `fill`) from the
    /// vocabulary. `None` when neither can give one.
    pub fn line(&mut self, rng: &mut Rng) -> Result<Option<(String, Origin)>, Error> {
        if self.queue.is_empty() {
            self.refill(rng)?;
        }
        if let Some((id, line)) = self.queue.pop_front() {
            return Ok(Some((line, Origin::Input(id))));
        }
        if self.fill {
            return Ok(self.fill_line(rng).map(|l| (l, Origin::Fill)));
        }
        Ok(None)
    }

    /// The never-seen lines left of the current input document (the next one if none are left);
    /// once the input is done, 2 to 6 filler lines (with `fill`). Empty when nothing is left.
    pub fn rest_of_doc(&mut self, rng: &mut Rng) -> Result<Vec<(String, Origin)>, Error> {
        if self.queue.is_empty() {
            self.refill(rng)?;
        }
        if !self.queue.is_empty() {
            return Ok(self.queue.drain(..).map(|(id, l)| (l, Origin::Input(id))).collect());
        }
        let mut out = Vec::new();
        if self.fill {
            for _ in 0..rng.between(2, 6) {
                match self.fill_line(rng) {
                    Some(l) => out.push((l, Origin::Fill)),
                    None => break,
                }
            }
        }
        Ok(out)
    }
}
