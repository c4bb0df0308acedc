//! Block classification in the manner of jusText, then the choice of the content subtree.
//!
//! 1. Each block gets a class from its own features: length, link density, the evidence of its
//!    ancestors ([`classify`]).
//! 2. Each element's gain is the sum over the blocks of its subtree (good text counts, boilerplate
//!    text counts against it); the element with the largest gain is the content root
//!    ([`choose_root`]).
//! 3. Inside the root, short and middling blocks take the class of their neighbours, headings that
//!    of the text they introduce ([`revise`]).

use super::tree::{Block, BlockKind, Doc};
use super::{Params, evidence};

/// A block's class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Boilerplate.
    Bad,
    /// Too short to judge alone: decided by its neighbours.
    Short,
    /// Middling: kept when good text is near.
    Near,
    /// Main text.
    Good,
}

/// What the classifier knows of one block.
#[derive(Debug, Clone, Copy)]
pub struct Feat {
    /// Characters of text.
    pub chars: u32,
    /// Link text bytes over text bytes.
    pub link_density: f32,
    /// Its class.
    pub class: Class,
}

/// Sentence punctuation in `text` (ASCII and the common full-width marks).
fn sentence_marks(text: &str) -> usize {
    text.bytes().filter(|b| matches!(b, b'.' | b',' | b';' | b'!' | b'?' | b':')).count()
        + text.matches(['。', '、', '，', '！', '？']).count()
}

/// Whether a block looks like main text on its own, before any evidence: long, or sentence-like,
/// and few links.
fn looks_good(text: &str, chars: u32, link_density: f32, p: &Params) -> bool {
    link_density <= p.max_link_density && (chars >= p.long || (chars >= p.short * 2 && sentence_marks(text) >= 2))
}

/// Each element's evidence along its path from the root, as the blocks under it see it: the
/// lowest negative evidence (or 0) and whether any ancestor has positive evidence. Negative
/// evidence of an element whose subtree holds much of the page's good-looking text is not
/// believed: that is a wrapper with an unlucky class (`menu-open`, `has-sidebar`), not a menu.
pub fn path_evidence(doc: &Doc, p: &Params) -> Vec<(i8, bool)> {
    let n = doc.elems.len();
    let mut mass = vec![0u32; n];
    for b in &doc.blocks {
        let text = doc.block_text(b);
        let chars = text.chars().count() as u32;
        let ld = b.link as f32 / (b.end - b.start).max(1) as f32;
        if looks_good(text, chars, ld, p)
            && let Some(m) = mass.get_mut(b.elem as usize)
        {
            *m += chars;
        }
    }
    for i in (1..n).rev() {
        let parent = doc.elems[i].parent as usize;
        if parent < i {
            mass[parent] += mass[i];
        }
    }
    let total = mass.first().copied().unwrap_or(0) as f32;
    let walk = |share: f32| {
        let mut path = vec![(0i8, false); n];
        for i in 1..n {
            let e = doc.elems[i];
            let (pn, pp) = path.get(e.parent as usize).copied().unwrap_or((0, false));
            let believed = e.evidence >= 0 || (mass[i] as f32) < share * total || mass[i] < p.long;
            let neg = if believed { pn.min(e.evidence.min(0)) } else { pn };
            path[i] = (neg, pp || e.evidence > 0);
        }
        path
    };
    let path = walk(p.wrapper_share);
    // When most good-looking text sits under negative evidence, strong or weak, the site's class
    // names mean something else (a page builder's `widget`s): believe it only where there is no
    // such text.
    let mut hidden = 0u32;
    for b in &doc.blocks {
        if path.get(b.elem as usize).is_some_and(|x| x.0 < 0) {
            hidden += mass.get(b.elem as usize).copied().unwrap_or(0).min(b.end - b.start);
        }
    }
    if hidden as f32 > p.disbelief_share * total { walk(0.0) } else { path }
}

/// The class of `b` from its own features and its path's evidence.
pub fn classify(doc: &Doc, b: &Block, path: &[(i8, bool)], p: &Params, listing: bool) -> Feat {
    let text = doc.block_text(b);
    let chars = text.chars().count() as u32;
    let bytes = (b.end - b.start).max(1) as f32;
    let link_density = b.link as f32 / bytes;
    let (neg, _pos) = path.get(b.elem as usize).copied().unwrap_or((0, false));
    let class = if neg <= evidence::STRONG_NEG {
        Class::Bad
    } else if link_density > p.max_link_density {
        // In a listing, the links are the content: judged by length alone.
        if !listing {
            Class::Bad
        } else if chars >= p.short {
            Class::Near
        } else {
            Class::Short
        }
    } else if b.kind == BlockKind::Pre {
        if chars >= p.short { Class::Good } else { Class::Near }
    } else if chars < p.short || b.kind == BlockKind::Heading {
        Class::Short
    } else if chars >= p.long || (chars >= p.short * 2 && sentence_marks(text) >= 2) {
        Class::Good
    } else {
        Class::Near
    };
    // Weak negative evidence (a page header, a hidden class) lowers the class one step.
    let class = match (class, neg < 0) {
        (Class::Good, true) => Class::Near,
        (Class::Near, true) => Class::Short,
        (c, _) => c,
    };
    Feat { chars, link_density, class }
}

/// The element whose subtree holds the most good text net of boilerplate.
pub fn choose_root(doc: &Doc, feats: &[Feat], p: &Params) -> usize {
    let n = doc.elems.len();
    let mut gain = vec![0f32; n];
    for (b, f) in doc.blocks.iter().zip(feats) {
        let c = f.chars as f32;
        let g = match f.class {
            Class::Good => c,
            Class::Near => 0.5 * c,
            Class::Short => 0.0,
            Class::Bad => -p.bad_weight * c,
        };
        if let Some(slot) = gain.get_mut(b.elem as usize) {
            *slot += g;
        }
    }
    for i in (1..n).rev() {
        let parent = doc.elems[i].parent as usize;
        if parent < i {
            gain[parent] += gain[i];
        }
    }
    let mut best = 0;
    let mut best_score = f32::MIN;
    for (i, &g) in gain.iter().enumerate() {
        let ev = doc.elems[i].evidence;
        let score = if ev > 0 && g > 0.0 { g * p.pos_bonus } else { g };
        if score > best_score {
            best_score = score;
            best = i;
        }
    }
    best
}

/// Nearest class before and after each block, skipping short blocks and, with `skip_near`,
/// middling ones too; the page's edges count as boilerplate.
fn neighbours(feats: &[Feat], skip_near: bool) -> (Vec<Class>, Vec<Class>) {
    let n = feats.len();
    let skipped = |c: Class| c == Class::Short || (skip_near && c == Class::Near);
    let mut prev = vec![Class::Bad; n];
    let mut last = Class::Bad;
    for i in 0..n {
        prev[i] = last;
        if !skipped(feats[i].class) {
            last = feats[i].class;
        }
    }
    let mut next = vec![Class::Bad; n];
    last = Class::Bad;
    for i in (0..n).rev() {
        next[i] = last;
        if !skipped(feats[i].class) {
            last = feats[i].class;
        }
    }
    (prev, next)
}

/// Revises the classes of the blocks inside the root by context, as jusText does: the nearest
/// good or bad blocks (middling ones skipped) decide. A middling block is kept unless boilerplate
/// is on both sides; a short one is kept between good text, and next to good text when any
/// middling block stands between it and the boilerplate on the other side; a heading is kept
/// when good or middling text follows.
pub fn revise(feats: &[Feat], kinds: &[BlockKind]) -> Vec<bool> {
    let n = feats.len();
    let (prev_gb, next_gb) = neighbours(feats, true);
    let (prev, next) = neighbours(feats, false);
    let mut keep = vec![false; n];
    for i in 0..n {
        keep[i] = match feats[i].class {
            Class::Good => true,
            Class::Bad => false,
            Class::Near => prev_gb[i] == Class::Good || next_gb[i] == Class::Good,
            Class::Short => {
                if kinds[i] == BlockKind::Heading {
                    matches!(next[i], Class::Good | Class::Near)
                } else {
                    match (prev_gb[i], next_gb[i]) {
                        (Class::Good, Class::Good) => true,
                        (Class::Bad, Class::Bad) => false,
                        _ => prev[i] == Class::Near || next[i] == Class::Near,
                    }
                }
            }
        };
    }
    keep
}
