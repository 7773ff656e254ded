//! One policy for the statuses the storage service answers to the services that call it
//! (rendering, aggregation): what the caller of those services is told.
//!
//! - The code is kept (a refusal stays a refusal: `PERMISSION_DENIED`, `NOT_FOUND`,
//!   `RESOURCE_EXHAUSTED`, …), and so are the message and the rich error details (the
//!   per-cell violations of `INVALID_ARGUMENT`).
//! - No answer (`UNAVAILABLE`, `DEADLINE_EXCEEDED`, `CANCELLED`, or a status the transport made
//!   when the connection was refused or lost) is `UNAVAILABLE`.
//! - An internal failure (`INTERNAL`, `UNKNOWN`, `DATA_LOSS`) is logged once, here, with its
//!   cause, and answered as `INTERNAL` with a fixed message: its text is never sent on.

use std::error::Error as _;

use tonic::{Code, Status};

/// The status a service answers when a call to storage failed with `status`.
pub fn from_storage(status: &Status) -> Status {
    if no_answer(status) {
        tracing::warn!(code = ?status.code(), message = status.message(), "storage unreachable");
        return Status::unavailable(
            "the storage service is unreachable, retry later / 无法连接存储服务，请稍后重试",
        );
    }
    match status.code() {
        Code::Internal | Code::Unknown | Code::DataLoss => {
            tracing::error!(code = ?status.code(), message = status.message(), "storage failed");
            Status::internal("the storage service failed / 存储服务内部错误")
        }
        code => Status::with_details(
            code,
            status.message(),
            tonic::codegen::Bytes::copy_from_slice(status.details()),
        ),
    }
}

/// Whether no answer came back from storage.
pub fn no_answer(status: &Status) -> bool {
    if matches!(
        status.code(),
        Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled
    ) {
        return true;
    }
    let mut source = status.source();
    while let Some(e) = source {
        if e.is::<tonic::transport::Error>() || e.is::<std::io::Error>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// An internal failure of the service itself: logged once with its cause, answered as
/// `INTERNAL` with a fixed message.
pub fn internal(cause: &dyn std::fmt::Display, what: &str) -> Status {
    tracing::error!(error = %cause, "{what} failed");
    Status::internal(format!("{what} failed / 内部错误"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_details_are_kept_and_internal_causes_are_not_sent() {
        let details = tonic::codegen::Bytes::from_static(b"\x0a\x03abc");
        let refused = Status::with_details(Code::InvalidArgument, "s3.x: wrong", details.clone());
        let passed = from_storage(&refused);
        assert_eq!(passed.code(), Code::InvalidArgument);
        assert_eq!(passed.message(), "s3.x: wrong");
        assert_eq!(passed.details(), &details[..]);
        for code in [
            Code::PermissionDenied,
            Code::NotFound,
            Code::ResourceExhausted,
            Code::FailedPrecondition,
            Code::Unauthenticated,
        ] {
            assert_eq!(from_storage(&Status::new(code, "m")).code(), code);
        }
        let internal = from_storage(&Status::internal("relation \"reports\" does not exist"));
        assert_eq!(internal.code(), Code::Internal);
        assert!(!internal.message().contains("reports"));
        let lost = Status::from_error(Box::new(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset,
        )));
        assert_eq!(lost.code(), Code::Unknown);
        assert_eq!(from_storage(&lost).code(), Code::Unavailable);
        assert_eq!(
            from_storage(&Status::cancelled("x")).code(),
            Code::Unavailable
        );
    }
}
