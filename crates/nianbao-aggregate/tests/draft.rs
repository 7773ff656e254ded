//! The drafted prose of the city report: every number is the roll-up's, R9 passes on it, it
//! follows a changed cell, and it reads as the golden file (`tests/golden/city-draft-2023.txt`,
//! reviewed once; `NIANBAO_UPDATE_GOLDEN=1` rewrites it).

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset};
use common::{node, report_of};
use nianbao_aggregate::draft::{PLACEHOLDER, draft};
use nianbao_aggregate::filing::{Completeness, ReportStatus, Summary, completeness};
use nianbao_aggregate::rollup::{Input, rollup};
use nianbao_model::Deadlines;
use nianbao_model::rules::check_report;
use nianbao_model::schema::{RowRole, TableId};
use nianbao_model::{Edition, Office, Report, SectionKey, Value};

fn summary(code: &str, first: Option<&str>) -> Summary {
    Summary {
        office_code: code.into(),
        status: if first.is_some() {
            ReportStatus::Accepted
        } else {
            ReportStatus::Draft
        },
        first_submitted_at: first
            .map(|s| DateTime::<FixedOffset>::parse_from_rfc3339(s).expect("time")),
        published_date: None,
        errors: 0,
        warnings: 0,
    }
}

fn city() -> Office {
    Office {
        code: "city".into(),
        name: "示例市人民政府".into(),
    }
}

/// The roll-up of three offices in `year` (seeds shifted by `shift`), and the filing states.
fn rolled(year: i32, shift: u32) -> (Report, Completeness) {
    let codes = ["d1", "d1-a", "d2"];
    let inputs: Vec<Input> = codes
        .iter()
        .enumerate()
        .map(|(i, code)| Input {
            report: report_of(
                code,
                year,
                Edition::E2021,
                &[7 + shift + i as u32, 13, 29 + shift, 3 + i as u32, 41, 17],
                i == 1,
            ),
            revision: 1,
        })
        .collect();
    let agg = rollup(Edition::E2021, year, &city(), &inputs);
    let offices = vec![
        node("city", None, "city"),
        node("d1", Some("city"), "district"),
        node("d1-a", Some("d1"), "department"),
        node("d2", Some("city"), "district"),
        node("d2-b", Some("d2"), "department"),
    ];
    let summaries = vec![
        summary("d1", Some("2024-01-20T10:00:00+08:00")),
        summary("d1-a", Some("2024-02-03T10:00:00+08:00")),
        summary("d2", Some("2024-01-05T10:00:00+08:00")),
        summary("d2-b", None),
    ];
    let c = completeness("city", year, &offices, &summaries, &Deadlines::default());
    (agg.report, c)
}

/// Every number written in the text (digit runs, with a decimal part).
fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() || (c == '.' && !cur.is_empty()) {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur).trim_end_matches('.').to_string());
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn s3(r: &Report, row: &str) -> i64 {
    r.count(r.schema().key(TableId::S3, row, "total").expect("row"))
        .expect("printed")
}

fn group(r: &Report, prefix: &str) -> i64 {
    r.schema()
        .s3_rows(|x| *x == RowRole::Result)
        .filter(|x| x.key.starts_with(prefix))
        .map(|x| s3(r, x.key))
        .sum()
}

#[test]
fn every_number_of_the_draft_is_the_rollups() {
    let (this, filed) = rolled(2023, 0);
    let (last, _) = rolled(2022, 5);
    let d = draft(&this, Some(&last), &filed);
    // What the roll-up and the filing states hold, and the sums and changes the draft may state.
    let mut allowed: BTreeSet<String> = BTreeSet::new();
    for v in this.cells.values() {
        allowed.insert(v.to_string());
    }
    let (now, before) = (s3(&this, "new_received"), s3(&last, "new_received"));
    let diff = (now - before).abs();
    allowed.extend([
        before.to_string(),
        diff.to_string(),
        (s3(&this, "granted") + s3(&this, "partial")).to_string(),
        group(&this, "deny_").to_string(),
        group(&this, "unable_").to_string(),
        group(&this, "reject_").to_string(),
    ]);
    if before != 0 {
        let pct = rust_decimal::Decimal::from(diff * 100) / rust_decimal::Decimal::from(before);
        allowed.insert(
            pct.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                .to_string(),
        );
    }
    let lit = |col: &str| {
        ["litigation_direct", "litigation_after_review"]
            .iter()
            .map(|g| {
                this.count(this.schema().key(TableId::S4, g, col).expect("key"))
                    .expect("printed")
            })
            .sum::<i64>()
    };
    allowed.insert(lit("total").to_string());
    // Filing: 4 offices required (the city writes this report), 2 on time, 1 late by 3 days, 1 missing;
    // the dates: 2023, 2024 (deadline 2024-01-31), 1, 31, and the year of 五, 2024.
    for n in ["4", "3", "2", "1", "2023", "2024", "31"] {
        allowed.insert(n.into());
    }
    for text in [&d.overview, &d.other, &d.problems] {
        for n in numbers(text) {
            assert!(allowed.contains(&n), "{n} is not from the roll-up:\n{text}");
        }
    }
    // The headline numbers are there.
    assert!(
        d.overview.contains(&format!("新收政府信息公开申请{now}件")),
        "{}",
        d.overview
    );
    assert!(d.overview.contains(&format!("上年为{before}件")));
    let fee = this.cells.get("s2.fees.amount").expect("fees");
    assert!(matches!(fee, Value::Money(_)));
    assert!(d.overview.contains(&fee.to_string()));
    assert!(d.other.contains("d1-a局（逾期3天）"), "{}", d.other);
    assert!(d.other.contains("d2-b局"));
    assert!(d.problems.starts_with(PLACEHOLDER) && d.problems.contains("2024年"));
    // R9 reads the draft's counts and finds them equal to the tables; W3 (length) holds too.
    let mut report = this.clone();
    d.apply(&mut report);
    let findings = check_report(&report);
    assert!(
        findings.iter().all(|f| f.rule != "R9" && f.rule != "W3"),
        "{findings:?}"
    );
}

#[test]
fn the_draft_follows_a_changed_cell_and_r9_would_catch_a_stale_one() {
    let (this, filed) = rolled(2023, 0);
    let before = draft(&this, None, &filed);
    let mut changed = this.clone();
    let key = changed
        .schema()
        .key(TableId::S4, "review", "total")
        .expect("key");
    let n = changed.count(key).expect("printed");
    changed.cells.insert(key, Value::Count(n + 7));
    let after = draft(&changed, None, &filed);
    assert_ne!(before.overview, after.overview);
    assert!(after.overview.contains(&format!("行政复议{}件", n + 7)));
    // The stale draft on the changed tables: R9 names the cell.
    let mut stale = changed.clone();
    before.clone().apply(&mut stale);
    let r9: Vec<_> = check_report(&stale)
        .into_iter()
        .filter(|f| f.rule == "R9")
        .collect();
    assert_eq!(r9.len(), 1, "{r9:?}");
    assert_eq!(r9[0].cells, vec![key.to_string()]);
    // Without last year there is no comparison; with the same tables the draft is the same.
    assert!(!before.overview.contains("上年为"));
    assert_eq!(draft(&this, None, &filed), before);
}

#[test]
fn the_draft_reads_as_the_reviewed_golden_file() {
    let (this, filed) = rolled(2023, 0);
    let (last, _) = rolled(2022, 5);
    let d = draft(&this, Some(&last), &filed);
    let text = format!(
        "一、总体情况\n{}\n\n五、存在的主要问题及改进情况\n{}\n\n六、其他需要报告的事项\n{}\n",
        d.overview, d.problems, d.other
    );
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/city-draft-2023.txt");
    if std::env::var_os("NIANBAO_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).expect("write golden");
    }
    let golden = std::fs::read_to_string(&path).expect("golden file");
    assert_eq!(
        text, golden,
        "the draft changed: review it and update the golden file"
    );
    let mut report = this.clone();
    d.apply(&mut report);
    assert!(golden.contains(report.section(SectionKey::OVERVIEW)));
}
