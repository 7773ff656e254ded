//! Submissions: every submission is a new immutable revision, written in one transaction with
//! the report row and the audit event.
//!
//! Several submissions share one transaction ([`write_batch`], driven by
//! [`group`](super::group)), written as one group by [`batch`](super::batch); when a statement
//! of the group fails, each is written again in its own savepoint, so a failing one is rolled
//! back alone. None is acknowledged before the shared commit.

use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};

use crate::error::{StorageError, StorageResult};
use crate::repo::is_unique_violation;
use crate::repo::write::batch;
use crate::repo::write::cache::ReportCache;
use crate::repo::write::prepared::{Prepared, Submitted};
use crate::repo::write::replay::replay;
#[cfg(test)]
use crate::{
    repo::access::auth::Caller,
    repo::write::prepared::{Submission, prepare_found},
};

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
