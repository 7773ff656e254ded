//! The reminder handlers of `StorageService` (contacts, plans, claims and the log): decode,
//! call `repo::reminders`, encode. The trait methods in `handlers` call these.

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use nianbao_proto::storage::v1 as pb;
use tonic::{Request, Response, Status};

use super::{Storage, page_token};
use crate::error::{StorageError, StorageResult};
use crate::repo::reminders::deliveries::{self, DeliveryView, Key};
use crate::repo::reminders::plans::{self, Plan, PlanSettings};
use crate::repo::reminders::{self, ContactInput, ContactView};
use crate::validate;
use crate::wire::time;

type Answer<T> = Result<Response<T>, Status>;

fn contact_to_pb(c: ContactView) -> pb::Contact {
    pb::Contact {
        office_code: c.office_code,
        group: c.model.grp,
        emails: c.emails,
        webhook_url: c.model.webhook_url,
        updated_by: c.model.updated_by,
        updated_at: time(&c.model.updated_at),
    }
}

fn plan_to_pb(p: Plan) -> pb::ReminderPlan {
    pb::ReminderPlan {
        org_code: p.org_code,
        year: p.year,
        enabled: p.enabled,
        offsets: p.settings.offsets,
        repeat_every_days: p.settings.repeat_every_days,
        repeat_until_days: p.settings.repeat_until_days,
        escalate_after_days: p.settings.escalate_after_days,
        digest: p.settings.digest,
        digest_hour: p.settings.digest_hour,
        deadlines: p
            .settings
            .deadlines
            .into_iter()
            .map(|(k, d)| (k, d.format("%Y-%m-%d").to_string()))
            .collect(),
        submit_url: p.settings.submit_url,
        updated_by: p.updated_by,
        updated_at: p.updated_at.map(|t| time(&t)).unwrap_or_default(),
        stored: p.stored,
    }
}

fn settings_from_pb(p: &pb::ReminderPlan) -> StorageResult<PlanSettings> {
    let mut deadlines = std::collections::BTreeMap::new();
    for (kind, date) in &p.deadlines {
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
            StorageError::invalid(
                format!("plan.deadlines[{kind}]"),
                format!("{date:?} is not a date YYYY-MM-DD / 不是 YYYY-MM-DD 格式的日期"),
            )
        })?;
        deadlines.insert(kind.trim().to_lowercase(), d);
    }
    let mut offsets = p.offsets.clone();
    offsets.sort_unstable();
    offsets.dedup();
    Ok(PlanSettings {
        offsets,
        repeat_every_days: p.repeat_every_days,
        repeat_until_days: p.repeat_until_days,
        escalate_after_days: p.escalate_after_days,
        digest: p.digest,
        digest_hour: p.digest_hour,
        deadlines,
        submit_url: p.submit_url.trim().to_string(),
    })
}

fn delivery_to_pb(d: DeliveryView) -> pb::Delivery {
    let m = d.model;
    pb::Delivery {
        org_code: d.org_code,
        year: m.year,
        office_code: m.office_code,
        step: m.step,
        channel: m.channel,
        recipients: serde_json::from_str(&m.recipients).unwrap_or_default(),
        subject: m.subject,
        state: m.state,
        attempts: m.attempts,
        claimed_by: m.claimed_by,
        claimed_at: time(&m.claimed_at),
        sent_at: m.sent_at.map(|t| time(&t)).unwrap_or_default(),
        error: m.error,
        retry_at: m.retry_at.map(|t| time(&t)).unwrap_or_default(),
    }
}

/// A time sent by a claimer; empty is the storage server's own clock.
fn instant(field: &str, s: &str) -> StorageResult<DateTime<Utc>> {
    if s.is_empty() {
        return Ok(crate::repo::now());
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc).trunc_subsecs(6))
        .map_err(|_| {
            StorageError::invalid(
                field,
                format!("{s:?} is not an RFC 3339 time / 时间格式无效"),
            )
        })
}

fn key(org_code: &str, year: i32, office: &str, step: &str, channel: &str) -> Key {
    Key {
        org_code: org_code.to_string(),
        year,
        office_code: office.to_string(),
        step: step.to_string(),
        channel: channel.to_string(),
    }
}

pub(super) async fn set_contact(
    s: &Storage,
    req: Request<pb::SetContactRequest>,
) -> Answer<pb::SetContactResponse> {
    let caller = s.caller(&req, "contact.set").await?;
    let c = req.into_inner().contact.unwrap_or_default();
    let target = c.office_code.clone();
    let result = async {
        validate::office_code("contact.office_code", &c.office_code)?;
        let input = ContactInput {
            office_code: c.office_code,
            group: c.group,
            emails: c.emails,
            webhook_url: c.webhook_url,
        };
        reminders::set_contact(&s.db, &caller, input).await
    }
    .await;
    let contact = s.done(&caller, "contact.set", &target, result).await?;
    Ok(Response::new(pb::SetContactResponse {
        contact: Some(contact_to_pb(contact)),
    }))
}

pub(super) async fn list_contacts(
    s: &Storage,
    req: Request<pb::ListContactsRequest>,
) -> Answer<pb::ListContactsResponse> {
    let caller = s.caller(&req, "contact.list").await?;
    let under = req.into_inner().under;
    let result = async {
        validate::office_code("under", &under)?;
        reminders::list_contacts(&s.read, &caller, &under).await
    }
    .await;
    let list = s.done(&caller, "contact.list", &under, result).await?;
    Ok(Response::new(pb::ListContactsResponse {
        contacts: list.into_iter().map(contact_to_pb).collect(),
    }))
}

pub(super) async fn get_plan(
    s: &Storage,
    req: Request<pb::GetReminderPlanRequest>,
) -> Answer<pb::GetReminderPlanResponse> {
    let caller = s.caller(&req, "reminders.get").await?;
    let r = req.into_inner();
    let target = format!("{}/{}", r.org_code, r.year);
    let result = async {
        super::office_year(&r.org_code, r.year)?;
        plans::get(&s.read, &caller, &r.org_code, r.year).await
    }
    .await;
    let plan = s.done(&caller, "reminders.get", &target, result).await?;
    Ok(Response::new(pb::GetReminderPlanResponse {
        plan: Some(plan_to_pb(plan)),
    }))
}

pub(super) async fn set_plan(
    s: &Storage,
    req: Request<pb::SetReminderPlanRequest>,
) -> Answer<pb::SetReminderPlanResponse> {
    let caller = s.caller(&req, "reminders.set").await?;
    let p = req.into_inner().plan.unwrap_or_default();
    let target = format!("{}/{}", p.org_code, p.year);
    let result = async {
        super::office_year(&p.org_code, p.year)?;
        let settings = settings_from_pb(&p)?;
        plans::set(&s.db, &caller, &p.org_code, p.year, p.enabled, settings).await
    }
    .await;
    let plan = s.done(&caller, "reminders.set", &target, result).await?;
    Ok(Response::new(pb::SetReminderPlanResponse {
        plan: Some(plan_to_pb(plan)),
    }))
}

pub(super) async fn list_plans(
    s: &Storage,
    req: Request<pb::ListReminderPlansRequest>,
) -> Answer<pb::ListReminderPlansResponse> {
    let caller = s.caller(&req, "reminders.list").await?;
    let enabled_only = req.into_inner().enabled_only;
    let result = plans::list(&s.read, &caller, enabled_only).await;
    let list = s.done(&caller, "reminders.list", "", result).await?;
    Ok(Response::new(pb::ListReminderPlansResponse {
        plans: list.into_iter().map(plan_to_pb).collect(),
    }))
}

pub(super) async fn claim(
    s: &Storage,
    req: Request<pb::ClaimReminderRequest>,
) -> Answer<pb::ClaimReminderResponse> {
    let caller = s.caller(&req, "reminders.claim").await?;
    let r = req.into_inner();
    let d = r.delivery.unwrap_or_default();
    let target = format!("{}/{}/{} {}", d.office_code, d.year, d.step, d.channel);
    let result = async {
        validate::office_code("delivery.org_code", &d.org_code)?;
        validate::text("worker", &r.worker, false, validate::MAX_TEXT_LEN)?;
        validate::text("delivery.subject", &d.subject, false, 1000)?;
        if d.recipients.len() > reminders::MAX_EMAILS {
            return Err(StorageError::invalid(
                "delivery.recipients",
                "too many recipients / 收件人过多",
            ));
        }
        let lease = match r.lease_seconds {
            n if n <= 0 => deliveries::DEFAULT_LEASE_SECONDS,
            n => i64::from(n.min(86_400)),
        };
        let claim = deliveries::Claim {
            key: key(&d.org_code, d.year, &d.office_code, &d.step, &d.channel),
            recipients: d.recipients,
            subject: d.subject,
            worker: r.worker,
            now: instant("now", &r.now)?,
            lease: Duration::seconds(lease),
        };
        deliveries::claim(&s.db, &caller, claim).await
    }
    .await;
    let (granted, row) = s.done(&caller, "reminders.claim", &target, result).await?;
    Ok(Response::new(pb::ClaimReminderResponse {
        granted,
        delivery: Some(delivery_to_pb(row)),
    }))
}

pub(super) async fn finish(
    s: &Storage,
    req: Request<pb::FinishReminderRequest>,
) -> Answer<pb::FinishReminderResponse> {
    let caller = s.caller(&req, "reminders.finish").await?;
    let r = req.into_inner();
    let target = format!("{}/{}/{} {}", r.office_code, r.year, r.step, r.channel);
    let result = async {
        validate::office_code("org_code", &r.org_code)?;
        let retry_at = match r.retry_at.as_str() {
            "" => None,
            t => Some(instant("retry_at", t)?),
        };
        let outcome = deliveries::Outcome {
            key: key(&r.org_code, r.year, &r.office_code, &r.step, &r.channel),
            attempt: r.attempt,
            sent: r.sent,
            error: r.error,
            retry_at,
            now: instant("now", &r.now)?,
        };
        deliveries::finish(&s.db, &caller, outcome).await
    }
    .await;
    let row = s.done(&caller, "reminders.finish", &target, result).await?;
    Ok(Response::new(pb::FinishReminderResponse {
        delivery: Some(delivery_to_pb(row)),
    }))
}

/// The largest page of the reminder log.
const MAX_LOG_PAGE: i32 = 1000;

pub(super) async fn log(
    s: &Storage,
    req: Request<pb::ListReminderLogRequest>,
) -> Answer<pb::ListReminderLogResponse> {
    let caller = s.caller(&req, "reminders.log").await?;
    let r = req.into_inner();
    let target = format!("{}/{}", r.org_code, r.year);
    let limit = match r.page_size {
        n if n <= 0 => 200,
        n => n.min(MAX_LOG_PAGE),
    };
    let result = async {
        super::office_year(&r.org_code, r.year)?;
        let after = page_token(&r.page_token)?;
        deliveries::log(&s.read, &caller, &r.org_code, r.year, after, limit as u64).await
    }
    .await;
    let rows = s.done(&caller, "reminders.log", &target, result).await?;
    let next_page_token = if rows.len() as i32 == limit {
        rows.last()
            .map(|d| d.model.id.to_string())
            .unwrap_or_default()
    } else {
        String::new()
    };
    Ok(Response::new(pb::ListReminderLogResponse {
        deliveries: rows.into_iter().map(delivery_to_pb).collect(),
        next_page_token,
    }))
}
