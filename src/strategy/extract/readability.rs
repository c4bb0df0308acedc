//! `readability`: Mozilla Readability's algorithm, through the `dom_smoothie` port.
//!
//! Readability scores candidate containers by their paragraphs' text, commas and link density
//! (with class/id weights), picks the best one and cleans it; `dom_smoothie` follows Readability.js
//! closely. This module only adapts it: it takes the article's text (formatted, one paragraph a
//! line, by default) and treats "no article found" as an empty extraction, as the JavaScript
//! library returns `null` for such pages. It does not use Readability's title or metadata.

use dom_smoothie::{Config, ReadabilityError, TextMode};

use crate::error::Error;
use crate::model::Page;
use crate::strategy::{Extractor, ParamSpec, Params, StrategyError};

use super::tidy_lines;

/// Parameters of `readability`.
pub const PARAMS: &[ParamSpec] = &[ParamSpec {
    name: "text",
    default: "formatted",
    help: "text output: formatted (a line per block) or raw (the DOM's text content)",
}];

/// The `readability` extractor.
#[derive(Debug, Clone)]
pub struct Readability {
    config: Config,
}

impl Readability {
    /// Builds it from `text=formatted|raw`.
    pub fn new(params: &Params) -> Result<Readability, Error> {
        let text_mode = match params.choice("text", &["formatted", "raw"])? {
            "raw" => TextMode::Raw,
            _ => TextMode::Formatted,
        };
        Ok(Readability { config: Config { text_mode, ..Config::default() } })
    }
}

impl Extractor for Readability {
    fn name(&self) -> &str {
        "readability"
    }

    fn extract(&self, page: &Page) -> Result<String, StrategyError> {
        // A relative or malformed page address is not the page's fault: extract without it.
        let url = page.url.as_deref().filter(|u| u.starts_with("http://") || u.starts_with("https://"));
        let mut reader = match dom_smoothie::Readability::new(page.html.as_str(), url, Some(self.config.clone())) {
            Ok(r) => r,
            Err(ReadabilityError::BadDocumentURL) => {
                dom_smoothie::Readability::new(page.html.as_str(), None, Some(self.config.clone()))
                    .map_err(|e| StrategyError(e.to_string()))?
            }
            Err(e) => return Err(StrategyError(e.to_string())),
        };
        match reader.parse() {
            Ok(article) => Ok(tidy_lines(&article.text_content)),
            Err(ReadabilityError::GrabFailed) => Ok(String::new()),
            Err(e) => Err(StrategyError(e.to_string())),
        }
    }
}
