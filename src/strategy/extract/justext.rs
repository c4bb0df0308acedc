//! `justext`: the jusText paragraph classifier, through the `justext` crate (a port of the
//! Python jusText 3.0).
//!
//! jusText (Pomikálek, "Removing Boilerplate and Duplicate Content from Web Corpora", PhD thesis,
//! Masaryk University, 2011) splits a page into paragraphs at block tags, classifies each as bad,
//! short, near-good or good from its length, stopword density and link density, then reclassifies
//! short and near-good paragraphs from their good or bad neighbours (headings near good text are
//! kept). This module only adapts it: it keeps the good paragraphs, one a line. It does not detect
//! the page's language: the stoplist is chosen by parameter (English by default; `lang=all` merges
//! every stoplist, as trafilatura's evaluation does for multilingual pages).

use std::collections::HashSet;

use ::justext::Config;

use crate::error::Error;
use crate::model::Page;
use crate::strategy::{Extractor, ParamSpec, Params, StrategyError};

use super::tidy_lines;

/// Parameters of `justext` (defaults are jusText's own).
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "lang",
        default: "English",
        help: "stoplist language (one of jusText's stoplists), or `all` for the union of every stoplist",
    },
    ParamSpec { name: "length_low", default: "70", help: "paragraphs shorter than this (chars) are short" },
    ParamSpec { name: "length_high", default: "200", help: "paragraphs at least this long may be good" },
    ParamSpec { name: "stopwords_low", default: "0.30", help: "stopword density below which a paragraph is bad" },
    ParamSpec { name: "stopwords_high", default: "0.32", help: "stopword density needed for good" },
    ParamSpec { name: "max_link_density", default: "0.2", help: "link density above which a paragraph is bad" },
];

/// The `justext` extractor.
#[derive(Debug, Clone)]
pub struct JusText {
    stoplist: HashSet<String>,
    config: Config,
}

impl JusText {
    /// Builds it from its parameters; an unknown language is a spec error.
    pub fn new(params: &Params) -> Result<JusText, Error> {
        let lang = params.str("lang")?;
        let stoplist = if lang.eq_ignore_ascii_case("all") {
            ::justext::get_all_stoplists().clone()
        } else {
            ::justext::get_stoplist(lang).map_err(|e| Error::Spec(format!("strategy `justext`: {e}")))?
        };
        let config = Config::default()
            .with_length_low(params.usize("length_low")?)
            .with_length_high(params.usize("length_high")?)
            .with_stopwords_low(params.f64("stopwords_low")?)
            .with_stopwords_high(params.f64("stopwords_high")?)
            .with_max_link_density(params.f64("max_link_density")?);
        Ok(JusText { stoplist, config })
    }
}

impl Extractor for JusText {
    fn name(&self) -> &str {
        "justext"
    }

    fn extract(&self, page: &Page) -> Result<String, StrategyError> {
        Ok(tidy_lines(&::justext::extract_text(&page.html, &self.stoplist, &self.config)))
    }
}
