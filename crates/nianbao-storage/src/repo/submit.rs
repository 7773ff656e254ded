//! Submissions: every submission is a new immutable revision, written in one transaction with
//! the report row and the audit event.

use nianbao_model::rules::{self, RuleContext};
use nianbao_model::{Report, Severity};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, Set, TransactionTrait,
};

use crate::auth::Caller;
use crate::entity::{office, report, revision};
use crate::error::{StorageError, StorageResult};
use crate::repo::{audit, is_unique_violation, offices, status, stored};

/// A validated submission.
#[derive(Clone, Debug)]
pub struct Submission {
    /// The report (office, year and cells already checked against the edition).
    pub report: Report,
    /// The idempotency key; never empty (the handler makes one when the client sent none).
    pub request_id: String,
    /// The revision the client edited.
    pub base_revision: Option<i64>,
    /// Save even with errors.
    pub draft: bool,
    /// The client's description.
    pub client: String,
}

/// The outcome of a submission.
#[derive(Clone, Debug)]
pub struct Submitted {
    /// The revision (new, or the original one for a replay).
    pub revision: revision::Model,
    /// The office code.
    pub office_code: String,
    /// The report status after it.
    pub status: String,
    /// A retry answered with the original revision.
    pub replayed: bool,
}

/// Submits a report.
pub async fn submit(
    db: &DatabaseConnection,
    caller: &Caller,
    sub: Submission,
) -> StorageResult<Submitted> {
    let tree = offices::load_tree(db).await?;
    let code = sub.report.office.code.clone();
    let office = tree
        .resolve(caller, &code, |o| caller.can_submit(o.id))?
        .clone();
    if let Some(done) = replay(db, caller, &sub, &office).await? {
        return Ok(done);
    }
    match insert(db, caller, &office, &sub).await {
        Err(StorageError::Database(e)) if is_unique_violation(&e) => {
            match replay(db, caller, &sub, &office).await? {
                Some(done) => Ok(done),
                None => Err(StorageError::FailedPrecondition(
                    "another revision was saved at the same time; fetch the latest and retry / \
                     同时有其他提交，请获取最新版本后重试"
                        .into(),
                )),
            }
        }
        other => other,
    }
}

/// The original revision of a retried request, if any.
async fn replay(
    db: &DatabaseConnection,
    caller: &Caller,
    sub: &Submission,
    office: &office::Model,
) -> StorageResult<Option<Submitted>> {
    let Some(rev) = revision::Entity::find()
        .filter(revision::Column::SubmittedBy.eq(caller.token_id.clone()))
        .filter(revision::Column::RequestId.eq(sub.request_id.clone()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if rev.office_id != office.id || rev.year != sub.report.year {
        return Err(StorageError::invalid(
            "request_id",
            "already used for another report / 该请求编号已用于其他报表",
        ));
    }
    let row = report::Entity::find_by_id(rev.report_id)
        .one(db)
        .await?
        .ok_or_else(|| StorageError::Internal(format!("revision {} has no report", rev.id)))?;
    Ok(Some(Submitted {
        revision: rev,
        office_code: office.code.clone(),
        status: row.status,
        replayed: true,
    }))
}

async fn insert(
    db: &DatabaseConnection,
    caller: &Caller,
    office: &office::Model,
    sub: &Submission,
) -> StorageResult<Submitted> {
    let year = sub.report.year;
    let txn = db.begin().await?;
    let row = find_report(&txn, office.id, year).await?;
    let latest = row.as_ref().map_or(0, |r| r.latest_revision);
    if let Some(r) = &row
        && status::is_locked(&r.status)
    {
        return Err(StorageError::FailedPrecondition(format!(
            "office {} year {year} is {} and locked; it must be reopened first / 报表已审核或公开并锁定，须先重新开放",
            office.code, r.status
        )));
    }
    if let Some(base) = sub.base_revision
        && base != latest
    {
        return Err(StorageError::FailedPrecondition(format!(
            "base_revision {base} is not the latest revision {latest} / 基础版本 {base} 不是最新版本 {latest}"
        )));
    }
    let previous_year = selected_report(&txn, office.id, year - 1).await?;
    let findings = rules::check(&RuleContext {
        report: &sub.report,
        previous: previous_year.as_ref(),
        deadline: None,
    });
    let errors: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .cloned()
        .collect();
    if !errors.is_empty() && !sub.draft {
        return Err(StorageError::Rejected(errors));
    }
    let previous_revision = match &row {
        Some(r) if r.latest_revision > 0 => {
            let rev = find_revision(&txn, r.id, r.latest_revision).await?;
            Some(stored::parse_content(&rev.content)?)
        }
        _ => None,
    };
    let changed = stored::changed_cells(previous_revision.as_ref(), &sub.report);
    let (content, checksum) = stored::content_and_checksum(&sub.report);
    let now = super::now();
    let number = latest + 1;
    let new_status = match (&row, sub.draft) {
        (_, false) => status::SUBMITTED.to_string(),
        (None, true) => status::DRAFT.to_string(),
        (Some(r), true) => r.status.clone(),
    };
    let row = match row {
        None => {
            report::ActiveModel {
                office_id: Set(office.id),
                year: Set(year),
                status: Set(new_status.clone()),
                latest_revision: Set(number),
                latest_submitted_revision: Set(if sub.draft { 0 } else { number }),
                accepted_revision: Set(0),
                return_reason: Set(String::new()),
                first_submitted_at: Set((!sub.draft).then_some(now)),
                last_submitted_at: Set((!sub.draft).then_some(now)),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
        Some(r) => {
            let first = r.first_submitted_at;
            let mut active = r.into_active_model();
            active.status = Set(new_status.clone());
            active.latest_revision = Set(number);
            if !sub.draft {
                active.latest_submitted_revision = Set(number);
                active.return_reason = Set(String::new());
                active.first_submitted_at = Set(first.or(Some(now)));
                active.last_submitted_at = Set(Some(now));
            }
            active.updated_at = Set(now);
            active.update(&txn).await?
        }
    };
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count() as i32;
    let rev = revision::ActiveModel {
        report_id: Set(row.id),
        office_id: Set(office.id),
        year: Set(year),
        number: Set(number),
        draft: Set(sub.draft),
        content: Set(content),
        checksum: Set(checksum),
        submitted_by: Set(caller.token_id.clone()),
        client: Set(sub.client.clone()),
        request_id: Set(sub.request_id.clone()),
        findings: Set(stored::findings_to_json(&findings)),
        changed_cells: Set(stored::strings_to_json(&changed)),
        error_count: Set(count(Severity::Error)),
        warning_count: Set(count(Severity::Warning)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &caller.token_id,
        if sub.draft {
            "report.save_draft"
        } else {
            "report.submit"
        },
        &format!("{}/{year}", office.code),
        audit::OK,
        &format!("revision={number} request_id={}", sub.request_id),
    )
    .await?;
    txn.commit().await?;
    Ok(Submitted {
        revision: rev,
        office_code: office.code.clone(),
        status: new_status,
        replayed: false,
    })
}

/// The report row of an office-year.
pub async fn find_report(
    db: &impl ConnectionTrait,
    office_id: i64,
    year: i32,
) -> StorageResult<Option<report::Model>> {
    Ok(report::Entity::find()
        .filter(report::Column::OfficeId.eq(office_id))
        .filter(report::Column::Year.eq(year))
        .one(db)
        .await?)
}

/// One revision of a report row.
pub async fn find_revision(
    db: &impl ConnectionTrait,
    report_id: i64,
    number: i64,
) -> StorageResult<revision::Model> {
    revision::Entity::find()
        .filter(revision::Column::ReportId.eq(report_id))
        .filter(revision::Column::Number.eq(number))
        .one(db)
        .await?
        .ok_or_else(|| StorageError::NotFound(format!("revision {number}: not found / 版本不存在")))
}

/// The report an office-year stands for in cross-year checks: the accepted revision, else the
/// latest submitted one, else the latest draft.
pub async fn selected_report(
    db: &impl ConnectionTrait,
    office_id: i64,
    year: i32,
) -> StorageResult<Option<Report>> {
    let Some(row) = find_report(db, office_id, year).await? else {
        return Ok(None);
    };
    let number = [
        row.accepted_revision,
        row.latest_submitted_revision,
        row.latest_revision,
    ]
    .into_iter()
    .find(|n| *n > 0);
    match number {
        Some(n) => {
            let rev = find_revision(db, row.id, n).await?;
            Ok(Some(stored::parse_content(&rev.content)?))
        }
        None => Ok(None),
    }
}
