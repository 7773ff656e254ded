//! What follows a report, in the console over real storage, rendering and aggregation servers:
//! publication on the board (on time and late, by the format's deadline, as aggregation decides),
//! the stored verification of a published page, the latest reminder per office and the reminder
//! log page (a sent and a failed reminder, claimed and finished through storage's RPCs as the
//! notifier does), the review marks in the roll-up's quality view, the CSV/XLSX columns, and who
//! may see what (an office token sees no log and no contact; another city's subtree is refused).
#![allow(clippy::unwrap_used)]
mod support;

use std::io::Read;

use axum::http::{Method, StatusCode};
use nianbao_model::rules::{self, RuleContext};
use nianbao_proto::storage::v1 as spb;
use support::{City, Db, YEAR, with_token};

const CONTACT: &str = "clerk-c@example.org";
const FAILED_CONTACT: &str = "clerk-a@example.org";
const SMTP_ERROR: &str = "550 mailbox unavailable";

/// The city of `support` with: C-a and C-b accepted, C-a published on time (checked: two cells
/// differ), C-b published late (checked: page not found), a reminder sent to C-c and one to C-a
/// that failed, a review mark on C-a's R9 warning, and a second city D with an office.
async fn followed_city(db: Db) -> City {
    let mut city = City::start(db).await;
    let token = city.city.clone();
    for (code, date) in [("C-a", "2024-01-20"), ("C-b", "2024-03-15")] {
        for (action, url) in [
            (spb::ReviewAction::Accept, String::new()),
            (
                spb::ReviewAction::Publish,
                format!("https://www.example.org/{code}/2023.html"),
            ),
        ] {
            city.storage
                .review_report(with_token(
                    spb::ReviewReportRequest {
                        office_code: code.into(),
                        year: YEAR,
                        action: action as i32,
                        reason: String::new(),
                        published_date: if url.is_empty() { "" } else { date }.into(),
                        url,
                    },
                    &token,
                ))
                .await
                .unwrap();
        }
    }
    let difference = |key: &str, accepted: &str, published: &str| spb::Difference {
        key: key.into(),
        accepted: accepted.into(),
        published: published.into(),
    };
    for (code, outcome, differences, at) in [
        (
            "C-a",
            spb::CheckOutcome::Different,
            vec![
                difference("s3.new_received.total", "12", "21"),
                difference("section.other", "本年度未收取", "本年度收取"),
            ],
            "2024-02-01T02:00:00Z",
        ),
        (
            "C-b",
            spb::CheckOutcome::NotFound,
            vec![],
            "2024-03-20T02:00:00Z",
        ),
    ] {
        city.storage
            .record_check(with_token(
                spb::RecordCheckRequest {
                    office_code: code.into(),
                    year: YEAR,
                    url: format!("https://www.example.org/{code}/2023.html"),
                    check: Some(spb::PublicationCheck {
                        checked_at: at.into(),
                        outcome: outcome as i32,
                        differences,
                        detail: if outcome == spb::CheckOutcome::NotFound {
                            "HTTP 404 / 页面不存在".into()
                        } else {
                            String::new()
                        },
                    }),
                },
                &token,
            ))
            .await
            .unwrap();
    }
    // Reminders, as the notifier sends them: claim, then finish sent or failed.
    for (office, step, to, sent) in [
        ("C-c", "remind:-1", CONTACT, true),
        ("C-a", "remind:-7", FAILED_CONTACT, false),
    ] {
        let delivery = spb::Delivery {
            org_code: "C".into(),
            year: YEAR,
            office_code: office.into(),
            step: step.into(),
            channel: "email".into(),
            recipients: vec![to.into()],
            subject: format!("请于截止日前报送 {YEAR} 年度报告"),
            ..Default::default()
        };
        let claim = city
            .storage
            .claim_reminder(with_token(
                spb::ClaimReminderRequest {
                    delivery: Some(delivery),
                    worker: "test-notifier".into(),
                    now: "2024-01-24T01:00:00Z".into(),
                    lease_seconds: 300,
                },
                &token,
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(claim.granted);
        city.storage
            .finish_reminder(with_token(
                spb::FinishReminderRequest {
                    org_code: "C".into(),
                    year: YEAR,
                    office_code: office.into(),
                    step: step.into(),
                    channel: "email".into(),
                    attempt: claim.delivery.unwrap().attempts,
                    sent,
                    error: if sent { "" } else { SMTP_ERROR }.into(),
                    retry_at: if sent { "" } else { "2024-01-24T02:00:00Z" }.into(),
                    now: "2024-01-24T01:00:05Z".into(),
                },
                &token,
            ))
            .await
            .unwrap();
    }
    // A review mark on C-a's R9 warning (its overview states more requests than table 三).
    let report = support::report("C-a", "测试市甲局", &[3, 1, 4], 3);
    let r9 = rules::check(&RuleContext {
        report: &report,
        previous: None,
        deadline: None,
    })
    .into_iter()
    .find(|f| f.rule == "R9")
    .unwrap();
    city.storage
        .mark_finding(with_token(
            spb::MarkFindingRequest {
                office_code: "C-a".into(),
                year: YEAR,
                fingerprint: r9.fingerprint(),
                reason: "含上年结转申请，数字无误".into(),
            },
            &token,
        ))
        .await
        .unwrap();
    let admin = city.admin.clone();
    for (code, parent, kind) in [("D", "", "city"), ("D-a", "D", "department")] {
        city.storage
            .create_office(with_token(
                spb::CreateOfficeRequest {
                    code: code.into(),
                    name: format!("另一市{code}"),
                    kind: kind.into(),
                    parent_code: parent.into(),
                    must_report: kind != "city",
                    exempt_years: vec![],
                },
                &admin,
            ))
            .await
            .unwrap();
    }
    city
}

/// The `<tr>` of an office on the board (its cells' end tags are left out: a cell ends at the
/// next one).
fn row_of<'a>(page: &'a str, code: &str) -> &'a str {
    let cell = format!("<td>{code}<th");
    let at = page
        .find(&cell)
        .unwrap_or_else(|| panic!("{code} not on {page}"));
    let start = page[..at].rfind("<tr>").unwrap();
    let end = at + page[at..].find("</tr>").unwrap();
    &page[start..end]
}

on_both_databases!(
    the_board_shows_publication_checks_and_reminders,
    the_board_shows_publication_checks_and_reminders_sqlite,
    the_board_shows_publication_checks_and_reminders_postgres
);

async fn the_board_shows_publication_checks_and_reminders(db: Db) {
    let city = followed_city(db).await;
    let staff = city.sign_in(&city.city).await;
    let (status, page) = city.get("/board", &staff).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<strong>2</strong> 已发布"), "{page}");
    assert!(page.contains("<strong>1</strong> 按期发布"), "{page}");
    assert!(page.contains("<strong>1</strong> 逾期发布"), "{page}");
    assert!(page.contains("<strong>2</strong> 核对发现问题"), "{page}");
    // C-a: published 2024-01-20, by the deadline of 2024-01-31; two cells differ; a failed reminder.
    let a = row_of(&page, "C-a");
    assert!(a.contains("已发布"), "{a}");
    assert!(
        a.contains("href=\"https://www.example.org/C-a/2023.html\""),
        "{a}"
    );
    assert!(a.contains("2024-01-20") && a.contains("按期"), "{a}");
    // The time checked is storage's own clock, shown in 北京时间.
    assert!(a.contains("2 处不一致<br>20"), "{a}");
    assert!(
        a.contains("截止前 7 天提醒") && a.contains("发送失败"),
        "{a}"
    );
    // C-b: published 2024-03-15, after the deadline; the page was not found.
    let b = row_of(&page, "C-b");
    assert!(b.contains("2024-03-15") && b.contains("逾期"), "{b}");
    assert!(b.contains("页面未找到"), "{b}");
    // C-c never filed: not published, reminded, and the addresses are not on the board.
    let c = row_of(&page, "C-c");
    assert!(c.contains("未发布"), "{c}");
    // Sent by e-mail, the usual case, is said once in the caption, not on each row.
    assert!(c.contains("截止前 1 天提醒<br>20"), "{c}");
    assert!(!c.contains("已发送") && !c.contains("电子邮件"), "{c}");
    assert!(
        page.contains("未注明渠道者经电子邮件，未注明结果者已发送"),
        "{page}"
    );
    // Every row has its eleven cells (a header cell for the name), each ended by the next.
    for row in [a, b, c] {
        let cells = row.matches("<td").count() + row.matches("<th scope=\"row\">").count();
        assert_eq!(cells, 11, "{row}");
        assert!(!row.contains("</td>"), "{row}");
    }
    assert!(!page.contains(CONTACT) && !page.contains(FAILED_CONTACT));
    assert!(
        page.contains("href=\"/reminders?org=C&amp;year=2023\""),
        "{page}"
    );
    // Sorting by publication puts the late publication first, the unpublished last.
    let (_, sorted) = city.get("/board?sort=published", &staff).await;
    let pos = |code: &str| sorted.find(&format!("<td>{code}<th")).unwrap();
    assert!(
        pos("C-b") < pos("C-a") && pos("C-a") < pos("C-c"),
        "{sorted}"
    );
}

on_both_databases!(
    the_reminder_log_lists_what_was_sent_and_what_failed,
    the_reminder_log_lists_what_was_sent_and_what_failed_sqlite,
    the_reminder_log_lists_what_was_sent_and_what_failed_postgres
);

async fn the_reminder_log_lists_what_was_sent_and_what_failed(db: Db) {
    let city = followed_city(db).await;
    let staff = city.sign_in(&city.city).await;
    let (status, page) = city.get("/reminders", &staff).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<strong>1</strong> 已发送"), "{page}");
    assert!(page.contains("<strong>1</strong> 发送失败"), "{page}");
    assert!(page.contains("<th scope=\"col\">收件人</th>"), "{page}");
    let sent = &page[page.find(CONTACT).unwrap()..];
    let sent = &sent[..sent.find("</tr>").unwrap()];
    assert!(sent.contains("已发送"), "{sent}");
    let failed = &page[page.find(FAILED_CONTACT).unwrap()..];
    let failed = &failed[..failed.find("</tr>").unwrap()];
    assert!(
        failed.contains("发送失败") && failed.contains(SMTP_ERROR),
        "{failed}"
    );
    // The retry time, in 北京时间.
    assert!(failed.contains("2024-01-24 10:00"), "{failed}");
    assert!(page.contains("C-a 测试市甲局"), "{page}");
}

on_both_databases!(
    offices_and_other_cities_are_refused_the_log,
    offices_and_other_cities_are_refused_the_log_sqlite,
    offices_and_other_cities_are_refused_the_log_postgres
);

async fn offices_and_other_cities_are_refused_the_log(db: Db) {
    let mut city = followed_city(db).await;
    let office = city.sign_in(&city.office_a).await;
    for uri in ["/reminders", "/reminders?org=C", "/board?org=C"] {
        let (status, page) = city.get(uri, &office).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}: {page}");
        assert!(!page.contains(CONTACT) && !page.contains(FAILED_CONTACT));
    }
    // City staff of D reach neither C's log nor C's board, nor C's staff D's.
    let other = city.token("D", spb::Role::City).await;
    let other = city.sign_in(&other).await;
    let staff = city.sign_in(&city.city).await;
    for (session, uri) in [
        (&other, "/reminders?org=C"),
        (&other, "/board?org=C"),
        (&staff, "/reminders?org=D"),
    ] {
        let (status, page) = city.get(uri, session).await;
        assert!(
            matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{uri}: {status}"
        );
        assert!(!page.contains(CONTACT) && !page.contains(FAILED_CONTACT));
    }
    // D's own log is empty, and says so.
    let (status, page) = city.get("/reminders?org=D", &other).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("尚无提醒记录"), "{page}");
}

on_both_databases!(
    board_downloads_carry_publication_and_reminder_columns,
    board_downloads_carry_publication_and_reminder_columns_sqlite,
    board_downloads_carry_publication_and_reminder_columns_postgres
);

async fn board_downloads_carry_publication_and_reminder_columns(db: Db) {
    let city = followed_city(db).await;
    let staff = city.sign_in(&city.city).await;
    let (status, _, csv) = city
        .call(Method::GET, "/board.csv", Some(&staff), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    let header = csv.lines().next().unwrap();
    for h in [
        "发布网址",
        "发布日期",
        "是否按期发布",
        "发布核对结果",
        "核对时间",
        "最近提醒",
        "提醒时间",
    ] {
        assert!(header.contains(h), "{header}");
    }
    let line = |code: &str| {
        csv.lines()
            .find(|l| l.starts_with(&format!("{code},")))
            .unwrap()
            .to_string()
    };
    let a = line("C-a");
    assert!(
        a.contains("https://www.example.org/C-a/2023.html,2024-01-20,按期,2 处不一致,20"),
        "{a}"
    );
    assert!(
        a.contains(&format!(
            "截止前 7 天提醒,电子邮件,2024-01-24T09:00:00+08:00,发送失败（{SMTP_ERROR}）"
        )),
        "{a}"
    );
    assert!(
        line("C-b").contains(",2024-03-15,逾期,页面未找到,"),
        "{csv}"
    );
    assert!(line("C-c").contains(",未发布,"), "{csv}");
    assert!(line("C-c").contains("截止前 1 天提醒,电子邮件,"), "{csv}");
    // The XLSX carries the same headers and values (its shared strings).
    let (status, _, xlsx) = city
        .call(Method::GET, "/board.xlsx", Some(&staff), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut strings = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut strings)
        .unwrap();
    for s in [
        "是否按期发布",
        "发布核对结果",
        "2 处不一致",
        "页面未找到",
        "截止前 1 天提醒",
    ] {
        assert!(strings.contains(s), "{s} not in the XLSX");
    }
}

on_both_databases!(
    the_quality_view_shows_findings_and_review_marks_per_office,
    the_quality_view_shows_findings_and_review_marks_per_office_sqlite,
    the_quality_view_shows_findings_and_review_marks_per_office_postgres
);

async fn the_quality_view_shows_findings_and_review_marks_per_office(db: Db) {
    let mut city = followed_city(db).await;
    // C-c files too, with an overview stating five requests more than its table 三 (R9), and
    // the city marks that warning with a reason of its own.
    let office_c = city.token("C-c", spb::Role::Office).await;
    let report = support::report("C-c", "测试市丙局", &[1, 6, 1], 5);
    city.submit(&report, &office_c, "c-1").await;
    let r9 = rules::check(&RuleContext {
        report: &report,
        previous: None,
        deadline: None,
    })
    .into_iter()
    .find(|f| f.rule == "R9")
    .unwrap();
    let token = city.city.clone();
    city.storage
        .mark_finding(with_token(
            spb::MarkFindingRequest {
                office_code: "C-c".into(),
                year: YEAR,
                fingerprint: r9.fingerprint(),
                reason: "丙局另有口头申请计入概述".into(),
            },
            &token,
        ))
        .await
        .unwrap();
    let staff = city.sign_in(&city.city).await;
    let (status, page) = city.get("/rollup", &staff).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let at = page.find("各单位质量与复核标记").unwrap();
    let view = &page[at..];
    assert!(view.contains("<strong>R9："), "{view}");
    let row = |head: &str| {
        let r = &view[view.find(head).unwrap_or_else(|| panic!("{head}: {view}"))..];
        r[..r.find("</tr>").unwrap()].to_string()
    };
    let a = row("C-a 测试市甲局");
    // The mark explains C-a's R9 warning: it is no longer counted as open.
    assert!(
        a.contains("<td class=\"n\">0</td><td class=\"n\">0</td>"),
        "{a}"
    );
    // The subtree's marks, read in one call, are grouped by office: each on its own row only.
    let c = row("C-c 测试市丙局");
    assert!(a.contains("含上年结转申请，数字无误"), "{a}");
    assert!(!a.contains("丙局另有口头申请"), "{a}");
    assert!(c.contains("丙局另有口头申请计入概述"), "{c}");
    assert!(!c.contains("含上年结转申请"), "{c}");
    assert_eq!(
        view.matches("含上年结转申请，数字无误").count(),
        1,
        "{view}"
    );
    assert_eq!(
        view.matches("丙局另有口头申请计入概述").count(),
        1,
        "{view}"
    );
    assert!(view.contains("复核标记共 <strong>2</strong> 条"), "{view}");
}
