//! Deduplicators: document-level (`exact`, near-duplicate `minhash` and `simhash`) and span-level
//! (`lines`, `paragraphs`).

pub mod bloom;
pub mod components;
pub mod exact;
pub mod gopher;
pub mod lsh;
pub mod minhash;
pub mod normalize;
pub mod shingle;
pub mod simhash;
pub mod suffix_array;
pub mod units;

use xxhash_rust::xxh3::xxh3_128;

/// The content hash used by every deduplicator: xxh3-128, a specified function whose output does
/// not change between platforms or releases (unlike the standard library's hasher).
pub fn content_hash(text: &str) -> u128 {
    xxh3_128(text.as_bytes())
}

/// A hasher for keys that are already xxh3 hashes: it passes their low 64 bits through. Tables
/// keyed by content hashes then need no second hash and behave the same on every run (the
/// standard library's hasher is randomly seeded, which moves probe counts and instruction
/// totals between runs).
#[derive(Debug, Default, Clone, Copy)]
pub struct PassThroughHasher(u64);

impl std::hash::Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached for keys that are not integers: fold them in deterministically.
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0 ^ u64::from_le_bytes(buf)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Builds [`PassThroughHasher`]s.
pub type HashedKeys = std::hash::BuildHasherDefault<PassThroughHasher>;
