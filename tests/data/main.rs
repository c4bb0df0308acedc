//! The tests that need what a fresh clone may not have: the shared benchmark data
//! (`../shared/data`, the reproduction tests), valgrind (instruction counts), the Python peers,
//! chromium with its driver (the HTML report in a browser) or Ray (the distributed run). A custom
//! harness (libtest-mimic) reports each one whose need is missing as ignored, with the need in
//! its name, instead of letting it pass having done nothing. CI has them all; see the README's
//! "Tests".

#[path = "../it/common/mod.rs"]
mod common;
mod repro_common;

mod browser;
mod clough_stevenson;
mod cost;
mod dolma_fixtures;
mod peers;
mod ray;
mod repro_scrapinghub;
mod repro_trafilatura;
mod repro_wcxb;

use std::path::PathBuf;

use libtest_mimic::{Arguments, Trial};

/// `<crate>/../shared/data/<sub>`.
pub fn shared(sub: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")).join(sub)
}

/// What a test needs to run.
enum Need {
    /// A folder under `../shared/data`.
    Data(&'static str),
    /// valgrind on the PATH.
    Valgrind,
    /// The peer virtual environments made by `scripts/peers.sh`.
    Peers,
    /// chromium and the venv with its driver, made by `scripts/browser.sh`.
    Browser,
    /// The Ray venv made by `scripts/peers.sh`.
    Ray,
}

impl Need {
    /// Why the test cannot run here, or `None` when it can.
    fn missing(&self) -> Option<String> {
        match self {
            Need::Data(sub) => (!shared(sub).is_dir()).then(|| format!("needs ../shared/data/{sub}")),
            Need::Valgrind => (!corpusbench::child::cost::valgrind_available()).then(|| "needs valgrind".to_string()),
            Need::Peers => ["main", "dolma"]
                .iter()
                .any(|v| !peers::peers_dir().join(v).join("bin/python").is_file())
                .then(|| "needs the peers of scripts/peers.sh".to_string()),
            Need::Ray => {
                (!ray::ray_bin().join("ray").is_file()).then(|| "needs the Ray venv of scripts/peers.sh".to_string())
            }
            Need::Browser => (!browser::chromium().is_file() || !browser::python().is_file())
                .then(|| "needs chromium and the browser driver of scripts/browser.sh".to_string()),
        }
    }
}

/// A test that runs when its need is met and is reported ignored, with the reason, otherwise.
fn trial(name: &str, need: Need, test: fn()) -> Trial {
    match need.missing() {
        None => Trial::test(name, move || {
            test();
            Ok(())
        }),
        Some(why) => Trial::test(format!("{name} [{why}]"), || Ok(())).with_ignored_flag(true),
    }
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        trial(
            "repro_scrapinghub::loader_reads_every_page_with_its_gold",
            Need::Data("extraction/scrapinghub-aeb"),
            repro_scrapinghub::loader_reads_every_page_with_its_gold,
        ),
        trial(
            "repro_scrapinghub::published_and_evaluate_py_figures_are_reproduced",
            Need::Data("extraction/scrapinghub-aeb"),
            repro_scrapinghub::published_and_evaluate_py_figures_are_reproduced,
        ),
        trial(
            "repro_scrapinghub::bootstrap_deviations_agree_with_the_upstream_readme",
            Need::Data("extraction/scrapinghub-aeb"),
            repro_scrapinghub::bootstrap_deviations_agree_with_the_upstream_readme,
        ),
        trial(
            "repro_trafilatura::loader_reads_every_entry_and_snippet",
            Need::Data("extraction/trafilatura-eval"),
            repro_trafilatura::loader_reads_every_entry_and_snippet,
        ),
        trial(
            "repro_trafilatura::reference_metrics_are_reproduced",
            Need::Data("extraction/trafilatura-eval"),
            repro_trafilatura::reference_metrics_are_reproduced,
        ),
        trial(
            "repro_trafilatura::pages_that_are_not_utf8_are_decoded_by_their_declaration_or_bytes",
            Need::Data("extraction/trafilatura-eval"),
            repro_trafilatura::pages_that_are_not_utf8_are_decoded_by_their_declaration_or_bytes,
        ),
        trial(
            "repro_wcxb::loader_reads_every_page_with_type_and_gold",
            Need::Data("extraction/wcxb-dev"),
            repro_wcxb::loader_reads_every_page_with_type_and_gold,
        ),
        trial(
            "repro_wcxb::reference_metrics_are_reproduced",
            Need::Data("extraction/wcxb-dev"),
            repro_wcxb::reference_metrics_are_reproduced,
        ),
        trial(
            "dolma_fixtures::bloom_paragraphs_reproduces_dolma_expected_spans_exactly",
            Need::Data("dedup/dolma-fixtures"),
            dolma_fixtures::bloom_paragraphs_reproduces_dolma_expected_spans_exactly,
        ),
        trial(
            "dolma_fixtures::dolma_fixture_folder_loads_and_scores_perfectly_from_the_format_registry",
            Need::Data("dedup/dolma-fixtures"),
            dolma_fixtures::dolma_fixture_folder_loads_and_scores_perfectly_from_the_format_registry,
        ),
        trial(
            "clough_stevenson::clough_stevenson_loads_sources_answers_and_categories",
            Need::Data("dedup/clough-stevenson"),
            clough_stevenson::clough_stevenson_loads_sources_answers_and_categories,
        ),
        trial(
            "cost::instruction_counts_repeat_and_scale_with_the_input",
            Need::Valgrind,
            cost::instruction_counts_repeat_and_scale_with_the_input,
        ),
        trial("peers::bloom_paragraphs_agrees_with_dolma", Need::Peers, peers::bloom_paragraphs_agrees_with_dolma),
        trial("peers::minhash_agrees_with_datasketch", Need::Peers, peers::minhash_agrees_with_datasketch),
        trial(
            "peers::gopher_repetition_agrees_with_datatrove",
            Need::Peers,
            peers::gopher_repetition_agrees_with_datatrove,
        ),
        trial(
            "peers::adapters_run_on_bundled_data_with_their_scores",
            Need::Peers,
            peers::adapters_run_on_bundled_data_with_their_scores,
        ),
        trial(
            "browser::report_of_a_run_opens_and_renders_in_chromium",
            Need::Browser,
            browser::report_of_a_run_opens_and_renders_in_chromium,
        ),
        trial(
            "browser::checker_passes_the_contract_fixture",
            Need::Browser,
            browser::checker_passes_the_contract_fixture,
        ),
        trial(
            "browser::checker_fails_pages_that_break_the_contract",
            Need::Browser,
            browser::checker_fails_pages_that_break_the_contract,
        ),
        trial("ray::ray_run_gives_the_single_machine_answer", Need::Ray, ray::ray_run_gives_the_single_machine_answer),
        trial(
            "ray::ray_run_survives_a_node_killed_in_the_middle_of_a_stage",
            Need::Ray,
            ray::ray_run_survives_a_node_killed_in_the_middle_of_a_stage,
        ),
        trial(
            "ray::ray_extract_gives_the_single_machine_answer",
            Need::Ray,
            ray::ray_extract_gives_the_single_machine_answer,
        ),
    ];
    libtest_mimic::run(&args, trials).exit();
}
