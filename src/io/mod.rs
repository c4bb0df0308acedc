//! Files: opening inputs that may be compressed (every member of a multi-member `.gz`, every
//! frame of a `.zst`), reading JSON lines ([`jsonl`]) and WARC records ([`warc`]), and writing
//! outputs atomically. Nothing here knows what the files mean.

pub mod jsonl;
pub mod warc;

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, InputError};

/// The default record cap, MiB.
pub const DEFAULT_RECORD_MB: u64 = 64;

/// The largest record any loader reads, in bytes after decompression: a JSON line, or a file
/// read whole (a page, a JSON document, a saved output). Set once from `--max-record-mb`; a
/// compressed file that inflates without end (a gzip bomb) costs its record, not the process.
static RECORD_CAP: AtomicU64 = AtomicU64::new(DEFAULT_RECORD_MB << 20);

/// Sets the record cap, MiB (0 is taken as 1).
pub fn set_record_cap_mb(mb: u64) {
    RECORD_CAP.store(mb.max(1).saturating_mul(1 << 20), Ordering::Relaxed);
}

/// The record cap, bytes.
pub fn record_cap() -> u64 {
    RECORD_CAP.load(Ordering::Relaxed)
}

/// The message of a record over the cap.
pub fn over_cap() -> String {
    format!(
        "larger than {} MiB after decompression (the record cap; raise it with --max-record-mb)",
        record_cap() >> 20
    )
}

/// Why [`read_capped`] stopped.
#[derive(Debug)]
pub enum CappedError {
    /// The reader failed.
    Io(std::io::Error),
    /// More than the cap was there to read; what was read is dropped.
    TooLarge,
}

/// Everything `reader` gives, unless that is more than `cap` bytes.
pub fn read_capped(reader: impl Read, cap: u64) -> Result<Vec<u8>, CappedError> {
    let mut out = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut out).map_err(CappedError::Io)?;
    if out.len() as u64 > cap { Err(CappedError::TooLarge) } else { Ok(out) }
}

/// [`read_capped`] with the record cap, its failure an input error about `path`; `what` names
/// the step a read error is in (`cannot read`, `cannot decompress`).
fn read_record(path: &Path, reader: impl Read, what: &str) -> Result<Vec<u8>, InputError> {
    read_capped(reader, record_cap()).map_err(|e| match e {
        CappedError::TooLarge => InputError::file(path, over_cap()),
        CappedError::Io(e) => InputError::file(path, format!("{what}: {e}")),
    })
}

/// How a stored file is compressed, judged by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Stored as is.
    None,
    /// `.gz`: gzip, possibly many members.
    Gzip,
    /// `.zst`: Zstandard, possibly many frames.
    Zstd,
}

impl Compression {
    /// The extensions tried, in this order, beside a file's own name.
    const SUFFIXES: [(&'static str, Compression); 2] = [("gz", Compression::Gzip), ("zst", Compression::Zstd)];

    /// The compression of `path`, by its extension.
    pub fn of(path: &Path) -> Compression {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        Compression::SUFFIXES.iter().find(|(s, _)| ext.eq_ignore_ascii_case(s)).map_or(Compression::None, |c| c.1)
    }
}

/// A buffered reader over `path`, decompressing a `.gz` file (all of its members: a
/// concatenation of gzip files is read to its end, as `zcat` reads it) or a `.zst` file (all of
/// its frames, as `zstdcat` reads it).
pub fn open(path: &Path) -> Result<Box<dyn BufRead>, InputError> {
    regular_file(path)?;
    let file = File::open(path).map_err(|e| InputError::file(path, e.to_string()))?;
    Ok(match Compression::of(path) {
        Compression::Gzip => Box::new(BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(file))),
        Compression::Zstd => {
            let decoder = zstd::stream::read::Decoder::new(file)
                .map_err(|e| InputError::file(path, format!("cannot decompress: {e}")))?;
            Box::new(BufReader::with_capacity(1 << 16, decoder))
        }
        Compression::None => Box::new(BufReader::with_capacity(1 << 16, file)),
    })
}

/// An error unless `path` is a regular file: reading a FIFO or a device would block or never end.
pub fn regular_file(path: &Path) -> Result<(), InputError> {
    let meta = std::fs::metadata(path).map_err(|e| InputError::file(path, e.to_string()))?;
    if meta.is_file() { Ok(()) } else { Err(InputError::file(path, "not a regular file")) }
}

/// `root/rel`, refused when it leads outside `root` (an absolute path, `..`, or a link that
/// resolves elsewhere) unless `allow_outside`: a dataset's manifest and records name files of
/// the dataset, and reading `/etc/...` on a record's say is not what a user asked for.
pub fn inside(root: &Path, rel: &str, allow_outside: bool) -> Result<PathBuf, String> {
    let path = root.join(rel);
    if allow_outside {
        return Ok(path);
    }
    let lexical_escape = Path::new(rel)
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir));
    let resolved_escape = match (std::fs::canonicalize(root), find_stored(&path).ok().map(std::fs::canonicalize)) {
        (Ok(r), Some(Ok(p))) => !p.starts_with(r),
        _ => false,
    };
    if lexical_escape || resolved_escape {
        return Err(format!(
            "`{rel}` is outside the dataset folder (set `allow_outside_paths = true` in dataset.toml to allow it)"
        ));
    }
    Ok(path)
}

/// `path` itself when it exists, else `<path>.gz` or `<path>.zst` when one exists (large files
/// are often stored compressed under their name plus the compressor's extension).
pub fn find_stored(path: &Path) -> Result<PathBuf, InputError> {
    if path.exists() {
        return Ok(path.to_path_buf());
    }
    for (suffix, _) in Compression::SUFFIXES {
        let mut name = path.as_os_str().to_owned();
        name.push(".");
        name.push(suffix);
        let candidate = PathBuf::from(name);
        if candidate.exists() {
            return Ok(candidate);
        }
    }
    Err(InputError::file(path, "file not found (nor a .gz or .zst of it)"))
}

/// Opens `path`, or its `.gz` or `.zst` in its absence; returns the path actually opened.
pub fn open_stored(path: &Path) -> Result<(PathBuf, Box<dyn BufRead>), InputError> {
    let found = find_stored(path)?;
    let reader = open(&found)?;
    Ok((found, reader))
}

/// The whole content of `path`, or of its `.gz` or `.zst` in its absence, decompressed; returns the path
/// actually read.
pub fn read_stored(path: &Path) -> Result<(PathBuf, Vec<u8>), InputError> {
    let (found, reader) = open_stored(path)?;
    let what = if Compression::of(&found) == Compression::None { "cannot read" } else { "cannot decompress" };
    let bytes = read_record(&found, reader, what)?;
    Ok((found, bytes))
}

/// The bytes of `path` as stored (no decompression), within the record cap.
pub fn read_file(path: &Path) -> Result<Vec<u8>, InputError> {
    regular_file(path)?;
    let file = File::open(path).map_err(|e| InputError::file(path, e.to_string()))?;
    read_record(path, file, "cannot read")
}

/// The bytes of a file that may be gzip-compressed, judged by its first two bytes (saved
/// outputs are sometimes compressed without a `.gz` name).
pub fn gunzip_if_compressed(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>, InputError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    read_record(path, flate2::read::MultiGzDecoder::new(bytes.as_slice()), "cannot decompress")
}

/// An output folder held by this process: while it lives, another corpusbench command that
/// asks for the same folder is refused, so two runs cannot mix their reports.
#[derive(Debug)]
pub struct OutLock {
    _file: File,
}

/// The lock file inside an output folder.
pub const LOCK_FILE: &str = ".corpusbench.lock";

/// Creates `dir` if needed and takes its lock. A folder that cannot be created or written, or
/// that another process holds, is an error before any work is done. The lock is an advisory
/// file lock, released when the process ends however it ends.
pub fn lock_out_dir(dir: &Path) -> Result<OutLock, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(OutLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Usage(format!(
            "another corpusbench command is writing to {}; wait for it, or choose another --out",
            dir.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
    }
}

/// Writes `bytes` to `path` so that readers see either the old file or the whole new one: to a
/// temporary file in the same folder, synced, then renamed over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let (tmp, mut file) = temp_file_in(dir, path)?;
    file.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
    file.sync_all().map_err(|e| Error::io(&tmp, e))?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

fn temp_file_in(dir: &Path, target: &Path) -> Result<(PathBuf, File), Error> {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    for attempt in 0..100u32 {
        let tmp = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(&tmp, e)),
        }
    }
    Err(Error::Usage(format!("cannot create a temporary file in {}", dir.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_capped_refuses_more_than_the_cap_and_keeps_what_fits() {
        assert_eq!(read_capped(&b"abcd"[..], 4).ok(), Some(b"abcd".to_vec()));
        assert!(matches!(read_capped(&b"abcde"[..], 4), Err(CappedError::TooLarge)));
    }

    #[test]
    fn a_gzip_bomb_costs_its_file_not_the_memory() {
        // One MiB more zeros than the record cap compress to well under a MiB; inflating them
        // stops at the cap.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bomb.json.gz");
        let mut gz = flate2::write::GzEncoder::new(File::create(&path).unwrap(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..((record_cap() >> 20) + 1) {
            gz.write_all(&zeros).unwrap();
        }
        gz.finish().unwrap();
        let e = read_stored(&dir.path().join("bomb.json")).unwrap_err();
        assert!(e.message.contains("record cap"), "{e}");
        assert!(e.path.ends_with("bomb.json.gz"), "{e}");
        let raw = std::fs::read(&path).unwrap();
        let e = gunzip_if_compressed(&path, raw).unwrap_err();
        assert!(e.message.contains("record cap"), "{e}");
    }

    fn gz(text: &str) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text.as_bytes()).unwrap();
        enc.finish().unwrap()
    }

    fn zst(text: &str) -> Vec<u8> {
        zstd::stream::encode_all(text.as_bytes(), 3).unwrap()
    }

    /// Reads every line `open_stored` gives for `name` in `dir`, and the error that ended it.
    fn lines_of(dir: &Path, name: &str) -> (PathBuf, Vec<String>, Option<std::io::Error>) {
        let (found, reader) = open_stored(&dir.join(name)).unwrap();
        let mut lines = Vec::new();
        for line in reader.lines() {
            match line {
                Ok(l) => lines.push(l),
                Err(e) => return (found, lines, Some(e)),
            }
        }
        (found, lines, None)
    }

    #[test]
    fn zstd_files_are_found_beside_their_name_and_every_frame_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = zst("first\n");
        bytes.extend(zst("second\n"));
        std::fs::write(dir.path().join("docs.jsonl.zst"), &bytes).unwrap();
        let (found, lines, err) = lines_of(dir.path(), "docs.jsonl");
        assert!(found.ends_with("docs.jsonl.zst") && err.is_none(), "{err:?}");
        assert_eq!(lines, ["first", "second"]);
        let (_, whole) = read_stored(&dir.path().join("docs.jsonl")).unwrap();
        assert_eq!(whole, b"first\nsecond\n");
    }

    #[test]
    fn truncated_compressed_files_end_in_an_error_not_in_silence() {
        let dir = tempfile::tempdir().unwrap();
        let text: String = (0..2000).map(|i| format!("line {i} of some text\n")).collect();
        for (name, mut bytes) in [("a.jsonl.gz", gz(&text)), ("b.jsonl.zst", zst(&text))] {
            bytes.truncate(bytes.len() / 2);
            std::fs::write(dir.path().join(name), &bytes).unwrap();
            let (_, lines, err) = lines_of(dir.path(), name);
            assert!(err.is_some(), "{name}: read {} lines and no error", lines.len());
            let e = read_stored(&dir.path().join(name)).unwrap_err();
            assert!(e.message.starts_with("cannot decompress") && e.path.ends_with(name), "{e}");
        }
    }

    #[test]
    fn concatenated_gzip_members_are_all_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("two.jsonl.gz");
        let mut bytes = gz("first\n");
        bytes.extend(gz("second\n"));
        std::fs::write(&path, bytes).unwrap();
        let (_, got) = read_stored(&dir.path().join("two.jsonl.gz")).unwrap();
        assert_eq!(got, b"first\nsecond\n");
        let (found, got) = read_stored(&dir.path().join("two.jsonl")).unwrap();
        assert_eq!((found, got), (path, b"first\nsecond\n".to_vec()));
    }

    #[test]
    fn an_output_folder_is_held_by_one_lock_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let held = lock_out_dir(&out).unwrap();
        let err = lock_out_dir(&out).unwrap_err().to_string();
        assert!(err.contains("another corpusbench command is writing"), "{err}");
        drop(held);
        assert!(lock_out_dir(&out).is_ok());
    }

    #[test]
    fn paths_outside_the_folder_and_non_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.html"), "x").unwrap();
        assert!(inside(dir.path(), "a.html", false).is_ok());
        for bad in ["/etc/hostname", "../x.html", "sub/../../x"] {
            assert!(inside(dir.path(), bad, false).unwrap_err().contains("outside the dataset folder"), "{bad}");
        }
        assert!(inside(dir.path(), "/etc/hostname", true).is_ok());
        let err = open(dir.path()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("not a regular file"), "{err}");
    }

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
