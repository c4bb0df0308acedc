//! The strategy written in the README's "Adding a strategy" section compiles, runs through the
//! runner and scores as expected, so the README cannot drift from the API.

use corpusbench::model::{Dataset, DedupGold, Doc, Items};
use corpusbench::runner::{RunOptions, Selected, run};
use corpusbench::strategy::{DedupOutput, Deduplicator, Strategy, StrategyError};
use corpusbench::text::Spans;

/// Flags every document after the first that is shorter than `min` characters.
pub struct TooShort {
    pub min: usize,
}

impl Deduplicator for TooShort {
    fn name(&self) -> &str {
        "too-short"
    }
    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
        let spans = docs
            .iter()
            .map(|d| {
                let n = d.text.chars().count();
                if n > 0 && n < self.min { vec![0..n] } else { vec![] }
            })
            .collect();
        Ok(DedupOutput { dup_spans: Some(spans), ..Default::default() })
    }
}

#[test]
fn readme_strategy_runs_and_scores() {
    let docs = vec![Doc { id: "long".into(), text: "x".repeat(50) }, Doc { id: "short".into(), text: "tiny".into() }];
    let gold = DedupGold { spans: Some(vec![Spans::default(), Spans::new(vec![0..4])]), ..Default::default() };
    let ds = Dataset::in_memory("readme", Items::Dedup { docs, gold });
    let selected = [Selected::in_process("too-short", Strategy::Dedup(Box::new(TooShort { min: 10 })))];
    let cells = run(&[ds], &selected, RunOptions::in_process(1, 1), &mut |_, _| {}).unwrap();
    let f1 = cells[0].metrics.iter().find(|(m, _)| m == "span_f1").map(|(_, v)| *v);
    assert_eq!(f1, Some(1.0));
}
