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
            bad_weight: 1.0,
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
        out.push_str(doc.block_text(&doc.blocks[i]));
        out.push('\n');
    }
    tidy_lines(&out)
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
