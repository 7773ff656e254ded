//! The audit log.

use sea_orm::ColumnTrait;
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::entity::audit_event;
use crate::error::StorageResult;

/// Outcome of an allowed write.
pub const OK: &str = "ok";

/// One event, not yet written.
pub fn event(
    actor: &str,
    action: &str,
    target: &str,
    outcome: &str,
    detail: &str,
) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        at: Set(super::now()),
        actor: Set(actor.to_string()),
        action: Set(action.to_string()),
        target: Set(target.to_string()),
        outcome: Set(outcome.to_string()),
        detail: Set(detail.chars().take(2000).collect()),
        ..Default::default()
    }
}

/// Appends several events in one statement.
pub async fn record_many(
    db: &impl ConnectionTrait,
    events: Vec<audit_event::ActiveModel>,
) -> StorageResult<()> {
    if !events.is_empty() {
        audit_event::Entity::insert_many(events)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Appends one event.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &str,
    action: &str,
    target: &str,
    outcome: &str,
    detail: &str,
) -> StorageResult<()> {
    audit_event::Entity::insert(event(actor, action, target, outcome, detail))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Events newest first, `limit` at a time, older than `before_id` when given.
pub async fn list(
    db: &impl ConnectionTrait,
    limit: u64,
    before_id: Option<i64>,
) -> StorageResult<Vec<audit_event::Model>> {
    let mut q = audit_event::Entity::find().order_by_desc(audit_event::Column::Id);
    if let Some(id) = before_id {
        q = q.filter(audit_event::Column::Id.lt(id));
    }
    Ok(q.limit(limit).all(db).await?)
}
