//! The stage pipeline's tables as Arrow IPC files: columns of unsigned integers, written whole
//! to a temporary name and renamed (`io::write_atomic`), so a reader sees an old file or a
//! complete new one and a retried task overwrites its own output with the same bytes.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch, UInt16Array, UInt64Array};
use arrow_ipc::reader::FileReader;
use arrow_ipc::writer::FileWriter;
use arrow_schema::{DataType, Field, Schema};

use crate::error::{Error, InputError};
use crate::io::write_atomic;

/// Rows per record batch: bounded batches keep a reader's memory per batch small.
const BATCH_ROWS: usize = 1 << 20;

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// 16-bit values (band numbers).
    U16(Vec<u16>),
    /// 64-bit values (keys, hashes, ordinals).
    U64(Vec<u64>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::U16(v) => v.len(),
            Column::U64(v) => v.len(),
        }
    }

    fn data_type(&self) -> DataType {
        match self {
            Column::U16(_) => DataType::UInt16,
            Column::U64(_) => DataType::UInt64,
        }
    }

    fn slice(&self, from: usize, to: usize) -> ArrayRef {
        match self {
            Column::U16(v) => Arc::new(UInt16Array::from(v[from..to].to_vec())),
            Column::U64(v) => Arc::new(UInt64Array::from(v[from..to].to_vec())),
        }
    }
}

fn arrow_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Input(InputError::file(path, format!("Arrow IPC: {e}")))
}

/// Writes `columns` (equal lengths) named `names` to `path` as an Arrow IPC file, atomically.
pub fn write(path: &Path, names: &[&str], columns: &[Column]) -> Result<(), Error> {
    let rows = columns.first().map_or(0, Column::len);
    if names.len() != columns.len() || columns.iter().any(|c| c.len() != rows) {
        return Err(Error::Usage(format!("{}: columns of unequal lengths", path.display())));
    }
    let fields: Vec<Field> = names.iter().zip(columns).map(|(n, c)| Field::new(*n, c.data_type(), false)).collect();
    let schema = Arc::new(Schema::new(fields));
    let mut writer = FileWriter::try_new(Vec::new(), &schema).map_err(|e| arrow_error(path, e))?;
    let mut from = 0;
    while from < rows {
        let to = (from + BATCH_ROWS).min(rows);
        let arrays: Vec<ArrayRef> = columns.iter().map(|c| c.slice(from, to)).collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| arrow_error(path, e))?;
        writer.write(&batch).map_err(|e| arrow_error(path, e))?;
        from = to;
    }
    writer.finish().map_err(|e| arrow_error(path, e))?;
    let bytes = writer.into_inner().map_err(|e| arrow_error(path, e))?;
    write_atomic(path, &bytes)
}

/// Reads the columns `names` of the Arrow IPC file at `path` (each UInt16 or UInt64, widened to
/// u64); a missing file, column or a column of another type is an error naming file and field.
pub fn read(path: &Path, names: &[&str]) -> Result<Vec<Vec<u64>>, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = FileReader::try_new_buffered(file, None).map_err(|e| arrow_error(path, e))?;
    let schema = reader.schema();
    let mut at = Vec::with_capacity(names.len());
    for name in names {
        let i = schema.index_of(name).map_err(|_| {
            Error::Input(InputError { field: Some((*name).into()), ..InputError::file(path, "no such column") })
        })?;
        at.push(i);
    }
    let mut out: Vec<Vec<u64>> = vec![Vec::new(); names.len()];
    for batch in reader {
        let batch = batch.map_err(|e| arrow_error(path, e))?;
        for ((&i, name), col) in at.iter().zip(names).zip(out.iter_mut()) {
            let array = batch.column(i);
            let bad = || {
                Error::Input(InputError {
                    field: Some((*name).into()),
                    ..InputError::file(
                        path,
                        format!("expected unsigned integers without nulls, found {}", array.data_type()),
                    )
                })
            };
            if array.null_count() > 0 {
                return Err(bad());
            }
            if let Some(a) = array.as_any().downcast_ref::<UInt64Array>() {
                col.extend_from_slice(a.values());
            } else if let Some(a) = array.as_any().downcast_ref::<UInt16Array>() {
                col.extend(a.values().iter().map(|&v| u64::from(v)));
            } else {
                return Err(bad());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_round_trip_and_rewrite_to_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.arrow");
        let cols = [Column::U16(vec![0, 1, 1]), Column::U64(vec![7, u64::MAX, 0])];
        write(&path, &["band", "key"], &cols).unwrap();
        let first = std::fs::read(&path).unwrap();
        assert_eq!(read(&path, &["key", "band"]).unwrap(), vec![vec![7, u64::MAX, 0], vec![0, 1, 1]]);
        write(&path, &["band", "key"], &cols).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), first);
        let err = read(&path, &["ordinal"]).unwrap_err().to_string();
        assert!(err.contains("t.arrow") && err.contains("ordinal"), "{err}");
        write(&path, &["key"], &[Column::U64(Vec::new())]).unwrap();
        assert_eq!(read(&path, &["key"]).unwrap(), vec![Vec::<u64>::new()]);
    }
}
