//! Shared plumbing of the commands that talk to the storage service: runtime, client, and how a
//! refusal is printed and turned into an exit status.

use std::future::Future;
use std::process::ExitCode;

use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::client::{AuthChannel, ClientArgs};
use crate::output;

/// A storage client over an authenticated channel.
pub type Storage = StorageServiceClient<AuthChannel>;

/// Runs a future on a small runtime.
pub fn block_on<F: Future>(future: F) -> anyhow::Result<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(rt.block_on(future))
}

/// Connects to the storage service (a connection failure is exit 2 through `anyhow`).
pub async fn storage(client: &ClientArgs) -> anyhow::Result<Storage> {
    Ok(StorageServiceClient::new(client.connect().await?)
        .max_decoding_message_size(64 * 1024 * 1024))
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

/// Prints a refusal on stderr (each violated field on its own line) and returns its exit status:
/// 2 when the server cannot be reached, 1 otherwise.
pub fn refused(status: &Status, json: bool) -> ExitCode {
    let violations = violations(status);
    if json {
        let doc = serde_json::json!({
            "error": {
                "code": format!("{:?}", status.code()),
                "message": status.message(),
                "violations": violations
                    .iter()
                    .map(|(f, d)| serde_json::json!({"field": f, "description": d}))
                    .collect::<Vec<_>>(),
            }
        });
        println!("{doc}");
    } else {
        eprintln!("error: {:?}: {}", status.code(), status.message());
        for (field, description) in &violations {
            eprintln!("  {field}: {description}");
        }
    }
    ExitCode::from(match status.code() {
        Code::Unavailable => output::EXIT_USAGE,
        _ => output::EXIT_REFUSED,
    })
}

/// The lowercase name of a report status.
pub fn status_name(value: i32) -> &'static str {
    match pb::ReportStatus::try_from(value) {
        Ok(pb::ReportStatus::Draft) => "draft",
        Ok(pb::ReportStatus::Submitted) => "submitted",
        Ok(pb::ReportStatus::Returned) => "returned",
        Ok(pb::ReportStatus::Accepted) => "accepted",
        Ok(pb::ReportStatus::Published) => "published",
        _ => "none",
    }
}

/// The lowercase name of a role.
pub fn role_name(value: i32) -> &'static str {
    match pb::Role::try_from(value) {
        Ok(pb::Role::Office) => "office",
        Ok(pb::Role::City) => "city",
        Ok(pb::Role::Admin) => "admin",
        _ => "none",
    }
}
