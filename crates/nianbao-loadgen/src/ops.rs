//! The workers: each picks an operation by weight, sends it, and records how long it took.

use std::sync::Arc;
use std::time::{Duration, Instant};

use nianbao_model::{Office, Report, SectionKey, interchange};
use nianbao_proto::aggregate::v1 as agg;
use nianbao_proto::aggregate::v1::aggregation_service_client::AggregationServiceClient;
use nianbao_proto::render::v1 as render;
use nianbao_proto::render::v1::render_service_client::RenderServiceClient;
use nianbao_proto::report::v1 as report_pb;
use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use rand::{Rng, SeedableRng, rngs::StdRng};
use tonic::transport::Channel;

use crate::mix::{Mix, Op};
use crate::setup::{Identities, Identity, authed, channel};
use crate::stats::Recorder;

/// The years submissions rotate over.
pub const YEARS: [i32; 4] = [2021, 2022, 2023, 2024];

/// The demo report every submission is derived from (about 9 KB of interchange JSON).
pub fn base_report() -> anyhow::Result<Report> {
    Ok(interchange::from_json(include_str!(
        "../../../demo/shangdang-sifaju-2023.json"
    ))?)
}

/// The base report as an office's own: its office and signature.
fn office_report(base: &Report, who: &Identity) -> Report {
    let mut r = base.clone();
    r.office = Office {
        code: who.code.clone(),
        name: who.name.clone(),
    };
    r.signature = Some(who.name.clone());
    r
}

/// The `seq`-th report of an office: its own office, a year in rotation, prose unique to it.
pub fn report_for(base: &Report, who: &Identity, seq: u64) -> Report {
    let mut r = office_report(base, who);
    r.year = YEARS[(seq % YEARS.len() as u64) as usize];
    let other = r
        .sections
        .get(SectionKey::OTHER)
        .cloned()
        .unwrap_or_default();
    r.sections.insert(
        SectionKey::OTHER.to_string(),
        format!("{other}（压力测试第 {seq} 次提交）"),
    );
    r
}

/// The `seq`-th submission of an office as protobuf: `own` (the base report converted once for
/// the office) with the year and prose [`report_for`] gives, without converting it again.
pub fn submission_for(own: &report_pb::Report, seq: u64) -> report_pb::Report {
    let mut r = own.clone();
    r.year = YEARS[(seq % YEARS.len() as u64) as usize];
    let note = format!("（压力测试第 {seq} 次提交）");
    r.sections
        .entry(SectionKey::OTHER.to_string())
        .or_default()
        .push_str(&note);
    r
}

/// Where the services are.
#[derive(Clone, Debug)]
pub struct Targets {
    /// Storage service URL.
    pub storage: String,
    /// Aggregation service URL, when aggregation is in the mix.
    pub aggregate: Option<String>,
    /// Render service URL, when rendering is in the mix.
    pub render: Option<String>,
}

/// What every worker shares.
pub struct Plan {
    /// Service URLs.
    pub targets: Targets,
    /// Tokens.
    pub ids: Identities,
    /// The operation mix.
    pub mix: Mix,
    /// The base report.
    pub base: Report,
    /// Distinguishes this run's request ids from earlier runs'.
    pub nonce: String,
    /// The `list` page: the newest this many revisions (0 = the server's default page).
    pub history_page: i32,
}

/// One worker's clients.
pub struct Worker {
    index: usize,
    plan: Arc<Plan>,
    storage: StorageServiceClient<Channel>,
    aggregate: Option<AggregationServiceClient<Channel>>,
    render: Option<RenderServiceClient<Channel>>,
    rng: StdRng,
    seq: u64,
    /// The base report as this worker's office, converted once.
    own: report_pb::Report,
}

impl Worker {
    /// A worker with its own connections.
    pub fn new(index: usize, plan: Arc<Plan>) -> anyhow::Result<Worker> {
        let storage = StorageServiceClient::new(channel(&plan.targets.storage)?);
        let aggregate = match &plan.targets.aggregate {
            Some(url) => Some(AggregationServiceClient::new(channel(url)?)),
            None => None,
        };
        let render = match &plan.targets.render {
            Some(url) => Some(RenderServiceClient::new(channel(url)?)),
            None => None,
        };
        let me = plan
            .ids
            .offices
            .get(index % plan.ids.offices.len().max(1))
            .ok_or_else(|| anyhow::anyhow!("no office to submit as"))?;
        let own = report_pb::Report::from(&office_report(&plan.base, me));
        Ok(Worker {
            index,
            own,
            plan,
            storage,
            aggregate,
            render,
            rng: StdRng::from_os_rng(),
            seq: 0,
        })
    }

    fn me(&self) -> &Identity {
        &self.plan.ids.offices[self.index % self.plan.ids.offices.len()]
    }

    /// Sends operations from `start` until `until`, recording latencies also by `window`.
    pub async fn run(mut self, start: Instant, until: Instant, window: Duration) -> Recorder {
        let mut rec = Recorder::default();
        let window_s = window.as_secs_f64().max(1e-3);
        while Instant::now() < until {
            let Some(op) = self.plan.mix.pick(self.rng.random()) else {
                break;
            };
            let started = Instant::now();
            let w = (started.duration_since(start).as_secs_f64() / window_s) as u32;
            match self.call(op).await {
                Ok(()) => rec.success_in(w, op, started.elapsed()),
                Err(s) => rec.failure(op, s.code()),
            }
        }
        rec
    }

    /// Sends one operation.
    pub async fn call(&mut self, op: Op) -> Result<(), tonic::Status> {
        let bad_token = |e: anyhow::Error| tonic::Status::invalid_argument(e.to_string());
        let me = self.me().clone();
        let year = YEARS[self.rng.random_range(0..YEARS.len())];
        match op {
            Op::Submit => {
                self.seq += 1;
                let req = pb::SubmitReportRequest {
                    report: Some(submission_for(&self.own, self.seq)),
                    request_id: format!("lg-{}-{}-{}", self.plan.nonce, self.index, self.seq),
                    base_revision: None,
                    draft: false,
                    client: "nianbao-loadgen".into(),
                };
                self.storage
                    .submit_report(authed(&me.token, req).map_err(bad_token)?)
                    .await?;
            }
            Op::Get => {
                let req = pb::GetReportRequest {
                    office_code: me.code.clone(),
                    year,
                    revision: None,
                };
                self.storage
                    .get_report(authed(&me.token, req).map_err(bad_token)?)
                    .await?;
            }
            Op::List => {
                let req = pb::ListRevisionsRequest {
                    office_code: me.code.clone(),
                    year,
                    page_size: self.plan.history_page,
                    newest_first: self.plan.history_page > 0,
                    ..Default::default()
                };
                self.storage
                    .list_revisions(authed(&me.token, req).map_err(bad_token)?)
                    .await?;
            }
            Op::Aggregate => {
                let (org, token) = self
                    .plan
                    .ids
                    .city
                    .clone()
                    .ok_or_else(|| tonic::Status::failed_precondition("no city token"))?;
                let client = self
                    .aggregate
                    .as_mut()
                    .ok_or_else(|| tonic::Status::unavailable("no aggregate server"))?;
                let req = agg::AggregateRequest {
                    org,
                    year,
                    selection: agg::Selection::LatestSubmitted as i32,
                    draft: false,
                };
                client
                    .aggregate(authed(&token, req).map_err(bad_token)?)
                    .await?;
            }
            Op::Render => {
                let report = report_for(&self.plan.base, &me, self.seq);
                let client = self
                    .render
                    .as_mut()
                    .ok_or_else(|| tonic::Status::unavailable("no render server"))?;
                let req = render::RenderRequest {
                    source: Some(render::render_request::Source::Report(
                        report_pb::Report::from(&report),
                    )),
                    format: render::Format::Html as i32,
                    review: false,
                    annex: None,
                };
                let mut stream = client
                    .render(authed(&me.token, req).map_err(bad_token)?)
                    .await?
                    .into_inner();
                while stream.message().await?.is_some() {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_submission_is_its_report_converted() {
        let base = base_report().expect("demo report");
        let who = Identity {
            code: "lg-0007".into(),
            name: "压力测试第七办公室".into(),
            token: "t".into(),
        };
        let own = report_pb::Report::from(&office_report(&base, &who));
        for seq in [1, 2, 3, 4, 5, 1001] {
            let expected = report_pb::Report::from(&report_for(&base, &who, seq));
            assert_eq!(submission_for(&own, seq), expected, "seq {seq}");
        }
        assert_ne!(submission_for(&own, 1), submission_for(&own, 5));
    }
}
