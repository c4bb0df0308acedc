//! `sift`: a native main-text extractor: one tokenizer pass into a compact arena, jusText-style
//! block classes, the subtree with the most good text, and a context pass inside it.
//!
//! Phases (see `docs/extractors.md`, `## sift`): [`tree::parse`] builds elements and text blocks
//! in one pass over `html5gum`'s events with evidence from tags and `class`/`id`/`role`/`itemprop`
//! ([`evidence`]); [`score::classify`] gives each block a class from its length, link density and
//! its ancestors' evidence; [`score::choose_root`] picks the element whose subtree holds the most
//! good text net of boilerplate; [`score::revise`] settles short and middling blocks by their
//! neighbours. Nothing recurses: deep pages cost linear time.

pub mod evidence;
pub mod score;
pub mod tree;

use crate::error::Error;
use crate::model::Page;
use crate::strategy::{Extractor, ParamSpec, StrategyError};

use super::plain::with_attribute_stack;
use super::tidy_lines;

/// `sift` takes no parameters: its constants are fixed on the tune halves of the datasets.
pub const PARAMS: &[ParamSpec] = &[];

/// Tuned constants of the classifier.
#[derive(Debug, Clone)]
pub struct Params {
    /// Blocks shorter than this (characters) are judged by their neighbours.
    pub short: u32,
    /// Blocks at least this long are good on their own.
    pub long: u32,
    /// Blocks with more link text than this share are boilerplate.
    pub max_link_density: f32,
    /// How much a character of boilerplate costs a subtree, against one of good text.
    pub bad_weight: f32,
    /// Gain multiplier of an element with positive evidence.
    pub pos_bonus: f32,
    /// Negative evidence of an element holding at least this share of the page's good-looking
    /// text is not believed.
    pub wrapper_share: f32,
    /// When more than this share of the good-looking text is under believed negative evidence,
    /// negative evidence is only believed of elements with no good-looking text.
    pub disbelief_share: f32,
    /// A first pass keeping fewer bytes than this is retried as a listing.
    pub min_prose: u32,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            short: 40,
            long: 120,
            max_link_density: 0.35,
            bad_weight: 0.5,
            pos_bonus: 1.1,
            wrapper_share: 0.3,
            disbelief_share: 0.5,
            min_prose: 1500,
        }
    }
}

/// The `sift` extractor.
#[derive(Debug, Default, Clone)]
pub struct Sift {
    params: Params,
}

impl Sift {
    /// Builds it (there is nothing to configure).
    pub fn new(_params: &crate::strategy::Params) -> Result<Sift, Error> {
        Ok(Sift::default())
    }
}

impl Extractor for Sift {
    fn name(&self) -> &str {
        "sift"
    }

    fn extract(&self, page: &Page) -> Result<String, StrategyError> {
        Ok(main_text(&page.html, &self.params))
    }
}

/// The main text of `html`, a line per block.
pub fn main_text(html: &str, p: &Params) -> String {
    let doc = with_attribute_stack(html, || tree::parse(html));
    select(&doc, p)
}

/// The kept blocks of a parsed page, a line each.
fn select(doc: &tree::Doc, p: &Params) -> String {
    let path = score::path_evidence(doc, p);
    let last = doc.subtree_ends();
    let mut kept = pass(doc, &path, &last, p, false);
    let chars: usize = kept.iter().map(|&i| doc.block_text(&doc.blocks[i]).len()).sum();
    // Little prose: the page is a listing (links are its content) or a page of short texts.
    if chars < p.min_prose as usize {
        let listing = pass(doc, &path, &last, p, true);
        let more: usize = listing.iter().map(|&i| doc.block_text(&doc.blocks[i]).len()).sum();
        if more > chars {
            kept = listing;
        }
    }
    let mut out = String::new();
    for i in kept {
        let block = &doc.blocks[i];
        let text = doc.block_text(block);
        // Lines as `tidy_lines` makes them, except that code keeps its indentation.
        let lines = if block.kind == tree::BlockKind::Pre {
            text.lines().map(str::trim_end).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
        } else {
            tidy_lines(text)
        };
        if !lines.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&lines);
        }
    }
    out
}

/// One selection: classes, the content root, and the blocks kept inside it (indices). In
/// `listing` mode link text is content unless evidence says otherwise, and every block of the
/// root not judged boilerplate is kept.
fn pass(doc: &tree::Doc, path: &[(i8, bool)], last: &[u32], p: &Params, listing: bool) -> Vec<usize> {
    let feats: Vec<score::Feat> = doc.blocks.iter().map(|b| score::classify(doc, b, path, p, listing)).collect();
    let root = score::choose_root(doc, &feats, p);
    let end = last.get(root).copied().unwrap_or(root as u32) as usize;
    let inside: Vec<usize> =
        (0..doc.blocks.len()).filter(|&i| (root..=end).contains(&(doc.blocks[i].elem as usize))).collect();
    if listing {
        return inside.into_iter().filter(|&i| feats[i].class != score::Class::Bad).collect();
    }
    let sub_feats: Vec<score::Feat> = inside.iter().map(|&i| feats[i]).collect();
    let kinds: Vec<tree::BlockKind> = inside.iter().map(|&i| doc.blocks[i].kind).collect();
    let keep = score::revise(&sub_feats, &kinds);
    inside.into_iter().zip(keep).filter(|x| x.1).map(|x| x.0).collect()
}

/// Every block of `html` with its class, element, ancestors' evidence and whether it was kept:
/// a line each, for looking into a page's extraction.
pub fn explain(html: &str) -> String {
    let p = Params::default();
    let doc = with_attribute_stack(html, || tree::parse(html));
    let path = score::path_evidence(&doc, &p);
    let feats: Vec<score::Feat> = doc.blocks.iter().map(|b| score::classify(&doc, b, &path, &p, false)).collect();
    let root = score::choose_root(&doc, &feats, &p);
    let last = doc.subtree_ends();
    let end = last.get(root).copied().unwrap_or(root as u32) as usize;
    let mut out = format!("root {root}..={end}\n");
    for (b, f) in doc.blocks.iter().zip(&feats) {
        let inside = (root..=end).contains(&(b.elem as usize));
        let text: String = doc.block_text(b).chars().take(90).collect();
        out.push_str(&format!(
            "{} {:?}/{:?} e{} neg{} pos{} ld{:.2} {}: {}\n",
            if inside { "*" } else { " " },
            b.kind,
            f.class,
            b.elem,
            path[b.elem as usize].0,
            path[b.elem as usize].1 as u8,
            f.link_density,
            f.chars,
            text.replace('\n', "|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        main_text(html, &Params::default())
    }

    const ARTICLE: &str = "<article class=post-content><h1>Night ferry stays</h1>\
        <p>The town council voted on Tuesday evening to keep the night ferry running through the winter, \
        reversing a plan that would have ended the service in November.</p>\
        <p>Councillors had proposed the cut to save money after fuel costs rose for a third year in a row, \
        and residents signed a letter asking them to reconsider.</p>\
        <div class=share-buttons><a href=#>Share on X</a> <a href=#>Share by mail</a></div></article>";

    #[test]
    fn navigation_footer_and_sharing_are_dropped_and_the_article_kept() {
        let html = format!(
            "<body><nav><ul><li><a href=/>Home</a><li><a href=/news>News</a><li><a href=/sport>Sport</a></ul></nav>\
             <div class=sidebar><h3>Popular</h3><p>A long sidebar teaser about something else entirely, which is \
             not what the page is about at all, even with sentences.</p></div>{ARTICLE}\
             <footer><p>Copyright 2026 The Ledger. All rights reserved. Privacy policy and terms.</p></footer></body>"
        );
        let out = text(&html);
        assert!(out.starts_with("Night ferry stays\nThe town council voted"), "{out}");
        assert!(out.contains("asking them to reconsider."), "{out}");
        for gone in ["Home", "Sport", "Share on X", "Copyright", "sidebar teaser"] {
            assert!(!out.contains(gone), "kept {gone:?}: {out}");
        }
    }

    #[test]
    fn a_page_of_links_without_prose_is_read_as_a_listing() {
        let items: String = (1..=12)
            .map(|i| {
                format!(
                    "<li><a href=/job/{i}>Senior engineer number {i} wanted at a small startup</a> {i} hours ago</li>"
                )
            })
            .collect();
        let html = format!(
            "<nav><a href=/>Home</a> <a href=/login>Log in</a></nav><main><h1>Jobs</h1><ul>{items}</ul></main>"
        );
        let out = text(&html);
        assert!(out.contains("Senior engineer number 1 wanted at a small startup 1 hours ago"), "{out}");
        assert!(out.contains("number 12 wanted"), "{out}");
        assert!(!out.contains("Log in"), "{out}");
    }

    #[test]
    fn markup_inside_noscript_is_read_as_a_browser_without_scripts_shows_it() {
        let post = "I am getting back into this after a few years away and would like to ask about resolvers. ";
        let html = format!("<div id=app></div><noscript><div class=post><p>{}</p></div></noscript>", post.repeat(4));
        assert!(text(&html).starts_with("I am getting back into this"));
        // A short noscript is a "turn on JavaScript" line, not content.
        assert_eq!(text("<noscript><p>Please enable JavaScript.</p></noscript>"), "");
    }

    #[test]
    fn negative_class_names_covering_most_of_the_text_are_not_believed() {
        let para = "<p>Each paragraph here is long enough to count as real text, with a few clauses, commas and a full stop.</p>";
        let html = format!(
            "<div class=elementor-widget-container>{}</div><div class=widget-sidebar>{}</div>",
            para.repeat(3),
            para.repeat(3)
        );
        let out = text(&html);
        assert_eq!(out.lines().count(), 6, "{out}");
    }
}
