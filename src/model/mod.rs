//! The model every layer above shares: documents, pages, gold annotations, datasets and what a
//! deduplicator returns, plus how a dataset is scored ([`scoring`]) and the table of every
//! metric ([`catalogue`]). Loaders (`corpus`) build these values; strategies, metrics, the
//! runner and the reports read them. Nothing here reads files.

pub mod catalogue;
pub mod docs;
pub mod output;
pub mod scoring;

use std::path::PathBuf;

use crate::error::InputError;
use crate::text::Spans;

pub use catalogue::{Direction, GateRule, MetricInfo};
pub use docs::{DocSource, DocView, StreamedDocs};
pub use output::{DedupOutput, PairModel, Pairs};
pub use scoring::{Family, MetricSelection, Scoring};

/// What a dataset is for, and so which strategies and metrics apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// A set of documents -> duplicate clusters and duplicate spans.
    Dedup,
    /// An HTML page -> its main text.
    Extract,
}

impl Task {
    /// The lowercase name used in manifests and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Dedup => "dedup",
            Task::Extract => "extract",
        }
    }
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text document, the unit of deduplication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// Identifier, unique within its dataset.
    pub id: String,
    /// The document's text.
    pub text: String,
}

/// An HTML page, the unit of extraction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Identifier, unique within its dataset.
    pub id: String,
    /// The page's HTML, decoded to UTF-8.
    pub html: String,
    /// The page's address, when known (some extractors use it).
    pub url: Option<String>,
}

/// Gold annotations of a deduplication dataset, aligned with its documents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DedupGold {
    /// Per document: its gold cluster label (documents without one are singletons).
    /// `None` when the dataset has no document-level gold.
    pub clusters: Option<Vec<u32>>,
    /// Per document: duplicate character spans a cleaner should remove (char offsets,
    /// half-open). `None` when the dataset has no span-level gold.
    pub spans: Option<Vec<Spans>>,
    /// Per document: a category for per-category pair metrics (`pair_recall@cut`, ...), e.g.
    /// Clough-Stevenson's `orig`/`cut`/`light`/`heavy`/`non`. `None` when the dataset has none.
    pub categories: Option<Vec<String>>,
}

/// Gold annotations of one page of an extraction dataset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractGold {
    /// The page's main text, when the dataset gives it.
    pub text: Option<String>,
    /// Snippets that must appear in a good extraction.
    pub with: Vec<String>,
    /// Snippets that must not appear (boilerplate).
    pub without: Vec<String>,
    /// A page category for per-type breakdowns, when the dataset has one.
    pub page_type: Option<String>,
}

/// The items of a dataset with their gold, by task.
#[derive(Debug, Clone)]
pub enum Items {
    /// Documents and their deduplication gold.
    Dedup {
        /// The documents, in dataset order (the keep policy depends on it).
        docs: Vec<Doc>,
        /// Gold clusters and spans.
        gold: DedupGold,
    },
    /// Documents read from their files as strategies take them, and their gold: only ids and
    /// lengths are held (`run --stream`, docs/scale.md).
    Streamed {
        /// Ids and lengths, in dataset order, and the source of the texts.
        docs: StreamedDocs,
        /// Gold clusters and spans.
        gold: DedupGold,
    },
    /// Pages and their extraction gold, aligned by index.
    Extract {
        /// The pages, in dataset order.
        pages: Vec<Page>,
        /// One gold record per page.
        gold: Vec<ExtractGold>,
    },
}

/// A loaded dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Short unique name used in reports.
    pub name: String,
    /// The folder it was loaded from.
    pub root: PathBuf,
    /// The format it was read as (`jsonl` for the project's own).
    pub format: String,
    /// The metric families it is scored with and the metric the leaderboard sorts by, set by
    /// its loader.
    pub scoring: Scoring,
    /// sha256 over the dataset's files (see [`fingerprint`]).
    pub fingerprint: String,
    /// Items and gold.
    pub items: Items,
    /// Bytes of the pages' decoded HTML when they were loaded without it (no strategy of the run
    /// reads HTML, `LoadOptions::skip_html`); `None` when the items hold their input.
    pub html_bytes: Option<u64>,
    /// Problems met while loading; the affected records are not in `items`.
    pub issues: Vec<InputError>,
}

impl Dataset {
    /// A dataset built in memory (library use, tests): no folder and no fingerprint, scored with
    /// every family its gold allows and the default primary metric of its task.
    pub fn in_memory(name: &str, items: Items) -> Dataset {
        let (_, families, primary) = scoring::own_format(&items);
        let scoring = Scoring { families, primary: primary.to_string() };
        Dataset {
            name: name.to_string(),
            root: PathBuf::new(),
            format: "in-memory".to_string(),
            scoring,
            fingerprint: String::new(),
            items,
            html_bytes: None,
            issues: Vec::new(),
        }
    }

    /// The metric the leaderboard sorts by.
    pub fn primary_metric(&self) -> &str {
        &self.scoring.primary
    }

    /// The dataset's task.
    pub fn task(&self) -> Task {
        match self.items {
            Items::Dedup { .. } | Items::Streamed { .. } => Task::Dedup,
            Items::Extract { .. } => Task::Extract,
        }
    }

    /// Number of documents or pages.
    pub fn len(&self) -> usize {
        match &self.items {
            Items::Dedup { docs, .. } => docs.len(),
            Items::Streamed { docs, .. } => docs.count(),
            Items::Extract { pages, .. } => pages.len(),
        }
    }

    /// True when no document or page survived loading.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of input text or HTML the strategies process (the base of MB/s).
    pub fn input_bytes(&self) -> u64 {
        match &self.items {
            Items::Dedup { docs, .. } => docs.iter().map(|d| d.text.len() as u64).sum(),
            Items::Streamed { docs, .. } => docs.bytes,
            Items::Extract { pages, .. } => {
                self.html_bytes.unwrap_or_else(|| pages.iter().map(|p| p.html.len() as u64).sum())
            }
        }
    }
}
