//! Dataset fingerprints: a sha256 over a dataset's files, recorded in every run so that two runs
//! can tell whether they scored the same data.
//!
//! The digest covers, for each file in the manifest's order, its name, its length and its bytes,
//! so renaming, reordering or editing any file changes it. Loaders of upstream formats, which
//! read their files themselves, feed the same digest through [`Fingerprint`] with the upstream
//! file name and the decompressed bytes, so a folder stored gzip-compressed and the same folder
//! uncompressed have one fingerprint.

use std::io::Read;
use std::path::Path;

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

/// sha256 (lowercase hex) over `files` (paths relative to `root`), in the order given.
pub fn fingerprint(root: &Path, files: &[String]) -> Result<String, Error> {
    let mut digest = Fingerprint::new();
    for name in files {
        // A listed file may be stored compressed as `<name>.gz`, as every loader accepts.
        let path = crate::io::find_stored(&root.join(name))?;
        crate::io::regular_file(&path)?;
        digest.add_file(name, &path)?;
    }
    Ok(digest.finish())
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
}
