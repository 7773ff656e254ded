//! `nianbao render`: a publishable document of a report, locally or through the render service.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use nianbao_model::rules::{self, RuleContext};
use nianbao_proto::render::v1 as pb;
use nianbao_proto::render::v1::render_service_client::RenderServiceClient;
use nianbao_render::{Format, RenderOptions};

use super::load;
use crate::client::ClientArgs;
use crate::output;

/// Render a report as HTML, Word, PDF, Markdown or text in the official layout.
///
/// Exit status: 0 written, 1 the rendering or the server refused, 2 bad usage or unreadable input.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao render report.json --format html -o report.html\n  \
nianbao render report.json --format pdf -o report.pdf --review\n  \
nianbao render report.json --format docx -o report.docx --server http://127.0.0.1:50051\n  \
nianbao render --report 140404-sfj:2023 --format pdf -o out.pdf --server http://127.0.0.1:50051"
)]
pub struct Args {
    /// The report (interchange JSON or another document `nianbao check` reads).
    #[arg(required_unless_present = "report")]
    file: Option<PathBuf>,
    /// html, docx, pdf, md or txt.
    #[arg(long, short = 'f')]
    format: String,
    /// Where to write the document (stdout when absent).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// A review copy: cells named by rule findings are highlighted and the findings listed.
    #[arg(long)]
    review: bool,
    /// Render through the service at this URL instead of locally.
    #[arg(long)]
    server: Option<String>,
    /// Bearer token for the server.
    #[arg(long, env = "NIANBAO_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// A stored report, OFFICE:YEAR or OFFICE:YEAR:REVISION (through --server or NIANBAO_SERVER).
    #[arg(long, conflicts_with = "file")]
    report: Option<String>,
}

fn usage(msg: String) -> anyhow::Result<ExitCode> {
    eprintln!("error: {msg}");
    Ok(ExitCode::from(output::EXIT_USAGE))
}

/// `OFFICE:YEAR[:REV]`.
fn parse_ref(s: &str) -> Result<pb::ReportRef, String> {
    let bad =
        || format!("--report {s}: expected OFFICE:YEAR[:REVISION] / 格式应为 单位代码:年度[:版本]");
    let mut parts = s.split(':');
    let office = parts.next().filter(|o| !o.is_empty()).ok_or_else(bad)?;
    let year = parts.next().and_then(|y| y.parse().ok()).ok_or_else(bad)?;
    let revision = match parts.next() {
        Some(r) => Some(r.parse().map_err(|_| bad())?),
        None => None,
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(pb::ReportRef {
        office_code: office.to_string(),
        year,
        revision,
    })
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(format) = Format::parse(&args.format) else {
        return usage(format!(
            "--format {}: unknown format, use html, docx, pdf, md or txt / 未知格式",
            args.format
        ));
    };
    let report = match &args.file {
        Some(file) => match load::load(file) {
            Ok(l) => {
                for d in &l.diagnostics {
                    eprintln!("note: {d}");
                }
                Some(l.report)
            }
            Err(e) => return usage(e),
        },
        None => None,
    };
    // A local file renders locally unless --server is given; a stored report always goes
    // through a server, taken from NIANBAO_SERVER when --server is absent.
    let server = args.server.clone().or_else(|| {
        args.report
            .as_ref()
            .and_then(|_| std::env::var("NIANBAO_SERVER").ok())
    });
    let bytes = match &server {
        None => {
            let Some(report) = report else {
                return usage("--report needs --server / --report 需要 --server".into());
            };
            let findings = if args.review {
                rules::check(&RuleContext::new(&report))
            } else {
                Vec::new()
            };
            let opts = RenderOptions {
                review: args.review,
                findings,
                annex: None,
            };
            match nianbao_render::render(&report, format, &opts) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(output::EXIT_REFUSED));
                }
            }
        }
        Some(server) => {
            let source = match (&report, &args.report) {
                (Some(r), _) => pb::render_request::Source::Report(r.into()),
                (None, Some(s)) => match parse_ref(s) {
                    Ok(r) => pb::render_request::Source::Ref(r),
                    Err(e) => return usage(e),
                },
                (None, None) => return usage("give FILE or --report / 需要文件或 --report".into()),
            };
            let request = pb::RenderRequest {
                source: Some(source),
                format: nianbao_render::service::format_to_pb(format) as i32,
                review: args.review,
                annex: None,
            };
            let client = ClientArgs {
                server: server.clone(),
                token: args.token.clone(),
            };
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            match rt.block_on(remote(&client, request)) {
                Ok(b) => b,
                Err(Remote::Connect(e)) => return usage(format!("{e:#}")),
                Err(Remote::Refused(s)) => return Ok(crate::failure::print(&s, false, &[])),
            }
        }
    };
    let written = match &args.out {
        Some(path) => std::fs::write(path, &bytes)
            .map_err(|e| format!("{}: cannot write / 无法写入: {e}", path.display())),
        None => std::io::stdout()
            .write_all(&bytes)
            .map_err(|e| format!("stdout: {e}")),
    };
    match written {
        Ok(()) => {
            if let Some(path) = &args.out {
                eprintln!(
                    "{}: {} bytes ({})",
                    path.display(),
                    bytes.len(),
                    format.extension()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => usage(e),
    }
}

enum Remote {
    Connect(anyhow::Error),
    Refused(tonic::Status),
}

async fn remote(client: &ClientArgs, request: pb::RenderRequest) -> Result<Vec<u8>, Remote> {
    let channel = client.connect().await.map_err(Remote::Connect)?;
    let mut svc = RenderServiceClient::new(channel).max_decoding_message_size(1 << 20);
    let mut stream = svc
        .render(request)
        .await
        .map_err(Remote::Refused)?
        .into_inner();
    let mut out = Vec::new();
    while let Some(msg) = stream.message().await.map_err(Remote::Refused)? {
        out.extend_from_slice(&msg.chunk);
    }
    Ok(out)
}
