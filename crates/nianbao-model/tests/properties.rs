//! Property tests: consistent reports pass; any single changed count in tables 三 or 四 is caught.

use nianbao_model::rules::{self, has_errors};
use nianbao_model::schema::{RowRole, TableId, ValueKind};
use nianbao_model::{Edition, Money, Office, Report, Severity, Value};
use proptest::prelude::*;

/// Builds a consistent report from a stream of small random numbers.
fn consistent(edition: Edition, seed: &[u32], subtotal: bool) -> Report {
    let mut r = Report::new(
        Office {
            code: "p-1".into(),
            name: "测试局".into(),
        },
        2023,
        edition,
    );
    let schema = edition.schema();
    let mut next = {
        let mut i = 0;
        move || {
            i += 1;
            i64::from(seed[i % seed.len()] % 50)
        }
    };
    for def in schema.cells().iter().filter(|c| c.table == TableId::S2) {
        let v = match def.kind {
            ValueKind::Money(unit) => Value::Money(Money {
                amount: rust_decimal::Decimal::new(next() * 1000 + 7, 3),
                unit,
            }),
            ValueKind::SignedCount => Value::Count(next() - 25),
            ValueKind::Count => Value::Count(next()),
        };
        r.cells.insert(def.key, v);
    }
    let cols: Vec<_> = schema
        .s3_cols()
        .iter()
        .filter(|c| !c.is_total)
        .map(|c| c.key)
        .collect();
    let rows = &schema.table(TableId::S3).blocks[0].rows;
    let key = |row: &str, col: &str| schema.key(TableId::S3, row, col).expect("key");
    for col in &cols {
        let mut results = 0;
        for row in rows.iter().filter(|r| r.role == RowRole::Result) {
            let v = next();
            results += v;
            r.cells.insert(key(row.key, col), Value::Count(v));
        }
        for row in rows
            .iter()
            .filter(|r| matches!(r.role, RowRole::Subtotal(_)))
        {
            if subtotal {
                let group = row.group.or(match row.role {
                    RowRole::Subtotal(g) => Some(g),
                    _ => None,
                });
                let sum: i64 = rows
                    .iter()
                    .filter(|s| s.role == RowRole::Result && s.group == group)
                    .map(|s| r.count(key(s.key, col)).unwrap_or(0))
                    .sum();
                r.cells.insert(key(row.key, col), Value::Count(sum));
            }
        }
        let carried_out = next();
        let carried_in = next().min(results + carried_out);
        r.cells
            .insert(key("total_processed", col), Value::Count(results));
        r.cells
            .insert(key("carried_out", col), Value::Count(carried_out));
        r.cells
            .insert(key("carried_in", col), Value::Count(carried_in));
        r.cells.insert(
            key("new_received", col),
            Value::Count(results + carried_out - carried_in),
        );
    }
    for row in rows {
        let Some(first) = schema.key(TableId::S3, row.key, cols[0]) else {
            continue;
        };
        if !r.cells.contains_key(first) {
            continue;
        }
        let sum: i64 = cols
            .iter()
            .map(|c| r.count(key(row.key, c)).unwrap_or(0))
            .sum();
        r.cells.insert(key(row.key, "total"), Value::Count(sum));
    }
    for row in &schema.table(TableId::S4).blocks[0].rows {
        let mut sum = 0;
        for col in ["upheld", "corrected", "other", "pending"] {
            let v = next();
            sum += v;
            r.cells.insert(
                schema.key(TableId::S4, row.key, col).expect("s4"),
                Value::Count(v),
            );
        }
        r.cells.insert(
            schema.key(TableId::S4, row.key, "total").expect("s4"),
            Value::Count(sum),
        );
    }
    r
}

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
