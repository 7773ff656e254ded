//! The gRPC `AggregationService`: thin handlers over the pure modules, reading through storage.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

use futures::{Stream, StreamExt};
use nianbao_common::client;
use nianbao_common::{GrpcServer, ServeError};
use nianbao_proto::aggregate::v1 as apb;
use nianbao_proto::aggregate::v1::aggregation_service_server::{
    AggregationService, AggregationServiceServer,
};
use nianbao_proto::packed::unpack;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

use crate::compare::compare;
use crate::error::{AggregateError, AggregateResult};
use crate::export::{ExportRow, Exporter, Format};
use nianbao_model::Deadlines;

use crate::filing::{OfficeNode, completeness, subtree};
use crate::fold::Fold;
use crate::indicators::indicators;
use crate::prologue::call;
use crate::rollup::edition_of_year;
use crate::settings::AggregateSettings;
use crate::source::{Auth, Selection, StorageSource};
use crate::summed::Aggregate;
use crate::wire;

/// The rendered city report as it streams from the rendering service.
pub type CityStream = Pin<Box<dyn Stream<Item = Result<apb::CityReportResponse, Status>> + Send>>;

/// Chunks of an export are sent once they reach this size.
const CHUNK: usize = 64 * 1024;

/// The aggregation service. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AggregateService {
    pub(crate) storage: StorageSource,
    deadlines: Deadlines,
    /// The rendering service, for the city report.
    pub(crate) render: Channel,
    /// Limits of fetching a published page.
    pub(crate) fetch_limits: nianbao_fetch::Limits,
}

/// The aggregation service built from its settings (channels to storage and rendering,
/// connected on first use; call it inside the runtime that serves).
pub fn service(
    settings: &AggregateSettings,
) -> AggregateResult<AggregationServiceServer<AggregateService>> {
    let storage = client::channel(&settings.storage_url, &settings.storage_tls)?;
    let render = client::channel(&settings.render_url, &settings.storage_tls)?;
    Ok(
        AggregationServiceServer::new(AggregateService::new(storage, render))
            .max_decoding_message_size(16 * 1024 * 1024),
    )
}

/// Serves the aggregation service alone (with health and reflection, TLS from `settings.tls`) on
/// `listener` until `shutdown`.
pub async fn run(
    listener: TcpListener,
    settings: &AggregateSettings,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let service = service(settings).map_err(|e| ServeError::Start(e.to_string()))?;
    GrpcServer::new()
        .add_service(service)
        .run_alone(listener, &settings.tls, shutdown)
        .await
}

impl AggregateService {
    /// A service reading from the storage service behind `storage` and rendering city reports
    /// through the rendering service behind `render`.
    pub fn new(storage: Channel, render: Channel) -> AggregateService {
        AggregateService {
            storage: StorageSource::new(storage),
            deadlines: Deadlines::default(),
            render,
            fetch_limits: nianbao_fetch::Limits::default(),
        }
    }

    /// Replaces the limits of fetching published pages.
    pub fn with_fetch_limits(mut self, limits: nianbao_fetch::Limits) -> AggregateService {
        self.fetch_limits = limits;
        self
    }

    /// Replaces the filing deadlines.
    pub fn with_deadlines(mut self, deadlines: Deadlines) -> AggregateService {
        self.deadlines = deadlines;
        self
    }

    /// The offices of the subtree of `org`, root first; `NotFound` when `org` is not visible.
    async fn tree(&self, org: &str, auth: &Auth) -> AggregateResult<Vec<OfficeNode>> {
        let offices = self.storage.offices(org, auth).await?;
        let tree: Vec<OfficeNode> = subtree(&offices, org).into_iter().cloned().collect();
        if tree.is_empty() {
            return Err(AggregateError::OrgNotFound(org.to_string()));
        }
        Ok(tree)
    }

    /// The roll-up of the subtree `tree` (root first), folded as storage streams the packed
    /// reports: no report is held whole.
    pub(crate) async fn rollup_of(
        &self,
        tree: &[OfficeNode],
        year: i32,
        selection: Selection,
        auth: &Auth,
    ) -> AggregateResult<Aggregate> {
        let stream = self
            .storage
            .packed_reports(&tree[0].code, year, selection, auth)
            .await?;
        fold_stream(tree, year, stream).await
    }

    /// The subtree of `org` and its roll-up. Storage plans the stream while it lists the
    /// offices: both requests are sent at once.
    pub(crate) async fn tree_and_rollup(
        &self,
        org: &str,
        year: i32,
        selection: Selection,
        auth: &Auth,
    ) -> AggregateResult<(Vec<OfficeNode>, Aggregate)> {
        let (tree, stream) = futures::try_join!(
            self.tree(org, auth),
            self.storage.packed_reports(org, year, selection, auth)
        )?;
        let agg = fold_stream(&tree, year, stream).await?;
        Ok((tree, agg))
    }
}

/// Folds a stream of packed reports into the roll-up of `tree` (root first); reports of offices
/// outside it are ignored.
async fn fold_stream(
    tree: &[OfficeNode],
    year: i32,
    stream: impl futures::Stream<Item = AggregateResult<(Vec<u8>, i64)>>,
) -> AggregateResult<Aggregate> {
    let root = &tree[0];
    let codes: HashSet<&str> = tree.iter().map(|o| o.code.as_str()).collect();
    let org = wire::org_office(&root.code, &root.name);
    let mut fold = Fold::new(edition_of_year(year), year, &org);
    futures::pin_mut!(stream);
    while let Some(item) = stream.next().await {
        let (bytes, revision) = item?;
        let u = unpack(&bytes).map_err(|e| AggregateError::BadData(e.to_string()))?;
        if !codes.contains(u.office.code.as_str()) {
            continue;
        }
        fold.add_cells(&u.office, u.year, u.edition, revision, &u.cells);
    }
    Ok(fold.finish())
}

impl AggregateService {
    /// Completeness of the subtree `tree` (root first), with each office's errors and warnings
    /// when `counted` (else 0: see `CompletenessRequest.filing_only`).
    pub(crate) async fn filing(
        &self,
        tree: &[OfficeNode],
        year: i32,
        counted: bool,
        auth: &Auth,
    ) -> AggregateResult<crate::filing::Completeness> {
        let org = &tree[0].code;
        let (summaries, quality) = tokio::join!(self.storage.summaries(org, year, auth), async {
            if counted {
                self.counts(org, year, auth).await
            } else {
                self.published_dates(org, year, auth).await
            }
        });
        let (mut summaries, quality) = (summaries?, quality?);
        for s in &mut summaries {
            s.published_date = quality.get(&s.office_code).and_then(|q| q.2);
        }
        let mut c = completeness(org, year, tree, &summaries, &self.deadlines);
        for f in &mut c.offices {
            if let Some((errors, warnings, _)) = quality.get(&f.office_code) {
                f.errors = *errors;
                f.warnings = *warnings;
            }
        }
        Ok(c)
    }
}

type ExportStream = Pin<Box<dyn Stream<Item = Result<apb::ExportResponse, Status>> + Send>>;

#[tonic::async_trait]
impl AggregationService for AggregateService {
    #[tracing::instrument(skip_all, fields(rpc = "Aggregate", org = tracing::field::Empty, year = tracing::field::Empty))]
    async fn aggregate(
        &self,
        request: Request<apb::AggregateRequest>,
    ) -> Result<Response<apb::AggregateResponse>, Status> {
        let (auth, org, year, r) = call(request)?;
        let selection = wire::selection(r.selection);
        if r.draft {
            let city = self.city_report(&org, year, selection, &auth).await?;
            return Ok(Response::new(wire::aggregate_response(
                &city.aggregate,
                &city.indicators,
            )));
        }
        let (_, agg) = self.tree_and_rollup(&org, year, selection, &auth).await?;
        let offices = i64::try_from(agg.included.len()).unwrap_or(i64::MAX);
        let ind = indicators(&agg.report, offices);
        Ok(Response::new(wire::aggregate_response(&agg, &ind)))
    }

    #[tracing::instrument(skip_all, fields(rpc = "Completeness", org = tracing::field::Empty, year = tracing::field::Empty))]
    async fn completeness(
        &self,
        request: Request<apb::CompletenessRequest>,
    ) -> Result<Response<apb::CompletenessResponse>, Status> {
        let (auth, org, year, r) = call(request)?;
        let tree = self.tree(&org, &auth).await?;
        let (c, publications) = futures::try_join!(
            self.filing(&tree, year, !r.filing_only, &auth),
            self.storage.publications(&org, year, &auth)
        )?;
        Ok(Response::new(wire::completeness_response(&c, publications)))
    }

    #[tracing::instrument(skip_all, fields(rpc = "Compare", org = tracing::field::Empty))]
    async fn compare(
        &self,
        request: Request<apb::CompareRequest>,
    ) -> Result<Response<apb::CompareResponse>, Status> {
        let (auth, org, first, r) = call(request)?;
        let tree = self.tree(&org, &auth).await?;
        let cmp = if r.years.len() == 1 {
            let reports = self
                .storage
                .all_reports(&org, first, Selection::LatestSubmitted, &auth)
                .await?;
            let labelled: Vec<(String, &nianbao_model::Report)> = reports
                .iter()
                .map(|s| (s.report.office.code.clone(), &s.report))
                .collect();
            compare(&labelled, &r.cells)
        } else {
            let mut aggs = Vec::new();
            for y in &r.years {
                aggs.push((
                    y.to_string(),
                    self.rollup_of(&tree, *y, Selection::LatestSubmitted, &auth)
                        .await?,
                ));
            }
            let labelled: Vec<(String, &nianbao_model::Report)> =
                aggs.iter().map(|(y, a)| (y.clone(), &a.report)).collect();
            compare(&labelled, &r.cells)
        };
        Ok(Response::new(wire::compare_response(&cmp)))
    }

    type ExportStream = ExportStream;

    #[tracing::instrument(skip_all, fields(rpc = "Export", org = tracing::field::Empty, year = tracing::field::Empty))]
    async fn export(
        &self,
        request: Request<apb::ExportRequest>,
    ) -> Result<Response<Self::ExportStream>, Status> {
        let (auth, org, year, r) = call(request)?;
        let format = wire::format(r.format)?;
        let tree = self.tree(&org, &auth).await?;
        let summaries = self.storage.summaries(&org, year, &auth).await?;
        // The packed stream: only cells are exported, and storage serves them from its cache.
        let stream = self
            .storage
            .packed_reports(&org, year, wire::selection(r.selection), &auth)
            .await?
            .map(|item| {
                let (bytes, revision) = item?;
                let report = unpack(&bytes)
                    .map_err(|e| AggregateError::BadData(e.to_string()))?
                    .into_report();
                Ok(crate::source::StoredReport {
                    report,
                    revision,
                    findings: Vec::new(),
                    status: None,
                })
            });
        let (tx, rx) = mpsc::channel(4);
        let job = ExportJob {
            tree,
            status: summaries
                .into_iter()
                .map(|s| (s.office_code, s.status.as_str().to_string()))
                .collect(),
            year,
            format,
        };
        tokio::spawn(async move {
            if let Err(e) = job.run(stream, &tx).await {
                let _ = tx.send(Err(Status::from(e))).await;
            }
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }

    type RenderCityReportStream = CityStream;

    #[tracing::instrument(skip_all, fields(rpc = "RenderCityReport", org = tracing::field::Empty, year = tracing::field::Empty))]
    async fn render_city_report(
        &self,
        request: Request<apb::CityReportRequest>,
    ) -> Result<Response<Self::RenderCityReportStream>, Status> {
        let (auth, org, year, r) = call(request)?;
        let format = wire::render_format(r.format)?;
        let city = self
            .city_report(&org, year, wire::selection(r.selection), &auth)
            .await?;
        Ok(Response::new(self.render_city(&city, format).await?))
    }

    #[tracing::instrument(skip_all, fields(rpc = "VerifyPublished", org = tracing::field::Empty, year = tracing::field::Empty))]
    async fn verify_published(
        &self,
        request: Request<apb::VerifyPublishedRequest>,
    ) -> Result<Response<apb::VerifyPublishedResponse>, Status> {
        let (auth, org, year, _) = call(request)?;
        let publications = self.check_publications(&org, year, &auth).await?;
        Ok(Response::new(apb::VerifyPublishedResponse { publications }))
    }
}

/// One export in progress: rows are written as storage streams the reports.
struct ExportJob {
    tree: Vec<OfficeNode>,
    status: HashMap<String, String>,
    year: i32,
    format: Format,
}

type Sender = mpsc::Sender<Result<apb::ExportResponse, Status>>;

impl ExportJob {
    async fn send(&self, tx: &Sender, chunk: Vec<u8>, first: &mut bool) -> AggregateResult<()> {
        for piece in chunk.chunks(1024 * 1024) {
            let content_type = if std::mem::take(first) {
                self.format.content_type().to_string()
            } else {
                String::new()
            };
            tx.send(Ok(apb::ExportResponse {
                content_type,
                chunk: piece.to_vec(),
            }))
            .await
            .map_err(|_| {
                AggregateError::Unreachable("the client went away / 客户端已断开".into())
            })?;
        }
        Ok(())
    }

    async fn run(
        self,
        stream: impl Stream<Item = AggregateResult<crate::source::StoredReport>>,
        tx: &Sender,
    ) -> AggregateResult<()> {
        futures::pin_mut!(stream);
        let edition = edition_of_year(self.year);
        let mut exporter = Exporter::new(self.format, edition, self.year);
        let parents: HashMap<&str, &OfficeNode> =
            self.tree.iter().map(|o| (o.code.as_str(), o)).collect();
        let root = &self.tree[0];
        let mut total = (self.format != Format::Csv).then(|| {
            Fold::new(
                edition,
                self.year,
                &wire::org_office(&root.code, &root.name),
            )
        });
        let mut seen = HashSet::new();
        let mut first = true;
        while let Some(item) = stream.next().await {
            let s = item?;
            let code = s.report.office.code.clone();
            let Some(node) = parents.get(code.as_str()) else {
                continue;
            };
            if !seen.insert(code.clone()) {
                continue;
            }
            let status = self
                .status
                .get(&code)
                .map(String::as_str)
                .unwrap_or("submitted");
            exporter.row(&ExportRow {
                office_code: &code,
                office_name: &node.name,
                parent_code: node.parent_code.as_deref().unwrap_or(""),
                status,
                revision: s.revision,
                report: Some(&s.report),
            })?;
            if let Some(fold) = total.as_mut() {
                fold.add_report(&s.report, s.revision);
            }
            if exporter.pending() >= CHUNK || first {
                let chunk = exporter.take_chunk();
                self.send(tx, chunk, &mut first).await?;
            }
        }
        for o in self.tree.iter().filter(|o| !seen.contains(&o.code)) {
            let status = self
                .status
                .get(&o.code)
                .map(String::as_str)
                .unwrap_or("missing");
            exporter.row(&ExportRow {
                office_code: &o.code,
                office_name: &o.name,
                parent_code: o.parent_code.as_deref().unwrap_or(""),
                status,
                revision: 0,
                report: None,
            })?;
        }
        let total = total.map(|fold| fold.finish().report);
        exporter.finish(total.as_ref())?;
        let rest = exporter.take_chunk();
        self.send(tx, rest, &mut first).await
    }
}
