//! Built-in deduplicators in worker processes: the same answers as in process, and a strategy
//! that blows up its memory fails its own cell only.

use std::path::PathBuf;
use std::time::Duration;

use corpusbench::corpus::discover;
use corpusbench::model::{Dataset, Items};
use corpusbench::runner::{self, Cell, RunOptions, Selected};
use corpusbench::strategy::Registry;

fn bundled_dedup() -> Vec<Dataset> {
    let (datasets, errors) = discover(&[crate::common::bundled_corpus()]);
    assert!(errors.is_empty(), "{errors:?}");
    datasets.into_iter().filter(|d| matches!(d.items, Items::Dedup { .. })).collect()
}

fn worker_options(memory_limit: Option<u64>) -> RunOptions {
    RunOptions {
        worker: Some(PathBuf::from(env!("CARGO_BIN_EXE_corpusbench"))),
        memory_limit,
        cell_timeout: Duration::from_secs(120),
        ..RunOptions::in_process(1, 2)
    }
}

/// A cell's dataset, strategy, metrics, per-document figures and failure.
type CellAnswer = (String, String, Vec<(String, f64)>, Vec<(String, Vec<f64>)>, Option<String>);

/// Everything but what varies between identical runs (timings, heap high-water marks).
fn answers(cells: &[Cell]) -> Vec<CellAnswer> {
    let varies = corpusbench::model::catalogue::varies;
    cells
        .iter()
        .map(|c| {
            let m = c.metrics.iter().filter(|(k, _)| !varies(k)).cloned().collect();
            (c.dataset.clone(), c.strategy.clone(), m, c.doc_stats.clone(), c.failure.clone())
        })
        .collect()
}

#[test]
fn workers_give_the_answers_of_in_process_runs() {
    let datasets = bundled_dedup();
    let r = Registry::builtin();
    let selected: Vec<Selected> = r
        .defaults()
        .filter(|i| i.task == corpusbench::model::Task::Dedup)
        .map(|i| Selected::build(&r, &i.name).unwrap())
        .collect();
    assert!(selected.len() >= 8);
    let in_process = runner::run(&datasets, &selected, RunOptions::in_process(1, 2), &mut |_, _| {}).unwrap();
    let in_workers = runner::run(&datasets, &selected, worker_options(Some(4_000_000_000)), &mut |_, _| {}).unwrap();
    assert!(in_workers.iter().all(|c| c.failure.is_none()), "{:?}", in_workers.iter().find(|c| c.failure.is_some()));
    for (a, b) in answers(&in_process).iter().zip(answers(&in_workers).iter()) {
        assert_eq!(a.2, b.2, "metrics of {} on {}", a.1, a.0);
        assert_eq!(a.3, b.3, "per-document figures of {} on {}", a.1, a.0);
        assert_eq!(a, b);
    }
    let heap = |c: &Cell| c.metrics.iter().any(|(k, _)| k == "peak_heap_mb");
    assert!(in_workers.iter().any(heap), "the worker reports its heap high-water mark");
}

#[test]
fn a_strategy_over_the_memory_limit_fails_its_cell_and_the_run_goes_on() {
    let datasets = bundled_dedup();
    let r = Registry::with_testing_aids();
    let selected: Vec<Selected> =
        ["hog:mb=3000", "hog:mb=10", "exact"].iter().map(|s| Selected::build(&r, s).unwrap()).collect();
    let cells = runner::run(&datasets[..1], &selected, worker_options(Some(200_000_000)), &mut |_, _| {}).unwrap();
    let failure = cells[0].failure.clone().unwrap_or_default();
    assert!(failure.contains("memory limit of 200 MB"), "{failure}");
    assert!(cells[1].failure.is_none(), "under the limit: {:?}", cells[1].failure);
    assert!(cells[2].failure.is_none(), "{:?}", cells[2].failure);
}
