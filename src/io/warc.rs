//! WARC records (ISO 28500, WARC/1.0 and 1.1) as Common Crawl writes them: a version line,
//! `Name: value` headers, an empty line, `Content-Length` bytes of block, then an empty line.
//! A `.warc.gz` is one gzip member per record, read through [`super::open`] like every other
//! compressed input. Also the HTTP message inside a `response` record ([`http_payload`]).
//!
//! A bad record is an error naming the file, the record's number and its byte offset in the
//! uncompressed stream; reading resumes at the next version line. A file cut short (a
//! truncated block, a truncated gzip member) ends in an error, never in silence.

use std::borrow::Cow;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use crate::error::InputError;

/// The longest header line read; a longer one is a malformed record.
const MAX_HEADER_LINE: u64 = 64 << 10;

/// One WARC record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based number of the record in its file.
    pub number: u64,
    /// Byte offset of its version line in the uncompressed stream.
    pub offset: u64,
    headers: Vec<(String, String)>,
    /// The block: `Content-Length` bytes.
    pub block: Vec<u8>,
}

impl Record {
    /// The value of header `name` (case-insensitive), the first when repeated.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// `WARC-Type`: `response`, `request`, `metadata`, `conversion`, `warcinfo`, ...
    pub fn kind(&self) -> &str {
        self.header("WARC-Type").unwrap_or("")
    }

    /// `WARC-Target-URI`, without the angle brackets WARC/1.0 writers sometimes add.
    pub fn target_uri(&self) -> Option<&str> {
        self.header("WARC-Target-URI").map(strip_brackets)
    }

    /// `WARC-Record-ID` without its angle brackets, e.g. `urn:uuid:...`.
    pub fn record_id(&self) -> Option<&str> {
        self.header("WARC-Record-ID").map(strip_brackets)
    }

    /// An input error about this record of `path`: its number and offset, then `msg`.
    pub fn error(&self, path: &Path, msg: impl std::fmt::Display) -> InputError {
        InputError::file(path, format!("{}: {msg}", place(self.number, self.offset)))
    }
}

/// How errors name a record: its number and where it starts in the uncompressed stream.
fn place(number: u64, offset: u64) -> String {
    format!("record {number} (byte {offset} uncompressed)")
}

/// `<x>` as `x`; anything else as it is.
pub fn strip_brackets(v: &str) -> &str {
    v.strip_prefix('<').and_then(|v| v.strip_suffix('>')).unwrap_or(v)
}

/// Reads the records of one WARC stream in order.
pub struct Reader<R> {
    path: PathBuf,
    input: R,
    /// Bytes consumed from the uncompressed stream.
    offset: u64,
    number: u64,
    /// A version line already read while resynchronising, and its offset.
    pending: Option<(u64, Vec<u8>)>,
    done: bool,
}

/// One header line as read.
enum Line {
    End,
    Read(Vec<u8>),
    TooLong,
}

impl<R: BufRead> Reader<R> {
    /// A reader over `input`, decompressed already; `path` names it in errors.
    pub fn new(path: &Path, input: R) -> Reader<R> {
        Reader { path: path.to_path_buf(), input, offset: 0, number: 0, pending: None, done: false }
    }

    fn err(&self, offset: u64, msg: impl std::fmt::Display) -> InputError {
        InputError::file(&self.path, format!("{}: {msg}", place(self.number, offset)))
    }

    fn line(&mut self) -> std::io::Result<Line> {
        let mut buf = Vec::new();
        let n = (&mut self.input).take(MAX_HEADER_LINE).read_until(b'\n', &mut buf)?;
        self.offset += n as u64;
        Ok(match n {
            0 => Line::End,
            _ if !buf.ends_with(b"\n") && n as u64 == MAX_HEADER_LINE => Line::TooLong,
            _ => Line::Read(buf),
        })
    }

    /// Skips to the next line that starts a record, keeping it for the next call.
    fn resync(&mut self) -> Result<(), InputError> {
        loop {
            let at = self.offset;
            match self.line() {
                Ok(Line::End) => {
                    self.done = true;
                    return Ok(());
                }
                Ok(Line::Read(l)) if l.starts_with(b"WARC/") => {
                    self.pending = Some((at, l));
                    return Ok(());
                }
                Ok(_) => {}
                Err(e) => {
                    self.done = true;
                    return Err(self.err(at, format!("cannot read: {e}")));
                }
            }
        }
    }

    /// The next record; `Some(Err)` for a bad one (reading goes on after it unless the stream
    /// itself failed or ended inside a block); `None` at the end.
    pub fn next_record(&mut self) -> Option<Result<Record, InputError>> {
        if self.done {
            return None;
        }
        let r = self.read_record();
        if matches!(r, Some(Err(_)))
            && !self.done
            && let Err(e) = self.resync()
        {
            // The stream failed while looking for the next record: both errors are reported.
            let first = r.and_then(Result::err).map(|f| f.message).unwrap_or_default();
            return Some(Err(InputError { message: format!("{first}; then {}", e.message), ..e }));
        }
        r
    }

    fn read_record(&mut self) -> Option<Result<Record, InputError>> {
        // The version line, after any blank lines between records.
        let (start, version) = loop {
            if let Some(p) = self.pending.take() {
                break p;
            }
            let at = self.offset;
            match self.line() {
                Ok(Line::End) => {
                    self.done = true;
                    return None;
                }
                Ok(Line::Read(l)) if l.iter().all(u8::is_ascii_whitespace) => {}
                Ok(Line::Read(l)) => break (at, l),
                Ok(Line::TooLong) => {
                    self.number += 1;
                    return Some(Err(self.err(at, "expected a `WARC/1.x` version line, found a very long line")));
                }
                Err(e) => {
                    self.done = true;
                    let msg = format!("after record {} (byte {at} uncompressed): cannot read: {e}", self.number);
                    return Some(Err(InputError::file(&self.path, msg)));
                }
            }
        };
        self.number += 1;
        if !version.starts_with(b"WARC/") {
            let found = String::from_utf8_lossy(version.get(..40).unwrap_or(&version)).trim_end().to_string();
            return Some(Err(self.err(start, format!("expected a `WARC/1.x` version line, found `{found}`"))));
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        loop {
            let line = match self.line() {
                Ok(Line::Read(l)) => l,
                Ok(Line::End) => {
                    self.done = true;
                    return Some(Err(self.err(start, "the file ends inside the record's headers")));
                }
                Ok(Line::TooLong) => return Some(Err(self.err(start, "a header line of more than 64 KiB"))),
                Err(e) => {
                    self.done = true;
                    return Some(Err(self.err(start, format!("cannot read: {e}"))));
                }
            };
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                // A continuation of the previous header's value.
                match headers.last_mut() {
                    Some((_, v)) => {
                        v.push(' ');
                        v.push_str(line.trim());
                    }
                    None => return Some(Err(self.err(start, "a continuation line before any header"))),
                }
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Some(Err(self.err(start, format!("header line `{line}` has no `:`"))));
            };
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
        let length = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("Content-Length")).map(|(_, v)| v.as_str());
        let length: u64 = match length.map(str::parse) {
            Some(Ok(n)) => n,
            Some(Err(_)) => {
                let v = length.unwrap_or_default();
                return Some(Err(self.err(start, format!("field Content-Length: `{v}` is not a byte count"))));
            }
            None => return Some(Err(self.err(start, "field Content-Length: missing"))),
        };
        if length > super::record_cap() {
            let skipped = std::io::copy(&mut (&mut self.input).take(length), &mut std::io::sink());
            self.offset += skipped.as_ref().map_or(0, |n| *n);
            if !matches!(skipped, Ok(n) if n == length) {
                self.done = true;
            }
            return Some(Err(self.err(start, super::over_cap())));
        }
        let mut block = Vec::with_capacity(usize::try_from(length.min(1 << 20)).unwrap_or(0));
        match (&mut self.input).take(length).read_to_end(&mut block) {
            Ok(n) => {
                self.offset += n as u64;
                if (n as u64) < length {
                    self.done = true;
                    let msg = format!("truncated: Content-Length is {length} but the file ends after {n} bytes");
                    return Some(Err(self.err(start, msg)));
                }
            }
            Err(e) => {
                self.done = true;
                return Some(Err(self.err(start, format!("cannot read the block: {e}"))));
            }
        }
        Some(Ok(Record { number: self.number, offset: start, headers, block }))
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<Record, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record()
    }
}

/// The HTTP message of a `response` record: status, `Content-Type`, and the body with its
/// transfer coding (chunked) and content coding (gzip, deflate) undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpPayload<'a> {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header, when there is one.
    pub content_type: Option<String>,
    /// The body.
    pub body: Cow<'a, [u8]>,
}

impl HttpPayload<'_> {
    /// The `charset` parameter of `Content-Type`.
    pub fn charset(&self) -> Option<&str> {
        let ct = self.content_type.as_deref()?;
        ct.split(';').skip(1).find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches(['"', '\'']))
        })
    }

    /// Whether the body is HTML (or XHTML), or says nothing about its type.
    pub fn is_html(&self) -> bool {
        self.content_type.as_deref().is_none_or(|ct| {
            let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            mime == "text/html" || mime == "application/xhtml+xml" || mime.is_empty()
        })
    }
}

/// Splits an HTTP response block into its status, headers and decoded body.
pub fn http_payload(block: &[u8]) -> Result<HttpPayload<'_>, String> {
    let (head_len, body_at) = match find(block, b"\r\n\r\n") {
        Some(i) => (i, i + 4),
        None => match find(block, b"\n\n") {
            Some(i) => (i, i + 2),
            None => return Err("no end of the HTTP headers".into()),
        },
    };
    let head = String::from_utf8_lossy(&block[..head_len]);
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split_whitespace();
    let status = match (parts.next(), parts.next().map(str::parse::<u16>)) {
        (Some(v), Some(Ok(code))) if v.starts_with("HTTP/") => code,
        _ => return Err(format!("`{status_line}` is not an HTTP status line")),
    };
    let mut content_type = None;
    let mut chunked = false;
    let mut coding = String::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("Content-Type") && content_type.is_none() {
            content_type = Some(value.to_string());
        } else if name.eq_ignore_ascii_case("Transfer-Encoding") {
            chunked |= value.to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case("Content-Encoding") {
            coding = value.to_ascii_lowercase();
        }
    }
    let mut body: Cow<'_, [u8]> = Cow::Borrowed(&block[body_at..]);
    if chunked {
        body = Cow::Owned(dechunk(&body)?);
    }
    let cap = super::record_cap();
    match coding.as_str() {
        "" | "identity" => {}
        "gzip" | "x-gzip" => body = Cow::Owned(inflate(flate2::read::MultiGzDecoder::new(&body[..]), cap)?),
        "deflate" => body = Cow::Owned(inflate(flate2::read::ZlibDecoder::new(&body[..]), cap)?),
        other => return Err(format!("Content-Encoding `{other}` is not supported (gzip, deflate)")),
    }
    Ok(HttpPayload { status, content_type, body })
}

fn inflate(reader: impl Read, cap: u64) -> Result<Vec<u8>, String> {
    super::read_capped(reader, cap).map_err(|e| match e {
        super::CappedError::Io(e) => format!("cannot decode the body: {e}"),
        super::CappedError::TooLarge => format!("body {}", super::over_cap()),
    })
}

/// Undoes HTTP/1.1 chunked transfer coding.
fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len());
    loop {
        let Some(eol) = find(data, b"\n") else { return Err("chunked body: no chunk size line".into()) };
        let size_line = String::from_utf8_lossy(&data[..eol]);
        let hex = size_line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(hex, 16).map_err(|_| format!("chunked body: `{hex}` is not a chunk size"))?;
        data = &data[eol + 1..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = data.get(..size).ok_or("chunked body: a chunk runs past the end")?;
        out.extend_from_slice(chunk);
        data = &data[size..];
        data = data.strip_prefix(b"\r\n").or_else(|| data.strip_prefix(b"\n")).unwrap_or(data);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Writes one WARC record (used by tests and the synthetic generator): `headers` beside the
/// version line and `Content-Length`.
pub fn write_record(out: &mut Vec<u8>, headers: &[(&str, &str)], block: &[u8]) {
    out.extend_from_slice(b"WARC/1.0\r\n");
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", block.len()).as_bytes());
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(bytes: &[u8]) -> Vec<Result<Record, InputError>> {
        Reader::new(Path::new("t.warc"), bytes).collect()
    }

    fn response(html: &str) -> Vec<u8> {
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=\"ISO-8859-1\"\r\n\r\n{html}").into_bytes()
    }

    #[test]
    fn records_are_read_with_headers_blocks_and_offsets() {
        let mut w = Vec::new();
        write_record(&mut w, &[("WARC-Type", "warcinfo")], b"software: x\r\n");
        let second_at = w.len() as u64;
        write_record(
            &mut w,
            &[
                ("WARC-Type", "response"),
                ("WARC-Target-URI", "<http://a.example/>"),
                ("WARC-Record-ID", "<urn:uuid:1>"),
            ],
            &response("<p>hi</p>"),
        );
        let got: Vec<Record> = records(&w).into_iter().flatten().collect();
        assert_eq!(got.len(), 2);
        assert_eq!((got[1].number, got[1].offset), (2, second_at));
        assert_eq!(got[1].kind(), "response");
        assert_eq!(got[1].target_uri(), Some("http://a.example/"));
        assert_eq!(got[1].record_id(), Some("urn:uuid:1"));
        let http = http_payload(&got[1].block).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((http.status, http.charset(), http.is_html()), (200, Some("ISO-8859-1"), true));
        assert_eq!(&http.body[..], b"<p>hi</p>");
    }

    #[test]
    fn a_bad_record_is_an_error_and_the_next_one_is_read() {
        let mut w = Vec::new();
        w.extend_from_slice(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: lots\r\n\r\nxx\r\n\r\n");
        write_record(&mut w, &[("WARC-Type", "response")], b"ok");
        w.extend_from_slice(b"garbage line\r\n");
        write_record(&mut w, &[("WARC-Type", "metadata")], b"also ok");
        let got = records(&w);
        let errs: Vec<String> = got.iter().filter_map(|r| r.as_ref().err()).map(|e| e.message.clone()).collect();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs[0].contains("record 1 (byte 0 uncompressed)") && errs[0].contains("Content-Length"), "{errs:?}");
        assert!(errs[1].contains("record 3") && errs[1].contains("found `garbage line`"), "{errs:?}");
        let kinds: Vec<String> = got.iter().flatten().map(|r| r.kind().to_string()).collect();
        assert_eq!(kinds, ["response", "metadata"]);
    }

    #[test]
    fn a_truncated_block_ends_in_an_error() {
        let mut w = Vec::new();
        write_record(&mut w, &[("WARC-Type", "response")], b"0123456789");
        w.truncate(w.len() - 8);
        let got = records(&w);
        assert_eq!(got.len(), 1);
        let msg = got[0].as_ref().err().map(|e| e.message.clone()).unwrap_or_default();
        assert!(msg.contains("truncated: Content-Length is 10 but the file ends after 6 bytes"), "{msg}");
    }

    #[test]
    fn a_truncated_gzip_member_is_an_error_naming_the_file() {
        use std::io::Write;
        let mut plain = Vec::new();
        write_record(&mut plain, &[("WARC-Type", "response")], &vec![b'x'; 5000]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = gz.write_all(&plain);
        let mut gz = gz.finish().unwrap_or_default();
        gz.truncate(gz.len() / 2);
        let reader = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(&gz[..]));
        let got: Vec<_> = Reader::new(Path::new("cut.warc.gz"), reader).collect();
        let err = got.iter().find_map(|r| r.as_ref().err()).map(|e| (e.path.clone(), e.message.clone()));
        let (path, msg) = err.unwrap_or_default();
        assert_eq!(path, Path::new("cut.warc.gz"));
        assert!(msg.contains("cannot read"), "{msg}");
        assert!(got.iter().all(|r| r.is_err()));
    }

    #[test]
    fn chunked_and_gzipped_bodies_are_decoded() {
        use std::io::Write;
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n";
        assert_eq!(&http_payload(chunked).map(|h| h.body.into_owned()).unwrap_or_default(), b"hello world");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = gz.write_all(b"<html>zipped</html>");
        let mut block =
            b"HTTP/1.1 404 Not Found\r\nContent-Encoding: gzip\r\nContent-Type: text/plain\r\n\r\n".to_vec();
        block.extend(gz.finish().unwrap_or_default());
        let http = http_payload(&block).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((http.status, http.is_html(), &http.body[..]), (404, false, &b"<html>zipped</html>"[..]));
        assert!(http_payload(b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\nxx").is_err());
        assert!(http_payload(b"not http\r\n\r\nxx").is_err());
    }
}
