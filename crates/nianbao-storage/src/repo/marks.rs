//! Finding marks: a warning explained by a reviewer; the mark lapses when its cells change.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use crate::entity::finding_mark;
use crate::error::{StorageError, StorageResult};
use crate::repo::MAX_IN_LIST;
use crate::repo::access::auth::Caller;
use crate::repo::access::permit::{self, Need};
use crate::repo::read::{reports, subtree};
use crate::repo::{audit, stored};

/// Marks a warning of the latest revision as explained.
pub async fn mark(
    db: &DatabaseConnection,
    caller: &Caller,
    code: &str,
    year: i32,
    fingerprint: &str,
    reason: &str,
) -> StorageResult<finding_mark::Model> {
    if reason.trim().is_empty() {
        return Err(StorageError::invalid(
            "reason",
            "a reason is needed / 须说明理由",
        ));
    }
    let txn = db.begin().await?;
    let office = permit::resolve(&txn, caller, code, Need::Review).await?;
    let row = reports::find_report(&txn, office.id, year)
        .await?
        .ok_or_else(|| {
            StorageError::NotFound(format!(
                "office {code} year {year}: no report / 无该年度报表"
            ))
        })?;
    let rev = reports::find_revision(&txn, row.id, row.latest_revision).await?;
    let finding = stored::findings_from_json(&rev.findings)?
        .into_iter()
        .find(|f| f.fingerprint() == fingerprint)
        .ok_or_else(|| {
            StorageError::invalid(
                "fingerprint",
                format!("no finding {fingerprint} in the latest revision / 最新版本中无此提示"),
            )
        })?;
    let report = stored::report_of(&rev)?;
    let digest = report.cells_digest(&finding.cells);
    let existing = finding_mark::Entity::find()
        .filter(finding_mark::Column::ReportId.eq(row.id))
        .filter(finding_mark::Column::Fingerprint.eq(fingerprint))
        .one(&txn)
        .await?;
    let now = super::now();
    let model = match existing {
        Some(m) => {
            let mut active = m.into_active_model();
            active.reason = Set(reason.to_string());
            active.marked_by = Set(caller.token_id.clone());
            active.marked_at = Set(now);
            active.cells_digest = Set(digest);
            active.update(&txn).await?
        }
        None => {
            finding_mark::ActiveModel {
                report_id: Set(row.id),
                fingerprint: Set(fingerprint.to_string()),
                reason: Set(reason.to_string()),
                marked_by: Set(caller.token_id.clone()),
                marked_at: Set(now),
                cells_digest: Set(digest),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    audit::record(
        &txn,
        &caller.token_id,
        "finding.mark",
        &format!("{code}/{year}"),
        audit::OK,
        fingerprint,
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// The marks of an office-year.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    code: &str,
    year: i32,
) -> StorageResult<Vec<finding_mark::Model>> {
    let office = permit::resolve(db, caller, code, Need::Read).await?;
    let Some(row) = reports::find_report(db, office.id, year).await? else {
        return Ok(Vec::new());
    };
    Ok(finding_mark::Entity::find()
        .filter(finding_mark::Column::ReportId.eq(row.id))
        .order_by_asc(finding_mark::Column::Fingerprint)
        .all(db)
        .await?)
}

/// The marks of every office-year of `year` in the subtree under `under` (the caller's scope when
/// `None`), each with its office's code: one read of the subtree's report rows and one of their
/// marks, IN-lists of at most [`MAX_IN_LIST`] ids, rather than one request per office.
pub async fn list_subtree(
    db: &DatabaseConnection,
    caller: &Caller,
    under: Option<&str>,
    year: i32,
) -> StorageResult<Vec<(String, finding_mark::Model)>> {
    let scope = subtree::scope(db, caller, under).await?;
    let codes: HashMap<i64, String> = subtree::year_rows(db, &scope, year)
        .await?
        .into_iter()
        .map(|r| (r.report_id, r.code))
        .collect();
    let ids: Vec<i64> = codes.keys().copied().collect();
    let mut out = Vec::new();
    for chunk in ids.chunks(MAX_IN_LIST) {
        let found = finding_mark::Entity::find()
            .filter(finding_mark::Column::ReportId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        out.extend(
            found
                .into_iter()
                .filter_map(|m| Some((codes.get(&m.report_id)?.clone(), m))),
        );
    }
    out.sort_by(|a, b| (&a.0, &a.1.fingerprint).cmp(&(&b.0, &b.1.fingerprint)));
    Ok(out)
}
