//! Prometheus metrics: request counts, latencies and errors by RPC, plus named counters,
//! served as text on `GET /metrics` from a plain HTTP listener of its own.
//!
//! Names follow the Prometheus conventions: `nianbao_grpc_requests_total{service,method,code}`,
//! `nianbao_grpc_request_duration_seconds{service,method}` (histogram), and counters such as
//! `nianbao_reports_stored_total`. The status code of a call is read from the response headers
//! (where gRPC puts it for a failed unary call); a call without one there ended `OK`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tonic::codegen::http::{Request, Response};

const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Registry {
    requests: BTreeMap<(String, String, String), u64>,
    latency: BTreeMap<(String, String), Histogram>,
    counters: BTreeMap<&'static str, u64>,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

fn with<T>(f: impl FnOnce(&mut Registry) -> T) -> T {
    let mut guard = match registry().lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    f(&mut guard)
}

/// Adds one to a named counter (e.g. `nianbao_reports_stored_total`).
pub fn inc(counter: &'static str) {
    with(|r| *r.counters.entry(counter).or_default() += 1);
}

/// Records one finished call.
pub fn observe(path: &str, code: &str, seconds: f64) {
    let (service, method) = split_path(path);
    with(|r| {
        *r.requests
            .entry((service.clone(), method.clone(), code.to_string()))
            .or_default() += 1;
        let h = r.latency.entry((service, method)).or_default();
        h.count += 1;
        h.sum += seconds;
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                h.counts[i] += 1;
            }
        }
    });
}

fn split_path(path: &str) -> (String, String) {
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let service = parts.next().unwrap_or_default().to_string();
    let method = parts.next().unwrap_or_default().to_string();
    (service, method)
}

fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The metrics in the Prometheus text exposition format.
pub fn render() -> String {
    with(|r| {
        let mut out = String::new();
        out.push_str("# HELP nianbao_grpc_requests_total gRPC calls finished, by service, method and status code.\n");
        out.push_str("# TYPE nianbao_grpc_requests_total counter\n");
        for ((s, m, c), n) in &r.requests {
            let _ = writeln!(
                out,
                "nianbao_grpc_requests_total{{service=\"{}\",method=\"{}\",code=\"{}\"}} {n}",
                label(s),
                label(m),
                label(c)
            );
        }
        out.push_str("# HELP nianbao_grpc_request_duration_seconds Time to the response headers of a gRPC call.\n");
        out.push_str("# TYPE nianbao_grpc_request_duration_seconds histogram\n");
        for ((s, m), h) in &r.latency {
            let l = format!("service=\"{}\",method=\"{}\"", label(s), label(m));
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "nianbao_grpc_request_duration_seconds_bucket{{{l},le=\"{le}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "nianbao_grpc_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "nianbao_grpc_request_duration_seconds_sum{{{l}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "nianbao_grpc_request_duration_seconds_count{{{l}}} {}",
                h.count
            );
        }
        for (name, n) in &r.counters {
            let _ = writeln!(out, "# TYPE {name} counter\n{name} {n}");
        }
        out
    })
}

/// Serves `GET /metrics` on `listener` until the process ends.
pub async fn serve(listener: TcpListener) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            let n = match tokio::time::timeout(
                std::time::Duration::from_secs(5),
                stream.read(&mut buf),
            )
            .await
            {
                Ok(Ok(n)) => n,
                _ => return,
            };
            let head = String::from_utf8_lossy(&buf[..n]);
            let (status, body) = if head.starts_with("GET /metrics") {
                ("200 OK", render())
            } else {
                ("404 Not Found", "not found\n".to_string())
            };
            let response = format!(
                "HTTP/1.1 {status}\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        });
    }
}

/// A tower layer that records every call.
#[derive(Clone, Copy, Debug, Default)]
pub struct MetricsLayer;

impl<S> tower::Layer<S> for MetricsLayer {
    type Service = Metered<S>;

    fn layer(&self, inner: S) -> Metered<S> {
        Metered { inner }
    }
}

/// The service [`MetricsLayer`] wraps around the routes.
#[derive(Clone, Debug)]
pub struct Metered<S> {
    inner: S,
}

impl<S, B, RB> tower::Service<Request<B>> for Metered<S>
where
    S: tower::Service<Request<B>, Response = Response<RB>>,
    S::Future: Send + 'static,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<RB>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let path = req.uri().path().to_string();
        let start = Instant::now();
        let fut = self.inner.call(req);
        Box::pin(async move {
            let result = fut.await;
            let code = match &result {
                Ok(resp) => resp
                    .headers()
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<i32>().ok())
                    .map(|c| format!("{:?}", tonic::Code::from_i32(c)))
                    .unwrap_or_else(|| "Ok".into()),
                Err(_) => "Unavailable".into(),
            };
            if !path.starts_with("/grpc.") {
                observe(&path, &code, start.elapsed().as_secs_f64());
            }
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_names_service_method_and_code() {
        observe(
            "/nianbao.storage.v1.StorageService/SubmitReport",
            "Ok",
            0.003,
        );
        observe(
            "/nianbao.storage.v1.StorageService/SubmitReport",
            "InvalidArgument",
            0.2,
        );
        inc("nianbao_reports_stored_total");
        let text = render();
        assert!(text.contains(
            "nianbao_grpc_requests_total{service=\"nianbao.storage.v1.StorageService\",method=\"SubmitReport\",code=\"InvalidArgument\"} 1"
        ));
        assert!(text.contains("nianbao_grpc_request_duration_seconds_bucket{service=\"nianbao.storage.v1.StorageService\",method=\"SubmitReport\",le=\"0.005\"} 1"));
        assert!(text.contains("nianbao_reports_stored_total 1"));
    }
}
