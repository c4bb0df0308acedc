//! Dolma's deduper regression fixtures: `bloom-paragraphs` must report exactly the spans that
//! Dolma's `dedupe.paragraphs` wrote (tests/data/expected/dedupe-paragraphs.json.gz upstream),
//! paragraph by paragraph. Reported as ignored when ../shared/data is absent.

use std::io::Read;
use std::path::{Path, PathBuf};

use corpusbench::model::{Doc, Items};
use corpusbench::strategy::Registry;

/// The fixtures' folder (the harness skips these tests when it is absent).
fn fixtures() -> PathBuf {
    crate::shared("dedup/dolma-fixtures")
}

fn jsonl_gz(path: &Path) -> Vec<serde_json::Value> {
    let file = std::fs::File::open(path).unwrap();
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(file).read_to_string(&mut text).unwrap();
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

pub fn bloom_paragraphs_reproduces_dolma_expected_spans_exactly() {
    let dir = fixtures();
    let docs: Vec<Doc> = jsonl_gz(&dir.join("tests__data__provided__deduper__documents__000.json.gz"))
        .iter()
        .map(|v| Doc { id: v["id"].as_str().unwrap().into(), text: v["text"].as_str().unwrap().into() })
        .collect();
    let expected = jsonl_gz(&dir.join("tests__data__expected__dedupe-paragraphs.json.gz"));
    assert_eq!(docs.len(), 10);
    assert_eq!(expected.len(), 10);

    // The fixture's own configuration: estimated_doc_count 1000, false-positive rate 0.001.
    let params = corpusbench::strategy::Params::new(
        "bloom-paragraphs",
        corpusbench::strategy::dedup::bloom::PARAMS,
        &[("expected".into(), "1000".into()), ("fp".into(), "0.001".into())],
    )
    .unwrap();
    let bloom = corpusbench::strategy::dedup::bloom::BloomParagraphs::new(&params).unwrap();
    let (spans, _) = bloom.paragraph_spans(&docs);

    let mut total = 0;
    for ((doc, got), exp) in docs.iter().zip(&spans).zip(&expected) {
        assert_eq!(exp["id"].as_str().unwrap(), doc.id);
        let len = doc.text.chars().count();
        // Dolma's documented quirk: a final paragraph's span may count a newline the text lacks.
        let want: Vec<std::ops::Range<usize>> = exp["attributes"]["bff_duplicate_paragraph_spans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let (a, b) = (s[0].as_u64().unwrap() as usize, s[1].as_u64().unwrap() as usize);
                a..b.min(len)
            })
            .collect();
        assert_eq!(got, &want, "document {}", doc.id);
        total += want.len();
    }
    // PROVENANCE: only the second document has spans, 43 of them.
    assert_eq!(total, 43);
    assert_eq!(spans[1].len(), 43);
    assert_eq!(spans[1].last(), Some(&(5788..5835)));
}

pub fn dolma_fixture_folder_loads_and_scores_perfectly_from_the_format_registry() {
    let dir = fixtures();
    let (datasets, errors) = corpusbench::corpus::discover(&[dir]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(datasets.len(), 1);
    let ds = &datasets[0];
    assert_eq!(ds.format, "dolma-fixtures");
    let Items::Dedup { docs, gold } = &ds.items else { panic!("not a dedup dataset") };
    assert_eq!(docs.len(), 10);
    let s = Registry::builtin().dedup("bloom-paragraphs:expected=1000,fp=0.001").unwrap();
    let out = s.dedup(docs).unwrap();
    let metrics = corpusbench::metrics::dedup::score(docs, gold, &ds.scoring, &out);
    let get = |name: &str| metrics.iter().find(|(n, _)| n == name).map(|(_, v)| *v).unwrap();
    assert_eq!(get("span_precision"), 1.0);
    assert_eq!(get("span_recall"), 1.0);
}
