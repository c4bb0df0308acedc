//! Engines: strategies that run in child processes speaking engine protocol v1
//! (`docs/engines.md`), whether a declared external system (`engines/NAME.toml`) or one of
//! corpusbench's own worker processes.
//!
//! - [`protocol`]: the messages, as types, and the checks on every answer;
//! - [`link`]: one running engine, with deadlines on every answer and its stderr in a log;
//! - [`pipe`]: the non-blocking pipes under a link, every wait bounded by a deadline;
//! - [`Pool`]: several engines serving pages in parallel, each page within a time budget, a
//!   dead or hung engine replaced before the next page;
//! - [`decl`]: engine declarations (TOML), found in folders, and whether each runs here.

pub mod decl;
pub mod link;
pub mod log;
pub mod pipe;
pub mod protocol;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::model::{Page, Task};

pub use decl::EngineDecl;
pub use link::{DedupAnswer, Link};
pub use log::Log;
pub use protocol::Ready;

/// How long a new engine may take to start and complete its handshake.
pub const STARTUP_BUDGET: Duration = Duration::from_secs(60);

/// Everything needed to start one engine process.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The executable.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Variables added to its environment.
    pub env: Vec<(String, String)>,
    /// The task it serves (sent in the handshake).
    pub task: Task,
    /// Parameter values sent in the handshake.
    pub params: BTreeMap<String, String>,
    /// The canonical spec a corpusbench worker must report having built.
    pub expect_spec: Option<String>,
    /// How long start-up and handshake may take.
    pub startup: Duration,
    /// Where its standard error goes (dropped when `None`, but for the tail kept for messages).
    pub log: Option<Arc<Log>>,
}

/// What became of one page.
#[derive(Debug, Clone, PartialEq)]
pub enum PageOutcome {
    /// The extracted text.
    Ok {
        /// The text.
        text: String,
        /// Seconds the extractor itself spent on the page.
        secs: f64,
        /// Seconds from sending the request to receiving the answer (at least `secs`); the
        /// difference is the protocol's overhead. Equal to `secs` in process.
        wall_s: f64,
    },
    /// The extractor returned an error, panicked, broke the protocol, or its process died.
    Failed(String),
    /// The page took longer than the budget; its process was killed.
    Timeout,
}

/// Engines of one launch serving pages in parallel.
pub struct Pool {
    launch: Launch,
    links: Vec<Option<Link>>,
    ready: Ready,
}

impl Pool {
    /// Starts `size` engines; fails with the first one's reason when one cannot start.
    pub fn start(launch: &Launch, size: usize) -> Result<Pool, String> {
        let links: Vec<Option<Link>> =
            (0..size.max(1)).map(|_| Link::start(launch).map(Some)).collect::<Result<_, _>>()?;
        let ready = links.first().and_then(|l| l.as_ref()).map(|l| l.ready.clone()).unwrap_or_default();
        Ok(Pool { launch: launch.clone(), links, ready })
    }

    /// What the engines said of themselves in their handshake.
    pub fn ready(&self) -> &Ready {
        &self.ready
    }

    /// Extracts every page, each within `budget`, in parallel over the pool; outcomes are in
    /// page order. An engine that times out, dies or breaks the protocol is replaced before its
    /// next page.
    pub fn run(&mut self, pages: &[Page], budget: Duration) -> Vec<PageOutcome> {
        let next = AtomicUsize::new(0);
        let launch = &self.launch;
        let parts: Vec<Vec<(usize, PageOutcome)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .links
                .iter_mut()
                .map(|slot| {
                    let next = &next;
                    scope.spawn(move || {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(page) = pages.get(i) else { break };
                            if slot.is_none() {
                                match Link::start(launch) {
                                    Ok(l) => *slot = Some(l),
                                    Err(e) => {
                                        done.push((i, PageOutcome::Failed(format!("cannot restart engine: {e}"))));
                                        continue;
                                    }
                                }
                            }
                            let Some(link) = slot.as_mut() else { continue };
                            let (outcome, healthy) = link.extract(page, budget);
                            if !healthy {
                                *slot = None;
                            }
                            done.push((i, outcome));
                        }
                        done
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
        });
        let mut outcomes: Vec<Option<PageOutcome>> = vec![None; pages.len()];
        for (i, outcome) in parts.into_iter().flatten() {
            outcomes[i] = Some(outcome);
        }
        outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| PageOutcome::Failed("page was not processed".into())))
            .collect()
    }
}

/// A file name for `label` (a spec or engine name): characters outside `[A-Za-z0-9._-]` become `_`.
pub fn log_name(label: &str) -> String {
    let name: String =
        label.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    format!("{name}.log")
}
