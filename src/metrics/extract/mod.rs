//! Extraction metrics, each as its benchmark's community computes it.
//!
//! | family | module | used for |
//! |---|---|---|
//! | `shingle_*` | [`shingle`] | scrapinghub article extraction benchmark; any gold text |
//! | `snippet_*` | [`snippet`] | trafilatura evaluation set; any with/without snippets |
//! | `bow_*` | [`bow`] | WCXB (with snippet rates and `bow_*@<page type>`); any gold text |
//! | `rouge_lsum_*` | [`rouge`] | every dataset with gold text |
//!
//! Which families a dataset gets is its [`Scoring`], set by its loader: a dataset in a known
//! upstream format gets its community's family (plus ROUGE-LSum where it has gold text) and no
//! other, so that its table only shows figures comparable with the published ones. Text metrics
//! are computed over the pages that have gold text. Nothing here reads files or knows about
//! strategies.

pub mod bow;
pub mod rouge;
pub mod shingle;
pub mod snippet;
pub(crate) mod tokens;

use std::borrow::Cow;

use super::bootstrap::Pass;
use super::groups::{self, Kind};
use crate::model::{ExtractGold, Family, Scoring, catalogue};

/// WCXB's page types in the order its `--per-type` report lists them; other types follow,
/// sorted by name.
const PAGE_TYPE_ORDER: &[&str] = &["article", "forum", "product", "collection", "listing", "documentation", "service"];

/// Named metrics of extracted `texts` against `gold` (aligned by page), for each family of
/// `scoring` the gold allows, in a fixed order.
pub fn score(scoring: &Scoring, gold: &[ExtractGold], texts: &[String]) -> Vec<(String, f64)> {
    Scored::new(scoring, gold, texts).metrics(None)
}

/// What one page contributes to each family; `None` where the family is off or the page has
/// no gold for it.
#[derive(Debug, Clone)]
struct PageUnit {
    shingle: Option<shingle::PageCounts>,
    snippet: Option<snippet::Counts>,
    bow: Option<bow::PagePrf>,
    /// WCXB's snippet rates (with, without), over every page.
    rates: Option<(f64, f64)>,
    rouge: Option<rouge::Rouge>,
    /// The page's type, an index into [`Scored::types`].
    ty: Option<u32>,
}

/// One reported breakdown group: each page's group of its kind, and the names its figures are
/// reported under, made once (not for every resample).
#[derive(Debug, Clone)]
struct GroupKind {
    /// Each page's reported group (an index into `names`; `None` for a page in no such group).
    of_page: Vec<Option<u32>>,
    /// For each group, the primary family's kept figures as `<metric>@<kind>=<group>`, then
    /// `pages@<kind>=<group>`.
    names: Vec<Vec<String>>,
}

/// Per-page scores of one extractor on one dataset: the costly part of scoring, done once, so
/// that the figures of any selection of pages (a bootstrap resample) are a cheap aggregate.
#[derive(Debug, Clone)]
pub struct Scored {
    /// Breakdowns of the primary metric's family, one for each kind reported.
    groups: Vec<GroupKind>,
    /// Which of the primary family's figures (positions in [`Scored::family_metrics`]'s rows
    /// for that family alone) a breakdown group reports: those of the primary family.
    kept: Vec<usize>,
    /// WCXB's page types in report order, each with its row names (`bow_precision@<type>`,
    /// `bow_recall@..`, `bow_f1@..`, `pages@..`).
    types: Vec<[String; 4]>,
    primary: Option<Family>,
    shingle: bool,
    snippet: bool,
    bow: bool,
    rates: bool,
    rouge: bool,
    pages: Vec<PageUnit>,
}

/// Each page's group for every kind of [`Kind::ALL`]: page type (from the gold), site (from
/// `urls`, aligned with `gold`), length tercile and language (of the gold text, see
/// [`groups::language`]), and half (from `ids`, aligned with `gold`, see [`groups::half`]). It depends on the dataset alone, so a run computes it once per
/// dataset, not per strategy.
pub fn breakdown_labels(gold: &[ExtractGold], ids: &[&str], urls: &[Option<&str>]) -> Vec<(Kind, Vec<Option<String>>)> {
    breakdown_labels_cached(gold, ids, urls, None)
}

/// [`breakdown_labels`] with the languages kept in `cache` between runs.
pub fn breakdown_labels_cached(
    gold: &[ExtractGold],
    ids: &[&str],
    urls: &[Option<&str>],
    cache: Option<&groups::LanguageCache>,
) -> Vec<(Kind, Vec<Option<String>>)> {
    Kind::ALL
        .into_iter()
        .map(|kind| {
            let labels: Vec<Option<String>> = match kind {
                Kind::PageType => gold.iter().map(|g| g.page_type.clone()).collect(),
                Kind::Site => urls.iter().map(|u| u.and_then(groups::site)).collect(),
                Kind::Length => groups::length_terciles(
                    &gold.iter().map(|g| g.text.as_ref().map(|t| t.chars().count())).collect::<Vec<_>>(),
                ),
                Kind::Language => {
                    let texts: Vec<Option<&str>> = gold.iter().map(|g| g.text.as_deref()).collect();
                    groups::languages(&texts, cache)
                }
                Kind::Half => ids.iter().map(|id| Some(groups::half(id).to_string())).collect(),
            };
            (kind, labels)
        })
        .collect()
}

/// The families a dataset's pages are scored with: those of its scoring that its gold allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Families {
    shingle: bool,
    snippet: bool,
    bow: bool,
    rates: bool,
    rouge: bool,
}

impl Families {
    fn of(scoring: &Scoring, gold: &[ExtractGold]) -> Families {
        let has_text = gold.iter().any(|g| g.text.is_some());
        let has_snippets = gold.iter().any(|g| !g.with.is_empty() || !g.without.is_empty());
        let on = |f: Family, allowed: bool| allowed && scoring.has(f);
        let bow = on(Family::Bow, has_text);
        Families {
            shingle: on(Family::Shingle, has_text),
            snippet: on(Family::Snippet, has_snippets),
            bow,
            rates: bow && scoring.has(Family::BowRates),
            rouge: on(Family::Rouge, has_text),
        }
    }
}

/// The gold side of one page, prepared for its families.
#[derive(Debug, Clone, Default)]
struct GoldPage {
    shingle: Option<shingle::GoldShingles>,
    bow: Option<bow::GoldBag>,
    /// The `with` and `without` snippets lowercased, for WCXB's rates.
    rates: Option<(Vec<String>, Vec<String>)>,
}

/// The gold side of a dataset's pages, tokenised and counted once for every extractor scored
/// against it (a run prepares it once per dataset, not once per cell).
#[derive(Debug, Clone)]
pub struct GoldSide {
    families: Families,
    pages: Vec<GoldPage>,
}

impl GoldSide {
    /// Prepares `gold` for the families of `scoring`.
    pub fn new(scoring: &Scoring, gold: &[ExtractGold]) -> GoldSide {
        use rayon::prelude::*;
        let f = Families::of(scoring, gold);
        let lower = |v: &[String]| v.iter().map(|s| tokens::lowercase(s)).collect::<Vec<_>>();
        let pages = gold
            .par_iter()
            .map(|g| {
                let text = g.text.as_deref();
                GoldPage {
                    shingle: text.filter(|_| f.shingle).map(shingle::GoldShingles::new),
                    bow: text.filter(|_| f.bow).map(bow::GoldBag::new),
                    rates: f.rates.then(|| (lower(&g.with), lower(&g.without))),
                }
            })
            .collect();
        GoldSide { families: f, pages }
    }
}

impl Scored {
    /// Scores every page of `texts` against `gold` for the families of `scoring`.
    pub fn new(scoring: &Scoring, gold: &[ExtractGold], texts: &[String]) -> Scored {
        Scored::against(scoring, gold, &GoldSide::new(scoring, gold), texts)
    }

    /// [`Scored::new`] with the gold side prepared already (`prepared`, from the same `scoring`
    /// and `gold`).
    pub fn against(scoring: &Scoring, gold: &[ExtractGold], prepared: &GoldSide, texts: &[String]) -> Scored {
        use rayon::prelude::*;
        debug_assert_eq!(gold.len(), texts.len());
        debug_assert_eq!(gold.len(), prepared.pages.len());
        let f = prepared.families;
        // The page types met, in WCXB's report order.
        let mut type_names: Vec<&str> = gold.iter().filter_map(|g| g.page_type.as_deref()).collect();
        type_names.sort_by_key(|t| (PAGE_TYPE_ORDER.iter().position(|o| o == t).unwrap_or(PAGE_TYPE_ORDER.len()), *t));
        type_names.dedup();
        let type_index: std::collections::HashMap<&str, u32> =
            type_names.iter().enumerate().map(|(i, t)| (*t, i as u32)).collect();
        let pages = gold
            .par_iter()
            .zip(&prepared.pages)
            .zip(texts)
            .map(|((g, prep), t)| {
                let text = g.text.as_deref();
                // The output lowercased once, for its bag of words and both snippet rates.
                let lower = (prep.bow.is_some() || prep.rates.is_some()).then(|| tokens::lowercase(t));
                let lower = lower.as_deref().unwrap_or("");
                PageUnit {
                    shingle: prep.shingle.as_ref().map(|gs| shingle::page_prepared(gs, t)),
                    snippet: f.snippet.then(|| snippet::page(&g.with, &g.without, t)),
                    bow: prep.bow.as_ref().map(|gb| bow::page_lower(gb, lower)),
                    rates: prep.rates.as_ref().map(|(with, without)| {
                        (bow::snippet_rate_lower(with, lower), bow::snippet_rate_lower(without, lower))
                    }),
                    rouge: text.filter(|_| f.rouge).map(|gt| rouge::page(gt, t)),
                    ty: g.page_type.as_deref().and_then(|t| type_index.get(t).copied()),
                }
            })
            .collect();
        let primary = catalogue::lookup(&scoring.primary).map(|m| m.family);
        let types = type_names
            .iter()
            .map(|ty| {
                [
                    format!("bow_precision@{ty}"),
                    format!("bow_recall@{ty}"),
                    format!("bow_f1@{ty}"),
                    format!("pages@{ty}"),
                ]
            })
            .collect();
        Scored {
            groups: Vec::new(),
            kept: Vec::new(),
            types,
            primary,
            shingle: f.shingle,
            snippet: f.snippet,
            bow: f.bow,
            rates: f.rates,
            rouge: f.rouge,
            pages,
        }
    }

    /// Adds the breakdowns of the primary metric's family (`groups`): page type, site (from
    /// `urls`, aligned with the pages), length tercile and language, each where the data gives
    /// it.
    pub fn with_breakdowns(self, gold: &[ExtractGold], ids: &[&str], urls: &[Option<&str>]) -> Scored {
        self.with_labels(&breakdown_labels(gold, ids, urls))
    }

    /// Adds the breakdowns of `labels` (as [`breakdown_labels`] gives them, computed once for a
    /// dataset): each kind whose labels align with the pages and hold a group big enough.
    pub fn with_labels(mut self, labels: &[(Kind, Vec<Option<String>>)]) -> Scored {
        // The primary family's figures, by name (the same for any pages), and those a group keeps.
        let family: Vec<Cow<'static, str>> = match self.primary {
            Some(primary) => self.family_metrics(&[], None, Some(primary), false).into_iter().map(|(n, _)| n).collect(),
            None => Vec::new(),
        };
        let primary = self.primary;
        self.kept = (0..family.len())
            .filter(|&i| primary.is_some() && catalogue::lookup(&family[i]).map(|m| m.family) == primary)
            .collect();
        for (kind, labels) in labels {
            let reported = groups::reported(labels);
            if labels.len() == self.pages.len() && !reported.is_empty() {
                let index: std::collections::HashMap<&str, u32> =
                    reported.iter().enumerate().map(|(i, v)| (v.as_str(), i as u32)).collect();
                let of_page = labels.iter().map(|l| l.as_deref().and_then(|l| index.get(l).copied())).collect();
                let names = reported
                    .iter()
                    .map(|value| {
                        let group = format!("{}={value}", kind.name());
                        let mut names: Vec<String> =
                            self.kept.iter().map(|&i| format!("{}@{group}", family[i])).collect();
                        names.push(format!("pages@{group}"));
                        names
                    })
                    .collect();
                self.groups.push(GroupKind { of_page, names });
            }
        }
        self
    }

    /// Each page's F1 in the primary metric's family (`None`: the page has no such score),
    /// for choosing the worst pages to show.
    pub fn page_scores(&self) -> Vec<Option<f64>> {
        self.pages
            .iter()
            .map(|p| match self.primary? {
                Family::Shingle => p.shingle.map(|c| {
                    let den = 2.0 * c.tp + c.fp + c.fn_;
                    if den > 0.0 { 2.0 * c.tp / den } else { 1.0 }
                }),
                Family::Snippet => p.snippet.map(|c| c.scores().3),
                Family::Bow | Family::BowRates => p.bow.map(|b| b.f1),
                Family::Rouge => p.rouge.map(|r| r.f1),
                _ => None,
            })
            .collect()
    }

    /// Number of pages (the unit a bootstrap resamples).
    pub fn units(&self) -> usize {
        self.pages.len()
    }

    /// The named metrics over the pages `select`ed (indices, repeats allowed), or over every
    /// page: each family's figures, then the primary family's figures of each breakdown group the
    /// selection holds pages of.
    pub fn metrics(&self, select: Option<&[usize]>) -> Vec<(String, f64)> {
        let all: Vec<usize>;
        let idx = match select {
            Some(idx) => idx,
            None => {
                all = (0..self.pages.len()).collect();
                &all
            }
        };
        let chosen: Vec<&PageUnit> = idx.iter().filter_map(|&i| self.pages.get(i)).collect();
        let mut out: Vec<(String, f64)> = self
            .family_metrics(&chosen, Some(&self.types), None, false)
            .into_iter()
            .map(|(n, v)| (n.into_owned(), v))
            .collect();
        self.each_group(idx, |k, g, figures, pages| {
            let Some(names) = self.groups.get(k).and_then(|kind| kind.names.get(g)) else { return };
            for (name, &i) in names.iter().zip(&self.kept) {
                if let Some((_, v)) = figures.get(i) {
                    out.push((name.clone(), *v));
                }
            }
            if let Some(last) = names.last() {
                out.push((last.clone(), pages as f64));
            }
        });
        out
    }

    /// The bootstrap pass over pages: the names of every figure a resample can give, made
    /// once (each family's, WCXB's row for every page type, each group's), and each resample's
    /// figures written in that order without naming them; [`Scored::metrics`] of the same
    /// pages gives the same values under those names.
    pub fn pass(&self) -> Pass<'_> {
        let mut names: Vec<String> =
            self.family_metrics(&[], Some(&self.types), None, true).into_iter().map(|(n, _)| n.into_owned()).collect();
        // Where each group's figures start in the row, for every kind.
        let mut starts: Vec<Vec<usize>> = Vec::with_capacity(self.groups.len());
        for kind in &self.groups {
            let mut kind_starts = Vec::with_capacity(kind.names.len());
            for group in &kind.names {
                kind_starts.push(names.len());
                names.extend(group.iter().cloned());
            }
            starts.push(kind_starts);
        }
        let fill = move |idx: &[usize], row: &mut [f64]| self.fill(idx, &starts, row);
        Pass { units: self.units(), names, fill: Box::new(fill) }
    }

    /// One resample's figures in the order of [`Scored::pass`]'s names (`starts`: where each
    /// group's begin); a group the resample drew no page of is left as it is (NaN).
    fn fill(&self, idx: &[usize], starts: &[Vec<usize>], row: &mut [f64]) {
        let chosen: Vec<&PageUnit> = idx.iter().filter_map(|&i| self.pages.get(i)).collect();
        let own = self.family_metrics(&chosen, Some(&self.types), None, true);
        for (slot, (_, v)) in row.iter_mut().zip(&own) {
            *slot = *v;
        }
        self.each_group(idx, |k, g, figures, pages| {
            let Some(&from) = starts.get(k).and_then(|s| s.get(g)) else { return };
            let values = self.kept.iter().map(|&i| figures.get(i).map_or(f64::NAN, |(_, v)| *v));
            for (slot, v) in row.iter_mut().skip(from).zip(values.chain([pages as f64])) {
                *slot = v;
            }
        });
    }

    /// Calls `f` for every breakdown group (its kind's index in `groups`, its own index there)
    /// the pages `idx` hold some of, with the primary family's figures over those pages and
    /// their number.
    fn each_group(&self, idx: &[usize], mut f: impl FnMut(usize, usize, &[(Cow<'_, str>, f64)], usize)) {
        let (Some(primary), Some(filler)) = (self.primary, self.pages.first()) else { return };
        // The drawn pages of each group, in drawing order, one group after the other.
        let mut members: Vec<&PageUnit> = Vec::with_capacity(idx.len());
        let mut start: Vec<usize> = Vec::new();
        for (k, kind) in self.groups.iter().enumerate() {
            let in_group = |i: usize| match (kind.of_page.get(i), self.pages.get(i)) {
                (Some(Some(g)), Some(page)) => Some((*g as usize, page)),
                _ => None,
            };
            start.clear();
            start.resize(kind.names.len() + 1, 0);
            for &i in idx {
                if let Some((g, _)) = in_group(i) {
                    start[g + 1] += 1;
                }
            }
            for g in 1..start.len() {
                start[g] += start[g - 1];
            }
            let mut next = start.clone();
            members.clear();
            members.resize(start[kind.names.len()], filler);
            for &i in idx {
                if let Some((g, page)) = in_group(i) {
                    members[next[g]] = page;
                    next[g] += 1;
                }
            }
            for g in 0..kind.names.len() {
                let sub = &members[start[g]..start[g + 1]];
                // A resample that drew none of the group says nothing about it.
                if !sub.is_empty() {
                    f(k, g, &self.family_metrics(sub, None, Some(primary), false), sub.len());
                }
            }
        }
    }

    /// The figures of each family over `chosen` (of the families that give `only`'s figures,
    /// when given); with `types` (this cell's [`Scored::types`]), WCXB's own per-type rows too,
    /// of the types `chosen` holds or, with `every_type`, of all (NaN for one it lacks).
    /// Names are borrowed where they can be: a resample builds none.
    fn family_metrics<'a>(
        &self,
        chosen: &[&PageUnit],
        types: Option<&'a [[String; 4]]>,
        only: Option<Family>,
        every_type: bool,
    ) -> Vec<(Cow<'a, str>, f64)> {
        let want = |f: Family| only.is_none_or(|o| o == f);
        let mut out: Vec<(Cow<'a, str>, f64)> = Vec::new();
        if self.shingle && want(Family::Shingle) {
            let s = shingle::aggregate(chosen.iter().filter_map(|p| p.shingle.as_ref()));
            out.extend([
                ("shingle_precision".into(), s.precision),
                ("shingle_recall".into(), s.recall),
                ("shingle_f1".into(), s.f1),
                ("shingle_accuracy".into(), s.accuracy),
            ]);
        }
        if self.snippet && want(Family::Snippet) {
            let mut total = snippet::Counts::default();
            for c in chosen.iter().filter_map(|p| p.snippet) {
                total.add(c);
            }
            let (p, r, a, f) = total.scores();
            out.extend([
                ("snippet_precision".into(), p),
                ("snippet_recall".into(), r),
                ("snippet_accuracy".into(), a),
                ("snippet_f1".into(), f),
                ("snippet_tp".into(), total.tp as f64),
                ("snippet_fp".into(), total.fp as f64),
                ("snippet_fn".into(), total.fn_ as f64),
                ("snippet_tn".into(), total.tn as f64),
            ]);
        }
        if self.bow && (want(Family::Bow) || want(Family::BowRates)) {
            bow_metrics(self.rates && want(Family::BowRates), chosen, types, every_type, &mut out);
        }
        if self.rouge && want(Family::Rouge) {
            let pages: Vec<rouge::Rouge> = chosen.iter().filter_map(|p| p.rouge).collect();
            out.extend([
                ("rouge_lsum_precision".into(), tokens::mean(pages.iter().map(|r| r.precision)).unwrap_or(0.0)),
                ("rouge_lsum_recall".into(), tokens::mean(pages.iter().map(|r| r.recall)).unwrap_or(0.0)),
                ("rouge_lsum_f1".into(), tokens::mean(pages.iter().map(|r| r.f1)).unwrap_or(0.0)),
            ]);
        }
        out
    }
}

/// WCXB figures, added to `out`: macro P/R/F1 over the pages with gold text, snippet rates
/// (with `rates`, over all pages), and with `types` the per-page-type rows (each type met, in
/// report order; with `every_type`, a type without pages too, its figures NaN); every mean
/// gathered in one pass over `chosen`.
fn bow_metrics<'a>(
    rates: bool,
    chosen: &[&PageUnit],
    types: Option<&'a [[String; 4]]>,
    every_type: bool,
    out: &mut Vec<(Cow<'a, str>, f64)>,
) {
    use tokens::Mean;
    let push = |m: &mut [Mean; 3], b: &bow::PagePrf| {
        m[0].push(b.precision);
        m[1].push(b.recall);
        m[2].push(b.f1);
    };
    let (mut all, mut with, mut without) = ([Mean::default(); 3], Mean::default(), Mean::default());
    // The means of each page type, by its index.
    let mut by_type = vec![[Mean::default(); 3]; types.map_or(0, <[_]>::len)];
    for p in chosen {
        if let Some(b) = &p.bow {
            push(&mut all, b);
            if let Some(m) = p.ty.and_then(|t| by_type.get_mut(t as usize)) {
                push(m, b);
            }
        }
        if let Some((w, wo)) = p.rates {
            with.push(w);
            without.push(wo);
        }
    }
    let get = |m: &Mean| m.get().unwrap_or(0.0);
    out.extend([
        ("bow_precision".into(), get(&all[0])),
        ("bow_recall".into(), get(&all[1])),
        ("bow_f1".into(), get(&all[2])),
    ]);
    if rates {
        out.push(("bow_with_rate".into(), get(&with)));
        out.push(("bow_without_rate".into(), get(&without)));
    }
    for (names, m) in types.unwrap_or_default().iter().zip(&by_type) {
        if m[2].count() == 0 {
            if every_type {
                out.extend(names.iter().map(|n| (Cow::Borrowed(n.as_str()), f64::NAN)));
            }
            continue;
        }
        out.extend([
            (Cow::Borrowed(names[0].as_str()), get(&m[0])),
            (Cow::Borrowed(names[1].as_str()), get(&m[1])),
            (Cow::Borrowed(names[2].as_str()), get(&m[2])),
            (Cow::Borrowed(names[3].as_str()), m[2].count() as f64),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gold(text: Option<&str>, with: &[&str], without: &[&str], ty: Option<&str>) -> ExtractGold {
        ExtractGold {
            text: text.map(str::to_string),
            with: with.iter().map(|s| s.to_string()).collect(),
            without: without.iter().map(|s| s.to_string()).collect(),
            page_type: ty.map(str::to_string),
        }
    }

    fn scoring(families: &[Family]) -> Scoring {
        Scoring { families: families.to_vec(), primary: String::new() }
    }

    fn names(m: &[(String, f64)]) -> Vec<&str> {
        m.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn only_the_families_of_the_scoring_are_computed() {
        let g = vec![gold(Some("a b"), &["a"], &["z"], Some("article"))];
        let t = vec!["a b".to_string()];
        let sh = score(&scoring(&[Family::Shingle, Family::Rouge]), &g, &t);
        assert!(names(&sh).contains(&"shingle_f1") && !names(&sh).contains(&"bow_f1"));
        assert!(names(&sh).contains(&"rouge_lsum_f1") && !names(&sh).contains(&"snippet_f1"));
        let tr = score(&scoring(&[Family::Snippet, Family::Rouge]), &g, &t);
        assert!(names(&tr).contains(&"snippet_f1") && !names(&tr).contains(&"shingle_f1"));
        let wc = score(&scoring(&[Family::Bow, Family::BowRates, Family::Rouge]), &g, &t);
        assert!(names(&wc).contains(&"bow_f1@article") && names(&wc).contains(&"bow_with_rate"));
        let own = score(&scoring(&crate::model::scoring::extract_families(&g)), &g, &t);
        for m in ["shingle_f1", "snippet_f1", "bow_f1"] {
            assert!(names(&own).contains(&m), "{m}");
        }
        // ROUGE-LSum is opt-in: not among the project format's defaults.
        assert!(!names(&own).contains(&"rouge_lsum_f1"));
    }

    #[test]
    fn breakdowns_score_the_primary_family_within_each_group_big_enough() {
        // 12 pages: 6 on one site extracted perfectly, 6 on others extracted wrongly.
        let g: Vec<ExtractGold> =
            (0..12).map(|i| gold(Some(&"word ".repeat(i + 1)), &[], &[], Some("article"))).collect();
        let t: Vec<String> = (0..12).map(|i| if i < 6 { "word ".repeat(i + 1) } else { "other".to_string() }).collect();
        let urls: Vec<Option<&str>> = (0..12)
            .map(|i| Some(if i < 6 { "https://a.example.co.uk/x" } else { "https://b.example.org/y" }))
            .collect();
        let mut sc = scoring(&[Family::Shingle]);
        sc.primary = "shingle_f1".into();
        // Six ids from each half, interleaved.
        let candidates: Vec<String> = (0..100).map(|i| format!("page-{i}")).collect();
        let of = |h: &'static str| candidates.iter().filter(move |id| crate::metrics::groups::half(id) == h);
        let ids: Vec<&str> = of("tune").zip(of("check")).take(6).flat_map(|(a, b)| [a.as_str(), b.as_str()]).collect();
        let scored = Scored::new(&sc, &g, &t).with_breakdowns(&g, &ids, &urls);
        let m: std::collections::HashMap<String, f64> = scored.metrics(None).into_iter().collect();
        assert_eq!(m["shingle_f1@site=example.co.uk"], 1.0);
        // The halves split the pages by their ids' hashes and hold them all.
        assert_eq!(m["pages@half=tune"], 6.0);
        assert_eq!(m["pages@half=check"], 6.0);
        // Pages 0, 2, 4 (tune) and 1, 3, 5 (check) are right, the rest wrong: each half scores 0.5.
        assert_eq!(m["shingle_f1@half=tune"], 0.5);
        assert_eq!(m["shingle_f1@half=check"], 0.5);
        assert_eq!(m["shingle_f1@site=example.org"], 0.0);
        assert_eq!(m["pages@site=example.org"], 6.0);
        assert_eq!(m["pages@page_type=article"], 12.0);
        // Terciles of 12 lengths: 4 short (the first four, all on site a), 4 medium, 4 long;
        // groups under 5 pages are not reported.
        assert!(!m.contains_key("pages@length=short"));
        // Only the primary family is broken down.
        assert!(!m.keys().any(|k| k.starts_with("rouge") || k.starts_with("bow")));
        // A resample that misses a group reports nothing for it.
        let only_a: Vec<(String, f64)> = scored.metrics(Some(&[0, 1, 2]));
        assert!(!only_a.iter().any(|(k, _)| k.ends_with("site=example.org")));
    }

    #[test]
    fn a_pass_row_holds_the_named_metrics_of_the_same_pages() {
        // WCXB-style pages: two types (one only on page 0), two sites, gold on all but one.
        let g: Vec<ExtractGold> = (0..14)
            .map(|i| {
                let text = (i != 5).then(|| "alpha beta ".repeat(i + 1));
                gold(text.as_deref(), &["alpha"], &["zeta"], Some(if i == 0 { "forum" } else { "article" }))
            })
            .collect();
        let t: Vec<String> =
            (0..14).map(|i| if i % 3 == 0 { "alpha gamma".into() } else { "beta ".repeat(i) }).collect();
        let urls: Vec<Option<&str>> =
            (0..14).map(|i| Some(if i < 7 { "https://a.example.com/" } else { "https://b.example.net/" })).collect();
        let ids: Vec<String> = (0..14).map(|i| format!("p{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut sc = scoring(&[Family::Bow, Family::BowRates]);
        sc.primary = "bow_f1".into();
        let scored = Scored::new(&sc, &g, &t).with_breakdowns(&g, &ids, &urls);
        let pass = scored.pass();
        let boot = crate::metrics::bootstrap::Bootstrap { resamples: 40, seed: 3 };
        let rows = boot.replicate(&pass);
        let mut saw_missing_type = false;
        for (r, row) in rows.iter().enumerate() {
            let named = scored.metrics(Some(&boot.draw(r, scored.units())));
            for (name, v) in &named {
                let i = pass.names.iter().position(|n| n == name).unwrap();
                assert_eq!(row[i].to_bits(), v.to_bits(), "{name} in resample {r}");
            }
            // Every other figure of the row is one the resample lacks.
            for (i, name) in pass.names.iter().enumerate() {
                if !named.iter().any(|(n, _)| n == name) {
                    assert!(row[i].is_nan(), "{name} in resample {r}");
                    saw_missing_type |= name == "bow_f1@forum";
                }
            }
        }
        assert!(saw_missing_type, "some resample misses page 0, the only forum page");
        assert!(pass.names.iter().any(|n| n == "bow_f1@site=example.com"));
    }

    #[test]
    fn page_type_breakdown_averages_within_each_type() {
        let g = vec![
            gold(Some("a b"), &[], &[], Some("forum")),
            gold(Some("a b"), &[], &[], Some("article")),
            gold(Some("c d"), &[], &[], Some("article")),
        ];
        let t = vec!["a b".to_string(), "a b".to_string(), "x y".to_string()];
        let m = score(&scoring(&[Family::Bow, Family::BowRates]), &g, &t);
        let get = |k: &str| m.iter().find(|(n, _)| n == k).map(|(_, v)| *v);
        assert_eq!(get("bow_f1@article"), Some(0.5));
        assert_eq!(get("bow_f1@forum"), Some(1.0));
        assert_eq!(get("pages@article"), Some(2.0));
        assert_eq!(get("bow_f1"), Some(2.0 / 3.0));
        // Upstream order: article before forum.
        let order: Vec<&str> = names(&m).into_iter().filter(|n| n.starts_with("bow_f1@")).collect();
        assert_eq!(order, vec!["bow_f1@article", "bow_f1@forum"]);
        // No snippets: both rates count 1.0 per page.
        assert_eq!(get("bow_with_rate"), Some(1.0));
    }

    #[test]
    fn pages_without_gold_text_are_left_out_of_text_metrics() {
        let g = vec![gold(Some("a b c d"), &[], &[], None), gold(None, &["q"], &[], None)];
        let t = vec!["a b c d".to_string(), "nothing".to_string()];
        let m = score(&scoring(&crate::model::scoring::extract_families(&g)), &g, &t);
        let get = |k: &str| m.iter().find(|(n, _)| n == k).map(|(_, v)| *v);
        assert_eq!(get("shingle_f1"), Some(1.0));
        assert_eq!(get("snippet_recall"), Some(0.0));
    }
}
