//! The gRPC server bootstrap every service uses.
//!
//! ```no_run
//! # async fn demo(listener: tokio::net::TcpListener) -> Result<(), nianbao_common::ServeError> {
//! use nianbao_common::GrpcServer;
//! # let my_service = tonic_health::server::health_reporter().1;
//! GrpcServer::new()
//!     .file_descriptor_set(nianbao_proto::FILE_DESCRIPTOR_SET)
//!     .add_service(my_service)
//!     .serve(listener, nianbao_common::server::shutdown_signal())
//!     .await
//! # }
//! ```

use std::convert::Infallible;
use std::future::Future;

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::body::Body;
use tonic::codegen::Service;
use tonic::codegen::http::{Request, Response};
use tonic::server::NamedService;
use tonic::service::RoutesBuilder;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// The largest message a service accepts or sends (4 MiB); set it on each generated server with
/// `max_decoding_message_size` / `max_encoding_message_size`.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The reflection descriptors could not be read.
    #[error("cannot build the reflection service / 无法构建反射服务: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The transport failed (listener, HTTP/2).
    #[error("the gRPC server failed / gRPC 服务异常: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The settings cannot be used (a URL, the TLS files).
    #[error(transparent)]
    Settings(#[from] crate::SettingsError),
    /// The service could not be built from its settings (the database cannot be opened, …).
    #[error("cannot start the service / 无法启动服务: {0}")]
    Start(String),
    /// The listener failed (the web console's HTTP server).
    #[error("the server failed / 服务异常: {0}")]
    Io(#[from] std::io::Error),
}

/// A gRPC server under construction: services, their health, and reflection.
pub struct GrpcServer {
    routes: RoutesBuilder,
    names: Vec<String>,
    descriptor_sets: Vec<&'static [u8]>,
    health: HealthReporter,
    tls: Option<tonic::transport::ServerTlsConfig>,
}

impl Default for GrpcServer {
    fn default() -> Self {
        Self::new()
    }
}

impl GrpcServer {
    /// A server with only `grpc.health.v1.Health`.
    pub fn new() -> GrpcServer {
        let (health, health_service) = tonic_health::server::health_reporter();
        let mut routes = RoutesBuilder::default();
        routes.add_service(health_service);
        GrpcServer {
            routes,
            names: Vec::new(),
            descriptor_sets: vec![tonic_health::pb::FILE_DESCRIPTOR_SET],
            health,
            tls: None,
        }
    }

    /// Registers an encoded `FileDescriptorSet` for server reflection (v1), such as
    /// `nianbao_proto::FILE_DESCRIPTOR_SET` (the health service is always registered).
    pub fn file_descriptor_set(mut self, encoded: &'static [u8]) -> GrpcServer {
        if !self.descriptor_sets.contains(&encoded) {
            self.descriptor_sets.push(encoded);
        }
        self
    }

    /// Adds a service; its name reports SERVING on `grpc.health.v1` once the server runs.
    pub fn add_service<S>(mut self, service: S) -> GrpcServer
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.routes.add_service(service);
        self.names.push(S::NAME.to_string());
        self
    }

    /// Serves over TLS (rustls) with this configuration (see [`crate::TlsSettings::load`]).
    pub fn tls(mut self, config: Option<tonic::transport::ServerTlsConfig>) -> GrpcServer {
        self.tls = config;
        self
    }

    /// The health reporter, to mark a service NOT_SERVING (or SERVING again) while running.
    pub fn health_reporter(&self) -> HealthReporter {
        self.health.clone()
    }

    /// The names of the services added so far.
    pub fn service_names(&self) -> &[String] {
        &self.names
    }

    /// Serves one service's server alone, as every gRPC service's `run` does: the `v1` contract's
    /// reflection, TLS when `tls` names a certificate, on `listener` until `shutdown`.
    pub async fn run_alone(
        self,
        listener: TcpListener,
        tls: &crate::TlsSettings,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), ServeError> {
        self.file_descriptor_set(nianbao_proto::FILE_DESCRIPTOR_SET)
            .tls(tls.load()?)
            .serve(listener, shutdown)
            .await
    }

    /// Serves on `listener` until `shutdown` completes, then finishes the requests in flight.
    pub async fn serve<F>(self, listener: TcpListener, shutdown: F) -> Result<(), ServeError>
    where
        F: Future<Output = ()> + Send,
    {
        let GrpcServer {
            mut routes,
            names,
            descriptor_sets,
            health,
            tls,
        } = self;
        if !descriptor_sets.is_empty() {
            let mut builder = tonic_reflection::server::Builder::configure();
            for set in &descriptor_sets {
                builder = builder.register_encoded_file_descriptor_set(set);
            }
            let v1alpha = builder.build_v1alpha()?;
            let mut builder = tonic_reflection::server::Builder::configure();
            for set in &descriptor_sets {
                builder = builder.register_encoded_file_descriptor_set(set);
            }
            routes.add_service(builder.build_v1()?);
            routes.add_service(v1alpha);
        }
        for name in &names {
            health
                .set_service_status(name, ServingStatus::Serving)
                .await;
        }
        health.set_service_status("", ServingStatus::Serving).await;
        let addr = listener.local_addr().ok();
        tracing::info!(?addr, services = ?names, "grpc server listening");
        let stopping = {
            let health = health.clone();
            let names = names.clone();
            async move {
                shutdown.await;
                tracing::info!("grpc server shutting down");
                for name in &names {
                    health
                        .set_service_status(name, ServingStatus::NotServing)
                        .await;
                }
                health
                    .set_service_status("", ServingStatus::NotServing)
                    .await;
            }
        };
        let mut builder = tonic::transport::Server::builder();
        if let Some(tls) = tls {
            builder = builder.tls_config(tls)?;
        }
        builder
            .layer(crate::metrics::MetricsLayer)
            .add_routes(routes.routes())
            .serve_with_incoming_shutdown(no_delay(listener), stopping)
            .await?;
        Ok(())
    }
}

/// The accepted connections of `listener` with Nagle's algorithm off: a response written in
/// several small parts must not wait for the client's delayed acknowledgement (about 40 ms).
fn no_delay(
    listener: TcpListener,
) -> impl tokio_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    use tokio_stream::StreamExt;
    TcpListenerStream::new(listener).map(|stream| {
        if let Ok(s) = &stream
            && let Err(e) = s.set_nodelay(true)
        {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        stream
    })
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
