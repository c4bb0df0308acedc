//! Properties every metric and span strategy must hold on arbitrary inputs.

use corpusbench::metrics::{clusters, spans};
use corpusbench::model::Doc;
use corpusbench::strategy::Registry;
use corpusbench::text::Norm;
use corpusbench::text::Spans;
use proptest::prelude::*;

fn labels(max_docs: usize) -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(0u32..6, 1..max_docs)
}

/// Relabels clusters with an arbitrary injective map.
fn relabel(xs: &[u32], shift: u32) -> Vec<u32> {
    xs.iter().map(|x| x.wrapping_mul(7919).wrapping_add(shift)).collect()
}

fn span_lists(docs: usize) -> impl Strategy<Value = Vec<Spans>> {
    prop::collection::vec(
        prop::collection::vec((0usize..50, 1usize..20).prop_map(|(s, l)| s..s + l), 0..5).prop_map(Spans::new),
        docs,
    )
}

proptest! {
    #[test]
    fn perfect_clustering_scores_one(gold in labels(40), shift in any::<u32>()) {
        let s = clusters::score(&relabel(&gold, shift), &gold);
        prop_assert_eq!(s.pairwise.f1, 1.0);
        prop_assert_eq!(s.bcubed.f1, 1.0);
        prop_assert!((s.ari - 1.0).abs() < 1e-12);
    }

    #[test]
    fn cluster_metrics_ignore_label_names(pred in labels(40), shift in any::<u32>(), seed in any::<u64>()) {
        let gold: Vec<u32> = pred.iter().enumerate().map(|(i, _)| ((seed >> (i % 60)) & 3) as u32).collect();
        let a = clusters::score(&pred, &gold);
        let b = clusters::score(&relabel(&pred, shift), &relabel(&gold, shift ^ 0xdead));
        // equal up to the order of floating-point sums
        for (x, y) in [(a.pairwise.f1, b.pairwise.f1), (a.ari, b.ari), (a.bcubed.precision, b.bcubed.precision), (a.bcubed.recall, b.bcubed.recall)] {
            prop_assert!((x - y).abs() < 1e-12, "{} vs {}", x, y);
        }
        prop_assert_eq!(a.largest_cluster, b.largest_cluster);
    }

    #[test]
    fn cluster_metrics_are_bounded_and_ari_is_symmetric(pred in labels(40), seed in any::<u64>()) {
        let gold: Vec<u32> = pred.iter().enumerate().map(|(i, _)| ((seed >> (i % 60)) & 7) as u32).collect();
        let s = clusters::score(&pred, &gold);
        for v in [s.pairwise.precision, s.pairwise.recall, s.pairwise.f1, s.bcubed.precision, s.bcubed.recall, s.bcubed.f1] {
            prop_assert!((0.0..=1.0).contains(&v), "{v}");
        }
        prop_assert!(s.ari <= 1.0 + 1e-12);
        let t = clusters::score(&gold, &pred);
        prop_assert!((s.ari - t.ari).abs() < 1e-12);
        prop_assert!((s.pairwise.precision - t.pairwise.recall).abs() < 1e-12);
        prop_assert!((s.bcubed.precision - t.bcubed.recall).abs() < 1e-12);
    }

    #[test]
    fn ws_normalisation_equals_splitting_on_unicode_white_space(text in "[a-zé\\PC \t\n\u{a0}\u{2003}\u{3000}]{0,40}") {
        let expected: Vec<&str> = text.split_whitespace().collect();
        prop_assert_eq!(Norm::Ws.to_string(&text), expected.join(" "));
    }

    #[test]
    fn span_metric_of_gold_against_itself_is_one(gold in span_lists(4)) {
        prop_assert_eq!(spans::score(&gold, &gold).f1, 1.0);
    }

    #[test]
    fn span_metric_swaps_precision_and_recall(a in span_lists(4), b in span_lists(4)) {
        let ab = spans::score(&a, &b);
        let ba = spans::score(&b, &a);
        prop_assert!((ab.precision - ba.recall).abs() < 1e-12);
        prop_assert!((0.0..=1.0).contains(&ab.f1));
    }

    /// Removing the spans `lines` reports leaves no normalised line twice in the dataset, and
    /// keeps every line's first occurrence.
    #[test]
    fn lines_leaves_each_line_once(texts in prop::collection::vec("([a-c]{0,3}[ ,.!É]?\n?){0,12}", 1..5)) {
        let docs: Vec<Doc> = texts.iter().enumerate().map(|(i, t)| Doc { id: i.to_string(), text: t.clone() }).collect();
        let s = Registry::builtin().dedup("lines").expect("lines builds");
        let out = s.dedup(&docs).unwrap();
        let spans = out.dup_spans.unwrap();
        let mut seen = std::collections::HashSet::new();
        let mut all_lines = std::collections::HashSet::new();
        for (doc, doc_spans) in docs.iter().zip(&spans) {
            let chars: Vec<char> = doc.text.chars().collect();
            for r in doc_spans {
                prop_assert!(r.start < r.end && r.end <= chars.len());
            }
            let kept: String = chars.iter().enumerate()
                .filter(|(i, _)| !doc_spans.iter().any(|r| r.contains(i)))
                .map(|(_, c)| *c).collect();
            for line in kept.lines() {
                let n = corpusbench::text::norm::Norm::Ccnet.to_string(line);
                if !n.is_empty() {
                    prop_assert!(seen.insert(n.clone()), "line {:?} kept twice", n);
                }
            }
            for line in doc.text.lines() {
                let n = corpusbench::text::norm::Norm::Ccnet.to_string(line);
                if !n.is_empty() { all_lines.insert(n); }
            }
        }
        prop_assert_eq!(seen, all_lines);
    }
}
