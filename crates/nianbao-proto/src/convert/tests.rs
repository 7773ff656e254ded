use nianbao_model::interchange;

use super::*;

fn sample() -> Report {
    let text = r#"{"office":{"code":"x-1","name":"某局"},"year":2023,"edition":"2021","published_date":"2024-01-02",
        "sections":{"overview":"总体","problems":"问题","other":"无"},
        "cells":{"s3.granted.natural_person":3,"s2.fees.amount":"24252.311082","s2.regulations.issued":22},
        "cell_notes":{"s2.regulations.issued":"其中修订 16 件"}}"#;
    interchange::from_json(text).expect("sample")
}

#[test]
fn report_round_trip_is_lossless() {
    let r = sample();
    let back = Report::try_from(pb::Report::from(&r)).expect("back");
    assert_eq!(back, r);
    assert!(
        !back.cells.contains_key("s3.granted.total"),
        "absent stays absent"
    );
    assert_eq!(
        interchange::to_value(&back)["cells"]["s2.fees.amount"],
        "24252.311082"
    );
}

#[test]
fn bad_messages_name_the_field() {
    let mut p = pb::Report::from(&sample());
    p.cells.push(pb::Cell {
        key: "s2.regulations.made".into(),
        value: Some(pb::cell::Value::Count(1)),
        note: None,
    });
    let e = Report::try_from(p).expect_err("2019 key in 2021 report");
    assert_eq!(e.field(), "report.cells[s2.regulations.made]");

    let mut p = pb::Report::from(&sample());
    p.edition = 0;
    assert_eq!(
        Report::try_from(p).expect_err("unspecified").field(),
        "report.edition"
    );

    let mut p = pb::Report::from(&sample());
    p.office = None;
    assert_eq!(
        Report::try_from(p).expect_err("no office").field(),
        "report.office"
    );

    let mut p = pb::Report::from(&sample());
    p.cells.push(pb::Cell {
        key: "s3.granted.natural_person".into(),
        value: Some(pb::cell::Value::Count(1)),
        note: None,
    });
    assert_eq!(
        Report::try_from(p).expect_err("dup").field(),
        "report.cells[s3.granted.natural_person]"
    );
}

#[test]
fn finding_round_trip() {
    let r = sample();
    for f in nianbao_model::rules::check_report(&r) {
        let back = Finding::try_from(pb::Finding::from(&f)).expect("finding");
        assert_eq!(back, f);
    }
}
