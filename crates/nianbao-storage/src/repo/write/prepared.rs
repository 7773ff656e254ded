//! A submission as the writer takes it: [`Submission`] as validated by the handler, [`Prepared`]
//! with its office resolved and its canonical content computed off the writer, and
//! [`Submitted`], the answer.

use nianbao_model::Report;
use sea_orm::ConnectionTrait;

use crate::entity::{office, revision};
use crate::error::StorageResult;
use crate::repo::access::auth::Caller;
use crate::repo::access::permit::{self, Need};
use crate::repo::stored;

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
        _ => permit::find_by_code(db, code).await?,
    };
    let office = permit::permit(db, caller, code, found, Need::Submit).await?;
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
