//! The name -> implementation registry. Every built-in strategy is installed once, in
//! [`Registry::builtin`]; a library user adds their own with [`Registry::register`]. The CLI,
//! the runner's workers and the cost driver all build strategies through a `Registry`, so a
//! strategy is available everywhere the moment it is registered.

use std::borrow::Cow;
use std::sync::Arc;

use super::spec::{ParamSpec, Params, parse};
use super::{Deduplicator, Extractor, dedup, extract};
use crate::engine::EngineDecl;
use crate::error::Error;
use crate::model::Task;

/// A built strategy, by task.
pub enum Strategy {
    /// A deduplicator.
    Dedup(Box<dyn Deduplicator>),
    /// An extractor.
    Extract(Box<dyn Extractor>),
}

impl Strategy {
    /// The task this strategy serves.
    pub fn task(&self) -> Task {
        match self {
            Strategy::Dedup(_) => Task::Dedup,
            Strategy::Extract(_) => Task::Extract,
        }
    }

    /// The deduplicator, or an error naming the strategy when it is an extractor.
    pub fn into_dedup(self) -> Result<Box<dyn Deduplicator>, Error> {
        match self {
            Strategy::Dedup(d) => Ok(d),
            Strategy::Extract(e) => {
                Err(Error::Spec(format!("strategy `{}` is an extractor, not a deduplicator", e.name())))
            }
        }
    }

    /// The extractor, or an error naming the strategy when it is a deduplicator.
    pub fn into_extract(self) -> Result<Box<dyn Extractor>, Error> {
        match self {
            Strategy::Extract(e) => Ok(e),
            Strategy::Dedup(d) => {
                Err(Error::Spec(format!("strategy `{}` is a deduplicator, not an extractor", d.name())))
            }
        }
    }
}

/// Where a registered strategy comes from, which decides whether a child process can rebuild it
/// from its spec (a worker process starts from the same executable, not from this process's
/// memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Built into corpusbench: every `corpusbench` process has it.
    Builtin,
    /// A testing aid (e.g. `sleep`): only in registries made by [`Registry::with_testing_aids`];
    /// child processes are told to install them (see `child`).
    TestingAid,
    /// Registered by a library user in this process: it runs in this process only.
    Library,
    /// A declared engine (`engines/NAME.toml`): a program of its own, started by whichever
    /// process runs it.
    Engine,
}

/// Builds a strategy from validated parameters.
pub type BuildFn = Arc<dyn Fn(&Params) -> Result<Strategy, Error> + Send + Sync>;

/// How to build a strategy by name.
#[derive(Clone)]
pub struct StrategyInfo {
    /// Name used in specs and reports.
    pub name: Cow<'static, str>,
    /// The task it serves.
    pub task: Task,
    /// One line on what it does.
    pub summary: Cow<'static, str>,
    /// Parameters it accepts, with defaults.
    pub params: &'static [ParamSpec],
    /// Whether `corpusbench run` includes it when no `--strategy` is given.
    pub default: bool,
    /// Where it comes from.
    pub origin: Origin,
    /// Builds it from validated parameters (which carry its registered name).
    pub build: BuildFn,
    /// The declaration of an engine ([`Origin::Engine`]).
    pub engine: Option<Arc<EngineDecl>>,
}

impl StrategyInfo {
    /// A deduplicator entry for a library user's own strategy ([`Origin::Library`]).
    pub fn dedup(
        name: impl Into<Cow<'static, str>>,
        summary: impl Into<Cow<'static, str>>,
        params: &'static [ParamSpec],
        build: impl Fn(&Params) -> Result<Box<dyn Deduplicator>, Error> + Send + Sync + 'static,
    ) -> StrategyInfo {
        StrategyInfo {
            name: name.into(),
            task: Task::Dedup,
            summary: summary.into(),
            params,
            default: false,
            origin: Origin::Library,
            build: Arc::new(move |p| build(p).map(Strategy::Dedup)),
            engine: None,
        }
    }

    /// An extractor entry for a library user's own strategy ([`Origin::Library`]).
    pub fn extract(
        name: impl Into<Cow<'static, str>>,
        summary: impl Into<Cow<'static, str>>,
        params: &'static [ParamSpec],
        build: impl Fn(&Params) -> Result<Box<dyn Extractor>, Error> + Send + Sync + 'static,
    ) -> StrategyInfo {
        StrategyInfo {
            name: name.into(),
            task: Task::Extract,
            summary: summary.into(),
            params,
            default: false,
            origin: Origin::Library,
            build: Arc::new(move |p| build(p).map(Strategy::Extract)),
            engine: None,
        }
    }

    /// The same entry, run by default when no `--strategy` is given.
    pub fn by_default(mut self) -> StrategyInfo {
        self.default = true;
        self
    }

    /// The entry of a declared engine, `engine:NAME`.
    pub fn engine(decl: EngineDecl) -> StrategyInfo {
        let decl = Arc::new(decl);
        let for_build = decl.clone();
        StrategyInfo {
            name: decl.spec_name().into(),
            task: decl.task,
            summary: decl.summary.clone().into(),
            params: super::engine::param_specs(&decl),
            default: false,
            origin: Origin::Engine,
            build: Arc::new(move |p| {
                Ok(match for_build.task {
                    Task::Extract => Strategy::Extract(Box::new(super::engine::EngineExtractor::new(&for_build, p)?)),
                    Task::Dedup => Strategy::Dedup(Box::new(super::engine::EngineDedup::new(&for_build, p)?)),
                })
            }),
            engine: Some(decl),
        }
    }

    fn with_origin(mut self, origin: Origin) -> StrategyInfo {
        self.origin = origin;
        self
    }
}

fn dedup<D: Deduplicator + 'static>(
    name: &'static str,
    summary: &'static str,
    params: &'static [ParamSpec],
    default: bool,
    build: fn(&Params) -> Result<D, Error>,
) -> StrategyInfo {
    let info = StrategyInfo::dedup(name, summary, params, move |p| Ok(Box::new(build(p)?) as Box<dyn Deduplicator>));
    StrategyInfo { default, ..info.with_origin(Origin::Builtin) }
}

fn extract<E: Extractor + 'static>(
    name: &'static str,
    summary: &'static str,
    params: &'static [ParamSpec],
    default: bool,
    build: fn(&Params) -> Result<E, Error>,
) -> StrategyInfo {
    let info = StrategyInfo::extract(name, summary, params, move |p| Ok(Box::new(build(p)?) as Box<dyn Extractor>));
    StrategyInfo { default, ..info.with_origin(Origin::Builtin) }
}

/// The HTML extractors (the `html-extractors` feature).
#[cfg(feature = "html-extractors")]
fn html_extractors() -> Vec<StrategyInfo> {
    vec![
        extract(
            "plain",
            "all visible text, a line per block (baseline: keeps boilerplate)",
            extract::plain::PARAMS,
            true,
            extract::plain::Plain::new,
        ),
        extract(
            "readability",
            "Mozilla Readability (dom_smoothie port): best-scoring content container",
            extract::readability::PARAMS,
            true,
            extract::readability::Readability::new,
        ),
        extract(
            "trafilatura",
            "trafilatura (Rust port): rule-based pruning with readability/jusText fallback",
            extract::trafilatura::PARAMS,
            true,
            extract::trafilatura::Trafilatura::new,
        ),
        extract(
            "trafilatura@python",
            "trafilatura with Python trafilatura 2.x extract()'s defaults (comments included)",
            extract::trafilatura::PARAMS_PYTHON,
            false,
            extract::trafilatura::Trafilatura::new,
        ),
        extract(
            "rs-trafilatura",
            "rs-trafilatura (Rust port): page-type classifier, then trafilatura extraction per type",
            extract::rs_trafilatura::PARAMS,
            true,
            extract::rs_trafilatura::RsTrafilatura::new,
        ),
        extract(
            "justext",
            "jusText: paragraphs classified by length, stopword and link density, then by context",
            extract::justext::PARAMS,
            true,
            extract::justext::JusText::new,
        ),
        extract(
            "sift",
            "native: jusText-style block classes inside the subtree with the most good text",
            extract::sift::PARAMS,
            true,
            extract::sift::Sift::new,
        ),
    ]
}

/// The strategies a process can build, by name.
#[derive(Clone, Default)]
pub struct Registry {
    infos: Vec<StrategyInfo>,
}

impl Registry {
    /// A registry with nothing in it.
    pub fn empty() -> Registry {
        Registry::default()
    }

    /// Every built-in strategy, in listing order.
    pub fn builtin() -> Registry {
        #[allow(unused_mut)]
        let mut infos = vec![
            dedup(
                "exact",
                "documents with identical normalised text (xxh3-128) form a cluster",
                dedup::exact::PARAMS,
                true,
                dedup::exact::Exact::new,
            ),
            dedup(
                "lines",
                "repeated lines across the dataset are removed, the first kept (CCNet normalisation)",
                dedup::units::PARAMS,
                true,
                dedup::units::Units::lines,
            ),
            dedup(
                "paragraphs",
                "repeated blank-line separated paragraphs are removed, the first kept",
                dedup::units::PARAMS,
                true,
                dedup::units::Units::paragraphs,
            ),
            dedup(
                "bloom-paragraphs",
                "repeated \\n-separated paragraphs found through a Bloom filter, the first kept (Dolma dedupe.paragraphs)",
                dedup::bloom::PARAMS,
                true,
                dedup::bloom::BloomParagraphs::new,
            ),
            dedup(
                "suffix-array",
                "exact repeated substrings of at least min_bytes bytes (suffix array), the first kept (Lee et al. 2021)",
                dedup::suffix_array::PARAMS,
                true,
                dedup::suffix_array::SuffixArray::new,
            ),
            dedup(
                "gopher-repetition",
                "documents failing a Gopher repetition rule (Rae et al. 2021) are removed; per-document figures in doc_stats.csv",
                dedup::gopher::PARAMS,
                true,
                |_| Ok(dedup::gopher::GopherRepetition),
            ),
            extract(
                "outputs",
                "saved outputs of another system (JSON map page id -> text), scored like any extractor",
                extract::outputs::PARAMS,
                false,
                extract::outputs::Outputs::new,
            ),
            dedup(
                "minhash",
                "near-duplicate documents by MinHash-LSH over shingles (bands/rows tuned for a Jaccard threshold)",
                dedup::minhash::PARAMS,
                true,
                dedup::minhash::MinHash::new,
            ),
            dedup(
                "minhash@fineweb",
                "MinHash-LSH as FineWeb: word 5-grams, 14 bands x 8 rows",
                dedup::minhash::PARAMS_FINEWEB,
                true,
                dedup::minhash::MinHash::new,
            ),
            dedup(
                "minhash@nemo",
                "MinHash-LSH as NeMo Curator: character 24-grams, 20 bands x 13 rows",
                dedup::minhash::PARAMS_NEMO,
                false,
                dedup::minhash::MinHash::new,
            ),
            dedup(
                "minhash@lee2021",
                "MinHash-LSH as Lee et al. 2021 NearDup: 5-grams, 450 bands x 20 rows, Jaccard >= 0.8",
                dedup::minhash::PARAMS_LEE2021,
                false,
                dedup::minhash::MinHash::new,
            ),
            dedup(
                "dedup-outputs",
                "saved output of another deduplication system (clusters, spans, removed ids or dolma attributes), scored like any deduplicator",
                dedup::saved::PARAMS,
                false,
                dedup::saved::SavedDedup::new,
            ),
            dedup(
                "simhash",
                "near-duplicate documents by 64-bit SimHash within Hamming distance k (permuted tables)",
                dedup::simhash::PARAMS,
                true,
                dedup::simhash::SimHash::new,
            ),
        ];
        #[cfg(feature = "html-extractors")]
        infos.extend(html_extractors());
        Registry { infos }
    }

    /// The built-ins plus the testing aids (`sleep`: waits per page, to exercise time budgets,
    /// with the `html-extractors` feature; `hog`: holds heap, to exercise the memory limit).
    pub fn with_testing_aids() -> Registry {
        let mut r = Registry::builtin();
        r.infos.push(
            dedup(
                "hog",
                "testing aid: holds `mb` megabytes of heap, then calls every document unique (exercises the memory limit)",
                dedup::hog::PARAMS,
                false,
                dedup::hog::Hog::new,
            )
            .with_origin(Origin::TestingAid),
        );
        #[cfg(feature = "html-extractors")]
        r.infos.push(
            extract(
                "sleep",
                "testing aid: waits `ms` per page, then extracts as plain (exercises the time budget)",
                extract::sleep::PARAMS,
                false,
                extract::sleep::Sleep::new,
            )
            .with_origin(Origin::TestingAid),
        );
        r
    }

    /// Whether this registry holds testing aids (child processes must then install them too).
    pub fn has_testing_aids(&self) -> bool {
        self.infos.iter().any(|i| i.origin == Origin::TestingAid)
    }

    /// Adds a strategy; a name already taken is an error.
    pub fn register(&mut self, info: StrategyInfo) -> Result<(), Error> {
        if self.infos.iter().any(|i| i.name == info.name) {
            return Err(Error::Spec(format!("a strategy named `{}` is already registered", info.name)));
        }
        self.infos.push(info);
        Ok(())
    }

    /// Adds every engine declared in `dirs` (see [`EngineDecl::discover`]); returns what could
    /// not be read or registered.
    pub fn add_engines(&mut self, dirs: &[std::path::PathBuf]) -> Vec<crate::error::InputError> {
        let (decls, mut errors) = EngineDecl::discover(dirs);
        for decl in decls {
            let path = decl.path.clone();
            if let Err(e) = self.register(StrategyInfo::engine(decl)) {
                errors.push(crate::error::InputError::file(&path, e.to_string()));
            }
        }
        errors
    }

    /// Every registered strategy, in listing order.
    pub fn infos(&self) -> &[StrategyInfo] {
        &self.infos
    }

    /// The strategies run when no `--strategy` is given.
    pub fn defaults(&self) -> impl Iterator<Item = &StrategyInfo> {
        self.infos.iter().filter(|i| i.default)
    }

    /// Looks up a strategy by name, with an error that lists every known name.
    pub fn info(&self, name: &str) -> Result<&StrategyInfo, Error> {
        self.infos.iter().find(|s| s.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.infos.iter().map(|s| s.name.as_ref()).collect();
            Error::Spec(format!("unknown strategy `{name}` (known: {})", known.join(", ")))
        })
    }

    /// The validated parameters of a spec string (`name` or `name:key=value,...`).
    pub fn params(&self, spec: &str) -> Result<(&StrategyInfo, Params), Error> {
        let parsed = parse(spec)?;
        let info = self.info(&parsed.name)?;
        let params = Params::new(&info.name, info.params, &parsed.params)?;
        Ok((info, params))
    }

    /// Builds a strategy from a spec string.
    pub fn build(&self, spec: &str) -> Result<Strategy, Error> {
        let (info, params) = self.params(spec)?;
        (info.build)(&params)
    }

    /// Builds a deduplicator from a spec string; an extractor's spec is an error.
    pub fn dedup(&self, spec: &str) -> Result<Box<dyn Deduplicator>, Error> {
        self.build(spec)?.into_dedup()
    }

    /// Builds an extractor from a spec string; a deduplicator's spec is an error.
    pub fn extract(&self, spec: &str) -> Result<Box<dyn Extractor>, Error> {
        self.build(spec)?.into_extract()
    }
}

/// Builds a built-in strategy from a spec string (shorthand for `Registry::builtin().build`).
pub fn build(spec: &str) -> Result<Strategy, Error> {
    Registry::builtin().build(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_strategy_builds_with_defaults() {
        let registry = Registry::with_testing_aids();
        for info in registry.infos() {
            let s = registry.build(&info.name).unwrap_or_else(|e| panic!("{}: {e}", info.name));
            assert_eq!(s.task(), info.task, "{}", info.name);
        }
    }

    #[test]
    fn unknown_strategy_lists_known_names() {
        let err = build("nope").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("unknown strategy `nope`") && err.contains("lines"), "{err}");
    }

    #[test]
    fn testing_aids_are_not_built_in() {
        assert!(Registry::builtin().info("sleep").is_err());
        assert_eq!(Registry::with_testing_aids().info("sleep").is_ok(), cfg!(feature = "html-extractors"));
    }

    #[test]
    fn presets_report_their_own_name() {
        let d = Registry::builtin().dedup("minhash@fineweb").unwrap();
        assert_eq!(d.name(), "minhash@fineweb");
        assert!(Registry::builtin().dedup("outputs").is_err());
    }

    #[test]
    #[cfg(feature = "html-extractors")]
    fn trafilatura_python_preset_reports_its_name_and_includes_comments() {
        let r = Registry::builtin();
        assert_eq!(r.extract("trafilatura@python").unwrap().name(), "trafilatura@python");
        assert_eq!(r.extract("trafilatura@python:comments=false").unwrap().name(), "trafilatura@python");
        assert_eq!(r.extract("trafilatura").unwrap().name(), "trafilatura");
        let canonical = |spec: &str| r.params(spec).map(|(_, p)| p.canonical()).unwrap();
        assert_eq!(
            canonical("trafilatura@python"),
            "trafilatura@python:comments=true,fallback=true,focus=balanced,tables=true"
        );
        assert_eq!(canonical("trafilatura"), "trafilatura:comments=false,fallback=true,focus=balanced,tables=true");
        assert_eq!(r.extract("rs-trafilatura").unwrap().name(), "rs-trafilatura");
    }

    #[test]
    fn a_registered_strategy_builds_and_a_taken_name_is_refused() {
        let mut r = Registry::builtin();
        let info = StrategyInfo::dedup("mine", "test", &[], |_| Ok(Box::new(dedup::gopher::GopherRepetition) as _));
        r.register(info.clone()).unwrap();
        assert_eq!(r.info("mine").map(|i| i.origin).ok(), Some(Origin::Library));
        assert!(r.dedup("mine").is_ok());
        assert!(r.register(info).is_err());
    }

    #[test]
    fn names_are_unique() {
        let registry = Registry::with_testing_aids();
        let mut names: Vec<&str> = registry.infos().iter().map(|s| s.name.as_ref()).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}
