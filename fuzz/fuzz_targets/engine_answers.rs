//! What an engine writes is untrusted input: any bytes as answer lines are a clear error or a
//! checked value, never a panic, and an accepted deduplication answer describes its documents.
#![no_main]

use corpusbench::engine::link::assemble;
use corpusbench::engine::protocol::{self, Answer};
use corpusbench::model::Doc;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let docs: Vec<Doc> = ["alpha beta", "", "d\u{e9}j\u{e0} vu"]
        .iter()
        .enumerate()
        .map(|(i, t)| Doc { id: format!("d{i}"), text: t.to_string() })
        .collect();
    let mut answers = Vec::new();
    for line in data.split(|b| *b == b'\n') {
        let _ = protocol::ready(line);
        let _ = protocol::page_answer(line, "p");
        if let Ok(a) = Answer::parse(line) {
            answers.push(a);
        }
    }
    answers.truncate(docs.len());
    if answers.len() == docs.len()
        && let Ok(out) = assemble(&docs, answers, Answer { compute_s: Some(0.0), ..Answer::default() })
    {
        assert_eq!(out.output.validate(&docs), Ok(()));
    }
});
