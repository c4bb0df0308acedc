//! `corpusbench synth` end to end: what the generator records (edits.jsonl) is what the loader
//! and the metrics see (docs.jsonl, gold.jsonl), for every edit kind, on multi-byte text, and
//! byte for byte the same on every run.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use corpusbench::corpus::load_dataset;
use corpusbench::model::{Doc, Items};
use corpusbench::strategy::Registry;
use corpusbench::synth::edits::{FOOTERS, HEADERS};
use corpusbench::synth::{Config, generate};
use corpusbench::text::Norm;
use proptest::prelude::*;
use serde_json::Value;

/// Letters with and without diacritics, so that numbers become words that normalisation keeps
/// apart (CCNet maps every digit to 0) and text is multi-byte.
const ALPHABET: [&str; 10] = ["à", "b", "ç", "d", "é", "f", "ğ", "h", "í", "ж"];

fn word(mut n: usize) -> String {
    let mut out = String::new();
    loop {
        out.push_str(ALPHABET[n % 10]);
        n /= 10;
        if n == 0 {
            return out;
        }
    }
}

/// A JSONL input of `docs` documents of 2 to 6 distinct multi-byte lines each.
fn write_input(dir: &Path, docs: usize) -> PathBuf {
    let path = dir.join("input.jsonl");
    let mut out = String::new();
    let mut k = 0;
    for d in 0..docs {
        let mut lines = Vec::new();
        for _ in 0..(2 + d % 5) {
            k += 1;
            lines.push(format!(
                "Ligne {} du récit {} — 日本語の文 {} and the Ωmega part {} ends here.",
                word(k),
                word(d),
                word(k * 7),
                word(k * 13)
            ));
        }
        let rec = serde_json::json!({"id": format!("src-{}", word(d)), "text": lines.join("\n")});
        out.push_str(&rec.to_string());
        out.push('\n');
    }
    std::fs::write(&path, out).unwrap();
    path
}

fn config(input: &Path, out: &Path, docs: usize, seed: u64) -> Config {
    let mut cfg = Config::new(vec![input.to_path_buf()], out.to_path_buf(), docs, seed);
    cfg.fill = true;
    cfg
}

/// Sets every copy edit's probability to 0 except `only` (1), and makes every copy edited.
fn only_copy_edit(cfg: &mut Config, only: &str) {
    for name in ["words", "noise", "insert", "remove", "shuffle", "truncate", "boilerplate", "syndication"] {
        cfg.params.set(name, if name == only { 1.0 } else { 0.0 }).unwrap();
    }
    cfg.params.set("copy.exact", 0.0).unwrap();
    cfg.params.set("copy", 0.6).unwrap();
}

fn read_jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Char spans of a block of lines `[a, b)` of `text`, as the `lines` strategy reports a run of
/// duplicate lines (with the line break after the block, when there is one); computed here
/// from the text alone.
fn line_block(text: &str, a: usize, b: usize) -> Range<usize> {
    let lines: Vec<&str> = text.split('\n').collect();
    let start: usize = lines[..a].iter().map(|l| l.chars().count() + 1).sum();
    let mut end: usize = lines[..b].iter().map(|l| l.chars().count() + 1).sum();
    if b == lines.len() {
        end -= 1;
    }
    start..end
}

fn merge(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    spans.sort_by_key(|s| s.start);
    let mut out: Vec<Range<usize>> = Vec::new();
    for s in spans {
        match out.last_mut() {
            Some(l) if s.start <= l.end => l.end = l.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

/// Whether a line normalising as `line` does occurs in `docs`.
fn occurs_before(docs: &[Vec<&str>], line: &str) -> bool {
    let norm = Norm::Ccnet.to_string(line);
    docs.iter().flatten().any(|l| Norm::Ccnet.to_string(l) == norm)
}

fn pair(v: &Value) -> (usize, usize) {
    (v[0].as_u64().unwrap() as usize, v[1].as_u64().unwrap() as usize)
}

/// Generates, loads, and checks every documented property of the gold against the edit
/// records and the texts. Returns the per-kind counts of documents.
fn generate_and_check(cfg: &Config) -> HashMap<String, usize> {
    let summary = generate(cfg).unwrap();
    let ds = load_dataset(&cfg.out).unwrap();
    assert!(ds.issues.is_empty(), "loader issues: {:?}", ds.issues);
    let Items::Dedup { docs, gold } = &ds.items else { panic!("not a dedup dataset") };
    let clusters = gold.clusters.as_ref().expect("gold clusters");
    let spans = gold.spans.as_ref().expect("gold spans");
    let records = read_jsonl(&cfg.out.join("edits.jsonl"));
    assert_eq!(docs.len(), summary.docs);
    assert_eq!(records.len(), docs.len());

    let index: HashMap<&str, usize> = docs.iter().enumerate().map(|(i, d)| (d.id.as_str(), i)).collect();
    let lines_of: Vec<Vec<&str>> = docs.iter().map(|d| d.text.split('\n').collect()).collect();
    let mut kinds = HashMap::new();
    let mut first_of_label: HashMap<u32, usize> = HashMap::new();
    let mut seen_norm: HashSet<String> = HashSet::new();
    for (i, (doc, rec)) in docs.iter().zip(&records).enumerate() {
        assert_eq!(rec["id"], doc.id.as_str());
        let kind = rec["kind"].as_str().unwrap();
        *kinds.entry(kind.to_string()).or_insert(0) += 1;
        let len = doc.text.chars().count();
        for s in &spans[i] {
            assert!(s.start < s.end && s.end <= len, "{}: span {s:?} outside 0..{len}", doc.id);
        }
        let label = clusters[i];
        let first = *first_of_label.entry(label).or_insert(i);
        // The recorded cluster string and the loaded label agree.
        assert_eq!(rec["cluster"].as_str().unwrap(), docs[first].id, "{}", doc.id);
        match kind {
            "copy" => {
                let src = index[rec["source"].as_str().unwrap()];
                assert!(src < i, "{}: copy of a later document", doc.id);
                assert_eq!(clusters[src], label, "{}: copy outside its source's cluster", doc.id);
                assert_ne!(first, i, "{}: a copy cannot start a cluster", doc.id);
                assert_eq!(spans[i], vec![0..len], "{}: a copy's gold span is its whole text", doc.id);
                if rec["edits"].as_array().unwrap().is_empty() {
                    assert_eq!(doc.text, docs[src].text, "{}: exact copy differs", doc.id);
                }
            }
            "original" | "contain" => {
                assert_eq!(first, i, "{}: must start its own cluster", doc.id);
                let mut expected = Vec::new();
                for e in rec["edits"].as_array().unwrap() {
                    match e["kind"].as_str().unwrap() {
                        "repeat" => {
                            let (a, b) = pair(&e["span_lines"]);
                            let lead = e["lead_lines"].as_u64().unwrap() as usize;
                            // The first copy ends where the second begins; they are equal.
                            let offset = a - (b - a);
                            assert!(offset >= lead);
                            assert_eq!(lines_of[i][offset..a], lines_of[i][a..b], "{}", doc.id);
                            expected.push(line_block(&doc.text, a, b));
                        }
                        "contain" => {
                            let src = index[e["source"].as_str().unwrap()];
                            assert!(src < i);
                            let (sa, sb) = pair(&e["source_lines"]);
                            let (a, b) = pair(&e["span_lines"]);
                            assert_eq!(lines_of[i][a..b], lines_of[src][sa..sb], "{}: quote differs", doc.id);
                            expected.push(line_block(&doc.text, a, b));
                        }
                        "boilerplate" => {
                            let n = lines_of[i].len();
                            if let Some(h) = e["header"].as_u64() {
                                let line = HEADERS[h as usize];
                                assert_eq!(lines_of[i][0], line);
                                let earlier = occurs_before(&lines_of[..i], line);
                                assert_eq!(e["header_repeated"].as_bool().unwrap(), earlier, "{}", doc.id);
                                if earlier {
                                    expected.push(line_block(&doc.text, 0, 1));
                                }
                            }
                            if let Some(f) = e["footer"].as_u64() {
                                let line = FOOTERS[f as usize];
                                assert_eq!(lines_of[i][n - 1], line);
                                let earlier = occurs_before(&lines_of[..i], line);
                                assert_eq!(e["footer_repeated"].as_bool().unwrap(), earlier, "{}", doc.id);
                                if earlier {
                                    expected.push(line_block(&doc.text, n - 1, n));
                                }
                            }
                        }
                        other => panic!("{}: unexpected edit {other} on a new document", doc.id),
                    }
                }
                assert_eq!(spans[i], merge(expected), "{}: gold spans differ from the edit records", doc.id);
                // Independent recount: exactly the lines whose normalised form occurred earlier
                // in the dataset (or earlier in this document) are duplicates.
                let mut recount = Vec::new();
                let mut here: HashSet<String> = HashSet::new();
                for (j, line) in lines_of[i].iter().enumerate() {
                    let norm = Norm::Ccnet.to_string(line);
                    assert!(!norm.is_empty(), "{}: blank line {j}", doc.id);
                    if seen_norm.contains(&norm) || !here.insert(norm) {
                        recount.push(line_block(&doc.text, j, j + 1));
                    }
                }
                assert_eq!(spans[i], merge(recount), "{}: gold spans are not the repeated lines", doc.id);
            }
            other => panic!("unknown kind {other}"),
        }
        seen_norm.extend(lines_of[i].iter().map(|l| Norm::Ccnet.to_string(l)));
    }
    kinds
}

#[test]
fn gold_matches_edit_records_with_default_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), 60);
    let cfg = config(&input, &dir.path().join("out"), 300, 11);
    let kinds = generate_and_check(&cfg);
    for k in ["original", "copy", "contain"] {
        assert!(kinds.get(k).copied().unwrap_or(0) > 0, "no {k} document in {kinds:?}");
    }
}

fn is_subsequence(short: &[&str], long: &[&str]) -> bool {
    let mut it = long.iter();
    short.iter().all(|s| it.any(|l| l == s))
}

/// For every copy with exactly one edit, the copy's text relates to its source's as that edit
/// says (checked from the texts and the record, without the generator's code).
fn check_copies_derive_from_sources(out: &Path) {
    let docs = read_jsonl(&out.join("docs.jsonl"));
    let records = read_jsonl(&out.join("edits.jsonl"));
    let text: HashMap<&str, &str> =
        docs.iter().map(|d| (d["id"].as_str().unwrap(), d["text"].as_str().unwrap())).collect();
    for r in &records {
        let edits = r["edits"].as_array().unwrap();
        if r["kind"] != "copy" || edits.len() != 1 {
            continue;
        }
        let e = &edits[0];
        let (copy, src) = (text[r["id"].as_str().unwrap()], text[r["source"].as_str().unwrap()]);
        let (cl, sl): (Vec<&str>, Vec<&str>) = (copy.split('\n').collect(), src.split('\n').collect());
        let id = r["id"].as_str().unwrap();
        match e["kind"].as_str().unwrap() {
            "shuffle" => {
                let (mut a, mut b) = (cl.clone(), sl.clone());
                a.sort();
                b.sort();
                assert_eq!(a, b, "{id}: shuffle changed the lines");
            }
            "remove_paragraphs" => {
                assert!(is_subsequence(&cl, &sl), "{id}");
                assert_eq!(cl.len() + e["removed"].as_array().unwrap().len(), sl.len(), "{id}");
            }
            "insert_paragraphs" => {
                assert!(is_subsequence(&sl, &cl), "{id}");
                assert_eq!(sl.len() + e["at"].as_array().unwrap().len(), cl.len(), "{id}");
            }
            "truncate" => {
                assert!(src.starts_with(copy), "{id}: not a prefix");
                assert_eq!(copy.chars().count(), e["kept_chars"].as_u64().unwrap() as usize, "{id}");
            }
            "boilerplate" => {
                let mut body = &cl[..];
                if let Some(h) = e["header"].as_u64() {
                    assert_eq!(body[0], HEADERS[h as usize]);
                    body = &body[1..];
                }
                if let Some(f) = e["footer"].as_u64() {
                    assert_eq!(body[body.len() - 1], FOOTERS[f as usize]);
                    body = &body[..body.len() - 1];
                }
                assert_eq!(body, &sl[..], "{id}");
            }
            "syndication" => {
                assert_eq!(cl.len(), sl.len() + 1, "{id}");
                assert!(cl[0].ends_with(sl[0]) && cl[0].starts_with('('), "{id}");
                assert_eq!(cl[1..cl.len() - 1], sl[1..], "{id}");
                assert!(cl[cl.len() - 1].starts_with("This story first appeared in "), "{id}");
            }
            "words" => {
                let n = |t: &str| t.split_whitespace().count() as i64;
                let (del, ins) = (e["deleted"].as_i64().unwrap(), e["inserted"].as_i64().unwrap());
                // Test lines carry many words each, so none is emptied (and dropped) by the edit.
                assert_eq!(n(copy), n(src) - del + ins, "{id}");
            }
            "noise" => {
                let changed = e["changed"].as_u64().unwrap();
                // (A change can leave the text as it was: two equal letters swapped.)
                assert!(changed > 0 || copy == src, "{id}");
                // Each change touches at most two characters.
                let (a, b) = (copy.chars().count() as i64, src.chars().count() as i64);
                assert!((a - b).unsigned_abs() <= 2 * changed, "{id}");
            }
            other => panic!("{id}: unexpected copy edit {other}"),
        }
    }
}

#[test]
fn every_edit_kind_gives_valid_gold_on_multibyte_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), 40);
    for kind in ["words", "noise", "insert", "remove", "shuffle", "truncate", "boilerplate", "syndication"] {
        let mut cfg = config(&input, &dir.path().join(kind), 120, 5);
        only_copy_edit(&mut cfg, kind);
        generate_and_check(&cfg);
        let records = read_jsonl(&cfg.out.join("edits.jsonl"));
        let applied = records
            .iter()
            .flat_map(|r| r["edits"].as_array().unwrap().iter())
            .filter(|e| e["kind"].as_str().unwrap().starts_with(kind))
            .count();
        assert!(applied > 0, "edit {kind} never applied");
        check_copies_derive_from_sources(&cfg.out);
    }
    // Edits on new documents: body repetition, boilerplate, containment.
    let mut cfg = config(&input, &dir.path().join("new-docs"), 120, 6);
    for (name, v) in [("repeat", 1.0), ("original.boilerplate", 1.0), ("contain", 0.5), ("copy", 0.2)] {
        cfg.params.set(name, v).unwrap();
    }
    let kinds = generate_and_check(&cfg);
    assert!(kinds["contain"] > 10 && kinds["original"] > 10, "{kinds:?}");
}

#[test]
fn new_document_spans_are_what_the_lines_strategy_finds() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), 50);
    let mut cfg = config(&input, &dir.path().join("out"), 250, 3);
    cfg.params.set("repeat", 0.3).unwrap();
    cfg.params.set("original.boilerplate", 0.4).unwrap();
    generate(&cfg).unwrap();
    let ds = load_dataset(&cfg.out).unwrap();
    let Items::Dedup { docs, gold } = &ds.items else { panic!() };
    let lines = Registry::builtin().dedup("lines").unwrap();
    let found = lines.dedup(docs).unwrap().dup_spans.unwrap();
    let records = read_jsonl(&cfg.out.join("edits.jsonl"));
    let spans = gold.spans.as_ref().unwrap();
    let mut checked = 0;
    for (i, rec) in records.iter().enumerate() {
        if rec["kind"] != "copy" {
            assert_eq!(found[i], spans[i], "{}", docs[i].id);
            checked += usize::from(!spans[i].is_empty());
        }
    }
    assert!(checked > 10, "too few new documents with spans to compare: {checked}");
}

#[test]
fn same_seed_gives_identical_files_and_another_seed_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), 30);
    let mut a = config(&input, &dir.path().join("a"), 150, 42);
    a.doc_bytes = Some(400);
    let mut b = a.clone();
    b.out = dir.path().join("b");
    b.name = a.name.clone();
    let mut c = a.clone();
    c.out = dir.path().join("c");
    c.seed = 43;
    generate(&a).unwrap();
    generate(&b).unwrap();
    generate(&c).unwrap();
    for f in ["docs.jsonl", "gold.jsonl", "edits.jsonl", "synth.toml", "dataset.toml"] {
        let fa = std::fs::read(a.out.join(f)).unwrap();
        assert_eq!(fa, std::fs::read(b.out.join(f)).unwrap(), "{f} differs between identical runs");
    }
    assert_ne!(std::fs::read(a.out.join("docs.jsonl")).unwrap(), std::fs::read(c.out.join("docs.jsonl")).unwrap());
    // No partial files are left behind.
    let names: Vec<String> =
        std::fs::read_dir(&a.out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[test]
fn target_size_concatenates_input_lines_until_reached() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), 200);
    let mut cfg = config(&input, &dir.path().join("out"), 100, 8);
    cfg.doc_bytes = Some(900);
    cfg.fill = false;
    cfg.params.set("original.boilerplate", 0.0).unwrap();
    cfg.params.set("repeat", 0.0).unwrap();
    generate_and_check(&cfg);
    let docs = read_jsonl(&cfg.out.join("docs.jsonl"));
    let records = read_jsonl(&cfg.out.join("edits.jsonl"));
    let longest_line = 200; // every input line is shorter than this many bytes
    for (d, r) in docs.iter().zip(&records) {
        if r["kind"] == "original" {
            let n = d["text"].as_str().unwrap().len();
            assert!((900..900 + longest_line).contains(&n), "{}: {n} bytes", r["id"]);
        }
    }
}

#[test]
fn running_out_of_input_stops_early_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), 5);
    let mut cfg = config(&input, &dir.path().join("out"), 1000, 1);
    cfg.fill = false;
    let summary = generate(&cfg).unwrap();
    assert!(summary.input_exhausted);
    assert!(summary.docs < 1000 && summary.originals <= 5, "{summary:?}");
    assert!(load_dataset(&cfg.out).unwrap().issues.is_empty());
}

#[test]
fn bundled_synth_small_is_what_the_documented_command_makes() {
    // The command in docs/synth.md; cargo runs tests from the crate root, so the relative input
    // paths recorded in synth.toml are the same.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::new(
        vec![PathBuf::from("corpus/handmade-docs/docs.jsonl"), PathBuf::from("corpus/handmade-spans/docs.jsonl")],
        dir.path().join("synth-small"),
        200,
        2026,
    );
    cfg.fill = true;
    cfg.filter = corpusbench::synth::fresh::Filter::Shingles;
    cfg.license = "CC0-1.0 (generated by corpusbench from its own hand-made texts)".into();
    generate(&cfg).unwrap();
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/synth-small");
    for f in ["docs.jsonl", "gold.jsonl", "edits.jsonl", "synth.toml", "dataset.toml"] {
        let made = std::fs::read(cfg.out.join(f)).unwrap();
        assert!(made == std::fs::read(bundled.join(f)).unwrap(), "corpus/synth-small/{f} is stale: regenerate it");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_seed_and_mix_loads_without_issues(
        seed in any::<u64>(),
        copy in 0.0f64..0.8,
        contain in 0.0f64..0.2,
        words_rate in 0.0f64..0.5,
        noise_rate in 0.0f64..0.5,
        doc_bytes in prop::option::of(50usize..600),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let input = write_input(dir.path(), 12);
        let mut cfg = config(&input, &dir.path().join("out"), 60, seed);
        cfg.doc_bytes = doc_bytes;
        cfg.params.set("copy", copy).unwrap();
        cfg.params.set("contain", contain).unwrap();
        cfg.params.set("words.rate", words_rate).unwrap();
        cfg.params.set("noise.rate", noise_rate).unwrap();
        cfg.params.set("repeat", 0.2).unwrap();
        generate_and_check(&cfg);
    }
}

#[test]
fn loaded_texts_are_the_written_texts() {
    // The loader sees exactly the text the generator wrote (no re-encoding surprises).
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), 10);
    let cfg = config(&input, &dir.path().join("out"), 40, 9);
    generate(&cfg).unwrap();
    let written: Vec<Doc> = read_jsonl(&cfg.out.join("docs.jsonl"))
        .iter()
        .map(|v| Doc { id: v["id"].as_str().unwrap().into(), text: v["text"].as_str().unwrap().into() })
        .collect();
    let Items::Dedup { docs, .. } = load_dataset(&cfg.out).unwrap().items else { panic!() };
    assert_eq!(docs, written);
}
