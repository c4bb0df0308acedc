//! `trafilatura`: the trafilatura algorithm, through the `trafilatura` crate (a Rust port of
//! go-trafilatura, itself a port of the Python original).
//!
//! Trafilatura prunes the tree with XPath-like rules for boilerplate, extracts text from the
//! remaining content elements, and falls back to Readability and jusText when its own result is
//! too short. This module only adapts it: it returns the main content's text and treats "too
//! little content" as an empty extraction (the Python library returns `None` there). Comments are
//! left out by default, as in the upstream evaluation; the preset `trafilatura@python` includes
//! them, as Python trafilatura's `extract()` does by default. Metadata are not used. The text is
//! read from the crate's cleaned content HTML (a line per block, as the Python library's text
//! output has).

use ::trafilatura::{ExtractionFocus, Options, TrafilaturaError};

use crate::error::Error;
use crate::model::Page;
use crate::strategy::{Extractor, ParamSpec, Params, StrategyError};

use super::tidy_lines;

/// Parameter list with the given default for `comments` (the presets differ only there).
const fn params(comments: &'static str) -> [ParamSpec; 4] {
    [
        ParamSpec { name: "focus", default: "balanced", help: "balanced, precision or recall" },
        ParamSpec { name: "fallback", default: "true", help: "fall back to readability/jusText on short results" },
        ParamSpec { name: "comments", default: comments, help: "append the page's comments to the text" },
        ParamSpec { name: "tables", default: "true", help: "keep text in tables" },
    ]
}

/// Parameters of `trafilatura` (comments left out, as in trafilatura's own evaluation).
pub const PARAMS: &[ParamSpec] = &params("false");

/// `trafilatura@python`: Python trafilatura 2.x `extract()`'s defaults (`include_comments=True`,
/// `include_tables=True`, `no_fallback=False`, neither `favor_precision` nor `favor_recall`).
/// The crate's other defaults already match Python's (no images, links or deduplication;
/// `MIN_EXTRACTED_SIZE` 250, `MIN_OUTPUT_SIZE` 1).
pub const PARAMS_PYTHON: &[ParamSpec] = &params("true");

/// The visible text of `html` a line per block, or `fallback` tidied when there is no HTML.
fn block_text(html: &str, fallback: &str) -> String {
    if html.trim().is_empty() { tidy_lines(fallback) } else { tidy_lines(&super::plain::visible_text(html)) }
}

/// The `trafilatura` extractor.
#[derive(Debug, Clone)]
pub struct Trafilatura {
    /// Its registered name: `trafilatura` or a preset's.
    name: String,
    options: Options,
    comments: bool,
}

impl Trafilatura {
    /// Builds it from its parameters.
    pub fn new(params: &Params) -> Result<Trafilatura, Error> {
        let focus = match params.choice("focus", &["balanced", "precision", "recall"])? {
            "precision" => ExtractionFocus::FavorPrecision,
            "recall" => ExtractionFocus::FavorRecall,
            _ => ExtractionFocus::Balanced,
        };
        let comments = params.bool("comments")?;
        let options = Options::default()
            .with_focus(focus)
            .with_fallback(params.bool("fallback")?)
            .with_exclude_comments(!comments)
            .with_exclude_tables(!params.bool("tables")?);
        Ok(Trafilatura { name: params.strategy().to_string(), options, comments })
    }
}

impl Extractor for Trafilatura {
    fn name(&self) -> &str {
        &self.name
    }

    fn extract(&self, page: &Page) -> Result<String, StrategyError> {
        let mut options = self.options.clone();
        if let Some(url) = page.url.as_deref().and_then(|u| ::url::Url::parse(u).ok()) {
            options = options.with_url(url);
        }
        match ::trafilatura::extract(&page.html, &options) {
            Ok(result) => {
                // The crate's `content_text` joins paragraphs with spaces; its cleaned HTML keeps the
                // blocks, so the text is taken from there, a line per block.
                let mut text = block_text(&result.content_html, &result.content_text);
                if self.comments {
                    let comments = block_text(&result.comments_html, &result.comments_text);
                    if !comments.is_empty() {
                        text.push('\n');
                        text.push_str(&comments);
                    }
                }
                Ok(text)
            }
            Err(TrafilaturaError::InsufficientContent { .. }) => Ok(String::new()),
            Err(e) => Err(StrategyError(e.to_string())),
        }
    }
}
