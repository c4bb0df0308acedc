//! The near-duplicate strategies on the bundled hand-labelled documents: MinHash with the
//! default and FineWeb settings recovers every hand-made cluster (mirrors, a reformatted copy, a
//! copy with small edits, a syndicated copy) and merges none of the unique controls.

use std::path::Path;

use corpusbench::corpus::load_dataset;
use corpusbench::metrics::dedup::score;
use corpusbench::model::Items;
use corpusbench::strategy::Registry;

fn metric(m: &[(String, f64)], name: &str) -> f64 {
    m.iter().find(|(k, _)| k == name).map(|(_, v)| *v).unwrap_or(f64::NAN)
}

#[test]
fn minhash_recovers_handmade_clusters() {
    let ds =
        load_dataset(&Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/handmade-docs")).expect("bundled dataset");
    let Items::Dedup { docs, gold } = &ds.items else { panic!("dedup dataset") };
    for spec in ["minhash", "minhash@fineweb", "minhash:verify=jaccard,verify_threshold=0.5"] {
        let d = Registry::builtin().dedup(spec).unwrap_or_else(|e| panic!("{e}"));
        let out = d.dedup(docs).expect("runs");
        let m = score(docs, gold, &ds.scoring, &out);
        assert_eq!(metric(&m, "pair_f1"), 1.0, "{spec}: {m:?}");
        assert_eq!(metric(&m, "edge_precision"), 1.0, "{spec}: {m:?}");
    }
}

#[test]
fn simhash_never_merges_unrelated_handmade_docs() {
    let ds =
        load_dataset(&Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/handmade-docs")).expect("bundled dataset");
    let Items::Dedup { docs, gold } = &ds.items else { panic!("dedup dataset") };
    let d = Registry::builtin().dedup("simhash").unwrap();
    let m = score(docs, gold, &ds.scoring, &d.dedup(docs).expect("runs"));
    assert_eq!(metric(&m, "pair_precision"), 1.0, "{m:?}");
    assert!(metric(&m, "pair_recall") > 0.0, "{m:?}");
}
