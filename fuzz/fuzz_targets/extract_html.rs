//! Page decoding (as a browser would, from raw bytes) followed by every HTML extractor in
//! process: none may panic or overflow its stack on any page.
#![no_main]

use corpusbench::corpus::decode_html;
use corpusbench::model::Page;
use corpusbench::strategy::Registry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let page = Page { id: "fuzz".into(), html: decode_html(data), url: Some("https://example.test/a".into()) };
    let registry = Registry::builtin();
    for spec in ["plain", "readability", "trafilatura", "justext"] {
        let e = registry.extract(spec).expect("built-in extractor");
        let _ = e.extract(&page);
    }
});
