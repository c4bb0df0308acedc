//! The messages of engine protocol version 1 (`docs/engines.md`): JSON lines in both directions,
//! with an optional raw payload for the bulk of a request.
//!
//! Requests are serialised from borrowed data. With the `raw` payload (offered in `hello`,
//! accepted in `ready`), a page's HTML or a document's text follows its JSON header as that many
//! bytes of UTF-8, so neither side escapes or parses it; otherwise it is a JSON string in the
//! line. Answers are parsed into [`Answer`], which has every field any answer may carry, and
//! checked by the caller against what it asked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Pairs;

/// The protocol version this build speaks.
pub const PROTOCOL: u32 = 1;

/// The longest answer line accepted, in bytes; a longer one is a breach, not an allocation.
pub const MAX_LINE: usize = 1 << 30;

/// The payload encoding in which an item's bulk follows its header line as raw UTF-8 bytes.
pub const RAW: &str = "raw";

/// The payload encodings corpusbench offers in `hello`, besides JSON strings (always spoken).
pub const PAYLOADS: &[&str] = &[RAW];

/// A message from corpusbench to an engine.
#[derive(Debug, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Request<'a> {
    /// The first message: protocol, task and every declared parameter.
    Hello {
        /// [`PROTOCOL`].
        protocol: u32,
        /// `extract` or `dedup`.
        task: &'a str,
        /// Parameter values as strings, defaults filled in.
        params: &'a BTreeMap<String, String>,
        /// Payload encodings offered besides JSON strings ([`PAYLOADS`]).
        payloads: &'a [&'a str],
    },
    /// One page to extract.
    Extract {
        /// Page id, echoed in the answer.
        id: &'a str,
        /// Page URL, when known.
        url: Option<&'a str>,
        /// Decoded HTML.
        html: &'a str,
    },
    /// The start of a dataset to deduplicate: this many `doc` messages follow, then `end`.
    Dedup {
        /// Number of documents.
        docs: usize,
        /// corpusbench's own worker only: where to read the documents itself (a dataset's
        /// shards and the positions kept), in which case no `doc` message follows, only `end`.
        #[serde(skip_serializing_if = "Option::is_none")]
        files: Option<&'a serde_json::Value>,
    },
    /// One document of the dataset, in dataset order.
    Doc {
        /// Document id, echoed in the answer.
        id: &'a str,
        /// Document text.
        text: &'a str,
        /// Document URL, when known.
        url: Option<&'a str>,
    },
    /// The end of the dataset.
    End,
}

/// The header of an `extract` request whose HTML follows as `html_bytes` raw bytes.
#[derive(Serialize)]
struct RawExtract<'a> {
    op: &'static str,
    id: &'a str,
    url: Option<&'a str>,
    html_bytes: usize,
}

/// The header of a `doc` message whose text follows as `text_bytes` raw bytes.
#[derive(Serialize)]
struct RawDoc<'a> {
    op: &'static str,
    id: &'a str,
    url: Option<&'a str>,
    text_bytes: usize,
}

impl<'a> Request<'a> {
    /// The message as one line, newline included.
    pub fn line(&self) -> Vec<u8> {
        line_of(self)
    }

    /// The message as sent to an engine that accepted the `raw` payload when `raw` is set:
    /// a header line, then the HTML or text as raw bytes; otherwise [`Request::line`] and
    /// nothing after it. The bulk is borrowed, so it is written without a copy.
    pub fn parts(&self, raw: bool) -> (Vec<u8>, &'a [u8]) {
        match (self, raw) {
            (Request::Extract { id, url, html }, true) => {
                (line_of(&RawExtract { op: "extract", id, url: *url, html_bytes: html.len() }), html.as_bytes())
            }
            (Request::Doc { id, text, url }, true) => {
                (line_of(&RawDoc { op: "doc", id, url: *url, text_bytes: text.len() }), text.as_bytes())
            }
            _ => (self.line(), &[]),
        }
    }

    /// [`Request::parts`] in one buffer.
    pub fn frame(&self, raw: bool) -> Vec<u8> {
        let (mut header, bulk) = self.parts(raw);
        header.extend_from_slice(bulk);
        header
    }
}

/// A JSON object of numbers, its keys in the order written (so that an engine's figures keep
/// the order it gives them, as a built-in's do).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures(pub Vec<(String, f64)>);

impl<'de> Deserialize<'de> for Figures {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Figures, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Figures;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of numbers")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Figures, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, f64>()? {
                    if out.iter().any(|(name, _): &(String, f64)| *name == k) {
                        return Err(serde::de::Error::custom(format!("figure `{k}` given twice")));
                    }
                    out.push((k, v));
                }
                Ok(Figures(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A cluster label: engines may label clusters by integers or strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(untagged)]
pub enum Label {
    /// An integer label.
    Int(i64),
    /// A string label.
    Str(String),
}

/// Any message from an engine; which fields must be present depends on what was asked.
#[derive(Debug, Default, Deserialize)]
pub struct Answer {
    /// `ready`, `error` or `done` for control messages; absent on per-item answers.
    pub op: Option<String>,
    /// Protocol version (handshake).
    pub protocol: Option<u64>,
    /// System the engine wraps (handshake).
    pub name: Option<String>,
    /// Version of that system (handshake).
    pub version: Option<String>,
    /// Canonical spec of the strategy a corpusbench worker built (its handshake only).
    pub spec: Option<String>,
    /// The payload encoding the engine accepted from those offered (handshake); JSON if absent.
    pub payload: Option<String>,
    /// Why the engine cannot go on (`error`).
    pub message: Option<String>,
    /// The item answered.
    pub id: Option<String>,
    /// Extracted text.
    pub text: Option<String>,
    /// Why this item failed.
    pub error: Option<String>,
    /// The engine's own compute time for the item (or the dataset), seconds.
    pub compute_s: Option<f64>,
    /// Cluster label of a document.
    pub cluster: Option<Label>,
    /// Duplicate spans of a document, code-point offsets, half-open.
    pub spans: Option<Vec<(u64, u64)>>,
    /// Figures the engine reports about itself (`done`), in the order written.
    pub stats: Option<Figures>,
    /// Per-document figures (a document's answer), written to `doc_stats.csv`, in the order
    /// written.
    pub figures: Option<Figures>,
    /// Document pairs (indices, `i < j`) judged duplicates before clustering (`done`).
    pub pairs: Option<Vec<(u32, u32)>>,
    /// Per document, the smallest document of its group of identical content (`done`, with
    /// `pairs`): two documents of a group are a pair, and a pair joins their groups.
    pub pair_groups: Option<Vec<u32>>,
    /// The heap high-water mark of the deduplication, bytes (`done`, corpusbench's workers).
    pub peak_heap_bytes: Option<u64>,
}

impl Answer {
    /// Parses one line (without its newline): UTF-8, JSON, an object of the known field types.
    pub fn parse(line: &[u8]) -> Result<Answer, String> {
        let text = std::str::from_utf8(line).map_err(|e| format!("answer is not valid UTF-8 ({e})"))?;
        serde_json::from_str(text)
            .map_err(|e| format!("answer is not a valid protocol message ({e}): {}", preview(text)))
    }

    /// Whether this is the control message `op`.
    pub fn is(&self, op: &str) -> bool {
        self.op.as_deref() == Some(op)
    }
}

/// The start of a line, for messages.
pub fn preview(text: &str) -> String {
    const MAX: usize = 120;
    if text.len() <= MAX {
        return text.to_string();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

/// A well-formed handshake: the engine's name and version (and a worker's canonical spec).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ready {
    /// System name.
    pub name: String,
    /// System version.
    pub version: String,
    /// Canonical spec, from corpusbench's own workers.
    pub spec: Option<String>,
    /// Whether the engine takes the bulk of requests as raw bytes.
    pub raw: bool,
}

/// Checks the first line of an engine: `ready` with this protocol, or the engine's own error.
pub fn ready(line: &[u8]) -> Result<Ready, String> {
    let a = Answer::parse(line)?;
    if a.is("error") {
        return Err(format!("engine refused to start: {}", a.message.unwrap_or_default()));
    }
    if !a.is("ready") {
        return Err(format!("first line is not a handshake: {}", preview(&String::from_utf8_lossy(line))));
    }
    if a.protocol != Some(u64::from(PROTOCOL)) {
        return Err(format!(
            "engine speaks protocol {}, this corpusbench speaks {PROTOCOL}",
            a.protocol.map_or("(none)".to_string(), |p| p.to_string())
        ));
    }
    let raw = match a.payload.as_deref() {
        None | Some("json") => false,
        Some(RAW) => true,
        Some(other) => return Err(format!("engine chose payload `{other}`, which was not offered")),
    };
    Ok(Ready { name: a.name.unwrap_or_default(), version: a.version.unwrap_or_default(), spec: a.spec, raw })
}

/// What an engine answered for one page: the text and its compute seconds, or its error.
pub fn page_answer(line: &[u8], id: &str) -> Result<Result<(String, f64), String>, String> {
    let a = Answer::parse(line)?;
    if a.is("error") {
        return Err(format!("engine error: {}", a.message.unwrap_or_default()));
    }
    match a.id.as_deref() {
        Some(got) if got == id => {}
        Some(got) => return Err(format!("answer is for page `{got}`, not `{id}`")),
        None => return Err("answer has no id".into()),
    }
    if let Some(e) = a.error {
        return Ok(Err(e));
    }
    let Some(text) = a.text else { return Err("answer has neither text nor error".into()) };
    let secs = match a.compute_s {
        Some(s) if s.is_finite() && s >= 0.0 => s,
        Some(s) => return Err(format!("compute_s {s} is not a non-negative number")),
        None => return Err("answer has no compute_s".into()),
    };
    Ok(Ok((text, secs)))
}

/// A message as an engine receives it (the serving side of corpusbench's own workers).
#[derive(Debug, Default, Deserialize)]
pub struct Incoming {
    /// `hello`, `extract`, `dedup`, `doc` or `end`.
    pub op: String,
    /// Protocol version (`hello`).
    pub protocol: Option<u64>,
    /// Task (`hello`).
    pub task: Option<String>,
    /// Parameters (`hello`).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Payload encodings offered (`hello`).
    #[serde(default)]
    pub payloads: Vec<String>,
    /// Item id (`extract`, `doc`).
    #[serde(default)]
    pub id: String,
    /// URL (`extract`, `doc`).
    pub url: Option<String>,
    /// HTML (`extract`).
    #[serde(default)]
    pub html: String,
    /// Text (`doc`).
    #[serde(default)]
    pub text: String,
    /// Number of documents (`dedup`).
    pub docs: Option<usize>,
    /// Where the worker reads the documents itself (`dedup`, corpusbench's own worker).
    #[serde(default)]
    pub files: Option<serde_json::Value>,
    /// Length of the raw HTML that follows the line (`extract`, raw payload).
    pub html_bytes: Option<usize>,
    /// Length of the raw text that follows the line (`doc`, raw payload).
    pub text_bytes: Option<usize>,
}

impl Incoming {
    /// Parses one request line.
    pub fn parse(line: &[u8]) -> Result<Incoming, String> {
        serde_json::from_slice(line).map_err(|e| format!("request is not a valid protocol message ({e})"))
    }

    /// Reads the raw bulk this message announces (`html_bytes` or `text_bytes`) from `input`
    /// into `html` or `text`. The bytes are consumed even when they are not UTF-8, so the
    /// stream stays in step; the error then concerns this message only.
    pub fn read_raw(&mut self, input: &mut impl std::io::Read) -> std::io::Result<Result<(), String>> {
        let (len, field, into) = match (self.html_bytes, self.text_bytes) {
            (Some(n), None) => (n, "html", &mut self.html),
            (None, Some(n)) => (n, "text", &mut self.text),
            (None, None) => return Ok(Ok(())),
            (Some(_), Some(_)) => return Ok(Err("a message may announce html_bytes or text_bytes, not both".into())),
        };
        if len > MAX_LINE {
            return Err(std::io::Error::other(format!("a raw {field} of {len} bytes is longer than {MAX_LINE}")));
        }
        let mut bytes = Vec::new();
        let got = std::io::Read::read_to_end(&mut std::io::Read::take(input, len as u64), &mut bytes)?;
        if got < len {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("input ended after {got} of {len} raw {field} bytes"),
            ));
        }
        match String::from_utf8(bytes) {
            Ok(s) => {
                *into = s;
                Ok(Ok(()))
            }
            Err(e) => Ok(Err(format!("raw {field} is not valid UTF-8 ({})", e.utf8_error()))),
        }
    }
}

fn line_of(value: &impl Serialize) -> Vec<u8> {
    // Serialising borrowed strings, numbers, string maps and JSON values cannot fail.
    let mut out = serde_json::to_vec(value).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The handshake an engine sends; `raw` accepts the raw payload.
pub fn ready_line(name: &str, version: &str, spec: Option<&str>, raw: bool) -> Vec<u8> {
    let mut v = serde_json::json!({"op": "ready", "protocol": PROTOCOL, "name": name, "version": version});
    if let Some(spec) = spec {
        v["spec"] = spec.into();
    }
    if raw {
        v["payload"] = RAW.into();
    }
    line_of(&v)
}

/// An engine's refusal to go on (at start, or for a whole dataset).
pub fn error_line(message: &str) -> Vec<u8> {
    line_of(&serde_json::json!({"op": "error", "message": message}))
}

/// The answer for one page.
pub fn page_line(id: &str, result: &Result<String, String>, compute_s: f64) -> Vec<u8> {
    match result {
        Ok(text) => line_of(&serde_json::json!({"id": id, "text": text, "compute_s": compute_s})),
        Err(e) => line_of(&serde_json::json!({"id": id, "error": e, "compute_s": compute_s})),
    }
}

/// A JSON object of figures with its keys in the given order (the JSON library's own map
/// sorts them); NaN and infinite values are left out.
fn figures_json(figures: impl Iterator<Item = (impl AsRef<str>, f64)>) -> String {
    let parts: Vec<String> = figures
        .filter(|(_, v)| v.is_finite())
        .map(|(k, v)| {
            let key = serde_json::to_string(k.as_ref()).unwrap_or_default();
            let value = serde_json::to_string(&v).unwrap_or_default();
            format!("{key}:{value}")
        })
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// Appends `,"name":raw` inside a serialised JSON object line (before its closing brace).
fn with_raw(mut line: Vec<u8>, name: &str, raw: &str) -> Vec<u8> {
    line.truncate(line.len().saturating_sub(2));
    line.extend_from_slice(format!(",\"{name}\":{raw}}}\n").as_bytes());
    line
}

/// The answer for one document, with its per-document figures in their order.
pub fn doc_line(
    id: &str,
    cluster: Option<u32>,
    spans: Option<&[std::ops::Range<usize>]>,
    figures: &[(&str, f64)],
) -> Vec<u8> {
    let mut v = serde_json::json!({"id": id});
    if let Some(c) = cluster {
        v["cluster"] = c.into();
    }
    if let Some(s) = spans {
        v["spans"] = s.iter().map(|r| serde_json::json!([r.start, r.end])).collect();
    }
    let line = line_of(&v);
    if figures.is_empty() { line } else { with_raw(line, "figures", &figures_json(figures.iter().copied())) }
}

/// The closing line of a dataset: compute seconds, the engine's own figures (in their order),
/// and optionally the pairs it judged duplicates and its heap high-water mark.
pub fn done_line(compute_s: f64, stats: &[(String, f64)], pairs: Option<&Pairs>, peak: Option<u64>) -> Vec<u8> {
    let mut v = serde_json::json!({"op": "done", "compute_s": compute_s});
    if let Some(p) = pairs {
        v["pairs"] = p.edges.iter().map(|(i, j)| serde_json::json!([i, j])).collect();
        if let Some(g) = &p.group {
            v["pair_groups"] = g.as_slice().into();
        }
    }
    if let Some(p) = peak {
        v["peak_heap_bytes"] = p.into();
    }
    with_raw(line_of(&v), "stats", &figures_json(stats.iter().map(|(k, v)| (k, *v))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_one_json_line_each() {
        let params = BTreeMap::from([("k".to_string(), "v".to_string())]);
        let hello = Request::Hello { protocol: PROTOCOL, task: "extract", params: &params, payloads: PAYLOADS }.line();
        assert_eq!(
            hello,
            b"{\"op\":\"hello\",\"protocol\":1,\"task\":\"extract\",\"params\":{\"k\":\"v\"},\"payloads\":[\"raw\"]}\n"
        );
        let page = Request::Extract { id: "p", url: None, html: "a\nb\"\u{e9}" }.line();
        assert_eq!(page.iter().filter(|b| **b == b'\n').count(), 1);
        let back: serde_json::Value = serde_json::from_slice(&page).unwrap();
        assert_eq!(back["html"], "a\nb\"\u{e9}");
        assert_eq!(Request::End.line(), b"{\"op\":\"end\"}\n");
    }

    #[test]
    fn raw_frames_carry_the_bulk_as_bytes_after_a_header_that_counts_them() {
        let html = "a\nb\"\u{e9}";
        let page = Request::Extract { id: "p", url: Some("u"), html }.frame(true);
        let header = br#"{"op":"extract","id":"p","url":"u","html_bytes":6}"#;
        assert_eq!(&page[..header.len()], header);
        assert_eq!(&page[header.len()..], format!("\n{html}").as_bytes());
        let doc = Request::Doc { id: "d", text: "xy", url: None }.frame(true);
        assert_eq!(doc, b"{\"op\":\"doc\",\"id\":\"d\",\"url\":null,\"text_bytes\":2}\nxy");
        assert_eq!(Request::End.frame(true), Request::End.line());
        assert_eq!(
            Request::Extract { id: "p", url: None, html }.frame(false),
            Request::Extract { id: "p", url: None, html }.line()
        );
        let mut m = Incoming::parse(&page[..=header.len()]).unwrap();
        let mut rest = &page[header.len() + 1..];
        m.read_raw(&mut rest).unwrap().unwrap();
        assert_eq!((m.html.as_str(), rest.len()), (html, 0));
        let mut short = Incoming::parse(header).unwrap();
        assert!(short.read_raw(&mut &b"abc"[..]).is_err());
    }

    #[test]
    fn handshakes_are_checked() {
        let r = ready(br#"{"op":"ready","protocol":1,"name":"x","version":"1.2"}"#).unwrap();
        assert_eq!((r.name.as_str(), r.version.as_str()), ("x", "1.2"));
        assert!(ready(br#"{"op":"ready","protocol":2}"#).unwrap_err().contains("protocol 2"));
        assert!(ready(br#"{"op":"hi"}"#).unwrap_err().contains("not a handshake"));
        assert!(ready(br#"{"op":"error","message":"no module"}"#).unwrap_err().contains("no module"));
        assert!(ready(b"\xff\xfe").unwrap_err().contains("UTF-8"));
        assert!(!r.raw);
        assert!(ready(br#"{"op":"ready","protocol":1,"payload":"raw"}"#).unwrap().raw);
        assert!(ready(br#"{"op":"ready","protocol":1,"payload":"cbor"}"#).unwrap_err().contains("not offered"));
    }

    #[test]
    fn page_answers_are_checked_against_the_request() {
        let ok = page_answer(br#"{"id":"a","text":"t","compute_s":0.5}"#, "a").unwrap();
        assert_eq!(ok, Ok(("t".to_string(), 0.5)));
        let failed = page_answer(br#"{"id":"a","error":"boom"}"#, "a").unwrap();
        assert_eq!(failed, Err("boom".to_string()));
        assert!(page_answer(br#"{"id":"b","text":"t","compute_s":0}"#, "a").unwrap_err().contains("`b`"));
        assert!(page_answer(br#"{"id":"a","compute_s":0}"#, "a").is_err());
        assert!(page_answer(br#"{"id":"a","text":"t"}"#, "a").unwrap_err().contains("compute_s"));
        assert!(page_answer(br#"{"id":"a","text":"t","compute_s":-1}"#, "a").is_err());
        assert!(page_answer(b"not json", "a").unwrap_err().contains("not a valid"));
        assert!(page_answer(br#"{"id":"a","text":5,"compute_s":0}"#, "a").is_err());
    }

    #[test]
    fn figures_keep_their_order_both_ways() {
        let stats = [("b".to_string(), 1.0), ("a".to_string(), 0.1 + 0.2), ("nan".to_string(), f64::NAN)];
        let line = done_line(0.5, &stats, Some(&Pairs::listed(vec![(0, 2)])), Some(7));
        let a = Answer::parse(line.strip_suffix(b"\n").unwrap()).unwrap();
        assert!(a.is("done"));
        assert_eq!(a.stats, Some(Figures(vec![("b".into(), 1.0), ("a".into(), 0.1 + 0.2)])));
        assert_eq!((a.pairs, a.peak_heap_bytes, a.compute_s), (Some(vec![(0, 2)]), Some(7), Some(0.5)));
        assert_eq!(a.pair_groups, None);
        let grouped = Pairs { edges: vec![(0, 2)], group: Some(vec![0, 0, 2]) };
        let a = Answer::parse(done_line(0.5, &[], Some(&grouped), None).strip_suffix(b"\n").unwrap()).unwrap();
        assert_eq!((a.pairs, a.pair_groups), (Some(vec![(0, 2)]), Some(vec![0, 0, 2])));
        let doc = doc_line("d", Some(3), Some(&[1..4]), &[("z", 2.0), ("y", 1.0)]);
        let a = Answer::parse(doc.strip_suffix(b"\n").unwrap()).unwrap();
        assert_eq!(a.figures, Some(Figures(vec![("z".into(), 2.0), ("y".into(), 1.0)])));
        assert_eq!((a.cluster, a.spans), (Some(Label::Int(3)), Some(vec![(1, 4)])));
        assert!(Answer::parse(br#"{"op":"done","stats":{"a":1,"a":2}}"#).is_err());
    }

    #[test]
    fn labels_are_integers_or_strings() {
        let a = Answer::parse(br#"{"id":"d","cluster":"c7"}"#).unwrap();
        assert_eq!(a.cluster, Some(Label::Str("c7".into())));
        let a = Answer::parse(br#"{"id":"d","cluster":3,"spans":[[0,2]]}"#).unwrap();
        assert_eq!((a.cluster, a.spans), (Some(Label::Int(3)), Some(vec![(0, 2)])));
        assert!(Answer::parse(br#"{"id":"d","cluster":[1]}"#).is_err());
    }
}
