//! Submissions: every submission is a new immutable revision, written in one transaction with
//! the report row and the audit event.
//!
//! Several submissions share one transaction ([`write_batch`], driven by
//! [`group`](super::group)), written as one group by [`batch`](super::batch); when a statement
//! of the group fails, each is written again in its own savepoint, so a failing one is rolled
//! back alone. None is acknowledged before the shared commit.

use nianbao_model::Report;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, TransactionTrait,
};

use crate::auth::Caller;
use crate::entity::{office, report, revision};
use crate::error::{StorageError, StorageResult};
use crate::repo::access::{self, Need};
use crate::repo::cache::ReportCache;
use crate::repo::{batch, is_unique_violation, stored};

pub use crate::repo::read::{find_report, find_revision};

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

/// A submission whose office is resolved and whose canonical content is computed: what the
/// writer needs, with the work that needs no database already done.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub(crate) caller: Caller,
    pub(crate) office: office::Model,
    pub(crate) sub: Submission,
    /// The canonical JSON, or empty when compressed into `content_deflate`.
    pub(crate) content: String,
    pub(crate) content_deflate: Option<Vec<u8>>,
    pub(crate) checksum: String,
    pub(crate) packed: Vec<u8>,
    /// The caller was authenticated from the cache: the write checks that the token is still
    /// unrevoked, in its transaction.
    pub(crate) recheck_token: bool,
}

impl Prepared {
    /// The office the submission is for.
    pub fn office_id(&self) -> i64 {
        self.office.id
    }

    /// The submitted report.
    pub fn into_report(self) -> Report {
        self.sub.report
    }
}

/// Resolves the office (the caller must be allowed to submit for it) and computes the canonical
/// content and checksum.
#[cfg(test)]
pub async fn prepare(
    db: &impl ConnectionTrait,
    caller: &Caller,
    sub: Submission,
) -> StorageResult<Prepared> {
    prepare_found(db, caller, sub, None, true).await
}

/// [`prepare`] with the office already read by its code (as authentication reads it with the
/// token); one read by the report's office code when `found` is none or another office. The content is
/// compressed when `compress` says so ([`stored::encode_content`]).
pub async fn prepare_found(
    db: &impl ConnectionTrait,
    caller: &Caller,
    sub: Submission,
    found: Option<office::Model>,
    compress: bool,
) -> StorageResult<Prepared> {
    let code = &sub.report.office.code;
    let found = match found {
        Some(office) if office.code == *code => Some(office),
        _ => access::find_by_code(db, code).await?,
    };
    let office = access::permit(db, caller, code, found, Need::Submit).await?;
    let (content, checksum) = stored::content_and_checksum(&sub.report);
    let (content, content_deflate) = stored::encode_content(content, compress);
    let packed = nianbao_proto::packed::pack(&sub.report);
    Ok(Prepared {
        caller: caller.clone(),
        office,
        sub,
        content,
        content_deflate,
        checksum,
        packed,
        recheck_token: false,
    })
}

/// Submits a report in a transaction of its own (the service goes through the group committer).
#[cfg(test)]
pub async fn submit(
    db: &DatabaseConnection,
    caller: &Caller,
    sub: Submission,
) -> StorageResult<Submitted> {
    submit_compressed(db, caller, sub, true).await
}

/// [`submit`] with the content compressed or not, and no writer cache: a later submission of the
/// office-year reads this one back from the database.
#[cfg(test)]
pub async fn submit_compressed(
    db: &DatabaseConnection,
    caller: &Caller,
    sub: Submission,
    compress: bool,
) -> StorageResult<Submitted> {
    let prepared = prepare_found(db, caller, sub, None, compress).await?;
    write_batch(db, std::slice::from_ref(&prepared), None)
        .await
        .pop()
        .unwrap_or_else(|| Err(StorageError::Internal("empty batch result".into())))
}

/// Writes several prepared submissions in one transaction; the results are in the order of
/// `jobs`. Nothing is reported as written unless the commit succeeded.
///
/// First as a group ([`batch::write_grouped`]: the state of every office-year read at once, the
/// revisions and audit events written in one statement each): a refused submission writes
/// nothing, so it needs no savepoint. If any statement fails (a concurrent duplicate, a lost
/// connection), the whole transaction is rolled back and the batch is written again with a
/// savepoint around each submission, so the failing one is rolled back alone.
#[tracing::instrument(skip_all, fields(batch = jobs.len()))]
pub async fn write_batch(
    db: &DatabaseConnection,
    jobs: &[Prepared],
    cache: Option<&ReportCache>,
) -> Vec<StorageResult<Submitted>> {
    let mut ids = std::collections::HashSet::new();
    let retried_within = !jobs
        .iter()
        .all(|j| ids.insert((&j.caller.token_id, &j.sub.request_id)));
    if !retried_within {
        match batch::write_grouped(db, jobs, cache).await {
            Ok(results) => return results,
            Err(e) => {
                tracing::info!(error = %e, "batch rolled back, written again with savepoints");
            }
        }
    }
    write_isolated(db, jobs).await
}

/// The batch with a savepoint around each submission.
pub(crate) async fn write_isolated(
    db: &DatabaseConnection,
    jobs: &[Prepared],
) -> Vec<StorageResult<Submitted>> {
    let txn = match db.begin().await {
        Ok(t) => t,
        Err(e) => return jobs.iter().map(|_| Err(e.clone().into())).collect(),
    };
    let mut results = Vec::with_capacity(jobs.len());
    let mut broken: Option<sea_orm::DbErr> = None;
    for job in jobs {
        if let Some(e) = &broken {
            results.push(Err(e.clone().into()));
            continue;
        }
        let outcome = match in_savepoint(&txn, job).await {
            Ok(r) => r,
            Err(e) => {
                // The savepoint could not be opened or rolled back: the transaction is unusable.
                broken = Some(e.clone());
                Err(e.into())
            }
        };
        let outcome = match outcome {
            Err(StorageError::Database(e)) if is_unique_violation(&e) => {
                match replay(&txn, job).await {
                    Ok(Some(done)) => Ok(done),
                    Ok(None) => Err(StorageError::FailedPrecondition(
                        "another revision was saved at the same time; fetch the latest and retry / \
                         同时有其他提交，请获取最新版本后重试"
                            .into(),
                    )),
                    Err(e) => Err(e),
                }
            }
            other => other,
        };
        results.push(outcome);
    }
    let committed = match broken {
        Some(e) => {
            let _ = txn.rollback().await;
            Err(e)
        }
        None => txn.commit().await,
    };
    match committed {
        Ok(()) => results,
        Err(e) => results
            .into_iter()
            .map(|r| r.and(Err(StorageError::Database(e.clone()))))
            .collect(),
    }
}

/// Runs one submission in a savepoint, as a group of one ([`batch::grouped`]): released when it
/// was decided (written, refused or answered as a replay), rolled back when a statement failed
/// (the answer is then that database error). The outer error is a failure of the savepoint
/// itself.
async fn in_savepoint(
    txn: &DatabaseTransaction,
    job: &Prepared,
) -> Result<StorageResult<Submitted>, sea_orm::DbErr> {
    let savepoint = txn.begin().await?;
    match batch::grouped(&savepoint, std::slice::from_ref(job), None).await {
        Ok(mut results) => {
            savepoint.commit().await?;
            Ok(results
                .pop()
                .unwrap_or_else(|| Err(StorageError::Internal("empty batch result".into()))))
        }
        Err(e) => {
            savepoint.rollback().await?;
            Ok(Err(StorageError::Database(e)))
        }
    }
}

/// The original revision of a retried request, if any.
pub(crate) async fn replay(
    db: &impl ConnectionTrait,
    job: &Prepared,
) -> StorageResult<Option<Submitted>> {
    let Some(rev) = revision::Entity::find()
        .filter(revision::Column::SubmittedBy.eq(job.caller.token_id.clone()))
        .filter(revision::Column::RequestId.eq(job.sub.request_id.clone()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if rev.office_id != job.office.id || rev.year != job.sub.report.year {
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
        office_code: job.office.code.clone(),
        status: row.status,
        replayed: true,
    }))
}
