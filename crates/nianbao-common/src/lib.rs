//! Plumbing shared by every nianbao service, and no domain code:
//!
//! - [`settings`]: layered settings (an optional TOML file, then `NIANBAO_<SECTION>__<KEY>` variables
//!   passed in as a map, so tests never touch the process environment);
//! - [`telemetry`]: tracing initialisation (`info,sqlx=warn` by default, JSON logs on request);
//! - [`server`]: the gRPC server bootstrap. Every service is served next to `grpc.health.v1`
//!   (one status per service name) and server reflection (v1), with message size limits and
//!   graceful shutdown, TLS (rustls) when configured, and metrics on every call;
//! - [`metrics`]: Prometheus metrics and their `/metrics` endpoint.

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
