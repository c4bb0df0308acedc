//! From a document as lines to its text and gold spans in char offsets.
//!
//! Lines are joined with `\n` (one paragraph a line, no final line break). A block of lines
//! `[a, b)` covers, in char offsets, the start of line `a` to the end of line `b - 1` plus the
//! line break after it when there is one: the same span the `lines` strategy gives a run of
//! duplicate lines, so that removing every span leaves well-formed text.

use std::ops::Range;

/// The text of `lines`, and the char span of each line block in `blocks` (sorted and merged).
pub fn render(lines: &[String], blocks: &[Range<usize>]) -> (String, Vec<Range<usize>>) {
    let text = lines.join("\n");
    // starts[i]: char offset of line i; starts[n]: total chars + 1 (as if a final break existed).
    let mut starts = Vec::with_capacity(lines.len() + 1);
    let mut pos = 0;
    for line in lines {
        starts.push(pos);
        pos += line.chars().count() + 1;
    }
    starts.push(pos);
    let total = pos.saturating_sub(1);
    let spans = blocks
        .iter()
        .filter(|b| b.start < b.end && b.end <= lines.len())
        .map(|b| starts[b.start]..starts[b.end].min(total))
        .collect();
    (text, crate::text::Spans::new(spans).into_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_spans_take_their_line_break_except_at_the_end() {
        let lines: Vec<String> = ["ab", "cé", "d"].iter().map(|s| s.to_string()).collect();
        let (text, spans) = render(&lines, &[1..2]);
        assert_eq!(text, "ab\ncé\nd");
        assert_eq!(spans, vec![3..6]); // "cé\n"
        let (_, spans) = render(&lines, &[2..3, 0..1]);
        assert_eq!(spans, vec![0..3, 6..7]); // "ab\n" and "d"
    }
}
