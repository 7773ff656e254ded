//! The web console of nianbao: city staff and office clerks run the annual collection in a browser.
//!
//! An axum application of server-rendered pages (maud: compile-time checked, auto-escaping
//! templates) with one stylesheet served by the binary and no script at all.
//! It is a client of the storage, rendering and aggregation services like any other: every page
//! is made of gRPC answers obtained with the signed-in user's own token ([`upstream`]), so a page
//! can never show what that token may not read, and review, submission and the audit log stay in
//! the storage service.
//! It holds no data of its own except the sessions (in memory, with expiry: [`session`]) and the
//! documents an office uploaded for preview until it submits them.
//!
//! This crate is not a service of the gRPC contract and never opens a database. It has the
//! shape of every service (`nianbao_common`): [`service`] builds the router from its
//! [`WebSettings`], [`run`] serves it alone.

mod assets;
mod error;
mod pages;
pub mod session;
mod settings;
pub mod time;
pub mod upstream;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use nianbao_common::ServeError;
use tokio::net::TcpListener;

pub use error::{WebError, WebResult};
pub use settings::WebSettings;
pub use upstream::Upstreams;

/// Everything a request handler needs.
pub struct AppState {
    /// The gRPC channels to the services.
    pub upstreams: Upstreams,
    /// Signed-in users.
    pub sessions: session::Sessions,
    /// Failed sign-ins by client address.
    pub failures: session::FailureLimiter,
    /// The settings.
    pub settings: WebSettings,
    /// The time zone in which times are shown.
    pub zone: chrono::FixedOffset,
}

/// The console built from its settings: its routes over the three services at the settings'
/// URLs (channels connected on first use; call it inside the runtime that serves).
pub fn service(settings: &WebSettings) -> Result<Router, WebError> {
    let upstreams = Upstreams::connect(settings)?;
    let zone = time::parse_zone(&settings.time_zone)?;
    let state = Arc::new(AppState {
        upstreams,
        sessions: session::Sessions::new(std::time::Duration::from_secs(
            settings.session_minutes.max(1) * 60,
        )),
        failures: session::FailureLimiter::default(),
        settings: settings.clone(),
        zone,
    });
    Ok(pages::router(state))
}

/// Serves the console alone on `listener` until `shutdown` completes, then finishes the requests
/// in flight (HTTP; TLS is ended by a proxy in front of it).
pub async fn run<F>(
    listener: TcpListener,
    settings: &WebSettings,
    shutdown: F,
) -> Result<(), ServeError>
where
    F: Future<Output = ()> + Send + 'static,
{
    let app = service(settings).map_err(|e| ServeError::Start(e.to_string()))?;
    let addr = listener.local_addr().ok();
    tracing::info!(?addr, "web console listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}
