//! Test helpers: consistent random reports of an office (from the test kit) and offices.
#![allow(dead_code)]

pub use nianbao_testkit::report_of;

/// An office node.
pub fn node(code: &str, parent: Option<&str>, kind: &str) -> nianbao_aggregate::filing::OfficeNode {
    nianbao_aggregate::filing::OfficeNode {
        code: code.to_string(),
        name: format!("{code}局"),
        kind: kind.to_string(),
        parent_code: parent.map(str::to_string),
        must_report: true,
        exempt_years: Vec::new(),
    }
}
pub mod reference;

/// A free loopback listener and its address.
pub async fn listener() -> (tokio::net::TcpListener, std::net::SocketAddr) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    (l, addr)
}

/// A lazily connected channel to `addr`.
pub fn channel(addr: std::net::SocketAddr) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .expect("url")
        .connect_lazy()
}

/// `msg` with `token` as its bearer.
pub fn with_token<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    r.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    r
}

/// The storage service on the database at `url`, started through its `run` on a free loopback
/// port, with an admin token made on the database first (which migrates it): the token and the
/// service's address.
pub async fn storage_on(url: String, max_connections: u32) -> (String, std::net::SocketAddr) {
    let admin = nianbao_storage::bootstrap_token(&url, nianbao_storage::Role::Admin, None, "test")
        .await
        .expect("bootstrap")
        .secret;
    let settings = nianbao_storage::StorageSettings {
        database: nianbao_storage::DatabaseSettings {
            url,
            max_connections,
            compress_content: true,
        },
        ..Default::default()
    };
    let (l, addr) = listener().await;
    tokio::spawn(async move { nianbao_storage::run(l, &settings, std::future::pending()).await });
    (admin, addr)
}
