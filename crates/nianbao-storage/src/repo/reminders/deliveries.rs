//! Deliveries: each (city, year, office, step, channel) is claimed by one insert on a unique
//! index before it is sent, then marked sent or failed. A failed delivery, or a claim whose lease
//! ran out (its claimer stopped), may be claimed again by a compare-and-set on its attempt count,
//! so of several claimers exactly one wins each attempt.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::entity::reminder_delivery::{self, Column};
use crate::error::{StorageError, StorageResult};
use crate::repo::access::auth::Caller;
use crate::repo::access::permit::{self as access, Need};
use crate::repo::is_unique_violation;

/// Claimed, being sent.
pub const CLAIMED: &str = "claimed";
/// Sent.
pub const SENT: &str = "sent";
/// Failed; may be claimed again from `retry_at`.
pub const FAILED: &str = "failed";

/// The default lease of a claim.
pub const DEFAULT_LEASE_SECONDS: i64 = 300;

/// What identifies a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// The city whose plan it is.
    pub org_code: String,
    /// The year reported on.
    pub year: i32,
    /// The office it is about (the city itself for a digest).
    pub office_code: String,
    /// `remind:-7`, `remind:3`, `escalate`, `digest:2024-01-30`.
    pub step: String,
    /// `email` or `webhook`.
    pub channel: String,
}

/// A claim to make.
#[derive(Clone, Debug)]
pub struct Claim {
    /// The delivery.
    pub key: Key,
    /// Its recipients.
    pub recipients: Vec<String>,
    /// Its subject.
    pub subject: String,
    /// Who claims.
    pub worker: String,
    /// The claimer's clock.
    pub now: DateTime<Utc>,
    /// How long the claim holds.
    pub lease: Duration,
}

/// A stored delivery with its city's code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryView {
    /// The city.
    pub org_code: String,
    /// The row.
    pub model: reminder_delivery::Model,
}

fn check_key(key: &Key) -> StorageResult<()> {
    crate::validate::office_code("delivery.office_code", &key.office_code)?;
    crate::validate::year("delivery.year", key.year)?;
    let step_ok = !key.step.is_empty()
        && key.step.len() <= 32
        && key
            .step
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-:_+".contains(c));
    if !step_ok {
        return Err(StorageError::invalid(
            "delivery.step",
            "not a step name / 不是有效的提醒步骤",
        ));
    }
    if key.channel != "email" && key.channel != "webhook" {
        return Err(StorageError::invalid(
            "delivery.channel",
            "\"email\" or \"webhook\" / 渠道只能为 email 或 webhook",
        ));
    }
    Ok(())
}

fn by_key<Q: QueryFilter>(query: Q, org_id: i64, key: &Key) -> Q {
    query
        .filter(Column::OrgId.eq(org_id))
        .filter(Column::Year.eq(key.year))
        .filter(Column::OfficeCode.eq(key.office_code.as_str()))
        .filter(Column::Step.eq(key.step.as_str()))
        .filter(Column::Channel.eq(key.channel.as_str()))
}

async fn find(
    db: &impl ConnectionTrait,
    org_id: i64,
    key: &Key,
) -> StorageResult<Option<reminder_delivery::Model>> {
    Ok(by_key(reminder_delivery::Entity::find(), org_id, key)
        .one(db)
        .await?)
}

/// Claims a delivery: `(true, row)` when the caller now holds it (its attempt number in the row)
/// and must send it, `(false, row)` when it was sent, is held by another claimer, or waits for
/// its retry time.
pub async fn claim(
    db: &DatabaseConnection,
    caller: &Caller,
    claim: Claim,
) -> StorageResult<(bool, DeliveryView)> {
    check_key(&claim.key)?;
    let org = access::resolve(db, caller, &claim.key.org_code, Need::Review).await?;
    let recipients = serde_json::to_string(&claim.recipients)
        .map_err(|e| StorageError::Internal(e.to_string()))?;
    let view = |model| DeliveryView {
        org_code: org.code.clone(),
        model,
    };
    let inserted = reminder_delivery::ActiveModel {
        org_id: Set(org.id),
        year: Set(claim.key.year),
        office_code: Set(claim.key.office_code.clone()),
        step: Set(claim.key.step.clone()),
        channel: Set(claim.key.channel.clone()),
        recipients: Set(recipients.clone()),
        subject: Set(claim.subject.clone()),
        state: Set(CLAIMED.into()),
        attempts: Set(1),
        claimed_by: Set(claim.worker.clone()),
        claimed_at: Set(claim.now),
        lease_until: Set(claim.now + claim.lease),
        sent_at: Set(None),
        error: Set(String::new()),
        retry_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(model) => return Ok((true, view(model))),
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    let Some(row) = find(db, org.id, &claim.key).await? else {
        return Err(StorageError::Internal("a claimed delivery vanished".into()));
    };
    let may_take = match row.state.as_str() {
        FAILED => row.retry_at.is_none_or(|at| at <= claim.now),
        CLAIMED => row.lease_until <= claim.now,
        _ => false,
    };
    if !may_take {
        return Ok((false, view(row)));
    }
    // Compare and set: only the claimer that saw this attempt count takes the next attempt.
    let taken = by_key(reminder_delivery::Entity::update_many(), org.id, &claim.key)
        .filter(Column::State.eq(row.state.as_str()))
        .filter(Column::Attempts.eq(row.attempts))
        .col_expr(Column::State, Expr::value(CLAIMED))
        .col_expr(Column::Attempts, Expr::value(row.attempts + 1))
        .col_expr(Column::ClaimedBy, Expr::value(claim.worker.clone()))
        .col_expr(Column::ClaimedAt, Expr::value(claim.now))
        .col_expr(Column::LeaseUntil, Expr::value(claim.now + claim.lease))
        .col_expr(Column::Recipients, Expr::value(recipients))
        .col_expr(Column::Subject, Expr::value(claim.subject.clone()))
        .exec(db)
        .await?
        .rows_affected
        == 1;
    let Some(row) = find(db, org.id, &claim.key).await? else {
        return Err(StorageError::Internal("a claimed delivery vanished".into()));
    };
    Ok((taken, view(row)))
}

/// The outcome of a claimed attempt.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The delivery.
    pub key: Key,
    /// The attempt number the claim was granted with.
    pub attempt: i32,
    /// Sent, or failed with `error`.
    pub sent: bool,
    /// Why it failed.
    pub error: String,
    /// When a failed delivery may be claimed again.
    pub retry_at: Option<DateTime<Utc>>,
    /// The claimer's clock.
    pub now: DateTime<Utc>,
}

/// Records the outcome of an attempt. Refused (`FAILED_PRECONDITION`) when the attempt is no
/// longer the current claim: its lease ran out and another claimer took it.
pub async fn finish(
    db: &DatabaseConnection,
    caller: &Caller,
    outcome: Outcome,
) -> StorageResult<DeliveryView> {
    check_key(&outcome.key)?;
    let org = access::resolve(db, caller, &outcome.key.org_code, Need::Review).await?;
    let error: String = outcome.error.chars().take(2000).collect();
    let mut update = by_key(
        reminder_delivery::Entity::update_many(),
        org.id,
        &outcome.key,
    )
    .filter(Column::State.eq(CLAIMED))
    .filter(Column::Attempts.eq(outcome.attempt));
    update = if outcome.sent {
        update
            .col_expr(Column::State, Expr::value(SENT))
            .col_expr(Column::SentAt, Expr::value(Some(outcome.now)))
            .col_expr(Column::Error, Expr::value(String::new()))
            .col_expr(Column::RetryAt, Expr::value(None::<DateTime<Utc>>))
    } else {
        update
            .col_expr(Column::State, Expr::value(FAILED))
            .col_expr(Column::Error, Expr::value(error))
            .col_expr(Column::RetryAt, Expr::value(outcome.retry_at))
    };
    let done = update.exec(db).await?.rows_affected == 1;
    if !done {
        return Err(StorageError::FailedPrecondition(format!(
            "delivery {}/{} {} {}: attempt {} is not the current claim / 该次投递已不是当前认领",
            outcome.key.office_code,
            outcome.key.year,
            outcome.key.step,
            outcome.key.channel,
            outcome.attempt
        )));
    }
    let Some(row) = find(db, org.id, &outcome.key).await? else {
        return Err(StorageError::Internal("a claimed delivery vanished".into()));
    };
    Ok(DeliveryView {
        org_code: org.code,
        model: row,
    })
}

/// The deliveries of a city's plan for a year, oldest first, `limit` after id `after`.
pub async fn log(
    db: &DatabaseConnection,
    caller: &Caller,
    org_code: &str,
    year: i32,
    after: i64,
    limit: u64,
) -> StorageResult<Vec<DeliveryView>> {
    let org = access::resolve(db, caller, org_code, Need::Review).await?;
    let rows = reminder_delivery::Entity::find()
        .filter(Column::OrgId.eq(org.id))
        .filter(Column::Year.eq(year))
        .filter(Column::Id.gt(after))
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|model| DeliveryView {
            org_code: org.code.clone(),
            model,
        })
        .collect())
}
