//! Deduplicators: document-level (`exact`) and span-level (`lines`, `paragraphs`).

pub mod exact;
pub mod normalize;
pub mod units;

use xxhash_rust::xxh3::xxh3_128;

/// The content hash used by every deduplicator: xxh3-128, a specified function whose output does
/// not change between platforms or releases (unlike the standard library's hasher).
pub fn content_hash(text: &str) -> u128 {
    xxh3_128(text.as_bytes())
}
