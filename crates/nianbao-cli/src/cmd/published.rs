//! `nianbao verify-published`: every published report of a subtree fetched and compared with the
//! accepted revision by the aggregation service, the results stored and shown.

use std::process::ExitCode;

use nianbao_proto::aggregate::v1 as pb;
use nianbao_proto::storage::v1 as spb;
use serde_json::json;

use super::city::{check_zh, publication_json};
use super::remote;
use crate::client::ClientArgs;
use crate::output;

/// Fetch each published report under ORG for a year (its page, or the PDF/DOCX it links) and
/// compare it with the accepted revision cell by cell and section by section; the results are
/// stored with the time checked and shown by `nianbao completeness`.
///
/// Exit status: 0 every published report is identical to its accepted revision, 1 one differs or
/// was not found, 2 bad usage or no connection.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao verify-published --org 1404 --year 2023\n  nianbao verify-published --org 1404 --year 2023 --json"
)]
pub struct VerifyArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// The root office of the subtree.
    #[arg(long)]
    org: String,
    /// The year reported on.
    #[arg(long)]
    year: i32,
    /// Machine-readable output on stdout.
    #[arg(long)]
    json: bool,
}

pub fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    remote::block_on(async move {
        let mut c = super::city::connect(&args.client).await?;
        let resp = match c
            .verify_published(pb::VerifyPublishedRequest {
                org: args.org.clone(),
                year: args.year,
            })
            .await
        {
            Ok(r) => r.into_inner(),
            Err(s) => return Ok(super::city::refused(&s)),
        };
        let all_identical = resp.publications.iter().all(|p| {
            p.last_check.as_ref().map(|c| c.outcome) == Some(spb::CheckOutcome::Identical as i32)
        });
        if args.json {
            println!(
                "{}",
                json!({"org": args.org, "year": args.year,
                       "publications": resp.publications.iter().map(publication_json).collect::<Vec<_>>()})
            );
        } else {
            print_table(&resp.publications);
        }
        Ok(ExitCode::from(if all_identical {
            output::EXIT_OK
        } else {
            output::EXIT_REFUSED
        }))
    })?
}

fn print_table(publications: &[spb::Publication]) {
    let mut rows = Vec::new();
    for p in publications {
        let check = p.last_check.as_ref();
        rows.push(vec![
            p.office_code.clone(),
            p.office_name.clone(),
            p.revision.to_string(),
            p.url.clone(),
            check_zh(check),
        ]);
        for d in check.map(|c| c.differences.as_slice()).unwrap_or_default() {
            let shown = |v: &str| {
                if v.is_empty() {
                    "（空）".to_string()
                } else {
                    v.to_string()
                }
            };
            rows.push(vec![
                String::new(),
                String::new(),
                String::new(),
                format!("  {}", d.key),
                format!("{} → {}", shown(&d.accepted), shown(&d.published)),
            ]);
        }
        if let Some(c) = check.filter(|c| c.outcome != spb::CheckOutcome::Different as i32) {
            rows.push(vec![
                String::new(),
                String::new(),
                String::new(),
                format!("  {}", c.checked_at),
                c.detail.clone(),
            ]);
        }
    }
    output::table(
        &["单位代码", "单位名称", "版本", "发布地址", "核对结果"],
        &rows,
    );
    if publications.is_empty() {
        println!("没有已登记的发布 / no publication recorded");
    }
}
