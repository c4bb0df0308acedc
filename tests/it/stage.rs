//! The stage pipeline (`corpusbench stage`, docs/distributed.md) gives `corpusbench run`'s
//! answer: on a generated corpus cut into JSON-lines shards (one malformed line among them, so
//! ordinals follow the kept documents), the clusters or duplicate spans and every report of
//! `stage run` with 1, 3 and 4 parts equal those of `run -s SPEC` for `minhash@fineweb`,
//! `exact`, `lines` and `paragraphs`; the stages run one by one as separate commands give the
//! same bytes as the local driver, and a stage re-run after its output is deleted writes the
//! same bytes again (`minhash@fineweb` and `lines`).

use std::path::{Path, PathBuf};

use crate::common::{self, bundled_corpus, corpusbench, stable_result_lines};

const SPEC: &str = "minhash@fineweb";
const SHARDS: usize = 5;

/// A synth dataset of `docs` documents, its docs.jsonl cut into `SHARDS` shards in order (a
/// malformed line in the third), with a manifest naming them by a glob.
fn sharded_dataset(root: &Path, docs: usize) -> PathBuf {
    let synth = root.join("synth");
    let seed = bundled_corpus().join("seed-news");
    let out = corpusbench(
        root,
        &[
            "synth",
            seed.to_str().unwrap(),
            "--docs",
            &docs.to_string(),
            "--doc-bytes",
            "600",
            "--fill-words",
            "--out",
            synth.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "synth: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(synth.join("docs.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let ds = root.join("sharded");
    std::fs::create_dir_all(ds.join("shards")).unwrap();
    let per = lines.len().div_ceil(SHARDS);
    for (s, chunk) in lines.chunks(per).enumerate() {
        let mut body = String::new();
        for (k, l) in chunk.iter().enumerate() {
            if s == 2 && k == 3 {
                body.push_str("{\"id\": \"broken\", \"text\": \n");
            }
            body.push_str(l);
            body.push('\n');
        }
        std::fs::write(ds.join("shards").join(format!("docs-{s:02}.jsonl")), body).unwrap();
    }
    std::fs::copy(synth.join("gold.jsonl"), ds.join("gold.jsonl")).unwrap();
    let manifest = "name = \"sharded\"\ntask = \"dedup\"\ndocs = [\"shards/docs-*.jsonl\"]\n\
                    files = [\"shards/docs-*.jsonl\", \"gold.jsonl\"]\n";
    std::fs::write(ds.join("dataset.toml"), manifest).unwrap();
    ds
}

fn run_ok(dir: &Path, args: &[&str]) {
    let out = corpusbench(dir, args);
    // Exit 2: the malformed line was reported and left out, as intended.
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn stage_ok(dir: &Path, args: &[&str]) {
    let out = corpusbench(dir, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Deletes the outputs of the given stage parts (stage, part, of) and of `components`, and runs
/// each again, as a scheduler retries a task.
fn rerun_deleted(root: &Path, work: &Path, parts: [(&str, usize, usize); 3]) {
    let w = work.to_str().unwrap();
    for (stage, i, n) in parts {
        let dir = match stage {
            "bucket" => format!("bucket/partition-{i:05}"),
            _ => format!("{stage}/part-{i:05}"),
        };
        std::fs::remove_dir_all(work.join(dir)).unwrap();
        stage_ok(root, &["stage", stage, "--work", w, "--part", &format!("{i}/{n}")]);
    }
    std::fs::remove_dir_all(work.join("components")).unwrap();
    stage_ok(root, &["stage", "components", "--work", w]);
}

/// Every file under `dir` (relative path, bytes), the stage timings left out.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = common::tree(dir);
    out.retain(|(p, _)| !p.starts_with("time"));
    out
}

fn labels_of(work: &Path, parts: usize) -> Vec<u64> {
    let mut labels = Vec::new();
    for i in 0..parts {
        let path = work.join("apply").join(format!("part-{i:05}")).join("labels.arrow");
        let cols = corpusbench::stage::ipc::read(&path, &["ordinal", "label"]).unwrap();
        assert_eq!(cols[0], (labels.len() as u64..(labels.len() + cols[0].len()) as u64).collect::<Vec<_>>());
        labels.extend_from_slice(&cols[1]);
    }
    labels
}

/// The documents the load keeps, in dataset order, as the library streams them.
fn kept_docs(ds: &Path) -> Vec<corpusbench::model::Doc> {
    let (loaded, _) = corpusbench::stage::load(ds).unwrap();
    match &loaded.items {
        corpusbench::model::Items::Streamed { docs, .. } => {
            let mut all = Vec::new();
            docs.source
                .batches(1 << 20, &mut |b| {
                    all.extend_from_slice(b);
                    Ok(())
                })
                .unwrap();
            all
        }
        _ => panic!("a sharded dataset streams"),
    }
}

/// Every apply part's duplicate spans (`lines`, `paragraphs`), per document.
fn spans_of(work: &Path, parts: usize, docs: usize) -> Vec<Vec<std::ops::Range<usize>>> {
    let mut spans = vec![Vec::new(); docs];
    for i in 0..parts {
        let path = work.join("apply").join(format!("part-{i:05}")).join("spans.arrow");
        let cols = corpusbench::stage::ipc::read(&path, &["ordinal", "start", "end"]).unwrap();
        for ((&o, &s), &e) in cols[0].iter().zip(&cols[1]).zip(&cols[2]) {
            spans[o as usize].push(s as usize..e as usize);
        }
    }
    spans
}

/// `run -s spec` on `ds` into `root/single-NAME`, and `stage run` at 1, 3 and 4 parts: every
/// report byte-identical (timings aside), and the apply parts' answer (labels or spans) the
/// library's own on the kept documents. Gives the single run's stable results.csv lines.
fn stage_runs_equal_run(root: &Path, ds: &Path, docs: &[corpusbench::model::Doc], spec: &str) -> Vec<String> {
    let ds_arg = ds.to_str().unwrap();
    let name = spec.replace('@', "-");
    let single = root.join(format!("single-{name}"));
    #[rustfmt::skip]
    run_ok(root, &["run", "--corpus", ds_arg, "-s", spec, "--threads", "2", "--bootstrap", "200",
        "--out", single.to_str().unwrap()]);
    let expected = stable_result_lines(&single);
    assert!(expected.len() > 3, "{spec}: {expected:?}");

    let registry = corpusbench::strategy::Registry::builtin();
    let answer = registry.dedup(spec).unwrap().dedup(docs).unwrap();
    let clusters: Option<Vec<u64>> = answer.cluster.map(|c| c.into_iter().map(u64::from).collect());
    if let Some(c) = &clusters {
        assert!(c.iter().enumerate().filter(|&(i, &l)| i as u64 != l).count() > 50, "{spec}: too few duplicates");
    }
    if let Some(s) = &answer.dup_spans {
        assert!(s.iter().filter(|d| !d.is_empty()).count() > 50, "{spec}: too few duplicate spans");
    }

    for (parts, partitions) in [(1usize, 1usize), (3, 2), (4, 3)] {
        let work = root.join(format!("work-{name}-{parts}"));
        let out = root.join(format!("out-{name}-{parts}"));
        let (p, q) = (parts.to_string(), partitions.to_string());
        #[rustfmt::skip]
        run_ok(root, &["stage", "run", "--corpus", ds_arg, "-s", spec, "--parts", &p, "--partitions", &q,
            "--work", work.to_str().unwrap(), "--out", out.to_str().unwrap(), "--bootstrap", "200", "--threads", "2"]);
        assert_eq!(stable_result_lines(&out), expected, "{spec}, {parts} parts: results.csv");
        for file in ["doc_stats.csv", "examples.jsonl", "resamples.jsonl"] {
            assert_eq!(
                std::fs::read(out.join(file)).unwrap(),
                std::fs::read(single.join(file)).unwrap(),
                "{spec}, {parts} parts: {file}"
            );
        }
        if let Some(clusters) = &clusters {
            assert_eq!(&labels_of(&work, parts), clusters, "{spec}, {parts} parts: clusters");
            let kept: usize = (0..parts)
                .map(|i| {
                    let f = work.join("apply").join(format!("part-{i:05}")).join("kept.jsonl");
                    std::fs::read_to_string(f).unwrap().lines().count()
                })
                .sum();
            assert_eq!(kept, clusters.iter().enumerate().filter(|&(i, &l)| i as u64 == l).count());
        }
        if let Some(spans) = &answer.dup_spans {
            assert_eq!(&spans_of(&work, parts, docs.len()), spans, "{spec}, {parts} parts: spans");
        }
    }
    expected
}

#[test]
fn stage_pipeline_gives_the_single_machine_answer_at_any_part_count() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let ds = sharded_dataset(root, 900);
    let ds_arg = ds.to_str().unwrap();
    let docs = kept_docs(&ds);
    let expected = stage_runs_equal_run(root, &ds, &docs, SPEC);
    assert!(expected.iter().any(|l| l.contains(",pair_f1,")), "{expected:?}");
    assert!(expected.iter().any(|l| l.contains(",edge_f1,")), "{expected:?}");
    assert!(expected.iter().any(|l| l.contains("strategy.candidate_pairs")), "{expected:?}");
    for spec in ["exact", "lines", "paragraphs"] {
        let lines = stage_runs_equal_run(root, &ds, &docs, spec);
        let metric = if spec == "exact" { ",pair_f1," } else { ",span_f1," };
        assert!(lines.iter().any(|l| l.contains(metric)), "{spec}: {lines:?}");
    }

    // The stages one by one, as a scheduler would run them, give the driver's bytes.
    let by_hand = root.join("by-hand");
    let w = by_hand.to_str().unwrap();
    #[rustfmt::skip]
    run_ok(root, &["stage", "plan", "--corpus", ds_arg, "-s", SPEC, "--parts", "3", "--partitions", "2", "--work", w]);
    for i in [2, 0, 1] {
        stage_ok(root, &["stage", "sign", "--work", w, "--part", &format!("{i}/3")]);
    }
    for p in [1, 0] {
        stage_ok(root, &["stage", "bucket", "--work", w, "--part", &format!("{p}/2")]);
    }
    stage_ok(root, &["stage", "components", "--work", w]);
    for i in 0..3 {
        stage_ok(root, &["stage", "apply", "--work", w, "--part", &format!("{i}/3")]);
    }
    let score_out = root.join("by-hand-out");
    #[rustfmt::skip]
    stage_ok(root, &["stage", "score", "--work", w, "--out", score_out.to_str().unwrap(), "--bootstrap", "200", "--threads", "1"]);
    assert_eq!(stable_result_lines(&score_out), expected, "stages by hand, one thread");
    let driver = tree(&root.join("work-minhash-fineweb-3"));
    assert_eq!(tree(&by_hand), driver, "stages by hand against the driver");

    // A retried stage (its output deleted) writes the same bytes.
    rerun_deleted(root, &by_hand, [("sign", 1, 3), ("bucket", 0, 2), ("apply", 2, 3)]);
    assert_eq!(tree(&by_hand), driver, "re-run stages");

    // A part count other than the plan's is refused, naming it.
    let out = corpusbench(root, &["stage", "sign", "--work", w, "--part", "0/4"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 parts"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn stage_span_strategy_runs_by_hand_and_retries_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let ds = sharded_dataset(root, 300);
    let ds_arg = ds.to_str().unwrap();
    let driver_work = root.join("driver");
    let driver_out = root.join("driver-out");
    #[rustfmt::skip]
    run_ok(root, &["stage", "run", "--corpus", ds_arg, "-s", "lines", "--parts", "3", "--partitions", "2",
        "--work", driver_work.to_str().unwrap(), "--out", driver_out.to_str().unwrap(), "--bootstrap", "0"]);

    // The same commands, in the same order, as for minhash; parts in any order.
    let by_hand = root.join("by-hand");
    let w = by_hand.to_str().unwrap();
    #[rustfmt::skip]
    run_ok(root, &["stage", "plan", "--corpus", ds_arg, "-s", "lines", "--parts", "3", "--partitions", "2", "--work", w]);
    for i in [1, 2, 0] {
        stage_ok(root, &["stage", "sign", "--work", w, "--part", &format!("{i}/3")]);
    }
    for p in [1, 0] {
        stage_ok(root, &["stage", "bucket", "--work", w, "--part", &format!("{p}/2")]);
    }
    stage_ok(root, &["stage", "components", "--work", w]);
    for i in [2, 0, 1] {
        stage_ok(root, &["stage", "apply", "--work", w, "--part", &format!("{i}/3")]);
    }
    let out = root.join("by-hand-out");
    stage_ok(
        root,
        &["stage", "score", "--work", w, "--out", out.to_str().unwrap(), "--bootstrap", "0", "--threads", "1"],
    );
    assert_eq!(stable_result_lines(&out), stable_result_lines(&driver_out), "stages by hand: results.csv");
    let driver = tree(&driver_work);
    assert_eq!(tree(&by_hand), driver, "stages by hand against the driver");
    assert!(driver.iter().any(|(p, b)| p.ends_with("spans.jsonl") && !b.is_empty()), "no duplicate spans written");

    // A retried stage (its output deleted) writes the same bytes.
    rerun_deleted(root, &by_hand, [("sign", 2, 3), ("bucket", 1, 2), ("apply", 0, 3)]);
    assert_eq!(tree(&by_hand), driver, "re-run stages");

    // `score` takes the documents' ids, lengths and gold from `plan`: a damaged copy is an error
    // naming the file, and a shard changed since `plan` is refused, not scored.
    let docs_file = by_hand.join("plan-docs.json");
    let saved = std::fs::read(&docs_file).unwrap();
    std::fs::write(&docs_file, &saved[..saved.len() / 2]).unwrap();
    let damaged = corpusbench(root, &["stage", "score", "--work", w, "--out", out.to_str().unwrap()]);
    assert_eq!(damaged.status.code(), Some(1));
    let err = String::from_utf8_lossy(&damaged.stderr);
    assert!(err.contains("plan-docs.json"), "{err}");
    std::fs::write(&docs_file, &saved).unwrap();
    let shard = std::fs::read_dir(ds.join("shards")).unwrap().next().unwrap().unwrap().path();
    let mut text = std::fs::read_to_string(&shard).unwrap();
    text.push_str("{\"id\": \"late\", \"text\": \"a document added after plan\"}\n");
    std::fs::write(&shard, text).unwrap();
    let changed = corpusbench(root, &["stage", "score", "--work", w, "--out", out.to_str().unwrap()]);
    assert_eq!(changed.status.code(), Some(1));
    let err = String::from_utf8_lossy(&changed.stderr);
    assert!(err.contains("changed since `plan`"), "{err}");

    // bloom-paragraphs is refused at plan, saying why and what to do instead.
    let bloom = root.join("bloom");
    #[rustfmt::skip]
    let refused = corpusbench(root, &["stage", "plan", "--corpus", ds_arg, "-s", "bloom-paragraphs", "--work", bloom.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("does not distribute exactly") && err.contains("one node"), "{err}");
    assert!(!bloom.join("plan.json").exists());
}
