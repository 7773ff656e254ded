//! HTML importer (the file name hint makes markup-like text HTML).
//! Import never panics, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "escape.rs"]
mod escape;

fuzz_target!(|data: &[u8]| {
    escape::import_must_not_panic(data, "report.html");
});
