//! `minhash` components by label propagation (`stage propagate`, docs/distributed.md) give
//! union-find's answer: on a dataset of near-duplicate chains (each document a window of words
//! shifted a little from the one before, the documents shuffled so the ordinals along a chain
//! jump about), the rounds run by hand in any part order, a deleted round output re-run writes
//! the same bytes, the range labels equal union-find's `components/labels.arrow`, and
//! `components`, `apply` and the reports are byte-identical to the union-find path's.

use std::path::{Path, PathBuf};

use crate::common::{corpusbench, stable_result_lines, tree};

const SPEC: &str = "minhash@fineweb";
const CHAINS: usize = 6;
const LINKS: usize = 40;

/// A pseudo-random word for (chain, position): chains share no words.
fn word(chain: usize, k: usize) -> String {
    let h = xxhash_rust::xxh3::xxh3_64(format!("{chain}/{k}").as_bytes());
    let letters = b"abcdefghijklmnopqrstuvwxyz";
    (0..3 + (h % 6) as usize).map(|i| letters[((h >> (i * 5)) % 26) as usize] as char).collect()
}

/// `CHAINS` chains of `LINKS` documents (each 120 words, shifted 8 from the one before) plus
/// unique documents, shuffled, in 4 shards with a manifest and gold.
fn chain_dataset(root: &Path) -> PathBuf {
    let mut docs: Vec<(String, String, String)> = Vec::new();
    for c in 0..CHAINS {
        for l in 0..LINKS {
            let text: Vec<String> = (l * 8..l * 8 + 120).map(|k| word(c, k)).collect();
            docs.push((format!("c{c}-{l}"), format!("chain-{c}"), text.join(" ")));
        }
    }
    for u in 0..30 {
        let text: Vec<String> = (0..100).map(|k| word(1000 + u, k)).collect();
        docs.push((format!("u{u}"), format!("unique-{u}"), text.join(" ")));
    }
    // A fixed shuffle (by a hash of the id), so a chain's ordinals jump about.
    docs.sort_by_key(|d| xxhash_rust::xxh3::xxh3_64(d.0.as_bytes()));
    let ds = root.join("chains");
    std::fs::create_dir_all(ds.join("shards")).unwrap();
    let mut gold = String::new();
    for (s, chunk) in docs.chunks(docs.len().div_ceil(4)).enumerate() {
        let mut body = String::new();
        for (id, cluster, text) in chunk {
            body.push_str(&serde_json::json!({ "id": id, "text": text }).to_string());
            body.push('\n');
            gold.push_str(&serde_json::json!({ "id": id, "cluster": cluster, "dup_spans": [] }).to_string());
            gold.push('\n');
        }
        std::fs::write(ds.join("shards").join(format!("docs-{s:02}.jsonl")), body).unwrap();
    }
    std::fs::write(ds.join("gold.jsonl"), gold).unwrap();
    let manifest = "name = \"chains\"\ntask = \"dedup\"\ndocs = [\"shards/docs-*.jsonl\"]\n\
                    files = [\"shards/docs-*.jsonl\", \"gold.jsonl\"]\n";
    std::fs::write(ds.join("dataset.toml"), manifest).unwrap();
    ds
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = corpusbench(dir, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn changed(work: &Path, round: usize, ranges: usize) -> bool {
    (0..ranges).any(|q| {
        let path = work.join("propagate").join(format!("round-{round:05}")).join(format!("meta-{q:05}.json"));
        let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        meta["changed"].as_bool().unwrap()
    })
}

#[test]
fn propagated_components_give_union_find_labels_and_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let ds = chain_dataset(root);
    let ds_arg = ds.to_str().unwrap();
    let (parts, ranges) = (3usize, 3usize);
    let cut = ["--parts", "3", "--partitions", "3"];

    // The union-find path, as the local driver runs it.
    let uf = root.join("uf");
    let uf_out = root.join("uf-out");
    #[rustfmt::skip]
    ok(root, &["stage", "run", "--corpus", ds_arg, "-s", SPEC, cut[0], cut[1], cut[2], cut[3],
        "--work", uf.to_str().unwrap(), "--out", uf_out.to_str().unwrap(), "--bootstrap", "50"]);

    // The same stages by hand, the components by rounds, parts in any order.
    let work = root.join("lp");
    let w = work.to_str().unwrap();
    #[rustfmt::skip]
    ok(root, &["stage", "plan", "--corpus", ds_arg, "-s", SPEC, cut[0], cut[1], cut[2], cut[3], "--work", w]);
    for i in [2, 0, 1] {
        ok(root, &["stage", "sign", "--work", w, "--part", &format!("{i}/{parts}")]);
    }
    for p in [1, 2, 0] {
        ok(root, &["stage", "bucket", "--work", w, "--part", &format!("{p}/{ranges}")]);
    }
    let run_round = |r: usize, order: &[usize]| {
        for &q in order {
            ok(
                root,
                &["stage", "propagate", "--work", w, "--round", &r.to_string(), "--part", &format!("{q}/{ranges}")],
            );
        }
    };
    run_round(0, &[1, 0, 2]);
    let mut last = 0;
    for r in 1..60 {
        run_round(r, if r % 2 == 0 { &[2, 1, 0] } else { &[0, 2, 1] });
        if r == 1 {
            // Labels before the rounds settle are refused.
            let early =
                corpusbench(root, &["stage", "propagate", "--work", w, "--round", "1", "--labels", "--part", "0/3"]);
            assert_eq!(early.status.code(), Some(1));
            assert!(String::from_utf8_lossy(&early.stderr).contains("not done"));
        }
        if !changed(&work, r, ranges) {
            last = r;
            break;
        }
    }
    assert!(last >= 4, "the chains settled in {last} rounds");
    eprintln!("the chains settled in {last} rounds");
    for q in [2, 0, 1] {
        #[rustfmt::skip]
        ok(root, &["stage", "propagate", "--work", w, "--round", &last.to_string(), "--labels", "--part", &format!("{q}/{ranges}")]);
    }

    // A retried round (its output deleted) writes the same bytes.
    let before = tree(&work.join("propagate"));
    std::fs::remove_dir_all(work.join("propagate").join("round-00003").join("from-00001")).unwrap();
    std::fs::remove_file(work.join("propagate").join("round-00002").join("meta-00001.json")).unwrap();
    run_round(2, &[1]);
    assert_eq!(tree(&work.join("propagate")), before, "re-run round");

    // The range labels are union-find's.
    let uf_labels = corpusbench::stage::ipc::read(&uf.join("components").join("labels.arrow"), &["label"]).unwrap();
    let mut labels = Vec::new();
    for q in 0..ranges {
        let path = work.join("components").join("labels").join(format!("range-{q:05}.arrow"));
        let cols = corpusbench::stage::ipc::read(&path, &["ordinal", "label"]).unwrap();
        assert_eq!(cols[0], (labels.len() as u64..(labels.len() + cols[0].len()) as u64).collect::<Vec<_>>());
        labels.extend_from_slice(&cols[1]);
    }
    assert_eq!(labels, uf_labels[0]);
    let merged = labels.iter().enumerate().filter(|&(i, &l)| i as u64 != l).count();
    assert!(merged > CHAINS * (LINKS - 1) * 9 / 10, "{merged} documents joined an earlier one");

    // apply reads the range files; components --propagated writes union-find's files.
    for i in [1, 2, 0] {
        ok(root, &["stage", "apply", "--work", w, "--part", &format!("{i}/{parts}")]);
    }
    assert_eq!(tree(&work.join("apply")), tree(&uf.join("apply")), "apply from the range labels");
    let said = ok(root, &["stage", "components", "--work", w, "--propagated"]);
    assert!(said.contains("propagated"), "{said}");
    let mut components = tree(&work.join("components"));
    components.retain(|(p, _)| !p.starts_with("labels"));
    assert_eq!(components, tree(&uf.join("components")), "components");
    let out = root.join("lp-out");
    #[rustfmt::skip]
    ok(root, &["stage", "score", "--work", w, "--out", out.to_str().unwrap(), "--bootstrap", "50", "--threads", "1"]);
    assert_eq!(stable_result_lines(&out), stable_result_lines(&uf_out), "results.csv");
    for file in ["doc_stats.csv", "examples.jsonl", "resamples.jsonl"] {
        assert_eq!(std::fs::read(out.join(file)).unwrap(), std::fs::read(uf_out.join(file)).unwrap(), "{file}");
    }

    // The local driver's propagate mode gives the same reports.
    let driver = root.join("driver");
    let driver_out = root.join("driver-out");
    #[rustfmt::skip]
    ok(root, &["stage", "run", "--corpus", ds_arg, "-s", SPEC, cut[0], cut[1], cut[2], cut[3], "--components", "propagate",
        "--work", driver.to_str().unwrap(), "--out", driver_out.to_str().unwrap(), "--bootstrap", "50"]);
    assert_eq!(stable_result_lines(&driver_out), stable_result_lines(&uf_out), "stage run --components propagate");
    assert_eq!(tree(&driver.join("propagate")), tree(&work.join("propagate")), "the driver's rounds");
    #[rustfmt::skip]
    let few = corpusbench(root, &["stage", "run", "--corpus", ds_arg, "-s", SPEC, "--components", "propagate", "--max-rounds", "2",
        "--work", root.join("few").to_str().unwrap(), "--out", root.join("few-out").to_str().unwrap()]);
    assert_eq!(few.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&few.stderr).contains("did not settle in 2 rounds"));

    // A damaged round file is an error naming it.
    let file = work.join("propagate").join(format!("round-{last:05}")).join("from-00000").join("range-00001.arrow");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    #[rustfmt::skip]
    let damaged = corpusbench(root, &["stage", "propagate", "--work", w, "--round", &last.to_string(), "--labels", "--part", "1/3"]);
    assert_eq!(damaged.status.code(), Some(1));
    let err = String::from_utf8_lossy(&damaged.stderr);
    assert!(err.contains("range-00001.arrow"), "{err}");
}
