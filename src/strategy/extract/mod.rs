//! Extractors: HTML page -> main text.
//!
//! Each module wraps one algorithm behind [`crate::strategy::Extractor`]: `plain` (every visible
//! text node, a baseline), `readability` (Mozilla Readability), `trafilatura` (with its preset
//! `trafilatura@python`), `rs-trafilatura`, `justext` and `sift` (this crate's own: block classes
//! and the densest content subtree);
//! `outputs` replays texts a system produced elsewhere; `sleep` is a testing aid for the runner's
//! per-page time budget. All but `outputs` need the `html-extractors` feature (on by default).
//! Scoring lives in
//! [`crate::metrics::extract`]; nothing here knows about gold or timing.

#[cfg(feature = "html-extractors")]
pub mod justext;
pub mod outputs;
#[cfg(feature = "html-extractors")]
pub mod plain;
#[cfg(feature = "html-extractors")]
pub mod readability;
#[cfg(feature = "html-extractors")]
pub mod rs_trafilatura;
#[cfg(feature = "html-extractors")]
pub mod sift;
#[cfg(feature = "html-extractors")]
pub mod sleep;
#[cfg(feature = "html-extractors")]
pub mod trafilatura;

/// Tidies an extractor's text the same way for every strategy: lines are trimmed, runs of
/// spaces and tabs inside a line become one space, and empty lines are dropped.
pub fn tidy_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut words = line.split([' ', '\t', '\r', '\u{0C}']).filter(|w| !w.is_empty()).peekable();
        if words.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let mut first = true;
        for w in words {
            if !first {
                out.push(' ');
            }
            out.push_str(w);
            first = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_lines_drops_blank_lines_and_collapses_spaces() {
        assert_eq!(tidy_lines("  a  b \n\n\t\n c\td \n"), "a b\nc d");
        assert_eq!(tidy_lines(""), "");
    }
}
