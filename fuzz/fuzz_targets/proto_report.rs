//! Protobuf → model conversion: decoding arbitrary bytes as `nianbao.report.v1.Report` and
//! converting never panics, and an accepted report survives model → protobuf → model.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nianbao_model::Report;
use nianbao_proto::report::v1 as pb;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = pb::Report::decode(data) else {
        return;
    };
    let Ok(report) = Report::try_from(msg) else {
        return;
    };
    let wire = pb::Report::from(&report);
    match Report::try_from(wire) {
        Ok(again) => assert_eq!(again, report, "protobuf round trip changed the report"),
        Err(e) => panic!("the conversion refuses its own output: {e}"),
    }
});
