//! The runner isolates failures: a strategy that errors or panics fails its own cell, and the
//! other cells still run and score.

use corpusbench::model::{Dataset, DedupGold, Doc, Items};
use corpusbench::runner::{RunOptions, Selected, run};
use corpusbench::strategy::{DedupOutput, Deduplicator, Registry, Strategy, StrategyError};
use corpusbench::text::Spans;

struct Panics;
impl Deduplicator for Panics {
    fn name(&self) -> &str {
        "panics"
    }
    fn dedup(&self, _: &[Doc]) -> Result<DedupOutput, StrategyError> {
        panic!("boom on purpose")
    }
}

struct Errs;
impl Deduplicator for Errs {
    fn name(&self) -> &str {
        "errs"
    }
    fn dedup(&self, _: &[Doc]) -> Result<DedupOutput, StrategyError> {
        Err(StrategyError("cannot cope".into()))
    }
}

/// Returns spans past the end of the document: a broken strategy, caught by the runner.
struct OutOfBounds;
impl Deduplicator for OutOfBounds {
    fn name(&self) -> &str {
        "oob"
    }
    fn dedup(&self, docs: &[Doc]) -> Result<DedupOutput, StrategyError> {
        Ok(DedupOutput { dup_spans: Some(docs.iter().map(|_| vec![0..10_000]).collect()), ..Default::default() })
    }
}

fn dataset() -> Dataset {
    let docs = vec![Doc { id: "a".into(), text: "x\ny\nx".into() }];
    let gold = DedupGold { clusters: None, spans: Some(vec![Spans::new(vec![4..5])]), ..DedupGold::default() };
    Dataset::in_memory("tiny", Items::Dedup { docs, gold })
}

#[test]
fn failing_strategies_fail_their_cells_and_the_run_goes_on() {
    let selected = vec![
        Selected::in_process("panics", Strategy::Dedup(Box::new(Panics))),
        Selected::in_process("errs", Strategy::Dedup(Box::new(Errs))),
        Selected::in_process("oob", Strategy::Dedup(Box::new(OutOfBounds))),
        Selected::build(&Registry::builtin(), "lines").unwrap(),
    ];
    let cells = run(&[dataset()], &selected, RunOptions::in_process(2, 1), &mut |_, _| {}).unwrap();
    assert_eq!(cells.len(), 4);
    assert!(cells[0].failure.as_deref().unwrap().contains("boom on purpose"));
    assert_eq!(cells[1].failure.as_deref(), Some("cannot cope"));
    assert!(cells[2].failure.as_deref().unwrap().contains("outside document `a`"));
    assert_eq!(cells[3].failure, None);
    let f1 = cells[3].metrics.iter().find(|(m, _)| m == "span_f1").unwrap().1;
    assert_eq!(f1, 1.0);
    let timing = cells[3].timing.as_ref().unwrap();
    assert_eq!(timing.runs.len(), 2);
}
