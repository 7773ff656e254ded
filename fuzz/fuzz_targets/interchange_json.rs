//! Interchange JSON loader: never panics, and whatever it accepts survives a round trip
//! (`from_json(to_json(r)) == r`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nianbao_model::interchange;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(report) = interchange::from_json(text) else {
        return;
    };
    let written = interchange::to_json(&report);
    match interchange::from_json(&written) {
        Ok(again) => assert_eq!(again, report, "round trip changed the report"),
        Err(e) => panic!("to_json wrote JSON that from_json refuses: {e}\n{written}"),
    }
});
