//! Spec strings: `name` or `name:key=value,key=value`, and the typed parameters they carry.
//!
//! Parameters are declared by each strategy ([`ParamSpec`]), so an unknown key or a value of the
//! wrong type is caught before anything runs, with a message that lists what exists.

use std::collections::BTreeMap;

use crate::error::Error;

/// One parameter a strategy accepts.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Key used in spec strings.
    pub name: &'static str,
    /// Default value, as it would be written in a spec.
    pub default: &'static str,
    /// One line on what it does.
    pub help: &'static str,
}

/// A spec split into its strategy name and raw `key=value` pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSpec {
    /// The strategy name (may contain `@preset`).
    pub name: String,
    /// Parameters in the order written.
    pub params: Vec<(String, String)>,
}

/// Splits `name:key=value,...`. A parameter list without `=` is taken whole as the value of the
/// strategy's first parameter (so `outputs:/some/file.json` works).
pub fn parse(spec: &str) -> Result<ParsedSpec, Error> {
    let spec = spec.trim();
    // An engine's name holds the first colon: `engine:NAME:key=value`.
    let head =
        if spec.starts_with(crate::engine::decl::ENGINE_PREFIX) { crate::engine::decl::ENGINE_PREFIX.len() } else { 0 };
    let (name, rest) = match spec[head..].split_once(':') {
        Some((n, r)) => (&spec[..head + n.len()], Some(r)),
        None => (spec, None),
    };
    let name = name.trim();
    if head > 0 && name.len() == head {
        return Err(Error::Spec(format!("strategy spec `{spec}` names no engine (engine:NAME)")));
    }
    if name.is_empty() {
        return Err(Error::Spec(format!("strategy spec `{spec}` has no name")));
    }
    let mut params = Vec::new();
    if let Some(rest) = rest {
        if !rest.contains('=') {
            params.push((String::new(), rest.to_string()));
        } else {
            for part in rest.split(',').filter(|p| !p.trim().is_empty()) {
                let Some((k, v)) = part.split_once('=') else {
                    return Err(Error::Spec(format!("strategy spec `{spec}`: `{part}` is not key=value")));
                };
                if k.trim().is_empty() {
                    return Err(Error::Spec(format!("strategy spec `{spec}`: `{part}` has no parameter name")));
                }
                params.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
    }
    Ok(ParsedSpec { name: name.to_string(), params })
}

/// Validated parameters of one strategy: given values over declared defaults.
#[derive(Debug, Clone)]
pub struct Params {
    strategy: String,
    values: BTreeMap<&'static str, String>,
}

impl Params {
    /// Checks `given` against `specs`: every key must be declared, none given twice.
    pub fn new(strategy: &str, specs: &'static [ParamSpec], given: &[(String, String)]) -> Result<Params, Error> {
        let mut values: BTreeMap<&'static str, String> =
            specs.iter().map(|p| (p.name, p.default.to_string())).collect();
        let mut seen = Vec::new();
        for (key, value) in given {
            let declared = if key.is_empty() { specs.first() } else { specs.iter().find(|p| p.name == key) };
            let Some(declared) = declared else {
                let known: Vec<&str> = specs.iter().map(|p| p.name).collect();
                let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
                let what = if key.is_empty() { format!("value `{value}`") } else { format!("parameter `{key}`") };
                return Err(Error::Spec(format!("strategy `{strategy}` has no {what} (parameters: {known})")));
            };
            if seen.contains(&declared.name) {
                return Err(Error::Spec(format!("strategy `{strategy}`: parameter `{}` given twice", declared.name)));
            }
            seen.push(declared.name);
            values.insert(declared.name, value.clone());
        }
        Ok(Params { strategy: strategy.to_string(), values })
    }

    /// The registered name of the strategy these parameters are for.
    pub fn strategy(&self) -> &str {
        &self.strategy
    }

    /// Every parameter with its value, defaults included, in name order: `name:k=v,...` (or the
    /// bare name when it declares none). Two specs with the same canonical form build the same
    /// strategy.
    pub fn canonical(&self) -> String {
        if self.values.is_empty() {
            return self.strategy.clone();
        }
        let kv: Vec<String> = self.values.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{}:{}", self.strategy, kv.join(","))
    }

    fn raw(&self, key: &str) -> Result<&str, Error> {
        self.values
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| Error::Spec(format!("strategy `{}` declares no parameter `{key}`", self.strategy)))
    }

    fn bad(&self, key: &str, value: &str, want: &str) -> Error {
        Error::Spec(format!("strategy `{}`: parameter `{key}` = `{value}`: expected {want}", self.strategy))
    }

    /// A string parameter.
    pub fn str(&self, key: &str) -> Result<&str, Error> {
        self.raw(key)
    }

    /// A string parameter restricted to `choices`.
    pub fn choice(&self, key: &str, choices: &[&str]) -> Result<&str, Error> {
        let v = self.raw(key)?;
        if choices.contains(&v) { Ok(v) } else { Err(self.bad(key, v, &format!("one of {}", choices.join(", ")))) }
    }

    /// A non-negative integer parameter.
    pub fn usize(&self, key: &str) -> Result<usize, Error> {
        let v = self.raw(key)?;
        v.parse().map_err(|_| self.bad(key, v, "a non-negative integer"))
    }

    /// An integer parameter within `lo..=hi`: bounds keep a typo such as `bands=4294967296` from
    /// becoming an allocation that aborts the process.
    pub fn usize_in(&self, key: &str, lo: usize, hi: usize) -> Result<usize, Error> {
        let v = self.raw(key)?;
        v.parse::<usize>()
            .ok()
            .filter(|x| (lo..=hi).contains(x))
            .ok_or_else(|| self.bad(key, v, &format!("an integer from {lo} to {hi}")))
    }

    /// A number within `lo..=hi`.
    pub fn f64_in(&self, key: &str, lo: f64, hi: f64) -> Result<f64, Error> {
        let v = self.raw(key)?;
        v.parse::<f64>()
            .ok()
            .filter(|x| (lo..=hi).contains(x))
            .ok_or_else(|| self.bad(key, v, &format!("a number from {lo} to {hi}")))
    }

    /// A 64-bit unsigned integer parameter (seeds).
    pub fn u64(&self, key: &str) -> Result<u64, Error> {
        let v = self.raw(key)?;
        v.parse().map_err(|_| self.bad(key, v, "a non-negative integer"))
    }

    /// A floating-point parameter.
    pub fn f64(&self, key: &str) -> Result<f64, Error> {
        let v = self.raw(key)?;
        v.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| self.bad(key, v, "a number"))
    }

    /// A boolean parameter (`true`/`false`, `yes`/`no`, `1`/`0`, `on`/`off`).
    pub fn bool(&self, key: &str) -> Result<bool, Error> {
        let v = self.raw(key)?;
        match v {
            "true" | "yes" | "1" | "on" => Ok(true),
            "false" | "no" | "0" | "off" => Ok(false),
            _ => Err(self.bad(key, v, "true or false")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ParamSpec] =
        &[ParamSpec { name: "path", default: "", help: "" }, ParamSpec { name: "n", default: "5", help: "" }];

    #[test]
    fn a_parameter_with_no_name_is_refused() {
        let err = parse("exact:=ws").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("has no parameter name"), "{err}");
    }

    #[test]
    fn bounded_parameters_name_their_range() {
        const SPECS: &[ParamSpec] = &[ParamSpec { name: "n", default: "5", help: "" }];
        let p = Params::new("x", SPECS, &[("n".into(), "4294967296".into())]).unwrap();
        let err = p.usize_in("n", 1, 100).unwrap_err().to_string();
        assert!(err.contains("an integer from 1 to 100"), "{err}");
        let p = Params::new("x", SPECS, &[("n".into(), "5".into())]).unwrap();
        assert_eq!(p.usize_in("n", 1, 100).ok(), Some(5));
        assert!(p.f64_in("n", 0.0, 1.0).is_err());
    }

    #[test]
    fn spec_splits_name_and_pairs() {
        let p = parse("minhash@fineweb:bands=14, rows=8").unwrap();
        assert_eq!(p.name, "minhash@fineweb");
        assert_eq!(p.params, vec![("bands".into(), "14".into()), ("rows".into(), "8".into())]);
    }

    #[test]
    fn bare_value_goes_to_first_parameter() {
        let p = parse("engine:datasketch:threshold=0.7,num_perm=128").unwrap();
        assert_eq!(p.name, "engine:datasketch");
        assert_eq!(p.params, [("threshold".into(), "0.7".into()), ("num_perm".into(), "128".into())]);
        assert_eq!(parse("engine:rensa").unwrap().name, "engine:rensa");
        assert!(parse("engine:").is_err());
        let p = parse("outputs:/tmp/x.json").unwrap();
        let params = Params::new("outputs", SPECS, &p.params).unwrap();
        assert_eq!(params.str("path").unwrap(), "/tmp/x.json");
        assert_eq!(params.usize("n").unwrap(), 5);
    }

    #[test]
    fn unknown_parameter_lists_known_ones() {
        let p = parse("x:zz=1").unwrap();
        let err = Params::new("x", SPECS, &p.params).unwrap_err().to_string();
        assert!(err.contains("no parameter `zz`") && err.contains("path, n"), "{err}");
    }

    #[test]
    fn wrong_type_names_parameter_and_value() {
        let params = Params::new("x", SPECS, &[("n".into(), "five".into())]).unwrap();
        let err = params.usize("n").unwrap_err().to_string();
        assert!(err.contains("`n` = `five`") && err.contains("integer"), "{err}");
    }

    #[test]
    fn repeated_parameter_is_rejected() {
        let given = [("n".to_string(), "1".to_string()), ("n".to_string(), "2".to_string())];
        assert!(Params::new("x", SPECS, &given).is_err());
    }
}
