//! What a deduplicator returns, and the check that it describes the documents it was given; and
//! the pair model a deduplicator may have (its own similarity of two documents and the detection
//! probability it predicts), which the S-curve metrics read.

use std::ops::Range;

use super::DocView;
use crate::text::Spans;

/// What a deduplicator found.
///
/// Document-level strategies fill `cluster`; span-level ones fill `dup_spans`; some fill both.
/// Keep policy: the first document of a cluster and the first occurrence of a repeated span (in
/// dataset order) are kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DedupOutput {
    /// Per document: a cluster label; documents alone in their cluster have a label of their own.
    pub cluster: Option<Vec<u32>>,
    /// Per document: char-offset spans a cleaner would remove (half-open; overlaps are merged
    /// when scored).
    pub dup_spans: Option<Vec<Vec<Range<usize>>>>,
    /// Document pairs the strategy judged duplicates before closing them into clusters (e.g.
    /// verified LSH candidates), scored as edge-level precision and recall.
    pub pairs: Option<Pairs>,
    /// Figures the strategy reports about itself (e.g. `candidate_pairs`); the results carry
    /// them as `strategy.<name>`, apart from the metrics.
    pub stats: Vec<(String, f64)>,
    /// Per-document figures, by name: each column holds one value per document (in dataset
    /// order), written to `doc_stats.csv` so a user can see why a document was judged as it was.
    pub doc_stats: Vec<(String, Vec<f64>)>,
}

/// Predicted duplicate pairs, possibly in a compressed form: documents of identical content
/// (identical shingle sets, identical fingerprints) are collapsed into a group, so that a
/// bucket of 300,000 identical pages is one group, not 4.5 * 10^10 listed pairs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pairs {
    /// Pairs `(i, j)`, `i < j`. With `group`, each stands for every pair of a document of `i`'s
    /// group and one of `j`'s.
    pub edges: Vec<(u32, u32)>,
    /// Per document, the smallest document of its group, when the strategy collapsed groups:
    /// any two documents of one group are a pair too.
    pub group: Option<Vec<u32>>,
}

impl Pairs {
    /// Listed pairs, no groups.
    pub fn listed(edges: Vec<(u32, u32)>) -> Pairs {
        Pairs { edges, group: None }
    }

    /// The distinct pairs these stand for (each unordered pair once, none of a document with
    /// itself), counted from the group sizes, not listed.
    pub fn count(&self) -> u64 {
        let group = |d: u32| self.group.as_ref().and_then(|g| g.get(d as usize)).copied().unwrap_or(d);
        let mut sizes: std::collections::HashMap<u32, u64> = std::collections::HashMap::new();
        if let Some(g) = &self.group {
            for &r in g {
                *sizes.entry(r).or_default() += 1;
            }
        }
        let size = |r: u32| sizes.get(&r).copied().unwrap_or(1);
        let mut seen = std::collections::HashSet::new();
        let mut n: u64 = sizes.values().map(|&k| k * k.saturating_sub(1) / 2).sum();
        for &(a, b) in &self.edges {
            let (x, y) = (group(a), group(b));
            if x != y && seen.insert((x.min(y), x.max(y))) {
                n += size(x) * size(y);
            }
        }
        n
    }
}

impl DedupOutput {
    /// Characters a cleaner would remove: the merged length of every document's spans, or,
    /// for a strategy that only clusters, of every document but its cluster's first (`docs`
    /// gives the lengths). `None` when the output has neither.
    pub fn removed_chars<D: DocView + ?Sized>(&self, docs: &D) -> Option<u64> {
        if let Some(spans) = &self.dup_spans {
            return Some(spans.iter().map(|s| Spans::of(s).covered() as u64).sum());
        }
        let cluster = self.cluster.as_ref()?;
        let mut seen = std::collections::HashSet::new();
        let removed =
            (0..docs.count()).zip(cluster).filter(|(_, c)| !seen.insert(**c)).map(|(d, _)| docs.char_len(d) as u64);
        Some(removed.sum())
    }

    /// The number of distinct clusters, when the strategy clusters.
    pub fn cluster_count(&self) -> Option<u64> {
        let cluster = self.cluster.as_ref()?;
        let mut labels = cluster.clone();
        labels.sort_unstable();
        labels.dedup();
        Some(labels.len() as u64)
    }

    /// Checks that the output describes exactly `docs`: one label, one span list and one value
    /// of every per-document figure per document, spans inside their document, and pairs of
    /// existing documents. The message says what is wrong.
    pub fn validate<D: DocView + ?Sized>(&self, docs: &D) -> Result<(), String> {
        if let Some((name, _)) = self.doc_stats.iter().find(|(_, v)| v.len() != docs.count()) {
            return Err(format!("per-document figure `{name}` does not have one value per document"));
        }
        if let Some(c) = &self.cluster
            && c.len() != docs.count()
        {
            return Err(format!("returned {} cluster labels for {} documents", c.len(), docs.count()));
        }
        if let Some(spans) = &self.dup_spans {
            if spans.len() != docs.count() {
                return Err(format!("returned spans for {} of {} documents", spans.len(), docs.count()));
            }
            for (doc, s) in spans.iter().enumerate() {
                if s.is_empty() {
                    continue;
                }
                let len = docs.char_len(doc);
                if let Some(bad) = s.iter().find(|r| r.start > r.end || r.end > len) {
                    return Err(format!("span {bad:?} outside document `{}` ({len} chars)", docs.id(doc)));
                }
            }
        }
        if let Some(pairs) = &self.pairs {
            if let Some(bad) =
                pairs.edges.iter().find(|&&(a, b)| a as usize >= docs.count() || b as usize >= docs.count())
            {
                return Err(format!("pair {bad:?} names a document beyond the {} given", docs.count()));
            }
            if let Some(g) = &pairs.group {
                if g.len() != docs.count() {
                    return Err(format!("returned {} pair groups for {} documents", g.len(), docs.count()));
                }
                // A group is named by its smallest document, which belongs to it.
                if let Some(d) = g.iter().enumerate().position(|(d, &r)| r as usize > d || g[r as usize] != r) {
                    return Err(format!(
                        "document `{}` is in pair group {}, which is not a group's first document",
                        docs.id(d),
                        g[d]
                    ));
                }
            }
        }
        Ok(())
    }
}

/// How a deduplicator sees one pair of documents: a similarity computed by the strategy's own
/// rules (normalisation, shingling), and the probability it predicts of putting a pair of that
/// similarity in one cluster. Pure: the same texts give the same figures on every run.
pub trait PairModel: Send + Sync {
    /// What one document's similarity is computed from: a sorted, repeat-free set of 64-bit
    /// features (for `minhash`, the hashes of its shingles). Empty when the document has none.
    fn features(&self, text: &str) -> Vec<u64>;
    /// The similarity, in `[0, 1]`, of two documents given their features (for `minhash`, the
    /// exact Jaccard similarity of the shingle sets; 0 when either set is empty, since such a
    /// document is never a near-duplicate of anything).
    fn similarity(&self, a: &[u64], b: &[u64]) -> f64;
    /// The predicted probability, in `[0, 1]`, that a pair of similarity `s` is detected (for
    /// `minhash`, the banding's S-curve `1 - (1 - s^rows)^bands`).
    fn detect_probability(&self, s: f64) -> f64;
    /// The similarity of two texts: [`PairModel::similarity`] of their features.
    fn text_similarity(&self, a: &str, b: &str) -> f64 {
        self.similarity(&self.features(a), &self.features(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Doc;

    fn docs() -> Vec<Doc> {
        vec![Doc { id: "a".into(), text: "abc".into() }, Doc { id: "b".into(), text: "de".into() }]
    }

    #[test]
    fn a_well_formed_output_passes() {
        let out = DedupOutput {
            cluster: Some(vec![0, 0]),
            dup_spans: Some(vec![vec![], vec![0..2]]),
            pairs: Some(Pairs::listed(vec![(0, 1)])),
            ..DedupOutput::default()
        };
        assert_eq!(out.validate(&docs()), Ok(()));
        let grouped =
            DedupOutput { pairs: Some(Pairs { edges: vec![], group: Some(vec![0, 0]) }), ..DedupOutput::default() };
        assert_eq!(grouped.validate(&docs()), Ok(()));
    }

    #[test]
    fn answers_count_removed_characters_and_clusters() {
        let spans = DedupOutput { dup_spans: Some(vec![vec![0..2, 1..3], vec![0..1]]), ..DedupOutput::default() };
        assert_eq!(spans.removed_chars(&docs()), Some(4));
        let clusters = DedupOutput { cluster: Some(vec![0, 0]), ..DedupOutput::default() };
        assert_eq!(clusters.removed_chars(&docs()), Some(2));
        assert_eq!(clusters.cluster_count(), Some(1));
        assert_eq!(spans.cluster_count(), None);
    }

    #[test]
    fn grouped_pairs_are_counted_from_group_sizes() {
        // Groups {0,1,2} and {3,4}, document 5 alone; edges join the two groups (twice, once
        // reversed through a member) and the first group to 5.
        let p = Pairs { edges: vec![(0, 3), (4, 1), (2, 5)], group: Some(vec![0, 0, 0, 3, 3, 5]) };
        // Within: 3 + 1; {0,1,2} x {3,4}: 6; {0,1,2} x {5}: 3.
        assert_eq!(p.count(), 13);
        assert_eq!(Pairs::listed(vec![(0, 1), (1, 0), (2, 2)]).count(), 1);
    }

    #[test]
    fn wrong_shapes_are_named() {
        let few = DedupOutput { cluster: Some(vec![0]), ..DedupOutput::default() };
        assert!(few.validate(&docs()).unwrap_err().contains("1 cluster labels for 2"));
        let outside = DedupOutput { dup_spans: Some(vec![vec![], vec![1..3]]), ..DedupOutput::default() };
        assert!(outside.validate(&docs()).unwrap_err().contains("outside document `b`"));
        let pair = DedupOutput { pairs: Some(Pairs::listed(vec![(0, 2)])), ..DedupOutput::default() };
        assert!(pair.validate(&docs()).unwrap_err().contains("beyond the 2"));
        let later =
            DedupOutput { pairs: Some(Pairs { edges: vec![], group: Some(vec![1, 1]) }), ..DedupOutput::default() };
        assert!(later.validate(&docs()).unwrap_err().contains("document `a` is in pair group 1"));
        let short =
            DedupOutput { pairs: Some(Pairs { edges: vec![], group: Some(vec![0]) }), ..DedupOutput::default() };
        assert!(short.validate(&docs()).unwrap_err().contains("1 pair groups for 2"));
        let stat = DedupOutput { doc_stats: vec![("x".into(), vec![1.0])], ..DedupOutput::default() };
        assert!(stat.validate(&docs()).unwrap_err().contains("`x`"));
    }
}
