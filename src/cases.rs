//! Benchmark definitions with expected answers (`benches/cases.toml`): a dataset, optionally one
//! of its documents repeated, and per strategy the answer it must give. The criterion benches
//! and `corpusbench bench` check a strategy's answer before they record its time, so a fast but
//! wrong strategy is caught, never ranked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, InputError};
use crate::model::Dataset;
use crate::runner::{Answer, Cell};

/// The definitions file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cases {
    /// The cases, in file order.
    #[serde(rename = "case", default)]
    pub cases: Vec<Case>,
    /// The folder the file is in: case datasets are relative to it (set when read).
    #[serde(skip)]
    pub base: PathBuf,
}

/// One case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Its name.
    pub name: String,
    /// The dataset folder, relative to the repository.
    pub dataset: PathBuf,
    /// When given, the dataset's first document repeated this many times (criterion benches).
    #[serde(default)]
    pub copies: Option<usize>,
    /// Expected answers, by kind, then by strategy spec.
    pub expect: Expect,
}

/// Expected answers of one case, by strategy spec.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Characters a cleaner would remove.
    #[serde(default)]
    pub removed_chars: BTreeMap<String, u64>,
    /// Distinct clusters.
    #[serde(default)]
    pub clusters: BTreeMap<String, u64>,
}

/// A strategy whose answer is not the expected one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongAnswer {
    /// The case.
    pub case: String,
    /// The strategy spec.
    pub strategy: String,
    /// What was checked (`removed_chars`, `clusters`).
    pub what: &'static str,
    /// The expected value.
    pub expected: u64,
    /// What the strategy gave (`None`: it gave no such answer).
    pub got: Option<u64>,
}

impl std::fmt::Display for WrongAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let got = self.got.map_or("nothing".to_string(), |g| g.to_string());
        write!(f, "{} on {}: {} is {got}, expected {}", self.strategy, self.case, self.what, self.expected)
    }
}

impl Cases {
    /// Reads a definitions file.
    pub fn read(path: &Path) -> Result<Cases, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut cases: Cases = toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            Error::Input(InputError { path: path.to_path_buf(), line, field: None, message: e.message().to_string() })
        })?;
        cases.base = path.parent().and_then(|p| p.parent()).unwrap_or(Path::new(".")).to_path_buf();
        Ok(cases)
    }

    /// The case named `name`.
    pub fn get(&self, name: &str) -> Option<&Case> {
        self.cases.iter().find(|c| c.name == name)
    }

    /// The folder of `case`'s dataset.
    pub fn dataset_dir(&self, case: &Case) -> PathBuf {
        self.base.join(&case.dataset)
    }

    /// The case of each of `datasets` that has one, by dataset name (found once, by folder).
    pub fn by_dataset(&self, datasets: &[Dataset]) -> BTreeMap<String, &Case> {
        datasets.iter().filter_map(|d| self.for_dataset(&d.root).map(|c| (d.name.clone(), c))).collect()
    }

    /// The case (without `copies`) whose dataset is the folder `root`, if any.
    pub fn for_dataset(&self, root: &Path) -> Option<&Case> {
        let root = std::fs::canonicalize(root).ok()?;
        self.cases
            .iter()
            .filter(|c| c.copies.is_none())
            .find(|c| std::fs::canonicalize(self.dataset_dir(c)).is_ok_and(|d| d == root))
    }
}

impl Case {
    /// Checks `answer` of `strategy` against this case; strategies the case does not list pass.
    pub fn check(&self, strategy: &str, answer: &Answer) -> Result<(), WrongAnswer> {
        let checks = [
            ("removed_chars", self.expect.removed_chars.get(strategy), answer.removed_chars),
            ("clusters", self.expect.clusters.get(strategy), answer.clusters),
        ];
        for (what, expected, got) in checks {
            if let Some(&expected) = expected
                && got != Some(expected)
            {
                let (case, strategy) = (self.name.clone(), strategy.to_string());
                return Err(WrongAnswer { case, strategy, what, expected, got });
            }
        }
        Ok(())
    }
}

/// Checks every cell whose dataset has a case (`cases`, from [`Cases::by_dataset`]); returns the
/// index of each cell with a wrong answer, and why.
pub fn check_cells(cases: &BTreeMap<String, &Case>, cells: &[Cell]) -> Vec<(usize, WrongAnswer)> {
    let mut wrong = Vec::new();
    for (i, cell) in cells.iter().enumerate().filter(|(_, c)| c.failure.is_none()) {
        let Some(case) = cases.get(&cell.dataset) else { continue };
        if let Err(w) = case.check(&cell.strategy, &cell.answer) {
            wrong.push((i, w));
        }
    }
    wrong
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_cases() -> Cases {
        Cases::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/cases.toml")).expect("cases file")
    }

    #[test]
    fn the_repository_cases_parse_and_name_existing_datasets() {
        let cases = repo_cases();
        assert!(cases.cases.len() >= 3);
        for c in &cases.cases {
            assert!(cases.dataset_dir(c).join("dataset.toml").is_file(), "{}", c.name);
            assert!(!c.expect.removed_chars.is_empty() || !c.expect.clusters.is_empty(), "{}", c.name);
        }
        let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/seed-news");
        assert_eq!(cases.for_dataset(&seed).map(|c| c.name.as_str()), Some("seed-news"));
    }

    #[test]
    fn a_wrong_or_missing_answer_is_caught_and_unlisted_strategies_pass() {
        let cases = repo_cases();
        let seed = cases.get("seed-news").expect("seed case");
        let right = Answer { removed_chars: Some(1923), ..Answer::default() };
        assert_eq!(seed.check("lines", &right), Ok(()));
        let wrong = Answer { removed_chars: Some(1922), ..Answer::default() };
        let err = seed.check("lines", &wrong).unwrap_err();
        assert_eq!((err.expected, err.got), (1923, Some(1922)));
        assert!(seed.check("exact", &Answer::default()).is_err());
        assert_eq!(seed.check("not-listed", &wrong), Ok(()));
    }
}
