//! One classification of a failed gRPC call for every command: what it means to a script (the
//! exit status) and whether sending the same request again can help.
//!
//! | outcome | class | exit |
//! |---|---|---|
//! | the server answered with a refusal or an error of its own (`INVALID_ARGUMENT`, `NOT_FOUND`, `PERMISSION_DENIED`, `FAILED_PRECONDITION`, `ALREADY_EXISTS`, `UNAUTHENTICATED`, `RESOURCE_EXHAUSTED`, `INTERNAL`, …) | refused | 1 |
//! | no answer: `UNAVAILABLE`, `DEADLINE_EXCEEDED`, `CANCELLED`, or any status caused by the transport (a connection refused, reset or closed before the answer, which tonic reports as `UNKNOWN` "transport error", or an HTTP/2 error such as a body cut off, `UNKNOWN` "h2 protocol error") | unreachable | 2 |
//!
//! An unreachable outcome says nothing about whether the server did the work: a submission may
//! have been stored before the connection was lost, which is why `submit` retries it with the
//! same request id.

use std::error::Error as _;
use std::process::ExitCode;

use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::output;

/// What a failed call means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The server answered: the request was refused or failed there (exit 1).
    Refused,
    /// No answer came back: the server could not be reached or the connection was lost
    /// (exit 2); the same request may be sent again.
    Unreachable,
}

impl Failure {
    /// The class of a failed call.
    pub fn of(status: &Status) -> Failure {
        match status.code() {
            Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled => Failure::Unreachable,
            _ if caused_by_transport(status) => Failure::Unreachable,
            _ => Failure::Refused,
        }
    }

    /// The exit status.
    pub fn exit(self) -> u8 {
        match self {
            Failure::Refused => output::EXIT_REFUSED,
            Failure::Unreachable => output::EXIT_USAGE,
        }
    }

    /// The name in `--json` output.
    pub fn name(self) -> &'static str {
        match self {
            Failure::Refused => "refused",
            Failure::Unreachable => "unreachable",
        }
    }
}

/// Whether the status was made by the client's transport (no answer from the server), not sent
/// by the server.
fn caused_by_transport(status: &Status) -> bool {
    let mut source = status.source();
    while let Some(e) = source {
        // An HTTP/2 error (tonic's "h2 protocol error", e.g. the body cut off when the server
        // died mid-answer, or the stream reset) means no complete answer either.
        if e.is::<tonic::transport::Error>() || e.is::<std::io::Error>() || e.is::<h2::Error>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// The (field, description) violations of a refusal's rich error details.
pub fn violations(status: &Status) -> Vec<(String, String)> {
    status
        .get_details_bad_request()
        .map(|b| {
            b.field_violations
                .into_iter()
                .map(|v| (v.field, v.description))
                .collect()
        })
        .unwrap_or_default()
}

/// Prints a failed call (on stdout as `{"error": {…}}` with `--json`, else on stderr, each
/// violated field on its own line) and returns its exit status. `extra` adds fields to the JSON
/// error (the request id of a submission).
pub fn print(status: &Status, json: bool, extra: &[(&str, &str)]) -> ExitCode {
    let failure = Failure::of(status);
    let violations = violations(status);
    if json {
        let mut error = serde_json::json!({
            "code": format!("{:?}", status.code()),
            "kind": failure.name(),
            "message": status.message(),
            "violations": violations
                .iter()
                .map(|(f, d)| serde_json::json!({"field": f, "description": d}))
                .collect::<Vec<_>>(),
        });
        for (k, v) in extra {
            error[*k] = (*v).into();
        }
        println!("{}", serde_json::json!({ "error": error }));
    } else {
        match failure {
            Failure::Refused => eprintln!("error: {:?}: {}", status.code(), status.message()),
            Failure::Unreachable => eprintln!(
                "error: {:?}: {} (no answer from the server / 服务器无响应)",
                status.code(),
                status.message()
            ),
        }
        for (field, description) in &violations {
            eprintln!("  {field}: {description}");
        }
    }
    ExitCode::from(failure.exit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_refusals_and_lost_connections_are_unreachable() {
        for code in [
            Code::InvalidArgument,
            Code::NotFound,
            Code::PermissionDenied,
            Code::FailedPrecondition,
            Code::AlreadyExists,
            Code::Unauthenticated,
            Code::ResourceExhausted,
            Code::Internal,
            Code::Unknown,
        ] {
            assert_eq!(
                Failure::of(&Status::new(code, "x")),
                Failure::Refused,
                "{code:?}"
            );
        }
        for code in [Code::Unavailable, Code::DeadlineExceeded, Code::Cancelled] {
            assert_eq!(Failure::of(&Status::new(code, "x")), Failure::Unreachable);
        }
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let lost = Status::from_error(Box::new(reset));
        assert_eq!(lost.code(), Code::Unknown);
        assert_eq!(Failure::of(&lost), Failure::Unreachable);
        // The body cut off mid-answer: tonic's "h2 protocol error", caused by an h2 error.
        let cut = Status::from_error(Box::new(h2::Error::from(h2::Reason::INTERNAL_ERROR)));
        assert_eq!(Failure::of(&cut), Failure::Unreachable);
        assert_eq!(Failure::Refused.exit(), 1);
        assert_eq!(Failure::Unreachable.exit(), 2);
    }
}
