//! Strategy spec strings and files of saved outputs (extraction and deduplication): any input
//! is a clear error or a value, never a panic, and an accepted saved dedup output describes the
//! documents it is applied to.
#![no_main]

use std::path::Path;

use corpusbench::model::Doc;
use corpusbench::strategy::dedup::saved::SavedDedup;
use corpusbench::strategy::extract::outputs::Outputs;
use corpusbench::strategy::{Deduplicator, Registry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(spec) = std::str::from_utf8(data) {
        // Building may allocate what the spec asks for; bounds are checked before that.
        let _ = Registry::builtin().params(spec);
        let _ = corpusbench::strategy::spec::parse(spec);
    }
    let _ = Outputs::parse(Path::new("fuzz.json"), data);
    let docs: Vec<Doc> = ["alpha beta", "", "d\u{e9}j\u{e0} vu"]
        .iter()
        .enumerate()
        .map(|(i, t)| Doc { id: format!("d{i}"), text: t.to_string() })
        .collect();
    if let Ok(out) = SavedDedup::from_bytes(Path::new("fuzz.jsonl"), data).dedup(&docs) {
        assert_eq!(out.validate(&docs), Ok(()));
    }
});
