//! The gRPC edge of the storage service: `Storage` (authentication and audited refusals) and the
//! `StorageService` handlers in [`handlers`] (the sending task of `StreamReports` in [`stream`]),
//! which decode, call `repo` and encode. No SQL here.

mod handlers;
mod marks;
mod publications;
mod reminders;
mod stream;

use std::pin::Pin;

use nianbao_proto::storage::v1 as pb;
use sea_orm::DatabaseConnection;
use tokio_stream::Stream;
use tonic::{Request, Status};

use crate::db::Database;
use crate::entity::office;
use crate::error::{StorageError, StorageResult};
use crate::repo::access::auth::{self, Caller};
use crate::repo::access::submitters::Submitters;
use crate::repo::access::tokens;
use crate::repo::audit;
use crate::repo::read::reports;
use crate::repo::write::group::GroupCommit;
use crate::validate;

/// The storage service over a database: writes on `db`, submissions through the group
/// committer, reads on `read`.
#[derive(Clone, Debug)]
pub struct Storage {
    pub(crate) db: DatabaseConnection,
    pub(crate) read: DatabaseConnection,
    pub(crate) group: GroupCommit,
    failures: std::sync::Arc<crate::repo::access::auth::FailureLimiter>,
    pub(crate) submitters: std::sync::Arc<Submitters>,
    /// New revisions store their content compressed.
    pub(crate) compress_content: bool,
}

impl Storage {
    /// A service over a connected, migrated database.
    pub fn new(db: Database) -> Storage {
        Storage {
            db: db.write,
            read: db.read,
            group: db.group,
            failures: Default::default(),
            submitters: Default::default(),
            compress_content: db.compress_content,
        }
    }

    /// The caller of a request; a refusal is audited.
    pub(crate) async fn caller<T>(&self, req: &Request<T>, action: &str) -> Result<Caller, Status> {
        Ok(self.caller_and_office(req, action, None).await?.0)
    }

    /// The caller of a request and, when `code` is given, the office with that code (`None`: no
    /// such office), read with the same query; the caller's permission on the office is for the
    /// handler to check. A refusal is audited.
    pub(crate) async fn caller_and_office<T>(
        &self,
        req: &Request<T>,
        action: &str,
        code: Option<&str>,
    ) -> Result<(Caller, Option<office::Model>), Status> {
        let read = &self.read;
        self.authenticated(req, action, async |secret: String| match code {
            Some(code) => tokens::authenticate_for(read, &secret, code).await,
            None => tokens::authenticate(read, &secret)
                .await
                .map(|caller| (caller, None)),
        })
        .await
    }

    /// The caller of a read of office `code`, year `year`, revision `number` and what
    /// [`reports::authenticate_and_find`] finds for it, with one query; the caller's permission is
    /// for the handler to check. A malformed code or year is refused after authentication alone.
    pub(crate) async fn caller_and_office_year<T>(
        &self,
        req: &Request<T>,
        action: &str,
        code: &str,
        year: i32,
        number: Option<i64>,
    ) -> Result<(Caller, reports::Found), Status> {
        if let Err(e) = office_year(code, year) {
            let caller = self.caller(req, action).await?;
            return Err(self
                .refuse(&caller.token_id, action, &format!("{code}/{year}"), e)
                .await);
        }
        let db = &self.read;
        self.authenticated(req, action, async |secret: String| {
            reports::authenticate_and_find(db, &secret, code, year, number).await
        })
        .await
    }

    /// What `query` reads with the bearer secret of a request (it authenticates the caller,
    /// and may read more in the same query); a refusal is audited, and an unknown secret counts
    /// as a failure of the request's peer.
    pub(crate) async fn authenticated<T, R>(
        &self,
        req: &Request<T>,
        action: &str,
        query: impl AsyncFnOnce(String) -> StorageResult<R>,
    ) -> Result<R, Status> {
        let peer = req.remote_addr().map(|a| a.ip());
        if self.failures.blocked(peer) {
            return Err(self
                .refuse("anonymous", action, "", StorageError::TooManyFailures)
                .await);
        }
        let result = match auth::bearer(req.metadata()) {
            Ok(secret) => query(secret).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(found) => Ok(found),
            Err(e) => {
                if matches!(e, StorageError::Unauthenticated) {
                    self.failures.record(peer);
                }
                Err(self.refuse("anonymous", action, "", e).await)
            }
        }
    }

    /// [`Storage::caller_and_office`] for a submission for office `code`: an office token
    /// submitting for its own office is taken from the [`Submitters`] cache when it was read
    /// within its TTL (`true`: the write must check that the token is still unrevoked), and
    /// kept there after it is read.
    pub(crate) async fn submitter<T>(
        &self,
        req: &Request<T>,
        action: &str,
        code: &str,
    ) -> Result<(Caller, Option<office::Model>, bool), Status> {
        let hash = match auth::bearer(req.metadata()) {
            Ok(secret) if !self.failures.blocked(req.remote_addr().map(|a| a.ip())) => {
                let hash = auth::hash_secret(&secret);
                if let Some((caller, office)) = self.submitters.get(&hash, code) {
                    return Ok((caller, Some(office), true));
                }
                Some(hash)
            }
            _ => None,
        };
        let (caller, office) = self.caller_and_office(req, action, Some(code)).await?;
        if let Some(hash) = hash {
            self.submitters.put(&hash, code, &caller, office.as_ref());
        }
        Ok((caller, office, false))
    }

    /// Passes a result through, auditing a refusal.
    pub(crate) async fn done<T>(
        &self,
        caller: &Caller,
        action: &str,
        target: &str,
        result: StorageResult<T>,
    ) -> Result<T, Status> {
        match result {
            Ok(v) => Ok(v),
            Err(e) => Err(self.refuse(&caller.token_id, action, target, e).await),
        }
    }

    async fn refuse(&self, actor: &str, action: &str, target: &str, e: StorageError) -> Status {
        if let Some(outcome) = e.audit_outcome() {
            tracing::info!(actor, action, target, outcome, code = ?e.code(), "request refused");
            if let Err(audit_error) =
                audit::record(&self.db, actor, action, target, outcome, &e.to_string()).await
            {
                tracing::error!(error = %audit_error, "cannot write the audit log");
            }
        }
        e.into()
    }
}

/// The largest page a listing sends: a page of report summaries is about 150 bytes a row, so
/// 10,000 rows stay well under gRPC's default 4 MB message limit.
pub(crate) const MAX_PAGE: i32 = 10_000;

pub(crate) fn page_size(requested: i32) -> u64 {
    match requested {
        n if n <= 0 => 100,
        n => n.min(MAX_PAGE) as u64,
    }
}

/// The largest page of a history: a revision with its findings and changed cells can take a few
/// kilobytes, so 500 stay under gRPC's default 4 MB message limit.
pub(crate) const MAX_REVISION_PAGE: i32 = 500;

/// A history page's size: 0 (not given) is the largest page, so a client that does not page
/// gets every history of up to 500 revisions whole.
pub(crate) fn revision_page_size(requested: i32) -> u64 {
    match requested {
        n if n <= 0 => MAX_REVISION_PAGE as u64,
        n => n.min(MAX_REVISION_PAGE) as u64,
    }
}

pub(crate) fn page_token(token: &str) -> StorageResult<i64> {
    if token.is_empty() {
        return Ok(0);
    }
    token.parse().ok().filter(|n: &i64| *n >= 0).ok_or_else(|| {
        StorageError::invalid(
            "page_token",
            "not a token from a previous page / 分页标记无效",
        )
    })
}

pub(crate) fn optional_code(code: &str) -> StorageResult<Option<&str>> {
    if code.is_empty() {
        Ok(None)
    } else {
        validate::office_code("under", code)?;
        Ok(Some(code))
    }
}

pub(crate) fn office_year(code: &str, year: i32) -> StorageResult<()> {
    validate::office_code("office_code", code)?;
    validate::year("year", year)
}

pub(crate) type ReportStream =
    Pin<Box<dyn Stream<Item = Result<pb::StreamReportsResponse, Status>> + Send>>;
