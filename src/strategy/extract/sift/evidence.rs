//! Evidence from a tag's name and its `class`, `id`, `role` and `itemprop` values: negative for
//! the usual homes of boilerplate (navigation, footers, sharing bars, cookie notices, ...),
//! positive for the usual homes of main text (`article`, `main`, `post-content`, ...).

/// Strong negative evidence: a block under such an element is boilerplate unless its own text
/// says otherwise.
pub const STRONG_NEG: i8 = -3;
/// Weak negative evidence (a page header, a hidden element, a `widget`, ...).
pub const WEAK_NEG: i8 = -1;
/// Positive evidence.
pub const POS: i8 = 2;

/// Stems that mark boilerplate anywhere inside a class or id token (`navbar`, `sharebuttons`).
const NEG_STEMS: &[&[u8]] = &[
    b"nav",
    b"menu",
    b"footer",
    b"sidebar",
    b"breadcrumb",
    b"cookie",
    b"consent",
    b"gdpr",
    b"share",
    b"sharing",
    b"social",
    b"related",
    b"recommend",
    b"newsletter",
    b"subscri",
    b"promo",
    b"advert",
    b"sponsor",
    b"banner",
    b"popup",
    b"modal",
    b"paginat",
    b"toolbar",
    b"masthead",
    b"comment",
    b"outbrain",
    b"taboola",
    b"signup",
    b"login",
    b"disclaimer",
    b"copyright",
    b"tagcloud",
    b"trending",
    b"popular",
];

/// Whole tokens that mark boilerplate (too short or too common to match inside words).
const NEG_TOKENS: &[&[u8]] = &[
    b"ad",
    b"ads",
    b"adv",
    b"tags",
    b"tag",
    b"meta",
    b"skip",
    b"search",
    b"rss",
    b"print",
    b"author",
    b"byline",
    b"dateline",
    b"foot",
    b"bottom",
    b"topbar",
    b"sitemap",
    b"aside",
    b"links",
    b"breadcrumbs",
    b"crumbs",
    b"more",
    b"share",
    b"follow",
    b"categories",
    b"category",
    b"archive",
    b"extra",
    b"secondary",
];

/// Whole tokens of weak negative evidence.
const WEAK_TOKENS: &[&[u8]] = &[b"header", b"top", b"masthead", b"caption", b"credit", b"date", b"widget"];

/// Whole tokens (or token prefixes) that mark main text.
const POS_TOKENS: &[&[u8]] = &[
    b"article",
    b"content",
    b"post",
    b"entry",
    b"main",
    b"story",
    b"text",
    b"body",
    b"prose",
    b"markdown",
    b"blog",
    b"thread",
    b"message",
    b"review",
    b"description",
    b"product",
    b"richtext",
    b"articlebody",
    b"postbody",
    b"maincontent",
    b"page",
    b"answer",
    b"question",
];

/// Evidence of one `class` or `id` value (any case): the strongest negative token wins over any
/// positive one, as a `main-nav` is navigation, not main text.
pub fn attr_value(value: &[u8], scratch: &mut Vec<u8>) -> i8 {
    scratch.clear();
    scratch.extend(value.iter().map(u8::to_ascii_lowercase));
    let mut neg = 0i8;
    let mut pos = false;
    // A styling class (`border-bottom`) names a look, not a part of the page: looked for only
    // behind a negative token, which is rare, so the common path stays one split.
    let value: &[u8] = scratch;
    let styled = |token: &[u8]| in_style_word(value, token);
    for token in value.split(|b| !b.is_ascii_alphanumeric()).filter(|t| !t.is_empty()) {
        if NEG_TOKENS.contains(&token) || NEG_STEMS.iter().any(|s| contains(token, s)) {
            if !styled(token) {
                neg = STRONG_NEG;
            }
        } else if WEAK_TOKENS.contains(&token) {
            if !styled(token) {
                neg = neg.min(WEAK_NEG);
            }
        } else if POS_TOKENS.contains(&token) {
            pos = true;
        }
    }
    if neg < 0 {
        neg
    } else if pos {
        POS
    } else {
        0
    }
}

/// First parts of CSS utility class names that take a side (`border-bottom`, `rounded-top`).
const STYLE_PREFIXES: &[&[u8]] = &[b"border", b"rounded", b"margin", b"padding"];

/// Whether `token`, a slice of `value`, lies in a utility class word (kept out of line: the
/// tokenizer's hot loop calls [`attr_value`]).
#[cold]
#[inline(never)]
fn in_style_word(value: &[u8], token: &[u8]) -> bool {
    let at = (token.as_ptr() as usize).saturating_sub(value.as_ptr() as usize).min(value.len());
    let start = value[..at].iter().rposition(u8::is_ascii_whitespace).map_or(0, |i| i + 1);
    let end = value[at..].iter().position(u8::is_ascii_whitespace).map_or(value.len(), |i| at + i);
    is_style(&value[start..end])
}

/// Whether a class word is a CSS utility class naming a side of a box, not a part of the page.
fn is_style(word: &[u8]) -> bool {
    let head = word.split(|b| *b == b'-' || *b == b':').next().unwrap_or(word);
    head.len() < word.len() && STYLE_PREFIXES.contains(&head)
}

/// Evidence of a `role` value (ARIA landmarks).
pub fn role(value: &[u8]) -> i8 {
    let v = value.trim_ascii();
    let is = |name: &str| v.eq_ignore_ascii_case(name.as_bytes());
    if is("navigation")
        || is("banner")
        || is("contentinfo")
        || is("complementary")
        || is("search")
        || is("menu")
        || is("menubar")
        || is("dialog")
        || is("alertdialog")
    {
        STRONG_NEG
    } else if is("main") || is("article") {
        POS
    } else {
        0
    }
}

/// Evidence of an `itemprop` value (schema.org): the article's or review's body.
pub fn itemprop(value: &[u8]) -> i8 {
    let v = value.trim_ascii();
    let is = |name: &str| v.eq_ignore_ascii_case(name.as_bytes());
    if is("articleBody") || is("reviewBody") || is("text") || is("description") || is("mainEntity") { POS } else { 0 }
}

/// Evidence of a tag name (lower case, as the tokenizer gives it).
pub fn tag(name: &[u8]) -> i8 {
    match name {
        b"nav" | b"footer" | b"aside" | b"menu" => STRONG_NEG,
        b"header" => WEAK_NEG,
        b"article" | b"main" => POS,
        _ => 0,
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_tokens_win_over_positive_ones() {
        let mut s = Vec::new();
        assert_eq!(attr_value(b"main-nav", &mut s), STRONG_NEG);
        assert_eq!(attr_value(b"Post-Content", &mut s), POS);
        assert_eq!(attr_value(b"social-ShareButtons", &mut s), STRONG_NEG);
        assert_eq!(attr_value(b"entry-header", &mut s), WEAK_NEG);
        assert_eq!(attr_value(b"header download", &mut s), WEAK_NEG);
        // Page builders name every box a widget: that is no sidebar.
        assert_eq!(attr_value(b"elementor-widget-container", &mut s), WEAK_NEG);
        assert_eq!(attr_value(b"col-md-8", &mut s), 0);
        // Utility classes name a look: `border-bottom` is no page bottom.
        assert_eq!(attr_value(b"pt-4 border-bottom rounded-top", &mut s), 0);
        assert_eq!(attr_value(b"border-bottom footer", &mut s), STRONG_NEG);
        assert_eq!(role(b" navigation"), STRONG_NEG);
        assert_eq!(itemprop(b"articleBody"), POS);
    }
}
