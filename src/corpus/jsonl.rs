//! The project's own format: `docs.jsonl` and `gold.jsonl`, one JSON object a line.
//!
//! - docs (dedup): `{"id": str, "text": str}`
//! - docs (extract): `{"id": str, "html": str}` or `{"id": str, "html_path": str}`, `"url": str` optional
//! - gold: `{"id": str, "cluster": str|int?, "dup_spans": [[start, end], ...]?, "text": str?,
//!   "with": [str]?, "without": [str]?, "page_type": str?}`
//!
//! Span offsets are Unicode scalar (char) offsets, half-open. Every problem is reported with file,
//! line and field; the record it concerns is left out and loading goes on.
//!
//! Dedup documents are read one line at a time straight into [`Doc`]s (no JSON tree, no list of
//! parsed lines), so loading holds little more than the texts themselves.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::shards::{Shard, ShardFormat};
use crate::error::InputError;
use crate::io::jsonl::{objects, type_name as kind};
use crate::io::open_stored;
use crate::model::{DedupGold, Doc, ExtractGold, Items, Page, StreamedDocs, Task};
use crate::text::Spans;

/// One record being read: its file and line, for errors.
pub(super) struct Rec<'a> {
    path: &'a Path,
    pub(super) line: usize,
    map: &'a Map<String, Value>,
}

impl<'a> Rec<'a> {
    pub(super) fn err(&self, field: &str, msg: impl Into<String>) -> InputError {
        InputError::field(self.path, self.line, field, msg)
    }

    pub(super) fn opt_str(&self, field: &str) -> Result<Option<&'a str>, InputError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.err(field, format!("expected a string, found {}", kind(other)))),
        }
    }

    fn req_str(&self, field: &str) -> Result<&'a str, InputError> {
        self.opt_str(field)?.ok_or_else(|| self.err(field, "missing required field"))
    }

    fn id(&self) -> Result<&'a str, InputError> {
        let id = self.req_str("id")?;
        if id.is_empty() {
            return Err(self.err("id", "must not be empty"));
        }
        Ok(id)
    }

    pub(super) fn str_list(&self, field: &str) -> Result<Vec<String>, InputError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(self.err(field, format!("item {i}: expected a string, found {}", kind(other)))),
                })
                .collect(),
            Some(other) => Err(self.err(field, format!("expected an array of strings, found {}", kind(other)))),
        }
    }
}

/// Loads documents or pages and gold from `root` for a dataset of `task`; `stream`: a dedup
/// dataset's texts stay in their file (see [`load_dedup`]).
pub fn load(root: &Path, task: Task, allow_outside: bool, stream: bool, errors: &mut Vec<InputError>) -> Items {
    let (docs_path, docs) = match open_stored(&root.join("docs.jsonl")) {
        Ok(opened) => opened,
        Err(e) => {
            errors.push(e);
            return empty(task);
        }
    };
    match task {
        Task::Dedup => {
            drop(docs);
            let shard = Shard { path: docs_path, format: ShardFormat::Jsonl };
            load_dedup(root, vec![shard], stream, errors)
        }
        Task::Extract => {
            let gold = read_gold(root, errors);
            let objs = objects(&docs_path, docs, errors);
            load_extract(root, allow_outside, &docs_path, &objs, gold, errors)
        }
    }
}

/// Loads the dedup documents of `shards` (in order) and joins `gold.jsonl` of `root` to them.
/// `stream`: the texts stay in their files (ids and lengths are held, and the texts are read
/// again whenever a strategy or a metric needs them); else they are loaded. Documents, gold and
/// every error are the same either way.
pub fn load_dedup(root: &Path, shards: Vec<Shard>, stream: bool, errors: &mut Vec<InputError>) -> Items {
    let read = read_docs(&shards, !stream, errors);
    let id_at =
        |i: usize| if stream { read.ids.get(i).map(|id| &**id) } else { read.docs.get(i).map(|d| d.id.as_str()) };
    // Gold is nearly always in document order: the document after the last one found is tried
    // first, which spares a random probe of the index (a cache miss) per record.
    let next = std::cell::Cell::new(0usize);
    let lookup = |id: &str| {
        let found = match id_at(next.get()) {
            Some(expected) if expected == id => Some(next.get()),
            _ => read.index.get(&id_key(id)).map(|&(.., i)| i as usize),
        };
        if let Some(i) = found {
            next.set(i + 1);
        }
        found
    };
    let id_of = |i: usize| if stream { read.ids[i].to_string() } else { read.docs[i].id.clone() };
    let docs_path = shards.first().map_or_else(|| root.join("docs.jsonl"), |s| s.path.clone());
    let joined = join_gold(root, &docs_path, read.char_lens.len(), &lookup, &read.char_lens, &id_of, errors);
    let DocsRead { mut docs, mut ids, char_lens, mut positions, .. } = read;
    let mut char_lens: Vec<u32> = char_lens.into_iter().map(|n| n as u32).collect();
    let gold = match joined {
        None => DedupGold::default(),
        Some(joined) => {
            let mut k = joined.keep.iter();
            docs.retain(|_| *k.next().unwrap_or(&true));
            let mut k = joined.keep.iter();
            ids.retain(|_| *k.next().unwrap_or(&true));
            let mut k = joined.keep.iter();
            char_lens.retain(|_| *k.next().unwrap_or(&true));
            let mut k = joined.keep.iter();
            positions.retain(|_| *k.next().unwrap_or(&true));
            joined.gold
        }
    };
    if !stream {
        return Items::Dedup { docs, gold };
    }
    let mut kept: Vec<(Shard, Vec<u64>)> = shards.into_iter().map(|s| (s, Vec::new())).collect();
    let mut bytes = 0u64;
    for (shard, pos, size) in positions {
        kept[shard as usize].1.push(pos);
        bytes += size;
    }
    let source = super::shards::ShardSource::new(kept);
    let docs = StreamedDocs { ids, char_lens, bytes, source: std::sync::Arc::new(source) };
    Items::Streamed { docs, gold }
}

/// The objects of `gold.jsonl` (or a compressed form), when there is one.
pub(super) fn read_gold(root: &Path, errors: &mut Vec<InputError>) -> Option<(PathBuf, Objects)> {
    let gold_path = root.join("gold.jsonl");
    match open_stored(&gold_path) {
        Ok((path, reader)) => {
            let objs = objects(&path, reader, errors);
            Some((path, objs))
        }
        Err(_) if crate::io::find_stored(&gold_path).is_err() => None,
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// A dedup document line in the form nearly every line has: read straight into its fields,
/// with no JSON tree (unknown fields are skipped).
#[derive(serde::Deserialize)]
struct DocLine {
    id: String,
    text: String,
}

/// Parses the line `reader` is on as a dedup document: straight into its fields when it is a
/// plain `{"id": string, "text": string, ...}`, else through the JSON tree for its exact error
/// (or its value, as with a repeated key).
pub(crate) fn parse_doc<R: std::io::BufRead>(
    path: &Path,
    reader: &crate::io::jsonl::Reader<R>,
) -> Result<Doc, InputError> {
    if let Some(doc) = plain_doc(reader.raw()) {
        return Ok(Doc { id: doc.id.into_owned(), text: doc.text.decode().into_owned() });
    }
    match serde_json::from_slice::<DocLine>(reader.raw()) {
        Ok(d) if !d.id.is_empty() => Ok(Doc { id: d.id, text: d.text }),
        _ => reader.parse().and_then(|(line, map)| {
            let rec = Rec { path, line, map: &map };
            Ok(Doc { id: rec.id()?.to_string(), text: rec.req_str("text")?.to_string() })
        }),
    }
}

/// Parses the line `reader` is on as a dedup document, for its id and its text's length in
/// bytes and in chars: a plain line is measured in place (its text is not decoded), any other
/// goes through [`parse_doc`], with the same answer or error.
pub(crate) fn measure_doc<'r, R: std::io::BufRead>(
    path: &Path,
    reader: &'r crate::io::jsonl::Reader<R>,
) -> Result<(Cow<'r, str>, usize, usize), InputError> {
    if let Some(doc) = plain_doc(reader.raw()) {
        let (bytes, chars) = doc.text.lens();
        return Ok((doc.id, bytes, chars));
    }
    let doc = parse_doc(path, reader)?;
    let (bytes, chars) = (doc.text.len(), doc.text.chars().count());
    Ok((Cow::Owned(doc.id), bytes, chars))
}

/// A dedup document line's fields found in place, with no JSON tree and no copy of the text:
/// its id (decoded) and its text as written between the quotes. Only for a line that is a
/// plain object holding one non-empty string `id` and one string `text`, well-formed JSON
/// throughout (other fields are checked and skipped); any other line is `None` and goes through
/// serde, so its value or error is exactly serde's.
pub(crate) struct PlainDoc<'a> {
    /// The document's id.
    pub(crate) id: Cow<'a, str>,
    /// The text, escapes not yet decoded.
    pub(crate) text: Written<'a>,
}

/// A JSON string's contents as written, checked: only JSON's escapes, `\u` with four hex digits
/// and surrogates only in high-low pairs (serde refuses the others).
#[derive(Clone, Copy)]
pub(crate) struct Written<'a> {
    raw: &'a str,
    /// How many bytes and chars shorter than `raw` the decoded string is (zero: no escape).
    shrink: (usize, usize),
}

impl<'a> Written<'a> {
    /// The decoded string (borrowed when it holds no escape).
    pub(crate) fn decode(self) -> Cow<'a, str> {
        if !self.escaped() {
            return Cow::Borrowed(self.raw);
        }
        let mut out = String::with_capacity(self.raw.len());
        self.pieces(|piece| match piece {
            Piece::Run(run) => out.push_str(run),
            Piece::Char(c) => out.push(c),
        });
        Cow::Owned(out)
    }

    /// Whether it holds an escape.
    fn escaped(self) -> bool {
        self.shrink.1 > 0
    }

    /// The decoded string's length in bytes and in chars, without decoding it: those of the
    /// string as written, less what its escapes shrink by.
    pub(crate) fn lens(self) -> (usize, usize) {
        (self.raw.len() - self.shrink.0, self.raw.chars().count() - self.shrink.1)
    }

    /// Calls `f` with the runs between escapes and the char of each escape, in order.
    fn pieces(self, mut f: impl FnMut(Piece<'a>)) {
        let raw = self.raw;
        let bytes = raw.as_bytes();
        let mut at = 0;
        while let Some(k) = memchr::memchr(b'\\', &bytes[at..]) {
            let esc = at + k;
            if esc > at {
                f(Piece::Run(&raw[at..esc]));
            }
            let rest = &bytes[esc..];
            let len = escape_len(rest).unwrap_or(rest.len());
            f(Piece::Char(escaped_char(&rest[..len]).unwrap_or('\u{FFFD}')));
            at = esc + len;
        }
        if at < bytes.len() {
            f(Piece::Run(&raw[at..]));
        }
    }
}

/// A part of a decoded JSON string.
enum Piece<'a> {
    /// Text with no escape in it.
    Run(&'a str),
    /// The char an escape stands for.
    Char(char),
}

/// The char a checked escape (`\\n`, `\\u00e9`, a surrogate pair) stands for.
fn escaped_char(esc: &[u8]) -> Option<char> {
    match *esc.get(1)? {
        b'b' => Some('\u{8}'),
        b'f' => Some('\u{c}'),
        b'n' => Some('\n'),
        b'r' => Some('\r'),
        b't' => Some('\t'),
        b'u' => {
            let first = hex4(esc.get(2..)?)?;
            match esc.get(8..).and_then(hex4) {
                Some(second) if esc.len() == 12 => {
                    char::from_u32(0x10000 + (first.checked_sub(0xD800)? << 10) + second.checked_sub(0xDC00)?)
                }
                _ => char::from_u32(first),
            }
        }
        other => Some(other as char),
    }
}

/// The value of four hex digits at the start of `s`.
fn hex4(s: &[u8]) -> Option<u32> {
    let digits = s.get(..4)?;
    digits.iter().try_fold(0u32, |v, &d| Some(v * 16 + (d as char).to_digit(16)?))
}

/// Finds the plain form of a dedup document line (see [`PlainDoc`]).
pub(crate) fn plain_doc(raw: &[u8]) -> Option<PlainDoc<'_>> {
    let line = std::str::from_utf8(raw).ok()?;
    let mut scan = Scan { s: line.as_bytes(), at: 0 };
    let (mut id, mut text) = (None, None);
    scan.ws();
    scan.eat(b'{')?;
    scan.ws();
    if scan.eat(b'}').is_none() {
        loop {
            let key = scan.string_in(line)?;
            scan.ws();
            scan.eat(b':')?;
            scan.ws();
            let slot = match (key.escaped(), key.raw) {
                (false, "id") => Some(&mut id),
                (false, "text") => Some(&mut text),
                (true, _) => return None,
                _ => None,
            };
            match slot {
                Some(slot) if slot.is_none() => *slot = Some(scan.string_in(line)?),
                Some(_) => return None,
                None => scan.value(0)?,
            }
            scan.ws();
            if scan.eat(b',').is_some() {
                scan.ws();
                continue;
            }
            scan.eat(b'}')?;
            break;
        }
    }
    scan.ws();
    if scan.at != line.len() {
        return None;
    }
    let id = id?.decode();
    (!id.is_empty()).then_some(PlainDoc { id, text: text? })
}

/// A cursor over a line being scanned; every method returns `None` on anything it does not
/// take for well-formed JSON.
struct Scan<'a> {
    s: &'a [u8],
    at: usize,
}

/// The deepest nesting the scanner follows; deeper lines go through serde (whose limit is 128).
const MAX_DEPTH: usize = 64;

impl<'a> Scan<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.at) {
            self.at += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.s.get(self.at) == Some(&b)).then(|| self.at += 1)
    }

    /// A string at the cursor: its contents as written, borrowed from `line` (the same bytes,
    /// known to be UTF-8).
    fn string_in(&mut self, line: &'a str) -> Option<Written<'a>> {
        let (start, shrink) = self.string_span()?;
        Some(Written { raw: line.get(start..self.at - 1)?, shrink })
    }

    /// Moves the cursor past a string and returns where its contents start and how much its
    /// escapes shrink it by (bytes, chars); each escape is checked ([`escape_len`]).
    fn string_span(&mut self) -> Option<(usize, (usize, usize))> {
        self.eat(b'"')?;
        let start = self.at;
        let mut shrink = (0, 0);
        loop {
            self.at += special(self.s.get(self.at..)?)?;
            match self.s[self.at] {
                b'"' => {
                    self.at += 1;
                    return Some((start, shrink));
                }
                b'\\' => {
                    let esc = &self.s[self.at..];
                    let len = escape_len(esc)?;
                    let decoded = escaped_char(&esc[..len])?.len_utf8();
                    // An escape is ASCII: as many chars as bytes as written, one char decoded.
                    shrink = (shrink.0 + len - decoded, shrink.1 + len - 1);
                    self.at += len;
                }
                _ => return None,
            }
        }
    }

    /// Skips a JSON value of any kind, checking it.
    fn value(&mut self, depth: usize) -> Option<()> {
        match *self.s.get(self.at)? {
            b'"' => self.string_span().map(|_| ()),
            b'{' | b'[' if depth >= MAX_DEPTH => None,
            b'{' => {
                self.at += 1;
                self.ws();
                if self.eat(b'}').is_some() {
                    return Some(());
                }
                loop {
                    self.string_span()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    if self.eat(b'}').is_some() {
                        return Some(());
                    }
                    self.eat(b',')?;
                    self.ws();
                }
            }
            b'[' => {
                self.at += 1;
                self.ws();
                if self.eat(b']').is_some() {
                    return Some(());
                }
                loop {
                    self.value(depth + 1)?;
                    self.ws();
                    if self.eat(b']').is_some() {
                        return Some(());
                    }
                    self.eat(b',')?;
                    self.ws();
                }
            }
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            _ => self.number(),
        }
    }

    fn word(&mut self, word: &[u8]) -> Option<()> {
        self.s[self.at..].starts_with(word).then(|| self.at += word.len())
    }

    /// A number, `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`: JSON's grammar, which is all
    /// serde checks of a number it skips.
    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        match *self.s.get(self.at)? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat(b'.').is_some() {
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.s.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.s.get(self.at) {
                self.at += 1;
            }
            self.some_digits()?;
        }
        Some(())
    }

    /// One digit or more.
    fn some_digits(&mut self) -> Option<()> {
        if !self.s.get(self.at)?.is_ascii_digit() {
            return None;
        }
        self.digits();
        Some(())
    }

    fn digits(&mut self) {
        while self.s.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
    }
}

/// The offset of the first byte of `s` that ends a run of plain string contents: a quote, a
/// backslash or a control character (which JSON does not allow unescaped). Eight bytes at a
/// time: a byte is found by the borrow it leaves when subtracted from.
fn special(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has = |w: u64, below: u64| w.wrapping_sub(ONES * below) & !w & HIGH;
    let mut at = 0;
    let mut words = s.chunks_exact(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let w = u64::from_le_bytes(bytes);
        // Zero bytes of `w ^ quote` and `w ^ backslash`; bytes below 0x20 of `w`. Only the
        // lowest flagged byte is certain (a borrow may flag bytes above it), and it is the one
        // wanted.
        let found = has(w ^ (ONES * u64::from(b'"')), 1) | has(w ^ (ONES * u64::from(b'\\')), 1) | has(w, 0x20);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words.remainder().iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).map(|k| at + k)
}

/// The length of the escape at the start of `s` (a backslash), or `None` if serde would refuse
/// it: an unknown escape, a `\u` without four hex digits, or a surrogate not in a high-low pair.
fn escape_len(s: &[u8]) -> Option<usize> {
    match *s.get(1)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(2),
        b'u' => {
            let first = hex4(s.get(2..)?)?;
            match first {
                0xD800..=0xDBFF => {
                    let second = s.get(6..8).filter(|p| *p == b"\\u").and_then(|_| hex4(s.get(8..)?))?;
                    (0xDC00..=0xDFFF).contains(&second).then_some(12)
                }
                0xDC00..=0xDFFF => None,
                _ => Some(6),
            }
        }
        _ => None,
    }
}

/// The key of an id in the index of documents: its xxh3-128 hash, so the index holds no copy
/// of the ids (two of billions of ids colliding is negligible at 128 bits).
fn id_key(id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.as_bytes())
}

/// The documents read from a dataset's shards: the documents themselves, or (streamed) their
/// ids; per document its length in chars and its place (shard, line or row, text bytes); and
/// the index of ids (shard, position, document).
struct DocsRead {
    docs: Vec<Doc>,
    ids: Vec<Box<str>>,
    char_lens: Vec<usize>,
    positions: Vec<(u32, u64, u64)>,
    index: HashMap<u128, (u32, u64, u32), crate::text::hash::HashedKeys>,
}

/// A document as the load finds it: whole, or (streamed) its id only.
enum Found<'a> {
    Doc(Doc),
    Id(&'a str),
}

/// Reads the dedup documents of `shards` in order, one record at a time, keeping the documents
/// (`keep_text`) or only their ids. Duplicate ids keep the first.
fn read_docs(shards: &[Shard], keep_text: bool, errors: &mut Vec<InputError>) -> DocsRead {
    let mut read = DocsRead {
        docs: Vec::new(),
        ids: Vec::new(),
        char_lens: Vec::new(),
        positions: Vec::new(),
        index: HashMap::default(),
    };
    let unit = |s: &Shard| match s.format {
        ShardFormat::Jsonl => "line",
        ShardFormat::Parquet(_) => "row",
        ShardFormat::Wet => "record",
    };
    for (k, shard) in shards.iter().enumerate() {
        let Ok(k32) = u32::try_from(k) else {
            errors.push(InputError::file(&shard.path, "more than 2^32 shards"));
            break;
        };
        let mut found = Vec::new();
        let mut add = |pos: u64, found_doc: Found<'_>, bytes: usize, chars: usize| {
            let id = match &found_doc {
                Found::Doc(doc) => doc.id.as_str(),
                Found::Id(id) => id,
            };
            let n = read.char_lens.len();
            let Ok(n32) = u32::try_from(n) else {
                found.push(InputError::field(&shard.path, pos as usize, "id", "more than 2^32 documents"));
                return;
            };
            match read.index.entry(id_key(id)) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    let (fs, fpos, _) = *first.get();
                    let first_shard = &shards[fs as usize];
                    let place = if fs == k32 {
                        format!("{} {fpos}", unit(first_shard))
                    } else {
                        format!("{} {fpos} of {}", unit(first_shard), first_shard.path.display())
                    };
                    let msg = format!("duplicate id `{id}` (first on {place})");
                    found.push(InputError::field(&shard.path, pos as usize, "id", msg));
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert((k32, pos, n32));
                    read.char_lens.push(chars);
                    read.positions.push((k32, pos, bytes as u64));
                    match found_doc {
                        Found::Doc(doc) => read.docs.push(doc),
                        Found::Id(id) => read.ids.push(id.into()),
                    }
                }
            }
        };
        if keep_text {
            super::shards::each_doc(shard, errors, &mut |pos, doc| {
                let (bytes, chars) = (doc.text.len(), doc.text.chars().count());
                add(pos, Found::Doc(doc), bytes, chars)
            });
        } else {
            super::shards::each_doc_len(shard, errors, &mut |pos, id, bytes, chars| {
                add(pos, Found::Id(id), bytes, chars)
            });
        }
        errors.extend(found);
    }
    read
}

fn empty(task: Task) -> Items {
    match task {
        Task::Dedup => Items::Dedup { docs: Vec::new(), gold: DedupGold::default() },
        Task::Extract => Items::Extract { pages: Vec::new(), gold: Vec::new() },
    }
}

/// Reads records with unique ids; duplicates and id errors are reported and skipped.
pub(super) fn records<'a, T>(
    path: &'a Path,
    objs: &'a [(usize, Map<String, Value>)],
    errors: &mut Vec<InputError>,
    mut parse: impl FnMut(&Rec<'a>, &'a str) -> Result<T, InputError>,
) -> (Vec<T>, HashMap<&'a str, usize>, HashSet<&'a str>) {
    let mut out = Vec::new();
    let mut first_line: HashMap<&str, usize> = HashMap::new();
    let mut index = HashMap::new();
    let mut bad = HashSet::new();
    for (line, map) in objs {
        let rec = Rec { path, line: *line, map };
        let id = match rec.id() {
            Ok(id) => id,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if let Some(first) = first_line.get(id) {
            errors.push(rec.err("id", format!("duplicate id `{id}` (first on line {first})")));
            bad.insert(id);
            continue;
        }
        first_line.insert(id, *line);
        match parse(&rec, id) {
            Ok(item) => {
                index.insert(id, out.len());
                out.push(item);
            }
            Err(e) => {
                errors.push(e);
                bad.insert(id);
            }
        }
    }
    (out, index, bad)
}

/// Objects of one file with their line numbers.
pub(super) type Objects = Vec<(usize, Map<String, Value>)>;

/// A gold record of a dedup document in the form nearly every record has, read straight into
/// its fields (unknown fields are skipped).
#[derive(serde::Deserialize)]
struct GoldLine {
    id: String,
    #[serde(default)]
    cluster: Option<Label>,
    #[serde(default)]
    dup_spans: Option<Vec<(u64, u64)>>,
}

/// A cluster label as written: a string or a non-negative integer.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Label {
    Text(String),
    Int(u64),
}

/// Dedup gold joined to the documents: which documents stay (those with one well-formed gold
/// record) and the gold of those that stay.
struct Joined {
    keep: Vec<bool>,
    gold: DedupGold,
}

/// Reads `gold.jsonl` (or a compressed form) one line at a time and joins it to the `n`
/// documents of `docs_path` (`lookup` finds a document by id; `char_lens` bounds its spans;
/// `ids` names it). `None` when there is no gold file or it holds no record: a dataset to time
/// strategies on, with nothing to score. A document with no gold record, or a malformed or
/// repeated one, is reported and left out: guessing "unique" would count a strategy's correct
/// find as a false positive.
fn join_gold(
    root: &Path,
    docs_path: &Path,
    n: usize,
    lookup: &dyn Fn(&str) -> Option<usize>,
    char_lens: &[usize],
    ids: &dyn Fn(usize) -> String,
    errors: &mut Vec<InputError>,
) -> Option<Joined> {
    let gold_path = root.join("gold.jsonl");
    let (gold_path, input) = match open_stored(&gold_path) {
        Ok(opened) => opened,
        Err(_) if crate::io::find_stored(&gold_path).is_err() => return None,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let mut reader = crate::io::jsonl::Reader::new(&gold_path, input);
    // Per document: the line of its first gold record, and whether its gold is unusable.
    let mut gold_line: Vec<usize> = vec![0; n];
    let mut bad = vec![false; n];
    // Gold ids naming no document, for the repeated-record message.
    let mut unknown: HashMap<String, usize> = HashMap::new();
    // Cluster labels interned in file order by their hash, renumbered in document order below.
    let mut interned: HashMap<u128, u32, crate::text::hash::HashedKeys> = HashMap::default();
    let mut label: Vec<u32> = vec![u32::MAX; n];
    let mut spans: Option<Vec<Spans>> = None;
    let (mut records, mut has_clusters, mut has_spans) = (0usize, false, false);
    while let Some(line) = reader.next_line() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        // The typed record, or the JSON tree for a line not in the plain form.
        let (id, tree) = match serde_json::from_slice::<GoldLine>(reader.raw()) {
            Ok(g) if !g.id.is_empty() => (g.id.clone(), Err(g)),
            _ => match reader.parse() {
                Ok((line, map)) => {
                    records += 1;
                    match (Rec { path: &gold_path, line, map: &map }).id() {
                        Ok(id) => (id.to_string(), Ok(map)),
                        Err(e) => {
                            errors.push(e);
                            continue;
                        }
                    }
                }
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            },
        };
        if tree.is_err() {
            records += 1;
        }
        let err = |field: &str, msg: String| InputError::field(&gold_path, line, field, msg);
        let Some(doc) = lookup(&id) else {
            if let Some(first) = unknown.get(&id) {
                errors.push(err("id", format!("duplicate id `{id}` (first on line {first})")));
            } else {
                errors.push(err("id", format!("no document with id `{id}` in {}", docs_path.display())));
                unknown.insert(id, line);
            }
            continue;
        };
        if gold_line[doc] != 0 {
            errors.push(err("id", format!("duplicate id `{id}` (first on line {})", gold_line[doc])));
            bad[doc] = true;
            continue;
        }
        let g = match tree {
            Err(typed) => Ok(typed),
            Ok(map) => gold_from_tree(&Rec { path: &gold_path, line, map: &map }),
        };
        let g = match g {
            Ok(g) => g,
            Err(e) => {
                gold_line[doc] = line;
                errors.push(e);
                bad[doc] = true;
                continue;
            }
        };
        gold_line[doc] = line;
        let doc_spans = match g.dup_spans.map(|s| check_spans(&gold_path, line, &s, char_lens[doc])).transpose() {
            Ok(s) => s,
            Err(e) => {
                errors.push(e);
                bad[doc] = true;
                continue;
            }
        };
        if let Some(c) = g.cluster {
            let text = match c {
                Label::Text(s) => s,
                Label::Int(i) => i.to_string(),
            };
            let next = interned.len() as u32;
            label[doc] = *interned.entry(xxhash_rust::xxh3::xxh3_128(text.as_bytes())).or_insert(next);
            has_clusters = true;
        }
        if let Some(s) = doc_spans {
            spans.get_or_insert_with(|| vec![Spans::default(); n])[doc] = s;
            has_spans = true;
        }
    }
    if records == 0 {
        return None;
    }
    let mut keep: Vec<bool> = bad.iter().map(|b| !b).collect();
    for (i, k) in keep.iter_mut().enumerate() {
        if *k && gold_line[i] == 0 {
            *k = false;
            let msg = format!("document `{}` has no gold record; left out of the run", ids(i));
            errors.push(InputError::file(&gold_path, msg));
        }
    }
    // Labels numbered by the first document of each, as a reader of the file in document order
    // would number them; documents without one each get a label of their own after those.
    let mut renumber: Vec<u32> = vec![u32::MAX; interned.len()];
    let mut next = 0u32;
    for &l in &label {
        if l != u32::MAX && renumber[l as usize] == u32::MAX {
            renumber[l as usize] = next;
            next += 1;
        }
    }
    let clusters = has_clusters.then(|| {
        label
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(&l, _)| {
                if l == u32::MAX {
                    next += 1;
                    next - 1
                } else {
                    renumber[l as usize]
                }
            })
            .collect()
    });
    let spans = match (has_spans, spans) {
        (true, Some(s)) => Some(s.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(s, _)| s).collect()),
        _ => None,
    };
    Some(Joined { keep, gold: DedupGold { clusters, spans, ..DedupGold::default() } })
}

/// A gold record read through the JSON tree, for the exact message of what is wrong with it.
fn gold_from_tree(rec: &Rec<'_>) -> Result<GoldLine, InputError> {
    let id = rec.id()?.to_string();
    let cluster = match rec.map.get("cluster") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(Label::Text(s.clone())),
        Some(Value::Number(n)) => Some(Label::Text(n.to_string())),
        Some(other) => return Err(rec.err("cluster", format!("expected a string, found {}", kind(other)))),
    };
    let dup_spans = match rec.map.get("dup_spans") {
        None | Some(Value::Null) => None,
        Some(v) => Some(span_pairs(rec, v)?),
    };
    Ok(GoldLine { id, cluster, dup_spans })
}

/// Reads `[[start, end], ...]` of non-negative integers.
fn span_pairs(rec: &Rec<'_>, v: &Value) -> Result<Vec<(u64, u64)>, InputError> {
    let Value::Array(items) = v else {
        return Err(rec.err("dup_spans", format!("expected an array of [start, end] pairs, found {}", kind(v))));
    };
    let mut pairs = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let pair = match item {
            Value::Array(p) if p.len() == 2 => (p[0].as_u64(), p[1].as_u64()),
            _ => (None, None),
        };
        let (Some(start), Some(end)) = pair else {
            return Err(rec.err("dup_spans", format!("item {i}: expected [start, end] with non-negative integers")));
        };
        pairs.push((start, end));
    }
    Ok(pairs)
}

/// Checks spans against the document's char length and returns them sorted with overlaps
/// merged.
fn check_spans(path: &Path, line: usize, pairs: &[(u64, u64)], char_len: usize) -> Result<Spans, InputError> {
    let err = |msg: String| InputError::field(path, line, "dup_spans", msg);
    let mut spans = Vec::with_capacity(pairs.len());
    for (i, &(start, end)) in pairs.iter().enumerate() {
        let (start, end) = (start as usize, end as usize);
        if start >= end {
            return Err(err(format!("item {i}: empty or reversed span [{start}, {end}]")));
        }
        if end > char_len {
            return Err(err(format!("item {i}: span [{start}, {end}] ends past the document's {char_len} characters")));
        }
        spans.push(start..end);
    }
    Ok(Spans::new(spans))
}

fn load_extract(
    root: &Path,
    allow_outside: bool,
    docs_path: &Path,
    objs: &Objects,
    gold: Option<(PathBuf, Objects)>,
    errors: &mut Vec<InputError>,
) -> Items {
    let (mut pages, index, _) = records(docs_path, objs, errors, |rec, id| {
        let html = match (rec.opt_str("html")?, rec.opt_str("html_path")?) {
            (Some(html), _) => html.to_string(),
            (None, Some(rel)) => {
                let path = crate::io::inside(root, rel, allow_outside).map_err(|e| rec.err("html_path", e))?;
                let (_, raw) = crate::io::read_stored(&path).map_err(|e| rec.err("html_path", e.to_string()))?;
                crate::corpus::decode_html(&raw)
            }
            (None, None) => return Err(rec.err("html", "missing required field (or `html_path`)")),
        };
        Ok(Page { id: id.to_string(), html, url: rec.opt_str("url")?.map(str::to_string) })
    });
    let mut golds = vec![ExtractGold::default(); pages.len()];
    let mut has_gold = vec![false; pages.len()];
    if let Some((gold_path, gold_objs)) = gold {
        let (parsed, _, _) = records(&gold_path, &gold_objs, errors, |rec, id| {
            let Some(&page) = index.get(id) else {
                return Err(rec.err("id", format!("no page with id `{id}` in {}", docs_path.display())));
            };
            Ok((page, extract_gold(rec)?))
        });
        for (page, gold) in parsed {
            golds[page] = gold;
            has_gold[page] = true;
        }
    }
    // Pages without gold cannot be scored; report and leave them out.
    let mut kept_pages = Vec::new();
    let mut kept_gold = Vec::new();
    for ((page, gold), ok) in pages.drain(..).zip(golds).zip(has_gold) {
        if ok {
            kept_pages.push(page);
            kept_gold.push(gold);
        } else {
            errors.push(InputError::file(docs_path, format!("page `{}` has no valid gold record; left out", page.id)));
        }
    }
    Items::Extract { pages: kept_pages, gold: kept_gold }
}

/// The extraction gold of a gold record: `text`, `with`, `without`, `page_type`.
pub(super) fn extract_gold(rec: &Rec<'_>) -> Result<ExtractGold, InputError> {
    Ok(ExtractGold {
        text: rec.opt_str("text")?.map(str::to_string),
        with: rec.str_list("with")?,
        without: rec.str_list("without")?,
        page_type: rec.opt_str("page_type")?.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct path and the JSON-tree path agree: plain lines, extra fields and escapes go
    /// straight in; a repeated key takes the last value, as the tree does; lines the direct
    /// path refuses get the tree's exact errors.
    #[test]
    fn documents_read_directly_match_the_json_tree() {
        let input = concat!(
            "{\"id\": \"a\", \"text\": \"x\\ny \\u00e9\", \"meta\": {\"k\": [1, 2]}}\n",
            "{\"text\": \"t\", \"id\": \"b\", \"id\": \"b2\"}\n",
            "{\"id\": \"\", \"text\": \"t\"}\n",
            "{\"id\": 7, \"text\": \"t\"}\n",
            "{\"id\": \"c\"}\n",
            "{\"id\": \"a\", \"text\": \"again\"}\n",
            "  \n",
            "{\"id\": \"d\", \"text\": \"last\"}",
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docs.jsonl");
        std::fs::write(&path, input).unwrap();
        let mut errors = Vec::new();
        let read = read_docs(&[Shard { path, format: ShardFormat::Jsonl }], true, &mut errors);
        let got: Vec<(&str, &str)> = read.docs.iter().map(|d| (d.id.as_str(), d.text.as_str())).collect();
        assert_eq!(got, [("a", "x\ny é"), ("b2", "t"), ("d", "last")]);
        assert_eq!(read.index.get(&id_key("d")), Some(&(0, 8, 2)));
        let errs: Vec<(Option<usize>, Option<&str>)> = errors.iter().map(|e| (e.line, e.field.as_deref())).collect();
        assert_eq!(
            errs,
            [(Some(3), Some("id")), (Some(4), Some("id")), (Some(5), Some("text")), (Some(6), Some("id"))]
        );
        assert!(errors[0].message.contains("must not be empty"), "{}", errors[0]);
        assert!(errors[1].message.contains("expected a string, found a number"), "{}", errors[1]);
        assert!(errors[2].message.contains("missing required field"), "{}", errors[2]);
        assert!(errors[3].message.contains("duplicate id `a` (first on line 1)"), "{}", errors[3]);
    }

    /// The serde reading of a line as a dedup document, as the load had it before the scan.
    fn serde_doc(line: &str) -> Option<(String, String)> {
        serde_json::from_str::<DocLine>(line).ok().filter(|d| !d.id.is_empty()).map(|d| (d.id, d.text))
    }

    /// The scan of a line: its id, its decoded text, and the text's measured lengths.
    fn scanned(line: &str) -> Option<(String, String, (usize, usize))> {
        plain_doc(line.as_bytes()).map(|d| (d.id.into_owned(), d.text.decode().into_owned(), d.text.lens()))
    }

    /// Plain lines of every shape are scanned in place to serde's id and text, and measured to
    /// the decoded text's bytes and chars.
    #[test]
    fn plain_lines_are_scanned_to_what_serde_reads() {
        let lines = [
            r#"{"id":"a","text":"plain"}"#,
            r#"{"text":"first","id":"b"}"#,
            r#" { "id" : "c" , "text" : "spaced" } "#,
            "{\"id\":\"d\",\t\"text\":\"tab between\"}",
            r#"{"id":"e","text":"esc \n \" \\ \/ \b \f \r \t end"}"#,
            r#"{"id":"f","text":"\u00e9\u20AC\ud83d\ude00\u0000x"}"#,
            r#"{"id":"g","text":"raw é 日本 😀 and \\u00e9 written"}"#,
            r#"{"id":"h\u00e9\n","text":""}"#,
            r#"{"id":"i","meta":{"k":[1,-2,3.5,0,-0.25,true,false,null,{},[]],"s":"x\"\u00e9"},"text":"t","n":12}"#,
            r#"{"id":"j","text":"t","deep":[[[[{"a":[[]]}]]]]}"#,
            r#"{"id":"m","text":"t","n":[1e5,-2.5E-3,0e+0,1e400]}"#,
            r#"{"id":"k","text":"ends in an escape\\"}"#,
            r#"{"id":"l","text":"\"quoted\"","other":"\ud800\udc00"}"#,
        ];
        for line in lines {
            let (id, text, lens) = scanned(line).unwrap_or_else(|| panic!("not scanned: {line}"));
            assert_eq!(Some((id, text.clone())), serde_doc(line), "{line}");
            assert_eq!(lens, (text.len(), text.chars().count()), "{line}");
        }
    }

    /// Lines the scan does not take go through serde: every form serde refuses or reads in its
    /// own way (repeated keys, escaped keys, lone surrogates, bad numbers, arrays, deep nesting).
    #[test]
    fn lines_that_are_not_plain_are_left_to_serde() {
        let deep = format!("{{\"id\":\"a\",\"text\":\"t\",\"x\":{}1{}}}", "[".repeat(70), "]".repeat(70));
        let lines = [
            r#"{"id":"a","id":"b","text":"t"}"#,
            r#"{"id":"a","text":"t","text":"u"}"#,
            r#"{"id":7,"text":"t"}"#,
            r#"{"id":"a","text":null}"#,
            r#"{"id":"a"}"#,
            r#"{"text":"t"}"#,
            r#"{"id":"","text":"t"}"#,
            r#"{"id":"a","text":"\ud800"}"#,
            r#"{"id":"a","text":"\ud800\u0041"}"#,
            r#"{"id":"a","text":"\udc00"}"#,
            r#"{"id":"a","text":"\x"}"#,
            r#"{"id":"a","text":"\u12"}"#,
            "{\"id\":\"a\",\"text\":\"raw\ttab\"}",
            r#"{"id":"a","text":"t","n":01}"#,
            r#"{"id":"a","text":"t","n":1.}"#,
            r#"{"id":"a","text":"t","n":1e}"#,
            r#"{"id":"a","text":"t","n":1e+}"#,
            r#"{"id":"a","text":"t","n":-}"#,
            r#"{"id":"a","text":"t","n":.5}"#,
            r#"{"id":"a","text":"t"} x"#,
            r#"{"id":"a","text":"t",}"#,
            r#"{"i\u0064":"a","text":"t"}"#,
            r#"["a","t"]"#,
            "\u{feff}{\"id\":\"a\",\"text\":\"t\"}",
            r#"{"id":"a","text":"unterminated}"#,
            &deep,
        ];
        for line in lines {
            assert!(scanned(line).is_none(), "scanned: {line}");
        }
        assert!(plain_doc(b"{\"id\":\"a\",\"text\":\"\xff\"}").is_none());
        assert!(plain_doc(b"{\"id\":\"a\",\"text\":\"t\",\"x\":\"\xc3\"}").is_none());
    }

    /// Random lines built from the characters JSON strings go wrong on: whenever the scan takes
    /// one, serde reads the same id and text from it, and the measured lengths are the text's.
    #[test]
    fn scanned_lines_agree_with_serde_on_random_lines() {
        let pieces = [
            "a",
            "é",
            "日",
            "😀",
            " ",
            "\\",
            "\"",
            "\\n",
            "\\\"",
            "\\\\",
            "\\u00e9",
            "\\ud83d",
            "\\ude00",
            "\\u",
            "\t",
            "\u{1}",
            "\\/",
            "0",
            "\\b",
            "\\z",
            "\\uD83D\\uDE00",
            "\\uFFFF",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let (mut taken, tries) = (0, 20_000);
        for _ in 0..tries {
            let field = |next: &mut dyn FnMut(usize) -> usize| -> String {
                (0..next(12)).map(|_| pieces[next(pieces.len())]).collect()
            };
            let (id, text, extra) = (field(&mut next), field(&mut next), field(&mut next));
            let line = format!("{{\"id\":\"{id}\",\"x\":[\"{extra}\"],\"text\":\"{text}\"}}");
            if let Some((id, text, lens)) = scanned(&line) {
                taken += 1;
                assert_eq!(Some((id, text.clone())), serde_doc(&line), "{line}");
                assert_eq!(lens, (text.len(), text.chars().count()), "{line}");
            }
        }
        assert!(taken > tries / 100, "only {taken} of {tries} random lines were plain");
    }

    /// The streamed load (ids, measured lengths) and the in-memory load (whole documents) find
    /// the same documents, places and errors, on plain, `.gz` and `.zst` files: escapes,
    /// non-ASCII text, CRLF line ends, blank lines, malformed lines and a line over the record
    /// cap.
    #[test]
    fn measured_documents_match_the_decoded_ones() {
        use std::io::Write;
        let long = format!("{{\"id\": \"long\", \"text\": \"{}\"}}", "x".repeat(crate::io::record_cap() as usize));
        let input = [
            "{\"id\": \"a\", \"text\": \"x\\ny \\u00e9 \\ud83d\\ude00 \\\"q\\\"\"}\r\n",
            "\n",
            "  \r\n",
            "{\"id\": \"b\", \"text\": \"日本語 é\", \"meta\": {\"n\": [1.5, null]}}\n",
            "{\"id\": \"c\", \"text\": \"\\ud800 lone\"}\n",
            "not json\n",
            "{\"id\": \"d\", \"text\": \"raw\ttab\"}\n",
            "{\"id\": \"e\", \"n\": 1e3, \"text\": \"exponent\"}\r\n",
            "{\"id\": \"a\", \"text\": \"again\"}\n",
            "{\"id\": 5, \"text\": \"t\"}\n",
            "{\"id\": \"\\u0066\", \"text\": \"escaped id\"}\n",
            &long,
            "\n{\"id\": \"g\", \"text\": \"\\u00e9\"}",
        ]
        .concat();
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("docs.jsonl");
        std::fs::write(&plain, &input).unwrap();
        let gz = dir.path().join("docs.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(input.as_bytes()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let zst = dir.path().join("docs.jsonl.zst");
        std::fs::write(&zst, zstd::stream::encode_all(input.as_bytes(), 1).unwrap()).unwrap();
        for path in [plain, gz, zst] {
            let shards = [Shard { path: path.clone(), format: ShardFormat::Jsonl }];
            let (mut whole_errors, mut measured_errors) = (Vec::new(), Vec::new());
            let whole = read_docs(&shards, true, &mut whole_errors);
            let measured = read_docs(&shards, false, &mut measured_errors);
            let ids: Vec<&str> = whole.docs.iter().map(|d| d.id.as_str()).collect();
            assert_eq!(ids, ["a", "b", "e", "f", "g"], "{}", path.display());
            assert_eq!(measured.ids.iter().map(|i| &**i).collect::<Vec<_>>(), ids);
            let lens: Vec<usize> = whole.docs.iter().map(|d| d.text.chars().count()).collect();
            assert_eq!(measured.char_lens, lens);
            assert_eq!(measured.char_lens, whole.char_lens);
            let bytes: Vec<u64> = whole.docs.iter().map(|d| d.text.len() as u64).collect();
            assert_eq!(measured.positions.iter().map(|p| p.2).collect::<Vec<_>>(), bytes);
            assert_eq!(measured.positions, whole.positions);
            assert_eq!(measured_errors, whole_errors);
            let errs: Vec<(&Path, Option<usize>, Option<&str>)> =
                measured_errors.iter().map(|e| (e.path.as_path(), e.line, e.field.as_deref())).collect();
            let at = path.as_path();
            assert_eq!(
                errs,
                [
                    (at, Some(5), None),
                    (at, Some(6), None),
                    (at, Some(7), None),
                    (at, Some(10), Some("id")),
                    (at, Some(12), None),
                    (at, Some(9), Some("id")),
                ],
                "{measured_errors:#?}"
            );
        }
    }
}
