//! Plumbing shared by every nianbao service, and no domain code:
//!
//! - [`settings`]: layered settings (an optional TOML file, then `NIANBAO_<SECTION>__<KEY>` variables
//!   passed in as a map, so tests never touch the process environment);
//! - [`telemetry`]: tracing initialisation (`info,sqlx=warn` by default, JSON logs on request);
//! - [`server`]: the gRPC server bootstrap. Every service is served next to `grpc.health.v1`
//!   (one status per service name) and server reflection (v1), with message size limits and
//!   graceful shutdown, TLS (rustls) when configured, and metrics on every call;
//! - [`metrics`]: Prometheus metrics and their `/metrics` endpoint;
//! - [`client`]: how a service calls another (connection, TLS, the caller's token, size limits),
//!   and [`upstream`]: what it passes on of the answer (codes and details kept, internal causes
//!   logged once and never sent).
//!
//! # One service shape
//!
//! Every service crate exposes the same pair, so `nianbao serve all`, `serve <service>`, the
//! tests and the demo start them the same way:
//!
//! - `service(…)` builds the service from its settings (`nianbao_render::RenderSettings`,
//!   `nianbao_aggregate::AggregateSettings`, `nianbao_web::WebSettings`,
//!   `nianbao_notify::NotifySettings`) or, for storage, its opened database: a generated tonic
//!   server to add to a [`GrpcServer`], the console's axum router, the reminder scheduler;
//! - `run(listener, settings, shutdown)` serves that service alone on `listener` until
//!   `shutdown` completes: the gRPC services through [`GrpcServer::run_alone`] (health,
//!   reflection, TLS from the settings' `tls`, metrics), the console through axum. The reminder scheduler has no
//!   listener: its `run(settings, shutdown)` runs rounds until `shutdown`.
//!
//! `serve all` adds the four `service(…)`s to one [`GrpcServer`] instead of calling `run`.

pub mod client;
pub mod metrics;
pub mod server;
pub mod settings;
pub mod telemetry;
pub mod upstream;

pub use server::{DEFAULT_MAX_MESSAGE_BYTES, GrpcServer, ServeError};
pub use settings::{
    ClientTlsSettings, LogSettings, SettingsError, TlsSettings, load_settings, process_env,
};
pub use telemetry::init_tracing;
