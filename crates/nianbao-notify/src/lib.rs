//! Deadline reminders: who still owes a report is told, by e-mail and by signed webhook, before
//! and after the deadline; their parent office is told after some days late; the city staff get
//! a daily digest.
//!
//! - [`plan`] decides, purely, what is due at an instant: from a city's reminder plan, its
//!   offices, where each stands and their contacts. The clock is always passed in.
//! - [`message`] writes the messages (Chinese text, and the JSON of a webhook).
//! - [`smtp`] and [`webhook`] send them; [`scheduler`] runs the loop: each message is claimed in
//!   storage (`ClaimReminder`, unique per office, year, step and channel) before it is sent and
//!   finished after (`FinishReminder`), so several schedulers on one database send it once, and
//!   a failure is retried later with back-off.
//!
//! It reads only through the storage service's gRPC API, with its own token. [`service`] builds
//! the scheduler from its [`NotifySettings`], [`run`] runs it (the one service shape of
//! `nianbao_common`, without a listener).

pub mod due;
pub mod message;
pub mod plan;
pub mod scheduler;
pub mod smtp;
pub mod webhook;

use serde::Deserialize;

pub use scheduler::{Clock, Scheduler, SystemClock, Tick};

/// Settings of the reminder scheduler (`[notify]`, `NIANBAO_NOTIFY__*`).
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifySettings {
    /// Run the scheduler in this process (`NIANBAO_NOTIFY__ENABLED`).
    pub enabled: bool,
    /// The storage service (`NIANBAO_NOTIFY__STORAGE_URL`); empty: the one of the aggregation
    /// service beside which it runs (`serve aggregate`/`all` fill it in).
    pub storage_url: String,
    /// TLS towards storage (`NIANBAO_NOTIFY__STORAGE_TLS__CA_FILE`, …); with an empty
    /// `storage_url`, the aggregation service's.
    pub storage_tls: nianbao_common::ClientTlsSettings,
    /// The storage token it reads and claims with: an admin token, or a city token for one
    /// city (`NIANBAO_NOTIFY__TOKEN`; from the environment or a secret, never a file in git).
    pub token: String,
    /// Seconds between two rounds (`NIANBAO_NOTIFY__INTERVAL_SECONDS`, default 60).
    pub interval_seconds: u64,
    /// How long a claim holds before another replica may take it over
    /// (`NIANBAO_NOTIFY__LEASE_SECONDS`, default 300).
    pub lease_seconds: i32,
    /// The SMTP server's host; e-mail is not sent without it (`NIANBAO_NOTIFY__SMTP_HOST`).
    pub smtp_host: String,
    /// Its port (`NIANBAO_NOTIFY__SMTP_PORT`; default 587 with STARTTLS, 465 with TLS, 25 without).
    pub smtp_port: Option<u16>,
    /// `starttls` (default), `tls` (implicit TLS) or `none` (`NIANBAO_NOTIFY__SMTP_SECURITY`).
    pub smtp_security: String,
    /// The login, when the server asks for one (`NIANBAO_NOTIFY__SMTP_USERNAME`).
    pub smtp_username: String,
    /// Its password (`NIANBAO_NOTIFY__SMTP_PASSWORD`; never logged).
    pub smtp_password: String,
    /// The sender (`NIANBAO_NOTIFY__SMTP_FROM`, e.g. `年报系统 <nianbao@city.gov.cn>`).
    pub smtp_from: String,
    /// The key of the webhooks' HMAC-SHA256 signature (`NIANBAO_NOTIFY__WEBHOOK_SECRET`);
    /// webhooks are not sent without it.
    pub webhook_secret: String,
    /// Seconds one SMTP session or webhook request may take (`NIANBAO_NOTIFY__TIMEOUT_SECONDS`,
    /// default 20).
    pub timeout_seconds: u64,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            enabled: false,
            storage_url: String::new(),
            storage_tls: Default::default(),
            token: String::new(),
            interval_seconds: 60,
            lease_seconds: 300,
            smtp_host: String::new(),
            smtp_port: None,
            smtp_security: "starttls".into(),
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_from: "nianbao <nianbao@localhost>".into(),
            webhook_secret: String::new(),
            timeout_seconds: 20,
        }
    }
}

// Secrets stay out of debug output and logs.
impl std::fmt::Debug for NotifySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |s: &str| if s.is_empty() { "" } else { "<set>" };
        f.debug_struct("NotifySettings")
            .field("enabled", &self.enabled)
            .field("storage_url", &self.storage_url)
            .field("token", &hidden(&self.token))
            .field("interval_seconds", &self.interval_seconds)
            .field("lease_seconds", &self.lease_seconds)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_security", &self.smtp_security)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &hidden(&self.smtp_password))
            .field("smtp_from", &self.smtp_from)
            .field("webhook_secret", &hidden(&self.webhook_secret))
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

/// Why the scheduler cannot start or a round failed.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// A setting is wrong; the message names it.
    #[error("notify.{field}: {message}")]
    Setting {
        /// The setting.
        field: &'static str,
        /// What is wrong, in Chinese and English.
        message: String,
    },
    /// Storage refused or could not be reached.
    #[error("storage: {0}")]
    Storage(tonic::Status),
}

/// Storage's answers by the one policy of every service (`nianbao_common::upstream`): codes and
/// details kept, an internal cause logged once and not carried on.
impl From<tonic::Status> for NotifyError {
    fn from(s: tonic::Status) -> Self {
        NotifyError::Storage(nianbao_common::upstream::from_storage(&s))
    }
}

/// The reminder scheduler built from its settings: its storage channel (connected on first use;
/// call it inside the runtime that runs it), token and senders.
pub fn service(settings: &NotifySettings) -> Result<Scheduler, NotifyError> {
    if settings.storage_url.trim().is_empty() {
        return Err(NotifyError::Setting {
            field: "storage_url",
            message: "the storage service URL is needed / 须设置存储服务地址".into(),
        });
    }
    let channel = nianbao_common::client::channel(&settings.storage_url, &settings.storage_tls)
        .map_err(|e| NotifyError::Setting {
            field: "storage_url",
            message: e.to_string(),
        })?;
    Scheduler::new(channel, settings)
}

/// Runs the reminder scheduler on the system clock, a round every `interval_seconds`, until
/// `shutdown`. It has no listener: every replica may run one, since each message is claimed in
/// storage before it is sent.
pub async fn run(
    settings: &NotifySettings,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), NotifyError> {
    let scheduler = service(settings)?;
    let interval = std::time::Duration::from_secs(settings.interval_seconds.max(1));
    tracing::info!(?interval, smtp = %settings.smtp_host, "reminder scheduler started");
    scheduler
        .run(std::sync::Arc::new(SystemClock), interval, shutdown)
        .await;
    Ok(())
}
