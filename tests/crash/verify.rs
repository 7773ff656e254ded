//! The final audit, with the service up again: every acknowledged submission is stored exactly
//! once with its checksum and content, revision numbers have no gaps, and the report rows agree
//! with their revisions (no partial write).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use nianbao_model::{Report, interchange};
use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::Code;

use crate::process::{all_revisions, authed, lazy_channel};
use crate::workload::{Ack, Client, ROOT, Shared, YEARS, report_for};

/// Counts of what was checked.
#[derive(Debug, Default)]
pub struct Audited {
    /// Revisions listed.
    pub revisions: usize,
    /// Revisions read back in full and compared with what was sent.
    pub contents: usize,
    /// Office-years whose summary row was compared.
    pub summaries: usize,
}

/// Audits the stored state against the acknowledgements; violations go to `shared.problems`.
/// Every revision is listed and matched; the full content is read back for every revision whose
/// request was retried, for the last revision of each office-year, and for every `stride`-th one.
pub async fn audit(shared: Arc<Shared>, clients: &[Client], admin: &str, stride: i64) -> Audited {
    let acks: Vec<Ack> = shared.acks.lock().map(|a| a.clone()).unwrap_or_default();
    let mut tasks = Vec::new();
    for client in clients.iter().cloned() {
        let mine: Vec<Ack> = acks
            .iter()
            .filter(|a| a.client == client.index)
            .cloned()
            .collect();
        let shared = shared.clone();
        tasks.push(tokio::spawn(async move {
            audit_client(&shared, &client, &mine, stride).await
        }));
    }
    let mut done = Audited::default();
    let mut latest = BTreeMap::new();
    for t in tasks {
        let (a, l) = t.await.unwrap_or_else(|e| panic!("audit task: {e}"));
        done.revisions += a.revisions;
        done.contents += a.contents;
        latest.extend(l);
    }
    let mut storage = StorageServiceClient::new(lazy_channel(&shared.url));
    done.summaries = check_summaries(&shared, &mut storage, admin, &latest).await;
    done
}

type Latest = BTreeMap<(String, i32), i64>;

async fn audit_client(
    shared: &Shared,
    client: &Client,
    acks: &[Ack],
    stride: i64,
) -> (Audited, Latest) {
    let mut done = Audited::default();
    let mut latest = Latest::new();
    let mut storage = StorageServiceClient::new(lazy_channel(&shared.url));
    for year in YEARS {
        let listed = all_revisions(&mut storage, &client.token, &client.code, year).await;
        let revisions = match listed {
            Ok(r) => r,
            Err(s) if s.code() == Code::NotFound => Vec::new(),
            Err(s) => {
                shared.problem(format!("ListRevisions {} {year}: {s}", client.code));
                continue;
            }
        };
        done.revisions += revisions.len();
        let expected: Vec<&Ack> = acks.iter().filter(|a| a.year == year).collect();
        check_office_year(shared, client, year, &revisions, &expected);
        let last = revisions.iter().map(|r| r.number).max().unwrap_or(0);
        if last > 0 {
            latest.insert((client.code.clone(), year), last);
        }
        let retried: BTreeSet<&str> = expected
            .iter()
            .filter(|a| a.attempts > 1)
            .map(|a| a.request_id.as_str())
            .collect();
        for rev in &revisions {
            if rev.number % stride == 0
                || rev.number == last
                || retried.contains(rev.request_id.as_str())
            {
                done.contents += check_content(shared, &mut storage, client, year, rev).await;
            }
        }
    }
    (done, latest)
}

/// One office-year: numbers 1..=n, one revision per acknowledged request, with its checksum.
fn check_office_year(
    shared: &Shared,
    client: &Client,
    year: i32,
    revisions: &[pb::Revision],
    acks: &[&Ack],
) {
    let at = format!("{} {year}", client.code);
    let numbers: Vec<i64> = revisions.iter().map(|r| r.number).collect();
    let contiguous: Vec<i64> = (1..=revisions.len() as i64).collect();
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    if sorted != contiguous {
        shared.problem(format!(
            "{at}: revision numbers {numbers:?} are not 1..={}",
            revisions.len()
        ));
    }
    let mut seen = BTreeSet::new();
    for r in revisions {
        if !seen.insert(r.request_id.clone()) {
            shared.problem(format!("{at}: request {} stored twice", r.request_id));
        }
    }
    let by_number: BTreeMap<i64, &pb::Revision> = revisions.iter().map(|r| (r.number, r)).collect();
    for ack in acks {
        match by_number.get(&ack.number) {
            None => shared.problem(format!("{at}: acknowledged revision {} ({}) is missing", ack.number, ack.request_id)),
            Some(r) if r.request_id != ack.request_id || r.checksum != ack.checksum => shared.problem(format!(
                "{at}: revision {} is request {} checksum {}, but request {} was acknowledged with it (checksum {})",
                ack.number, r.request_id, r.checksum, ack.request_id, ack.checksum
            )),
            Some(_) => {}
        }
    }
    let acked: BTreeSet<&str> = acks.iter().map(|a| a.request_id.as_str()).collect();
    for r in revisions {
        if !acked.contains(r.request_id.as_str()) {
            shared.problem(format!(
                "{at}: revision {} (request {}) was never acknowledged",
                r.number, r.request_id
            ));
        }
    }
}

/// Reads one revision back in full; its content must be the report that request sent.
async fn check_content(
    shared: &Shared,
    storage: &mut StorageServiceClient<tonic::transport::Channel>,
    client: &Client,
    year: i32,
    rev: &pb::Revision,
) -> usize {
    let at = format!("{} {year} revision {}", client.code, rev.number);
    let got = storage
        .get_report(authed(
            &client.token,
            pb::GetReportRequest {
                office_code: client.code.clone(),
                year,
                revision: Some(rev.number),
            },
        ))
        .await;
    let got = match got {
        Ok(g) => g.into_inner(),
        Err(s) => {
            shared.problem(format!("{at}: GetReport failed: {s}"));
            return 0;
        }
    };
    if got.revision.as_ref().map(|r| r.checksum.as_str()) != Some(rev.checksum.as_str()) {
        shared.problem(format!(
            "{at}: GetReport and ListRevisions disagree on the checksum"
        ));
    }
    let stored = match got.report.map(Report::try_from) {
        Some(Ok(r)) => r,
        other => {
            shared.problem(format!("{at}: stored report cannot be read: {other:?}"));
            return 0;
        }
    };
    let seq = rev
        .request_id
        .rsplit('-')
        .next()
        .and_then(|s| s.parse::<u64>().ok());
    let Some(seq) = seq else {
        shared.problem(format!("{at}: unexpected request id {}", rev.request_id));
        return 0;
    };
    let sent = report_for(&shared.base, client, seq);
    if interchange::to_json(&stored) != interchange::to_json(&sent) {
        shared.problem(format!(
            "{at}: stored content differs from what request {} sent",
            rev.request_id
        ));
    }
    1
}

/// The summary rows (ListReports) must name the last revision of every office-year.
async fn check_summaries(
    shared: &Shared,
    storage: &mut StorageServiceClient<tonic::transport::Channel>,
    admin: &str,
    latest: &BTreeMap<(String, i32), i64>,
) -> usize {
    let mut rows: BTreeMap<(String, i32), pb::ReportSummary> = BTreeMap::new();
    let mut page_token = String::new();
    loop {
        let resp = storage
            .list_reports(authed(
                admin,
                pb::ListReportsRequest {
                    under: ROOT.into(),
                    year: None,
                    status: None,
                    page_size: 1000,
                    page_token: page_token.clone(),
                },
            ))
            .await;
        let resp = match resp {
            Ok(r) => r.into_inner(),
            Err(s) => {
                shared.problem(format!("ListReports: {s}"));
                return 0;
            }
        };
        for s in resp.reports {
            rows.insert((s.office_code.clone(), s.year), s);
        }
        if resp.next_page_token.is_empty() {
            break;
        }
        page_token = resp.next_page_token;
    }
    for (key, n) in latest {
        match rows.get(key) {
            None => shared.problem(format!(
                "{} {}: revisions exist but no report row",
                key.0, key.1
            )),
            Some(s) if s.latest_revision != *n || s.latest_submitted_revision != *n => shared
                .problem(format!(
                    "{} {}: report row says latest {} / submitted {}, revisions end at {n}",
                    key.0, key.1, s.latest_revision, s.latest_submitted_revision
                )),
            Some(_) => {}
        }
    }
    for key in rows.keys() {
        if !latest.contains_key(key) {
            shared.problem(format!(
                "{} {}: a report row without revisions",
                key.0, key.1
            ));
        }
    }
    latest.len()
}
