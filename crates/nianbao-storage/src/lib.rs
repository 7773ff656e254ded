//! The nianbao storage service: the system of record for offices, reports, revisions, tokens and
//! the audit log, served as `nianbao.storage.v1.StorageService` over gRPC.
//!
//! - Every submission is a new immutable revision, written in one transaction with the report
//!   row and its audit event; the checksum is the SHA-256 of the canonical interchange JSON.
//! - Reports are checked with the model's rules on the server; errors refuse a submission
//!   (`INVALID_ARGUMENT`, one field violation per cell) unless it is saved as a draft.
//! - Access is by bearer token (stored as a SHA-256 hash) bound to a role and an office; an
//!   office the caller may not see looks exactly like one that does not exist.
//!
//! SQLite by default (`sqlite://data/nianbao.db?mode=rwc`, WAL), PostgreSQL when the URL says so;
//! migrations run at start.

mod checkpoint;
pub mod config;
mod db;
mod entity;
pub mod error;
mod grpc;
mod repo;
mod validate;
mod wire;

use std::future::Future;

use nianbao_common::{DEFAULT_MAX_MESSAGE_BYTES, GrpcServer, ServeError};
use nianbao_proto::storage::v1::storage_service_server::StorageServiceServer;
use tokio::net::TcpListener;

pub use config::{DEFAULT_DATABASE_URL, DatabaseSettings, StorageSettings};
pub use db::{Database, is_sqlite};
pub use error::{StorageError, StorageResult};
pub use grpc::Storage;
pub use repo::access::auth::{MAX_FAILURES, Role};

/// Connects to the database, runs the migrations and starts the group committer (call it on the
/// tokio runtime that will serve).
pub async fn connect(settings: &DatabaseSettings) -> StorageResult<Database> {
    let mut db = db::connect_service(&settings.url, settings.max_connections).await?;
    db.compress_content = settings.compress_content;
    Ok(db)
}

/// Runs the migrations on a database URL and closes the connection.
pub async fn migrate(url: &str) -> StorageResult<()> {
    let db = db::connect(url, 1).await?;
    db.close().await?;
    Ok(())
}

/// The largest response (the office list of a province runs to several MiB); requests stay
/// within [`DEFAULT_MAX_MESSAGE_BYTES`].
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// The generated gRPC server of the storage service over an opened database, with the message
/// size limits (`serve all` adds it to its one server; [`run`] serves it alone).
pub fn service(db: Database) -> StorageServiceServer<Storage> {
    StorageServiceServer::new(Storage::new(db))
        .max_decoding_message_size(DEFAULT_MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_RESPONSE_BYTES)
}

/// Serves the storage service alone (with health and reflection, TLS from `settings.tls`) on
/// `listener` until `shutdown`: opens and migrates `settings.database` first.
pub async fn run(
    listener: TcpListener,
    settings: &StorageSettings,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let db = connect(&settings.database)
        .await
        .map_err(|e| ServeError::Start(e.to_string()))?;
    GrpcServer::new()
        .add_service(service(db))
        .run_alone(listener, &settings.tls, shutdown)
        .await
}

/// A token created straight on the database (to bootstrap the first admin).
#[derive(Clone, Debug)]
pub struct BootstrapToken {
    /// The token id.
    pub id: String,
    /// The secret, shown once.
    pub secret: String,
}

/// Creates a token straight on the database at `url` (migrating it first), audited as `bootstrap`.
pub async fn bootstrap_token(
    url: &str,
    role: Role,
    office_code: Option<&str>,
    label: &str,
) -> StorageResult<BootstrapToken> {
    let db = db::connect(url, 1).await?;
    let (view, secret) =
        repo::access::tokens::create(&db, "bootstrap", role, office_code, label).await?;
    db.close().await?;
    Ok(BootstrapToken {
        id: view.model.id,
        secret,
    })
}
