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

/// The result of a storage call.
pub type StorageResult<T> = Result<T, StorageError>;

impl StorageError {
    /// The gRPC code of the error.
    pub fn code(&self) -> Code {
        match self {
            StorageError::Unauthenticated => Code::Unauthenticated,
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
            StorageError::Unauthenticated | StorageError::Denied(_) => Some("denied"),
            StorageError::NotFound(_)
            | StorageError::Invalid { .. }
            | StorageError::Rejected(_)
            | StorageError::FailedPrecondition(_)
            | StorageError::AlreadyExists(_) => Some("rejected"),
            StorageError::Database(_) | StorageError::Internal(_) => None,
        }
    }
}

impl From<StorageError> for tonic::Status {
    fn from(e: StorageError) -> Self {
        let code = e.code();
        match &e {
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
