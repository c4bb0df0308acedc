//! Deduplicators: document-level (`exact`, near-duplicate `minhash` and `simhash`) and span-level
//! (`lines`, `paragraphs`).

pub mod bloom;
pub(crate) mod components;
pub mod exact;
pub mod gopher;
pub mod hog;
pub(crate) mod lsh;
pub mod minhash;
pub mod saved;
pub mod shingle;
pub mod simhash;
pub mod suffix_array;
pub mod units;

pub use crate::text::hash::{HashedKeys, PassThroughHasher, content_hash};
