//! The edits that turn a document into a derived one, one function per kind, and the record of
//! each edit written to `edits.jsonl`.
//!
//! Every function works on a document as a list of lines (one paragraph a line, no line breaks
//! inside) and returns what it did as an [`Edit`]. None of them decides whether to run or decides
//! gold labels; the plan in [`super`] does both. Edits work on `char`s, never bytes, so
//! multi-byte text stays valid.

use serde::Serialize;

use super::fresh::Fresh;
use super::rng::Rng;
use crate::error::Error;

/// One applied edit, as recorded in `edits.jsonl` (`"kind"` names it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Edit {
    /// Words deleted, substituted or inserted, each word with probability `rate`.
    Words {
        /// Per-word probability of an edit.
        rate: f64,
        /// Words deleted.
        deleted: usize,
        /// Words replaced by a vocabulary word.
        substituted: usize,
        /// Vocabulary words inserted.
        inserted: usize,
    },
    /// Typing and OCR-like character noise, each character with probability `rate`.
    Noise {
        /// Per-character probability of an edit.
        rate: f64,
        /// Characters changed.
        changed: usize,
    },
    /// New paragraphs inserted (their indices in the result).
    InsertParagraphs {
        /// Result line indices of the inserted paragraphs.
        at: Vec<usize>,
    },
    /// Paragraphs removed (their indices in the input).
    RemoveParagraphs {
        /// Input line indices removed.
        removed: Vec<usize>,
    },
    /// Paragraphs reordered: `order[i]` is the input index of result line `i`.
    Shuffle {
        /// The permutation.
        order: Vec<usize>,
    },
    /// The text cut after `kept_chars` of its `of_chars` characters.
    Truncate {
        /// Fraction drawn.
        keep_fraction: f64,
        /// Characters kept (of the text with lines joined by `\n`).
        kept_chars: usize,
        /// Characters before the cut.
        of_chars: usize,
    },
    /// A site header and/or footer line added (indices into the boilerplate tables).
    Boilerplate {
        /// Index into [`HEADERS`], when a header was added.
        header: Option<usize>,
        /// Index into [`FOOTERS`], when a footer was added.
        footer: Option<usize>,
        /// Whether that header already occurred in an earlier document (so it is a gold span).
        header_repeated: bool,
        /// Whether that footer already occurred in an earlier document.
        footer_repeated: bool,
    },
    /// The story as syndicated: an agency dateline before the first paragraph, another outlet's
    /// credit line after the last.
    Syndication {
        /// Index into [`AGENCIES`].
        agency: usize,
        /// Index into [`OUTLETS`].
        outlet: usize,
    },
    /// The body (every line after `lead_lines`) repeated once after itself; the second copy is
    /// the gold span `[span_lines[0], span_lines[1])` (line indices of the result).
    Repeat {
        /// Lines before the repeated body.
        lead_lines: usize,
        /// Result line range of the second copy.
        span_lines: [usize; 2],
    },
    /// Lines `[source_lines[0], source_lines[1])` of an earlier document `source` quoted at
    /// result lines `[span_lines[0], span_lines[1])`: the gold span.
    Contain {
        /// Id of the quoted document.
        source: String,
        /// Line range quoted from it.
        source_lines: [usize; 2],
        /// Result line range of the quote.
        span_lines: [usize; 2],
    },
}

/// Site headers for the boilerplate edit; distinct after normalisation from each other and from
/// every footer.
pub const HEADERS: &[&str] = &[
    "Skip to main content | Home | News | Sport | Culture | Contact",
    "You are reading the free edition. Subscribe for unlimited access.",
    "Menu - Search - Sign in - Newsletter",
    "Breaking: live coverage continues on our homepage",
    "This site uses cookies to improve your experience. Accept all / Settings",
    "Today's edition | Weather | Traffic | Obituaries",
];

/// Site footers for the boilerplate edit.
pub const FOOTERS: &[&str] = &[
    "Share this article: Facebook / X / Email / Print",
    "Copyright 2024 The Evening Courier. All rights reserved.",
    "Sign up to our morning newsletter and never miss a story.",
    "Comments are closed. Read our community guidelines.",
    "Related stories: more from this section",
    "Advertise with us | Privacy policy | Terms of use",
];

/// News agencies for the syndication edit.
pub const AGENCIES: &[&str] = &["Northwire", "Continental Press Agency", "Baltic News Service", "Meridian Newswire"];

/// Outlets credited by the syndication edit.
pub const OUTLETS: &[&str] = &["The Harbour Gazette", "Valley Morning Post", "The Lakeside Tribune", "Riverside Daily"];

/// The credit line the syndication edit appends for `outlet`.
pub fn credit_line(outlet: usize) -> String {
    format!("This story first appeared in {} and is republished with permission.", OUTLETS[outlet % OUTLETS.len()])
}

/// Deletes, substitutes (with vocabulary words) or inserts words, each word with probability
/// `rate`, the three equally likely. Lines are re-joined with single spaces.
pub fn words(lines: &mut [String], rate: f64, fresh: &Fresh, rng: &mut Rng) -> Edit {
    let (mut deleted, mut substituted, mut inserted) = (0, 0, 0);
    for line in lines.iter_mut() {
        let mut out: Vec<&str> = Vec::new();
        let old = std::mem::take(line);
        for w in old.split_whitespace() {
            if !rng.chance(rate) {
                out.push(w);
                continue;
            }
            match rng.below(3) {
                0 => deleted += 1,
                1 => match fresh.word(rng) {
                    Some(v) => {
                        out.push(v);
                        substituted += 1;
                    }
                    None => out.push(w),
                },
                _ => {
                    out.push(w);
                    if let Some(v) = fresh.word(rng) {
                        out.push(v);
                        inserted += 1;
                    }
                }
            }
        }
        *line = out.join(" ");
    }
    Edit::Words { rate, deleted, substituted, inserted }
}

/// A character without its diacritic, for the few Latin letters OCR and ASCII-folding lose.
fn strip_diacritic(c: char) -> Option<char> {
    Some(match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'ā' => 'a',
        'À' | 'Á' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'A',
        'ç' | 'č' | 'ć' => 'c',
        'Ç' | 'Č' => 'C',
        'è' | 'é' | 'ê' | 'ë' | 'ě' | 'ē' => 'e',
        'È' | 'É' | 'Ê' | 'Ë' => 'E',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
        'Ö' | 'Ó' | 'Ø' => 'O',
        'ù' | 'ú' | 'û' | 'ü' | 'ů' => 'u',
        'Ü' | 'Ú' => 'U',
        'ý' | 'ÿ' => 'y',
        'š' | 'ś' => 's',
        'Š' => 'S',
        'ž' | 'ź' | 'ż' => 'z',
        'Ž' => 'Z',
        'ł' => 'l',
        'й' => 'и',
        'ё' => 'е',
        _ => return None,
    })
}

/// One OCR-like confusion at `chars[i]`: returns the replacement and how many input chars it
/// consumes, or `None` when no confusion applies there.
fn ocr_confusion(chars: &[char], i: usize) -> Option<(&'static str, usize)> {
    let next = chars.get(i + 1).copied();
    Some(match (chars[i], next) {
        ('r', Some('n')) => ("m", 2),
        ('c', Some('l')) => ("d", 2),
        ('m', _) => ("rn", 1),
        ('l', _) => ("1", 1),
        ('I', _) => ("l", 1),
        ('O', _) => ("0", 1),
        ('0', _) => ("O", 1),
        ('e', _) => ("c", 1),
        ('h', _) => ("b", 1),
        ('S', _) => ("5", 1),
        _ => return None,
    })
}

/// Character noise: each character with probability `rate` gets an OCR confusion (rn -> m,
/// l -> 1, ...), loses its diacritic, or, when neither applies, a typing slip (dropped, doubled
/// or swapped with the next).
pub fn noise(lines: &mut [String], rate: f64, rng: &mut Rng) -> Edit {
    let mut changed = 0;
    for line in lines.iter_mut() {
        let chars: Vec<char> = line.chars().collect();
        let mut out = String::with_capacity(line.len() + 8);
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if !rng.chance(rate) {
                out.push(c);
                i += 1;
                continue;
            }
            changed += 1;
            if let Some(plain) = strip_diacritic(c) {
                out.push(plain);
                i += 1;
            } else if let Some((rep, used)) = ocr_confusion(&chars, i) {
                out.push_str(rep);
                i += used;
            } else {
                match rng.below(3) {
                    0 => i += 1,
                    1 => {
                        out.push(c);
                        out.push(c);
                        i += 1;
                    }
                    _ => match chars.get(i + 1) {
                        Some(&n) => {
                            out.push(n);
                            out.push(c);
                            i += 2;
                        }
                        None => i += 1,
                    },
                }
            }
        }
        *line = out;
    }
    Edit::Noise { rate, changed }
}

/// Inserts 1 to `max` new paragraphs (never-seen lines from `fresh`) at random places.
pub fn insert_paragraphs(lines: &mut Vec<String>, max: usize, fresh: &mut Fresh, rng: &mut Rng) -> Result<Edit, Error> {
    let count = rng.between(1, max.max(1));
    let mut at = Vec::new();
    for _ in 0..count {
        let Some((line, _)) = fresh.line(rng)? else { break };
        let pos = rng.below(lines.len() + 1);
        for a in at.iter_mut() {
            if *a >= pos {
                *a += 1;
            }
        }
        lines.insert(pos, line);
        at.push(pos);
    }
    at.sort_unstable();
    Ok(Edit::InsertParagraphs { at })
}

/// Removes 1 to `max` paragraphs, always keeping at least one.
pub fn remove_paragraphs(lines: &mut Vec<String>, max: usize, rng: &mut Rng) -> Edit {
    let count = rng.between(1, max.max(1)).min(lines.len().saturating_sub(1));
    let mut idx: Vec<usize> = (0..lines.len()).collect();
    rng.shuffle(&mut idx);
    let mut removed: Vec<usize> = idx.into_iter().take(count).collect();
    removed.sort_unstable();
    for &i in removed.iter().rev() {
        lines.remove(i);
    }
    Edit::RemoveParagraphs { removed }
}

/// Puts the paragraphs in a random order.
pub fn shuffle(lines: &mut Vec<String>, rng: &mut Rng) -> Edit {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    rng.shuffle(&mut order);
    let old = std::mem::take(lines);
    let mut slots: Vec<Option<String>> = old.into_iter().map(Some).collect();
    *lines = order.iter().filter_map(|&i| slots[i].take()).collect();
    Edit::Shuffle { order }
}

/// Cuts the text after a fraction drawn from `[min, max)` of its characters (at least one is
/// kept); white space at the cut is trimmed.
pub fn truncate(lines: &mut Vec<String>, min: f64, max: f64, rng: &mut Rng) -> Edit {
    let joined = lines.join("\n");
    let of_chars = joined.chars().count();
    let keep_fraction = rng.range_f64(min, max);
    let keep = ((of_chars as f64 * keep_fraction).floor() as usize).clamp(1, of_chars.max(1));
    let cut: String = joined.chars().take(keep).collect();
    let cut = cut.trim_end();
    *lines = cut.split('\n').map(str::to_string).collect();
    Edit::Truncate { keep_fraction, kept_chars: cut.chars().count(), of_chars }
}

/// Adds a header, a footer or both (equally likely); `seen` tells which boilerplate lines
/// already occurred in earlier documents.
pub fn boilerplate(lines: &mut Vec<String>, seen_headers: &[bool], seen_footers: &[bool], rng: &mut Rng) -> Edit {
    let which = rng.below(3);
    let header = (which != 1).then(|| rng.below(HEADERS.len()));
    let footer = (which != 0).then(|| rng.below(FOOTERS.len()));
    if let Some(h) = header {
        lines.insert(0, HEADERS[h].to_string());
    }
    if let Some(f) = footer {
        lines.push(FOOTERS[f].to_string());
    }
    Edit::Boilerplate {
        header,
        footer,
        header_repeated: header.is_some_and(|h| seen_headers[h]),
        footer_repeated: footer.is_some_and(|f| seen_footers[f]),
    }
}

/// Wraps the story as an agency would syndicate it to another outlet.
pub fn syndication(lines: &mut Vec<String>, rng: &mut Rng) -> Edit {
    let agency = rng.below(AGENCIES.len());
    let outlet = rng.below(OUTLETS.len());
    match lines.first_mut() {
        Some(first) => *first = format!("({}) — {first}", AGENCIES[agency]),
        None => lines.push(format!("({})", AGENCIES[agency])),
    }
    lines.push(credit_line(outlet));
    Edit::Syndication { agency, outlet }
}

/// Repeats the body (the lines after 0 to `lead_max` lead lines, at least one line) once.
pub fn repeat(lines: &mut Vec<String>, lead_max: usize, rng: &mut Rng) -> Edit {
    let lead_lines = rng.between(0, lead_max.min(lines.len().saturating_sub(1)));
    let body: Vec<String> = lines[lead_lines..].to_vec();
    let start = lines.len();
    lines.extend(body);
    Edit::Repeat { lead_lines, span_lines: [start, lines.len()] }
}

/// Quotes a contiguous run of `frac` (drawn from `[min, max)`) of `source`'s lines, at least one,
/// at a random place among `lines`.
pub fn contain(lines: &mut Vec<String>, source_id: &str, source: &[String], min: f64, max: f64, rng: &mut Rng) -> Edit {
    let frac = rng.range_f64(min, max);
    let len = ((source.len() as f64 * frac).round() as usize).clamp(1, source.len().max(1));
    let from = rng.below(source.len().saturating_sub(len) + 1);
    let to = (from + len).min(source.len());
    let at = rng.below(lines.len() + 1);
    lines.splice(at..at, source[from..to].iter().cloned());
    Edit::Contain { source: source_id.to_string(), source_lines: [from, to], span_lines: [at, at + (to - from)] }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Norm;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn boilerplate_lines_are_distinct_after_normalisation() {
        let mut all: Vec<String> = HEADERS.iter().chain(FOOTERS).map(|s| Norm::Ccnet.to_string(s)).collect();
        all.extend((0..OUTLETS.len()).map(|o| Norm::Ccnet.to_string(&credit_line(o))));
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn noise_at_rate_one_changes_multibyte_text_without_breaking_it() {
        let mut l = lines(&["Éléphant rn ça", "日本語"]);
        let e = noise(&mut l, 1.0, &mut Rng::new(3));
        // "Éléphant" -> É, é lose diacritics; "rn" -> "m"; every char is touched.
        assert!(l[0].starts_with("El") || l[0].starts_with("E1"), "{l:?}");
        assert!(matches!(e, Edit::Noise { changed, .. } if changed > 0));
    }

    #[test]
    fn repeat_puts_the_second_copy_of_the_body_at_the_end() {
        let mut l = lines(&["lead", "a", "b"]);
        let mut rng = Rng::new(1);
        let e = repeat(&mut l, 1, &mut rng);
        let Edit::Repeat { lead_lines, span_lines } = e else { panic!("not a repeat") };
        assert_eq!(span_lines[1], l.len());
        assert_eq!(l[lead_lines..span_lines[0]], l[span_lines[0]..]);
    }

    #[test]
    fn contain_quotes_a_contiguous_run() {
        let src = lines(&["s0", "s1", "s2", "s3"]);
        let mut l = lines(&["own0", "own1"]);
        let Edit::Contain { source_lines, span_lines, .. } = contain(&mut l, "x", &src, 0.5, 0.5, &mut Rng::new(9))
        else {
            panic!("not a containment")
        };
        assert_eq!(source_lines[1] - source_lines[0], 2);
        assert_eq!(l[span_lines[0]..span_lines[1]], src[source_lines[0]..source_lines[1]]);
    }

    #[test]
    fn truncate_keeps_a_prefix() {
        let mut l = lines(&["alpha beta", "gamma"]);
        let Edit::Truncate { kept_chars, .. } = truncate(&mut l, 0.5, 0.5, &mut Rng::new(2)) else { panic!() };
        // 16 chars ("alpha beta\ngamma"), half = 8: "alpha be".
        assert_eq!(l, lines(&["alpha be"]));
        assert_eq!(kept_chars, 8);
    }
}
