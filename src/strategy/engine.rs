//! Declared engines as strategies: `engine:NAME[:key=value,...]` runs the system an
//! `engines/NAME.toml` declares, over engine protocol v1.
//!
//! The runner drives engines through its own pool (per-page budgets, logs in the run folder);
//! these trait implementations serve a library user who builds an engine from a registry and
//! calls it directly, with generous fixed budgets.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::spec::{ParamSpec, Params};
use super::{Deduplicator, Extractor, StrategyError};
use crate::engine::{EngineDecl, Launch, Link, PageOutcome};
use crate::error::Error;
use crate::model::{DedupOutput, Doc, Page};

/// A page's budget when an engine is called directly.
const PAGE_BUDGET: Duration = Duration::from_secs(60);
/// A dataset's budget when an engine is called directly.
const DATASET_BUDGET: Duration = Duration::from_secs(24 * 3600);

/// The parameters of a declaration, as the registry's static parameter table. A declaration
/// is read once per process, so its table is allocated once and kept for the process's life.
pub fn param_specs(decl: &EngineDecl) -> &'static [ParamSpec] {
    let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    let specs: Vec<ParamSpec> = decl
        .params
        .iter()
        .map(|p| ParamSpec { name: leak(&p.name), default: leak(&p.default), help: leak(&p.help) })
        .collect();
    Box::leak(specs.into_boxed_slice())
}

/// Every parameter value of a built spec, by name, as the handshake sends them.
pub fn param_values(decl: &EngineDecl, params: &Params) -> Result<BTreeMap<String, String>, Error> {
    decl.params.iter().map(|p| Ok((p.name.clone(), params.str(&p.name)?.to_string()))).collect()
}

/// How to start the engine `decl` with `params`; an engine that cannot run here is an error
/// saying why.
pub fn launch(decl: &EngineDecl, params: &Params) -> Result<Launch, Error> {
    decl.launch(param_values(decl, params)?, None).map_err(|e| Error::Spec(format!("{}: {e}", decl.spec_name())))
}

/// An extracting engine called directly: idle engine processes are kept for the next page.
pub struct EngineExtractor {
    name: String,
    launch: Launch,
    idle: Mutex<Vec<Link>>,
}

impl EngineExtractor {
    /// The extractor of `decl` with `params`.
    pub fn new(decl: &Arc<EngineDecl>, params: &Params) -> Result<EngineExtractor, Error> {
        Ok(EngineExtractor { name: decl.spec_name(), launch: launch(decl, params)?, idle: Mutex::new(Vec::new()) })
    }
}

impl Extractor for EngineExtractor {
    fn name(&self) -> &str {
        &self.name
    }

    fn extract(&self, page: &Page) -> Result<String, StrategyError> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let mut link = match idle {
            Some(link) => link,
            None => Link::start(&self.launch).map_err(StrategyError)?,
        };
        let (outcome, healthy) = link.extract(page, PAGE_BUDGET);
        if healthy && let Ok(mut v) = self.idle.lock() {
            v.push(link);
        }
        match outcome {
            PageOutcome::Ok { text, .. } => Ok(text),
            PageOutcome::Failed(e) => Err(StrategyError(e)),
            PageOutcome::Timeout => Err(StrategyError(format!("no answer within {}s", PAGE_BUDGET.as_secs()))),
        }
    }
}

/// A deduplicating engine called directly: one engine process per dataset.
pub struct EngineDedup {
    name: String,
    launch: Launch,
}

impl EngineDedup {
    /// The deduplicator of `decl` with `params`.
    pub fn new(decl: &Arc<EngineDecl>, params: &Params) -> Result<EngineDedup, Error> {
        Ok(EngineDedup { name: decl.spec_name(), launch: launch(decl, params)? })
    }
}

impl Deduplicator for EngineDedup {
    fn name(&self) -> &str {
        &self.name
    }

    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
        let mut link = Link::start(&self.launch).map_err(StrategyError)?;
        let answer = link.dedup(docs, DATASET_BUDGET).map_err(StrategyError)?;
        Ok(answer.output)
    }
}
