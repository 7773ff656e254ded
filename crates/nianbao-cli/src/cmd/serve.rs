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
    pub render: nianbao_render::RenderSettings,
    /// Where the aggregation service finds storage (`NIANBAO_AGGREGATE__STORAGE_URL`) and
    /// rendering (`NIANBAO_AGGREGATE__RENDER_URL`).
    pub aggregate: nianbao_aggregate::AggregateSettings,
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
    let shutdown = nianbao_common::server::shutdown_signal();
    // Each service alone, through its `run` (the one service shape of `nianbao_common`).
    match services {
        Services::Storage => {
            let storage = nianbao_storage::StorageSettings {
                listen: listen.clone(),
                database: settings.database.clone(),
                log: settings.log.clone(),
                tls: settings.tls.clone(),
            };
            // The database is opened and migrated before the ready line, so that `listening on`
            // means ready (scripts, benches and a bootstrap token wait for it); `run` opens it
            // again and finds nothing left to migrate.
            drop(nianbao_storage::connect(&storage.database).await?);
            println!("nianbao listening on {addr}");
            nianbao_storage::run(listener, &storage, shutdown).await?;
        }
        Services::Render => {
            let render = nianbao_render::RenderSettings {
                tls: settings.tls.clone(),
                ..settings.render.clone()
            };
            println!("nianbao listening on {addr}");
            nianbao_render::run(listener, &render, shutdown).await?;
        }
        Services::Aggregate => {
            let aggregate = nianbao_aggregate::AggregateSettings {
                tls: settings.tls.clone(),
                ..settings.aggregate.clone()
            };
            start_scheduler(&settings.notify, &aggregate)?;
            println!("nianbao listening on {addr}");
            nianbao_aggregate::run(listener, &aggregate, shutdown).await?;
        }
        Services::Web => {
            println!("nianbao console on http://{addr}/");
            nianbao_web::run(listener, &settings.web, shutdown).await?;
        }
        Services::All => {
            let (server, internal) = all(&settings).await?;
            super::serve_web::beside_all(&settings.web, &listen, &internal).await?;
            println!("nianbao listening on {addr}");
            server
                .tls(settings.tls.load()?)
                .serve(listener, shutdown)
                .await?;
        }
    }
    Ok(())
}

/// `serve all`: one server with every service's `service(…)`, and the URL of a loopback-only
/// plain-text listener serving the same services, where rendering, aggregation, the reminder
/// scheduler and the console reach storage (and aggregation reaches rendering) in one process.
async fn all(settings: &Settings) -> anyhow::Result<(GrpcServer, String)> {
    let db = nianbao_storage::connect(&settings.database)
        .await
        .with_context(|| "cannot open the database / 无法打开数据库")?;
    let inner = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", inner.local_addr()?);
    // The loopback listener is plain text: no upstream TLS there.
    let render = nianbao_render::service(&nianbao_render::RenderSettings {
        storage_url: url.clone(),
        ..Default::default()
    })?;
    let aggregate_settings = nianbao_aggregate::AggregateSettings {
        storage_url: url.clone(),
        render_url: url.clone(),
        ..Default::default()
    };
    let aggregate = nianbao_aggregate::service(&aggregate_settings)?;
    start_scheduler(&settings.notify, &aggregate_settings)?;
    let storage = nianbao_storage::service(db);
    let loopback = GrpcServer::new()
        .add_service(storage.clone())
        .add_service(render.clone())
        .add_service(aggregate.clone());
    tokio::spawn(async move {
        if let Err(e) = loopback.serve(inner, std::future::pending()).await {
            tracing::error!(error = %e, "internal listener failed");
        }
    });
    let server = GrpcServer::new()
        .file_descriptor_set(nianbao_proto::FILE_DESCRIPTOR_SET)
        .add_service(storage)
        .add_service(render)
        .add_service(aggregate);
    Ok((server, url))
}

/// Starts the reminder scheduler (when enabled) on its own task beside the aggregation service,
/// reading the storage that service reads unless `notify.storage_url` is set; settings it cannot
/// use stop the command here.
fn start_scheduler(
    notify: &nianbao_notify::NotifySettings,
    aggregate: &nianbao_aggregate::AggregateSettings,
) -> anyhow::Result<()> {
    if !notify.enabled {
        return Ok(());
    }
    let mut notify = notify.clone();
    if notify.storage_url.trim().is_empty() {
        notify.storage_url = aggregate.storage_url.clone();
        notify.storage_tls = aggregate.storage_tls.clone();
    }
    nianbao_notify::service(&notify)
        .with_context(|| "cannot start the reminder scheduler / 无法启动提醒调度")?;
    tokio::spawn(async move {
        if let Err(e) = nianbao_notify::run(&notify, std::future::pending()).await {
            tracing::error!(error = %e, "the reminder scheduler stopped / 提醒调度已停止");
        }
    });
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
    let (server, internal) = all(&settings).await?;
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
