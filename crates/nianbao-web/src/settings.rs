//! The console's settings (`[web]`, `NIANBAO_WEB__*`).

/// Settings of the web console (`[web]` in the settings file, `NIANBAO_WEB__<KEY>`).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebSettings {
    /// Where `nianbao serve all` serves the console (`NIANBAO_WEB__LISTEN`; default
    /// `127.0.0.1:8080`, `off` for none). `nianbao serve web` listens on `--listen`/`NIANBAO_LISTEN`.
    pub listen: Option<String>,
    /// The storage service (`NIANBAO_WEB__STORAGE_URL`).
    pub storage_url: String,
    /// The rendering service (`NIANBAO_WEB__RENDER_URL`).
    pub render_url: String,
    /// The aggregation service (`NIANBAO_WEB__AGGREGATE_URL`).
    pub aggregate_url: String,
    /// TLS towards the three services (`NIANBAO_WEB__UPSTREAM_TLS__CA_FILE`, `…__CERT_FILE`, `…__KEY_FILE`).
    pub upstream_tls: nianbao_common::ClientTlsSettings,
    /// A session ends after this many minutes without a request (`NIANBAO_WEB__SESSION_MINUTES`).
    pub session_minutes: u64,
    /// The zone times are shown in, as a UTC offset (`NIANBAO_WEB__TIME_ZONE`, default `+08:00`, 北京时间).
    pub time_zone: String,
    /// Mark the session cookie `Secure` (`NIANBAO_WEB__SECURE_COOKIE`): set it when the console is
    /// reached over HTTPS (a TLS-terminating proxy in front of it).
    pub secure_cookie: bool,
    /// The year a page shows when none is asked for (`NIANBAO_WEB__YEAR`; 0 = last year).
    pub year: i32,
    /// The largest document an office may upload, in bytes (`NIANBAO_WEB__MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: usize,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            listen: None,
            storage_url: "http://127.0.0.1:50051".into(),
            render_url: "http://127.0.0.1:50052".into(),
            aggregate_url: "http://127.0.0.1:50053".into(),
            upstream_tls: Default::default(),
            session_minutes: 60,
            time_zone: "+08:00".into(),
            secure_cookie: false,
            year: 0,
            max_upload_bytes: 20 * 1024 * 1024,
        }
    }
}
