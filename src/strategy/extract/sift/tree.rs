//! A compact arena of the page's elements and text blocks, built in one pass over the `html5gum`
//! tokenizer's events (the open-element stack and implied end tags of `plain`).
//!
//! Elements are numbered in document order and point to their parent, so every subtree is the
//! index range `[e, last[e]]` and aggregates are one backward pass, with no recursion. A block is
//! a run of text between two block-level boundaries; it belongs to the innermost open block-level
//! element and carries what the walk knew there: how much of it is link text, what kind of block
//! it is, and the evidence of its ancestors.

use std::convert::Infallible;

use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
use html5gum::{Span, Tokenizer};

use super::evidence;
use crate::strategy::extract::plain::{Kind, NONE, OpenElement, OpenElements, key, kind, style_hides};

/// What a block is, from the element that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// Text of a paragraph or of a generic container.
    Text,
    /// A heading, `h1` to `h6`.
    Heading,
    /// A list item or definition.
    Item,
    /// A table cell.
    Cell,
    /// Preformatted text.
    Pre,
    /// A block quotation.
    Quote,
    /// A figure caption or table caption.
    Caption,
}

/// An element of the arena.
#[derive(Debug, Clone, Copy)]
pub struct Elem {
    /// Index of the parent element (the root points to itself).
    pub parent: u32,
    /// Evidence of the element's own tag and attributes (see [`evidence`]).
    pub evidence: i8,
}

/// A run of text between block boundaries.
#[derive(Debug, Clone, Copy)]
pub struct Block {
    /// The innermost open block-level element when the block started.
    pub elem: u32,
    /// Byte range of its text in [`Doc::text`].
    pub start: u32,
    /// End of the range.
    pub end: u32,
    /// Bytes of its text inside links.
    pub link: u32,
    /// What it is.
    pub kind: BlockKind,
}

/// The parsed page.
#[derive(Debug, Default)]
pub struct Doc {
    /// Elements in document order; index 0 is a virtual root.
    pub elems: Vec<Elem>,
    /// Blocks in document order.
    pub blocks: Vec<Block>,
    /// The blocks' text, whitespace collapsed (kept in `pre`).
    pub text: String,
}

#[derive(Debug, Clone, Copy)]
struct Open {
    key: u64,
    kind: Kind,
    /// Nearest block-level element, this one included.
    owner: u32,
    link: bool,
    ctx: BlockKind,
}

impl OpenElement for Open {
    fn key(&self) -> u64 {
        self.key
    }
    fn kind(&self) -> Kind {
        self.kind
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attr {
    Other,
    AriaHidden,
    Style,
    ClassOrId,
    Role,
    Itemprop,
}

/// A `noscript` with less text than this is a tracking pixel or a "turn on JavaScript" line:
/// not worth parsing as markup.
const NOSCRIPT_MIN: usize = 256;

struct Builder {
    doc: Doc,
    out: Vec<u8>,
    /// Open elements (the root at 0, never closed); `collect_at` is a `noscript` whose raw text
    /// is collected.
    elements: OpenElements<Open>,
    tag: Vec<u8>,
    tag_hidden: bool,
    tag_evidence: i8,
    attr: Attr,
    scratch: Vec<u8>,
    noscript: Vec<u8>,
    /// True while the text of a `noscript` is parsed as markup (once: not nested).
    reparsing: bool,
    // The open block.
    open: bool,
    block: Block,
    pending_space: bool,
}

/// Parses `html` into a [`Doc`].
pub fn parse(html: &str) -> Doc {
    let root = Open { key: 0, kind: Kind::Root, owner: 0, link: false, ctx: BlockKind::Text };
    let mut b = Builder {
        doc: Doc {
            elems: Vec::with_capacity(html.len() / 64),
            blocks: Vec::with_capacity(html.len() / 256),
            text: String::new(),
        },
        out: Vec::with_capacity(html.len() / 4),
        elements: OpenElements::new(vec![root]),
        tag: Vec::new(),
        tag_hidden: false,
        tag_evidence: 0,
        attr: Attr::Other,
        scratch: Vec::new(),
        noscript: Vec::new(),
        reparsing: false,
        open: false,
        block: Block { elem: 0, start: 0, end: 0, link: 0, kind: BlockKind::Text },
        pending_space: false,
    };
    b.doc.elems.push(Elem { parent: 0, evidence: 0 });
    {
        let mut emitter = CallbackEmitter::new(|event: CallbackEvent<'_>, _span: Span<()>| -> Option<Infallible> {
            b.event(event);
            None
        });
        emitter.naively_switch_states(true);
        Tokenizer::new_with_emitter(html, emitter).for_each(drop);
    }
    b.finish()
}

impl Builder {
    fn event(&mut self, event: CallbackEvent<'_>) {
        match event {
            CallbackEvent::OpenStartTag { name } => {
                self.tag.clear();
                self.tag.extend_from_slice(name);
                self.tag_hidden = false;
                self.tag_evidence = 0;
                self.attr = Attr::Other;
            }
            CallbackEvent::AttributeName { name } => {
                self.attr = match name {
                    // Streaming renderers (React's `<div hidden id="S:0">`) ship the page's content
                    // hidden for a script to move: weak evidence, as an inline `display:none`.
                    b"hidden" => {
                        self.merge_evidence(evidence::WEAK_NEG);
                        Attr::Other
                    }
                    b"aria-hidden" => Attr::AriaHidden,
                    b"style" => Attr::Style,
                    b"class" | b"id" => Attr::ClassOrId,
                    b"role" => Attr::Role,
                    b"itemprop" => Attr::Itemprop,
                    _ => Attr::Other,
                };
            }
            CallbackEvent::AttributeValue { value } => {
                let ev = match self.attr {
                    Attr::AriaHidden => {
                        self.tag_hidden |= value.trim_ascii().eq_ignore_ascii_case(b"true");
                        0
                    }
                    // Scripts often reveal what an inline style hides (lazy sections, "locked"
                    // content), so it is weak evidence, not removal.
                    Attr::Style => {
                        if style_hides(&mut self.scratch, value) {
                            evidence::WEAK_NEG
                        } else {
                            0
                        }
                    }
                    Attr::ClassOrId => evidence::attr_value(value, &mut self.scratch),
                    Attr::Role => evidence::role(value),
                    Attr::Itemprop => evidence::itemprop(value),
                    Attr::Other => 0,
                };
                self.merge_evidence(ev);
                self.attr = Attr::Other;
            }
            CallbackEvent::CloseStartTag { .. } => self.start_tag(),
            CallbackEvent::EndTag { name } => self.end_tag(name),
            CallbackEvent::String { value } => self.text(value),
            CallbackEvent::Comment { .. } | CallbackEvent::Doctype { .. } | CallbackEvent::Error(_) => {}
        }
    }

    /// Negative evidence wins over positive.
    fn merge_evidence(&mut self, ev: i8) {
        if ev < 0 {
            self.tag_evidence = self.tag_evidence.min(0).min(ev);
        } else if ev > 0 && self.tag_evidence >= 0 {
            self.tag_evidence = self.tag_evidence.max(ev);
        }
    }

    fn start_tag(&mut self) {
        let name = std::mem::take(&mut self.tag);
        let kind = kind(&name);
        self.elements.before_start(&name, kind);
        if let Kind::Void { breaks } = kind {
            if breaks {
                if name == b"hr" {
                    self.end_block();
                } else {
                    self.soft_break();
                }
            }
            self.tag = name;
            return;
        }
        if kind.starts_line() {
            self.end_block();
        }
        let parent = self.elements.stack.last().copied().unwrap_or(Open {
            key: 0,
            kind: Kind::Root,
            owner: 0,
            link: false,
            ctx: BlockKind::Text,
        });
        // `html` and `body` classes name page templates, not regions.
        let own = if kind == Kind::Root { 0 } else { self.tag_evidence.min(0).min(evidence::tag(&name)) };
        let own = if own < 0 { own } else { self.tag_evidence.max(evidence::tag(&name)) };
        let own = if kind == Kind::Root { 0 } else { own };
        let index = self.doc.elems.len() as u32;
        // Inline elements join the arena only when they carry evidence (a `span class=byline`).
        let block_level = kind.starts_line() || matches!(kind, Kind::Root) || own != 0;
        if block_level {
            self.doc.elems.push(Elem { parent: parent.owner, evidence: own });
        }
        let ctx = match &name[..] {
            b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" => BlockKind::Heading,
            b"li" | b"dd" | b"dt" => BlockKind::Item,
            b"td" | b"th" => BlockKind::Cell,
            b"pre" | b"listing" => BlockKind::Pre,
            b"blockquote" => BlockKind::Quote,
            b"figcaption" | b"caption" => BlockKind::Caption,
            b"p" => BlockKind::Text,
            _ => parent.ctx,
        };
        let open = Open {
            key: key(&name),
            kind,
            owner: if block_level { index } else { parent.owner },
            link: parent.link || name == b"a",
            ctx,
        };
        let hidden = self.tag_hidden || kind == Kind::Skip || kind == Kind::Head || name == b"button";
        let at = self.elements.push(open, hidden);
        // A `noscript` is raw text to the tokenizer, but a browser without scripts shows its
        // markup, and some sites (Discourse forums) serve their posts there.
        if name == b"noscript" && self.elements.hidden_at == at && !self.reparsing {
            self.elements.collect_at = at;
            self.noscript.clear();
        }
        self.tag = name;
    }

    fn end_tag(&mut self, name: &[u8]) {
        let kind = kind(name);
        match kind {
            Kind::Root => return,
            Kind::Void { breaks } => {
                if breaks {
                    self.soft_break();
                }
                return;
            }
            _ => {}
        }
        let found = self.elements.find(key(name));
        if kind.starts_line() {
            self.end_block();
        }
        if let Some(i) = found {
            let reparse = self.elements.collect_at == i && self.noscript.len() >= NOSCRIPT_MIN;
            self.elements.truncate(i);
            if reparse {
                self.reparse_noscript(i);
            }
        }
    }

    /// Parses the collected text of a `noscript` as markup, in place of the element.
    fn reparse_noscript(&mut self, depth: usize) {
        let markup = std::mem::take(&mut self.noscript);
        let Ok(markup) = std::str::from_utf8(&markup) else { return };
        self.reparsing = true;
        {
            let mut emitter = CallbackEmitter::new(|event: CallbackEvent<'_>, _span: Span<()>| -> Option<Infallible> {
                self.event(event);
                None
            });
            emitter.naively_switch_states(true);
            Tokenizer::new_with_emitter(markup, emitter).for_each(drop);
        }
        self.reparsing = false;
        self.end_block();
        self.elements.truncate(depth);
    }

    /// A line break inside a block (`br`).
    fn soft_break(&mut self) {
        if self.open && self.elements.hidden_at == NONE {
            self.out.push(b'\n');
            self.pending_space = false;
        }
    }

    fn end_block(&mut self) {
        if !self.open {
            return;
        }
        self.open = false;
        self.pending_space = false;
        while self.out.last().is_some_and(|b| b.is_ascii_whitespace()) {
            self.out.pop();
        }
        self.block.end = self.out.len() as u32;
        if self.block.end > self.block.start {
            self.doc.blocks.push(self.block);
        }
        self.out.push(b'\n');
    }

    fn text(&mut self, value: &[u8]) {
        if self.elements.hidden_at != NONE {
            if self.elements.collect_at != NONE && self.elements.collect_at + 1 == self.elements.stack.len() {
                self.noscript.extend_from_slice(value);
            }
            return;
        }
        if value.contains(&0) {
            let kept: Vec<u8> = value.iter().copied().filter(|&b| b != 0).collect();
            return self.text_without_nul(&kept);
        }
        self.text_without_nul(value)
    }

    fn begin_block(&mut self) {
        let top = match self.elements.stack.last() {
            Some(t) => *t,
            None => return,
        };
        self.open = true;
        self.pending_space = false;
        self.block = Block { elem: top.owner, start: self.out.len() as u32, end: 0, link: 0, kind: top.ctx };
    }

    fn text_without_nul(&mut self, value: &[u8]) {
        let in_link = self.elements.stack.last().is_some_and(|t| t.link);
        if self.elements.pre_at != NONE {
            if !self.open {
                self.begin_block();
            }
            let before = self.out.len();
            if self.pending_space {
                self.out.push(b' ');
                self.pending_space = false;
            }
            self.out.extend(value.iter().copied().filter(|&b| b != b'\r'));
            if in_link {
                self.block.link += (self.out.len() - before) as u32;
            }
            return;
        }
        let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
        if value.first().is_some_and(is_space) && self.open {
            self.pending_space = true;
        }
        let mut any = false;
        for word in value.split(is_space).filter(|w| !w.is_empty()) {
            if !self.open {
                self.begin_block();
            }
            if self.pending_space && self.out.last().is_some_and(|&b| b != b'\n') {
                self.out.push(b' ');
            }
            self.out.extend_from_slice(word);
            if in_link {
                self.block.link += word.len() as u32;
            }
            self.pending_space = true;
            any = true;
        }
        if any {
            self.pending_space = value.last().is_some_and(is_space);
        }
    }

    fn finish(mut self) -> Doc {
        self.end_block();
        self.doc.text = match String::from_utf8(self.out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        self.doc
    }
}

impl Doc {
    /// The text of a block.
    pub fn block_text(&self, b: &Block) -> &str {
        self.text.get(b.start as usize..b.end as usize).unwrap_or("")
    }

    /// For each element, the last element index in its subtree.
    pub fn subtree_ends(&self) -> Vec<u32> {
        let mut last: Vec<u32> = (0..self.elems.len() as u32).collect();
        for i in (1..self.elems.len()).rev() {
            let p = self.elems[i].parent as usize;
            if p < i && last[p] < last[i] {
                last[p] = last[i];
            }
        }
        last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(doc: &Doc) -> Vec<&str> {
        doc.blocks.iter().map(|b| doc.block_text(b)).collect()
    }

    #[test]
    fn blocks_split_at_block_elements_and_inline_text_joins() {
        let doc = parse("<body><h1>Head</h1><div>intro <b>bold</b><p>One <a href=x>link</a></p>tail</div></body>");
        assert_eq!(texts(&doc), ["Head", "intro bold", "One link", "tail"]);
        assert_eq!(doc.blocks[0].kind, BlockKind::Heading);
        assert_eq!(doc.blocks[2].link, 4);
        // `intro bold` and `tail` belong to the div, `One link` to the p inside it.
        assert_eq!(doc.blocks[1].elem, doc.blocks[3].elem);
        assert_eq!(doc.elems[doc.blocks[2].elem as usize].parent, doc.blocks[1].elem);
    }

    #[test]
    fn elements_carry_their_evidence() {
        let doc =
            parse(r#"<nav><ul><li>Home</li></ul></nav><article><p>Body <span class=share>s</span></p></article>"#);
        assert_eq!(texts(&doc), ["Home", "Body s"]);
        let nav = doc.elems[doc.elems[doc.blocks[0].elem as usize].parent as usize].parent as usize;
        assert_eq!(doc.elems[nav].evidence, evidence::STRONG_NEG);
        let article = doc.elems[doc.blocks[1].elem as usize].parent as usize;
        assert_eq!(doc.elems[article].evidence, evidence::POS);
        // The span with evidence is an element of the arena, after the paragraph.
        assert_eq!(doc.elems.last().map(|e| e.evidence), Some(evidence::STRONG_NEG));
    }

    #[test]
    fn subtrees_are_index_ranges() {
        let doc = parse("<div><div><p>a</p></div><p>b</p></div><p>c</p>");
        let last = doc.subtree_ends();
        let outer = doc.elems[doc.blocks[0].elem as usize].parent as usize;
        let outer = doc.elems[outer].parent as usize;
        assert!(last[outer] as usize >= doc.blocks[1].elem as usize);
        assert!((last[outer] as usize) < doc.blocks[2].elem as usize);
    }
}
