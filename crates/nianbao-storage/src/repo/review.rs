//! The review workflow: submitted → returned(reason) | accepted → published; reopen unlocks.

use sea_orm::{ActiveModelTrait, DatabaseConnection, IntoActiveModel, Set, TransactionTrait};

use crate::error::{StorageError, StorageResult};
use crate::repo::access::auth::Caller;
use crate::repo::access::permit::{self, Need};
use crate::repo::publications::{self, Place};
use crate::repo::read::reports::{self, Summary};
use crate::repo::{audit, status};

/// A review step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Submitted → accepted (locks).
    Accept,
    /// Submitted → returned, with a reason.
    Return,
    /// Accepted → published.
    Publish,
    /// Accepted or published → submitted (unlocks).
    Reopen,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Return => "return",
            Action::Publish => "publish",
            Action::Reopen => "reopen",
        }
    }
}

/// Applies a review step other than publishing to an office-year within the caller's subtree.
#[cfg(test)]
pub async fn review(
    db: &DatabaseConnection,
    caller: &Caller,
    code: &str,
    year: i32,
    action: Action,
    reason: &str,
) -> StorageResult<Summary> {
    review_at(db, caller, code, year, action, reason, None).await
}

/// Applies a review step; publishing needs `place` (where and when), recorded with the step and
/// in its audit event. A published report may be published again at another place.
pub async fn review_at(
    db: &DatabaseConnection,
    caller: &Caller,
    code: &str,
    year: i32,
    action: Action,
    reason: &str,
    place: Option<&Place>,
) -> StorageResult<Summary> {
    let place = match (action, place) {
        (Action::Publish, None) => {
            return Err(StorageError::invalid(
                "url",
                "publishing needs the URL and the date of publication / 发布须填写发布地址和发布日期",
            ));
        }
        (Action::Publish, p) => p,
        _ => None,
    };
    if action == Action::Return && reason.trim().is_empty() {
        return Err(StorageError::invalid(
            "reason",
            "a returned report needs a reason / 退回须说明理由",
        ));
    }
    let txn = db.begin().await?;
    let office = permit::resolve(&txn, caller, code, Need::Review).await?;
    let row = reports::find_report(&txn, office.id, year)
        .await?
        .ok_or_else(|| {
            StorageError::NotFound(format!(
                "office {code} year {year}: no report / 单位 {code} 无 {year} 年度报表"
            ))
        })?;
    let from = row.status.clone();
    let (to, accepted) = match (action, from.as_str()) {
        (Action::Accept, status::SUBMITTED) => (status::ACCEPTED, row.latest_submitted_revision),
        (Action::Return, status::SUBMITTED) => (status::RETURNED, row.accepted_revision),
        (Action::Publish, status::ACCEPTED | status::PUBLISHED) => {
            (status::PUBLISHED, row.accepted_revision)
        }
        (Action::Reopen, status::ACCEPTED | status::PUBLISHED) => (status::SUBMITTED, 0),
        _ => {
            return Err(StorageError::FailedPrecondition(format!(
                "cannot {} a report that is {from} / 当前状态（{from}）不能执行该操作",
                action.name()
            )));
        }
    };
    let mut active = row.into_active_model();
    active.status = Set(to.to_string());
    active.accepted_revision = Set(accepted);
    if action == Action::Return {
        active.return_reason = Set(reason.to_string());
    }
    active.updated_at = Set(super::now());
    let row = active.update(&txn).await?;
    let mut detail = format!("{from} -> {to} {reason}");
    if let Some(place) = place {
        publications::record(&txn, caller, row.id, row.accepted_revision, place).await?;
        detail = format!("{from} -> {to} {} {}", place.url, place.date);
    }
    audit::record(
        &txn,
        &caller.token_id,
        &format!("report.{}", action.name()),
        &format!("{code}/{year}"),
        audit::OK,
        &detail,
    )
    .await?;
    txn.commit().await?;
    reports::summary(db, &office, row).await
}
