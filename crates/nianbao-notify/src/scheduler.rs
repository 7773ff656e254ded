//! The scheduler: each round reads the enabled plans, decides what is due ([`due::due`]), and
//! for each message claims it in storage, sends it and records the outcome. Several schedulers
//! (replicas) may run on one storage: a message is sent only by the one whose claim was granted,
//! and a scheduler that stops between its claim and its outcome leaves a claim that another
//! takes over when the lease ends.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use nianbao_common::client::{self, Calling, PassToken};
use nianbao_proto::storage::v1 as spb;
use spb::storage_service_client::StorageServiceClient;
use tonic::transport::Channel;

use crate::plan::{self, Contact, Contacts, Office, Outgoing, Plan, Standing};
use crate::smtp::Mailer;
use crate::webhook::Webhook;
use crate::{NotifyError, NotifySettings};

/// Where the scheduler reads the time: the system clock in service, a set time in tests.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    /// Messages sent.
    pub sent: usize,
    /// Messages that failed (to be retried).
    pub failed: usize,
    /// Messages due but claimed already (sent, held by another, or waiting to be retried).
    pub skipped: usize,
    /// Plans that could not be read, with why.
    pub errors: Vec<String>,
}

/// The reminder scheduler.
#[derive(Clone, Debug)]
pub struct Scheduler {
    client: StorageServiceClient<Calling>,
    mailer: Option<Mailer>,
    webhook: Option<Webhook>,
    worker: String,
    lease_seconds: i32,
}

/// The pause before a failed message is tried again, after `attempts` attempts: a minute,
/// doubled each time, at most six hours.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exp = u32::try_from(attempts.clamp(1, 10) - 1).unwrap_or(0);
    chrono::Duration::seconds((60_i64 << exp).min(6 * 3600))
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl Scheduler {
    /// A scheduler reading storage over `channel` with the settings' token and senders.
    pub fn new(channel: Channel, settings: &NotifySettings) -> Result<Scheduler, NotifyError> {
        let token = PassToken::bearer(&settings.token)
            .filter(|_| !settings.token.is_empty())
            .ok_or_else(|| NotifyError::Setting {
                field: "token",
                message: "a storage token is needed / 须设置存储服务令牌".into(),
            })?;
        let timeout = Duration::from_secs(settings.timeout_seconds.max(1));
        let webhook = if settings.webhook_secret.is_empty() {
            None
        } else {
            Some(
                Webhook::new(&settings.webhook_secret, timeout).map_err(|message| {
                    NotifyError::Setting {
                        field: "webhook_secret",
                        message,
                    }
                })?,
            )
        };
        Ok(Scheduler {
            client: client::storage(&channel, token),
            mailer: Mailer::from_settings(settings)?,
            webhook,
            worker: format!("nianbao-{}", std::process::id()),
            lease_seconds: settings.lease_seconds,
        })
    }

    /// Names this scheduler in the claims it makes (default `nianbao-<pid>`).
    pub fn with_worker(mut self, worker: &str) -> Scheduler {
        self.worker = worker.to_string();
        self
    }

    /// Runs rounds every `interval` until `shutdown`.
    pub async fn run(
        self,
        clock: Arc<dyn Clock>,
        interval: Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            match self.tick(clock.now()).await {
                Ok(t) => {
                    if t.sent + t.failed > 0 || !t.errors.is_empty() {
                        tracing::info!(sent = t.sent, failed = t.failed, skipped = t.skipped, errors = ?t.errors, "reminder round");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "reminder round failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = &mut shutdown => return,
            }
        }
    }

    /// One round at `now`: every enabled plan the token may see.
    #[tracing::instrument(skip_all, fields(worker = %self.worker))]
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<Tick, NotifyError> {
        let plans = self
            .client
            .clone()
            .list_reminder_plans(tonic::Request::new(spb::ListReminderPlansRequest {
                enabled_only: true,
            }))
            .await?
            .into_inner()
            .plans;
        let mut tick = Tick::default();
        for p in plans {
            let plan = plan_from_pb(&p);
            let due = match self.due(&plan, now).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(org = %plan.org_code, year = plan.year, error = %e, "cannot read a reminder plan's offices");
                    tick.errors
                        .push(format!("{}/{}: {e}", plan.org_code, plan.year));
                    continue;
                }
            };
            for out in due {
                match self.deliver(&plan, &out, now).await {
                    Ok(Some(true)) => tick.sent += 1,
                    Ok(Some(false)) => tick.failed += 1,
                    Ok(None) => tick.skipped += 1,
                    Err(e) => {
                        tracing::warn!(office = %out.office_code, step = %out.step, error = %e, "cannot claim a reminder");
                        tick.errors
                            .push(format!("{} {}: {e}", out.office_code, out.step));
                    }
                }
            }
        }
        Ok(tick)
    }

    /// What is due for a plan at `now`, from storage's offices, reports and contacts.
    async fn due(&self, plan: &Plan, now: DateTime<Utc>) -> Result<Vec<Outgoing>, NotifyError> {
        let mut client = self.client.clone();
        let under = plan.org_code.clone();
        let offices: Vec<Office> = client
            .list_offices(tonic::Request::new(spb::ListOfficesRequest {
                under: under.clone(),
            }))
            .await?
            .into_inner()
            .offices
            .into_iter()
            .map(|o| Office {
                required: o.must_report && !o.exempt_years.contains(&plan.year),
                parent_code: Some(o.parent_code).filter(|p| !p.is_empty()),
                code: o.code,
                name: o.name,
                kind: o.kind,
            })
            .collect();
        let mut standings = HashMap::new();
        let mut page_token = String::new();
        loop {
            let page = client
                .list_reports(tonic::Request::new(spb::ListReportsRequest {
                    under: under.clone(),
                    year: Some(plan.year),
                    status: None,
                    page_size: 10_000,
                    page_token: page_token.clone(),
                }))
                .await?
                .into_inner();
            for s in page.reports {
                standings.insert(s.office_code.clone(), standing(&s));
            }
            if page.next_page_token.is_empty() || page.next_page_token == page_token {
                break;
            }
            page_token = page.next_page_token;
        }
        let contacts: Contacts = client
            .list_contacts(tonic::Request::new(spb::ListContactsRequest { under }))
            .await?
            .into_inner()
            .contacts
            .into_iter()
            .map(|c| {
                (
                    (c.office_code, c.group),
                    Contact {
                        emails: c.emails,
                        webhook_url: c.webhook_url,
                    },
                )
            })
            .collect();
        Ok(crate::due::due(plan, &offices, &standings, &contacts, now))
    }

    /// Claims, sends and finishes one message: `Some(true)` sent, `Some(false)` failed (and
    /// recorded with its retry time), `None` not granted.
    async fn deliver(
        &self,
        plan: &Plan,
        out: &Outgoing,
        now: DateTime<Utc>,
    ) -> Result<Option<bool>, NotifyError> {
        let mut client = self.client.clone();
        let claim = client
            .claim_reminder(tonic::Request::new(spb::ClaimReminderRequest {
                delivery: Some(spb::Delivery {
                    org_code: plan.org_code.clone(),
                    year: plan.year,
                    office_code: out.office_code.clone(),
                    step: out.step.clone(),
                    channel: out.channel.to_string(),
                    recipients: out.recipients.clone(),
                    subject: out.subject.clone(),
                    ..Default::default()
                }),
                worker: self.worker.clone(),
                now: rfc3339(now),
                lease_seconds: self.lease_seconds,
            }))
            .await?
            .into_inner();
        let attempt = claim.delivery.map(|d| d.attempts).unwrap_or(0);
        if !claim.granted {
            return Ok(None);
        }
        let id = format!(
            "{}.{}.{}.{}.{}",
            plan.org_code,
            plan.year,
            out.office_code,
            out.step.replace(':', "."),
            out.channel
        );
        let result = self.send(out, &id, now).await;
        let sent = result.is_ok();
        let error = result.err().unwrap_or_default();
        if !sent {
            tracing::warn!(office = %out.office_code, step = %out.step, channel = out.channel, attempt, error = %error, "reminder not sent");
        }
        let finish = spb::FinishReminderRequest {
            org_code: plan.org_code.clone(),
            year: plan.year,
            office_code: out.office_code.clone(),
            step: out.step.clone(),
            channel: out.channel.to_string(),
            attempt,
            sent,
            error,
            retry_at: if sent {
                String::new()
            } else {
                rfc3339(now + backoff(attempt))
            },
            now: rfc3339(now),
        };
        // An outcome not recorded leaves the claim to expire and the message to be sent again:
        // a storage hiccup is waited out a little before that.
        for pause_ms in [0, 200, 1000] {
            tokio::time::sleep(Duration::from_millis(pause_ms)).await;
            match client
                .finish_reminder(tonic::Request::new(finish.clone()))
                .await
            {
                Ok(_) => break,
                Err(e) if e.code() == tonic::Code::FailedPrecondition => {
                    tracing::warn!(office = %out.office_code, step = %out.step, error = %e, "a reminder's claim was taken over");
                    break;
                }
                Err(e) => {
                    tracing::warn!(office = %out.office_code, step = %out.step, error = %e, "cannot record a reminder's outcome")
                }
            }
        }
        Ok(Some(sent))
    }

    async fn send(&self, out: &Outgoing, id: &str, now: DateTime<Utc>) -> Result<(), String> {
        match out.channel {
            "email" => match &self.mailer {
                Some(m) => m.send(&out.recipients, &out.subject, &out.text, id).await,
                None => Err("no SMTP server is set (notify.smtp_host) / 未配置邮件服务器".into()),
            },
            _ => match &self.webhook {
                Some(w) => {
                    let mut json = out.json.clone();
                    json["delivery"] = serde_json::Value::String(id.to_string());
                    let body = serde_json::to_vec(&json).map_err(|e| e.to_string())?;
                    let event = json["event"].as_str().unwrap_or("reminder").to_string();
                    let url = out.recipients.first().map(String::as_str).unwrap_or("");
                    w.send(url, &body, id, &event, now.timestamp()).await
                }
                None => Err(
                    "no webhook secret is set (notify.webhook_secret) / 未配置 webhook 签名密钥"
                        .into(),
                ),
            },
        }
    }
}

/// Where a report stands, from storage's summary.
fn standing(s: &spb::ReportSummary) -> Standing {
    match spb::ReportStatus::try_from(s.status) {
        Ok(spb::ReportStatus::Draft) if s.first_submitted_at.is_empty() => Standing::DraftOnly {
            errors: s.error_count,
        },
        Ok(spb::ReportStatus::Returned) => Standing::Returned {
            reason: s.return_reason.clone(),
        },
        Ok(
            spb::ReportStatus::Draft
            | spb::ReportStatus::Submitted
            | spb::ReportStatus::Accepted
            | spb::ReportStatus::Published,
        ) => Standing::Filed {
            on: DateTime::parse_from_rfc3339(&s.first_submitted_at)
                .ok()
                .map(|t| plan::local(t.with_timezone(&Utc)).0),
        },
        _ => Standing::Missing,
    }
}

/// A plan from storage.
pub fn plan_from_pb(p: &spb::ReminderPlan) -> Plan {
    let mut offsets = p.offsets.clone();
    offsets.sort_unstable();
    Plan {
        org_code: p.org_code.clone(),
        year: p.year,
        offsets,
        repeat_every_days: p.repeat_every_days,
        repeat_until_days: p.repeat_until_days,
        escalate_after_days: p.escalate_after_days,
        digest: p.digest,
        digest_hour: p.digest_hour,
        deadlines: p
            .deadlines
            .iter()
            .filter_map(|(k, d)| {
                Some((
                    k.clone(),
                    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?,
                ))
            })
            .collect(),
        submit_url: p.submit_url.clone(),
    }
}
