//! Dataset fingerprints: a sha256 over a dataset's files, recorded in every run so that two runs
//! can tell whether they scored the same data.
//!
//! The digest covers, for each file in the manifest's order, its name, its length and its bytes,
//! so renaming, reordering or editing any file changes it.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::Error;

/// sha256 (lowercase hex) over `files` (paths relative to `root`), in the order given.
pub fn fingerprint(root: &Path, files: &[String]) -> Result<String, Error> {
    let mut hasher = Sha256::new();
    for name in files {
        let path = root.join(name);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        hasher.update(name.as_bytes());
        hasher.update([0u8]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hex::encode(hasher.finalize()))
}
