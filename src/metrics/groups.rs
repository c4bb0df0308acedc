//! Breakdowns: what group each unit of a dataset falls in, so that a metric can also be
//! reported per group as `metric@kind=value` with the group's size (`pages@kind=value`).
//!
//! | kind | value | from |
//! |---|---|---|
//! | `page_type` | the gold's page type | gold (WCXB, or any gold with `page_type`) |
//! | `site` | the registrable domain of the page's URL (`news.bbc.co.uk` is `bbc.co.uk`), by the public suffix list (`psl` crate) | URL |
//! | `length` | `short`, `medium` or `long`: the tercile of the gold text's length in characters | gold text |
//! | `language` | the gold text's language as an ISO 639-3 code (`eng`, `deu`, `cmn`), by [`language`] | gold text |
//!
//! A group is reported only when it holds at least [`MIN_GROUP`] units, so that a dataset of
//! a thousand sites does not write a thousand rows of one page each.

/// The fewest units a reported group holds.
pub const MIN_GROUP: usize = 5;

/// A kind of breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Page type from the gold.
    PageType,
    /// Registrable domain of the URL.
    Site,
    /// Tercile of the gold text's length.
    Length,
    /// Language of the gold text.
    Language,
    /// The fixed half of the dataset a page falls in by a hash of its id ([`half`]): `tune`, the
    /// half an extractor's rules are developed on, and `check`, the half that tests them.
    Half,
}

impl Kind {
    /// Every kind, in the order rows are written.
    pub const ALL: [Kind; 5] = [Kind::PageType, Kind::Site, Kind::Length, Kind::Language, Kind::Half];

    /// The name in metric names and in `--by`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::PageType => "page_type",
            Kind::Site => "site",
            Kind::Length => "length",
            Kind::Language => "language",
            Kind::Half => "half",
        }
    }

    /// The kind of `name`, if any.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The half of its dataset a page with id `id` falls in: `tune` when the low bit of
/// `xxh3_64(id)` (seed 0, the id's UTF-8 bytes) is 0, else `check`. It depends on the id alone,
/// so a page stays in its half whatever else the dataset holds, on every machine.
pub fn half(id: &str) -> &'static str {
    if xxhash_rust::xxh3::xxh3_64(id.as_bytes()) & 1 == 0 { "tune" } else { "check" }
}

/// The registrable domain of `url` (lower case), or its host when the public suffix list does
/// not know it (an IP address, `localhost`).
pub fn site(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    let host = match parsed.host()? {
        url::Host::Domain(d) => d.trim_end_matches('.').to_ascii_lowercase(),
        // An address has no registrable domain: the address is the site.
        ip => return Some(ip.to_string()),
    };
    let domain = psl::domain_str(&host).map(str::to_string);
    Some(domain.unwrap_or(host))
}

/// The fewest letters (alphabetic characters) a text needs before [`language`] names its
/// language.
pub const MIN_LANGUAGE_LETTERS: usize = 20;

/// The least confidence (whatlang's, 0 to 1) at which [`language`] keeps whatlang's guess.
pub const MIN_LANGUAGE_CONFIDENCE: f64 = 0.5;

/// The language of `text` as whatlang's ISO 639-3 code (lower case: `eng`, `deu`, `cmn` for
/// Mandarin), or `None` when the text has fewer than [`MIN_LANGUAGE_LETTERS`] letters or
/// whatlang's confidence in its guess is below [`MIN_LANGUAGE_CONFIDENCE`]. The whole text is
/// read; the answer depends on the text alone (whatlang is deterministic and keeps no state).
/// The thresholds were chosen by measurement: see `docs/language.md`.
pub fn language(text: &str) -> Option<String> {
    let letters = text.chars().filter(|c| c.is_alphabetic()).take(MIN_LANGUAGE_LETTERS).count();
    if letters < MIN_LANGUAGE_LETTERS {
        return None;
    }
    let info = whatlang::detect(text)?;
    (info.confidence() >= MIN_LANGUAGE_CONFIDENCE).then(|| info.lang().code().to_string())
}

/// The whatlang release the languages are detected with: part of the cache's key, so that
/// another release's answers are never taken for this one's (a test holds it to Cargo.lock).
const WHATLANG: &str = "0.18.0";

/// The languages of a dataset's gold texts kept between runs in a file (whatlang reads each
/// text whole, the costliest part of the breakdowns): valid for one dataset fingerprint, one
/// list of texts, one whatlang release and [`language`]'s thresholds, all in the key. A rebuilt
/// program with the same ones keeps its cache.
#[derive(Debug, Clone)]
pub struct LanguageCache {
    path: std::path::PathBuf,
    key: String,
}

impl LanguageCache {
    /// The cache of the dataset whose fingerprint is `fingerprint`, in folder `dir`; `None`
    /// for a dataset without a fingerprint (built in memory).
    pub fn new(dir: &std::path::Path, fingerprint: &str) -> Option<LanguageCache> {
        if fingerprint.len() < 16 || !fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let key = format!(
            "corpusbench languages 2\n{fingerprint}\nwhatlang {WHATLANG}\tletters {MIN_LANGUAGE_LETTERS}\tconfidence {MIN_LANGUAGE_CONFIDENCE}\n"
        );
        Some(LanguageCache { path: dir.join(format!("languages-{}", &fingerprint[..16])), key })
    }

    /// The cached languages of `n` texts, when the file holds them under this key.
    fn read(&self, n: usize) -> Option<Vec<Option<String>>> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let rest = text.strip_prefix(self.key.as_str())?;
        let labels: Vec<Option<String>> = rest
            .lines()
            .map(|l| match l {
                "-" => Some(None),
                code if !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase()) => {
                    Some(Some(code.to_string()))
                }
                _ => None,
            })
            .collect::<Option<_>>()?;
        (labels.len() == n).then_some(labels)
    }

    /// Keeps `labels`; a cache that cannot be written is simply not kept.
    fn write(&self, labels: &[Option<String>]) {
        let mut body = self.key.clone();
        for l in labels {
            body.push_str(l.as_deref().unwrap_or("-"));
            body.push('\n');
        }
        if let Some(dir) = self.path.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            let _ = crate::io::write_atomic(&self.path, body.as_bytes());
        }
    }
}

/// The [`language`] of each of `texts` (in parallel), taken from `cache` when it holds them and
/// kept there otherwise.
pub fn languages(texts: &[Option<&str>], cache: Option<&LanguageCache>) -> Vec<Option<String>> {
    use rayon::prelude::*;
    if let Some(labels) = cache.and_then(|c| c.read(texts.len())) {
        return labels;
    }
    let labels: Vec<Option<String>> = texts.par_iter().map(|t| t.and_then(language)).collect();
    if let Some(c) = cache {
        c.write(&labels);
    }
    labels
}

/// Length terciles of `lengths` (`None`: no gold text): `short` up to the first tercile's
/// boundary, `long` above the second, `medium` between. Boundaries are order statistics of the
/// lengths that exist, so each tercile holds about a third of them.
pub fn length_terciles(lengths: &[Option<usize>]) -> Vec<Option<String>> {
    let mut known: Vec<usize> = lengths.iter().flatten().copied().collect();
    known.sort_unstable();
    if known.is_empty() {
        return vec![None; lengths.len()];
    }
    let at = |q: usize| known[(known.len() * q / 3).min(known.len() - 1)];
    let (first, second) = (at(1), at(2));
    lengths
        .iter()
        .map(|l| {
            l.map(|n| {
                if n < first {
                    "short"
                } else if n < second {
                    "medium"
                } else {
                    "long"
                }
                .to_string()
            })
        })
        .collect()
}

/// The values of groups holding at least [`MIN_GROUP`] of `labels`, sorted.
pub fn reported(labels: &[Option<String>]) -> Vec<String> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for l in labels.iter().flatten() {
        *counts.entry(l.as_str()).or_default() += 1;
    }
    counts.into_iter().filter(|(_, n)| *n >= MIN_GROUP).map(|(v, _)| v.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_registrable_domains() {
        assert_eq!(site("https://news.BBC.co.uk/a?b").as_deref(), Some("bbc.co.uk"));
        assert_eq!(site("http://www.example.com/").as_deref(), Some("example.com"));
        assert_eq!(site("http://127.0.0.1:8080/x").as_deref(), Some("127.0.0.1"));
        assert_eq!(site("http://[::1]/").as_deref(), Some("[::1]"));
        assert_eq!(site("http://localhost:3000/").as_deref(), Some("localhost"));
        assert_eq!(site("not a url"), None);
    }

    #[test]
    fn halves_follow_the_low_bit_of_the_ids_xxh3() {
        // xxh3_64 of the empty input is 0x2D06800538D394C2 (specified by xxhash): low bit 0.
        assert_eq!(xxhash_rust::xxh3::xxh3_64(b""), 0x2D06_8005_38D3_94C2);
        assert_eq!(half(""), "tune");
        let ids: Vec<String> = (0..1000).map(|i| format!("{i:04}.html")).collect();
        let tune = ids.iter().filter(|id| half(id) == "tune").count();
        assert!((450..=550).contains(&tune), "{tune} of 1000 in tune");
    }

    #[test]
    fn terciles_split_in_thirds_and_skip_missing_text() {
        let lengths: Vec<Option<usize>> = (1..=9).map(Some).chain([None]).collect();
        let t = length_terciles(&lengths);
        let count = |v: &str| t.iter().filter(|x| x.as_deref() == Some(v)).count();
        assert_eq!((count("short"), count("medium"), count("long")), (3, 3, 3));
        assert_eq!(t[9], None);
        assert_eq!(t[0].as_deref(), Some("short"));
        assert_eq!(t[8].as_deref(), Some("long"));
    }

    #[test]
    fn language_is_named_for_clear_paragraphs_and_not_for_short_text() {
        let en = "The harbour master said on Monday that the evening ferry will keep running through the \
                  winter, because the island's nurses and bakers depend on it to get home after late shifts.";
        let de = "Der Hafenmeister sagte am Montag, dass die Abendfähre auch im Winter weiterfahren wird, \
                  weil die Pflegekräfte und Bäcker der Insel nach ihren späten Schichten auf sie angewiesen sind.";
        let ja = "港の管理者は月曜日に、島の看護師やパン職人が遅い勤務の後に家へ帰るために必要なので、夜のフェリーは冬の間も運航を続けると述べました。";
        assert_eq!(language(en).as_deref(), Some("eng"));
        assert_eq!(language(de).as_deref(), Some("deu"));
        assert_eq!(language(ja).as_deref(), Some("jpn"));
        // Too few letters: empty, a word, digits and punctuation.
        assert_eq!(language(""), None);
        assert_eq!(language("Hello there"), None);
        assert_eq!(language("2024-05-01 12:30 | 4.99 € | #42 -- 17/18 (3) 99%"), None);
        // Enough letters, but no guess whatlang trusts: a list of brand-like tokens.
        assert_eq!(language("Zyx Qwv Kkrt Plmb Vxxo Jjqz Wrrk Bbzt"), None);
        assert_eq!(Kind::parse("language"), Some(Kind::Language));
        assert_eq!(Kind::Language.name(), "language");
    }

    #[test]
    fn only_groups_big_enough_are_reported() {
        let labels: Vec<Option<String>> =
            ["a", "a", "a", "a", "a", "b"].iter().map(|s| Some(s.to_string())).chain([None]).collect();
        assert_eq!(reported(&labels), vec!["a".to_string()]);
    }

    /// Languages are detected once per dataset fingerprint and taken from the cache after; a
    /// cache of another fingerprint, or of another number of texts, is not used.
    #[test]
    fn languages_are_cached_per_fingerprint() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let english = "The committee published its annual report on Tuesday, and the members said that \
            the new rules would help families who live in the northern part of the country.";
        let texts = [Some(english), None, Some("short")];
        let fp = "ab".repeat(32);
        let cache = LanguageCache::new(dir.path(), &fp).unwrap_or_else(|| panic!("a fingerprint has a cache"));
        let detected = languages(&texts, Some(&cache));
        assert_eq!(detected, texts.iter().map(|t| t.and_then(language)).collect::<Vec<_>>());
        assert_eq!(detected[0].as_deref(), Some("eng"));
        // Make the cache lie: it is believed for this fingerprint and these texts only.
        let file = dir.path().join(format!("languages-{}", &fp[..16]));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&file, text.replacen("eng", "fra", 1)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(languages(&texts, Some(&cache))[0].as_deref(), Some("fra"));
        assert_eq!(languages(&texts[..2], Some(&cache))[0].as_deref(), Some("eng"));
        let other = LanguageCache::new(dir.path(), &"cd".repeat(32));
        assert_eq!(languages(&texts, other.as_ref())[0].as_deref(), Some("eng"));
        assert!(LanguageCache::new(dir.path(), "").is_none(), "a dataset without a fingerprint has no cache");
    }

    /// The cache's key names the whatlang release Cargo.lock resolves, so a cache made with
    /// another release is never read.
    #[test]
    fn the_cache_key_names_the_locked_whatlang() {
        let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
            .unwrap_or_else(|e| panic!("Cargo.lock: {e}"));
        let locked = lock
            .split("[[package]]")
            .find(|p| p.contains("name = \"whatlang\""))
            .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
            .map(|v| v.trim_end_matches('"'));
        assert_eq!(locked, Some(WHATLANG));
    }
}
