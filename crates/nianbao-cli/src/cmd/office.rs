//! Report commands: `status`, `history`, `accept`, `return` (`submit` is in [`submit`](super::submit)).

use std::process::ExitCode;

use nianbao_proto::storage::v1 as pb;

use super::remote::{self, block_on, refused, status_name};
use crate::client::ClientArgs;
use crate::output;

pub(super) fn revision_json(r: &pb::Revision) -> serde_json::Value {
    serde_json::json!({
        "number": r.number,
        "office": r.office_code,
        "year": r.year,
        "draft": r.draft,
        "submitted_by": r.submitted_by,
        "submitted_at": r.submitted_at,
        "client": r.client,
        "checksum": r.checksum,
        "request_id": r.request_id,
        "changed_cells": r.changed_cells,
        "findings": r.findings.iter().map(|f| serde_json::json!({
            "rule": f.rule,
            "severity": remote::severity_name(f.severity),
            "cells": f.cells,
            "message_zh": f.message_zh,
            "message_en": f.message_en,
        })).collect::<Vec<_>>(),
    })
}

/// An office-year.
#[derive(clap::Args, Debug)]
pub struct OfficeYearArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// Office code.
    #[arg(long)]
    office: String,
    /// The year reported on.
    #[arg(long)]
    year: i32,
    /// Machine-readable output on stdout.
    #[arg(long)]
    json: bool,
}

/// Show where an office-year stands.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao status --office 140404-sfj --year 2023\n  nianbao status --office 140404-sfj --year 2023 --json"
)]
pub struct StatusArgs {
    #[command(flatten)]
    target: OfficeYearArgs,
}

pub fn status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let a = args.target;
    block_on(async move {
        let mut c = remote::storage(&a.client).await?;
        let request = pb::ListReportsRequest {
            under: a.office.clone(),
            year: Some(a.year),
            status: None,
            page_size: 1000,
            page_token: String::new(),
        };
        let reports = match c.list_reports(request).await {
            Ok(r) => r.into_inner().reports,
            Err(e) => return Ok(refused(&e, a.json)),
        };
        let Some(s) = reports.into_iter().find(|s| s.office_code == a.office) else {
            if a.json {
                println!(
                    "{}",
                    serde_json::json!({"office": a.office, "year": a.year, "status": "none"})
                );
            } else {
                println!("{} {}: no report / 尚无报表", a.office, a.year);
            }
            return Ok(ExitCode::from(output::EXIT_REFUSED));
        };
        if a.json {
            println!("{}", summary_json(&s));
        } else {
            println!(
                "{} {} {}: {}",
                s.office_code,
                s.office_name,
                s.year,
                status_name(s.status)
            );
            println!(
                "latest revision {}  latest submitted {}  accepted {}",
                s.latest_revision, s.latest_submitted_revision, s.accepted_revision
            );
            println!(
                "first submitted {}  last submitted {} (北京时间)",
                dash(&output::local_time(&s.first_submitted_at)),
                dash(&output::local_time(&s.last_submitted_at))
            );
            println!("errors {}  warnings {}", s.error_count, s.warning_count);
            if !s.return_reason.is_empty() {
                println!("returned: {}", s.return_reason);
            }
        }
        Ok(ExitCode::from(output::EXIT_OK))
    })?
}

fn dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

fn summary_json(s: &pb::ReportSummary) -> serde_json::Value {
    serde_json::json!({
        "office": s.office_code,
        "office_name": s.office_name,
        "year": s.year,
        "status": status_name(s.status),
        "latest_revision": s.latest_revision,
        "latest_submitted_revision": s.latest_submitted_revision,
        "accepted_revision": s.accepted_revision,
        "first_submitted_at": s.first_submitted_at,
        "last_submitted_at": s.last_submitted_at,
        "return_reason": s.return_reason,
        "errors": s.error_count,
        "warnings": s.warning_count,
    })
}

/// List every revision of an office-year: who, when, what changed.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao history --office 140404-sfj --year 2023\n  nianbao history --office 140404-sfj --year 2023 --last 10\n  nianbao history --office 140404-sfj --year 2023 --json"
)]
pub struct HistoryArgs {
    #[command(flatten)]
    target: OfficeYearArgs,
    /// Only the latest N revisions (still listed oldest first).
    #[arg(long, value_name = "N")]
    last: Option<u32>,
}

/// The revisions of an office-year, oldest first: every one, following the server's pages, or
/// the latest `last`.
async fn revisions(
    c: &mut remote::Storage,
    office: &str,
    year: i32,
    last: Option<u32>,
) -> Result<Vec<pb::Revision>, tonic::Status> {
    let mut all = Vec::new();
    let mut page_token = String::new();
    loop {
        let wanted = last.map(|n| n as usize - all.len().min(n as usize));
        if wanted == Some(0) {
            break;
        }
        let page = c
            .list_revisions(pb::ListRevisionsRequest {
                office_code: office.to_string(),
                year,
                page_size: wanted.map_or(0, |n| n.min(500) as i32),
                page_token,
                newest_first: last.is_some(),
            })
            .await?
            .into_inner();
        all.extend(page.revisions);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    if last.is_some() {
        all.reverse();
    }
    Ok(all)
}

pub fn history(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let (a, last) = (args.target, args.last);
    block_on(async move {
        let mut c = remote::storage(&a.client).await?;
        let revisions = match revisions(&mut c, &a.office, a.year, last).await {
            Ok(r) => r,
            Err(e) => return Ok(refused(&e, a.json)),
        };
        if a.json {
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &revisions.iter().map(revision_json).collect::<Vec<_>>()
                )?
            );
        } else {
            let rows: Vec<Vec<String>> = revisions
                .iter()
                .map(|r| {
                    let errors = r
                        .findings
                        .iter()
                        .filter(|f| remote::is_error(f.severity))
                        .count();
                    vec![
                        r.number.to_string(),
                        if r.draft {
                            "草稿".into()
                        } else {
                            "正式".into()
                        },
                        r.submitted_by.clone(),
                        output::local_time(&r.submitted_at),
                        format!("{}/{}", errors, r.findings.len() - errors),
                        summarize_cells(&r.changed_cells),
                    ]
                })
                .collect();
            output::table(
                &[
                    "版本",
                    "类型",
                    "提交者",
                    "时间（北京时间）",
                    "错误/警告",
                    "改动的单元格",
                ],
                &rows,
            );
        }
        Ok(ExitCode::from(output::EXIT_OK))
    })?
}

fn summarize_cells(cells: &[String]) -> String {
    match cells.len() {
        0 => "-".into(),
        n if n <= 3 => cells.join(", "),
        n => format!("{}, … ({n} cells)", cells[..3].join(", ")),
    }
}

/// Accept an office-year (city role over its subtree); an accepted report is locked.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  nianbao accept --office 140404-sfj --year 2023")]
pub struct AcceptArgs {
    #[command(flatten)]
    target: OfficeYearArgs,
}

/// Return an office-year to its office with a reason (city role over its subtree).
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao return --office 140404-sfj --year 2023 --reason '表三第（七）行合计有误'"
)]
pub struct ReturnArgs {
    #[command(flatten)]
    target: OfficeYearArgs,
    /// Why it is returned.
    #[arg(long)]
    reason: String,
}

/// Record where and when an accepted report was published (city role over its subtree); a
/// published report may be recorded again at another URL.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao publish --office 140404-sfj --year 2023 --url https://www.example.gov.cn/xxgk/2023.html --date 2024-01-20"
)]
pub struct PublishArgs {
    #[command(flatten)]
    target: OfficeYearArgs,
    /// The http(s) URL of the published report.
    #[arg(long)]
    url: String,
    /// The date of publication, YYYY-MM-DD.
    #[arg(long)]
    date: String,
}

pub fn accept(args: AcceptArgs) -> anyhow::Result<ExitCode> {
    review(args.target, pb::ReviewAction::Accept, String::new(), None)
}

pub fn return_report(args: ReturnArgs) -> anyhow::Result<ExitCode> {
    review(args.target, pb::ReviewAction::Return, args.reason, None)
}

pub fn publish(args: PublishArgs) -> anyhow::Result<ExitCode> {
    review(
        args.target,
        pb::ReviewAction::Publish,
        String::new(),
        Some((args.url, args.date)),
    )
}

fn review(
    a: OfficeYearArgs,
    action: pb::ReviewAction,
    reason: String,
    place: Option<(String, String)>,
) -> anyhow::Result<ExitCode> {
    block_on(async move {
        let mut c = remote::storage(&a.client).await?;
        let (url, published_date) = place.clone().unwrap_or_default();
        let request = pb::ReviewReportRequest {
            office_code: a.office.clone(),
            year: a.year,
            action: action as i32,
            reason,
            url,
            published_date,
        };
        match c.review_report(request).await {
            Ok(r) => {
                let s = r.into_inner().summary.unwrap_or_default();
                if a.json {
                    println!("{}", summary_json(&s));
                } else {
                    print!("{} {}: {}", s.office_code, s.year, status_name(s.status));
                    match &place {
                        Some((url, date)) => println!(" at {url} on {date}"),
                        None => println!(),
                    }
                }
                Ok(ExitCode::from(output::EXIT_OK))
            }
            Err(e) => Ok(refused(&e, a.json)),
        }
    })?
}
