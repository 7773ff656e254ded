//! `nianbao import --url URL…` and `nianbao import --urls FILE.csv`: published reports gathered
//! from portal URLs (a column page is followed to the report page or attachment), matched to
//! offices of the hierarchy by code or by name, written as interchange JSON or submitted as
//! drafts. Ambiguous and unknown names are listed, never guessed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nianbao_model::interchange;
use nianbao_proto::report::v1 as rpb;
use nianbao_proto::storage::v1 as pb;

use super::remote;
use crate::client::ClientArgs;
use crate::output;

/// What to gather and where it goes.
pub struct Gather<'a> {
    /// `(office code or name as given, URL)`; the office is `None` for `--url`.
    pub inputs: Vec<(Option<String>, String)>,
    /// Write interchange JSON here.
    pub out: Option<&'a Path>,
    /// Submit each matched report as a draft.
    pub submit_drafts: bool,
    /// Prefer links naming this year on a column page.
    pub year: Option<i32>,
    /// Server and token (the hierarchy is read when a token is given).
    pub client: &'a ClientArgs,
}

/// The rows of `--urls FILE.csv`: `office,url` (office code or name), a header line allowed.
pub fn read_csv(path: &Path) -> Result<Vec<(Option<String>, String)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read / 无法读取: {e}", path.display()))?;
    let mut rows = Vec::new();
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((office, url)) = line.split_once(',') else {
            return Err(format!(
                "{} line {}: expected `office,url` / 第 {} 行应为“单位,地址”",
                path.display(),
                i + 1,
                i + 1
            ));
        };
        let (office, url) = (
            office.trim().trim_matches('"'),
            url.trim().trim_matches('"'),
        );
        if i == 0 && !url.contains("://") {
            continue; // the header
        }
        rows.push((
            (!office.is_empty()).then(|| office.to_string()),
            url.to_string(),
        ));
    }
    Ok(rows)
}

/// The hierarchy by code and by normalised name.
struct Offices {
    by_code: HashMap<String, String>,
    by_name: HashMap<String, Vec<String>>,
}

fn squeeze(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect()
}

impl Offices {
    fn new(list: Vec<pb::OfficeInfo>) -> Offices {
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for o in &list {
            by_name
                .entry(squeeze(&o.name))
                .or_default()
                .push(o.code.clone());
        }
        Offices {
            by_code: list.into_iter().map(|o| (o.code, o.name)).collect(),
            by_name,
        }
    }

    /// The office a code or name designates: `Ok((code, name))`, or why not.
    fn find(&self, code_or_name: &str) -> Result<(String, String), String> {
        if let Some(name) = self.by_code.get(code_or_name) {
            return Ok((code_or_name.to_string(), name.clone()));
        }
        match self.by_name.get(&squeeze(code_or_name)).map(Vec::as_slice) {
            Some([code]) => Ok((code.clone(), self.by_code[code].clone())),
            Some(codes) => Err(format!(
                "“{code_or_name}” 对应多个单位 / is ambiguous: {}",
                codes.join(", ")
            )),
            None => Err(format!(
                "“{code_or_name}” 不在单位列表中 / is not an office of the hierarchy"
            )),
        }
    }
}

/// One row of the summary: url, fetched, imported, matched, result.
fn row(url: &str, cells: [&str; 4]) -> Vec<String> {
    let mut r = vec![url.to_string()];
    r.extend(cells.iter().map(|c| c.to_string()));
    r
}

pub fn run(g: Gather<'_>) -> anyhow::Result<ExitCode> {
    if let Some(dir) = g.out {
        std::fs::create_dir_all(dir)?;
    }
    remote::block_on(gather(g))?
}

async fn gather(g: Gather<'_>) -> anyhow::Result<ExitCode> {
    let mut storage = None;
    let offices = if g.client.token.is_some() {
        let mut c = remote::storage(g.client).await?;
        let list = match c.list_offices(pb::ListOfficesRequest::default()).await {
            Ok(r) => r.into_inner().offices,
            Err(e) => return Ok(remote::refused(&e, false)),
        };
        storage = Some(c);
        Some(Offices::new(list))
    } else {
        None
    };
    let limits = nianbao_fetch::Limits::default();
    let progress = output::Progress::new(g.inputs.len());
    let (mut rows, mut counts) = (Vec::new(), [0usize; 4]);
    for (i, (office, url)) in g.inputs.iter().enumerate() {
        progress.step(i, url);
        let parsed = match nianbao_fetch::parse_url(url) {
            Ok(u) => u,
            Err(e) => {
                rows.push(row(url, [&e.to_string(), "", "", ""]));
                continue;
            }
        };
        let gathered = match nianbao_fetch::gather(&parsed, g.year, &limits).await {
            Ok(x) => x,
            Err(e) if e.is_not_found() => {
                rows.push(row(url, [&output::paint(&e.to_string(), 31), "", "", ""]));
                continue;
            }
            Err(e) => {
                counts[0] += 1;
                rows.push(row(url, ["✓", &output::paint(&e.to_string(), 31), "", ""]));
                continue;
            }
        };
        counts[0] += 1;
        counts[1] += 1;
        let mut report = gathered.imported.report;
        let found = if gathered.via.is_some() {
            format!("✓ {}", gathered.url)
        } else {
            "✓".into()
        };
        let imported = format!("{} {}", report.office.name, report.year);
        let matched = match &offices {
            None => Err("未读取单位列表（无 --token）/ no hierarchy read (no --token)".to_string()),
            Some(o) => o.find(office.as_deref().unwrap_or(&report.office.name)),
        };
        let (code, name) = match matched {
            Ok(m) => m,
            Err(why) if g.submit_drafts || offices.is_some() => {
                rows.push(row(url, [&found, &imported, &output::paint(&why, 31), ""]));
                continue;
            }
            Err(_) => (report.office.code.clone(), report.office.name.clone()),
        };
        if offices.is_some() {
            counts[2] += 1;
        }
        report.office.code = code.clone();
        report.office.name = name;
        let result = match (&mut storage, g.submit_drafts) {
            (Some(c), true) => submit_draft(c, &report, url).await,
            _ => write_json(g.out, &report),
        };
        match result {
            Ok(done) => {
                counts[3] += 1;
                rows.push(row(url, [&found, &imported, &code, &done]));
            }
            Err(e) => rows.push(row(url, [&found, &imported, &code, &output::paint(&e, 31)])),
        }
    }
    output::table(&["url", "fetched", "imported", "matched", "result"], &rows);
    let total = g.inputs.len();
    println!(
        "{total} URL(s): fetched {}, imported {}, matched {}, done {}, failed {}",
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        total - counts[3]
    );
    Ok(ExitCode::from(if counts[3] == total {
        output::EXIT_OK
    } else {
        output::EXIT_USAGE
    }))
}

fn write_json(out: Option<&Path>, report: &nianbao_model::Report) -> Result<String, String> {
    let json = interchange::to_json(report) + "\n";
    let Some(dir) = out else {
        print!("{json}");
        return Ok("stdout".into());
    };
    let path: PathBuf = dir.join(format!("{}-{}.json", report.office.code, report.year));
    std::fs::write(&path, json)
        .map_err(|e| format!("{}: cannot write / 无法写入: {e}", path.display()))?;
    Ok(path.display().to_string())
}

async fn submit_draft(
    c: &mut remote::Storage,
    report: &nianbao_model::Report,
    url: &str,
) -> Result<String, String> {
    let request = pb::SubmitReportRequest {
        report: Some(rpb::Report::from(report)),
        request_id: format!("import-url:{}:{}:{url}", report.office.code, report.year),
        base_revision: None,
        draft: true,
        client: format!("nianbao-import-url/{}", env!("CARGO_PKG_VERSION")),
    };
    match c.submit_report(request).await {
        Ok(r) => Ok(format!(
            "draft revision {}",
            r.into_inner().revision.map_or(0, |r| r.number)
        )),
        Err(s) => Err(s.message().to_string()),
    }
}
