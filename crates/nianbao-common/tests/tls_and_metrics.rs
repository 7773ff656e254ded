//! TLS with a self-signed certificate made in the test, and the Prometheus endpoint.

use std::time::Duration;

use nianbao_common::{GrpcServer, TlsSettings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

async fn health(channel: Channel) -> Result<i32, tonic::Status> {
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map(|r| r.into_inner().status)
}

#[tokio::test]
async fn tls_from_files_and_metrics_endpoint() {
    let dir = tempfile::tempdir().expect("tmp");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("cert");
    let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_file, cert.cert.pem()).expect("write cert");
    std::fs::write(&key_file, cert.key_pair.serialize_pem()).expect("write key");
    let settings = TlsSettings {
        cert_file: Some(cert_file),
        key_file: Some(key_file),
        client_ca_file: None,
    };
    let tls = settings.load().expect("tls settings");
    assert!(tls.is_some());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(GrpcServer::new().tls(tls).serve(listener, async {
        let _ = stopped.await;
    }));
    let metrics = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind metrics");
    let metrics_addr = metrics.local_addr().expect("addr");
    tokio::spawn(nianbao_common::metrics::serve(metrics));

    let client_tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(cert.cert.pem()))
        .domain_name("localhost");
    let endpoint = Endpoint::from_shared(format!("https://127.0.0.1:{port}"))
        .expect("url")
        .tls_config(client_tls)
        .expect("client tls");
    let mut status = None;
    for _ in 0..50 {
        if let Ok(ch) = endpoint.connect().await {
            status = health(ch).await.ok();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, Some(1), "SERVING over TLS");

    // A plain-text client gets nowhere.
    let plain = Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
        .expect("url")
        .connect_timeout(Duration::from_secs(2));
    let refused = match plain.connect().await {
        Ok(ch) => health(ch).await.is_err(),
        Err(_) => true,
    };
    assert!(refused, "a plain-text client must be refused");

    // The call above is counted on /metrics.
    let mut conn = tokio::net::TcpStream::connect(metrics_addr)
        .await
        .expect("metrics");
    conn.write_all(b"GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .expect("write");
    let mut text = String::new();
    conn.read_to_string(&mut text).await.expect("read");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.contains("# TYPE nianbao_grpc_requests_total counter"),
        "{text}"
    );

    let _ = stop.send(());
    let _ = server.await;
}

#[test]
fn half_configured_tls_is_refused() {
    let s = TlsSettings {
        cert_file: Some("x.pem".into()),
        key_file: None,
        client_ca_file: None,
    };
    assert!(s.load().is_err());
    let s = TlsSettings {
        cert_file: Some("/nonexistent/c.pem".into()),
        key_file: Some("/nonexistent/k.pem".into()),
        client_ca_file: None,
    };
    let e = s.load().expect_err("missing files");
    assert!(e.to_string().contains("/nonexistent/c.pem"), "{e}");
}
