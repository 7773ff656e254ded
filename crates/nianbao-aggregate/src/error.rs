//! The one error type of the aggregation service, mapped to gRPC codes in one place.

use crate::export::ExportError;

/// Everything that can go wrong in the aggregation service.
#[derive(Debug, thiserror::Error)]
pub enum AggregateError {
    /// A request field is missing or invalid.
    #[error("{field}: {reason}")]
    InvalidArgument {
        /// The field (`org`, `year`, `format`).
        field: &'static str,
        /// What is wrong, in Chinese and English.
        reason: String,
    },
    /// The org is not in the caller's view of the hierarchy.
    #[error("office {0} not found / 未找到单位 {0}")]
    OrgNotFound(String),
    /// The storage service refused or failed; its code is kept for refusals.
    #[error("storage service: {0}")]
    Storage(tonic::Status),
    /// The storage service could not be reached.
    #[error("storage service unreachable / 无法连接存储服务: {0}")]
    Unreachable(String),
    /// Storage sent something that is not a valid report.
    #[error("storage sent invalid data / 存储服务返回的数据无效: {0}")]
    BadData(String),
    /// The rendering service refused or failed (the city report).
    #[error("rendering service: {0}")]
    Render(tonic::Status),
    /// The rendering service could not be reached or is not configured.
    #[error("rendering service unreachable / 无法连接渲染服务: {0}")]
    RenderUnavailable(String),
    /// An export could not be written.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// A setting cannot be used (a service URL, TLS files).
    #[error(transparent)]
    Settings(#[from] nianbao_common::SettingsError),
}

/// Shorthand.
pub type AggregateResult<T> = Result<T, AggregateError>;

impl AggregateError {
    /// A failure of the rendering service: unreachable, or its refusal kept.
    pub fn render(s: tonic::Status) -> AggregateError {
        if s.code() == tonic::Code::Unavailable {
            AggregateError::RenderUnavailable(s.message().to_string())
        } else {
            AggregateError::Render(s)
        }
    }

    /// An invalid request field.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> AggregateError {
        AggregateError::InvalidArgument {
            field,
            reason: reason.into(),
        }
    }
}

impl From<AggregateError> for tonic::Status {
    fn from(e: AggregateError) -> Self {
        use tonic::Code;
        let code = match &e {
            AggregateError::InvalidArgument { .. } => Code::InvalidArgument,
            AggregateError::OrgNotFound(_) => Code::NotFound,
            // Storage's and rendering's own answers, by the one policy every service follows.
            AggregateError::Storage(s) | AggregateError::Render(s) => {
                return nianbao_common::upstream::from_storage(s);
            }
            AggregateError::Unreachable(_) | AggregateError::RenderUnavailable(_) => {
                Code::Unavailable
            }
            AggregateError::BadData(_)
            | AggregateError::Export(_)
            | AggregateError::Settings(_) => {
                return nianbao_common::upstream::internal(&e, "aggregation");
            }
        };
        tonic::Status::new(code, e.to_string())
    }
}

impl From<tonic::Status> for AggregateError {
    fn from(s: tonic::Status) -> Self {
        AggregateError::Storage(s)
    }
}
