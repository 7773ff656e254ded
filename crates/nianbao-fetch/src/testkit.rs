//! A loopback HTTP/1.1 server of fixed routes, for tests of fetching (here and end to end):
//! bodies, redirects, status codes, slow answers, and bodies sent without a length.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What a route answers.
#[derive(Clone, Debug)]
pub enum Route {
    /// 200 with this content type and body, and a `Content-Length`.
    Body(String, Vec<u8>),
    /// 200 with this content type and body, no length: the body ends when the connection closes.
    Streamed(String, Vec<u8>),
    /// A redirect (302) to this location.
    Redirect(String),
    /// This status with an empty body.
    Status(u16),
    /// Waits this long, then answers like the route inside.
    Slow(Duration, Box<Route>),
}

/// A server on 127.0.0.1 (a free port) until dropped; routes may be changed while it runs.
pub struct Server {
    addr: SocketAddr,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Starts serving `routes` (path → answer); other paths are 404.
    pub async fn start(routes: HashMap<String, Route>) -> std::io::Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let routes = Arc::new(Mutex::new(routes));
        let shared = routes.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let routes = shared.clone();
                tokio::spawn(async move {
                    let _ = answer(stream, routes).await;
                });
            }
        });
        Ok(Server { addr, routes, task })
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sets the answer of `path`.
    pub fn set(&self, path: &str, route: Route) {
        if let Ok(mut r) = self.routes.lock() {
            r.insert(path.to_string(), route);
        }
    }
}

async fn answer(
    mut stream: TcpStream,
    routes: Arc<Mutex<HashMap<String, Route>>>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
    let route = routes.lock().ok().and_then(|r| r.get(&path).cloned());
    let mut route = route.unwrap_or(Route::Status(404));
    while let Route::Slow(wait, inner) = route {
        tokio::time::sleep(wait).await;
        route = *inner;
    }
    let (head, body, length) = match route {
        Route::Body(ct, body) => (format!("200 OK\r\nContent-Type: {ct}"), body, true),
        Route::Streamed(ct, body) => (format!("200 OK\r\nContent-Type: {ct}"), body, false),
        Route::Redirect(to) => (format!("302 Found\r\nLocation: {to}"), Vec::new(), true),
        Route::Status(code) => (format!("{code} Status"), Vec::new(), true),
        Route::Slow(..) => return Ok(()),
    };
    let length = if length {
        format!("\r\nContent-Length: {}", body.len())
    } else {
        String::new()
    };
    let head = format!("HTTP/1.1 {head}{length}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await?;
    // A client that stops reading (a body over its limit) closes the connection: not an error here.
    let _ = stream.write_all(&body).await;
    let _ = stream.shutdown().await;
    Ok(())
}
