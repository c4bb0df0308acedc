//! Expected answers: every registered strategy, of both tasks, runs in process on every bundled
//! dataset, and each quality metric it reports must reach its floor in `gate/baseline.toml`
//! (within the baseline's tolerance). A default strategy with no floor on a bundled dataset of
//! its task fails too: a new default strategy is gated the moment it is registered.

use std::path::Path;

use corpusbench::corpus::discover;
use corpusbench::gate::{Baseline, Kind, kind};
use corpusbench::runner::{self, RunOptions, Selected};
use corpusbench::strategy::Registry;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_registered_strategy_reaches_its_floors_on_every_bundled_dataset() {
    let baseline = Baseline::read(&root().join("gate/baseline.toml")).expect("baseline");
    let (datasets, errors) = discover(&[root().join("corpus")]);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(datasets.len() >= 5, "expected the bundled datasets");
    for ds in &datasets {
        assert_eq!(
            baseline.datasets.get(&ds.name),
            Some(&ds.fingerprint),
            "bundled dataset {} changed since the baseline: re-baseline with scripts/gate.sh --update",
            ds.name
        );
    }
    let registry = Registry::builtin();
    let selected: Vec<Selected> =
        registry.infos().iter().map(|i| Selected::build(&registry, &i.name).expect("builds with defaults")).collect();
    let cells = runner::run(&datasets, &selected, RunOptions::in_process(1, 2), &mut |_, _| {}).expect("runs");
    let mut problems = Vec::new();
    let mut checked = 0;
    for cell in &cells {
        let info = registry.info(&cell.strategy).expect("registered");
        let floor = baseline.cells.iter().find(|b| b.dataset == cell.dataset && b.strategy == cell.strategy);
        let Some(floor) = floor else {
            if info.default {
                problems.push(format!(
                    "{} on {}: a default strategy with no floor in the baseline",
                    cell.strategy, cell.dataset
                ));
            } else {
                eprintln!("note: {} on {} has no floor (not a default strategy)", cell.strategy, cell.dataset);
            }
            continue;
        };
        if let Some(f) = &cell.failure {
            problems.push(format!("{} on {}: failed: {f}", cell.strategy, cell.dataset));
            continue;
        }
        for (metric, &min) in floor.metrics.iter().filter(|(m, _)| kind(m) == Some(Kind::Quality)) {
            let tol = baseline.tolerance.of(metric, Kind::Quality);
            match cell.metrics.iter().find(|(m, _)| m == metric) {
                None => problems.push(format!("{} on {}: {metric} no longer reported", cell.strategy, cell.dataset)),
                Some(&(_, v)) if v < min - tol => {
                    problems.push(format!("{} on {}: {metric} = {v:.6}, floor {min:.6}", cell.strategy, cell.dataset))
                }
                Some(_) => checked += 1,
            }
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
    assert!(checked > 100, "only {checked} floors checked");
}
