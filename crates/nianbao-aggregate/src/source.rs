//! Reading from the storage service: offices, report summaries, the selected revision of every
//! office-year in a subtree, and review marks. Every call carries the caller's `authorization`.

use chrono::DateTime;
use futures::{Stream, StreamExt};
use nianbao_common::client::{self, Calling, PassToken};
use nianbao_model::{Finding, Report};
use nianbao_proto::storage::v1 as spb;
use prost::Message;
use spb::storage_service_client::StorageServiceClient;
use tonic::transport::Channel;

use crate::error::{AggregateError, AggregateResult};
use crate::filing::{OfficeNode, ReportStatus, Summary};

/// The caller's `authorization` header, passed on to storage as is.
pub type Auth = PassToken;

/// Which revision of each office-year to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The accepted (or published) revision; others are skipped.
    Accepted,
    /// The latest submitted (non-draft) revision.
    LatestSubmitted,
}

/// One office-year read from storage.
#[derive(Clone, Debug)]
pub struct StoredReport {
    /// The report.
    pub report: Report,
    /// Its revision number.
    pub revision: i64,
    /// The findings stored with the revision.
    pub findings: Vec<Finding>,
    /// The status of the office-year, when storage sent it.
    pub status: Option<ReportStatus>,
}

/// A storage client.
#[derive(Clone, Debug)]
pub struct StorageSource {
    channel: Channel,
}

/// The model status of a storage status.
pub fn status_from_pb(value: i32) -> Option<ReportStatus> {
    match spb::ReportStatus::try_from(value).ok()? {
        spb::ReportStatus::Draft => Some(ReportStatus::Draft),
        spb::ReportStatus::Submitted => Some(ReportStatus::Submitted),
        spb::ReportStatus::Returned => Some(ReportStatus::Returned),
        spb::ReportStatus::Accepted => Some(ReportStatus::Accepted),
        spb::ReportStatus::Published => Some(ReportStatus::Published),
        spb::ReportStatus::Unspecified => None,
    }
}

fn office_from_pb(o: spb::OfficeInfo) -> OfficeNode {
    OfficeNode {
        code: o.code,
        name: o.name,
        kind: o.kind,
        parent_code: Some(o.parent_code).filter(|p| !p.is_empty()),
        must_report: o.must_report,
        exempt_years: o.exempt_years,
    }
}

fn summary_from_pb(s: spb::ReportSummary) -> Option<Summary> {
    Some(Summary {
        status: status_from_pb(s.status)?,
        first_submitted_at: DateTime::parse_from_rfc3339(&s.first_submitted_at).ok(),
        published_date: None,
        errors: s.error_count,
        warnings: s.warning_count,
        office_code: s.office_code,
    })
}

/// A report encoded by [`StorageSource::encoded_reports`], decoded.
pub fn decode_report(bytes: &[u8]) -> AggregateResult<Report> {
    let pb = nianbao_proto::report::v1::Report::decode(bytes)
        .map_err(|e| AggregateError::BadData(format!("report: {e}")))?;
    Report::try_from(pb).map_err(|e| AggregateError::BadData(e.to_string()))
}

fn stored_report(item: spb::StreamReportsResponse) -> AggregateResult<StoredReport> {
    let mut stored = decode_stored(item.report, item.revision)?;
    stored.status = item.summary.and_then(|s| status_from_pb(s.status));
    Ok(stored)
}

/// A report and its revision as storage sends them (`StreamReports`, `GetReport`), decoded; no
/// status.
pub fn decode_stored(
    report: Option<nianbao_proto::report::v1::Report>,
    revision: Option<spb::Revision>,
) -> AggregateResult<StoredReport> {
    let report =
        report.ok_or_else(|| AggregateError::BadData("storage answer: report missing".into()))?;
    let report = Report::try_from(report).map_err(|e| AggregateError::BadData(e.to_string()))?;
    let (revision, findings) = match revision {
        Some(r) => (
            r.number,
            r.findings
                .into_iter()
                .filter_map(|f| Finding::try_from(f).ok())
                .collect(),
        ),
        None => (0, Vec::new()),
    };
    Ok(StoredReport {
        report,
        revision,
        findings,
        status: None,
    })
}

impl StorageSource {
    /// A client over an existing channel.
    pub fn new(channel: Channel) -> StorageSource {
        StorageSource { channel }
    }

    /// The storage service as the caller `auth`.
    pub(crate) fn client(&self, auth: &Auth) -> StorageServiceClient<Calling> {
        client::storage(&self.channel, auth.clone())
    }

    /// The offices of the subtree under `under` (the caller's own subtree when empty).
    pub async fn offices(&self, under: &str, auth: &Auth) -> AggregateResult<Vec<OfficeNode>> {
        let resp = self
            .client(auth)
            .list_offices(tonic::Request::new(spb::ListOfficesRequest {
                under: under.to_string(),
            }))
            .await?;
        Ok(resp
            .into_inner()
            .offices
            .into_iter()
            .map(office_from_pb)
            .collect())
    }

    /// One revision of an office-year in full, with its stored findings.
    pub async fn revision(
        &self,
        office: &str,
        year: i32,
        number: i64,
        auth: &Auth,
    ) -> AggregateResult<StoredReport> {
        let resp = self
            .client(auth)
            .get_report(tonic::Request::new(spb::GetReportRequest {
                office_code: office.to_string(),
                year,
                revision: Some(number),
            }))
            .await?
            .into_inner();
        decode_stored(resp.report, resp.revision)
    }

    /// Every report summary of `year` under `under`, all pages.
    pub async fn summaries(
        &self,
        under: &str,
        year: i32,
        auth: &Auth,
    ) -> AggregateResult<Vec<Summary>> {
        let mut out = Vec::new();
        let mut page_token = String::new();
        loop {
            let resp = self
                .client(auth)
                .list_reports(tonic::Request::new(spb::ListReportsRequest {
                    under: under.to_string(),
                    year: Some(year),
                    status: None,
                    // The largest page storage sends: each page reads the subtree again.
                    page_size: 10_000,
                    page_token: page_token.clone(),
                }))
                .await?
                .into_inner();
            out.extend(resp.reports.into_iter().filter_map(summary_from_pb));
            if resp.next_page_token.is_empty() || resp.next_page_token == page_token {
                return Ok(out);
            }
            page_token = resp.next_page_token;
        }
    }

    /// The selected revision of every office-year of `year` under `under`, as storage streams them.
    pub async fn reports(
        &self,
        under: &str,
        year: i32,
        selection: Selection,
        auth: &Auth,
    ) -> AggregateResult<impl Stream<Item = AggregateResult<StoredReport>> + Send + 'static> {
        let stream = self.raw_reports(under, year, selection, auth).await?;
        Ok(stream.map(|item| stored_report(item?)))
    }

    /// The selected revision of every office-year, each as its office code and its report still
    /// encoded as protobuf (a third of the memory of a decoded report); decode with
    /// [`decode_report`].
    pub async fn encoded_reports(
        &self,
        under: &str,
        year: i32,
        selection: Selection,
        auth: &Auth,
    ) -> AggregateResult<impl Stream<Item = AggregateResult<(String, Vec<u8>)>> + Send + 'static>
    {
        let stream = self.raw_reports(under, year, selection, auth).await?;
        Ok(stream.map(|item| {
            let report = item?.report.ok_or_else(|| {
                AggregateError::BadData("StreamReportsResponse.report missing".into())
            })?;
            let code = report
                .office
                .as_ref()
                .map(|o| o.code.clone())
                .unwrap_or_default();
            Ok((code, report.encode_to_vec()))
        }))
    }

    async fn raw_reports(
        &self,
        under: &str,
        year: i32,
        selection: Selection,
        auth: &Auth,
    ) -> AggregateResult<tonic::Streaming<spb::StreamReportsResponse>> {
        let selection = match selection {
            Selection::Accepted => spb::Selection::Accepted,
            Selection::LatestSubmitted => spb::Selection::LatestSubmitted,
        };
        Ok(self
            .client(auth)
            .stream_reports(tonic::Request::new(spb::StreamReportsRequest {
                under: under.to_string(),
                year,
                selection: selection as i32,
                packed: false,
                ..Default::default()
            }))
            .await?
            .into_inner())
    }

    /// The selected revision of every office-year of `year` under `under` in packed form (cells by
    /// index, no prose), each with its revision number, as storage streams them.
    pub async fn packed_reports(
        &self,
        under: &str,
        year: i32,
        selection: Selection,
        auth: &Auth,
    ) -> AggregateResult<impl Stream<Item = AggregateResult<(Vec<u8>, i64)>> + Send + 'static> {
        let selection = match selection {
            Selection::Accepted => spb::Selection::Accepted,
            Selection::LatestSubmitted => spb::Selection::LatestSubmitted,
        };
        let stream = self
            .client(auth)
            .stream_reports(tonic::Request::new(spb::StreamReportsRequest {
                under: under.to_string(),
                year,
                selection: selection as i32,
                packed: true,
                cells_only: true,
            }))
            .await?
            .into_inner();
        Ok(stream.map(|item| {
            let item = item?;
            if item.packed.is_empty() {
                return Err(AggregateError::BadData(
                    "StreamReportsResponse.packed missing (storage too old?) / 存储服务未返回紧凑格式"
                        .into(),
                ));
            }
            let revision = item.revision.map(|r| r.number).unwrap_or(0);
            Ok((item.packed, revision))
        }))
    }

    /// All stored reports of `year` under `under`, collected.
    pub async fn all_reports(
        &self,
        under: &str,
        year: i32,
        selection: Selection,
        auth: &Auth,
    ) -> AggregateResult<Vec<StoredReport>> {
        let stream = self.reports(under, year, selection, auth).await?;
        futures::pin_mut!(stream);
        let mut out = Vec::new();
        while let Some(item) = stream.next().await {
            out.push(item?);
        }
        Ok(out)
    }
}
