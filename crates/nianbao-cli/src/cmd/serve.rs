//! `nianbao serve all|storage|render|aggregate|web` and `nianbao health`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use nianbao_common::GrpcServer;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::client::ClientArgs;
use crate::output;

/// Run services.
#[derive(clap::Subcommand, Debug)]
pub enum Serve {
    /// Every service in one process.
    #[command(
        after_help = "Examples:\n  nianbao serve all --listen 127.0.0.1:50051 --database sqlite://data/nianbao.db"
    )]
    All(ServeArgs),
    /// The storage service: offices, reports and revisions, review, tokens, audit log.
    #[command(
        after_help = "Examples:\n  nianbao serve storage --listen 127.0.0.1:50051 --database sqlite://data/nianbao.db\n  nianbao serve storage --database postgres://nianbao@db:5432/nianbao\n  NIANBAO_DATABASE__URL=postgres://… nianbao serve storage --config nianbao.toml"
    )]
    Storage(ServeArgs),
    /// The rendering service (stateless; reads stored reports from storage).
    #[command(
        after_help = "Examples:\n  nianbao serve render --listen 127.0.0.1:50052 --storage-url http://127.0.0.1:50051"
    )]
    Render(ServeArgs),
    /// The aggregation service (stateless; reads reports only through the storage service).
    #[command(
        after_help = "Examples:\n  nianbao serve aggregate --listen 127.0.0.1:50053 --storage-url http://127.0.0.1:50051 --render-url http://127.0.0.1:50052"
    )]
    Aggregate(ServeArgs),
    /// The web console (a client of storage, rendering and aggregation; no database of its own).
    #[command(
        after_help = "Examples:\n  nianbao serve web --listen 127.0.0.1:8080 --storage-url http://127.0.0.1:50051 --render-url http://127.0.0.1:50052 --aggregate-url http://127.0.0.1:50053\n  NIANBAO_WEB__STORAGE_URL=… nianbao serve web --config nianbao.toml"
    )]
    Web(ServeArgs),
}

/// Where to listen and which database; flags win over `--config` and `NIANBAO_*` variables.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:50051; port 0 picks a free one).
    #[arg(long)]
    listen: Option<String>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST:PORT/DB (default sqlite://data/nianbao.db).
    #[arg(long)]
    database: Option<String>,
    /// A TOML settings file (listen, [database] url, [log], [render]/[aggregate] storage_url, [metrics] listen, [tls], [notify]).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where the rendering and aggregation services (and the console) find storage (default http://127.0.0.1:50051).
    #[arg(long)]
    storage_url: Option<String>,
    /// Where the aggregation service (for the city report) and the console find rendering (default http://127.0.0.1:50052).
    #[arg(long)]
    render_url: Option<String>,
    /// `serve web`: where the console finds aggregation (default http://127.0.0.1:50053).
    #[arg(long)]
    aggregate_url: Option<String>,
    /// `serve all`: where the console listens (default port 8080 on the host of --listen; `off` for no console).
    #[arg(long)]
    web_listen: Option<String>,
}

/// Which services a `serve` command runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Services {
    All,
    Storage,
    Render,
    Aggregate,
    Web,
}

/// Settings of `nianbao serve`: defaults, then `--config FILE`, then `NIANBAO_<SECTION>__<KEY>`, then flags.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The address to listen on (`NIANBAO_LISTEN`).
    pub listen: Option<String>,
    /// The database of the storage service (`NIANBAO_DATABASE__URL`).
    pub database: nianbao_storage::DatabaseSettings,
    /// Logging (`NIANBAO_LOG__FILTER`, `NIANBAO_LOG__JSON`).
    pub log: nianbao_common::LogSettings,
    /// Where the rendering service finds storage (`NIANBAO_RENDER__STORAGE_URL`).
    pub render: Upstream,
    /// Where the aggregation service finds storage (`NIANBAO_AGGREGATE__STORAGE_URL`) and
    /// rendering (`NIANBAO_AGGREGATE__RENDER_URL`).
    pub aggregate: AggregateUpstream,
    /// The Prometheus endpoint (`NIANBAO_METRICS__LISTEN`, e.g. `0.0.0.0:9464`); off when unset.
    pub metrics: MetricsSettings,
    /// TLS (`NIANBAO_TLS__CERT_FILE`, `NIANBAO_TLS__KEY_FILE`, `NIANBAO_TLS__CLIENT_CA_FILE`).
    pub tls: nianbao_common::TlsSettings,
    /// The deadline-reminder scheduler, run beside the aggregation service when enabled
    /// (`NIANBAO_NOTIFY__ENABLED`, `NIANBAO_NOTIFY__TOKEN`, `NIANBAO_NOTIFY__SMTP_HOST`, … as
    /// `nianbao_notify::NotifySettings` lists them).
    pub notify: nianbao_notify::NotifySettings,
    /// The web console (`NIANBAO_WEB__LISTEN`, `NIANBAO_WEB__STORAGE_URL`, … see `nianbao_web::WebSettings`).
    pub web: nianbao_web::WebSettings,
}

/// Where a stateless service finds the storage service.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Upstream {
    /// The storage service URL.
    pub storage_url: String,
    /// TLS towards storage: its CA, and a client certificate when storage asks for one
    /// (`NIANBAO_RENDER__STORAGE_TLS__CA_FILE`, `…__CERT_FILE`, `…__KEY_FILE`).
    pub storage_tls: nianbao_common::ClientTlsSettings,
}

impl Default for Upstream {
    fn default() -> Self {
        Upstream {
            storage_url: "http://127.0.0.1:50051".into(),
            storage_tls: Default::default(),
        }
    }
}

impl Upstream {
    /// The endpoint of storage at `url` with this upstream's TLS settings.
    fn endpoint(&self, url: &str) -> anyhow::Result<tonic::transport::Endpoint> {
        let endpoint = tonic::transport::Endpoint::from_shared(url.to_string())
            .with_context(|| format!("invalid storage URL / 存储服务地址无效: {url}"))?;
        Ok(self.storage_tls.apply(endpoint)?)
    }
}

/// Where the aggregation service finds storage and, for the city report, rendering.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AggregateUpstream {
    /// The storage service URL.
    pub storage_url: String,
    /// TLS towards storage, also used towards rendering (`NIANBAO_AGGREGATE__STORAGE_TLS__…`).
    pub storage_tls: nianbao_common::ClientTlsSettings,
    /// The rendering service URL (default http://127.0.0.1:50052).
    pub render_url: String,
}

impl Default for AggregateUpstream {
    fn default() -> Self {
        AggregateUpstream {
            storage_url: Upstream::default().storage_url,
            storage_tls: Default::default(),
            render_url: "http://127.0.0.1:50052".into(),
        }
    }
}

impl AggregateUpstream {
    fn storage(&self) -> Upstream {
        Upstream {
            storage_url: self.storage_url.clone(),
            storage_tls: self.storage_tls.clone(),
        }
    }
}

/// The metrics endpoint.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// Address of the `/metrics` HTTP endpoint.
    pub listen: Option<String>,
}

pub fn run(cmd: Serve) -> anyhow::Result<ExitCode> {
    let (services, args) = match cmd {
        Serve::All(a) => (Services::All, a),
        Serve::Storage(a) => (Services::Storage, a),
        Serve::Render(a) => (Services::Render, a),
        Serve::Aggregate(a) => (Services::Aggregate, a),
        Serve::Web(a) => (Services::Web, a),
    };
    // Settings variables have a section (`NIANBAO_DATABASE__URL`) or are `NIANBAO_LISTEN`; the
    // client variables (server URL, token) and other variables without a section are not settings.
    let env = nianbao_common::process_env()
        .into_iter()
        .filter(|(k, _)| k.contains("__") || k == "NIANBAO_LISTEN")
        .collect();
    let mut settings: Settings = nianbao_common::load_settings(args.config.as_deref(), env)?;
    if let Some(listen) = args.listen {
        settings.listen = Some(listen);
    }
    if let Some(url) = args.database {
        settings.database.url = url;
    }
    if let Some(url) = args.storage_url {
        settings.render.storage_url = url.clone();
        settings.aggregate.storage_url = url.clone();
        settings.web.storage_url = url;
    }
    if let Some(url) = args.render_url {
        settings.web.render_url = url.clone();
        settings.aggregate.render_url = url;
    }
    if let Some(url) = args.aggregate_url {
        settings.web.aggregate_url = url;
    }
    if let Some(listen) = args.web_listen {
        settings.web.listen = Some(listen);
    }
    nianbao_common::init_tracing(&settings.log);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(serve(services, settings))?;
    Ok(ExitCode::from(output::EXIT_OK))
}

fn default_listen(services: Services) -> &'static str {
    match services {
        Services::All | Services::Storage => "127.0.0.1:50051",
        Services::Render => "127.0.0.1:50052",
        Services::Aggregate => "127.0.0.1:50053",
        Services::Web => "127.0.0.1:8080",
    }
}

async fn serve(services: Services, settings: Settings) -> anyhow::Result<()> {
    let listen = settings
        .listen
        .clone()
        .unwrap_or_else(|| default_listen(services).to_string());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen} / 无法监听"))?;
    let addr = listener.local_addr()?;
    if let Some(metrics) = &settings.metrics.listen {
        let m = tokio::net::TcpListener::bind(metrics)
            .await
            .with_context(|| format!("cannot listen on {metrics} / 无法监听"))?;
        tracing::info!(addr = %metrics, "metrics endpoint listening");
        tokio::spawn(nianbao_common::metrics::serve(m));
    }
    if services == Services::Web {
        let app = super::serve_web::split(&settings.web)?;
        println!("nianbao console on http://{addr}/");
        nianbao_web::run(listener, app, nianbao_common::server::shutdown_signal()).await?;
        return Ok(());
    }
    let built = build(services, &settings).await?;
    if let Some(internal) = &built.internal {
        super::serve_web::beside_all(&settings.web, &listen, internal).await?;
    }
    let server = built.server.tls(settings.tls.load()?);
    println!("nianbao listening on {addr}");
    server
        .serve(listener, nianbao_common::server::shutdown_signal())
        .await?;
    Ok(())
}

/// A server for a set of services and, for `serve all`, the URL of its loopback-only plain-text
/// listener running every service (rendering, aggregation and the console reach storage there).
struct Built {
    server: GrpcServer,
    internal: Option<String>,
}

/// The gRPC server for a set of services.
async fn build(services: Services, settings: &Settings) -> anyhow::Result<Built> {
    let mut server = GrpcServer::new().file_descriptor_set(nianbao_proto::FILE_DESCRIPTOR_SET);
    let (mut render_url, mut aggregate_url) = (
        settings.render.storage_url.clone(),
        settings.aggregate.storage_url.clone(),
    );
    // In one process the loopback listener is plain text, so no upstream TLS there.
    let (mut render_up, mut aggregate_up) = (settings.render.clone(), settings.aggregate.storage());
    let mut render_url_of_aggregate = settings.aggregate.render_url.clone();
    let mut internal = None;
    if matches!(services, Services::All | Services::Storage) {
        let db = nianbao_storage::connect(&settings.database)
            .await
            .with_context(|| "cannot open the database / 无法打开数据库")?;
        if services == Services::All {
            // In one process every service is also served on a loopback-only listener (below):
            // rendering, aggregation and the console reach storage there, and aggregation
            // reaches rendering there for the city report.
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let url = format!("http://{}", listener.local_addr()?);
            internal = Some((listener, url.clone(), db.clone()));
            (render_url, aggregate_url) = (url.clone(), url.clone());
            render_url_of_aggregate = url;
            (render_up, aggregate_up) = (Upstream::default(), Upstream::default());
        }
        server = server.add_service(nianbao_storage::service(db));
    }
    let mut render = None;
    if matches!(services, Services::All | Services::Render) {
        let svc = nianbao_render::RenderSvc::new(&render_url)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .with_endpoint(render_up.endpoint(&render_url)?);
        render = Some(svc.clone());
        server = server.add_service(nianbao_render::server_for(svc));
    }
    let mut aggregate = None;
    if matches!(services, Services::All | Services::Aggregate) {
        let render = aggregate_up
            .endpoint(&render_url_of_aggregate)
            .with_context(|| "invalid aggregate.render_url / 渲染服务地址无效")?;
        let channel = aggregate_up.endpoint(&aggregate_url)?.connect_lazy();
        if settings.notify.enabled {
            start_scheduler(&settings.notify, channel.clone())?;
        }
        let svc =
            nianbao_aggregate::AggregateService::new(channel).with_render(render.connect_lazy());
        aggregate = Some(svc.clone());
        server = server.add_service(nianbao_aggregate::server(svc));
    }
    let internal = match (internal, render, aggregate) {
        // In one process, every service is also served on a loopback-only listener.
        (Some((listener, url, db)), Some(render), Some(aggregate)) => {
            let inner = GrpcServer::new()
                .add_service(nianbao_storage::service(db))
                .add_service(nianbao_render::server_for(render))
                .add_service(nianbao_aggregate::server(aggregate));
            tokio::spawn(async move {
                if let Err(e) = inner.serve(listener, std::future::pending()).await {
                    tracing::error!(error = %e, "internal listener failed");
                }
            });
            Some(url)
        }
        _ => None,
    };
    Ok(Built { server, internal })
}

/// Starts the reminder scheduler on its own task: every replica may run one, since each
/// message is claimed in storage before it is sent.
fn start_scheduler(
    settings: &nianbao_notify::NotifySettings,
    channel: tonic::transport::Channel,
) -> anyhow::Result<()> {
    let scheduler = nianbao_notify::Scheduler::new(channel, settings)
        .with_context(|| "cannot start the reminder scheduler / 无法启动提醒调度")?;
    let interval = std::time::Duration::from_secs(settings.interval_seconds.max(1));
    tracing::info!(?interval, smtp = %settings.smtp_host, "reminder scheduler started");
    tokio::spawn(scheduler.run(
        std::sync::Arc::new(nianbao_notify::SystemClock),
        interval,
        std::future::pending(),
    ));
    Ok(())
}

/// Every service in this process on a loopback port, for `nianbao demo`.
pub struct InProcess {
    /// The server URL.
    pub url: String,
    /// The loopback-only plain-text URL of every service (for the console).
    pub internal: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl InProcess {
    /// Stops the server and waits for the requests in flight.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Starts `serve all` on 127.0.0.1 (a free port) over `database`.
pub async fn start_all(database: &str) -> anyhow::Result<InProcess> {
    let mut settings = Settings::default();
    settings.database.url = database.to_string();
    let built = build(Services::All, &settings).await?;
    let (server, internal) = (built.server, built.internal.unwrap_or_default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(e) = server.serve(listener, shutdown).await {
            tracing::error!(error = %e, "demo server failed");
        }
    });
    Ok(InProcess {
        url,
        internal,
        stop,
        task,
    })
}

/// Check that every service behind a server reports SERVING.
///
/// Exit status: 0 serving, 1 not serving, 2 cannot connect.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao health --server http://127.0.0.1:50051\n  nianbao health --server http://127.0.0.1:50051 --service nianbao.storage.v1.StorageService"
)]
pub struct HealthArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// Check these services only (default: the server as a whole, i.e. every service it runs).
    #[arg(long)]
    service: Vec<String>,
    /// Machine-readable output on stdout.
    #[arg(long)]
    json: bool,
}

pub fn health(args: HealthArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(check_health(args))
}

async fn check_health(args: HealthArgs) -> anyhow::Result<ExitCode> {
    let channel = args.client.connect().await?;
    let mut client = HealthClient::new(channel);
    let names = if args.service.is_empty() {
        vec![String::new()]
    } else {
        args.service.clone()
    };
    let mut all = true;
    let mut results = Vec::new();
    for name in names {
        let status = match client
            .check(HealthCheckRequest {
                service: name.clone(),
            })
            .await
        {
            Ok(r) => match ServingStatus::try_from(r.into_inner().status) {
                Ok(s) => s.as_str_name().to_string(),
                Err(_) => "UNKNOWN".to_string(),
            },
            Err(e) if e.code() == tonic::Code::Unavailable => {
                eprintln!(
                    "error: cannot reach {} / 无法连接服务器: {}",
                    args.client.server,
                    e.message()
                );
                return Ok(ExitCode::from(output::EXIT_USAGE));
            }
            Err(e) => format!("{:?}", e.code()),
        };
        all &= status == "SERVING";
        results.push((name, status));
    }
    if args.json {
        let doc: serde_json::Map<String, serde_json::Value> = results
            .iter()
            .map(|(n, s)| {
                (
                    if n.is_empty() {
                        "*".to_string()
                    } else {
                        n.clone()
                    },
                    s.clone().into(),
                )
            })
            .collect();
        println!("{}", serde_json::json!({"serving": all, "services": doc}));
    } else {
        for (name, status) in &results {
            println!(
                "{}  {status}",
                if name.is_empty() {
                    "(all services)"
                } else {
                    name
                }
            );
        }
    }
    Ok(ExitCode::from(if all {
        output::EXIT_OK
    } else {
        output::EXIT_REFUSED
    }))
}
