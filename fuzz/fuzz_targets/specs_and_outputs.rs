//! Strategy spec strings and files of saved outputs: any input is a clear error or a value,
//! never a panic.
#![no_main]

use std::path::Path;

use corpusbench::strategy::Registry;
use corpusbench::strategy::extract::outputs::Outputs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(spec) = std::str::from_utf8(data) {
        // Building may allocate what the spec asks for; bounds are checked before that.
        let _ = Registry::builtin().params(spec);
        let _ = corpusbench::strategy::spec::parse(spec);
    }
    let _ = Outputs::parse(Path::new("fuzz.json"), data);
});
