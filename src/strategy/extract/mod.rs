//! Extractors: HTML page -> main text.
