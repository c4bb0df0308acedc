//! Reading the generator's input text as a stream of documents: JSONL files (one object a line,
//! text in a configurable field) and folders of `.txt` files (sorted by name), each optionally
//! gzip-compressed (`.gz`).
//!
//! One document is held at a time, so inputs of any size stream through. This module does not
//! split text into lines or filter it; see [`super::fresh`]. Bad input stops generation with an
//! error naming the file, line and field: skipping a record silently would change the output.

use std::collections::VecDeque;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, InputError};
use crate::io::jsonl;

/// One input document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDoc {
    /// Its id: the JSONL id field, or `<file>:<line>` when absent; a text file's name.
    pub id: String,
    /// Its text.
    pub text: String,
}

/// How an input file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Jsonl,
    Txt,
}

/// Field names of JSONL inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    /// Field holding the text (`text` by default).
    pub text: String,
    /// Field holding the id (`id` by default); optional in each record.
    pub id: String,
}

impl Default for Fields {
    fn default() -> Self {
        Fields { text: "text".into(), id: "id".into() }
    }
}

type Open = jsonl::Reader<Box<dyn BufRead>>;

/// A stream of input documents over a list of files, in order.
pub struct SourceReader {
    files: VecDeque<(PathBuf, Kind)>,
    current: Option<Open>,
    fields: Fields,
}

/// The kind of a file, from its name (a trailing `.gz` is looked through).
fn kind_of(path: &Path) -> Option<Kind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        Some(Kind::Jsonl)
    } else if name.ends_with(".txt") {
        Some(Kind::Txt)
    } else {
        None
    }
}

/// Expands one input path: a file as it is; a folder to its `.txt` files sorted by name, or, if
/// it has none, to its `docs.jsonl` (a dataset folder of the project's format).
fn expand(path: &Path, out: &mut VecDeque<(PathBuf, Kind)>) -> Result<(), Error> {
    if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
        let mut txt = Vec::new();
        for entry in entries {
            let p = entry.map_err(|e| Error::io(path, e))?.path();
            if p.is_file() && kind_of(&p) == Some(Kind::Txt) {
                txt.push(p);
            }
        }
        txt.sort();
        if txt.is_empty() {
            for name in ["docs.jsonl", "docs.jsonl.gz"] {
                if path.join(name).is_file() {
                    out.push_back((path.join(name), Kind::Jsonl));
                    return Ok(());
                }
            }
            return Err(InputError::file(path, "folder has no .txt files and no docs.jsonl").into());
        }
        out.extend(txt.into_iter().map(|p| (p, Kind::Txt)));
        return Ok(());
    }
    if !path.is_file() {
        return Err(InputError::file(path, "input not found").into());
    }
    match kind_of(path) {
        Some(kind) => {
            out.push_back((path.to_path_buf(), kind));
            Ok(())
        }
        None => {
            Err(InputError::file(path, "unknown input type (expected .jsonl, .txt or a folder, optionally .gz)").into())
        }
    }
}

/// A text file's document id: its name without `.gz` and `.txt`.
fn txt_id(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.strip_suffix(".txt").unwrap_or(name).to_string()
}

impl SourceReader {
    /// A reader over `inputs` (files or folders, in the order given).
    pub fn new(inputs: &[PathBuf], fields: Fields) -> Result<SourceReader, Error> {
        if inputs.is_empty() {
            return Err(Error::Usage("no input given".into()));
        }
        let mut files = VecDeque::new();
        for p in inputs {
            expand(p, &mut files)?;
        }
        Ok(SourceReader { files, current: None, fields })
    }

    /// The next document, or `None` when every input is read.
    pub fn next_doc(&mut self) -> Result<Option<SourceDoc>, Error> {
        loop {
            if let Some(open) = self.current.as_mut() {
                if let Some(doc) = next_jsonl(open, &self.fields)? {
                    return Ok(Some(doc));
                }
                self.current = None;
            }
            let Some((path, kind)) = self.files.pop_front() else { return Ok(None) };
            let reader = crate::io::open(&path)?;
            match kind {
                Kind::Jsonl => self.current = Some(jsonl::Reader::new(&path, reader)),
                Kind::Txt => return read_txt(&path, reader).map(Some),
            }
        }
    }
}

fn read_txt(path: &Path, mut reader: Box<dyn BufRead>) -> Result<SourceDoc, Error> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes).to_vec();
    let text = String::from_utf8(bytes)
        .map_err(|e| InputError::file(path, format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to())))?;
    Ok(SourceDoc { id: txt_id(path), text })
}

fn next_jsonl(open: &mut Open, fields: &Fields) -> Result<Option<SourceDoc>, Error> {
    let Some(item) = open.next_object() else { return Ok(None) };
    let (line, mut map) = item?;
    let path = open.path().to_path_buf();
    let text = match map.remove(&fields.text) {
        Some(Value::String(s)) => s,
        Some(_) => return Err(InputError::field(&path, line, &fields.text, "expected a string").into()),
        None => return Err(InputError::field(&path, line, &fields.text, "missing text field").into()),
    };
    let id = match map.get(&fields.id) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        None | Some(Value::Null) => format!("{}:{line}", path.display()),
        Some(_) => return Err(InputError::field(&path, line, &fields.id, "expected a string or number").into()),
    };
    Ok(Some(SourceDoc { id, text }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_all(inputs: &[PathBuf]) -> Result<Vec<SourceDoc>, Error> {
        let mut r = SourceReader::new(inputs, Fields::default())?;
        let mut out = Vec::new();
        while let Some(d) = r.next_doc()? {
            out.push(d);
        }
        Ok(out)
    }

    #[test]
    fn txt_folder_is_read_in_name_order_and_gzip_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.txt"), "second").unwrap();
        let gz = std::fs::File::create(dir.path().join("a.txt.gz")).unwrap();
        let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::default());
        enc.write_all("first é".as_bytes()).unwrap();
        enc.finish().unwrap();
        std::fs::write(dir.path().join("ignored.md"), "x").unwrap();
        let docs = read_all(&[dir.path().to_path_buf()]).unwrap();
        let got: Vec<_> = docs.iter().map(|d| (d.id.as_str(), d.text.as_str())).collect();
        assert_eq!(got, vec![("a", "first é"), ("b", "second")]);
    }

    #[test]
    fn jsonl_uses_the_configured_text_field_and_falls_back_to_line_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.jsonl");
        std::fs::write(&path, "{\"id\": \"x\", \"body\": \"one\"}\n\n{\"body\": \"two\"}\n").unwrap();
        let mut r =
            SourceReader::new(std::slice::from_ref(&path), Fields { text: "body".into(), id: "id".into() }).unwrap();
        assert_eq!(r.next_doc().unwrap().unwrap().id, "x");
        assert_eq!(r.next_doc().unwrap().unwrap().id, format!("{}:3", path.display()));
        assert!(r.next_doc().unwrap().is_none());
    }

    #[test]
    fn bad_jsonl_names_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.jsonl");
        std::fs::write(&path, "{\"text\": \"ok\"}\n{\"text\": 5}\n").unwrap();
        let err = read_all(&[path]).unwrap_err().to_string();
        assert!(err.contains("in.jsonl:2") && err.contains("`text`"), "{err}");
    }
}
