//! The gRPC `nianbao.render.v1.RenderService`: renders an inline or a stored report and streams it in chunks.

use std::future::Future;
use std::pin::Pin;

use futures::Stream;
use nianbao_common::client::{self, PassToken};
use nianbao_common::{GrpcServer, ServeError};
use nianbao_model::Report;
use nianbao_model::rules::check_report;
use nianbao_proto::render::v1 as pb;
use nianbao_proto::render::v1::render_service_server::{RenderService, RenderServiceServer};
use nianbao_proto::storage::v1::GetReportRequest;
use tokio::net::TcpListener;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

use crate::annex::{self, Annex, AnnexOffice, AnnexTable, Chart, ChartSeries};
use crate::{Format, RenderError, RenderOptions, render};

/// The size of each streamed chunk.
pub const CHUNK: usize = 64 * 1024;

/// Where the rendering service finds storage (`[render]`, `NIANBAO_RENDER__*`).
#[derive(Clone, Debug, serde::Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct RenderSettings {
    /// The storage service URL (`NIANBAO_RENDER__STORAGE_URL`).
    pub storage_url: String,
    /// TLS towards storage: its CA, and a client certificate when storage asks for one
    /// (`NIANBAO_RENDER__STORAGE_TLS__CA_FILE`, `…__CERT_FILE`, `…__KEY_FILE`).
    pub storage_tls: nianbao_common::ClientTlsSettings,
    /// The server's own TLS when it runs alone ([`run`]): the process's `[tls]`, set by the
    /// caller, not a key of this section.
    #[serde(skip)]
    pub tls: nianbao_common::TlsSettings,
}

impl Default for RenderSettings {
    fn default() -> Self {
        RenderSettings {
            storage_url: "http://127.0.0.1:50051".into(),
            storage_tls: Default::default(),
            tls: Default::default(),
        }
    }
}

/// The render service; stored reports come from the storage service behind `storage`.
#[derive(Clone)]
pub struct RenderSvc {
    storage: Channel,
}

impl RenderSvc {
    /// A service fetching stored reports through `storage`.
    pub fn new(storage: Channel) -> RenderSvc {
        RenderSvc { storage }
    }

    async fn fetch(&self, r: pb::ReportRef, auth: PassToken) -> Result<Report, RenderError> {
        let what = format!(
            "{}:{}{}",
            r.office_code,
            r.year,
            r.revision.map(|n| format!(":{n}")).unwrap_or_default()
        );
        if r.office_code.trim().is_empty() {
            return Err(RenderError::BadReport {
                field: "ref.office_code".into(),
                reason: "must not be empty / 不能为空".into(),
            });
        }
        let req = Request::new(GetReportRequest {
            office_code: r.office_code,
            year: r.year,
            revision: r.revision,
        });
        let resp = client::storage(&self.storage, auth)
            .get_report(req)
            .await
            .map_err(|s| match s.code() {
                tonic::Code::NotFound => RenderError::NotFound(what.clone()),
                _ => RenderError::Storage(s),
            })?;
        let report = resp
            .into_inner()
            .report
            .ok_or_else(|| RenderError::NotFound(what))?;
        Report::try_from(report).map_err(bad_report)
    }
}

fn bad_report(e: nianbao_proto::ConversionError) -> RenderError {
    RenderError::BadReport {
        field: e.field(),
        reason: e.to_string(),
    }
}

/// The model format of a protobuf format value.
pub fn format_from_pb(value: i32) -> Result<Format, RenderError> {
    match pb::Format::try_from(value) {
        Ok(pb::Format::Html) => Ok(Format::Html),
        Ok(pb::Format::Docx) => Ok(Format::Docx),
        Ok(pb::Format::Pdf) => Ok(Format::Pdf),
        Ok(pb::Format::Markdown) => Ok(Format::Markdown),
        Ok(pb::Format::Text) => Ok(Format::Text),
        Ok(pb::Format::Unspecified) | Err(_) => Err(RenderError::UnknownFormat {
            field: "format".into(),
            value: value.to_string(),
        }),
    }
}

/// The protobuf format value of a format.
pub fn format_to_pb(format: Format) -> pb::Format {
    match format {
        Format::Html => pb::Format::Html,
        Format::Docx => pb::Format::Docx,
        Format::Pdf => pb::Format::Pdf,
        Format::Markdown => pb::Format::Markdown,
        Format::Text => pb::Format::Text,
    }
}

fn table_from_pb(t: Option<pb::AnnexTable>) -> AnnexTable {
    let t = t.unwrap_or_default();
    AnnexTable {
        caption: t.caption,
        header: t.header,
        rows: t.rows.into_iter().map(|r| r.cells).collect(),
    }
}

/// The annex of a request; the chart of the report's own outcomes (table 三) comes first.
pub fn annex_from_pb(a: pb::Annex, report: &Report) -> Annex {
    let mut charts = vec![annex::requests_by_outcome(report)];
    charts.extend(a.charts.into_iter().map(|c| {
        Chart {
            title: c.title,
            unit: c.unit,
            categories: c.categories,
            series: c
                .series
                .into_iter()
                .map(|s| ChartSeries {
                    name: s.name,
                    values: s.values,
                })
                .collect(),
        }
    }));
    Annex {
        title: a.title,
        offices: a
            .offices
            .into_iter()
            .map(|o| AnnexOffice {
                code: o.code,
                name: o.name,
                status: o.status,
                revision: o.revision,
            })
            .collect(),
        completeness: table_from_pb(a.completeness),
        indicators: table_from_pb(a.indicators),
        charts,
    }
}

/// Every error of the service mapped to a gRPC status, in one place.
impl From<RenderError> for Status {
    fn from(e: RenderError) -> Status {
        let msg = e.to_string();
        match e {
            RenderError::UnknownFormat { .. } | RenderError::BadReport { .. } => {
                Status::invalid_argument(msg)
            }
            RenderError::NotFound(_) => Status::not_found(msg),
            RenderError::Storage(s) => nianbao_common::upstream::from_storage(&s),
            RenderError::NoFonts => Status::failed_precondition(msg),
            RenderError::Typeset(_)
            | RenderError::Docx(_)
            | RenderError::Internal(_)
            | RenderError::Settings(_) => nianbao_common::upstream::internal(&msg, "rendering"),
        }
    }
}

type ChunkStream = Pin<Box<dyn Stream<Item = Result<pb::RenderResponse, Status>> + Send>>;

/// The document cut into messages; the first carries the content type.
pub fn chunks(bytes: Vec<u8>, format: Format) -> Vec<pb::RenderResponse> {
    let mut out: Vec<pb::RenderResponse> = bytes
        .chunks(CHUNK)
        .map(|c| pb::RenderResponse {
            content_type: String::new(),
            chunk: c.to_vec(),
        })
        .collect();
    if out.is_empty() {
        out.push(pb::RenderResponse::default());
    }
    out[0].content_type = format.content_type().to_string();
    out
}

#[tonic::async_trait]
impl RenderService for RenderSvc {
    type RenderStream = ChunkStream;

    #[tracing::instrument(skip_all, fields(format = req.get_ref().format, review = req.get_ref().review, bytes))]
    async fn render(
        &self,
        req: Request<pb::RenderRequest>,
    ) -> Result<Response<Self::RenderStream>, Status> {
        let auth = PassToken::of(&req);
        let msg = req.into_inner();
        let format = format_from_pb(msg.format)?;
        let report = match msg.source {
            Some(pb::render_request::Source::Report(r)) => {
                Report::try_from(r).map_err(bad_report)?
            }
            Some(pb::render_request::Source::Ref(r)) => self.fetch(r, auth).await?,
            None => Err(RenderError::BadReport {
                field: "source".into(),
                reason: "set report or ref / 需要 report 或 ref".into(),
            })?,
        };
        let review = msg.review;
        let annex = msg.annex.map(|a| annex_from_pb(a, &report));
        let bytes = tokio::task::spawn_blocking(move || {
            let findings = if review {
                check_report(&report)
            } else {
                Vec::new()
            };
            let opts = RenderOptions {
                review,
                findings,
                annex,
            };
            render(&report, format, &opts)
        })
        .await
        .map_err(|e| RenderError::Internal(e.to_string()))??;
        tracing::Span::current().record("bytes", bytes.len());
        let stream = tokio_stream::iter(chunks(bytes, format).into_iter().map(Ok));
        Ok(Response::new(Box::pin(stream)))
    }
}

/// The rendering service built from its settings (the channel to storage connects on first
/// use; call it inside the runtime that serves).
pub fn service(settings: &RenderSettings) -> Result<RenderServiceServer<RenderSvc>, RenderError> {
    let storage = client::channel(&settings.storage_url, &settings.storage_tls)?;
    Ok(RenderServiceServer::new(RenderSvc::new(storage)).max_encoding_message_size(4 * CHUNK))
}

/// Serves the rendering service alone (with health and reflection, TLS from `settings.tls`) on
/// `listener` until `shutdown`.
pub async fn run(
    listener: TcpListener,
    settings: &RenderSettings,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let service = service(settings).map_err(|e| ServeError::Start(e.to_string()))?;
    GrpcServer::new()
        .add_service(service)
        .run_alone(listener, &settings.tls, shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn construction_checks_the_storage_url() {
        let mut settings = RenderSettings {
            storage_url: "http://127.0.0.1:1".into(),
            ..RenderSettings::default()
        };
        assert!(service(&settings).is_ok());
        settings.storage_url = "not a uri".into();
        let e = service(&settings).err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("not a uri")));
    }

    #[test]
    fn chunks_carry_the_content_type_once() {
        let c = chunks(vec![7; CHUNK * 2 + 1], Format::Pdf);
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].content_type, "application/pdf");
        assert!(c[1].content_type.is_empty() && c[2].chunk.len() == 1);
        assert_eq!(chunks(Vec::new(), Format::Html).len(), 1);
    }

    #[test]
    fn errors_map_to_codes() {
        let s: Status = format_from_pb(42).err().map(Into::into).expect("err");
        assert_eq!(s.code(), tonic::Code::InvalidArgument);
        assert!(s.message().starts_with("format"));
        let s: Status = RenderError::NotFound("x:2023".into()).into();
        assert_eq!(s.code(), tonic::Code::NotFound);
        let s: Status = RenderError::Storage(Status::permission_denied("no")).into();
        assert_eq!(s.code(), tonic::Code::PermissionDenied);
    }
}
