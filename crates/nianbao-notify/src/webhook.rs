//! Signed webhooks: a JSON body POSTed over HTTP or HTTPS with hyper's client, signed with
//! HMAC-SHA256, retried with back-off within an attempt.
//!
//! Headers: `X-Nianbao-Timestamp` (Unix seconds), `X-Nianbao-Signature: sha256=<hex>` where the
//! hex is HMAC-SHA256 with the shared secret over `<timestamp>.<body>`, `X-Nianbao-Delivery`
//! (the same on every attempt of one message, for the receiver to drop a repeat) and
//! `X-Nianbao-Event`. Any 2xx answer is success.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use sha2_0_11::Sha256;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, pki_types::ServerName};

/// Tries within one attempt, and the pause before the second (doubled before each next).
const TRIES: u32 = 3;
const FIRST_PAUSE: Duration = Duration::from_millis(500);

/// The signature of a body sent at `timestamp`: hex HMAC-SHA256 over `<timestamp>.<body>`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `signature` (`sha256=<hex>`) is that of the body at `timestamp`, compared in
/// constant time: what a receiver does.
pub fn verify(secret: &[u8], timestamp: i64, body: &[u8], signature: &str) -> bool {
    let Some(hex_sig) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret) else {
        return false;
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// A webhook sender.
#[derive(Clone)]
pub struct Webhook {
    secret: Vec<u8>,
    timeout: Duration,
    tls: TlsConnector,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Webhook {
    /// A sender signing with `secret`.
    pub fn new(secret: &str, timeout: Duration) -> Result<Webhook, String> {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth();
        Ok(Webhook {
            secret: secret.as_bytes().to_vec(),
            timeout,
            tls: TlsConnector::from(Arc::new(config)),
        })
    }

    /// POSTs `body` to `url`, signed at `timestamp`, trying up to three times with back-off.
    pub async fn send(
        &self,
        url: &str,
        body: &[u8],
        delivery: &str,
        event: &str,
        timestamp: i64,
    ) -> Result<(), String> {
        let signature = format!("sha256={}", sign(&self.secret, timestamp, body));
        let mut pause = FIRST_PAUSE;
        let mut last = String::new();
        for n in 1..=TRIES {
            let request = Request::post(url)
                .header("content-type", "application/json; charset=utf-8")
                .header("user-agent", "nianbao")
                .header("x-nianbao-timestamp", timestamp.to_string())
                .header("x-nianbao-signature", &signature)
                .header("x-nianbao-delivery", delivery)
                .header("x-nianbao-event", event)
                .body(Full::new(Bytes::copy_from_slice(body)))
                .map_err(|e| format!("webhook URL: {e} / 地址无效"))?;
            match tokio::time::timeout(self.timeout, self.post(request)).await {
                Ok(Ok(status)) if (200..300).contains(&status) => return Ok(()),
                Ok(Ok(status)) => last = format!("webhook answered HTTP {status}"),
                Ok(Err(e)) => last = e,
                Err(_) => last = format!("webhook: no answer in {:?}", self.timeout),
            }
            if n < TRIES {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
        }
        Err(last)
    }

    async fn post(&self, request: Request<Full<Bytes>>) -> Result<u16, String> {
        let uri: &Uri = request.uri();
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err("webhook URL: not http or https / 地址须为 http(s)".into()),
        };
        let host = uri.host().ok_or("webhook URL: no host / 地址无主机")?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| format!("webhook {host}:{port}: {e}"))?;
        let mut request = request;
        let path = uri_path(request.uri());
        let authority = request
            .uri()
            .authority()
            .map(|a| a.as_str().rsplit('@').next().unwrap_or("").to_string())
            .unwrap_or_default();
        *request.uri_mut() = path.parse().map_err(|e| format!("webhook URL: {e}"))?;
        request.headers_mut().insert(
            "host",
            authority.parse().map_err(|_| "webhook URL: bad host")?,
        );
        if https {
            let name =
                ServerName::try_from(host.clone()).map_err(|e| format!("webhook {host}: {e}"))?;
            let tls = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|e| format!("webhook {host}: TLS: {e}"))?;
            exchange(tls, request).await
        } else {
            exchange(tcp, request).await
        }
    }
}

fn uri_path(uri: &Uri) -> String {
    uri.path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into())
}

async fn exchange<S>(io: S, request: Request<Full<Bytes>>) -> Result<u16, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("webhook: {e}"))?;
    let driver = tokio::spawn(conn);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("webhook: {e}"));
    let status = match response {
        Ok(r) => {
            let status = r.status().as_u16();
            // Read the answer to the end so the connection closes cleanly.
            let _ = r.into_body().collect().await;
            Ok(status)
        }
        Err(e) => Err(e),
    };
    drop(sender);
    let _ = driver.await;
    status
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn signatures_verify_and_a_changed_body_does_not() {
        let body = br#"{"office_code":"140404-sfj"}"#;
        let sig = format!("sha256={}", sign(b"k3y", 1_706_000_000, body));
        assert!(verify(b"k3y", 1_706_000_000, body, &sig));
        assert!(!verify(b"k3y", 1_706_000_001, body, &sig));
        assert!(!verify(b"other", 1_706_000_000, body, &sig));
        assert!(!verify(b"k3y", 1_706_000_000, b"{}", &sig));
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
