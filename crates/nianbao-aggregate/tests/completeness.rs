//! Completeness and timeliness with deadlines: on time, late, missing, returned, draft only,
//! not required, an office moved between years, a late resubmission changing the roll-up.

mod common;

use chrono::{DateTime, FixedOffset, NaiveDate};
use common::{node, report_of};
use nianbao_aggregate::filing::{Completeness, FilingState, ReportStatus, Summary, completeness};
use nianbao_aggregate::rollup::{Input, rollup};
use nianbao_model::Deadlines;
use nianbao_model::{Edition, Office};

fn at(s: &str) -> Option<DateTime<FixedOffset>> {
    Some(DateTime::parse_from_rfc3339(s).expect("time"))
}

fn summary(code: &str, status: ReportStatus, first: Option<&str>) -> Summary {
    Summary {
        office_code: code.into(),
        status,
        first_submitted_at: first.and_then(at),
        published_date: None,
        errors: 0,
        warnings: 1,
    }
}

fn state(c: &Completeness, code: &str) -> (FilingState, i32) {
    let f = c
        .offices
        .iter()
        .find(|f| f.office_code == code)
        .expect(code);
    (f.state, f.days_late)
}

#[test]
fn every_state_and_district_rates() {
    let mut exempt = node("d1-x", Some("d1"), "department");
    exempt.exempt_years = vec![2023];
    let mut never = node("d2-n", Some("d2"), "department");
    never.must_report = false;
    let offices = vec![
        node("city", None, "city"),
        node("d1", Some("city"), "district"),
        node("d1-a", Some("d1"), "department"),
        node("d1-b", Some("d1"), "department"),
        node("d1-c", Some("d1"), "department"),
        exempt,
        node("d2", Some("city"), "district"),
        node("d2-a", Some("d2"), "department"),
        node("d2-b", Some("d2"), "department"),
        never,
        node("elsewhere", None, "city"),
    ];
    let summaries = vec![
        // 23:30 on 31 Jan in China: on time, although it is already 1 Feb nowhere.
        summary("d1-a", ReportStatus::Accepted, Some("2024-01-31T15:30:00Z")),
        // 00:30 on 1 Feb in China (16:30 UTC on 31 Jan): one day late.
        summary(
            "d1-b",
            ReportStatus::Submitted,
            Some("2024-01-31T16:30:00Z"),
        ),
        summary(
            "d1-c",
            ReportStatus::Returned,
            Some("2024-01-10T09:00:00+08:00"),
        ),
        summary("d2-a", ReportStatus::Draft, None),
        // The district's own roll-up is due 20 Feb.
        summary(
            "d2",
            ReportStatus::Submitted,
            Some("2024-02-20T10:00:00+08:00"),
        ),
        summary(
            "d1",
            ReportStatus::Submitted,
            Some("2024-02-25T10:00:00+08:00"),
        ),
        summary(
            "city",
            ReportStatus::Published,
            Some("2024-03-11T10:00:00+08:00"),
        ),
        summary(
            "elsewhere",
            ReportStatus::Submitted,
            Some("2024-01-01T10:00:00+08:00"),
        ),
    ];
    let c = completeness("city", 2023, &offices, &summaries, &Deadlines::default());
    assert_eq!(
        c.deadline,
        NaiveDate::from_ymd_opt(2024, 1, 31).expect("date")
    );
    assert_eq!(state(&c, "d1-a"), (FilingState::OnTime, 0));
    assert_eq!(state(&c, "d1-b"), (FilingState::Late, 1));
    assert_eq!(state(&c, "d1-c"), (FilingState::Returned, 0));
    assert_eq!(state(&c, "d1-x"), (FilingState::NotRequired, 0));
    assert_eq!(state(&c, "d2-a"), (FilingState::DraftOnly, 0));
    assert_eq!(state(&c, "d2-b"), (FilingState::Missing, 0));
    assert_eq!(state(&c, "d2-n"), (FilingState::NotRequired, 0));
    assert_eq!(state(&c, "d2"), (FilingState::OnTime, 0));
    assert_eq!(state(&c, "d1"), (FilingState::Late, 5));
    assert_eq!(state(&c, "city"), (FilingState::Late, 1));
    assert!(c.offices.iter().all(|f| f.office_code != "elsewhere"));
    assert_eq!(c.offices[0].office_code, "city");
    let rates: Vec<(String, i32, i32, i32)> = c
        .districts
        .iter()
        .map(|d| (d.office_code.clone(), d.required, d.filed, d.on_time))
        .collect();
    assert_eq!(
        rates,
        vec![
            ("city".to_string(), 1, 1, 0),
            ("d1".to_string(), 4, 3, 1),
            ("d2".to_string(), 3, 1, 1),
        ]
    );
}

#[test]
fn deadlines_are_configurable() {
    let offices = vec![node("c", None, "city"), node("a", Some("c"), "department")];
    let summaries = vec![summary(
        "a",
        ReportStatus::Submitted,
        Some("2024-02-05T10:00:00+08:00"),
    )];
    let late = completeness("c", 2023, &offices, &summaries, &Deadlines::default());
    assert_eq!(state(&late, "a"), (FilingState::Late, 5));
    let relaxed = Deadlines {
        office: (2, 10),
        ..Deadlines::default()
    };
    let ok = completeness("c", 2023, &offices, &summaries, &relaxed);
    assert_eq!(state(&ok, "a"), (FilingState::OnTime, 0));
}

#[test]
fn an_office_moved_between_years_counts_where_it_is() {
    let summaries = vec![summary(
        "m",
        ReportStatus::Submitted,
        Some("2024-01-05T10:00:00+08:00"),
    )];
    let before = vec![
        node("c", None, "city"),
        node("d1", Some("c"), "district"),
        node("d2", Some("c"), "district"),
        node("m", Some("d1"), "department"),
    ];
    let mut after = before.clone();
    after[3].parent_code = Some("d2".into());
    let under = |offices: &[nianbao_aggregate::filing::OfficeNode], org: &str| {
        completeness(org, 2023, offices, &summaries, &Deadlines::default())
            .offices
            .iter()
            .any(|f| f.office_code == "m")
    };
    assert!(under(&before, "d1") && !under(&before, "d2"));
    assert!(!under(&after, "d1") && under(&after, "d2"));
    let rate = |offices: &[nianbao_aggregate::filing::OfficeNode], d: &str| {
        completeness("c", 2023, offices, &summaries, &Deadlines::default())
            .districts
            .into_iter()
            .find(|r| r.office_code == d)
            .map(|r| r.on_time)
    };
    assert_eq!(rate(&before, "d1"), Some(1));
    assert_eq!(rate(&after, "d2"), Some(1));
    assert_eq!(rate(&after, "d1"), Some(0));
}

#[test]
fn a_late_resubmission_changes_the_rollup_but_not_the_timeliness() {
    let offices = vec![node("c", None, "city"), node("a", Some("c"), "department")];
    // First submitted on time; a second revision came on 1 March.
    let mut s = summary(
        "a",
        ReportStatus::Submitted,
        Some("2024-01-20T10:00:00+08:00"),
    );
    let c1 = completeness(
        "c",
        2023,
        &offices,
        std::slice::from_ref(&s),
        &Deadlines::default(),
    );
    assert_eq!(state(&c1, "a"), (FilingState::OnTime, 0));
    s.status = ReportStatus::Accepted;
    let c2 = completeness("c", 2023, &offices, &[s], &Deadlines::default());
    assert_eq!(state(&c2, "a"), (FilingState::OnTime, 0));

    let v1 = report_of("a", 2023, Edition::E2021, &[1, 2, 3], false);
    let v2 = report_of("a", 2023, Edition::E2021, &[30, 20, 10], false);
    let org = Office {
        code: "c".into(),
        name: "市".into(),
    };
    let before = rollup(
        Edition::E2021,
        2023,
        &org,
        &[Input {
            report: v1.clone(),
            revision: 1,
        }],
    );
    let after = rollup(
        Edition::E2021,
        2023,
        &org,
        &[Input {
            report: v2.clone(),
            revision: 2,
        }],
    );
    let k = "s3.total_processed.total";
    assert_eq!(before.report.count(k), v1.count(k));
    assert_eq!(after.report.count(k), v2.count(k));
    assert_ne!(before.report.count(k), after.report.count(k));
    assert_eq!(after.included[0].revision, 2);
}

#[test]
fn a_stated_publication_date_decides_timeliness() {
    let offices = vec![
        node("city", None, "city"),
        node("a", Some("city"), "department"),
        node("b", Some("city"), "department"),
    ];
    // Both entered the system in November; a published on 20 January, b on 5 February.
    let mut a = summary("a", ReportStatus::Accepted, Some("2024-11-30T08:00:00Z"));
    a.published_date = NaiveDate::from_ymd_opt(2024, 1, 20);
    let mut b = summary("b", ReportStatus::Accepted, Some("2024-11-30T08:00:00Z"));
    b.published_date = NaiveDate::from_ymd_opt(2024, 2, 5);
    let c = completeness("city", 2023, &offices, &[a, b], &Deadlines::default());
    assert_eq!(state(&c, "a"), (FilingState::OnTime, 0));
    assert_eq!(state(&c, "b"), (FilingState::Late, 5));
}
