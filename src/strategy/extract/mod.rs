//! Extractors: HTML page -> main text.

pub mod outputs;
