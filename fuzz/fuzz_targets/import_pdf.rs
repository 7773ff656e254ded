//! PDF importer: the input is kept a PDF by its header.
//! Import never panics, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "escape.rs"]
mod escape;

const MAGIC: &[u8] = b"%PDF-";

fuzz_target!(|data: &[u8]| {
    if data.starts_with(MAGIC) {
        escape::import_must_not_panic(data, "report.pdf");
    } else {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(data);
        escape::import_must_not_panic(&bytes, "report.pdf");
    }
});
