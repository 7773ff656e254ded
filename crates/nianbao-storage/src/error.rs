//! `StorageError`, and its mapping to gRPC status codes, in one place.

use nianbao_model::Finding;
use sea_orm::DbErr;
use tonic::Code;
use tonic_types::{ErrorDetails, StatusExt};

/// Every way a storage call can fail.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No token, a malformed one, an unknown one or a revoked one.
    #[error("missing, unknown or revoked token / 令牌缺失、无效或已吊销")]
    Unauthenticated,
    /// Too many failed authentications from one client address in a short time.
    #[error("too many failed attempts, try again later / 失败次数过多，请稍后再试")]
    TooManyFailures,
    /// The database cannot be reached right now; the client may retry.
    #[error("the database is unavailable, retry later / 数据库暂不可用，请稍后重试")]
    Unavailable,
    /// The caller may not do this. For an office the caller may not see, the message is the same
    /// as for an office that does not exist.
    #[error("{0}")]
    Denied(String),
    /// The thing asked for does not exist (and the caller may know that).
    #[error("{0}")]
    NotFound(String),
    /// A request field is wrong; the message names it.
    #[error("{field}: {message}")]
    Invalid {
        /// The field, e.g. `report.year` or `report.cells[s3.granted.total]`.
        field: String,
        /// What is wrong, in Chinese and English.
        message: String,
    },
    /// The report breaks consistency rules; only the errors are listed.
    #[error("the report has {} error(s) and was not saved / 报表有 {} 处错误，未保存", .0.len(), .0.len())]
    Rejected(Vec<Finding>),
    /// The state does not allow it: locked report, stale base revision, wrong review step.
    #[error("{0}")]
    FailedPrecondition(String),
    /// The thing to create exists already.
    #[error("{0}")]
    AlreadyExists(String),
    /// The database failed; details are logged and shown locally, never returned to a client.
    #[error("database error / 数据库错误: {0}")]
    Database(#[from] DbErr),
    /// Something that should not happen; details are logged, not returned.
    #[error("internal error / 内部错误: {0}")]
    Internal(String),
}

/// Whether a database error means the database cannot be reached (rather than a bad query).
pub fn is_connection_error(e: &DbErr) -> bool {
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        other => {
            let text = other.to_string().to_lowercase();
            [
                // The driver's I/O errors: end of file, reset, and the like on a pooled
                // connection the database dropped (connections are not pinged while in use).
                "error communicating with database",
                "connection refused",
                "connection reset",
                "broken pipe",
                "pool timed out",
                "terminating connection",
                "closed",
            ]
            .iter()
            .any(|m| text.contains(m))
        }
    }
}

/// The result of a storage call.
pub type StorageResult<T> = Result<T, StorageError>;

impl StorageError {
    /// The gRPC code of the error.
    pub fn code(&self) -> Code {
        match self {
            StorageError::Unauthenticated => Code::Unauthenticated,
            StorageError::TooManyFailures => Code::ResourceExhausted,
            StorageError::Unavailable => Code::Unavailable,
            StorageError::Database(e) if is_connection_error(e) => Code::Unavailable,
            StorageError::Denied(_) => Code::PermissionDenied,
            StorageError::NotFound(_) => Code::NotFound,
            StorageError::Invalid { .. } | StorageError::Rejected(_) => Code::InvalidArgument,
            StorageError::FailedPrecondition(_) => Code::FailedPrecondition,
            StorageError::AlreadyExists(_) => Code::AlreadyExists,
            StorageError::Database(_) | StorageError::Internal(_) => Code::Internal,
        }
    }

    /// A field error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> StorageError {
        StorageError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The audit outcome of a refusal (`denied` or `rejected`), or `None` for server faults.
    pub fn audit_outcome(&self) -> Option<&'static str> {
        match self {
            StorageError::Unauthenticated
            | StorageError::Denied(_)
            | StorageError::TooManyFailures => Some("denied"),
            StorageError::NotFound(_)
            | StorageError::Invalid { .. }
            | StorageError::Rejected(_)
            | StorageError::FailedPrecondition(_)
            | StorageError::AlreadyExists(_) => Some("rejected"),
            StorageError::Database(_) | StorageError::Internal(_) | StorageError::Unavailable => {
                None
            }
        }
    }
}

impl From<StorageError> for tonic::Status {
    fn from(e: StorageError) -> Self {
        let code = e.code();
        match &e {
            StorageError::Database(db) if code == Code::Unavailable => {
                tracing::warn!(error = %db, "database unavailable");
                tonic::Status::new(code, StorageError::Unavailable.to_string())
            }
            StorageError::Database(db) => {
                tracing::error!(error = %db, "database error");
                tonic::Status::new(code, "database error / 数据库错误")
            }
            StorageError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                tonic::Status::new(code, "internal error / 内部错误")
            }
            StorageError::Invalid { field, message } => {
                let mut details = ErrorDetails::new();
                details.add_bad_request_violation(field.clone(), message.clone());
                tonic::Status::with_error_details(code, e.to_string(), details)
            }
            StorageError::Rejected(findings) => {
                let mut details = ErrorDetails::new();
                for f in findings {
                    let field = f.cells.first().cloned().unwrap_or_else(|| f.rule.clone());
                    details.add_bad_request_violation(
                        field,
                        format!("{} / {}", f.message_zh, f.message_en),
                    );
                }
                tonic::Status::with_error_details(code, e.to_string(), details)
            }
            _ => tonic::Status::new(code, e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_are_unavailable_and_bad_queries_internal() {
        let code = |text: &str| StorageError::Database(DbErr::Custom(text.into())).code();
        for lost in [
            "error communicating with database: expected to read 5 bytes, got 0 bytes at EOF",
            "error communicating with database: Connection reset by peer (os error 104)",
            "pool timed out while waiting for an open connection",
        ] {
            assert_eq!(code(lost), Code::Unavailable, "{lost}");
        }
        assert_eq!(
            code("error returned from database: syntax error at or near \"SELEC\""),
            Code::Internal
        );
        assert_eq!(
            StorageError::Database(DbErr::Conn(sea_orm::RuntimeErr::Internal("down".into())))
                .code(),
            Code::Unavailable
        );
    }
}
