//! Loading datasets: the project's own format (a `dataset.toml` manifest beside `docs.jsonl`
//! and `gold.jsonl`, see [`jsonl`]) and upstream formats recognised by a folder's layout
//! ([`formats`]). Each loader sets the dataset's [`Scoring`](crate::model::Scoring). Loading
//! never panics on bad input: every problem becomes an [`InputError`](crate::InputError) in
//! [`Dataset::issues`](crate::model::Dataset::issues) and the offending record is left out.

pub mod discover;
pub mod encoding;
pub mod fingerprint;
pub mod formats;
pub(crate) mod jsonl;
pub mod manifest;
pub mod parquet;
pub mod shards;
pub mod warc;

pub use discover::{
    Listing, LoadOptions, discover, discover_with, load_dataset, load_dataset_with, load_warc_with, survey, warc_files,
};
pub use manifest::Manifest;

/// Decodes a page's raw bytes to text as a browser would with no HTTP header: byte-order mark,
/// then a `<meta>` charset in the first 1024 bytes, then detection from the bytes (see
/// [`encoding`]). Invalid bytes become U+FFFD.
pub fn decode_html(raw: &[u8]) -> String {
    encoding::decode(raw, None).text
}
