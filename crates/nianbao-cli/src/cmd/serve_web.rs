//! The web console beside the gRPC services: split (`nianbao serve web`) or inside `serve all`.

use anyhow::Context;
use nianbao_web::{Upstreams, WebSettings};
use tonic::transport::Endpoint;

/// The console reaching the three services at their configured URLs (with `web.upstream_tls`).
pub fn split(web: &WebSettings) -> anyhow::Result<axum::Router> {
    let channel = |url: &str| -> anyhow::Result<tonic::transport::Channel> {
        let endpoint = Endpoint::from_shared(url.to_string())
            .with_context(|| format!("invalid service URL / 服务地址无效: {url}"))?;
        Ok(web.upstream_tls.apply(endpoint)?.connect_lazy())
    };
    let upstreams = Upstreams::new(
        channel(&web.storage_url)?,
        channel(&web.render_url)?,
        channel(&web.aggregate_url)?,
    );
    Ok(nianbao_web::service(upstreams, web.clone())?)
}

/// The console over `internal`, a plain-text loopback URL serving every service.
pub fn over(internal: &str, web: &WebSettings) -> anyhow::Result<axum::Router> {
    let endpoint = Endpoint::from_shared(internal.to_string())
        .with_context(|| format!("invalid internal URL {internal}"))?;
    Ok(nianbao_web::service(
        Upstreams::all(endpoint.connect_lazy()),
        web.clone(),
    )?)
}

/// Binds the console's address: `web.listen`, else port 8080 on the host of `grpc_listen`; a
/// default address that is taken falls back to a free port (an address set explicitly does not).
/// `None` when the console is off (`web.listen = "off"`).
pub async fn bind(
    web: &WebSettings,
    grpc_listen: &str,
) -> anyhow::Result<Option<tokio::net::TcpListener>> {
    let host = grpc_listen
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or("127.0.0.1");
    let (addr, explicit) = match web.listen.as_deref() {
        Some("off") => return Ok(None),
        Some(a) => (a.to_string(), true),
        None => (format!("{host}:8080"), false),
    };
    match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => Ok(Some(l)),
        Err(e) if !explicit => {
            tracing::warn!(%addr, error = %e, "console address taken, using a free port");
            Ok(Some(
                tokio::net::TcpListener::bind(format!("{host}:0")).await?,
            ))
        }
        Err(e) => Err(e).with_context(|| format!("cannot listen on {addr} / 无法监听")),
    }
}

/// Starts the console of `serve all` in the background (unless off) and prints its URL.
pub async fn beside_all(
    web: &WebSettings,
    grpc_listen: &str,
    internal: &str,
) -> anyhow::Result<()> {
    let Some(listener) = bind(web, grpc_listen).await? else {
        return Ok(());
    };
    let app = over(internal, web)?;
    println!("nianbao console on http://{}/", listener.local_addr()?);
    tokio::spawn(async move {
        if let Err(e) =
            nianbao_web::run(listener, app, nianbao_common::server::shutdown_signal()).await
        {
            tracing::error!(error = %e, "web console failed");
        }
    });
    Ok(())
}
