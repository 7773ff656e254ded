//! Input forms made at test time from a report: our own renderings (through a renderer the
//! caller passes, so this crate needs no renderer), the DOCX and PDF LibreOffice writes, the PDF
//! headless Chromium prints from a page, a page in GBK, and truncated PDFs.
//!
//! The external programs are installed by `scripts/setup.sh`; where one is missing, [`make`]
//! says so (and the caller skips that form with [`crate::corpus::skip`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nianbao_model::Report;

/// Renders a report in the format of a file extension (`html`, `docx`, `pdf`, `md`, `txt`).
pub type Renderer<'a> = &'a dyn Fn(&Report, &str) -> Vec<u8>;

/// An input form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Our HTML page.
    Html,
    /// Our DOCX.
    Docx,
    /// Our PDF.
    Pdf,
    /// Our Markdown.
    Markdown,
    /// Our plain text.
    Text,
    /// LibreOffice's DOCX of our HTML page (a portal page saved as a Word file).
    LibreOfficeDocx,
    /// LibreOffice's PDF of our DOCX (a Word document exported to PDF).
    LibreOfficePdf,
    /// Headless Chromium's PDF of our HTML page (a portal page printed to PDF).
    ChromiumPdf,
    /// Our HTML page in GBK, labelled `charset=gbk` (as many portals serve them).
    GbkHtml,
}

impl Form {
    /// Every form.
    pub const ALL: [Form; 9] = [
        Form::Html,
        Form::Docx,
        Form::Pdf,
        Form::Markdown,
        Form::Text,
        Form::LibreOfficeDocx,
        Form::LibreOfficePdf,
        Form::ChromiumPdf,
        Form::GbkHtml,
    ];

    /// The forms made without an external program.
    pub const OURS: [Form; 6] = [
        Form::Html,
        Form::Docx,
        Form::Pdf,
        Form::Markdown,
        Form::Text,
        Form::GbkHtml,
    ];

    /// The forms an external program writes.
    pub const TOOLS: [Form; 3] = [
        Form::LibreOfficeDocx,
        Form::LibreOfficePdf,
        Form::ChromiumPdf,
    ];

    /// A short name for file names and messages.
    pub fn name(self) -> &'static str {
        match self {
            Form::Html => "ours",
            Form::Docx => "ours",
            Form::Pdf => "ours",
            Form::Markdown => "ours",
            Form::Text => "ours",
            Form::LibreOfficeDocx => "libreoffice",
            Form::LibreOfficePdf => "libreoffice",
            Form::ChromiumPdf => "chromium",
            Form::GbkHtml => "gbk",
        }
    }

    /// The file extension the document carries.
    pub fn extension(self) -> &'static str {
        match self {
            Form::Html | Form::GbkHtml => "html",
            Form::Docx | Form::LibreOfficeDocx => "docx",
            Form::Pdf | Form::LibreOfficePdf | Form::ChromiumPdf => "pdf",
            Form::Markdown => "md",
            Form::Text => "txt",
        }
    }
}

/// Makes `report` in `form`: the document's bytes, or why it cannot be made here (a program
/// that is not installed). A program that is installed but fails is a panic naming it.
pub fn make(report: &Report, form: Form, render: Renderer) -> Result<Vec<u8>, String> {
    match form {
        Form::Html => Ok(render(report, "html")),
        Form::Docx => Ok(render(report, "docx")),
        Form::Pdf => Ok(render(report, "pdf")),
        Form::Markdown => Ok(render(report, "md")),
        Form::Text => Ok(render(report, "txt")),
        Form::GbkHtml => Ok(gbk_page(&String::from_utf8_lossy(&render(report, "html")))),
        Form::LibreOfficeDocx => libreoffice(
            &render(report, "html"),
            "html",
            "docx:MS Word 2007 XML",
            "docx",
        ),
        Form::LibreOfficePdf => libreoffice(&render(report, "docx"), "docx", "pdf", "pdf"),
        Form::ChromiumPdf => chromium_pdf(&render(report, "html")),
    }
}

/// An HTML page re-labelled and encoded as GBK.
pub fn gbk_page(html: &str) -> Vec<u8> {
    let lower = html.to_ascii_lowercase();
    let relabelled = match lower.find("charset=") {
        Some(at) => {
            let start = at + "charset=".len();
            let quoted = html[start..].starts_with('"');
            let from = start + usize::from(quoted);
            let len = html[from..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(0);
            format!("{}gbk{}", &html[..from], &html[from + len..])
        }
        None => html.replacen("<head>", "<head><meta charset=\"gbk\">", 1),
    };
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&relabelled);
    assert!(!unmappable, "the page has characters GBK cannot encode");
    bytes.into_owned()
}

/// A PDF cut short at 10 bytes, 1000 bytes and half its length.
pub fn truncated(pdf: &[u8]) -> Vec<(usize, Vec<u8>)> {
    [10, 1000, pdf.len() / 2]
        .into_iter()
        .filter(|&cut| cut < pdf.len())
        .map(|cut| (cut, pdf[..cut].to_vec()))
        .collect()
}

/// The first of `names` found on `PATH`.
pub fn program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// `soffice --headless --convert-to FILTER` of one document, in a scratch directory (also its
/// HOME, where LibreOffice keeps its profile).
fn libreoffice(input: &[u8], from: &str, filter: &str, to: &str) -> Result<Vec<u8>, String> {
    let soffice = program(&["soffice", "libreoffice"])
        .ok_or("soffice not found: install LibreOffice (scripts/setup.sh)")?;
    let dir = scratch();
    let file = format!("report.{from}");
    write(dir.path(), &file, input);
    let mut cmd = Command::new(&soffice);
    cmd.env("HOME", dir.path()).current_dir(dir.path()).args([
        "--headless",
        "--convert-to",
        filter,
    ]);
    if from == "html" {
        // Read the page as a Writer document (the way a page saved from a browser opens).
        cmd.arg("--infilter=HTML (StarWriter)");
    }
    run(cmd.arg(&file), "soffice");
    read(&dir.path().join(format!("report.{to}")))
}

/// Headless Chromium printing a page to PDF (no header or footer).
fn chromium_pdf(html: &[u8]) -> Result<Vec<u8>, String> {
    let chromium = program(&["chromium", "chromium-browser", "google-chrome"])
        .ok_or("chromium not found: install chromium (scripts/setup.sh)")?;
    let dir = scratch();
    write(dir.path(), "report.html", html);
    let out = dir.path().join("report.pdf");
    let mut cmd = Command::new(&chromium);
    cmd.env("HOME", dir.path())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-pdf-header-footer",
            "--print-to-pdf-no-header",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(format!(
            "file://{}",
            dir.path().join("report.html").display()
        ));
    run(&mut cmd, "chromium");
    read(&out)
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("scratch directory: {e}"))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("write {name}: {e}"));
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    Ok(std::fs::read(path).unwrap_or_else(|e| panic!("{} not written: {e}", path.display())))
}
