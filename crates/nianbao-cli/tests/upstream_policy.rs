//! One policy for storage's answers in every service, over real sockets: the aggregation and
//! rendering services, started through their `run`, call a stand-in storage server that answers
//! every call with the status the caller's token names. A refusal (`RESOURCE_EXHAUSTED`,
//! `INVALID_ARGUMENT` with per-cell details) reaches the client with its code, message and
//! details; an internal failure's cause is not sent; no answer is `UNAVAILABLE`. That the
//! stand-in sees the token at all shows the caller's token is passed on.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::net::SocketAddr;
use std::task::{Context, Poll};

use nianbao_proto::aggregate::v1 as apb;
use nianbao_proto::aggregate::v1::aggregation_service_client::AggregationServiceClient;
use nianbao_proto::render::v1 as rpb;
use nianbao_proto::render::v1::render_service_client::RenderServiceClient;
use tonic::body::Body;
use tonic::codegen::http;
use tonic::server::NamedService;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The internal cause storage would log; it must never reach a client.
const CAUSE: &str = "relation \"revisions\" does not exist at /var/lib/postgresql";

/// Answers every storage call with the status its `authorization` names.
#[derive(Clone)]
struct StandIn;

impl NamedService for StandIn {
    const NAME: &'static str = "nianbao.storage.v1.StorageService";
}

fn per_cell() -> Status {
    let mut details = ErrorDetails::new();
    details.add_bad_request_violation("s3.new_received.natural", "应为非负整数 / must be ≥ 0");
    details.add_bad_request_violation("s2.rules.made", "应为整数 / must be a whole number");
    Status::with_error_details(
        Code::InvalidArgument,
        "2 cells are invalid / 2 个单元格无效",
        details,
    )
}

fn answer(token: &str) -> Status {
    match token {
        "Bearer busy" => Status::resource_exhausted("too many failed sign-ins / 失败次数过多"),
        "Bearer cells" => per_cell(),
        "Bearer broken" => Status::internal(CAUSE),
        other => Status::unauthenticated(format!("unexpected token {other:?}")),
    }
}

impl tower::Service<http::Request<Body>> for StandIn {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let token = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        ready(Ok(answer(token).into_http()))
    }
}

async fn listener() -> (tokio::net::TcpListener, SocketAddr) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    (l, addr)
}

/// The stand-in storage, and aggregation and rendering over it, each through its `run`.
async fn start(storage_url: Option<String>) -> (SocketAddr, SocketAddr) {
    let storage_url = match storage_url {
        Some(url) => url,
        None => {
            let (l, addr) = listener().await;
            let server = nianbao_common::GrpcServer::new().add_service(StandIn);
            tokio::spawn(server.serve(l, std::future::pending()));
            format!("http://{addr}")
        }
    };
    let (al, aaddr) = listener().await;
    let aggregate = nianbao_aggregate::AggregateSettings {
        storage_url: storage_url.clone(),
        ..Default::default()
    };
    tokio::spawn(
        async move { nianbao_aggregate::run(al, &aggregate, std::future::pending()).await },
    );
    let (rl, raddr) = listener().await;
    let render = nianbao_render::RenderSettings {
        storage_url,
        ..Default::default()
    };
    tokio::spawn(async move { nianbao_render::run(rl, &render, std::future::pending()).await });
    (aaddr, raddr)
}

fn as_token<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    r.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    r
}

/// What aggregation (`Aggregate`, `Completeness`) and rendering (`Render` of a stored report)
/// answer to a caller with `token`.
async fn answers(aaddr: SocketAddr, raddr: SocketAddr, token: &str) -> Vec<Status> {
    let mut agg = AggregationServiceClient::connect(format!("http://{aaddr}"))
        .await
        .expect("aggregation");
    let mut render = RenderServiceClient::connect(format!("http://{raddr}"))
        .await
        .expect("rendering");
    let org = || ("1404".to_string(), 2023);
    let mut out = Vec::new();
    let (o, y) = org();
    let req = apb::AggregateRequest {
        org: o,
        year: y,
        ..Default::default()
    };
    out.push(agg.aggregate(as_token(req, token)).await.err());
    let (o, y) = org();
    let req = apb::CompletenessRequest {
        org: o,
        year: y,
        filing_only: false,
    };
    out.push(agg.completeness(as_token(req, token)).await.err());
    let req = rpb::RenderRequest {
        format: rpb::Format::Html as i32,
        source: Some(rpb::render_request::Source::Ref(rpb::ReportRef {
            office_code: "1404".into(),
            year: 2023,
            revision: None,
        })),
        ..Default::default()
    };
    out.push(render.render(as_token(req, token)).await.err());
    out.into_iter()
        .map(|s| s.expect("the call must fail"))
        .collect()
}

#[tokio::test]
async fn refusals_keep_code_message_and_per_cell_details() {
    let (aaddr, raddr) = start(None).await;
    for s in answers(aaddr, raddr, "busy").await {
        assert_eq!(s.code(), Code::ResourceExhausted, "{s:?}");
        assert!(s.message().contains("失败次数过多"), "{s:?}");
    }
    let sent = per_cell();
    for s in answers(aaddr, raddr, "cells").await {
        assert_eq!(s.code(), Code::InvalidArgument, "{s:?}");
        assert_eq!(s.message(), sent.message());
        assert_eq!(s.details(), sent.details(), "details kept byte for byte");
        let cells: Vec<String> = s
            .get_details_bad_request()
            .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
            .unwrap_or_default();
        assert_eq!(cells, ["s3.new_received.natural", "s2.rules.made"]);
    }
}

#[tokio::test]
async fn an_internal_cause_is_not_sent_and_no_answer_is_unavailable() {
    let (aaddr, raddr) = start(None).await;
    for s in answers(aaddr, raddr, "broken").await {
        assert_eq!(s.code(), Code::Internal, "{s:?}");
        assert!(!s.message().contains("revisions"), "{s:?}");
        assert!(!s.message().contains("/var/lib"), "{s:?}");
        assert!(
            s.details().is_empty() || !String::from_utf8_lossy(s.details()).contains("revisions")
        );
    }
    // Nothing listens where storage should be.
    let (l, addr) = listener().await;
    drop(l);
    let (aaddr, raddr) = start(Some(format!("http://{addr}"))).await;
    for s in answers(aaddr, raddr, "busy").await {
        assert_eq!(s.code(), Code::Unavailable, "{s:?}");
    }
}
