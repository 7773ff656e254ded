//! `nianbao demo`: the main job end to end on a fresh embedded SQLite database.
//!
//! Starts storage, rendering and aggregation in this process on a loopback port, creates the demo
//! city (长治市, its districts and counties, offices under each), issues tokens, has every office
//! submit over gRPC (some late, two missing, one rejected for an arithmetic error and corrected),
//! accepts them as the city, shows completeness, aggregates the city, and writes the city report as
//! HTML, DOCX, PDF and XLSX plus the completeness table into the output directory.

mod data;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use nianbao_model::interchange;
use nianbao_proto::aggregate::v1 as agg;
use nianbao_proto::render::v1 as rpb;
use nianbao_proto::report::v1 as pb;
use nianbao_proto::storage::v1 as st;
use tonic::Request;

use crate::client::ClientArgs;
use crate::output;

/// Run the demo city end to end (what `make demo` runs).
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao demo\n  nianbao demo --out /tmp/demo\n  nianbao demo --serve --listen 127.0.0.1:8080"
)]
pub struct Args {
    /// Where the demo database and the documents go.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Keep the demo city running with the web console, and print its URL and a city and an
    /// office token (one office's report is left submitted, with a finding, for review).
    #[arg(long)]
    serve: bool,
    /// With --serve: where the console listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
}

/// Offices that file late (days after the deadline), and offices that never file.
const LATE: [(&str, u32); 3] = [("140405-jyj", 6), ("140427-sfj", 12), ("140430-zrzyj", 3)];
const MISSING: [&str; 2] = ["140429-jyj", "140431-zrzyj"];
/// The office whose first submission has an arithmetic error.
const REJECTED_FIRST: &str = "140403-jyj";
/// With `--serve`: the office whose report is left submitted for review, its overview
/// contradicting table 三 (a finding on a cell), with a corrected document to upload.
const FOR_REVIEW: &str = "140403-sfj";

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(demo(args))
}

fn say(step: &str) {
    println!("{} {step}", output::paint("==>", 36));
}

async fn demo(args: Args) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let out = args.out.canonicalize().unwrap_or(args.out.clone());
    let db_file = out.join("demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_file.display()));
    }
    let database = format!("sqlite://{}?mode=rwc", db_file.display());
    say(&format!("fresh embedded database {}", db_file.display()));
    let admin = nianbao_storage::bootstrap_token(
        &database,
        nianbao_storage::Role::Admin,
        None,
        "demo admin",
    )
    .await
    .context("cannot create the admin token")?;
    let server = super::serve::start_all(&database).await?;
    say(&format!(
        "storage, rendering and aggregation serving on {}",
        server.url
    ));

    let as_admin = ClientArgs {
        server: server.url.clone(),
        token: Some(admin.secret.clone()),
    };
    let mut storage =
        st::storage_service_client::StorageServiceClient::new(as_admin.connect().await?);
    let offices = data::offices();
    for o in &offices {
        let must_report = o.kind != "city";
        storage
            .create_office(st::CreateOfficeRequest {
                code: o.code.clone(),
                name: o.name.clone(),
                kind: o.kind.into(),
                parent_code: o.parent.clone(),
                must_report,
                exempt_years: vec![],
            })
            .await
            .with_context(|| format!("cannot create office {}", o.code))?;
    }
    say(&format!(
        "demo city: {} offices under {} ({} districts and counties)",
        offices.len() - 1,
        data::CITY.1,
        data::DISTRICTS.len()
    ));

    let city_token = create_token(&mut storage, data::CITY.0, st::Role::City).await?;
    let (mut accepted, mut late) = (0, 0);
    let mut showcase = None;
    for o in offices.iter().skip(1) {
        if MISSING.contains(&o.code.as_str()) {
            continue;
        }
        let days_late = LATE.iter().find(|(c, _)| *c == o.code).map(|(_, d)| *d);
        let published = match days_late {
            Some(d) => format!("{}-02-{:02}", data::YEAR + 1, d),
            None => format!("{}-01-{:02}", data::YEAR + 1, 10 + (o.code.len() % 18)),
        };
        late += usize::from(days_late.is_some());
        let token = create_token(&mut storage, &o.code, st::Role::Office).await?;
        let as_office = ClientArgs {
            server: server.url.clone(),
            token: Some(token.clone()),
        };
        let mut client =
            st::storage_service_client::StorageServiceClient::new(as_office.connect().await?);
        let mut report = data::report(o, &published);
        if args.serve && o.code == FOR_REVIEW {
            let corrected = report.clone();
            contradict_overview(&mut report);
            submit(&mut client, &report, &format!("demo-{}", o.code))
                .await
                .map_err(|s| anyhow::anyhow!("{}: {}", o.code, s.message()))?;
            showcase = Some((o.clone(), token.clone(), corrected));
            continue;
        }
        if o.code == REJECTED_FIRST {
            let mut wrong = report.clone();
            let key = "s3.total_processed.natural_person";
            let n = wrong.count(key).unwrap_or(0);
            wrong.set(key, nianbao_model::Value::Count(n + 2));
            match submit(&mut client, &wrong, "demo-first").await {
                Err(status) => {
                    say(&format!(
                        "{} submitted a report with an arithmetic error; the server refused it:",
                        o.name
                    ));
                    for line in status.message().lines().take(4) {
                        println!("      {line}");
                    }
                    for v in crate::failure::violations(&status).into_iter().take(4) {
                        println!("      {} — {}", v.0, v.1);
                    }
                }
                Ok(_) => anyhow::bail!("the server accepted a report with an arithmetic error"),
            }
            say(&format!(
                "{} corrected the cell and submitted again",
                o.name
            ));
        }
        submit(&mut client, &report, &format!("demo-{}", o.code))
            .await
            .map_err(|s| anyhow::anyhow!("{}: {}", o.code, s.message()))?;
        let mut city = st::storage_service_client::StorageServiceClient::new(
            ClientArgs {
                server: server.url.clone(),
                token: Some(city_token.clone()),
            }
            .connect()
            .await?,
        );
        city.review_report(st::ReviewReportRequest {
            office_code: o.code.clone(),
            year: data::YEAR,
            action: st::ReviewAction::Accept as i32,
            ..Default::default()
        })
        .await
        .with_context(|| format!("cannot accept {}", o.code))?;
        accepted += 1;
    }
    say(&format!(
        "{accepted} offices submitted over gRPC and were accepted by the city ({late} late, {} missing)",
        MISSING.len()
    ));

    let as_city = ClientArgs {
        server: server.url.clone(),
        token: Some(city_token.clone()),
    };
    let channel = as_city.connect().await?;
    let mut aggregation =
        agg::aggregation_service_client::AggregationServiceClient::new(channel.clone());
    let completeness = aggregation
        .completeness(agg::CompletenessRequest {
            org: data::CITY.0.into(),
            year: data::YEAR,
            filing_only: false,
        })
        .await
        .context("completeness")?
        .into_inner();
    let table = completeness_table(&completeness);
    std::fs::write(
        out.join("completeness.csv"),
        format!("\u{feff}{}\n", table.join("\n")),
    )?;
    let counts = |state: agg::FilingState| {
        completeness
            .offices
            .iter()
            .filter(|o| o.state == state as i32)
            .count()
    };
    say(&format!(
        "completeness: {} on time, {} late, {} missing ({})",
        counts(agg::FilingState::OnTime),
        counts(agg::FilingState::Late),
        counts(agg::FilingState::Missing),
        out.join("completeness.csv").display()
    ));

    let rollup = aggregation
        .aggregate(agg::AggregateRequest {
            org: data::CITY.0.into(),
            year: data::YEAR,
            selection: agg::Selection::Accepted as i32,
            draft: true,
        })
        .await
        .context("aggregate")?
        .into_inner();
    let report_pb = rollup
        .report
        .clone()
        .context("the aggregate has no report")?;
    let report = nianbao_model::Report::try_from(report_pb)?;
    std::fs::write(
        out.join("city-2023.json"),
        interchange::to_json(&report) + "\n",
    )?;
    say(&format!(
        "city roll-up of {} offices: {} requests received, {} processed",
        rollup.included.len(),
        report.count("s3.new_received.total").unwrap_or(0),
        report.count("s3.total_processed.total").unwrap_or(0)
    ));

    // The city report (drafted 一、总体情况, the annex) is made by the aggregation service, which
    // has the rendering service draw it.
    for (format, ext) in [
        (rpb::Format::Html, "html"),
        (rpb::Format::Docx, "docx"),
        (rpb::Format::Pdf, "pdf"),
        (rpb::Format::Markdown, "md"),
    ] {
        let bytes = city_report(&mut aggregation, format).await?;
        write(&out, &format!("city-2023.{ext}"), &bytes)?;
    }
    let mut stream = aggregation
        .export(agg::ExportRequest {
            org: data::CITY.0.into(),
            year: data::YEAR,
            format: agg::ExportFormat::Xlsx as i32,
            selection: agg::Selection::Accepted as i32,
        })
        .await
        .context("export")?
        .into_inner();
    let mut xlsx = Vec::new();
    while let Some(chunk) = stream.message().await? {
        xlsx.extend(chunk.chunk);
    }
    write(&out, "city-2023.xlsx", &xlsx)?;
    if args.serve {
        if let Some((office, token, corrected)) = showcase {
            let mut render = rpb::render_service_client::RenderServiceClient::new(channel.clone());
            let docx = render_report(
                &mut render,
                &pb::Report::from(&corrected),
                rpb::Format::Docx,
            )
            .await?;
            let name = format!("{}-{}.docx", office.code, data::YEAR);
            write(&out, &name, &docx)?;
            say(&format!(
                "{} left submitted for review: its overview says more requests than table 三",
                office.name
            ));
            let tokens = Tokens {
                admin: &admin.secret,
                city: &city_token,
                office: &token,
            };
            serve_console(&args, &server, tokens, &office.name, &out.join(name)).await?;
        }
        server.stop().await;
        return Ok(ExitCode::SUCCESS);
    }
    server.stop().await;
    say(&format!(
        "done. Look at {}/city-2023.html (and .docx, .pdf, .md, .xlsx, completeness.csv)",
        args.out.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Makes section 一 state more requests received than table 三 has (an R9 finding on that cell).
fn contradict_overview(report: &mut nianbao_model::Report) {
    let received = report.count("s3.new_received.total").unwrap_or(0);
    if let Some(text) = report.sections.get_mut("overview") {
        *text = text.replace(
            &format!("申请{received}件"),
            &format!("申请{}件", received + 3),
        );
    }
}

/// The tokens `demo --serve` prints.
struct Tokens<'a> {
    admin: &'a str,
    city: &'a str,
    office: &'a str,
}

/// Runs the console over the demo city until Ctrl-C, after printing how to sign in.
async fn serve_console(
    args: &Args,
    server: &super::serve::InProcess,
    tokens: Tokens<'_>,
    office_name: &str,
    document: &Path,
) -> anyhow::Result<()> {
    let web = nianbao_web::WebSettings {
        year: data::YEAR,
        ..Default::default()
    };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {} / 无法监听", args.listen))?;
    let web = super::serve_web::over(&server.internal, &web);
    let url = format!("http://{}/", listener.local_addr()?);
    say("the demo city is running with its web console; sign in with a token:");
    println!("console: {url}");
    println!("city token ({}): {}", data::CITY.1, tokens.city);
    println!("office token ({office_name}): {}", tokens.office);
    println!("admin token: {}", tokens.admin);
    println!("document to upload as that office: {}", document.display());
    println!("gRPC server: {}", server.url);
    say("Ctrl-C stops it");
    nianbao_web::run(listener, &web, nianbao_common::server::shutdown_signal()).await?;
    Ok(())
}

async fn create_token(
    storage: &mut st::storage_service_client::StorageServiceClient<crate::client::AuthChannel>,
    office: &str,
    role: st::Role,
) -> anyhow::Result<String> {
    let resp = storage
        .create_token(st::CreateTokenRequest {
            office_code: office.into(),
            role: role as i32,
            label: format!("demo {office}"),
        })
        .await
        .with_context(|| format!("cannot create a token for {office}"))?;
    Ok(resp.into_inner().token)
}

async fn submit(
    client: &mut st::storage_service_client::StorageServiceClient<crate::client::AuthChannel>,
    report: &nianbao_model::Report,
    request_id: &str,
) -> Result<st::SubmitReportResponse, tonic::Status> {
    let req = st::SubmitReportRequest {
        report: Some(pb::Report::from(report)),
        request_id: request_id.into(),
        base_revision: None,
        draft: false,
        client: format!("nianbao-demo/{}", env!("CARGO_PKG_VERSION")),
    };
    client
        .submit_report(Request::new(req))
        .await
        .map(|r| r.into_inner())
}

/// One report drawn by the rendering service (the corrected DOCX the demo's office uploads).
async fn render_report(
    render: &mut rpb::render_service_client::RenderServiceClient<crate::client::AuthChannel>,
    report: &pb::Report,
    format: rpb::Format,
) -> anyhow::Result<Vec<u8>> {
    let req = rpb::RenderRequest {
        source: Some(rpb::render_request::Source::Report(report.clone())),
        format: format as i32,
        ..Default::default()
    };
    let mut stream = render
        .render(req)
        .await
        .with_context(|| format!("render {format:?}"))?
        .into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.message().await? {
        bytes.extend(chunk.chunk);
    }
    Ok(bytes)
}

async fn city_report(
    aggregation: &mut agg::aggregation_service_client::AggregationServiceClient<
        crate::client::AuthChannel,
    >,
    format: rpb::Format,
) -> anyhow::Result<Vec<u8>> {
    let mut stream = aggregation
        .render_city_report(agg::CityReportRequest {
            org: data::CITY.0.into(),
            year: data::YEAR,
            selection: agg::Selection::Accepted as i32,
            format: format as i32,
        })
        .await
        .with_context(|| format!("city report {format:?}"))?
        .into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.message().await? {
        bytes.extend(chunk.chunk);
    }
    Ok(bytes)
}

/// The completeness CSV: Chinese headers, the first submission in 北京时间 (ISO 8601 with its
/// offset); `nianbao completeness --json` gives the same with English keys.
fn completeness_table(c: &agg::CompletenessResponse) -> Vec<String> {
    let zone = nianbao_web::time::beijing();
    let mut lines =
        vec!["单位代码,单位名称,上级单位代码,报送情况,逾期天数,首次提交时间".to_string()];
    for o in &c.offices {
        let state = super::city::state_zh(o.state);
        let at = if o.submitted_at.is_empty() {
            String::new()
        } else {
            nianbao_web::time::iso(&o.submitted_at, &zone)
        };
        lines.push(format!(
            "{},{},{},{state},{},{at}",
            o.office_code, o.office_name, o.parent_code, o.days_late
        ));
    }
    lines
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    println!("      wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}
