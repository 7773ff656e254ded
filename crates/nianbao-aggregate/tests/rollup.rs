//! The roll-up: sums checked against an independent computation over random hierarchies and
//! random consistent reports; mixed editions, absent cells, subtotals, money units.

mod common;

use std::collections::BTreeMap;

use common::{node, report_of};
use nianbao_aggregate::filing::{OfficeNode, subtree};
use nianbao_aggregate::rollup::{Input, edition_of_year, rollup};
use nianbao_model::rules::{self, Severity};
use nianbao_model::value::MoneyUnit;
use nianbao_model::{Edition, Money, Office, Report, Value};
use proptest::prelude::*;
use rust_decimal::Decimal;

const OTHER_SUBS: [&str; 3] = ["other_no_correction", "other_no_fee", "other_other"];

/// The value an input gives to `key` of the aggregate, computed without the crate's mapping code.
fn contribution(r: &Report, key: &str) -> Option<Decimal> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts[0] == "s3" && parts[1] == "other" && r.edition == Edition::E2021 {
        let subs: Vec<i64> = OTHER_SUBS
            .iter()
            .filter_map(|s| r.count(&format!("s3.{s}.{}", parts[2])))
            .collect();
        if !subs.is_empty() {
            return Some(Decimal::from(subs.iter().sum::<i64>()));
        }
    }
    match r.cells.get(key)? {
        Value::Count(n) => Some(Decimal::from(*n)),
        Value::Money(m) => Some(m.in_unit(MoneyUnit::WanYuan).amount),
    }
}

fn as_decimal(v: &Value) -> Decimal {
    match v {
        Value::Count(n) => Decimal::from(*n),
        Value::Money(m) => m.in_unit(MoneyUnit::WanYuan).amount,
    }
}

fn office(code: &str) -> Office {
    Office {
        code: code.into(),
        name: format!("{code}汇总"),
    }
}

/// Random hierarchy: office i's parent is one of the offices before it.
fn hierarchy(parents: &[usize]) -> Vec<OfficeNode> {
    let mut out = vec![node("o0", None, "city")];
    for (i, p) in parents.iter().enumerate() {
        let parent = format!("o{}", p % (i + 1));
        out.push(node(&format!("o{}", i + 1), Some(&parent), "department"));
    }
    out
}

fn in_subtree(offices: &[OfficeNode], code: &str, org: &str) -> bool {
    let mut cur = code.to_string();
    for _ in 0..=offices.len() {
        if cur == org {
            return true;
        }
        match offices
            .iter()
            .find(|o| o.code == cur)
            .and_then(|o| o.parent_code.clone())
        {
            Some(p) => cur = p,
            None => return false,
        }
    }
    false
}

fn edition() -> impl Strategy<Value = Edition> {
    prop_oneof![Just(Edition::E2019), Just(Edition::E2021)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_cell_is_the_sum_of_its_parts(
        parents in prop::collection::vec(0usize..100, 0..10),
        org_pick in any::<prop::sample::Index>(),
        target in edition(),
        specs in prop::collection::vec((edition(), prop::collection::vec(0u32..1000, 1..40), any::<bool>()), 11),
    ) {
        let offices = hierarchy(&parents);
        let org = offices[org_pick.index(offices.len())].code.clone();
        let members = subtree(&offices, &org);
        let inputs: Vec<Input> = members
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let (e, seed, sub) = &specs[i];
                Input { report: report_of(&o.code, 2023, *e, seed, *sub), revision: 1 }
            })
            .collect();
        // The subtree is exactly the offices whose parent chain reaches the org.
        let expected_members: Vec<&str> = offices.iter().filter(|o| in_subtree(&offices, &o.code, &org)).map(|o| o.code.as_str()).collect();
        prop_assert_eq!(members.len(), expected_members.len());

        let agg = rollup(target, 2023, &office(&org), &inputs);
        prop_assert_eq!(agg.included.len(), inputs.len());
        let mixed_or_2019 = target == Edition::E2019 || inputs.iter().any(|i| i.report.edition == Edition::E2019);
        for def in target.schema().cells() {
            let got = agg.report.cells.get(def.key);
            let row = def.row_key;
            if def.table == nianbao_model::TableId::S3 && OTHER_SUBS.contains(&row) && mixed_or_2019 {
                prop_assert!(got.is_none(), "{} must be folded into s3.other", def.key);
                continue;
            }
            if def.table == nianbao_model::TableId::S3 && row == "other" && !mixed_or_2019 {
                prop_assert!(got.is_none(), "a printed subtotal must not be summed: {}", def.key);
                continue;
            }
            let parts: Vec<Decimal> = inputs.iter().filter_map(|i| contribution(&i.report, def.key)).collect();
            if parts.is_empty() {
                prop_assert!(got.is_none(), "{} absent everywhere but summed", def.key);
            } else {
                let sum: Decimal = parts.iter().copied().sum();
                let got = got.map(as_decimal);
                prop_assert_eq!(got, Some(sum), "{}", def.key);
            }
        }
        let errors: Vec<_> = rules::check_report(&agg.report).into_iter().filter(|f| f.severity == Severity::Error).collect();
        prop_assert!(errors.is_empty(), "{errors:?}");
    }
}

#[test]
fn the_edition_of_a_year() {
    assert_eq!(edition_of_year(2019), Edition::E2019);
    assert_eq!(edition_of_year(2020), Edition::E2019);
    assert_eq!(edition_of_year(2021), Edition::E2021);
}

#[test]
fn printed_subtotal_is_not_double_counted() {
    let a = report_of("a", 2023, Edition::E2021, &[5, 8, 13], true);
    let b = report_of("b", 2023, Edition::E2021, &[2, 9, 4], false);
    assert!(a.cells.contains_key("s3.other.natural_person"));
    let agg = rollup(
        Edition::E2021,
        2023,
        &office("city"),
        &[
            Input {
                report: a.clone(),
                revision: 1,
            },
            Input {
                report: b.clone(),
                revision: 1,
            },
        ],
    );
    let total = |r: &Report| r.count("s3.total_processed.total").unwrap_or(-1);
    assert_eq!(total(&agg.report), total(&a) + total(&b));
    assert!(!agg.report.cells.contains_key("s3.other.total"));
    assert!(agg.notes.iter().any(|n| n.contains('a')), "{:?}", agg.notes);
    assert!(!rules::has_errors(&rules::check_report(&agg.report)));
}

#[test]
fn a_single_other_row_in_a_2021_report_folds_the_group() {
    let a = report_of("a", 2023, Edition::E2021, &[5, 8, 13], false);
    let mut b = report_of("b", 2023, Edition::E2021, &[2, 9, 4], false);
    // b prints （六） as one row, as some real 2021 reports do.
    for col in [
        "natural_person",
        "commercial",
        "research",
        "public_interest",
        "legal_service",
        "other_org",
        "total",
    ] {
        let sum: i64 = OTHER_SUBS
            .iter()
            .map(|s| b.count(&format!("s3.{s}.{col}")).unwrap_or(0))
            .sum();
        for s in OTHER_SUBS {
            b.cells.retain(|k, _| *k != format!("s3.{s}.{col}"));
        }
        b.set(&format!("s3.other.{col}"), Value::Count(sum));
    }
    assert!(!rules::has_errors(&rules::check_report(&b)));
    let agg = rollup(
        Edition::E2021,
        2023,
        &office("city"),
        &[
            Input {
                report: a.clone(),
                revision: 1,
            },
            Input {
                report: b.clone(),
                revision: 2,
            },
        ],
    );
    let a_other: i64 = OTHER_SUBS
        .iter()
        .map(|s| a.count(&format!("s3.{s}.total")).unwrap_or(0))
        .sum();
    assert_eq!(
        agg.report.count("s3.other.total"),
        Some(a_other + b.count("s3.other.total").unwrap_or(0))
    );
    assert!(!agg.report.cells.contains_key("s3.other_no_fee.total"));
    // a's sub-rows are reported as folded, not silently dropped.
    assert!(
        agg.not_summed
            .iter()
            .any(|n| n.key == "s3.other_no_fee.total" && n.offices == vec!["a".to_string()])
    );
    assert!(!rules::has_errors(&rules::check_report(&agg.report)));
}

#[test]
fn mixed_editions_report_what_was_not_summed() {
    let a = report_of("a", 2021, Edition::E2021, &[5, 8, 13], false);
    let b = report_of("b", 2021, Edition::E2019, &[2, 9, 4], false);
    let agg = rollup(
        Edition::E2021,
        2021,
        &office("city"),
        &[
            Input {
                report: a.clone(),
                revision: 1,
            },
            Input {
                report: b.clone(),
                revision: 1,
            },
        ],
    );
    // Table 二: only coinciding keys are summed.
    assert_eq!(
        agg.report.count("s2.penalty.decisions"),
        Some(
            a.count("s2.penalty.decisions").unwrap_or(0)
                + b.count("s2.penalty.decisions").unwrap_or(0)
        )
    );
    assert_eq!(
        agg.report.count("s2.regulations.issued"),
        a.count("s2.regulations.issued")
    );
    assert!(
        agg.partial
            .iter()
            .any(|p| p.key == "s2.regulations.issued" && p.absent_in == vec!["b".to_string()])
    );
    for key in [
        "s2.regulations.made",
        "s2.procurement.amount",
        "s2.fees.change",
    ] {
        assert!(
            agg.not_summed
                .iter()
                .any(|n| n.key == key && n.offices == vec!["b".to_string()]),
            "{key}"
        );
    }
    let findings = agg.findings();
    assert!(findings.iter().any(|f| f.rule == "A1"));
    assert!(findings.iter().any(|f| f.rule == "A2"));
}

#[test]
fn money_is_summed_exactly_in_the_cells_unit() {
    let mut a = report_of("a", 2023, Edition::E2021, &[1], false);
    let mut b = report_of("b", 2023, Edition::E2021, &[1], false);
    a.set(
        "s2.fees.amount",
        Value::Money(Money::parse("24252.311082", MoneyUnit::WanYuan).expect("m")),
    );
    b.set(
        "s2.fees.amount",
        Value::Money(Money::parse("251000元", MoneyUnit::WanYuan).expect("m")),
    );
    let agg = rollup(
        Edition::E2021,
        2023,
        &office("c"),
        &[
            Input {
                report: a,
                revision: 1,
            },
            Input {
                report: b,
                revision: 1,
            },
        ],
    );
    match agg.report.cells.get("s2.fees.amount") {
        Some(Value::Money(m)) => {
            assert_eq!(m.unit, MoneyUnit::WanYuan);
            assert_eq!(m.amount.normalize().to_string(), "24277.411082");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn absent_cells_stay_absent_and_partial_cells_say_so() {
    let mut a = report_of("a", 2023, Edition::E2021, &[3, 4], false);
    let mut b = report_of("b", 2023, Edition::E2021, &[6, 1], false);
    a.cells.remove("s2.coercion.decisions");
    b.cells.remove("s2.coercion.decisions");
    b.cells.remove("s2.penalty.decisions");
    let agg = rollup(
        Edition::E2021,
        2023,
        &office("c"),
        &[
            Input {
                report: a.clone(),
                revision: 1,
            },
            Input {
                report: b,
                revision: 1,
            },
        ],
    );
    assert!(!agg.report.cells.contains_key("s2.coercion.decisions"));
    assert_eq!(
        agg.report.count("s2.penalty.decisions"),
        a.count("s2.penalty.decisions")
    );
    let p: BTreeMap<_, _> = agg
        .partial
        .iter()
        .map(|p| (p.key, p.absent_in.clone()))
        .collect();
    assert_eq!(p.get("s2.penalty.decisions"), Some(&vec!["b".to_string()]));
    assert!(!p.contains_key("s2.coercion.decisions"));
}

#[test]
fn a_parent_that_reports_counts_once_and_duplicates_keep_the_latest_revision() {
    // The district office files its own report and has a child; both count once.
    let parent = report_of("d", 2023, Edition::E2021, &[7, 3], false);
    let child = report_of("d-1", 2023, Edition::E2021, &[2, 5], false);
    let child_v2 = report_of("d-1", 2023, Edition::E2021, &[9, 9, 1], false);
    let agg = rollup(
        Edition::E2021,
        2023,
        &office("d"),
        &[
            Input {
                report: parent.clone(),
                revision: 1,
            },
            Input {
                report: child_v2.clone(),
                revision: 2,
            },
            Input {
                report: child,
                revision: 1,
            },
        ],
    );
    let k = "s3.new_received.total";
    assert_eq!(
        agg.report.count(k),
        Some(parent.count(k).unwrap_or(0) + child_v2.count(k).unwrap_or(0))
    );
    let revs: Vec<(String, i64)> = agg
        .included
        .iter()
        .map(|i| (i.office_code.clone(), i.revision))
        .collect();
    assert_eq!(revs, vec![("d".to_string(), 1), ("d-1".to_string(), 2)]);
    assert_eq!(agg.report.office.code, "d");
}

#[test]
fn reports_on_another_year_are_left_out() {
    let a = report_of("a", 2023, Edition::E2021, &[7, 3], false);
    let b = report_of("b", 2022, Edition::E2021, &[2, 5], false);
    let agg = rollup(
        Edition::E2021,
        2023,
        &office("c"),
        &[
            Input {
                report: a.clone(),
                revision: 1,
            },
            Input {
                report: b,
                revision: 1,
            },
        ],
    );
    assert_eq!(agg.included.len(), 1);
    assert_eq!(
        agg.report.count("s3.new_received.total"),
        a.count("s3.new_received.total")
    );
    assert!(agg.notes.iter().any(|n| n.contains("2022")));
}
