//! Retries: a submission whose request id its token already used is answered with the original
//! revision.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entity::{report, revision};
use crate::error::{StorageError, StorageResult};
use crate::repo::write::prepared::{Prepared, Submitted};

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
