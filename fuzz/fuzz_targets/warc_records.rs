//! WARC records and the HTTP messages inside them: any bytes give records or clear errors,
//! never a panic; every record read lies inside the input, in order.
#![no_main]

use std::path::Path;

use corpusbench::io::warc::{Reader, http_payload};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut last = None;
    for record in Reader::new(Path::new("fuzz.warc"), data).flatten() {
        assert!(record.offset < data.len() as u64 && record.block.len() <= data.len());
        assert!(last.is_none_or(|l| l < record.offset), "records in order");
        last = Some(record.offset);
        let _ = http_payload(&record.block).map(|h| (h.charset().map(str::len), h.is_html()));
    }
});
