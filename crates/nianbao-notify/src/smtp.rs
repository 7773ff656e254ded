//! E-mail over SMTP with lettre: STARTTLS, implicit TLS or plain (a relay on the same host, or a
//! test server), with a login when set. TLS is rustls on ring with the Mozilla roots.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::{NotifyError, NotifySettings};

/// A mail sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

fn setting(field: &'static str, message: impl Into<String>) -> NotifyError {
    NotifyError::Setting {
        field,
        message: message.into(),
    }
}

impl Mailer {
    /// The mailer of the settings, or `None` when no SMTP host is set.
    pub fn from_settings(s: &NotifySettings) -> Result<Option<Mailer>, NotifyError> {
        if s.smtp_host.is_empty() {
            return Ok(None);
        }
        let host = s.smtp_host.as_str();
        let tls = || {
            TlsParameters::new(host.to_string()).map_err(|e| {
                setting(
                    "smtp_host",
                    format!("{host}: no TLS for this host / 无法建立 TLS: {e}"),
                )
            })
        };
        let (security, port) = match s.smtp_security.as_str() {
            "starttls" | "" => (Tls::Required(tls()?), 587),
            "tls" => (Tls::Wrapper(tls()?), 465),
            "none" => (Tls::None, 25),
            other => {
                return Err(setting(
                    "smtp_security",
                    format!("{other:?}: use starttls, tls or none / 只能为 starttls、tls 或 none"),
                ));
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(s.smtp_port.unwrap_or(port))
            .tls(security)
            .timeout(Some(Duration::from_secs(s.timeout_seconds.max(1))));
        if !s.smtp_username.is_empty() {
            builder = builder.credentials(Credentials::new(
                s.smtp_username.clone(),
                s.smtp_password.clone(),
            ));
        }
        let from: Mailbox = s.smtp_from.parse().map_err(|e| {
            setting(
                "smtp_from",
                format!("{:?}: not an address / 发件人地址无效: {e}", s.smtp_from),
            )
        })?;
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
        }))
    }

    /// Sends one message to every recipient; `id` becomes its Message-ID, the same on every
    /// attempt, so a mail system that saw it already can drop a second copy.
    pub async fn send(
        &self,
        to: &[String],
        subject: &str,
        text: &str,
        id: &str,
    ) -> Result<(), String> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .message_id(Some(format!("<{id}@nianbao>")))
            .header(ContentType::TEXT_PLAIN);
        for addr in to {
            let mailbox: Mailbox = addr
                .parse()
                .map_err(|e| format!("recipient {addr}: {e} / 收件人地址无效"))?;
            builder = builder.to(mailbox);
        }
        let message = builder
            .body(text.to_string())
            .map_err(|e| format!("cannot build the message / 无法生成邮件: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("smtp: {e}"))
    }
}
