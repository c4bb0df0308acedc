//! The generator's edit parameters: how often each document kind and each edit occurs, and how
//! strong an edit is. One table ([`PARAMS`]) names them for the command line (`--set name=value`)
//! and for `synth.toml`.

use crate::error::Error;

/// What a parameter's value may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range01 {
    /// A probability or fraction in [0, 1].
    Unit,
    /// A whole number of at least 1.
    Count,
}

/// One named parameter.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Name used in `--set` and `synth.toml`.
    pub name: &'static str,
    /// Default value.
    pub default: f64,
    /// Allowed values.
    pub kind: Range01,
    /// One line of help.
    pub help: &'static str,
}

const fn p(name: &'static str, default: f64, help: &'static str) -> Param {
    Param { name, default, kind: Range01::Unit, help }
}

const fn n(name: &'static str, default: f64, help: &'static str) -> Param {
    Param { name, default, kind: Range01::Count, help }
}

/// Every parameter, in the order they are documented and recorded.
pub const PARAMS: &[Param] = &[
    p("copy", 0.4, "share of documents that are copies of an earlier document (same cluster)"),
    p("contain", 0.05, "share of documents that quote part of an earlier document (own cluster)"),
    p("copy.exact", 0.3, "share of copies left unedited (exact duplicates)"),
    p("words", 0.5, "probability that an edited copy gets word edits"),
    p("words.rate", 0.05, "per-word probability of a deletion, substitution or insertion"),
    p("noise", 0.3, "probability that an edited copy gets typo / OCR character noise"),
    p("noise.rate", 0.02, "per-character probability of noise"),
    p("insert", 0.2, "probability that an edited copy gets new paragraphs"),
    n("insert.max", 2.0, "most paragraphs inserted"),
    p("remove", 0.2, "probability that an edited copy loses paragraphs"),
    n("remove.max", 2.0, "most paragraphs removed"),
    p("shuffle", 0.1, "probability that an edited copy has its paragraphs reordered"),
    p("truncate", 0.15, "probability that an edited copy is cut short"),
    p("truncate.min", 0.5, "smallest fraction of characters a truncated copy keeps"),
    p("truncate.max", 0.95, "largest fraction of characters a truncated copy keeps"),
    p("boilerplate", 0.2, "probability that an edited copy gets a site header and/or footer"),
    p("syndication", 0.1, "probability that an edited copy is wrapped as syndicated (agency line, outlet credit)"),
    p("repeat", 0.05, "probability that an original repeats its body inside itself"),
    n("repeat.lead_max", 2.0, "most lead paragraphs before the repeated body"),
    p("original.boilerplate", 0.1, "probability that an original gets a site header and/or footer"),
    p("contain.min", 0.3, "smallest fraction of the quoted document's paragraphs quoted"),
    p("contain.max", 0.8, "largest fraction of the quoted document's paragraphs quoted"),
];

/// Parameter values, aligned with [`PARAMS`].
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    values: Vec<f64>,
}

impl Default for Params {
    fn default() -> Self {
        Params { values: PARAMS.iter().map(|p| p.default).collect() }
    }
}

impl Params {
    /// The value of `name`; every name used in code is in [`PARAMS`] (an unknown one reads 0).
    pub fn get(&self, name: &str) -> f64 {
        PARAMS.iter().position(|p| p.name == name).map_or(0.0, |i| self.values[i])
    }

    /// A count parameter as an integer.
    pub fn count(&self, name: &str) -> usize {
        self.get(name).max(1.0) as usize
    }

    /// Sets `name` to `value` after checking both.
    pub fn set(&mut self, name: &str, value: f64) -> Result<(), Error> {
        let Some(i) = PARAMS.iter().position(|p| p.name == name) else {
            let known: Vec<&str> = PARAMS.iter().map(|p| p.name).collect();
            return Err(Error::Usage(format!("unknown synth parameter `{name}` (known: {})", known.join(", "))));
        };
        let ok = match PARAMS[i].kind {
            Range01::Unit => (0.0..=1.0).contains(&value),
            Range01::Count => value >= 1.0 && value.fract() == 0.0 && value <= 1e6,
        };
        if !ok {
            let want = if PARAMS[i].kind == Range01::Unit { "a number in [0, 1]" } else { "a whole number >= 1" };
            return Err(Error::Usage(format!("synth parameter `{name}`: {value} is not {want}")));
        }
        self.values[i] = value;
        Ok(())
    }

    /// Parses and sets `name=value`.
    pub fn set_spec(&mut self, spec: &str) -> Result<(), Error> {
        let Some((name, value)) = spec.split_once('=') else {
            return Err(Error::Usage(format!("`{spec}`: expected name=value")));
        };
        let v: f64 = value
            .trim()
            .parse()
            .map_err(|_| Error::Usage(format!("synth parameter `{}`: `{value}` is not a number", name.trim())))?;
        self.set(name.trim(), v)
    }

    /// Checks relations between parameters.
    pub fn validate(&self) -> Result<(), Error> {
        if self.get("copy") + self.get("contain") > 1.0 {
            return Err(Error::Usage("synth parameters: copy + contain must not exceed 1".into()));
        }
        for (lo, hi) in [("truncate.min", "truncate.max"), ("contain.min", "contain.max")] {
            if self.get(lo) > self.get(hi) {
                return Err(Error::Usage(format!("synth parameters: {lo} must not exceed {hi}")));
            }
        }
        if self.get("truncate.min") <= 0.0 {
            return Err(Error::Usage("synth parameter `truncate.min` must be above 0".into()));
        }
        Ok(())
    }

    /// (name, value) pairs in table order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        PARAMS.iter().zip(&self.values).map(|(p, v)| (p.name, *v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_rejects_out_of_range_and_unknown_names() {
        let mut p = Params::default();
        assert!(p.set_spec("copy=0.7").is_ok());
        assert_eq!(p.get("copy"), 0.7);
        assert!(p.set_spec("copy=1.5").is_err());
        assert!(p.set_spec("insert.max=1.5").is_err());
        assert!(p.set_spec("nonsense=1").is_err());
        assert!(p.set_spec("contain=0.5").is_ok());
        assert!(p.validate().is_err(), "copy 0.7 + contain 0.5 > 1");
    }
}
