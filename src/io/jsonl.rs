//! JSON lines: one JSON object a line, read from any buffered reader with 1-based line numbers.
//! A line that is not UTF-8, not JSON or not an object is an [`InputError`] naming the file and
//! line; the caller decides whether to skip it (loaders) or stop (the generator). Blank lines
//! are skipped and a final `\r` is dropped. A line longer than the record cap
//! ([`super::record_cap`]) is an error of its own and is skipped without being held in memory.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::InputError;

/// A short name for a JSON value's type, for messages (`a string`, `an array`, ...).
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One object of a JSON-lines file with its 1-based line number.
pub type Object = (usize, Map<String, Value>);

/// What [`Reader::read_line`] found.
enum Line {
    /// The end of the input.
    End,
    /// A line, in the buffer.
    Read,
    /// A line over the record cap, skipped.
    TooLong,
}

/// Reads JSON objects one line at a time.
pub struct Reader<R> {
    path: PathBuf,
    input: R,
    line: usize,
    buf: Vec<u8>,
    done: bool,
    cap: usize,
}

impl<R: BufRead> Reader<R> {
    /// A reader over `input`; `path` names it in errors.
    pub fn new(path: &Path, input: R) -> Reader<R> {
        let cap = usize::try_from(super::record_cap()).unwrap_or(usize::MAX);
        Reader { path: path.to_path_buf(), input, line: 0, buf: Vec::new(), done: false, cap }
    }

    /// The same reader with a line cap of `cap` bytes instead of the record cap.
    pub fn with_cap(self, cap: usize) -> Reader<R> {
        Reader { cap, ..self }
    }

    /// The file this reader reads, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next object with its line number; `Some(Err)` for a bad line (reading may go on
    /// after it, except after a read error, which ends the stream); `None` at the end.
    pub fn next_object(&mut self) -> Option<Result<Object, InputError>> {
        Some(match self.next_line()? {
            Ok(_) => self.parse(),
            Err(e) => Err(e),
        })
    }

    /// Moves to the next non-blank line and returns its number; its bytes are then
    /// [`Reader::raw`], and [`Reader::parse`] parses them. `Some(Err)` for a line over the cap
    /// or a read error (which ends the stream); `None` at the end.
    pub fn next_line(&mut self) -> Option<Result<usize, InputError>> {
        while !self.done {
            self.buf.clear();
            match self.read_line() {
                Ok(Line::End) => self.done = true,
                Ok(Line::Read) => {
                    self.line += 1;
                    if !self.is_blank() {
                        return Some(Ok(self.line));
                    }
                }
                Ok(Line::TooLong) => {
                    self.line += 1;
                    let msg = format!("a line of more than {} bytes: {}", self.cap, super::over_cap());
                    return Some(Err(InputError::line(&self.path, self.line, msg)));
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(InputError::line(&self.path, self.line + 1, format!("cannot read: {e}"))));
                }
            }
        }
        None
    }

    /// The number of the last line moved to (0 before the first).
    pub fn line(&self) -> usize {
        self.line
    }

    /// Moves past the next line, blank or not, without holding it (for a caller that does not
    /// want line [`Reader::line`] + 1). `Some(Err)` for a read error, which ends the stream;
    /// `None` at the end.
    pub fn skip_line(&mut self) -> Option<Result<(), InputError>> {
        let mut seen = false;
        while !self.done {
            let chunk = match self.input.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    return Some(Err(InputError::line(&self.path, self.line + 1, format!("cannot read: {e}"))));
                }
            };
            if chunk.is_empty() {
                self.done = true;
                break;
            }
            seen = true;
            let (take, ends) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            self.input.consume(take);
            if ends {
                break;
            }
        }
        seen.then(|| {
            self.line += 1;
            Ok(())
        })
    }

    /// The current line's bytes, without its line end (and, on the first line, a byte-order
    /// mark, which is not part of the first record).
    pub fn raw(&self) -> &[u8] {
        let raw = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if self.line == 1 { raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw) } else { raw }
    }

    /// Whether the current line holds only white space (Unicode's, as `str::trim` has it).
    fn is_blank(&self) -> bool {
        let raw = self.raw();
        match raw.iter().find(|b| !b.is_ascii_whitespace()) {
            None => true,
            Some(&b) if b >= 0x80 => std::str::from_utf8(raw).is_ok_and(|s| s.trim().is_empty()),
            Some(_) => false,
        }
    }

    /// The current line as a JSON object, or the error naming what is wrong with it.
    pub fn parse(&self) -> Result<Object, InputError> {
        let err = |msg: String| Err(InputError::line(&self.path, self.line, msg));
        let line = match std::str::from_utf8(self.raw()) {
            Ok(line) => line,
            Err(e) => return err(format!("invalid UTF-8 at byte {} of the line", e.valid_up_to() + 1)),
        };
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(map)) => Ok((self.line, map)),
            Ok(other) => err(format!("expected a JSON object, found {}", type_name(&other))),
            Err(e) => {
                let text = e.to_string();
                let text = text.split(" at line ").next().unwrap_or(&text);
                err(format!("malformed JSON at column {}: {text}", e.column()))
            }
        }
    }

    /// Reads the next line into `buf`, holding at most the record cap of it.
    fn read_line(&mut self) -> std::io::Result<Line> {
        let cap = self.cap;
        let mut seen = false;
        let mut too_long = false;
        loop {
            let chunk = match self.input.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                break;
            }
            seen = true;
            let (take, ends) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if !too_long {
                if self.buf.len() + take > cap.saturating_add(1) {
                    too_long = true;
                    self.buf = Vec::new();
                } else {
                    self.buf.extend_from_slice(&chunk[..take]);
                }
            }
            self.input.consume(take);
            if ends {
                break;
            }
        }
        Ok(match (seen, too_long) {
            (false, _) => Line::End,
            (true, true) => Line::TooLong,
            (true, false) => Line::Read,
        })
    }
}

/// Every object of `input`, with its line number; bad lines are added to `errors` and skipped.
pub fn objects(path: &Path, input: impl BufRead, errors: &mut Vec<InputError>) -> Vec<Object> {
    let mut reader = Reader::new(path, input);
    let mut out = Vec::new();
    while let Some(item) = reader.next_object() {
        match item {
            Ok(obj) => out.push(obj),
            Err(e) => errors.push(e),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_does_not_cost_the_first_record() {
        let mut errors = Vec::new();
        let got = objects(Path::new("x.jsonl"), b"\xEF\xBB\xBF{\"a\": 1}\n{\"b\": 2}\n".as_slice(), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn a_line_over_the_cap_is_an_error_of_its_own_and_the_next_line_is_read() {
        let long = format!("{{\"a\": \"{}\"}}", "x".repeat(5000));
        let input = format!("{{\"a\": 1}}\n{long}\n{{\"b\": 2}}\n{long}");
        // A small buffer: the long line arrives in many chunks.
        let reader = std::io::BufReader::with_capacity(64, input.as_bytes());
        let mut r = Reader::new(Path::new("x.jsonl"), reader).with_cap(100);
        let mut lines = Vec::new();
        let mut errors = Vec::new();
        while let Some(item) = r.next_object() {
            match item {
                Ok((line, _)) => lines.push(line),
                Err(e) => errors.push(e),
            }
        }
        assert_eq!(lines, vec![1, 3]);
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![Some(2), Some(4)]);
        assert!(errors[0].message.contains("more than 100 bytes"), "{}", errors[0]);
        assert!(r.buf.capacity() <= 200, "the long line was held: {} bytes", r.buf.capacity());
    }

    #[test]
    fn a_line_at_the_cap_is_read() {
        let line = "{\"a\": \"xyz\"}";
        let input = format!("{line}\n{line}");
        let mut r = Reader::new(Path::new("x.jsonl"), input.as_bytes()).with_cap(line.len());
        assert!(matches!(r.next_object(), Some(Ok((1, _)))));
        assert!(matches!(r.next_object(), Some(Ok((2, _)))));
        assert!(r.next_object().is_none());
    }

    #[test]
    fn bad_lines_are_reported_with_their_numbers_and_reading_goes_on() {
        let input = b"{\"a\": 1}\r\n\n[1]\n{oops\n\xff\n{\"b\": 2}".as_slice();
        let mut errors = Vec::new();
        let got = objects(Path::new("x.jsonl"), input, &mut errors);
        assert_eq!(got.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![1, 6]);
        let msgs: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![Some(3), Some(4), Some(5)]);
        assert!(msgs[0].contains("found an array"), "{msgs:?}");
        assert!(msgs[1].contains("malformed JSON"), "{msgs:?}");
        assert!(msgs[2].contains("invalid UTF-8"), "{msgs:?}");
    }

    #[test]
    fn skipped_lines_are_counted_and_the_next_line_is_read_whole() {
        let input =
            "{\"a\": 1}\n\n{\"long\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\r\n{\"b\": 2}\n{\"c\": 3}";
        let reader = std::io::BufReader::with_capacity(8, input.as_bytes());
        let mut r = Reader::new(Path::new("x.jsonl"), reader);
        assert!(matches!(r.skip_line(), Some(Ok(()))));
        assert!(matches!(r.skip_line(), Some(Ok(()))));
        assert!(matches!(r.skip_line(), Some(Ok(()))));
        assert_eq!(r.line(), 3);
        assert!(matches!(r.next_object(), Some(Ok((4, m))) if m.contains_key("b")));
        assert!(matches!(r.skip_line(), Some(Ok(()))));
        assert_eq!(r.line(), 5);
        assert!(r.skip_line().is_none());
        assert!(r.next_object().is_none());
    }
}
