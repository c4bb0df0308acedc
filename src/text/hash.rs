//! Specified hashes and generators: the content hash (xxh3-128), hashers for in-memory tables
//! whose behaviour must not depend on a random seed, and SplitMix64.
//!
//! The standard library's hasher is seeded at random per process; nothing that decides an
//! output, or that the instruction-count gate measures, may use it.

use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::{xxh3_64_with_seed, xxh3_128};

/// The content hash used by every deduplicator: xxh3-128, a specified function whose output does
/// not change between platforms or releases.
pub fn content_hash(text: &str) -> u128 {
    xxh3_128(text.as_bytes())
}

/// A hasher for keys that are already xxh3 hashes: it passes their low 64 bits through, so a
/// table keyed by content hashes needs no second hash and probes the same way on every run.
#[derive(Debug, Default, Clone, Copy)]
pub struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
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
pub type HashedKeys = BuildHasherDefault<PassThroughHasher>;

/// A seedless hasher for keys that are not hashes yet (strings, small tuples): xxh3 for bytes, a
/// multiply-shift mix for integers.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxh3_64_with_seed(bytes, self.0);
    }

    fn write_u64(&mut self, x: u64) {
        let h = (self.0 ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }
}

/// Builds [`KeyHasher`]s.
pub type PlainKeys = BuildHasherDefault<KeyHasher>;

/// SplitMix64 (Steele, Lea and Flood 2014): a small, well-mixed 64-bit generator whose sequence
/// is fixed by its seed on every platform and release. Not cryptographic.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_reference_sequence() {
        // First outputs of Vigna's splitmix64.c seeded with 1234567.
        let mut r = SplitMix64::new(1234567);
        let got: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        assert_eq!(got, [6457827717110365317, 3203168211198807973, 9817491932198370423]);
    }

    #[test]
    fn pass_through_keeps_the_low_bits() {
        let mut h = PassThroughHasher::default();
        h.write_u128((7u128 << 64) | 42);
        assert_eq!(h.finish(), 42);
    }
}
