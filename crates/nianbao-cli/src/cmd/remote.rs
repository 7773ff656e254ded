//! Shared plumbing of the commands that talk to the storage service: runtime, client, and names
//! of protobuf enums; a failed call is printed and classified by [`failure`](crate::failure).

use std::future::Future;
use std::process::ExitCode;

use nianbao_model::{Edition, Severity};
use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::Status;

use crate::client::{AuthChannel, ClientArgs};
use crate::failure;

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

/// Prints a failed call and returns its exit status ([`failure`](crate::failure): 1 refused, 2
/// no answer).
pub fn refused(status: &Status, json: bool) -> ExitCode {
    failure::print(status, json, &[])
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

/// The name of a finding's severity (`error`, `warning`), read through the model's conversion.
pub fn severity_name(value: i32) -> &'static str {
    match nianbao_proto::convert::severity_from_pb(value) {
        Ok(Severity::Error) => "error",
        Ok(Severity::Warning) => "warning",
        Err(_) => "unknown",
    }
}

/// Whether a finding is an error.
pub fn is_error(value: i32) -> bool {
    nianbao_proto::convert::severity_from_pb(value) == Ok(Severity::Error)
}

/// The edition of a protobuf enum value as written (`2019`, `2021`).
pub fn edition_name(value: i32) -> &'static str {
    nianbao_proto::convert::edition_from_pb(value).map_or("unknown", Edition::as_str)
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
