//! Word (DOCX) importer: the input is kept a ZIP by its magic number.
//! Import never panics, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "escape.rs"]
mod escape;

const MAGIC: &[u8] = b"PK\x03\x04";

fuzz_target!(|data: &[u8]| {
    if data.starts_with(MAGIC) {
        escape::import_must_not_panic(data, "report.docx");
    } else {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(data);
        escape::import_must_not_panic(&bytes, "report.docx");
    }
});
