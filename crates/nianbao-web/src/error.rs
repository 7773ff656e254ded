//! `WebError`, the one error of the console, and its one mapping to HTTP status codes.

use axum::http::StatusCode;
use tonic::Code;

/// Why a request could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No session, or an expired one: the user is sent to the sign-in page.
    #[error("not signed in / 未登录")]
    SignedOut,
    /// A form without the session's CSRF token, or a page the role may not use.
    #[error("{0}")]
    Forbidden(String),
    /// A request the console can tell is wrong (a missing reason, an unreadable upload).
    #[error("{0}")]
    BadRequest(String),
    /// Too many failed sign-ins from this address.
    #[error("too many failed sign-ins, try again later / 登录失败次数过多，请稍后再试")]
    TooManyFailures,
    /// A service refused or failed; its status says why.
    #[error("{}", .0.message())]
    Upstream(tonic::Status),
    /// Settings that cannot be used.
    #[error("{0}")]
    Settings(String),
    /// A failure of the console itself (logged; the user sees a generic message).
    #[error("internal error / 内部错误")]
    Internal(String),
}

/// A service's answer, by the one policy of every service (`nianbao_common::upstream`): the code
/// and details kept, an internal cause logged once and never shown.
impl From<tonic::Status> for WebError {
    fn from(s: tonic::Status) -> Self {
        WebError::Upstream(nianbao_common::upstream::from_storage(&s))
    }
}

/// A console result.
pub type WebResult<T> = Result<T, WebError>;

impl WebError {
    /// The HTTP status: the only mapping table.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::SignedOut => StatusCode::SEE_OTHER,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::TooManyFailures => StatusCode::TOO_MANY_REQUESTS,
            WebError::Upstream(s) => match s.code() {
                Code::Unauthenticated => StatusCode::UNAUTHORIZED,
                Code::PermissionDenied => StatusCode::FORBIDDEN,
                Code::NotFound => StatusCode::NOT_FOUND,
                Code::InvalidArgument | Code::OutOfRange => StatusCode::BAD_REQUEST,
                Code::FailedPrecondition | Code::AlreadyExists | Code::Aborted => {
                    StatusCode::CONFLICT
                }
                Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
                Code::Unavailable | Code::DeadlineExceeded => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            WebError::Settings(_) | WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a person reads (a service's internal failures are not shown).
    pub fn message(&self) -> String {
        match self {
            WebError::Upstream(s)
                if matches!(s.code(), Code::Internal | Code::Unknown | Code::DataLoss) =>
            {
                "the service failed / 服务内部错误".into()
            }
            WebError::Upstream(s) if s.code() == Code::Unavailable => {
                "a service cannot be reached / 无法连接后台服务".into()
            }
            e => e.to_string(),
        }
    }
}
