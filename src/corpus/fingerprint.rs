//! Dataset fingerprints: a sha256 over a dataset's files, recorded in every run so that two runs
//! can tell whether they scored the same data.
//!
//! The digest covers, for each file in the manifest's order, its name, its length and its bytes,
//! so renaming, reordering or editing any file changes it. Loaders of upstream formats, which
//! read their files themselves, feed the same digest through [`Fingerprint`] with the upstream
//! file name and the decompressed bytes, so a folder stored gzip-compressed and the same folder
//! uncompressed have one fingerprint.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::Error;

/// The digest being built, one file at a time.
#[derive(Debug, Clone, Default)]
pub struct Fingerprint {
    hasher: Sha256,
}

impl Fingerprint {
    /// An empty digest.
    pub fn new() -> Self {
        Fingerprint::default()
    }

    /// Adds one file: its name (relative to the dataset folder), then its length and bytes.
    pub fn add(&mut self, name: &str, bytes: &[u8]) {
        self.hasher.update(name.as_bytes());
        self.hasher.update([0u8]);
        self.hasher.update((bytes.len() as u64).to_le_bytes());
        self.hasher.update(bytes);
    }

    /// Adds one file read from `path` in pieces: the same digest as [`Fingerprint::add`] with its
    /// bytes, without holding the file in memory (generated datasets run to gigabytes). The
    /// length that leads the bytes comes from the metadata and is checked against what was read.
    pub fn add_file(&mut self, name: &str, path: &Path) -> Result<(), Error> {
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        self.hasher.update(name.as_bytes());
        self.hasher.update([0u8]);
        self.hasher.update(len.to_le_bytes());
        let mut buf = vec![0u8; 1 << 16];
        let mut read = 0u64;
        loop {
            let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            self.hasher.update(&buf[..n]);
            read += n as u64;
        }
        if read != len {
            let msg = format!("file changed while being read ({len} bytes expected, {read} read)");
            return Err(Error::io(path, std::io::Error::other(msg)));
        }
        Ok(())
    }

    /// The digest as lowercase hex.
    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

/// The file beside a dataset's data that caches its fingerprint, keyed by each file's name,
/// size and modification time: a second load of a large dataset does not read its bytes again.
pub const CACHE: &str = ".corpusbench-fingerprint";

/// Datasets of at least this many bytes get a cache (smaller ones are digested in well under a
/// second, and their folders stay as they are).
pub const CACHE_FROM_BYTES: u64 = 256 << 20;

/// sha256 (lowercase hex) over `files` (paths relative to `root`), in the order given. A name
/// with `*` or `?` in its file name is a glob: each file it names, in sorted order, under its
/// path relative to `root`. The digest is cached in [`CACHE`] in `root` (when the folder can be
/// written) and taken from there while no file's size or modification time has changed.
pub fn fingerprint(root: &Path, files: &[String]) -> Result<String, Error> {
    let mut named: Vec<(String, PathBuf)> = Vec::new();
    for name in files {
        if name.contains(['*', '?']) {
            for path in crate::corpus::shards::expand(root, name).map_err(Error::Usage)? {
                named.push((relative_name(root, &path), path));
            }
        } else {
            // A listed file may be stored compressed as `<name>.gz`, as every loader accepts.
            named.push((name.clone(), crate::io::find_stored(&root.join(name))?));
        }
    }
    let (key, total) = stat_key("corpusbench fingerprint 1", &named)?;
    let cache = root.join(CACHE);
    if let Ok(cached) = std::fs::read_to_string(&cache)
        && let Some(hex) = cached.strip_prefix(key.as_str()).and_then(|rest| rest.strip_prefix("sha256\t"))
        && hex.trim_end().len() == 64
    {
        return Ok(hex.trim_end().to_string());
    }
    let mut digest = Fingerprint::new();
    for (name, path) in &named {
        digest.add_file(name, path)?;
    }
    let hex = digest.finish();
    // A folder that cannot be written (read-only data) simply has no cache.
    if total >= CACHE_FROM_BYTES || cache.exists() {
        let _ = crate::io::write_atomic(&cache, format!("{key}sha256\t{hex}\n").as_bytes());
    }
    Ok(hex)
}

/// The key a cache of figures about `files` (fingerprint name, path as stored) is kept under:
/// `header`, then per file its name, stored file name, size and modification time, one a line;
/// and the files' total size. Any change to a file's size or time, or to the list, changes it.
pub fn stat_key(header: &str, files: &[(String, PathBuf)]) -> Result<(String, u64), Error> {
    let mut key = format!("{header}\n");
    let mut total = 0u64;
    for (name, path) in files {
        crate::io::regular_file(path)?;
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        let stored = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let mtime = mtime.map_or_else(|| "-".to_string(), |d| d.as_nanos().to_string());
        key.push_str(&format!("{name}\t{stored}\t{}\t{mtime}\n", meta.len()));
        total += meta.len();
    }
    Ok((key, total))
}

/// What a folder of pages records about its files without holding their HTML: its fingerprint
/// and the size of its pages' decoded HTML (the dataset's size in reports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagesFigures {
    /// sha256 (lowercase hex) of the gold files and the pages' HTML, as [`Fingerprint`] builds it.
    pub sha256: String,
    /// Bytes of the pages' HTML decoded to UTF-8.
    pub html_bytes: u64,
}

/// The header of a pages cache's key.
const PAGES_KEY: &str = "corpusbench pages 1";

/// Where the figures of the pages folder `root` are cached: a file named after the folder's
/// canonical path under the user's cache folder (`$XDG_CACHE_HOME/corpusbench`, else
/// `~/.cache/corpusbench`), so that benchmark folders stay as distributed (and may be
/// read-only). `None` without a home or cache folder.
pub fn pages_cache_file(root: &Path) -> Option<PathBuf> {
    let canonical = root.canonicalize().ok()?;
    let id = xxhash_rust::xxh3::xxh3_64(canonical.as_os_str().as_encoded_bytes());
    Some(user_cache_dir()?.join(format!("pages-{id:016x}")))
}

/// The user's cache folder for corpusbench: `$XDG_CACHE_HOME/corpusbench`, else
/// `~/.cache/corpusbench`; `None` without either variable.
pub fn user_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("corpusbench"))
}

/// The cached figures of the pages folder `root` whose files give `key` ([`stat_key`] with
/// [`PAGES_KEY`] over `files`), when they were cached for exactly these files as they are now.
pub fn cached_pages(root: &Path, files: &[(String, PathBuf)]) -> Option<(String, Option<PagesFigures>)> {
    let (key, _) = stat_key(PAGES_KEY, files).ok()?;
    let cached = pages_cache_file(root).and_then(|p| std::fs::read_to_string(p).ok());
    let figures = cached.as_deref().and_then(|c| c.strip_prefix(key.as_str())).and_then(|rest| {
        let mut lines = rest.lines();
        let sha256 = lines.next()?.strip_prefix("sha256\t")?;
        let html_bytes = lines.next()?.strip_prefix("html_bytes\t")?.parse().ok()?;
        (sha256.len() == 64 && lines.next().is_none()).then(|| PagesFigures { sha256: sha256.to_string(), html_bytes })
    });
    Some((key, figures))
}

/// Caches `figures` for the pages folder `root` under `key` (from [`cached_pages`]); a cache
/// that cannot be written is simply not kept.
pub fn cache_pages(root: &Path, key: &str, figures: &PagesFigures) {
    let Some(path) = pages_cache_file(root) else { return };
    if let Some(dir) = path.parent()
        && std::fs::create_dir_all(dir).is_ok()
    {
        let body = format!("{key}sha256\t{}\nhtml_bytes\t{}\n", figures.sha256, figures.html_bytes);
        let _ = crate::io::write_atomic(&path, body.as_bytes());
    }
}

/// The name a file is fingerprinted under: its upstream path relative to `root` (as asked for,
/// not as stored, so without a storage `.gz` suffix), with `/` separators.
pub fn relative_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_file_digest_equals_in_memory_digest() {
        let dir = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.path().join("big.bin"), &bytes).unwrap();
        let mut in_memory = Fingerprint::new();
        in_memory.add("big.bin", &bytes);
        assert_eq!(fingerprint(dir.path(), &["big.bin".to_string()]).unwrap(), in_memory.finish());
    }

    /// The cached digest is used while the files are unchanged and recomputed when one changes,
    /// even to the same size; a garbled cache is ignored.
    #[test]
    fn the_cache_follows_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, b"first").unwrap();
        let files = ["a.txt".to_string()];
        let first = fingerprint(dir.path(), &files).unwrap();
        // A small dataset gets no cache of its own; one that has a cache keeps it up to date.
        assert!(!dir.path().join(CACHE).exists());
        std::fs::write(dir.path().join(CACHE), "").unwrap();
        assert_eq!(fingerprint(dir.path(), &files).unwrap(), first);
        let cache = std::fs::read_to_string(dir.path().join(CACHE)).unwrap();
        assert!(cache.ends_with(&format!("sha256\t{first}\n")), "{cache}");
        // A cache whose digest is not the files' is believed only while the key matches: make
        // it lie, and it is used; change the file, and it is not.
        let lie = cache.replace(&first, &"0".repeat(64));
        std::fs::write(dir.path().join(CACHE), &lie).unwrap();
        assert_eq!(fingerprint(dir.path(), &files).unwrap(), "0".repeat(64));
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&file, b"other").unwrap();
        let second = fingerprint(dir.path(), &files).unwrap();
        let mut want = Fingerprint::new();
        want.add("a.txt", b"other");
        assert_eq!(second, want.finish());
        std::fs::write(dir.path().join(CACHE), "garbage").unwrap();
        assert_eq!(fingerprint(dir.path(), &files).unwrap(), second);
    }
}
