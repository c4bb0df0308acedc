//! `examples.jsonl`: the drill-down examples of every cell (worst pages, missed and false
//! pairs), one JSON line each, read back by the HTML report.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, InputError};
use crate::metrics::examples::Example;
use crate::runner::Cell;

/// The file name in a run folder.
pub const FILE: &str = "examples.jsonl";

/// One line: an example of one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExampleRow {
    /// Dataset name.
    pub dataset: String,
    /// Strategy spec.
    pub strategy: String,
    /// The example.
    #[serde(flatten)]
    pub example: Example,
}

/// The text of the file for `cells`, in run order.
pub fn write(cells: &[Cell]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    for c in cells {
        for e in &c.examples {
            let row = ExampleRow { dataset: c.dataset.clone(), strategy: c.strategy.clone(), example: e.clone() };
            serde_json::to_writer(&mut out, &row).map_err(|e| Error::Usage(format!("cannot write JSON: {e}")))?;
            out.push(b'\n');
        }
    }
    Ok(out)
}

/// Reads a run folder's examples; a run without the file has none.
pub fn read(run: &Path) -> Result<Vec<ExampleRow>, Error> {
    let path = run.join(FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let row: ExampleRow =
            serde_json::from_str(line).map_err(|e| InputError::line(&path, i + 1, format!("not an example: {e}")))?;
        out.push(row);
    }
    Ok(out)
}
