//! Property tests: consistent reports pass; any single changed count in tables 三 or 四 is caught.

use nianbao_model::rules::{self, has_errors};
use nianbao_model::value::MoneyUnit;
use nianbao_model::{Edition, Severity, Value};
use nianbao_testkit::consistent;
use proptest::prelude::*;

fn edition() -> impl Strategy<Value = Edition> {
    prop_oneof![Just(Edition::E2019), Just(Edition::E2021)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn consistent_reports_pass(e in edition(), seed in prop::collection::vec(0u32..1000, 1..64), subtotal in any::<bool>()) {
        let r = consistent(e, &seed, subtotal);
        let findings = rules::check_report(&r);
        let errors: Vec<_> = findings.iter().filter(|f| f.severity == Severity::Error).collect();
        prop_assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn any_changed_count_is_caught(e in edition(), seed in prop::collection::vec(0u32..1000, 1..64),
                                   subtotal in any::<bool>(), pick in any::<prop::sample::Index>(), delta in 1i64..20) {
        let mut r = consistent(e, &seed, subtotal);
        let keys: Vec<&'static str> = r.cells.keys().copied().filter(|k| k.starts_with("s3.") || k.starts_with("s4.")).collect();
        let key = keys[pick.index(keys.len())];
        let old = r.count(key).expect("count");
        r.cells.insert(key, Value::Count(old + delta));
        prop_assert!(has_errors(&rules::check_report(&r)), "changing {key} by {delta} went unnoticed");
    }
}

#[test]
fn negative_count_is_r8_and_negative_change_is_fine() {
    let mut r = consistent(Edition::E2019, &[3, 9, 27], false);
    r.cells.insert("s2.penalty.change", Value::Count(-18));
    assert!(!has_errors(&rules::check_report(&r)));
    r.set("s2.penalty.decisions", Value::Count(-1));
    let f = rules::check_report(&r);
    let r8: Vec<_> = f.iter().filter(|f| f.rule == "R8").collect();
    assert_eq!(r8.len(), 1);
    assert_eq!(r8[0].cells, vec!["s2.penalty.decisions".to_string()]);
    assert!(
        r8[0].message_zh.contains("表二行政处罚/处理决定数量"),
        "{}",
        r8[0].message_zh
    );
}

#[test]
fn r3_message_reads_as_printed() {
    let mut r = consistent(Edition::E2021, &[1, 2, 3, 4, 5], false);
    let total = r.count("s3.total_processed.natural_person").expect("total");
    r.cells
        .insert("s3.total_processed.natural_person", Value::Count(total - 7));
    let f = rules::check_report(&r);
    let r3 = f.iter().find(|f| f.rule == "R3").expect("R3");
    assert_eq!(
        r3.message_zh,
        format!(
            "R3 表三（七）总计/自然人：各办理结果之和为 {total}，填报为 {}",
            total - 7
        )
    );
    assert_eq!(r3.cells[0], "s3.total_processed.natural_person");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// The interchange text is written without building a JSON value first; it must be byte for
    /// byte the value pretty-printed (stored checksums are of these bytes).
    #[test]
    fn interchange_text_is_the_value_pretty_printed(
        e in edition(), seed in prop::collection::vec(0u32..1000, 1..64), subtotal in any::<bool>(),
        signature in prop::option::of("[a-z签名]{0,8}"), note in prop::option::of("[其中 0-9]{1,12}"),
        dated in any::<bool>(), money in prop::option::of("[0-9]{1,6}(\\.[0-9]{1,3})?"),
        foreign_unit in any::<bool>(), quote in "[\"\\\\\n 说明]{0,6}",
    ) {
        let mut r = consistent(e, &seed, subtotal);
        r.signature = signature;
        if let Some(n) = note {
            r.cell_notes.insert("s2.regulations.repealed", n);
        }
        if dated {
            r.published_date = chrono::NaiveDate::from_ymd_opt(2024, 1, 2);
        }
        r.sections.insert("other".into(), format!("其他{quote}"));
        if let Some(text) = money {
            let (key, unit) = e.schema().cells().iter().find_map(|d| match d.kind {
                nianbao_model::ValueKind::Money(u) => Some((d.key, u)),
                _ => None,
            }).expect("every edition has a money cell");
            let unit = match (foreign_unit, unit) {
                (false, u) => u,
                (true, MoneyUnit::Yuan) => MoneyUnit::WanYuan,
                (true, MoneyUnit::WanYuan) => MoneyUnit::Yuan,
            };
            r.cells.insert(key, Value::Money(nianbao_model::Money::parse(&text, unit).expect("money")));
        }
        let direct = nianbao_model::interchange::to_json(&r);
        let via_value = serde_json::to_string_pretty(&nianbao_model::interchange::to_value(&r)).expect("json");
        prop_assert_eq!(direct, via_value);
    }
}
