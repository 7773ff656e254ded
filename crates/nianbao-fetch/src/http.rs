//! A small HTTP(S) GET client for published pages: a timeout on each request, a size limit on
//! each body, redirects followed up to a bound (a loop is caught), plain HTTP/1.1 over TCP or
//! rustls with the web PKI roots.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::{Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, pki_types::ServerName};
use url::Url;

use crate::FetchError;

/// Limits of one fetch.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Each request, from connecting to the last byte of the body.
    pub timeout: Duration,
    /// The largest body read.
    pub max_bytes: usize,
    /// Redirects followed at most.
    pub max_redirects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(20),
            max_bytes: 8 * 1024 * 1024,
            max_redirects: 5,
        }
    }
}

/// A fetched page or file.
#[derive(Clone, Debug)]
pub struct Page {
    /// The URL it was finally read from (after redirects).
    pub url: Url,
    /// The `Content-Type` header, lower case (empty when absent).
    pub content_type: String,
    /// The body.
    pub body: Bytes,
}

fn tls() -> TlsConnector {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(roots).with_no_client_auth())
            .unwrap_or_else(|_| {
                // The ring provider supports the default versions; this branch is not taken.
                ClientConfig::builder()
                    .with_root_certificates(RootCertStore::empty())
                    .with_no_client_auth()
            });
        Arc::new(config)
    });
    TlsConnector::from(config.clone())
}

/// GETs `url`, following redirects within `limits`.
pub async fn get(url: &Url, limits: &Limits) -> Result<Page, FetchError> {
    let mut seen = HashSet::new();
    let mut at = url.clone();
    for _ in 0..=limits.max_redirects {
        if !seen.insert(at.to_string()) {
            return Err(FetchError::RedirectLoop(at.to_string()));
        }
        let once = tokio::time::timeout(limits.timeout, get_once(&at, limits.max_bytes))
            .await
            .map_err(|_| FetchError::Timeout {
                url: at.to_string(),
                seconds: limits.timeout.as_secs(),
            })??;
        match once {
            Hop::Page(page) => return Ok(page),
            Hop::Redirect(next) => at = next,
        }
    }
    Err(FetchError::TooManyRedirects {
        url: url.to_string(),
        limit: limits.max_redirects,
    })
}

enum Hop {
    Page(Page),
    Redirect(Url),
}

async fn get_once(url: &Url, max_bytes: usize) -> Result<Hop, FetchError> {
    let unreachable = |reason: String| FetchError::Unreachable {
        url: url.to_string(),
        reason,
    };
    let host = url
        .host_str()
        .ok_or_else(|| FetchError::BadUrl(url.to_string()))?
        .to_string();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| FetchError::BadUrl(url.to_string()))?;
    let tcp = TcpStream::connect((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    match url.scheme() {
        "http" => exchange(tcp, url, &host, max_bytes).await,
        "https" => {
            let name = ServerName::try_from(host.trim_matches(['[', ']']).to_string())
                .map_err(|_| FetchError::BadUrl(url.to_string()))?;
            let stream = tls()
                .connect(name, tcp)
                .await
                .map_err(|e| unreachable(format!("TLS: {e}")))?;
            exchange(stream, url, &host, max_bytes).await
        }
        _ => Err(FetchError::BadUrl(url.to_string())),
    }
}

async fn exchange<S>(io: S, url: &Url, host: &str, max_bytes: usize) -> Result<Hop, FetchError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let failed = |reason: String| FetchError::Unreachable {
        url: url.to_string(),
        reason,
    };
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| failed(e.to_string()))?;
    let driver = tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "http connection closed");
        }
    });
    let host_header = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    let path = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let request = Request::get(if path.is_empty() { "/" } else { path })
        .header(header::HOST, host_header)
        .header(header::USER_AGENT, concat!("nianbao/", env!("CARGO_PKG_VERSION")))
        .header(header::ACCEPT, "text/html,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,*/*;q=0.5")
        .body(Empty::<Bytes>::new())
        .map_err(|e| FetchError::BadUrl(format!("{url}: {e}")))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let status = response.status();
    if status.is_redirection() {
        driver.abort();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| failed(format!("HTTP {status} without Location")))?;
        let next = url
            .join(location)
            .map_err(|_| FetchError::BadUrl(location.to_string()))?;
        return Ok(Hop::Redirect(next));
    }
    if status != StatusCode::OK {
        driver.abort();
        return Err(FetchError::Status {
            url: url.to_string(),
            status: status.as_u16(),
        });
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if let Some(len) = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > max_bytes as u64
    {
        driver.abort();
        return Err(FetchError::TooLarge {
            url: url.to_string(),
            limit: max_bytes,
        });
    }
    let body = Limited::new(response.into_body(), max_bytes)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                FetchError::TooLarge {
                    url: url.to_string(),
                    limit: max_bytes,
                }
            } else {
                failed(e.to_string())
            }
        })?
        .to_bytes();
    driver.abort();
    Ok(Hop::Page(Page {
        url: url.clone(),
        content_type,
        body,
    }))
}
