//! The submitting clients: one office and one token each, one submission at a time, every
//! submission retried with the same request id until it is answered.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nianbao_model::{Office, Report, SectionKey, interchange};
use nianbao_proto::report::v1 as report_pb;
use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::Code;
use tonic::transport::Channel;

use crate::process::{authed, lazy_channel};

/// The code of the root office every client office hangs under.
pub const ROOT: &str = "crash-root";
/// The years the clients submit for (round robin).
pub const YEARS: [i32; 4] = [2021, 2022, 2023, 2024];

/// One submitting office.
#[derive(Clone, Debug)]
pub struct Client {
    /// Its index.
    pub index: usize,
    /// Office code.
    pub code: String,
    /// Office name.
    pub name: String,
    /// Its office-role token.
    pub token: String,
}

/// An acknowledged submission: the server answered with a revision.
#[derive(Clone, Debug)]
pub struct Ack {
    /// Which client.
    pub client: usize,
    /// The client's sequence number (the report is a function of client and seq).
    pub seq: u64,
    /// The request id sent.
    pub request_id: String,
    /// The year submitted for.
    pub year: i32,
    /// The revision number the server answered.
    pub number: i64,
    /// The checksum the server answered.
    pub checksum: String,
    /// Attempts made (1 when the first attempt was answered).
    pub attempts: u32,
    /// Whether the answer said `replayed`.
    pub replayed: bool,
}

/// What every task shares.
pub struct Shared {
    /// The service URL (stable across restarts).
    pub url: String,
    /// The base report every submission is derived from.
    pub base: Report,
    /// Acknowledged submissions.
    pub acks: Mutex<Vec<Ack>>,
    /// Violations of a guarantee, each a sentence.
    pub problems: Mutex<Vec<String>>,
    /// Set to stop starting new submissions.
    pub stop: AtomicBool,
    /// After this the clients give up retrying (the test then fails).
    pub give_up_at: Mutex<Option<Instant>>,
    /// Failed attempts by status code (the server was down or went down mid-request).
    pub transient: Mutex<BTreeMap<String, u64>>,
    /// Submissions whose answer was lost and whose retry was answered as `replayed`.
    pub in_doubt_committed: AtomicU64,
    /// Submissions whose answer was lost and whose retry created the revision.
    pub in_doubt_new: AtomicU64,
}

impl Shared {
    /// Records a violation.
    pub fn problem(&self, text: String) {
        if let Ok(mut p) = self.problems.lock() {
            p.push(text);
        }
    }

    fn giving_up(&self) -> bool {
        self.give_up_at
            .lock()
            .ok()
            .and_then(|g| *g)
            .is_some_and(|t| Instant::now() > t)
    }
}

/// The demo report, the base of every submission (about 9 KB of interchange JSON).
pub fn base_report() -> Report {
    interchange::from_json(include_str!("../../demo/shangdang-sifaju-2023.json"))
        .unwrap_or_else(|e| panic!("demo report: {e}"))
}

/// The report client `client` submits as its `seq`-th submission: its own office, a year in
/// round robin, and prose that differs from every other submission (so every checksum differs).
pub fn report_for(base: &Report, client: &Client, seq: u64) -> Report {
    let mut r = base.clone();
    r.office = Office {
        code: client.code.clone(),
        name: client.name.clone(),
    };
    r.signature = Some(client.name.clone());
    r.year = YEARS[(seq % YEARS.len() as u64) as usize];
    let other = r
        .sections
        .get(SectionKey::OTHER)
        .cloned()
        .unwrap_or_default();
    r.sections.insert(
        SectionKey::OTHER.to_string(),
        format!("{other}（第 {seq} 次提交，单位 {}）", client.code),
    );
    r
}

/// The request id of a submission.
pub fn request_id(client: &Client, seq: u64) -> String {
    format!("crash-{}-{seq}", client.index)
}

/// The submission request of client `client`, number `seq`.
pub fn request(base: &Report, client: &Client, seq: u64) -> pb::SubmitReportRequest {
    pb::SubmitReportRequest {
        report: Some(report_pb::Report::from(&report_for(base, client, seq))),
        request_id: request_id(client, seq),
        base_revision: None,
        draft: false,
        client: "nianbao crash test".into(),
    }
}

/// Status codes a client sees when the server dies under it or is not back yet.
pub fn is_transient(code: Code) -> bool {
    matches!(
        code,
        Code::Unavailable
            | Code::Unknown
            | Code::Cancelled
            | Code::DeadlineExceeded
            | Code::Internal
    )
}

/// Sends one request until it is answered; `None` when it was refused for good or the run gave up.
pub async fn submit_until_answered(
    shared: &Shared,
    storage: &mut StorageServiceClient<Channel>,
    client: &Client,
    req: &pb::SubmitReportRequest,
) -> Option<(pb::SubmitReportResponse, u32)> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match storage
            .submit_report(authed(&client.token, req.clone()))
            .await
        {
            Ok(resp) => return Some((resp.into_inner(), attempts)),
            Err(s) if is_transient(s.code()) => {
                if let Ok(mut t) = shared.transient.lock() {
                    *t.entry(format!("{:?}", s.code())).or_default() += 1;
                }
                if shared.giving_up() {
                    shared.problem(format!(
                        "request {} was never answered after {attempts} attempts (last: {s})",
                        req.request_id
                    ));
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(25 + u64::from(attempts.min(20)) * 5))
                    .await;
            }
            Err(s) => {
                shared.problem(format!(
                    "request {} refused: {:?} {}",
                    req.request_id,
                    s.code(),
                    s.message()
                ));
                return None;
            }
        }
    }
}

/// One client: submits until told to stop, finishing the submission in flight.
pub async fn run_client(shared: Arc<Shared>, client: Client) -> u64 {
    let mut storage = StorageServiceClient::new(lazy_channel(&shared.url));
    let mut seq = 0u64;
    while !shared.stop.load(Ordering::Relaxed) {
        seq += 1;
        let req = request(&shared.base, &client, seq);
        let Some((resp, attempts)) =
            submit_until_answered(&shared, &mut storage, &client, &req).await
        else {
            return seq;
        };
        let Some(rev) = resp.revision else {
            shared.problem(format!(
                "request {}: answer without a revision",
                req.request_id
            ));
            continue;
        };
        if resp.replayed && attempts == 1 {
            shared.problem(format!(
                "request {}: a first attempt was answered as a replay",
                req.request_id
            ));
        }
        if attempts > 1 {
            let counter = if resp.replayed {
                &shared.in_doubt_committed
            } else {
                &shared.in_doubt_new
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }
        if rev.request_id != req.request_id {
            shared.problem(format!(
                "request {}: answered with revision of request {}",
                req.request_id, rev.request_id
            ));
        }
        let year = report_for(&shared.base, &client, seq).year;
        if let Ok(mut acks) = shared.acks.lock() {
            acks.push(Ack {
                client: client.index,
                seq,
                request_id: req.request_id.clone(),
                year,
                number: rev.number,
                checksum: rev.checksum,
                attempts,
                replayed: resp.replayed,
            });
        }
    }
    seq
}

/// Re-sends some acknowledged requests: each must come back `replayed` with its original
/// revision number and checksum. Returns how many were checked.
pub async fn check_replays(shared: &Shared, clients: &[Client], picks: &[usize]) -> usize {
    let sample: Vec<Ack> = match shared.acks.lock() {
        Ok(acks) if !acks.is_empty() => picks
            .iter()
            .map(|&i| acks[i % acks.len()].clone())
            .collect(),
        _ => return 0,
    };
    let mut storage = StorageServiceClient::new(lazy_channel(&shared.url));
    for ack in &sample {
        let client = &clients[ack.client];
        let req = request(&shared.base, client, ack.seq);
        let Some((resp, _)) = submit_until_answered(shared, &mut storage, client, &req).await
        else {
            continue;
        };
        let rev = resp.revision.unwrap_or_default();
        if !resp.replayed || rev.number != ack.number || rev.checksum != ack.checksum {
            shared.problem(format!(
                "retry of acknowledged request {} gave revision {} (replayed {}, checksum {}) instead of revision {} ({})",
                ack.request_id, rev.number, resp.replayed, rev.checksum, ack.number, ack.checksum
            ));
        }
    }
    sample.len()
}
