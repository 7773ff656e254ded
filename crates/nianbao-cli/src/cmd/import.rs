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
    after_help = "Examples:\n  nianbao import --out imported/ 2023.pdf 2023.html\n  nianbao import --json report.docx > report.json\n  nianbao import --json page1.png page2.png page3.png > scanned.json   # one report, pages in order\n  nianbao import --json scans/ > scanned.json                          # its PNG/JPEG pages by file name\n  nianbao import --office-code 140404-sfj --out out/ report.txt\n  nianbao import --url https://www.example.gov.cn/xxgk/ndbg/ --out imported/\n  nianbao import --urls portals.csv --submit-drafts --token $ADMIN_TOKEN   # lines: office code or name,url"
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
    /// Documents to import. PNG/JPEG images given (or a directory of them) are the pages of
    /// one scanned report, in the order given (a directory's in file-name order).
    #[arg(required_unless_present_any = ["urls_given", "urls"])]
    files: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.urls_given.is_empty() || args.urls.is_some() {
        return from_urls(&args);
    }
    let inputs = match inputs(&args.files) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(output::EXIT_USAGE));
        }
    };
    if args.json && inputs.len() != 1 {
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
    let progress = output::Progress::new(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let file = input.name();
        progress.step(i, &file.display().to_string());
        match import_one(input, &args) {
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

/// What one report is read from: a document, or the page images of one scanned report.
enum Input {
    File(PathBuf),
    Pages { name: PathBuf, pages: Vec<PathBuf> },
}

impl Input {
    fn name(&self) -> &Path {
        match self {
            Input::File(f) => f,
            Input::Pages { name, .. } => name,
        }
    }
}

fn is_image(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
}

/// The reports to import: each document by itself; the images given, together, the pages of
/// one report; each directory's images (by file name) the pages of one report.
fn inputs(files: &[PathBuf]) -> Result<Vec<Input>, String> {
    let mut out = Vec::new();
    let mut images = Vec::new();
    for f in files {
        if f.is_dir() {
            let mut pages: Vec<PathBuf> = std::fs::read_dir(f)
                .map_err(|e| format!("{}: {e}", f.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_image(p))
                .collect();
            if pages.is_empty() {
                return Err(format!(
                    "{}: 目录中没有 PNG 或 JPEG 页面图像 / the directory holds no PNG or JPEG page images",
                    f.display()
                ));
            }
            pages.sort();
            out.push(Input::Pages {
                name: f.clone(),
                pages,
            });
        } else if is_image(f) {
            images.push(f.clone());
        } else {
            out.push(Input::File(f.clone()));
        }
    }
    if let Some(first) = images.first() {
        out.push(Input::Pages {
            name: first.clone(),
            pages: images,
        });
    }
    Ok(out)
}

fn import_one(input: &Input, args: &Args) -> Result<Vec<String>, String> {
    let file = input.name();
    let mut imported = match input {
        Input::File(file) => {
            let bytes = read_bytes(file)?;
            let hint = file.file_name().and_then(|n| n.to_str());
            nianbao_import::import(&bytes, hint)
        }
        Input::Pages { pages, .. } => {
            let bytes = pages
                .iter()
                .map(|p| read_bytes(p))
                .collect::<Result<Vec<_>, _>>()?;
            let refs: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
            nianbao_import::import_pages(&refs)
        }
    }
    .map_err(|e| format!("{}: {e}", file.display()))?;
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
