//! Reminders over real protocols on loopback: a storage server on SQLite (and PostgreSQL when
//! `NIANBAO_TEST_POSTGRES_URL` is set), a real SMTP server (aiosmtpd), a webhook receiver, and
//! schedulers driven at set instants (never the system clock).

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use common::*;
use hmac::{Hmac, KeyInit, Mac};
use nianbao_proto::storage::v1 as pb;
use sha2_0_11::Sha256;

/// Messages received, by recipient, as subjects.
fn by_recipient(mails: &[Mail]) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for m in mails {
        for to in &m.to {
            out.entry(to.clone()).or_default().push(m.subject.clone());
        }
    }
    out
}

fn assert_no_repeat(mails: &[Mail]) {
    let mut ids: Vec<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "a message was sent twice: {mails:#?}");
}

fn mail_to<'a>(mails: &'a [Mail], to: &str, subject_has: &str) -> &'a Mail {
    mails
        .iter()
        .find(|m| m.to.iter().any(|t| t == to) && m.subject.contains(subject_has))
        .unwrap_or_else(|| panic!("no mail to {to} with {subject_has:?} in {mails:#?}"))
}

/// On-time, late, returned, draft-only and missing offices across simulated days: who gets
/// what, with which words; an office that files between two steps hears nothing more; a round
/// repeated at the same step sends nothing again; the webhook is signed and retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_city_across_days_by_mail_and_webhook() {
    let db = Db::sqlite();
    let server = Server::start(&db.url).await;
    let hooks = Receiver::start(1).await;
    let admin = city(&server, &db.url, &hooks.url).await;
    let port = free_port();
    let smtp = SmtpSink::start(port);
    let scheduler = server.scheduler(&admin, port, "replica-1");

    // Day -7 of the departments' deadline (2024-01-31); the district's is 2024-02-20.
    let t1 = at(2024, 1, 24, 10, 0);
    let tick = scheduler.tick(t1).await.unwrap();
    assert_eq!((tick.sent, tick.failed), (6, 0), "{tick:?}");
    let mails = smtp.mails();
    let to = by_recipient(&mails);
    // 140404-a filed: nothing. The district is not yet due. The city staff get the digest.
    assert!(!to.contains_key("a@sd.example.cn"));
    assert!(!to.contains_key("qu@sd.example.cn"));
    for who in [
        "b@sd.example.cn",
        "c@sd.example.cn",
        "e@sd.example.cn",
        "d@city.example.cn",
        STAFF_EMAIL,
    ] {
        assert_eq!(to.get(who).map(Vec::len), Some(1), "{who}: {to:#?}");
    }
    let b = mail_to(&mails, "b@sd.example.cn", "还剩 7 天");
    assert!(b.subject.contains("长治市上党区财政局"), "{}", b.subject);
    assert!(b.subject.contains("2023年度"), "{}", b.subject);
    assert!(
        b.body.contains("截止日期：2024年1月31日，还剩 7 天"),
        "{}",
        b.body
    );
    assert!(b.body.contains("尚未报送"), "{}", b.body);
    assert!(
        b.body.contains("https://nianbao.changzhi.example.cn"),
        "{}",
        b.body
    );
    let c = mail_to(&mails, "c@sd.example.cn", "还剩 7 天");
    assert!(
        c.body.contains(&format!("退回理由：{RETURN_REASON}")),
        "{}",
        c.body
    );
    let e = mail_to(&mails, "e@sd.example.cn", "还剩 7 天");
    assert!(e.body.contains("只保存了草稿"), "{}", e.body);
    assert!(e.body.contains("处错误"), "{}", e.body);
    let digest = mail_to(&mails, STAFF_EMAIL, "年报日报");
    assert!(digest.subject.contains("已报送 1"), "{}", digest.subject);
    assert!(
        digest.body.contains("已退回未重新报送（1）"),
        "{}",
        digest.body
    );
    assert!(
        digest.body.contains("140404-c 长治市上党区教育局"),
        "{}",
        digest.body
    );

    // The webhook of 140404-e: answered 500 once, retried, signed over `<timestamp>.<body>`.
    assert_eq!(*hooks.requests.lock().unwrap(), 2);
    let got = hooks.hooks();
    assert_eq!(got.len(), 1);
    let hook = &got[0];
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{}.", hook.timestamp).as_bytes());
    mac.update(&hook.body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(hook.signature, expected);
    assert_eq!(hook.timestamp, t1.timestamp().to_string());
    let json: serde_json::Value = serde_json::from_slice(&hook.body).unwrap();
    assert_eq!(json["office_code"], "140404-e");
    assert_eq!(json["days_left"], 7);
    assert_eq!(json["missing"], "draft_only");
    assert_eq!(json["delivery"], hook.delivery);

    // The same step an hour later: claimed already, nothing sent.
    let again = scheduler
        .tick(t1 + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!((again.sent, again.skipped), (0, 6), "{again:?}");
    assert_eq!(smtp.mails().len(), 5);

    // 140404-b files between two steps.
    submit(&server, &admin, "140404-b", OFFICES[3].1, false).await;
    let t2 = at(2024, 1, 30, 9, 30);
    let tick = scheduler.tick(t2).await.unwrap();
    assert_eq!(tick.sent, 5, "{tick:?}");
    let mails = smtp.mails();
    let to = by_recipient(&mails);
    assert_eq!(
        to["b@sd.example.cn"].len(),
        1,
        "140404-b filed: no more reminders"
    );
    assert!(
        mail_to(&mails, "d@city.example.cn", "还剩 1 天")
            .body
            .contains("还剩 1 天")
    );

    // Seven days late: the reminder of day 6, and the parents are told.
    let t3 = at(2024, 2, 7, 10, 0);
    let tick = scheduler.tick(t3).await.unwrap();
    // c, e, d reminded (e also by webhook); c and e escalated to the district, d to the city
    // staff; the digest.
    assert_eq!(tick.sent, 8, "{tick:?}");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 5 + 4 + 7);
    assert_no_repeat(&mails);
    let d = mail_to(&mails, "d@city.example.cn", "已逾期 7 天");
    assert!(
        d.subject.starts_with("【年报催报】长治市交通运输局"),
        "{}",
        d.subject
    );
    assert!(d.body.contains("已逾期 7 天"), "{}", d.body);
    let to = by_recipient(&mails);
    let district = &to["qu@sd.example.cn"];
    assert_eq!(district.len(), 2, "{district:?}");
    assert!(
        district
            .iter()
            .any(|s| s.contains("长治市上党区教育局") && s.contains("已逾期 7 天"))
    );
    assert!(
        district
            .iter()
            .any(|s| s.contains("长治市上党区卫生健康局"))
    );
    assert!(
        to[STAFF_EMAIL]
            .iter()
            .any(|s| s.contains("【年报督办】长治市交通运输局"))
    );
    assert!(!to.contains_key("a@sd.example.cn"));
    assert_eq!(hooks.hooks().len(), 3);

    // The log lists every delivery as sent, with its recipients.
    let log = log(&server, &admin).await;
    assert_eq!(log.len(), 6 + 5 + 8);
    assert!(
        log.iter()
            .all(|d| d.state == "sent" && !d.sent_at.is_empty())
    );
    let esc = log
        .iter()
        .find(|d| d.office_code == "1404-d" && d.step == "escalate")
        .unwrap();
    assert_eq!(esc.recipients, vec![STAFF_EMAIL.to_string()]);
}

/// The SMTP server is down: the failure is recorded with its reason and retry time, nothing is
/// retried before it, and everything is sent once when the server is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_down_then_up_sends_everything_once() {
    let db = Db::sqlite();
    let server = Server::start(&db.url).await;
    let hooks = Receiver::start(0).await;
    let admin = city(&server, &db.url, &hooks.url).await;
    let port = free_port();
    let scheduler = server.scheduler(&admin, port, "replica-1");
    let t1 = at(2024, 1, 24, 10, 0);
    let tick = scheduler.tick(t1).await.unwrap();
    assert_eq!((tick.sent, tick.failed), (1, 5), "{tick:?}");
    let log1 = log(&server, &admin).await;
    let failed: Vec<&pb::Delivery> = log1.iter().filter(|d| d.state == "failed").collect();
    assert_eq!(failed.len(), 5);
    for d in &failed {
        assert!(d.error.contains("smtp"), "{d:?}");
        assert!(!d.retry_at.is_empty(), "{d:?}");
        assert_eq!(d.attempts, 1);
    }

    let smtp = SmtpSink::start(port);
    let early = scheduler
        .tick(t1 + chrono::Duration::seconds(30))
        .await
        .unwrap();
    assert_eq!(
        (early.sent, early.failed),
        (0, 0),
        "retried before its time: {early:?}"
    );
    let later = scheduler
        .tick(t1 + chrono::Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!((later.sent, later.failed), (5, 0), "{later:?}");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 5);
    assert_no_repeat(&mails);
    let log2 = log(&server, &admin).await;
    assert!(log2.iter().all(|d| d.state == "sent"));
    assert!(
        log2.iter()
            .filter(|d| d.channel == "email")
            .all(|d| d.attempts == 2)
    );
    assert_eq!(hooks.hooks().len(), 1, "the webhook was sent once");
}

/// Two schedulers, each on its own storage server, on one database, run the same rounds at
/// once; a third stopped after claiming a message. Every message is sent once, and the one
/// left claimed is sent after its lease.
async fn two_schedulers_on_one_database(db: Db) {
    let first = Server::start(&db.url).await;
    let second = Server::start(&db.url).await;
    let hooks = Receiver::start(0).await;
    let admin = city(&first, &db.url, &hooks.url).await;
    let port = free_port();
    let smtp = SmtpSink::start(port);
    let t1 = at(2024, 1, 24, 10, 0);
    // A scheduler that stopped right after its claim of 1404-d's reminder.
    let crashed = second
        .client()
        .claim_reminder(req(
            &admin,
            pb::ClaimReminderRequest {
                delivery: Some(pb::Delivery {
                    org_code: ORG.into(),
                    year: YEAR,
                    office_code: "1404-d".into(),
                    step: "remind:-7".into(),
                    channel: "email".into(),
                    ..Default::default()
                }),
                worker: "stopped".into(),
                now: t1.to_rfc3339(),
                lease_seconds: 300,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(crashed.granted);

    let a = first.scheduler(&admin, port, "replica-a");
    let b = second.scheduler(&admin, port, "replica-b");
    for minutes in [0, 1, 2] {
        let now = t1 + chrono::Duration::minutes(minutes);
        let (ra, rb) = tokio::join!(a.tick(now), b.tick(now));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_eq!(ra.failed + rb.failed, 0);
        assert_eq!(
            ra.sent + rb.sent,
            if minutes == 0 { 5 } else { 0 },
            "{ra:?} {rb:?}"
        );
    }
    let mails = smtp.mails();
    assert_eq!(
        mails.len(),
        4,
        "1404-d's reminder waits for its lease: {mails:#?}"
    );
    assert_no_repeat(&mails);

    let after_lease = t1 + chrono::Duration::minutes(6);
    let (ra, rb) = tokio::join!(a.tick(after_lease), b.tick(after_lease));
    assert_eq!(ra.unwrap().sent + rb.unwrap().sent, 1);
    let mails = smtp.mails();
    assert_eq!(mails.len(), 5);
    assert_no_repeat(&mails);
    assert_eq!(by_recipient(&mails)["d@city.example.cn"].len(), 1);
    assert_eq!(hooks.hooks().len(), 1);
    let log = log(&first, &admin).await;
    let d = log.iter().find(|d| d.office_code == "1404-d").unwrap();
    assert_eq!((d.state.as_str(), d.attempts), ("sent", 2));
    assert!(d.claimed_by.starts_with("replica-"), "{d:?}");
    drop((first, second));
    drop(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_on_one_sqlite_database_send_each_message_once() {
    two_schedulers_on_one_database(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_on_one_postgres_database_send_each_message_once() {
    if let Some(db) = Db::postgres("notify_two_schedulers") {
        two_schedulers_on_one_database(db).await;
    }
}
