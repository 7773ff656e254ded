//! `nianbao submit`: a report as a new revision, sent again with the same request id when the
//! connection is lost, so an office gets exactly one revision whatever the network does.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use nianbao_proto::report::v1 as rpb;
use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::Status;

use super::office::revision_json;
use super::remote::{block_on, status_name};
use crate::client::ClientArgs;
use crate::failure::{self, Failure};
use crate::output;

/// Submit a report (interchange JSON) as a new revision.
///
/// Exit status: 0 saved, 1 refused (each violated cell is printed), 2 unreadable file or no
/// answer from the server after the retries.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao submit 2023.json\n  nianbao submit --draft 2023.json\n  nianbao submit --request-id 2023-final-1 2023.json   # safe to retry: the same id returns the same revision\n  nianbao submit --base 2 2023.json                     # refused if someone saved revision 3 meanwhile\n  nianbao submit --retries 0 2023.json                  # one attempt only"
)]
pub struct SubmitArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// The report, as interchange JSON.
    file: PathBuf,
    /// Save as a draft even with errors.
    #[arg(long)]
    draft: bool,
    /// Idempotency key: a retry with the same id returns the original revision (one is made and
    /// printed when not given).
    #[arg(long)]
    request_id: Option<String>,
    /// The revision this file was edited from; refused when it is no longer the latest.
    #[arg(long)]
    base: Option<i64>,
    /// Times the request is sent again, with the same request id, when no answer came back
    /// (waiting 0.25 s, 0.5 s, 1 s, … at most 4 s between attempts).
    #[arg(long, default_value_t = 6)]
    retries: u32,
    /// Machine-readable output on stdout.
    #[arg(long)]
    json: bool,
}

/// How long one attempt may wait for its answer.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

pub fn submit(args: SubmitArgs) -> anyhow::Result<ExitCode> {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "error: {}: cannot read / 无法读取: {e}",
                args.file.display()
            );
            return Ok(ExitCode::from(output::EXIT_USAGE));
        }
    };
    let report = match nianbao_model::interchange::from_json(&text) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            return Ok(ExitCode::from(output::EXIT_USAGE));
        }
    };
    // Bad usage (a malformed URL or token) is refused before anything is sent.
    args.client.prepare()?;
    let request_id = match &args.request_id {
        Some(id) => id.clone(),
        None => {
            let id = new_request_id(report.year);
            eprintln!(
                "request id {id} (to send this submission again: --request-id {id}) / 请求编号"
            );
            id
        }
    };
    let request = pb::SubmitReportRequest {
        report: Some(rpb::Report::from(&report)),
        request_id: request_id.clone(),
        base_revision: args.base,
        draft: args.draft,
        client: format!("nianbao-cli {}", env!("CARGO_PKG_VERSION")),
    };
    block_on(async move {
        let mut attempt = 0;
        let r = loop {
            match send(&args.client, request.clone()).await {
                Ok(r) => break r,
                Err(s) if Failure::of(&s) == Failure::Unreachable && attempt < args.retries => {
                    let wait = backoff(attempt);
                    attempt += 1;
                    eprintln!(
                        "no answer ({:?}: {}); sending again in {} ms with request id {request_id} \
                         ({attempt}/{}) / 无响应，重试",
                        s.code(),
                        s.message(),
                        wait.as_millis(),
                        args.retries
                    );
                    tokio::time::sleep(wait).await;
                }
                Err(s) => return failure::print(&s, args.json, &[("request_id", &request_id)]),
            }
        };
        print_saved(&r, args.json);
        ExitCode::from(output::EXIT_OK)
    })
}

/// One attempt on a fresh connection; a connection that cannot be made is `UNAVAILABLE`.
async fn send(
    client: &ClientArgs,
    request: pb::SubmitReportRequest,
) -> Result<pb::SubmitReportResponse, Status> {
    let channel = client
        .connect()
        .await
        .map_err(|e| Status::unavailable(format!("{e:#}")))?;
    let mut c = StorageServiceClient::new(channel);
    let mut request = tonic::Request::new(request);
    request.set_timeout(ATTEMPT_TIMEOUT);
    Ok(c.submit_report(request).await?.into_inner())
}

/// The wait before attempt `n + 1`: 250 ms doubled each time, at most 4 s, plus up to a fifth
/// more, so offices that lost the same server do not all come back at once.
fn backoff(n: u32) -> Duration {
    let base = Duration::from_millis(250).saturating_mul(1 << n.min(4));
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() % 1000);
    base + base.mul_f64(f64::from(jitter) / 5000.0)
}

/// A request id unique to this run: the year, the time and the process.
fn new_request_id(year: i32) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("cli-{year}-{nanos:x}-{:x}", std::process::id())
}

fn print_saved(r: &pb::SubmitReportResponse, json: bool) {
    let rev = r.revision.clone().unwrap_or_default();
    if json {
        println!(
            "{}",
            serde_json::json!({"revision": revision_json(&rev), "status": status_name(r.status), "replayed": r.replayed})
        );
        return;
    }
    println!(
        "{} {} revision {}{}: {}{}",
        rev.office_code,
        rev.year,
        rev.number,
        if rev.draft { " (draft)" } else { "" },
        status_name(r.status),
        if r.replayed {
            " (already saved: replayed)"
        } else {
            ""
        }
    );
    println!("checksum {}", rev.checksum);
    for f in &rev.findings {
        println!(
            "  {} {} {} / {}",
            f.rule,
            f.cells.first().map(String::as_str).unwrap_or(""),
            f.message_zh,
            f.message_en
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_four_seconds_with_a_little_jitter() {
        for n in 0..10 {
            let base = Duration::from_millis(250 * (1 << n.min(4)));
            let w = backoff(n);
            assert!(w >= base && w <= base.mul_f64(1.2), "{n}: {w:?}");
        }
        assert!(new_request_id(2023).starts_with("cli-2023-"));
        assert!(new_request_id(2023).chars().all(|c| c.is_ascii_graphic()));
    }
}
