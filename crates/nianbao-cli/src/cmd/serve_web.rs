//! The web console inside `serve all` (split, `nianbao serve web` is `nianbao_web::run`).

use anyhow::Context;
use nianbao_web::WebSettings;

/// The console's settings over `internal`, a plain-text loopback URL serving every service.
pub fn over(internal: &str, web: &WebSettings) -> WebSettings {
    WebSettings {
        storage_url: internal.to_string(),
        render_url: internal.to_string(),
        aggregate_url: internal.to_string(),
        upstream_tls: Default::default(),
        ..web.clone()
    }
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
    let web = over(internal, web);
    // Built here, so settings it cannot use stop the command.
    let _checked = nianbao_web::service(&web)?;
    println!("nianbao console on http://{}/", listener.local_addr()?);
    tokio::spawn(async move {
        let shutdown = nianbao_common::server::shutdown_signal();
        if let Err(e) = nianbao_web::run(listener, &web, shutdown).await {
            tracing::error!(error = %e, "web console failed");
        }
    });
    Ok(())
}
