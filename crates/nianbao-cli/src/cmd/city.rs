//! City-level commands over the aggregation service: `completeness`, `aggregate`, `compare`, `export`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use nianbao_proto::aggregate::v1 as pb;
use nianbao_proto::aggregate::v1::aggregation_service_client::AggregationServiceClient;
use nianbao_proto::storage::v1 as spb;
use serde_json::json;

use crate::client::{AuthChannel, ClientArgs};
use crate::output;

pub(crate) type Client = AggregationServiceClient<AuthChannel>;

/// Per office under ORG: on time, late (days), missing, returned, draft only, not required.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao completeness --org 140404 --year 2023\n  \
nianbao completeness --org 140404 --year 2023 --json --server http://127.0.0.1:50051"
)]
pub struct CompletenessArgs {
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

/// The roll-up of every report under ORG as one report in the same format.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao aggregate --org 140404 --year 2023\n  \
nianbao aggregate --org 140404 --year 2023 --format json > city-2023.json\n  \
nianbao aggregate --org 140404 --year 2023 --format pdf -o city-2023.pdf\n  \
nianbao aggregate --org 140404 --year 2023 --format xlsx -o city-2023.xlsx --accepted-only"
)]
pub struct AggregateArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// The root office of the subtree.
    #[arg(long)]
    org: String,
    /// The year reported on.
    #[arg(long)]
    year: i32,
    /// json (interchange JSON on stdout), html, docx, pdf or xlsx; a summary table when absent.
    #[arg(long, short = 'f')]
    format: Option<String>,
    /// Where to write (stdout when absent, except for docx, pdf and xlsx).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Sum only accepted (or published) revisions; by default the latest submitted revision.
    #[arg(long)]
    accepted_only: bool,
    /// Machine-readable output on stdout: the report, included offices, indicators, findings.
    #[arg(long)]
    json: bool,
}

/// Cells across years (the roll-up of each year) or, for one year, across the offices under ORG.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao compare --org 140404 --years 2022,2023\n  \
nianbao compare --org 140404 --years 2023 --cells s3.new_received.total,s3.granted.total\n  \
nianbao compare --org 140404 --years 2021,2022,2023 --json"
)]
pub struct CompareArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// The root office of the subtree.
    #[arg(long)]
    org: String,
    /// Years, comma separated; a single year compares the offices.
    #[arg(long, value_delimiter = ',', required = true)]
    years: Vec<i32>,
    /// Cell keys, comma separated (a default set when absent).
    #[arg(long, value_delimiter = ',')]
    cells: Vec<String>,
    /// Machine-readable output on stdout.
    #[arg(long)]
    json: bool,
}

/// One row per office under ORG, one column per cell key: CSV, XLSX or JSON.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao export --org 140404 --year 2023 --format csv > 2023.csv\n  \
nianbao export --org 140404 --year 2023 --format xlsx -o 2023.xlsx\n  \
nianbao export --org 140404 --year 2023 --format json -o 2023.json --accepted-only"
)]
pub struct ExportArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// The root office of the subtree.
    #[arg(long)]
    org: String,
    /// The year reported on.
    #[arg(long)]
    year: i32,
    /// csv, xlsx or json.
    #[arg(long, short = 'f')]
    format: String,
    /// Where to write (stdout when absent; xlsx needs -o or a pipe).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Export only accepted (or published) revisions.
    #[arg(long)]
    accepted_only: bool,
    /// Print a JSON summary (file, bytes) on stdout after writing -o.
    #[arg(long)]
    json: bool,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub(crate) async fn connect(c: &ClientArgs) -> anyhow::Result<Client> {
    Ok(AggregationServiceClient::new(c.connect().await?)
        .max_decoding_message_size(64 * 1024 * 1024))
}

/// Prints a failed request and gives its exit status ([`failure`](crate::failure)).
pub(crate) fn refused(s: &tonic::Status) -> ExitCode {
    crate::failure::print(s, false, &[])
}

fn usage(msg: String) -> anyhow::Result<ExitCode> {
    eprintln!("error: {msg}");
    Ok(ExitCode::from(output::EXIT_USAGE))
}

fn selection(accepted_only: bool) -> i32 {
    if accepted_only {
        pb::Selection::Accepted as i32
    } else {
        pb::Selection::LatestSubmitted as i32
    }
}

/// A filing state in Chinese.
pub(crate) fn state_zh(v: i32) -> &'static str {
    match pb::FilingState::try_from(v) {
        Ok(pb::FilingState::OnTime) => "按时",
        Ok(pb::FilingState::Late) => "逾期",
        Ok(pb::FilingState::Missing) => "未报送",
        Ok(pb::FilingState::Returned) => "已退回",
        Ok(pb::FilingState::DraftOnly) => "仅草稿",
        Ok(pb::FilingState::NotRequired) => "无需报送",
        _ => "?",
    }
}

fn state_key(v: i32) -> &'static str {
    match pb::FilingState::try_from(v) {
        Ok(pb::FilingState::OnTime) => "on_time",
        Ok(pb::FilingState::Late) => "late",
        Ok(pb::FilingState::Missing) => "missing",
        Ok(pb::FilingState::Returned) => "returned",
        Ok(pb::FilingState::DraftOnly) => "draft_only",
        Ok(pb::FilingState::NotRequired) => "not_required",
        _ => "unspecified",
    }
}

/// A report status as storage names it (`accepted`), in Chinese.
fn status_zh(status: &str) -> &str {
    match status {
        "draft" => "草稿",
        "submitted" => "已提交",
        "returned" => "已退回",
        "accepted" => "已接受",
        "published" => "已发布",
        other => other,
    }
}

fn percent(n: i32, d: i32) -> String {
    if d == 0 {
        "-".into()
    } else {
        format!("{:.1}%", f64::from(n) * 100.0 / f64::from(d))
    }
}

/// Published or not, and by the deadline or not (`已发布 2024-01-20 按时`).
fn published_zh(o: &pb::OfficeFiling) -> String {
    match o
        .publications
        .iter()
        .map(|p| p.published_date.as_str())
        .min()
    {
        None => "未发布".into(),
        Some(date) if o.published_on_time => format!("已发布 {date} 按时"),
        Some(date) => format!("已发布 {date} 逾期"),
    }
}

/// The latest check of a published page, as a person reads it.
pub(crate) fn check_zh(c: Option<&spb::PublicationCheck>) -> String {
    let Some(c) = c else {
        return "未核对".into();
    };
    match spb::CheckOutcome::try_from(c.outcome) {
        Ok(spb::CheckOutcome::Identical) => "与采纳版本一致".into(),
        Ok(spb::CheckOutcome::Different) => format!("不一致 {} 处", c.differences.len()),
        Ok(spb::CheckOutcome::NotFound) => "页面未找到".into(),
        Ok(spb::CheckOutcome::NotAReport) => "页面不是年度报告".into(),
        _ => "?".into(),
    }
}

/// A publication with its latest check, for `--json`.
pub(crate) fn publication_json(p: &spb::Publication) -> serde_json::Value {
    let check = p.last_check.as_ref().map(|c| {
        let outcome = spb::CheckOutcome::try_from(c.outcome)
            .map(|o| {
                o.as_str_name()
                    .trim_start_matches("CHECK_OUTCOME_")
                    .to_lowercase()
            })
            .unwrap_or_default();
        json!({"checked_at": c.checked_at, "outcome": outcome, "detail": c.detail,
               "differences": c.differences.iter().map(|d| json!({"key": d.key,
                   "accepted": d.accepted, "published": d.published})).collect::<Vec<_>>()})
    });
    json!({"office_code": p.office_code, "year": p.year, "revision": p.revision, "url": p.url,
           "published_date": p.published_date, "recorded_at": p.recorded_at, "last_check": check})
}

/// `nianbao completeness`.
pub fn completeness(args: CompletenessArgs) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    let resp = rt.block_on(async {
        let mut c = connect(&args.client).await?;
        anyhow::Ok(
            c.completeness(pb::CompletenessRequest {
                org: args.org.clone(),
                year: args.year,
                filing_only: false,
            })
            .await,
        )
    })?;
    let resp = match resp {
        Ok(r) => r.into_inner(),
        Err(s) => return Ok(refused(&s)),
    };
    if args.json {
        let offices: Vec<_> = resp
            .offices
            .iter()
            .map(|o| {
                json!({"office_code": o.office_code, "office_name": o.office_name, "parent_code": o.parent_code,
                       "state": state_key(o.state), "days_late": o.days_late, "submitted_at": o.submitted_at,
                       "status": o.status, "errors": o.errors, "warnings": o.warnings,
                       "published": !o.publications.is_empty(), "published_on_time": o.published_on_time,
                       "publications": o.publications.iter().map(publication_json).collect::<Vec<_>>()})
            })
            .collect();
        let districts: Vec<_> = resp
            .districts
            .iter()
            .map(|d| {
                json!({"office_code": d.office_code, "office_name": d.office_name,
                            "required": d.required, "filed": d.filed, "on_time": d.on_time})
            })
            .collect();
        println!(
            "{}",
            json!({"org": args.org, "year": args.year, "deadline": resp.deadline,
                              "offices": offices, "districts": districts})
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} {} 年度报告报送情况（一般单位截止日期 {}）",
        args.org, args.year, resp.deadline
    );
    let rows: Vec<Vec<String>> = resp
        .offices
        .iter()
        .map(|o| {
            let state = if o.days_late > 0 {
                format!("{} {} 天", state_zh(o.state), o.days_late)
            } else {
                state_zh(o.state).to_string()
            };
            vec![
                o.office_code.clone(),
                o.office_name.clone(),
                o.parent_code.clone(),
                state,
                output::local_time(&o.submitted_at),
                status_zh(&o.status).to_string(),
                o.errors.to_string(),
                o.warnings.to_string(),
                published_zh(o),
                o.publications
                    .iter()
                    .map(|p| check_zh(p.last_check.as_ref()))
                    .collect::<Vec<_>>()
                    .join("；"),
            ]
        })
        .collect();
    output::table(
        &[
            "单位代码",
            "单位名称",
            "上级",
            "报送情况",
            "首次提交（北京时间）",
            "状态",
            "错误",
            "警告",
            "发布",
            "发布核对",
        ],
        &rows,
    );
    println!();
    let rows: Vec<Vec<String>> = resp
        .districts
        .iter()
        .map(|d| {
            vec![
                d.office_code.clone(),
                d.office_name.clone(),
                d.required.to_string(),
                d.filed.to_string(),
                d.on_time.to_string(),
                percent(d.filed, d.required),
                percent(d.on_time, d.required),
            ]
        })
        .collect();
    output::table(
        &[
            "区县/单位",
            "名称",
            "应报",
            "已报",
            "按时",
            "报送率",
            "按时率",
        ],
        &rows,
    );
    Ok(ExitCode::SUCCESS)
}

mod out;

pub use out::{aggregate, compare, export};
