//! `plain`: every visible text node of the page, a baseline that keeps boilerplate.
//!
//! The page is tokenized by `html5gum` (a WHATWG-conformant tokenizer, so character references,
//! raw-text elements and comments follow the standard) and walked once, without building a tree.
//! A light open-element stack with the common implied end tags (`p`, `li`, `dt`/`dd`, table
//! cells and rows, `option`, `head`) tells which subtree a text node is in, so that:
//! - `script`, `style`, `noscript`, `template`, `head` (and `title`), `iframe`, `svg`, `math`,
//!   `canvas`, `object` and elements marked hidden (`hidden` attribute, `aria-hidden="true"`,
//!   inline `display:none` or `visibility:hidden`) contribute no text;
//! - block elements (paragraphs, headings, list items, table cells, `br`, ...) start new lines;
//! - whitespace collapses to single spaces except inside `pre` and `listing`.
//!
//! It deliberately does not apply CSS from style sheets, run scripts, or judge what is main
//! content: that is what the other extractors are for. Memory is linear in the page, time linear
//! in its length (end tags search at most [`END_TAG_SEARCH`] open elements), and the walker does
//! not recurse, so pathological nesting cannot overflow the stack. The tokenizer (html5gum 0.9)
//! recurses once per attribute of a tag; a page that might hold a tag with very many attributes
//! is tokenized on a thread with a stack sized for them ([`visible_text`]).

use std::convert::Infallible;

use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
use html5gum::{Span, Tokenizer};

use crate::error::Error;
use crate::model::Page;
use crate::strategy::{Extractor, ParamSpec, Params, StrategyError};

/// `plain` takes no parameters.
pub const PARAMS: &[ParamSpec] = &[];

/// How many open elements an end tag looks through for its start tag; a stray end tag deeper
/// than this is ignored (browsers bound this search too, by scope).
pub const END_TAG_SEARCH: usize = 512;

/// The `plain` extractor.
#[derive(Debug, Default, Clone)]
pub struct Plain;

impl Plain {
    /// Builds it (there is nothing to configure).
    pub fn new(_params: &Params) -> Result<Plain, Error> {
        Ok(Plain)
    }
}

impl Extractor for Plain {
    fn name(&self) -> &str {
        "plain"
    }

    fn extract(&self, page: &Page) -> Result<String, StrategyError> {
        Ok(visible_text(&page.html))
    }
}

/// What a tag means to the walker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Inline or unknown: no line break, no implied end tags.
    Inline,
    /// A block that closes an open `p` and starts a new line.
    Block,
    /// `p`.
    P,
    /// `li`.
    Li,
    /// `dt` or `dd`.
    DtDd,
    /// `ul`, `ol`, `dl`, `menu`: bound the search for an open `li`/`dt`/`dd`.
    List,
    /// `td`, `th`.
    Cell,
    /// `tr`.
    Row,
    /// `table`, `caption`, `button`, `marquee`, `applet`: bound implied-end searches.
    Boundary,
    /// `pre`, `listing`: whitespace is kept.
    Pre,
    /// `option`, `optgroup`.
    Option,
    /// `head`.
    Head,
    /// Elements whose content is never shown as text.
    Skip,
    /// Elements with no content (`br`, `img`, ...); `br` and `hr` break lines.
    Void { breaks: bool },
    /// `body`, `html`: never popped by an end tag.
    Root,
}

pub(super) fn kind(name: &[u8]) -> Kind {
    match name {
        b"p" => Kind::P,
        b"li" => Kind::Li,
        b"dt" | b"dd" => Kind::DtDd,
        b"ul" | b"ol" | b"dl" | b"menu" => Kind::List,
        b"td" | b"th" => Kind::Cell,
        b"tr" => Kind::Row,
        b"table" | b"caption" | b"button" | b"marquee" | b"applet" => Kind::Boundary,
        b"pre" | b"listing" => Kind::Pre,
        b"option" | b"optgroup" => Kind::Option,
        b"head" => Kind::Head,
        b"body" | b"html" => Kind::Root,
        b"script" | b"style" | b"noscript" | b"template" | b"title" | b"iframe" | b"svg" | b"math" | b"canvas"
        | b"object" | b"noembed" | b"noframes" | b"xmp" | b"textarea" | b"select" | b"datalist" => Kind::Skip,
        b"br" | b"hr" => Kind::Void { breaks: true },
        b"area" | b"base" | b"col" | b"embed" | b"img" | b"input" | b"link" | b"meta" | b"param" | b"source"
        | b"track" | b"wbr" | b"keygen" | b"frame" | b"basefont" | b"bgsound" => Kind::Void { breaks: false },
        b"address" | b"article" | b"aside" | b"blockquote" | b"center" | b"details" | b"dialog" | b"dir" | b"div"
        | b"fieldset" | b"figcaption" | b"figure" | b"footer" | b"form" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5"
        | b"h6" | b"header" | b"hgroup" | b"main" | b"nav" | b"section" | b"summary" | b"thead" | b"tbody"
        | b"tfoot" | b"legend" | b"search" => Kind::Block,
        _ => Kind::Inline,
    }
}

/// Elements that may stay inside an open `head`; any other start tag closes it.
pub(super) fn head_content(name: &[u8]) -> bool {
    matches!(name, b"meta" | b"link" | b"title" | b"style" | b"script" | b"noscript" | b"base" | b"template" | b"head")
}

/// `display:none` or `visibility:hidden` in an inline style, ignoring case and whitespace
/// (`scratch` is a reusable buffer).
pub(super) fn style_hides(scratch: &mut Vec<u8>, value: &[u8]) -> bool {
    scratch.clear();
    scratch.extend(value.iter().filter(|b| !b.is_ascii_whitespace()).map(u8::to_ascii_lowercase));
    let has = |needle: &[u8]| scratch.windows(needle.len()).any(|w| w == needle);
    has(b"display:none") || has(b"visibility:hidden")
}

/// The implied end tag a start tag of `kind` brings: the kinds it closes, and the kinds that
/// bound the search for one (`li` closes an open `li`, but not past a list or a table).
pub(super) fn implied_close(kind: Kind) -> Option<(&'static [Kind], &'static [Kind])> {
    match kind {
        Kind::Li => Some((&[Kind::Li], &[Kind::List, Kind::Boundary, Kind::Cell])),
        Kind::DtDd => Some((&[Kind::DtDd], &[Kind::List, Kind::Boundary, Kind::Cell])),
        Kind::Cell => Some((&[Kind::Cell], &[Kind::Row, Kind::Boundary])),
        Kind::Row => Some((&[Kind::Row, Kind::Cell], &[Kind::Boundary])),
        Kind::Option => Some((&[Kind::Option], &[Kind::Boundary, Kind::Block])),
        _ => None,
    }
}

impl Kind {
    pub(super) fn starts_line(self) -> bool {
        matches!(
            self,
            Kind::Block
                | Kind::P
                | Kind::Li
                | Kind::DtDd
                | Kind::List
                | Kind::Cell
                | Kind::Row
                | Kind::Boundary
                | Kind::Pre
                | Kind::Option
                | Kind::Void { breaks: true }
        )
    }

    pub(super) fn closes_p(self) -> bool {
        matches!(
            self,
            Kind::Block | Kind::P | Kind::Li | Kind::DtDd | Kind::List | Kind::Pre | Kind::Void { breaks: true }
        ) || self == Kind::Boundary
    }
}

/// A tag name as a number: names of up to 8 bytes are packed, longer ones hashed (with the top
/// bit set so the two never meet). Only equality matters.
pub(super) fn key(name: &[u8]) -> u64 {
    if name.len() <= 8 {
        let mut b = [0u8; 8];
        b[..name.len()].copy_from_slice(name);
        u64::from_le_bytes(b) & !(1 << 63)
    } else {
        xxhash_rust::xxh3::xxh3_64(name) | (1 << 63)
    }
}

#[derive(Debug, Clone, Copy)]
struct Open {
    key: u64,
    kind: Kind,
}

/// Which attribute's value is awaited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attr {
    Other,
    AriaHidden,
    Style,
}

/// No such element is open.
pub(super) const NONE: usize = usize::MAX;

/// An entry of the open-element stack: its tag's key and kind.
pub(super) trait OpenElement: Copy {
    /// The tag name's key ([`key`]).
    fn key(&self) -> u64;
    /// The tag's kind.
    fn kind(&self) -> Kind;
}

/// The open elements of a walk and the stack indices where hidden, preformatted, `head` and
/// collected regions began ([`NONE`] when none is open): the tree building that `plain` and
/// `sift` share, with the implied end tags and the bounded end-tag search.
pub(super) struct OpenElements<E> {
    /// Open elements, outermost first.
    pub(super) stack: Vec<E>,
    /// The outermost element whose content is hidden.
    pub(super) hidden_at: usize,
    /// The outermost `pre`.
    pub(super) pre_at: usize,
    /// An open `head`.
    pub(super) head_at: usize,
    /// An element whose raw text is being collected (`sift`'s `noscript`).
    pub(super) collect_at: usize,
    /// Elements below this index (a root given at the start) are never closed.
    floor: usize,
}

impl<E: OpenElement> OpenElements<E> {
    /// A stack holding `base`, which stays open to the end.
    pub(super) fn new(base: Vec<E>) -> OpenElements<E> {
        let floor = base.len();
        OpenElements { stack: base, hidden_at: NONE, pre_at: NONE, head_at: NONE, collect_at: NONE, floor }
    }

    /// Pops elements so that `len` remain (never the base), ending the regions they opened.
    pub(super) fn truncate(&mut self, len: usize) {
        let len = len.max(self.floor);
        self.stack.truncate(len);
        for at in [&mut self.hidden_at, &mut self.pre_at, &mut self.head_at, &mut self.collect_at] {
            if *at != NONE && *at >= len {
                *at = NONE;
            }
        }
    }

    /// Closes the nearest open element of kind `target` unless a `bound` kind is met first.
    fn close_implied(&mut self, target: &[Kind], bound: &[Kind]) {
        for i in (self.floor..self.stack.len()).rev().take(END_TAG_SEARCH) {
            let k = self.stack[i].kind();
            if target.contains(&k) {
                self.truncate(i);
                return;
            }
            if bound.contains(&k) || k == Kind::Root {
                return;
            }
        }
    }

    /// What a start tag `name` of `kind` closes before it opens: `head` when it is not head
    /// content, and the elements it implies ended (a `p` before a block, an `li` before the next).
    pub(super) fn before_start(&mut self, name: &[u8], kind: Kind) {
        if self.head_at != NONE && !head_content(name) {
            self.truncate(self.head_at);
        }
        const SCOPE: &[Kind] = &[Kind::Boundary, Kind::Cell];
        if let Some((target, bound)) = implied_close(kind) {
            self.close_implied(target, bound);
        }
        if kind.closes_p() {
            self.close_implied(&[Kind::P], SCOPE);
        }
    }

    /// Opens `e`, which starts a hidden region when `hidden` and none is open, and a `pre` or
    /// `head` one by its kind. Gives its stack index.
    pub(super) fn push(&mut self, e: E, hidden: bool) -> usize {
        let at = self.stack.len();
        let kind = e.kind();
        self.stack.push(e);
        if self.hidden_at == NONE && hidden {
            self.hidden_at = at;
        }
        if kind == Kind::Pre && self.pre_at == NONE {
            self.pre_at = at;
        }
        if kind == Kind::Head && self.head_at == NONE {
            self.head_at = at;
        }
        at
    }

    /// The stack index of the nearest open element with tag key `key`, searched no deeper than
    /// [`END_TAG_SEARCH`]: what an end tag closes.
    pub(super) fn find(&self, key: u64) -> Option<usize> {
        (self.floor..self.stack.len()).rev().take(END_TAG_SEARCH).find(|&i| self.stack[i].key() == key)
    }
}

impl OpenElement for Open {
    fn key(&self) -> u64 {
        self.key
    }
    fn kind(&self) -> Kind {
        self.kind
    }
}

/// The walk's state: open elements, where hiding and preformatting began, and the output.
struct Walker {
    elements: OpenElements<Open>,
    // The start tag being read.
    tag: Vec<u8>,
    tag_hidden: bool,
    attr: Attr,
    scratch: Vec<u8>,
    // Output.
    out: Vec<u8>,
    line_start: bool,
    pending_space: bool,
}

impl Walker {
    fn new(capacity: usize) -> Walker {
        Walker {
            elements: OpenElements::new(Vec::new()),
            tag: Vec::new(),
            tag_hidden: false,
            attr: Attr::Other,
            scratch: Vec::new(),
            out: Vec::with_capacity(capacity),
            line_start: true,
            pending_space: false,
        }
    }

    fn event(&mut self, event: CallbackEvent<'_>) {
        match event {
            CallbackEvent::OpenStartTag { name } => {
                self.tag.clear();
                self.tag.extend_from_slice(name);
                self.tag_hidden = false;
                self.attr = Attr::Other;
            }
            CallbackEvent::AttributeName { name } => {
                self.attr = match name {
                    b"hidden" => {
                        self.tag_hidden = true;
                        Attr::Other
                    }
                    b"aria-hidden" => Attr::AriaHidden,
                    b"style" => Attr::Style,
                    _ => Attr::Other,
                };
            }
            CallbackEvent::AttributeValue { value } => {
                match self.attr {
                    Attr::AriaHidden => self.tag_hidden |= value.trim_ascii().eq_ignore_ascii_case(b"true"),
                    Attr::Style => self.tag_hidden |= style_hides(&mut self.scratch, value),
                    Attr::Other => {}
                }
                self.attr = Attr::Other;
            }
            CallbackEvent::CloseStartTag { .. } => self.start_tag(),
            CallbackEvent::EndTag { name } => self.end_tag(name),
            CallbackEvent::String { value } => self.text(value),
            CallbackEvent::Comment { .. } | CallbackEvent::Doctype { .. } | CallbackEvent::Error(_) => {}
        }
    }

    fn start_tag(&mut self) {
        let name = std::mem::take(&mut self.tag);
        let kind = kind(&name);
        self.elements.before_start(&name, kind);
        if kind.starts_line() {
            self.line_break();
        }
        if let Kind::Void { .. } = kind {
            self.tag = name;
            return;
        }
        let hidden = self.tag_hidden || kind == Kind::Skip || kind == Kind::Head;
        self.elements.push(Open { key: key(&name), kind }, hidden);
        self.tag = name;
    }

    fn end_tag(&mut self, name: &[u8]) {
        let kind = kind(name);
        match kind {
            Kind::Root => return,
            Kind::Void { breaks } => {
                if breaks {
                    self.line_break();
                }
                return;
            }
            _ => {}
        }
        if let Some(i) = self.elements.find(key(name)) {
            self.elements.truncate(i);
        }
        if kind.starts_line() {
            self.line_break();
        }
    }

    fn line_break(&mut self) {
        self.pending_space = false;
        if !self.line_start {
            self.out.push(b'\n');
            self.line_start = true;
        }
    }

    fn text(&mut self, value: &[u8]) {
        if self.elements.hidden_at != NONE {
            return;
        }
        // A browser's tree builder drops U+0000 from body text; so does this walker.
        if value.contains(&0) {
            let kept: Vec<u8> = value.iter().copied().filter(|&b| b != 0).collect();
            return self.text_without_nul(&kept);
        }
        self.text_without_nul(value)
    }

    fn text_without_nul(&mut self, value: &[u8]) {
        if self.elements.pre_at != NONE {
            if self.pending_space {
                self.out.push(b' ');
                self.pending_space = false;
            }
            for &b in value {
                if b != b'\r' {
                    self.out.push(b);
                }
            }
            self.line_start = self.out.last().is_none_or(|&b| b == b'\n');
            return;
        }
        // Copy whole words at a time; any run of whitespace becomes one pending space.
        let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
        if value.first().is_some_and(is_space) && !self.line_start {
            self.pending_space = true;
        }
        let mut any = false;
        for word in value.split(is_space).filter(|w| !w.is_empty()) {
            if self.pending_space {
                self.out.push(b' ');
            }
            self.out.extend_from_slice(word);
            self.line_start = false;
            self.pending_space = true;
            any = true;
        }
        if any {
            self.pending_space = value.last().is_some_and(is_space);
        }
    }

    fn finish(mut self) -> String {
        while self.out.last().is_some_and(|b| b.is_ascii_whitespace()) {
            self.out.pop();
        }
        // The tokenizer yields UTF-8 for UTF-8 input and only ASCII bytes were added or removed.
        match String::from_utf8(self.out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

/// Attribute counts below which the tokenizer surely fits the default stack: html5gum 0.9
/// recurses once per attribute of a tag (about 200 bytes of stack each), so a tag with 50,000
/// attributes overflows an 8 MiB stack. A page with fewer `=` bytes than this has no such tag.
const SAFE_EQUALS: usize = 10_000;

/// Stack bytes given per `=` of a page that might hold a tag with very many attributes.
const STACK_PER_EQUALS: usize = 512;

/// The visible text of `html`, one line per block. A page that might hold a tag with tens of
/// thousands of attributes is tokenized on a thread whose stack is sized for them.
pub fn visible_text(html: &str) -> String {
    with_attribute_stack(html, || walk(html))
}

/// Runs `f` (which tokenizes `html`) on this thread, or, when `html` might hold a tag with tens
/// of thousands of attributes, on a thread whose stack is sized for them.
pub(super) fn with_attribute_stack<T: Send>(html: &str, f: impl FnOnce() -> T + Send + Copy) -> T {
    // A quoted attribute takes at least 5 bytes (`a="" `): a shorter page cannot hold enough.
    if html.len() < SAFE_EQUALS * 5 {
        return f();
    }
    let equals = html.matches('=').count();
    if equals < SAFE_EQUALS {
        return f();
    }
    let stack = (8 << 20) + equals.saturating_mul(STACK_PER_EQUALS);
    std::thread::scope(|scope| {
        match std::thread::Builder::new().stack_size(stack).spawn_scoped(scope, f) {
            Ok(handle) => handle.join().unwrap_or_else(|payload| std::panic::resume_unwind(payload)),
            // No thread to be had: try on this one (a deep page may then overflow, as before).
            Err(_) => f(),
        }
    })
}

/// Tokenizes `html` and walks its events.
fn walk(html: &str) -> String {
    let mut walker = Walker::new(html.len() / 4);
    {
        let mut emitter = CallbackEmitter::new(|event: CallbackEvent<'_>, _span: Span<()>| -> Option<Infallible> {
            walker.event(event);
            None
        });
        emitter.naively_switch_states(true);
        // The callback yields no tokens and reading a `&str` cannot fail: this only drives it.
        Tokenizer::new_with_emitter(html, emitter).for_each(drop);
    }
    walker.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_become_lines_and_inline_text_joins() {
        let html = "<html><head><title>T</title></head><body><h1>Head</h1><p>One <b>two</b>\n three<p>Four</body>";
        assert_eq!(visible_text(html), "Head\nOne two three\nFour");
    }

    #[test]
    fn invisible_elements_contribute_nothing() {
        let html = r#"<body><script>var x = "<p>no</p>";</script><style>p{}</style><noscript>ns</noscript>
            <template><p>tpl</p></template><div hidden>h1</div><span aria-hidden="true">h2</span>
            <div style="color: red; DISPLAY : none">h3</div><p>shown</p></body>"#;
        assert_eq!(visible_text(html), "shown");
    }

    #[test]
    fn hidden_region_ends_with_its_element_even_when_children_are_unclosed() {
        let html = "<div hidden><p>a<p>b<li>c</div><p>after";
        assert_eq!(visible_text(html), "after");
    }

    #[test]
    fn head_without_end_tag_is_closed_by_body_content() {
        assert_eq!(visible_text("<head><meta charset=utf-8><title>x</title><p>body text"), "body text");
    }

    #[test]
    fn pre_keeps_whitespace_and_entities_are_decoded() {
        let html = "<p>a &amp; b&nbsp;c</p><pre>fn main() {\n    x &lt; 1;\n}</pre><p>z";
        assert_eq!(visible_text(html), "a & b\u{a0}c\nfn main() {\n    x < 1;\n}\nz");
    }

    #[test]
    fn nul_characters_are_dropped_from_text_as_a_browser_does() {
        assert_eq!(visible_text("<p>Hello\0World</p><p>x\0</p>"), "HelloWorld\nx");
    }

    #[test]
    fn a_tag_with_a_hundred_thousand_quoted_attributes_does_not_overflow_the_stack() {
        let attrs = vec!["a=\"x\""; 100_000].join(" ");
        let html = format!("<div {attrs}>Hello</div><p>after</p>");
        // On a thread with the default worker stack, as an extraction worker runs it.
        let text =
            std::thread::Builder::new().stack_size(8 << 20).spawn(move || visible_text(&html)).unwrap().join().unwrap();
        assert_eq!(text, "Hello\nafter");
    }

    #[test]
    fn br_and_list_items_break_lines() {
        assert_eq!(visible_text("a<br>b<ul><li>c<li>d</ul>e"), "a\nb\nc\nd\ne");
    }
}
