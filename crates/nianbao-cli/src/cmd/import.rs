//! `nianbao import`: published reports (text, Markdown, HTML, PDF, DOCX) to interchange JSON.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nianbao_model::{Severity, interchange, rules};

use super::gather;
use super::load::read_bytes;
use crate::client::ClientArgs;
use crate::output;

/// Import published reports into interchange JSON, one file per input; or gather them from portal
/// URLs (`--url`, `--urls`), following a column page to the report page or its PDF/DOCX, matching
/// offices by code or name (with a token: against the hierarchy), and writing interchange JSON or
/// submitting drafts (`--submit-drafts`, an admin token).
///
/// Exit status: 0 every input imported, 2 an input could not be fetched, imported or matched
/// (the others go on).
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao import --out imported/ 2023.pdf 2023.html\n  nianbao import --json report.docx > report.json\n  nianbao import --office-code 140404-sfj --out out/ report.txt\n  nianbao import --url https://www.example.gov.cn/xxgk/ndbg/ --out imported/\n  nianbao import --urls portals.csv --submit-drafts --token $ADMIN_TOKEN   # lines: office code or name,url"
)]
pub struct Args {
    #[command(flatten)]
    client: ClientArgs,
    /// Published reports (or column pages linking to them) to fetch.
    #[arg(long = "url", value_name = "URL", conflicts_with_all = ["files", "urls"])]
    urls_given: Vec<String>,
    /// A CSV of `office code or name,URL` lines to fetch.
    #[arg(long, value_name = "FILE.csv", conflicts_with = "files")]
    urls: Option<PathBuf>,
    /// Submit each matched report as a draft of its office (needs --token of an admin).
    #[arg(long)]
    submit_drafts: bool,
    /// On a column page, prefer the report of this year.
    #[arg(long)]
    year: Option<i32>,
    /// Directory to write one `<name>.json` per input into (created if missing).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the interchange JSON of a single input on stdout (no summary table).
    #[arg(long)]
    json: bool,
    /// The office code to record (default: a stable code derived from the office name).
    #[arg(long)]
    office_code: Option<String>,
    /// Documents to import.
    #[arg(required_unless_present_any = ["urls_given", "urls"])]
    files: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.urls_given.is_empty() || args.urls.is_some() {
        return from_urls(&args);
    }
    if args.json && args.files.len() != 1 {
        eprintln!("error: --json takes exactly one file / --json 只能用于单个文件");
        return Ok(ExitCode::from(output::EXIT_USAGE));
    }
    if !args.json && args.out.is_none() {
        eprintln!("error: give --out DIR or --json / 请指定 --out 目录或 --json");
        return Ok(ExitCode::from(output::EXIT_USAGE));
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)?;
    }
    let mut rows = Vec::new();
    let mut failed = false;
    let progress = output::Progress::new(args.files.len());
    for (i, file) in args.files.iter().enumerate() {
        progress.step(i, &file.display().to_string());
        match import_one(file, &args) {
            Ok(row) => rows.push(row),
            Err(e) => {
                failed = true;
                eprintln!("error: {e}");
                rows.push(vec![
                    file.display().to_string(),
                    output::paint("failed / 失败", 31),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    e,
                ]);
            }
        }
    }
    if !args.json {
        output::table(
            &[
                "file",
                "office",
                "year",
                "edition",
                "cells",
                "diagnostics",
                "findings",
            ],
            &rows,
        );
    }
    Ok(ExitCode::from(if failed {
        output::EXIT_USAGE
    } else {
        output::EXIT_OK
    }))
}

fn from_urls(args: &Args) -> anyhow::Result<ExitCode> {
    let inputs = match &args.urls {
        Some(csv) => match gather::read_csv(csv) {
            Ok(rows) => rows,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(output::EXIT_USAGE));
            }
        },
        None => args.urls_given.iter().map(|u| (None, u.clone())).collect(),
    };
    if args.submit_drafts && args.client.token.is_none() {
        eprintln!("error: --submit-drafts needs --token / 提交草稿须指定令牌");
        return Ok(ExitCode::from(output::EXIT_USAGE));
    }
    gather::run(gather::Gather {
        inputs,
        out: args.out.as_deref(),
        submit_drafts: args.submit_drafts,
        year: args.year,
        client: &args.client,
    })
}

fn import_one(file: &Path, args: &Args) -> Result<Vec<String>, String> {
    let bytes = read_bytes(file)?;
    let hint = file.file_name().and_then(|n| n.to_str());
    let mut imported =
        nianbao_import::import(&bytes, hint).map_err(|e| format!("{}: {e}", file.display()))?;
    if let Some(code) = &args.office_code {
        imported.report.office.code = code.clone();
    }
    let report = &imported.report;
    let json = with_provenance(&interchange::to_json(report), &imported);
    if args.json {
        println!("{json}");
        for d in &imported.diagnostics {
            eprintln!("note: {d}");
        }
    }
    if let Some(dir) = &args.out {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("report");
        let path = dir.join(format!("{stem}.json"));
        std::fs::write(&path, &json)
            .map_err(|e| format!("{}: cannot write / 无法写入: {e}", path.display()))?;
    }
    let findings = rules::check_report(report);
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    Ok(vec![
        file.display().to_string(),
        report.office.name.clone(),
        report.year.to_string(),
        report.edition.to_string(),
        report.cells.len().to_string(),
        imported.diagnostics.len().to_string(),
        format!("{errors} error(s), {} warning(s)", findings.len() - errors),
    ])
}

/// The interchange JSON with a `provenance` object added last: per cell, how it was read, the
/// text printed and, for PDFs and scans, the page and the box (points from the page's top-left
/// corner: left, top, right, bottom). Readers of interchange JSON ignore it.
fn with_provenance(json: &str, imported: &nianbao_import::Imported) -> String {
    let mut prov = serde_json::Map::new();
    for (key, p) in &imported.provenance {
        let mut entry = serde_json::Map::new();
        entry.insert("how".into(), p.how.as_str().into());
        entry.insert("printed".into(), p.printed.clone().into());
        if let Some(o) = p.origin {
            entry.insert("page".into(), o.page.into());
            let round = |v: f32| (f64::from(v) * 10.0).round() / 10.0;
            entry.insert(
                "box".into(),
                o.bbox
                    .iter()
                    .map(|&v| round(v))
                    .collect::<Vec<f64>>()
                    .into(),
            );
        }
        prov.insert((*key).to_string(), entry.into());
    }
    let Some(body) = json.trim_end().strip_suffix('}') else {
        return json.to_string();
    };
    let nested = serde_json::to_string_pretty(&prov)
        .unwrap_or_else(|_| "{}".into())
        .replace('\n', "\n  ");
    format!("{},\n  \"provenance\": {nested}\n}}", body.trim_end())
}
