//! Quality (cross-year findings, outliers, review marks), indicators and comparisons.

mod common;

use common::report_of;
use nianbao_aggregate::compare::compare;
use nianbao_aggregate::indicators::{MIN_DENOMINATOR, indicators};
use nianbao_aggregate::quality::{Mark, office_quality, outliers};
use nianbao_model::rules::{Finding, Severity};
use nianbao_model::{Edition, Report, Value};
use rust_decimal::Decimal;

fn pair() -> (Report, Report) {
    let prev = report_of("a", 2022, Edition::E2021, &[4, 7, 9, 12], false);
    let mut now = report_of("a", 2023, Edition::E2021, &[4, 7, 9, 12], false);
    now.sections.insert("overview".into(), "新的一年".into());
    (now, prev)
}

#[test]
fn outliers_flag_big_jumps_with_both_numbers() {
    let (mut now, prev) = pair();
    let p = prev.count("s2.penalty.decisions").unwrap_or(0);
    assert!(p > 0);
    now.set("s2.penalty.decisions", Value::Count(p * 10));
    now.set(
        "s2.coercion.decisions",
        Value::Count(prev.count("s2.coercion.decisions").unwrap_or(0) + 1),
    );
    now.set("s2.licensing.decisions", Value::Count(0));
    let mut prev = prev;
    prev.set("s2.licensing.decisions", Value::Count(0));
    prev.set("s2.regulations.issued", Value::Count(0));
    now.set("s2.regulations.issued", Value::Count(50));
    prev.set("s2.normative_docs.issued", Value::Count(0));
    now.set("s2.normative_docs.issued", Value::Count(49));
    let f = outliers(&now, &prev);
    let keys: Vec<&str> = f.iter().map(|f| f.cells[0].as_str()).collect();
    assert!(keys.contains(&"s2.penalty.decisions"), "{keys:?}");
    assert!(keys.contains(&"s2.regulations.issued"));
    assert!(!keys.contains(&"s2.coercion.decisions"));
    assert!(!keys.contains(&"s2.normative_docs.issued"));
    assert!(!keys.contains(&"s2.licensing.decisions"));
    let jump = f
        .iter()
        .find(|f| f.cells[0] == "s2.penalty.decisions")
        .expect("jump");
    assert_eq!(jump.expected.as_deref(), Some(p.to_string().as_str()));
    assert_eq!(jump.actual.as_deref(), Some((p * 10).to_string().as_str()));
    assert!(jump.message_zh.contains("2022") && jump.message_zh.contains("2023"));
}

#[test]
fn r5_and_w5_across_years() {
    let (mut now, prev) = pair();
    let carried = prev.count("s3.carried_out.natural_person").unwrap_or(0);
    now.set("s3.carried_in.natural_person", Value::Count(carried + 3));
    let q = office_quality(&now, Vec::new(), Some(&prev), &[]);
    assert!(
        q.iter()
            .any(|r| r.finding.rule == "R5" && r.explained.is_none())
    );
    // Identical to last year: W5.
    let mut copy = prev.clone();
    copy.year = 2023;
    let q = office_quality(&copy, Vec::new(), Some(&prev), &[]);
    assert!(q.iter().any(|r| r.finding.rule == "W5"), "{q:?}");
}

fn warning(cells: &[&str]) -> Finding {
    Finding {
        rule: "W6".into(),
        severity: Severity::Warning,
        cells: cells.iter().map(|c| c.to_string()).collect(),
        expected: None,
        actual: None,
        message_zh: "W6".into(),
        message_en: "W6".into(),
    }
}

#[test]
fn a_mark_explains_a_warning_until_its_cells_change_and_never_an_error() {
    let (now, _) = pair();
    let w = warning(&["s2.fees.amount", "s2.penalty.decisions"]);
    let mut e = w.clone();
    e.rule = "R1".into();
    e.severity = Severity::Error;
    let mark = |f: &Finding, r: &Report| Mark {
        fingerprint: f.fingerprint(),
        cells_digest: r.cells_digest(&f.cells),
        reason: "已核实".into(),
    };
    let marks = vec![mark(&w, &now), mark(&e, &now)];
    let q = office_quality(&now, vec![w.clone(), e.clone()], None, &marks);
    assert_eq!(q[0].explained.as_deref(), Some("已核实"));
    assert_eq!(q[1].explained, None, "an error cannot be dismissed");
    let mut changed = now.clone();
    let n = changed.count("s2.penalty.decisions").unwrap_or(0);
    changed.set("s2.penalty.decisions", Value::Count(n + 1));
    let q = office_quality(&changed, vec![w], None, &marks);
    assert_eq!(q[0].explained, None, "the mark lapses when a cell changes");
    // An absent cell is part of the digest too.
    assert_ne!(
        now.cells_digest(&["s2.fees.amount"]),
        now.cells_digest(&["s2.fees.amount", "s3.nothing.total"])
    );
}

/// A mark made before the digest's version 2 holds the former digest (`key=Count(n);` for each
/// cell): it still explains the warning while the cells are unchanged, and lapses after.
#[test]
fn a_mark_with_the_former_digest_still_explains_until_its_cells_change() {
    use sha2::{Digest, Sha256};
    let (now, _) = pair();
    let cells = ["s2.penalty.decisions", "s3.nothing.total"];
    let w = warning(&cells);
    let mut former = Sha256::new();
    for key in cells {
        let value = now
            .count(key)
            .map(|n| format!("Count({n})"))
            .unwrap_or_default();
        former.update(format!("{key}={value};").as_bytes());
    }
    let mark = Mark {
        fingerprint: w.fingerprint(),
        cells_digest: hex::encode(former.finalize()),
        reason: "已核实".into(),
    };
    assert_ne!(mark.cells_digest, now.cells_digest(&cells));
    let q = office_quality(&now, vec![w.clone()], None, std::slice::from_ref(&mark));
    assert_eq!(q[0].explained.as_deref(), Some("已核实"));
    let mut changed = now.clone();
    let n = changed.count("s2.penalty.decisions").unwrap_or(0);
    changed.set("s2.penalty.decisions", Value::Count(n + 1));
    let q = office_quality(&changed, vec![w], None, &[mark]);
    assert_eq!(q[0].explained, None);
}

#[test]
fn indicators_follow_their_formulas_and_need_a_denominator_of_ten() {
    let mut r = report_of("a", 2023, Edition::E2021, &[1], false);
    for (k, v) in [
        ("s3.granted.total", 6),
        ("s3.partial.total", 2),
        ("s3.total_processed.total", 11),
        ("s3.new_received.total", 25),
        ("s4.review.corrected", 3),
        ("s4.review.total", 12),
        ("s4.review.pending", 2),
        ("s4.litigation_direct.corrected", 1),
        ("s4.litigation_direct.total", 4),
        ("s4.litigation_direct.pending", 0),
        ("s4.litigation_after_review.corrected", 0),
        ("s4.litigation_after_review.total", 5),
        ("s4.litigation_after_review.pending", 1),
    ] {
        r.set(k, Value::Count(v));
    }
    let ind = indicators(&r, 4);
    let get = |k: &str| ind.iter().find(|i| i.key == k).expect(k).clone();
    let g = get("granted_rate");
    assert_eq!((g.numerator, g.denominator), (8, 11));
    assert_eq!(g.value, Some(Decimal::new(7273, 4)));
    let rv = get("review_correction_rate");
    assert_eq!((rv.numerator, rv.denominator), (3, 10));
    assert_eq!(rv.value, Some(Decimal::new(3, 1)));
    let lit = get("litigation_correction_rate");
    assert_eq!((lit.numerator, lit.denominator), (1, 8));
    assert!(lit.denominator < MIN_DENOMINATOR);
    assert_eq!(lit.value, None, "not computed below 10");
    let rpo = get("requests_per_office");
    assert_eq!(rpo.value, Some(Decimal::new(625, 2)));
}

#[test]
fn comparisons_rank_with_ties() {
    let mut a = report_of("a", 2023, Edition::E2021, &[1], false);
    let mut b = a.clone();
    let mut c = a.clone();
    a.set("s3.new_received.total", Value::Count(5));
    b.set("s3.new_received.total", Value::Count(9));
    c.set("s3.new_received.total", Value::Count(5));
    c.cells.remove("s4.review.total");
    let rows = vec![
        ("a".to_string(), &a),
        ("b".to_string(), &b),
        ("c".to_string(), &c),
    ];
    let cmp = compare(
        &rows,
        &["s3.new_received.total".into(), "s4.review.total".into()],
    );
    let ranks: Vec<Option<u32>> = cmp.rows.iter().map(|r| r.ranks[0]).collect();
    assert_eq!(ranks, vec![Some(2), Some(1), Some(2)]);
    assert_eq!(cmp.rows[2].values[1], None);
    assert_eq!(cmp.rows[2].ranks[1], None);
    let default = compare(&rows, &[]);
    assert!(
        default
            .cells
            .contains(&"s3.total_processed.total".to_string())
    );
}
