//! Breakdowns: what group each unit of a dataset falls in, so that a metric can also be
//! reported per group as `metric@kind=value` with the group's size (`pages@kind=value`).
//!
//! | kind | value | from |
//! |---|---|---|
//! | `page_type` | the gold's page type | gold (WCXB, or any gold with `page_type`) |
//! | `site` | the registrable domain of the page's URL (`news.bbc.co.uk` is `bbc.co.uk`), by the public suffix list (`psl` crate) | URL |
//! | `length` | `short`, `medium` or `long`: the tercile of the gold text's length in characters | gold text |
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
}

impl Kind {
    /// Every kind, in the order rows are written.
    pub const ALL: [Kind; 3] = [Kind::PageType, Kind::Site, Kind::Length];

    /// The name in metric names and in `--by`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::PageType => "page_type",
            Kind::Site => "site",
            Kind::Length => "length",
        }
    }

    /// The kind of `name`, if any.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
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
    fn only_groups_big_enough_are_reported() {
        let labels: Vec<Option<String>> =
            ["a", "a", "a", "a", "a", "b"].iter().map(|s| Some(s.to_string())).chain([None]).collect();
        assert_eq!(reported(&labels), vec!["a".to_string()]);
    }
}
