//! `sleep`: a testing aid, not an extractor. It waits `ms` milliseconds and then returns the
//! page's visible text (as `plain` does), so tests can drive the runner's per-page time budget:
//! a page that takes longer than the budget must be recorded as a timeout and the run must go on.
//!
//! It is registered with `default = false`, so `corpusbench run` never picks it on its own.

use std::time::Duration;

use crate::error::Error;
use crate::model::Page;
use crate::strategy::{Extractor, ParamSpec, Params, StrategyError};

/// Parameters of `sleep`.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec { name: "ms", default: "0", help: "milliseconds to wait per page" },
    ParamSpec { name: "only", default: "", help: "wait only on the page with this id (empty: every page)" },
];

/// The `sleep` testing aid.
#[derive(Debug, Clone)]
pub struct Sleep {
    wait: Duration,
    only: String,
}

impl Sleep {
    /// Builds it from `ms` and `only`.
    pub fn new(params: &Params) -> Result<Sleep, Error> {
        Ok(Sleep { wait: Duration::from_millis(params.u64("ms")?), only: params.str("only")?.to_string() })
    }
}

impl Extractor for Sleep {
    fn name(&self) -> &str {
        "sleep"
    }

    fn extract(&self, page: &Page) -> Result<String, StrategyError> {
        if self.only.is_empty() || self.only == page.id {
            std::thread::sleep(self.wait);
        }
        Ok(super::plain::visible_text(&page.html))
    }
}
