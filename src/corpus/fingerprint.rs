//! Dataset fingerprints: a sha256 over a dataset's files, recorded in every run so that two runs
//! can tell whether they scored the same data.
//!
//! The digest covers, for each file in the manifest's order, its name, its length and its bytes,
//! so renaming, reordering or editing any file changes it. Loaders of upstream formats, which
//! read their files themselves, feed the same digest through [`Fingerprint`] with the upstream
//! file name and the decompressed bytes, so a folder stored gzip-compressed and the same folder
//! uncompressed have one fingerprint.

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

    /// The digest as lowercase hex.
    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

/// sha256 (lowercase hex) over `files` (paths relative to `root`), in the order given.
pub fn fingerprint(root: &Path, files: &[String]) -> Result<String, Error> {
    let mut digest = Fingerprint::new();
    for name in files {
        let path = root.join(name);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        digest.add(name, &bytes);
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
