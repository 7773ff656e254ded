//! Publishable documents of annual reports in the official layout, and the gRPC `RenderService`.
//!
//! [`render`] turns a [`Report`] into HTML (one self-contained page), Word (`.docx`), PDF (typst),
//! Markdown or plain text. Every format draws the same [`layout::Grid`]s, derived from the
//! [`nianbao_model::Schema`] with the merged header cells of the Word template; no row is named here.
//! Cells the report did not print are blank, never `0`.
//!
//! A review copy ([`RenderOptions::review`]) highlights the cells named by findings and lists the findings.
//! An aggregate report carries an [`Annex`] (included offices, completeness, charts).
//!
//! [`service()`] builds the tonic server of `nianbao.render.v1.RenderService` from its
//! [`RenderSettings`], [`run`] serves it alone (the one service shape of `nianbao_common`).

pub mod annex;
pub mod chart;
pub mod doc;
mod docx;
pub mod escape;
mod html;
pub mod layout;
mod pdf;
pub mod service;
mod text;

use nianbao_model::{Finding, Report};

pub use annex::{Annex, AnnexOffice, AnnexTable, Chart, ChartSeries};
pub use pdf::{FONT_DIR_ENV, warm_fonts};
pub use service::{RenderSettings, RenderSvc, run, service};

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// One self-contained HTML page.
    Html,
    /// Word (Office Open XML).
    Docx,
    /// PDF (A4).
    Pdf,
    /// Markdown (pipe tables; merged cells repeated).
    Markdown,
    /// Plain text.
    Text,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 5] = [
        Format::Html,
        Format::Docx,
        Format::Pdf,
        Format::Markdown,
        Format::Text,
    ];

    /// Parses `html`, `docx`, `pdf`, `md`/`markdown`, `txt`/`text`.
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "html" | "htm" => Some(Format::Html),
            "docx" | "word" => Some(Format::Docx),
            "pdf" => Some(Format::Pdf),
            "md" | "markdown" => Some(Format::Markdown),
            "txt" | "text" => Some(Format::Text),
            _ => None,
        }
    }

    /// The MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Pdf => "application/pdf",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Text => "text/plain; charset=utf-8",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Markdown => "md",
            Format::Text => "txt",
        }
    }
}

/// How to render.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// A review copy: highlight the cells named by `findings` and list the findings.
    pub review: bool,
    /// The rule findings of the report (used when `review` is set).
    pub findings: Vec<Finding>,
    /// The annex of an aggregate report.
    pub annex: Option<Annex>,
}

/// Why a rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The format name is not known.
    #[error("{field}: unknown format “{value}” (html, docx, pdf, md, txt) / 未知格式")]
    UnknownFormat {
        /// The field or option that named it.
        field: String,
        /// What was given.
        value: String,
    },
    /// The report could not be read.
    #[error("{field}: {reason} / 报告无效")]
    BadReport {
        /// The field at fault.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The stored report was not found.
    #[error("report {0} not found / 未找到报告")]
    NotFound(String),
    /// The storage service refused or failed.
    #[error("storage service: {0} / 存储服务出错")]
    Storage(#[from] tonic::Status),
    /// A setting cannot be used (the storage URL, TLS files).
    #[error(transparent)]
    Settings(#[from] nianbao_common::SettingsError),
    /// No CJK font was found for PDF output.
    #[error(
        "no CJK font found in /usr/share/fonts or ${} (install fonts-noto-cjk) / 未找到中文字体",
        FONT_DIR_ENV
    )]
    NoFonts,
    /// The typesetting failed.
    #[error("PDF typesetting failed: {0} / PDF 排版失败")]
    Typeset(String),
    /// Writing the Word document failed.
    #[error("DOCX writing failed: {0} / DOCX 生成失败")]
    Docx(String),
    /// A background task failed.
    #[error("internal error: {0} / 内部错误")]
    Internal(String),
}

/// Renders a report in a format.
pub fn render(
    report: &Report,
    format: Format,
    opts: &RenderOptions,
) -> Result<Vec<u8>, RenderError> {
    let document = doc::build(report, opts.review, &opts.findings);
    let annex = opts.annex.as_ref();
    match format {
        Format::Html => Ok(html::render(&document, annex).into_bytes()),
        Format::Markdown => Ok(text::markdown(&document, annex).into_bytes()),
        Format::Text => Ok(text::plain(&document, annex).into_bytes()),
        Format::Docx => docx::render(&document, annex),
        Format::Pdf => pdf::render(&document, annex),
    }
}
