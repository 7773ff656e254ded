//! Bad interchange JSON is rejected with a message naming the key.

use nianbao_model::Edition;
use nianbao_model::interchange::{from_json, template, to_json};

fn doc(extra_top: &str, cells: &str) -> String {
    format!(
        r#"{{"office":{{"code":"a","name":"某局"}},"year":2023,"edition":"2021"{extra_top},"cells":{{{cells}}}}}"#
    )
}

fn rejected(text: &str) -> nianbao_model::interchange::InterchangeError {
    from_json(text).expect_err("must be rejected")
}

#[test]
fn unknown_top_level_key() {
    let e = rejected(&doc(r#","colour":"red""#, ""));
    assert_eq!(e.path, "colour");
    assert!(e.to_string().contains("unknown key"));
}

#[test]
fn wrong_types_name_the_key() {
    assert_eq!(
        rejected(&doc("", r#""s3.granted.total":"3""#)).path,
        "cells.s3.granted.total"
    );
    assert_eq!(
        rejected(&doc("", r#""s3.granted.total":3.5"#)).path,
        "cells.s3.granted.total"
    );
    assert_eq!(
        rejected(&doc("", r#""s2.fees.amount":1.25"#)).path,
        "cells.s2.fees.amount"
    );
    assert_eq!(
        rejected(&doc("", r#""s2.fees.amount":"1.2.3""#)).path,
        "cells.s2.fees.amount"
    );
    assert_eq!(
        rejected(r#"{"office":{"code":"a","name":"b"},"year":"2023","edition":"2021"}"#).path,
        "year"
    );
    assert_eq!(
        rejected(r#"{"office":{"code":"a","name":"b"},"year":2023,"edition":"2020"}"#).path,
        "edition"
    );
    assert_eq!(
        rejected(r#"{"office":{"code":"a","name":"b","x":1},"year":2023,"edition":"2021"}"#).path,
        "office.x"
    );
    assert_eq!(
        rejected(&doc(r#","published_date":"2024/01/02""#, "")).path,
        "published_date"
    );
}

#[test]
fn key_not_in_edition() {
    let e = rejected(&doc("", r#""s2.regulations.made":1"#));
    assert_eq!(e.path, "cells.s2.regulations.made");
    assert!(e.message_en.contains("2021 edition"), "{e}");
    assert_eq!(
        rejected(&doc("", r#""s3.nonsense.total":1"#)).path,
        "cells.s3.nonsense.total"
    );
}

#[test]
fn duplicate_keys() {
    let e = rejected(&doc("", r#""s3.granted.total":1,"s3.granted.total":1"#));
    assert_eq!(e.path, "cells.s3.granted.total");
    assert!(e.message_en.contains("duplicate"));
    assert_eq!(rejected(&doc(r#","year":2024"#, "")).path, "year");
    for cells in [
        r#""s3.granted.total":null,"s3.granted.total":1"#,
        r#""s3.granted.total":1,"s3.granted.total":null"#,
        r#""s3.granted.total":null,"s3.granted.total":null"#,
    ] {
        assert_eq!(
            rejected(&doc("", cells)).path,
            "cells.s3.granted.total",
            "{cells}"
        );
    }
}

#[test]
fn syntax_errors_give_line_and_column() {
    let e = rejected("{\n\"office\": ");
    assert!(e.message_en.contains("line 2"), "{e}");
}

#[test]
fn round_trip_keeps_absent_and_digits() {
    let text = doc(
        r#","sections":{"overview":"x","extra_section":"y"}"#,
        r#""s2.fees.amount":"96171.60","s3.granted.total":0"#,
    );
    let r = from_json(&text).expect("ok");
    let back = from_json(&to_json(&r)).expect("again");
    assert_eq!(back, r);
    assert_eq!(back.cells.len(), 2);
    assert!(to_json(&back).contains("\"96171.60\""));
}

#[test]
fn template_lists_every_key_as_null() {
    for e in Edition::ALL {
        let t: serde_json::Value = serde_json::from_str(&template(e)).expect("json");
        let cells = t["cells"].as_object().expect("cells");
        assert_eq!(cells.len(), e.schema().cells().len());
        assert!(cells.values().all(|v| v.is_null()));
    }
}
