//! The name -> implementation registry. Every built-in strategy is listed once, in [`registry`];
//! a new strategy becomes available to the CLI, the runner and the cross-strategy tests by
//! adding one entry there.

use super::spec::{ParamSpec, Params, parse};
use super::{Deduplicator, Extractor, dedup, extract};
use crate::corpus::Task;
use crate::error::Error;

/// A built strategy, by task.
pub enum Strategy {
    /// A deduplicator.
    Dedup(Box<dyn Deduplicator>),
    /// An extractor.
    Extract(Box<dyn Extractor>),
}

impl Strategy {
    /// The task this strategy serves.
    pub fn task(&self) -> Task {
        match self {
            Strategy::Dedup(_) => Task::Dedup,
            Strategy::Extract(_) => Task::Extract,
        }
    }
}

/// How to build a strategy by name.
pub struct StrategyInfo {
    /// Name used in specs and reports.
    pub name: &'static str,
    /// The task it serves.
    pub task: Task,
    /// One line on what it does.
    pub summary: &'static str,
    /// Parameters it accepts, with defaults.
    pub params: &'static [ParamSpec],
    /// Whether `corpusbench run` includes it when no `--strategy` is given.
    pub default: bool,
    /// Builds it from validated parameters.
    pub build: fn(&Params) -> Result<Strategy, Error>,
}

/// Every built-in strategy.
pub fn registry() -> &'static [StrategyInfo] {
    static REGISTRY: &[StrategyInfo] = &[
        StrategyInfo {
            name: "exact",
            task: Task::Dedup,
            summary: "documents with identical normalised text (xxh3-128) form a cluster",
            params: dedup::exact::PARAMS,
            default: true,
            build: |p| Ok(Strategy::Dedup(Box::new(dedup::exact::Exact::new(p)?))),
        },
        StrategyInfo {
            name: "lines",
            task: Task::Dedup,
            summary: "repeated lines across the dataset are removed, the first kept (CCNet normalisation)",
            params: dedup::units::PARAMS,
            default: true,
            build: |p| Ok(Strategy::Dedup(Box::new(dedup::units::Units::lines(p)?))),
        },
        StrategyInfo {
            name: "paragraphs",
            task: Task::Dedup,
            summary: "repeated blank-line separated paragraphs are removed, the first kept",
            params: dedup::units::PARAMS,
            default: true,
            build: |p| Ok(Strategy::Dedup(Box::new(dedup::units::Units::paragraphs(p)?))),
        },
        StrategyInfo {
            name: "bloom-paragraphs",
            task: Task::Dedup,
            summary: "repeated \\n-separated paragraphs found through a Bloom filter, the first kept (Dolma dedupe.paragraphs)",
            params: dedup::bloom::PARAMS,
            default: true,
            build: |p| Ok(Strategy::Dedup(Box::new(dedup::bloom::BloomParagraphs::new(p)?))),
        },
        StrategyInfo {
            name: "suffix-array",
            task: Task::Dedup,
            summary: "exact repeated substrings of at least min_bytes bytes (suffix array + LCP), the first kept (Lee et al. 2021)",
            params: dedup::suffix_array::PARAMS,
            default: true,
            build: |p| Ok(Strategy::Dedup(Box::new(dedup::suffix_array::SuffixArray::new(p)?))),
        },
        StrategyInfo {
            name: "gopher-repetition",
            task: Task::Dedup,
            summary: "documents failing a Gopher repetition rule (Rae et al. 2021) are removed; per-document figures in doc_stats.csv",
            params: dedup::gopher::PARAMS,
            default: true,
            build: |_| Ok(Strategy::Dedup(Box::new(dedup::gopher::GopherRepetition))),
        },
        StrategyInfo {
            name: "outputs",
            task: Task::Extract,
            summary: "saved outputs of another system (JSON map page id -> text), scored like any extractor",
            params: extract::outputs::PARAMS,
            default: false,
            build: |p| Ok(Strategy::Extract(Box::new(extract::outputs::Outputs::new(p)?))),
        },
        StrategyInfo {
            name: "minhash",
            task: Task::Dedup,
            summary: "near-duplicate documents by MinHash-LSH over shingles (bands/rows tuned for a Jaccard threshold)",
            params: dedup::minhash::PARAMS,
            default: true,
            build: |p| Ok(Strategy::Dedup(Box::new(dedup::minhash::MinHash::new("minhash", p)?))),
        },
        StrategyInfo {
            name: "minhash@fineweb",
            task: Task::Dedup,
            summary: "MinHash-LSH as FineWeb: word 5-grams, 14 bands x 8 rows",
            params: dedup::minhash::PARAMS_FINEWEB,
            default: true,
            build: |p| Ok(Strategy::Dedup(Box::new(dedup::minhash::MinHash::new("minhash@fineweb", p)?))),
        },
        StrategyInfo {
            name: "minhash@nemo",
            task: Task::Dedup,
            summary: "MinHash-LSH as NeMo Curator: character 24-grams, 20 bands x 13 rows",
            params: dedup::minhash::PARAMS_NEMO,
            default: false,
            build: |p| Ok(Strategy::Dedup(Box::new(dedup::minhash::MinHash::new("minhash@nemo", p)?))),
        },
        StrategyInfo {
            name: "minhash@lee2021",
            task: Task::Dedup,
            summary: "MinHash-LSH as Lee et al. 2021 NearDup: 5-grams, 450 bands x 20 rows, Jaccard >= 0.8",
            params: dedup::minhash::PARAMS_LEE2021,
            default: false,
            build: |p| Ok(Strategy::Dedup(Box::new(dedup::minhash::MinHash::new("minhash@lee2021", p)?))),
        },
        StrategyInfo {
            name: "simhash",
            task: Task::Dedup,
            summary: "near-duplicate documents by 64-bit SimHash within Hamming distance k (permuted tables)",
            params: dedup::simhash::PARAMS,
            default: true,
            build: |p| Ok(Strategy::Dedup(Box::new(dedup::simhash::SimHash::new(p)?))),
        },
        StrategyInfo {
            name: "plain",
            task: Task::Extract,
            summary: "all visible text, a line per block (baseline: keeps boilerplate)",
            params: extract::plain::PARAMS,
            default: true,
            build: |p| Ok(Strategy::Extract(Box::new(extract::plain::Plain::new(p)?))),
        },
        StrategyInfo {
            name: "readability",
            task: Task::Extract,
            summary: "Mozilla Readability (dom_smoothie port): best-scoring content container",
            params: extract::readability::PARAMS,
            default: true,
            build: |p| Ok(Strategy::Extract(Box::new(extract::readability::Readability::new(p)?))),
        },
        StrategyInfo {
            name: "trafilatura",
            task: Task::Extract,
            summary: "trafilatura (Rust port): rule-based pruning with readability/jusText fallback",
            params: extract::trafilatura::PARAMS,
            default: true,
            build: |p| Ok(Strategy::Extract(Box::new(extract::trafilatura::Trafilatura::new(p)?))),
        },
        StrategyInfo {
            name: "justext",
            task: Task::Extract,
            summary: "jusText: paragraphs classified by length, stopword and link density, then by context",
            params: extract::justext::PARAMS,
            default: true,
            build: |p| Ok(Strategy::Extract(Box::new(extract::justext::JusText::new(p)?))),
        },
        StrategyInfo {
            name: "sleep",
            task: Task::Extract,
            summary: "testing aid: waits `ms` per page, then extracts as plain (exercises the time budget)",
            params: extract::sleep::PARAMS,
            default: false,
            build: |p| Ok(Strategy::Extract(Box::new(extract::sleep::Sleep::new(p)?))),
        },
    ];
    REGISTRY
}

/// Looks up a strategy by name, with an error that lists every known name.
pub fn info(name: &str) -> Result<&'static StrategyInfo, Error> {
    registry().iter().find(|s| s.name == name).ok_or_else(|| {
        let known: Vec<&str> = registry().iter().map(|s| s.name).collect();
        Error::Spec(format!("unknown strategy `{name}` (known: {})", known.join(", ")))
    })
}

/// Builds a strategy from a spec string (`name` or `name:key=value,...`).
pub fn build(spec: &str) -> Result<Strategy, Error> {
    let parsed = parse(spec)?;
    let info = info(&parsed.name)?;
    let params = Params::new(info.name, info.params, &parsed.params)?;
    (info.build)(&params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_strategy_builds_with_defaults() {
        for info in registry() {
            let s = build(info.name).unwrap_or_else(|e| panic!("{}: {e}", info.name));
            assert_eq!(s.task(), info.task, "{}", info.name);
        }
    }

    #[test]
    fn unknown_strategy_lists_known_names() {
        let err = build("nope").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("unknown strategy `nope`") && err.contains("lines"), "{err}");
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = registry().iter().map(|s| s.name).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}
