//! Dedup documents from Parquet files, as Hugging Face datasets shard them: pyarrow-written,
//! snappy or zstd, many row groups, `string` or `large_string` columns.
//!
//! [`read`] decodes one row group at a time and only the columns it needs, and lends each row to
//! a callback, so memory holds one record batch rather than the file. A bad row is an
//! [`InputError`] naming its row and field and is left out; an unreadable file is an
//! [`InputError`] naming the file (and the row group) and ends the read. The decoder runs under
//! `catch_unwind`, so no input makes the reader panic.

use std::fmt::Write as _;
use std::fs::File;
use std::path::Path;

use ::parquet::arrow::ProjectionMask;
use ::parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use ::parquet::file::metadata::ParquetMetaDataReader;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type};
use arrow_array::{
    Array, ArrowPrimitiveType, BinaryArray, BinaryViewArray, LargeBinaryArray, LargeStringArray, RecordBatch,
    StringArray, StringViewArray, new_empty_array,
};

use crate::error::{InputError, isolate};

/// Rows per decoded record batch: large enough that per-batch costs vanish, small enough that a
/// batch of long documents stays a few megabytes.
const BATCH_ROWS: usize = 1024;

/// Which columns hold a document's fields; `id` and `url` are optional.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Columns {
    /// The id column (strings or integers); `None` reads no id.
    pub id: Option<String>,
    /// The text column (strings, or binary holding UTF-8).
    pub text: String,
    /// The URL column (strings); a null URL is read as `None`.
    pub url: Option<String>,
}

impl Default for Columns {
    /// `id` and `text`, no URL: the layout of most Hugging Face text datasets.
    fn default() -> Self {
        Columns { id: Some("id".to_string()), text: "text".to_string(), url: None }
    }
}

/// One row as the reader hands it over: borrowed, valid until the callback returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    /// 1-based row number in the file, counted across row groups.
    pub row: u64,
    /// The id, when [`Columns::id`] names a column; integer ids come as decimal strings.
    pub id: Option<&'a str>,
    /// The document text.
    pub text: &'a str,
    /// The URL, when [`Columns::url`] names a column and the row has one.
    pub url: Option<&'a str>,
}

/// Reads `path` one row group at a time, calling `each` for every good row in file order.
///
/// A row with a null text or id, or bytes that are not UTF-8, is an error naming its row and
/// field, and is skipped. A missing or wrongly typed column, or a truncated or corrupt file, is an
/// error naming the file (and the row group when known), and stops the read.
pub fn read(path: &Path, cols: &Columns, each: &mut dyn FnMut(Row<'_>), errors: &mut Vec<InputError>) {
    if let Err(e) = read_file(path, cols, each, errors) {
        errors.push(e);
    }
}

/// The number of rows, from the footer alone.
pub fn row_count(path: &Path) -> Result<u64, InputError> {
    let file = open(path)?;
    let meta = isolate(|| ParquetMetaDataReader::new().parse_and_finish(&file).map_err(|e| e.to_string()))
        .map_err(|e| unreadable(path, &e))?;
    let rows = meta.file_metadata().num_rows();
    u64::try_from(rows).map_err(|_| InputError::file(path, format!("the footer gives a negative row count ({rows})")))
}

/// The names of the top-level columns, from the footer alone.
pub fn column_names(path: &Path) -> Result<Vec<String>, InputError> {
    let file = open(path)?;
    let meta = isolate(|| ParquetMetaDataReader::new().parse_and_finish(&file).map_err(|e| e.to_string()))
        .map_err(|e| unreadable(path, &e))?;
    let root = meta.file_metadata().schema_descr().root_schema();
    Ok(root.get_fields().iter().map(|f| f.name().to_string()).collect())
}

fn open(path: &Path) -> Result<File, InputError> {
    File::open(path).map_err(|e| InputError::file(path, format!("cannot open: {e}")))
}

fn unreadable(path: &Path, e: &str) -> InputError {
    InputError::file(path, format!("not a readable Parquet file (truncated or corrupt?): {e}"))
}

fn read_file(
    path: &Path,
    cols: &Columns,
    each: &mut dyn FnMut(Row<'_>),
    errors: &mut Vec<InputError>,
) -> Result<(), InputError> {
    let file = open(path)?;
    let meta = isolate(|| ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| e.to_string()))
        .map_err(|e| unreadable(path, &e))?;

    let mut roots = vec![root(path, &meta, &cols.text, false)?];
    if let Some(id) = &cols.id {
        roots.push(root(path, &meta, id, true)?);
    }
    if let Some(url) = &cols.url {
        roots.push(root(path, &meta, url, false)?);
    }
    let mask = ProjectionMask::roots(meta.parquet_schema(), roots);

    let groups = meta.metadata().num_row_groups();
    let mut first = 0u64;
    for g in 0..groups {
        let declared = meta.metadata().row_group(g).num_rows();
        let in_group = |msg: &str| {
            let msg = format!("row group {} of {groups} (from row {}): {msg}", g + 1, first + 1);
            InputError::file(path, msg)
        };
        let rows = u64::try_from(declared).map_err(|_| in_group(&format!("negative row count ({declared})")))?;
        let mut reader = isolate(|| {
            let input = file.try_clone().map_err(|e| e.to_string())?;
            ParquetRecordBatchReaderBuilder::new_with_metadata(input, meta.clone())
                .with_projection(mask.clone())
                .with_row_groups(vec![g])
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| e.to_string())
        })
        .map_err(|e| in_group(&e))?;
        let mut decoded = 0u64;
        loop {
            let batch = match isolate(|| reader.next().transpose().map_err(|e| e.to_string())) {
                Ok(Some(batch)) => batch,
                Ok(None) => break,
                Err(e) => return Err(in_group(&e)),
            };
            lend(path, cols, &batch, first + decoded, each, errors)?;
            decoded += batch.num_rows() as u64;
        }
        if decoded != rows {
            return Err(in_group(&format!("{decoded} rows decoded where the footer declares {rows}")));
        }
        first += rows;
    }
    Ok(())
}

/// The index of the top-level column `name`, checked to be of a type the reader takes.
fn root(path: &Path, meta: &ArrowReaderMetadata, name: &str, ints: bool) -> Result<usize, InputError> {
    let column_error = |msg: String| InputError { field: Some(name.to_string()), ..InputError::file(path, msg) };
    let fields = meta.schema().fields();
    let Some(index) = fields.iter().position(|f| f.name() == name) else {
        let mut have: Vec<&str> = fields.iter().take(20).map(|f| f.name().as_str()).collect();
        if fields.len() > have.len() {
            have.push("…");
        }
        return Err(column_error(format!("no column `{name}` (the file has: {})", have.join(", "))));
    };
    if index >= meta.parquet_schema().root_schema().get_fields().len() {
        return Err(column_error(format!("column `{name}` is not in the Parquet schema")));
    }
    let probe = new_empty_array(fields[index].data_type());
    Strs::of(probe.as_ref(), ints).ok_or_else(|| column_error(wrong_type(name, probe.as_ref(), ints)))?;
    Ok(index)
}

fn wrong_type(name: &str, array: &dyn Array, ints: bool) -> String {
    let expected = if ints { "strings, binary or integers" } else { "strings or binary" };
    format!("column `{name}` has type {}; expected {expected}", array.data_type())
}

/// Hands every row of `batch` to `each`; `before` is the number of rows before it in the file.
fn lend(
    path: &Path,
    cols: &Columns,
    batch: &RecordBatch,
    before: u64,
    each: &mut dyn FnMut(Row<'_>),
    errors: &mut Vec<InputError>,
) -> Result<(), InputError> {
    let column = |name: &str, ints: bool| {
        let column_error = |msg: String| InputError { field: Some(name.to_string()), ..InputError::file(path, msg) };
        let array = batch.column_by_name(name).ok_or_else(|| column_error(format!("no column `{name}` in a batch")))?;
        Strs::of(array.as_ref(), ints).ok_or_else(|| column_error(wrong_type(name, array.as_ref(), ints)))
    };
    let text_col = column(&cols.text, false)?;
    let id_col = cols.id.as_deref().map(|name| column(name, true).map(|c| (name, c))).transpose()?;
    let url_col = cols.url.as_deref().map(|name| column(name, false).map(|c| (name, c))).transpose()?;
    let (mut text_buf, mut id_buf, mut url_buf) = (String::new(), String::new(), String::new());
    for i in 0..batch.num_rows() {
        let row = before + i as u64 + 1;
        let text = text_col.get(i, &mut text_buf).required();
        let id = id_col.as_ref().map_or(Ok(None), |(_, c)| c.get(i, &mut id_buf).required().map(Some));
        let url = url_col.as_ref().map_or(Ok(None), |(_, c)| c.get(i, &mut url_buf).optional());
        match (text, id, url) {
            (Ok(text), Ok(id), Ok(url)) => each(Row { row, id, text, url }),
            (text, id, url) => {
                let line = usize::try_from(row).unwrap_or(usize::MAX);
                let problems = [
                    (cols.text.as_str(), text.err()),
                    (id_col.as_ref().map_or("", |(name, _)| *name), id.err()),
                    (url_col.as_ref().map_or("", |(name, _)| *name), url.err()),
                ];
                for (field, problem) in problems {
                    if let Some(problem) = problem {
                        errors.push(InputError::field(
                            path,
                            line,
                            field,
                            format!("row {row}: {problem}; row left out"),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// One column of a record batch, of any type the reader takes, read by row.
enum Strs<'a> {
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
    Binary(&'a BinaryArray),
    LargeBinary(&'a LargeBinaryArray),
    BinaryView(&'a BinaryViewArray),
    /// Integers of any width (ids only), formatted as decimal.
    Int {
        array: &'a dyn Array,
        at: IntAt,
    },
    /// Dictionary-encoded values (a pandas categorical written by pyarrow).
    Dict {
        keys: &'a dyn Array,
        key_at: IntAt,
        values: Box<Strs<'a>>,
        len: usize,
    },
}

/// Reads the integer at a row of an array already known to be of one integer type.
type IntAt = fn(&dyn Array, usize) -> i128;

/// What one cell holds.
enum Cell<'s> {
    Null,
    Str(&'s str),
    Bad(String),
}

impl<'s> Cell<'s> {
    fn required(self) -> Result<&'s str, String> {
        self.optional()?.ok_or_else(|| "null value".to_string())
    }

    fn optional(self) -> Result<Option<&'s str>, String> {
        match self {
            Cell::Null => Ok(None),
            Cell::Str(s) => Ok(Some(s)),
            Cell::Bad(msg) => Err(msg),
        }
    }
}

impl<'a> Strs<'a> {
    /// The column as the reader takes it, or `None` for a type it does not (integers only when
    /// `ints`).
    fn of(array: &'a dyn Array, ints: bool) -> Option<Self> {
        if let Some(a) = array.as_string_opt::<i32>() {
            Some(Strs::Utf8(a))
        } else if let Some(a) = array.as_string_opt::<i64>() {
            Some(Strs::LargeUtf8(a))
        } else if let Some(a) = array.as_string_view_opt() {
            Some(Strs::Utf8View(a))
        } else if let Some(a) = array.as_binary_opt::<i32>() {
            Some(Strs::Binary(a))
        } else if let Some(a) = array.as_binary_opt::<i64>() {
            Some(Strs::LargeBinary(a))
        } else if let Some(a) = array.as_binary_view_opt() {
            Some(Strs::BinaryView(a))
        } else if let Some(d) = array.as_any_dictionary_opt() {
            let values = Strs::of(d.values().as_ref(), ints)?;
            Some(Strs::Dict {
                keys: d.keys(),
                key_at: int_at(d.keys())?,
                values: Box::new(values),
                len: d.values().len(),
            })
        } else if ints {
            Some(Strs::Int { array, at: int_at(array)? })
        } else {
            None
        }
    }

    /// The cell at row `i`; `buf` holds the text of a formatted integer.
    fn get<'s>(&'s self, i: usize, buf: &'s mut String) -> Cell<'s> {
        fn bytes(b: &[u8]) -> Cell<'_> {
            match std::str::from_utf8(b) {
                Ok(s) => Cell::Str(s),
                Err(e) => Cell::Bad(format!("not valid UTF-8 (at byte {})", e.valid_up_to())),
            }
        }
        let null = match self {
            Strs::Int { array, .. } => array.is_null(i),
            Strs::Dict { keys, .. } => keys.is_null(i),
            Strs::Utf8(a) => a.is_null(i),
            Strs::LargeUtf8(a) => a.is_null(i),
            Strs::Utf8View(a) => a.is_null(i),
            Strs::Binary(a) => a.is_null(i),
            Strs::LargeBinary(a) => a.is_null(i),
            Strs::BinaryView(a) => a.is_null(i),
        };
        if null {
            return Cell::Null;
        }
        match self {
            Strs::Utf8(a) => Cell::Str(a.value(i)),
            Strs::LargeUtf8(a) => Cell::Str(a.value(i)),
            Strs::Utf8View(a) => Cell::Str(a.value(i)),
            Strs::Binary(a) => bytes(a.value(i)),
            Strs::LargeBinary(a) => bytes(a.value(i)),
            Strs::BinaryView(a) => bytes(a.value(i)),
            Strs::Int { array, at } => {
                buf.clear();
                let _ = write!(buf, "{}", at(*array, i));
                Cell::Str(buf)
            }
            Strs::Dict { keys, key_at, values, len } => match usize::try_from(key_at(*keys, i)) {
                Ok(k) if k < *len => values.get(k, buf),
                _ => Cell::Bad("dictionary key out of range".to_string()),
            },
        }
    }
}

/// The reader of `array`'s integers, or `None` when it does not hold integers.
fn int_at(array: &dyn Array) -> Option<IntAt> {
    fn at<T: ArrowPrimitiveType>(array: &dyn Array, i: usize) -> i128
    where
        T::Native: Into<i128>,
    {
        array.as_primitive_opt::<T>().map_or(0, |a| a.value(i).into())
    }
    fn of<T: ArrowPrimitiveType>(array: &dyn Array) -> Option<IntAt>
    where
        T::Native: Into<i128>,
    {
        array.as_primitive_opt::<T>().map(|_| at::<T> as IntAt)
    }
    of::<Int64Type>(array)
        .or_else(|| of::<Int32Type>(array))
        .or_else(|| of::<Int16Type>(array))
        .or_else(|| of::<Int8Type>(array))
        .or_else(|| of::<UInt64Type>(array))
        .or_else(|| of::<UInt32Type>(array))
        .or_else(|| of::<UInt16Type>(array))
        .or_else(|| of::<UInt8Type>(array))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ::parquet::arrow::ArrowWriter;
    use ::parquet::basic::{Compression, GzipLevel, ZstdLevel};
    use ::parquet::file::properties::WriterProperties;
    use arrow_array::{ArrayRef, DictionaryArray, Int64Array, UInt64Array};

    use super::*;

    /// A row as owned values, for comparing.
    type Owned = (u64, Option<String>, String, Option<String>);

    fn props(compression: Compression, group_rows: usize) -> WriterProperties {
        WriterProperties::builder().set_compression(compression).set_max_row_group_row_count(Some(group_rows)).build()
    }

    fn write(path: &Path, columns: Vec<(&str, ArrayRef)>, props: WriterProperties) {
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let mut writer = ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    }

    /// `n` documents `d0..`, texts `text 0 ...`, with ids and texts as `string` columns.
    fn docs(n: usize) -> Vec<(&'static str, ArrayRef)> {
        let ids: Vec<String> = (0..n).map(|i| format!("d{i}")).collect();
        let texts: Vec<String> = (0..n).map(|i| format!("text {i} {}", "word ".repeat(i % 7))).collect();
        vec![("id", Arc::new(StringArray::from(ids))), ("text", Arc::new(StringArray::from(texts)))]
    }

    fn collect(path: &Path, cols: &Columns) -> (Vec<Owned>, Vec<InputError>) {
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        read(
            path,
            cols,
            &mut |r| rows.push((r.row, r.id.map(String::from), r.text.to_string(), r.url.map(String::from))),
            &mut errors,
        );
        (rows, errors)
    }

    fn expected_docs(n: usize) -> Vec<Owned> {
        (0..n)
            .map(|i| (i as u64 + 1, Some(format!("d{i}")), format!("text {i} {}", "word ".repeat(i % 7)), None))
            .collect()
    }

    fn row_groups(path: &Path) -> usize {
        ParquetMetaDataReader::new().parse_and_finish(&File::open(path).unwrap()).unwrap().num_row_groups()
    }

    #[test]
    fn plain_rows_round_trip_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain.parquet");
        write(&path, docs(5), props(Compression::UNCOMPRESSED, 1000));
        let (rows, errors) = collect(&path, &Columns::default());
        assert_eq!(errors, []);
        assert_eq!(rows, expected_docs(5));
    }

    #[test]
    fn several_row_groups_keep_order_and_row_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("groups.parquet");
        write(&path, docs(2500), props(Compression::SNAPPY, 300));
        assert_eq!(row_groups(&path), 9);
        let (rows, errors) = collect(&path, &Columns::default());
        assert_eq!(errors, []);
        assert_eq!(rows, expected_docs(2500));
        assert_eq!(row_count(&path), Ok(2500));
    }

    #[test]
    fn every_codec_reads() {
        let dir = tempfile::tempdir().unwrap();
        let codecs = [
            ("snappy", Compression::SNAPPY),
            ("zstd", Compression::ZSTD(ZstdLevel::default())),
            ("gzip", Compression::GZIP(GzipLevel::default())),
            ("lz4", Compression::LZ4_RAW),
        ];
        for (name, codec) in codecs {
            let path = dir.path().join(format!("{name}.parquet"));
            write(&path, docs(700), props(codec, 256));
            let (rows, errors) = collect(&path, &Columns::default());
            assert_eq!(errors, [], "{name}");
            assert_eq!(rows, expected_docs(700), "{name}");
        }
    }

    #[test]
    fn integer_ids_read_as_decimal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ints.parquet");
        let ids: ArrayRef = Arc::new(Int64Array::from(vec![7, -3, 1 << 40]));
        write(&path, vec![("id", ids), docs(3).remove(1)], props(Compression::SNAPPY, 1000));
        let (rows, errors) = collect(&path, &Columns::default());
        assert_eq!(errors, []);
        let ids: Vec<_> = rows.iter().map(|r| r.1.as_deref().unwrap()).collect();
        assert_eq!(ids, ["7", "-3", "1099511627776"]);

        let path = dir.path().join("uints.parquet");
        let ids: ArrayRef = Arc::new(UInt64Array::from(vec![u64::MAX]));
        write(&path, vec![("id", ids), docs(1).remove(1)], props(Compression::SNAPPY, 1000));
        let (rows, errors) = collect(&path, &Columns::default());
        assert_eq!(errors, []);
        assert_eq!(rows[0].1.as_deref(), Some("18446744073709551615"));
    }

    #[test]
    fn named_text_and_url_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("content.parquet");
        let content: ArrayRef = Arc::new(LargeStringArray::from(vec!["alpha", "beta", "gamma"]));
        let url: ArrayRef =
            Arc::new(StringArray::from(vec![Some("https://a.example/"), None, Some("https://c.example/")]));
        let other: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 3]));
        write(&path, vec![("n", other), ("url", url), ("content", content)], props(Compression::SNAPPY, 2));
        let cols = Columns { id: None, text: "content".into(), url: Some("url".into()) };
        let (rows, errors) = collect(&path, &cols);
        assert_eq!(errors, []);
        let want: Vec<Owned> = vec![
            (1, None, "alpha".into(), Some("https://a.example/".into())),
            (2, None, "beta".into(), None),
            (3, None, "gamma".into(), Some("https://c.example/".into())),
        ];
        assert_eq!(rows, want);
    }

    #[test]
    fn view_and_dictionary_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("views.parquet");
        let text: ArrayRef = Arc::new(StringViewArray::from(vec!["a long enough text to live out of line", "b"]));
        let url: DictionaryArray<Int32Type> = vec![Some("https://x.example/"), None].into_iter().collect();
        write(&path, vec![("text", text), ("url", Arc::new(url))], props(Compression::ZSTD(ZstdLevel::default()), 10));
        let cols = Columns { id: None, url: Some("url".into()), ..Columns::default() };
        let (rows, errors) = collect(&path, &cols);
        assert_eq!(errors, []);
        let want: Vec<Owned> = vec![
            (1, None, "a long enough text to live out of line".into(), Some("https://x.example/".into())),
            (2, None, "b".into(), None),
        ];
        assert_eq!(rows, want);
    }

    #[test]
    fn null_text_and_null_id_rows_are_errors_and_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nulls.parquet");
        let ids: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), Some("b"), None, Some("d"), None]));
        let texts: ArrayRef = Arc::new(StringArray::from(vec![Some("A"), None, Some("C"), Some("D"), None]));
        write(&path, vec![("id", ids), ("text", texts)], props(Compression::SNAPPY, 2));
        let (rows, errors) = collect(&path, &Columns::default());
        let kept: Vec<_> = rows.iter().map(|r| (r.0, r.2.as_str())).collect();
        assert_eq!(kept, [(1, "A"), (4, "D")]);
        let got: Vec<_> = errors.iter().map(|e| (e.line, e.field.as_deref())).collect();
        assert_eq!(
            got,
            [(Some(2), Some("text")), (Some(3), Some("id")), (Some(5), Some("text")), (Some(5), Some("id"))]
        );
        assert!(errors[0].message.contains("row 2"), "{}", errors[0]);
        assert!(errors.iter().all(|e| e.path == path));
    }

    #[test]
    fn binary_text_is_read_and_invalid_utf8_is_a_row_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("binary.parquet");
        let texts: ArrayRef =
            Arc::new(BinaryArray::from(vec![&b"fine"[..], &[0x66, 0xff, 0x6f][..], &b"also fine"[..]]));
        write(&path, vec![("text", texts)], props(Compression::SNAPPY, 1000));
        let cols = Columns { id: None, ..Columns::default() };
        let (rows, errors) = collect(&path, &cols);
        let kept: Vec<_> = rows.iter().map(|r| (r.0, r.2.as_str())).collect();
        assert_eq!(kept, [(1, "fine"), (3, "also fine")]);
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].field.as_deref()), (Some(2), Some("text")));
        assert!(errors[0].message.contains("UTF-8"), "{}", errors[0]);
    }

    #[test]
    fn missing_text_column_is_one_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-text.parquet");
        let content: ArrayRef = Arc::new(StringArray::from(vec!["x"; 10]));
        write(&path, vec![docs(10).remove(0), ("content", content)], props(Compression::SNAPPY, 3));
        let (rows, errors) = collect(&path, &Columns::default());
        assert_eq!(rows, []);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].path.as_path(), errors[0].field.as_deref()), (path.as_path(), Some("text")));
        assert!(errors[0].message.contains("no column `text`"), "{}", errors[0]);
        assert!(errors[0].message.contains("content"), "{}", errors[0]);
    }

    #[test]
    fn wrongly_typed_columns_are_errors_naming_column_and_type() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("int-text.parquet");
        let texts: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
        write(&path, vec![docs(2).remove(0), ("text", texts)], props(Compression::SNAPPY, 1000));
        let (rows, errors) = collect(&path, &Columns::default());
        assert_eq!(rows, []);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field.as_deref(), Some("text"));
        assert!(errors[0].message.contains("`text` has type Int64"), "{}", errors[0]);

        let path = dir.path().join("float-id.parquet");
        let ids: ArrayRef = Arc::new(arrow_array::Float64Array::from(vec![1.5]));
        write(&path, vec![("id", ids), docs(1).remove(1)], props(Compression::SNAPPY, 1000));
        let (rows, errors) = collect(&path, &Columns::default());
        assert_eq!(rows, []);
        assert!(errors[0].message.contains("`id` has type Float64"), "{}", errors[0]);
    }

    #[test]
    fn truncated_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("whole.parquet");
        write(&whole, docs(3000), props(Compression::SNAPPY, 500));
        let bytes = std::fs::read(&whole).unwrap();
        for (name, len) in [("cut-100", bytes.len() - 100), ("half", bytes.len() / 2), ("empty", 0)] {
            let path = dir.path().join(format!("{name}.parquet"));
            std::fs::write(&path, &bytes[..len]).unwrap();
            let (rows, errors) = collect(&path, &Columns::default());
            assert_eq!(rows, [], "{name}");
            assert_eq!(errors.len(), 1, "{name}: {errors:?}");
            assert_eq!(errors[0].path, path, "{name}");
            assert!(errors[0].message.contains("not a readable Parquet file"), "{name}: {}", errors[0]);
            assert!(row_count(&path).is_err(), "{name}");
        }
    }

    #[test]
    fn garbage_and_missing_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = dir.path().join("garbage.parquet");
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let bytes: Vec<u8> = (0..5000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        std::fs::write(&garbage, &bytes).unwrap();
        let missing = dir.path().join("missing.parquet");
        for path in [garbage, missing] {
            let (rows, errors) = collect(&path, &Columns::default());
            assert_eq!(rows, []);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].path, path);
            assert!(row_count(&path).is_err());
        }
    }

    /// Every byte of a small file changed in turn: the reader returns, never panics, and reports
    /// what it cannot read (a damaged page is an error naming its row group).
    #[test]
    fn damaged_bytes_never_panic() {
        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("whole.parquet");
        write(&whole, docs(40), props(Compression::SNAPPY, 10));
        let bytes = std::fs::read(&whole).unwrap();
        let path = dir.path().join("damaged.parquet");
        let (mut failed, mut in_group) = (0, 0);
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x5a;
            std::fs::write(&path, &damaged).unwrap();
            let (rows, errors) = collect(&path, &Columns::default());
            assert!(rows.len() <= 40);
            failed += usize::from(!errors.is_empty());
            in_group += usize::from(errors.iter().any(|e| e.message.contains("row group")));
            let _ = row_count(&path);
        }
        assert!(failed > bytes.len() / 4, "{failed} of {} damaged files reported", bytes.len());
        assert!(in_group > 0);
    }

    /// Files written by pyarrow: as Hugging Face datasets writes them (`large_string` columns,
    /// default snappy compression, several row groups, a null URL), and with zstd, `string_view`
    /// text, a categorical (dictionary) URL and integer ids.
    #[test]
    #[ignore = "needs pyarrow: CORPUSBENCH_PYTHON=/path/to/python cargo test --lib corpus::parquet -- --ignored"]
    fn reads_pyarrow_files() {
        let python = std::env::var("CORPUSBENCH_PYTHON").unwrap_or_else(|_| "python3".to_string());
        let dir = tempfile::tempdir().unwrap();
        let (hf, other) = (dir.path().join("hf.parquet"), dir.path().join("other.parquet"));
        let script = r#"
import sys, pyarrow as pa, pyarrow.parquet as pq
n = 2500
texts = [f"text {i} " + "word " * (i % 7) for i in range(n)]
urls = [None if i % 3 else f"https://x.example/{i}" for i in range(n)]
pq.write_table(pa.table({
    "id": pa.array([f"d{i}" for i in range(n)], pa.large_string()),
    "text": pa.array(texts, pa.large_string()),
    "url": pa.array(urls, pa.large_string()),
}), sys.argv[1], row_group_size=1000)
pq.write_table(pa.table({
    "id": pa.array(range(n), pa.int64()),
    "text": pa.array(texts, pa.string_view()),
    "url": pa.array(urls, pa.string()).dictionary_encode(),
}), sys.argv[2], row_group_size=700, compression="zstd")
"#;
        let status = std::process::Command::new(&python).args(["-c", script]).arg(&hf).arg(&other).status();
        assert!(status.is_ok_and(|s| s.success()), "{python} could not write files with pyarrow");
        let cols = Columns { url: Some("url".into()), ..Columns::default() };
        let want = |ids: fn(u64) -> String| -> Vec<Owned> {
            expected_docs(2500)
                .into_iter()
                .map(|(row, _, text, _)| {
                    let i = row - 1;
                    (row, Some(ids(i)), text, (i % 3 == 0).then(|| format!("https://x.example/{i}")))
                })
                .collect()
        };
        for (path, groups, want) in [(&hf, 3, want(|i| format!("d{i}"))), (&other, 4, want(|i| i.to_string()))] {
            assert_eq!(row_groups(path), groups);
            let (rows, errors) = collect(path, &cols);
            assert_eq!(errors, []);
            assert_eq!(rows, want);
            assert_eq!(row_count(path), Ok(2500));
        }
    }

    /// CPU time of this thread, in seconds.
    #[cfg(unix)]
    fn thread_cpu_seconds() -> f64 {
        let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `t` is a valid timespec for the call to fill in.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
        assert_eq!(rc, 0);
        t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
    }

    /// Throughput of [`read`] in MB of text per CPU-second, on 100k rows of ~2 KB text (snappy,
    /// row groups of 10k rows); prints the median of 3 reads.
    #[cfg(unix)]
    #[test]
    #[ignore = "speed measurement: run with --release --ignored --nocapture"]
    fn speed() {
        const ROWS: usize = 100_000;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("speed.parquet");
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let syllables = ["ka", "lo", "mi", "ne", "tu", "ra", "si", "po", "de", "ver", "an", "sto", "qui", "el", "bo"];
        let words: Vec<String> =
            (0..5000).map(|_| (0..1 + next() % 4).map(|_| syllables[(next() % 15) as usize]).collect()).collect();
        let file = File::create(&path).unwrap();
        let props = props(Compression::SNAPPY, 10_000);
        let mut writer = None;
        let mut text_bytes = 0u64;
        for chunk in 0..ROWS / 10_000 {
            let ids: Vec<String> = (0..10_000).map(|i| format!("doc-{}", chunk * 10_000 + i)).collect();
            let texts: Vec<String> = (0..10_000)
                .map(|_| {
                    let len = 1500 + (next() % 1000) as usize;
                    let mut t = String::with_capacity(len + 16);
                    while t.len() < len {
                        t.push_str(&words[(next() % 5000) as usize]);
                        t.push(if next() % 12 == 0 { '.' } else { ' ' });
                    }
                    t
                })
                .collect();
            text_bytes += texts.iter().map(|t| t.len() as u64).sum::<u64>();
            let columns: Vec<(&str, ArrayRef)> =
                vec![("id", Arc::new(StringArray::from(ids))), ("text", Arc::new(LargeStringArray::from(texts)))];
            let batch = RecordBatch::try_from_iter(columns).unwrap();
            let writer = writer.get_or_insert_with(|| {
                ArrowWriter::try_new(file.try_clone().unwrap(), batch.schema(), Some(props.clone())).unwrap()
            });
            writer.write(&batch).unwrap();
        }
        writer.unwrap().close().unwrap();
        let file_mb = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;
        let mut rates = Vec::new();
        for _ in 0..3 {
            let (mut rows, mut bytes, mut errors) = (0u64, 0u64, Vec::new());
            let start = thread_cpu_seconds();
            read(
                &path,
                &Columns::default(),
                &mut |r| {
                    rows += 1;
                    bytes += r.text.len() as u64 + r.id.map_or(0, |id| id.len() as u64);
                },
                &mut errors,
            );
            let cpu = thread_cpu_seconds() - start;
            assert_eq!((rows, errors.len()), (ROWS as u64, 0));
            assert!(bytes > text_bytes);
            rates.push(text_bytes as f64 / 1e6 / cpu);
            println!("read {:.0} MB of text ({file_mb:.0} MB file) in {cpu:.3} CPU-s", text_bytes as f64 / 1e6);
        }
        rates.sort_by(f64::total_cmp);
        println!("median: {:.0} MB/s of text per CPU-second", rates[1]);
    }
}
