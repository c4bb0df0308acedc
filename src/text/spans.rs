//! Span algebra: sets of half-open character ranges kept sorted and disjoint ([`Spans`]), with
//! their covered length and overlap. Duplicate spans, gold spans and the span metrics all use it.

use std::ops::Range;

/// Half-open ranges, sorted by start, disjoint and non-touching, none empty.
///
/// The invariant is kept by construction: [`Spans::new`] merges whatever it is given, and
/// nothing else can add a range.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Spans(Vec<Range<usize>>);

impl Spans {
    /// Sorts `ranges` and merges overlapping or touching ones; drops empty ones.
    pub fn new(mut ranges: Vec<Range<usize>>) -> Spans {
        ranges.retain(|s| s.start < s.end);
        ranges.sort_by_key(|s| (s.start, s.end));
        let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
        for s in ranges {
            match out.last_mut() {
                Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
                _ => out.push(s),
            }
        }
        Spans(out)
    }

    /// The merged form of `ranges`, which need not be sorted.
    pub fn of(ranges: &[Range<usize>]) -> Spans {
        Spans::new(ranges.to_vec())
    }

    /// The ranges, sorted and disjoint.
    pub fn as_slice(&self) -> &[Range<usize>] {
        &self.0
    }

    /// The ranges, sorted and disjoint.
    pub fn into_vec(self) -> Vec<Range<usize>> {
        self.0
    }

    /// Whether no character is covered.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Characters covered.
    pub fn covered(&self) -> usize {
        self.0.iter().map(|s| s.end - s.start).sum()
    }

    /// Characters covered by both `self` and `other` (a linear merge).
    pub fn overlap(&self, other: &Spans) -> usize {
        let (a, b) = (&self.0, &other.0);
        let (mut i, mut j, mut total) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            let lo = a[i].start.max(b[j].start);
            let hi = a[i].end.min(b[j].end);
            if lo < hi {
                total += hi - lo;
            }
            if a[i].end < b[j].end { i += 1 } else { j += 1 }
        }
        total
    }

    /// The union of `self` and `other`.
    pub fn merge(&self, other: &Spans) -> Spans {
        let mut all = Vec::with_capacity(self.0.len() + other.0.len());
        all.extend(self.0.iter().cloned());
        all.extend(other.0.iter().cloned());
        Spans::new(all)
    }
}

impl PartialEq<Vec<Range<usize>>> for Spans {
    fn eq(&self, other: &Vec<Range<usize>>) -> bool {
        &self.0 == other
    }
}

impl PartialEq<Spans> for Vec<Range<usize>> {
    fn eq(&self, other: &Spans) -> bool {
        self == &other.0
    }
}

impl<'a> IntoIterator for &'a Spans {
    type Item = &'a Range<usize>;
    type IntoIter = std::slice::Iter<'a, Range<usize>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Vec<Range<usize>>> for Spans {
    fn from(ranges: Vec<Range<usize>>) -> Spans {
        Spans::new(ranges)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_merges_overlaps_and_touching_and_drops_empty() {
        assert_eq!(Spans::new(vec![5..8, 0..2, 2..3, 7..10, 4..4]).as_slice(), &[0..3, 5..10]);
    }

    #[test]
    fn overlap_counts_partial_intersections() {
        let a = Spans::new(vec![0..5, 10..20]);
        let b = Spans::new(vec![3..12, 15..16]);
        assert_eq!(a.overlap(&b), 2 + 2 + 1);
        assert_eq!(a.overlap(&b), b.overlap(&a));
    }

    #[test]
    fn merge_is_the_union() {
        let a = Spans::new(vec![0..2, 8..9]);
        let b = Spans::new(vec![1..4]);
        let u = a.merge(&b);
        assert_eq!(u.as_slice(), &[0..4, 8..9]);
        assert_eq!(u.covered(), 5);
    }
}
