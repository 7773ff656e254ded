//! Import of published annual reports (政府信息公开工作年度报告) into the nianbao model.
//!
//! [`import`] takes the bytes of a published document — plain text (Word flattened to text,
//! crawler text with glued digits), Markdown, HTML, PDF or DOCX — and returns a
//! [`Report`] with every cell it could read, a [`Diagnostic`] for every judgement it made
//! (blank read as 0, total filled from its row, digit run split by the rules, ambiguous run
//! left absent) and the [`Provenance`] of each cell.
//!
//! Row labels come from the model's schema (`RowDef.label`, `RowDef.aliases`), matched
//! after normalisation (width and bracket forms, spaces, `1、` → `1.`). Where a layout admits
//! several readings, the one under which the rules R1–R4 hold is taken; where none or several
//! do, the cells are left absent and a diagnostic says why. Numbers are kept as printed, also
//! when the report itself is inconsistent.
//!
//! Prose sections (一 `overview`, 五 `problems`, 六 `other`) are cut at their headings, also
//! when misnumbered (`2、`), varied or missing, and come back in the normalised form used
//! for matching (width forms folded, spaces inside a line removed, line breaks kept).
//!
//! Pure library: no network, no async. Inputs over [`MAX_INPUT`] bytes are refused; a PDF
//! the reader cannot parse is reported as corrupt, never a panic (nor a panic message).
//! Scans (image-only PDF pages, PNG, JPEG) are read by the `tesseract` program when it is
//! installed (see [`pdf`]'s `ocr`); without it they are refused with what to install.

mod assemble;
mod doc;
mod docx;
mod html;
mod meta;
mod normalize;
mod pdf;
mod resolve;
mod s3;
mod split;
mod tables;
mod text;
mod tokens;

use std::collections::BTreeMap;

use nianbao_model::{Report, TableId};

/// Largest input accepted (bytes).
pub const MAX_INPUT: usize = 64 * 1024 * 1024;

/// Why a document could not be imported. Messages are in Chinese and English.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Nothing to read.
    #[error("文件为空 / the file is empty")]
    Empty,
    /// Over the size limit.
    #[error("文件超过 {limit} 字节的上限 / the file exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A part of the document over one of the importer's limits (a zip bomb, too many zip
    /// entries); `zh` and `en` name the part and the measure.
    #[error("{zh}超过上限 {limit} / {en} exceeds the limit of {limit}")]
    OverLimit {
        /// What was measured, in Chinese.
        zh: &'static str,
        /// What was measured, in English.
        en: &'static str,
        /// The limit.
        limit: u64,
    },
    /// A container that cannot be read.
    #[error("{format} 文件已损坏或被截断 / the {format} file is corrupt or truncated: {reason}")]
    Corrupt {
        /// `pdf`, `docx`.
        format: &'static str,
        /// What the reader said.
        reason: String,
    },
    /// A document with no extractable text.
    #[error("{format} 文件中没有可提取的文字 / the {format} file has no extractable text")]
    NoText {
        /// `pdf`.
        format: &'static str,
    },
    /// A scan (image-only PDF, PNG or JPEG) with OCR not installed, or OCR that failed.
    #[error("{zh} / {en}")]
    Ocr {
        /// What happened and what to do, in Chinese.
        zh: String,
        /// The same in English.
        en: String,
    },
    /// Bytes that are not text in a known encoding nor a known document format.
    #[error("不是可识别的文档（二进制数据） / not a recognisable document (binary data)")]
    NotADocument,
    /// A document without the tables of an annual report.
    #[error("未找到年度报告的表格 / no annual report tables found in the document")]
    NoReport,
    /// A report whose table is missing.
    #[error("缺少{}（{}）/ {} is missing", .table.name_zh(), .heading, .table.name_en())]
    TableMissing {
        /// The table.
        table: TableId,
        /// Its heading.
        heading: &'static str,
    },
    /// The year reported on could not be found.
    #[error(
        "无法从标题或统计期限确定报告年度 / the year reported on cannot be found in the title or statistics period"
    )]
    NoYear,
}

/// Something the importer noticed or decided, for a person to review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// A stable code (`blank_as_zero`, `total_from_row`, `ambiguous_run`, …).
    pub code: &'static str,
    /// The cell concerned, if one.
    pub cell: Option<&'static str>,
    /// The message in Chinese.
    pub message_zh: String,
    /// The message in English.
    pub message_en: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.message_zh, self.message_en)
    }
}

/// How a cell's value was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// Printed in its own cell.
    Printed,
    /// Printed blank, read as 0.
    BlankAsZero,
    /// A blank 总计 filled with the sum of its row.
    TotalFromRow,
    /// Cut out of a run of glued digits; the rules left one split.
    SplitByRules,
    /// A number row assigned to a label by template order.
    TemplateOrder,
    /// Placed in a column by position where the layout lost the column.
    PositionInferred,
    /// Read by OCR in doubt or against a rule; the one value under which every rule holds.
    ResolvedByRules,
}

impl How {
    /// Lower-case name (`printed`, `blank_as_zero`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            How::Printed => "printed",
            How::BlankAsZero => "blank_as_zero",
            How::TotalFromRow => "total_from_row",
            How::SplitByRules => "split_by_rules",
            How::TemplateOrder => "template_order",
            How::PositionInferred => "position_inferred",
            How::ResolvedByRules => "resolved_by_rules",
        }
    }
}

/// Where a cell's value came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Provenance {
    /// How it was read.
    pub how: How,
    /// The text as printed (or the run it was cut from).
    pub printed: String,
    /// Where on the page it is printed (PDF and scans).
    pub origin: Option<Origin>,
}

/// A box on a page: the page number (from 1) and the box in points from the top-left corner
/// of the page as displayed (after its rotation), y downwards. For a scan, the image's pixels
/// at its resolution converted to points.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Origin {
    /// The page, from 1.
    pub page: u32,
    /// Left, top, right, bottom (points).
    pub bbox: [f32; 4],
}

impl Origin {
    pub(crate) fn new(page: u32, x0: f64, top: f64, x1: f64, bottom: f64) -> Origin {
        Origin {
            page,
            bbox: [x0 as f32, top as f32, x1 as f32, bottom as f32],
        }
    }

    /// Widens the box to hold another.
    pub(crate) fn grow(&mut self, x0: f64, top: f64, x1: f64, bottom: f64) {
        let b = &mut self.bbox;
        b[0] = b[0].min(x0 as f32);
        b[1] = b[1].min(top as f32);
        b[2] = b[2].max(x1 as f32);
        b[3] = b[3].max(bottom as f32);
    }
}

/// The document formats read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Plain text (also Markdown).
    Text,
    /// HTML page or fragment.
    Html,
    /// PDF.
    Pdf,
    /// Word 2007+ document.
    Docx,
    /// A photo or scan of the printed report (PNG, JPEG), read by OCR.
    Image,
}

impl Format {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Image => "image",
        }
    }
}

/// An imported report.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The report (office code derived from the name unless overridden by the caller).
    pub report: Report,
    /// The format read.
    pub format: Format,
    /// What the importer noticed or decided.
    pub diagnostics: Vec<Diagnostic>,
    /// How each cell was read.
    pub provenance: BTreeMap<&'static str, Provenance>,
}

/// Tells the format from the content; the file name is only a hint for text.
pub fn detect(bytes: &[u8], file_name_hint: Option<&str>) -> Format {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Format::Docx;
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(b"\xFF\xD8\xFF") {
        return Format::Image;
    }
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Format::Pdf;
    }
    let probe = String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]).to_ascii_lowercase();
    if [
        "<html",
        "<!doctype html",
        "<table",
        "<p>",
        "<p ",
        "<td",
        "<div",
        "<body",
    ]
    .iter()
    .any(|t| probe.contains(t))
    {
        return Format::Html;
    }
    let hint = file_name_hint
        .map(|h| h.to_ascii_lowercase())
        .unwrap_or_default();
    if (hint.ends_with(".html") || hint.ends_with(".htm")) && probe.contains('<') {
        return Format::Html;
    }
    Format::Text
}

/// Decodes text: UTF-8 (with or without BOM), else the `charset` an HTML page declares,
/// else GB18030 (a superset of GBK). Binary data is refused.
pub fn decode(bytes: &[u8]) -> Result<String, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        // A few broken sequences in UTF-8 text (a truncated copy, a stray byte) are replaced,
        // not a reason to read the whole file as GB18030.
        Err(_) if mostly_utf8(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Err(_) => {
            let probe =
                String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
            let label = probe.find("charset=").map(|p| {
                probe[p + 8..]
                    .trim_start_matches(['"', '\''])
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect::<String>()
            });
            let declared = label.and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()));
            let enc = declared.unwrap_or(encoding_rs::GB18030);
            let (s, _, errors) = enc.decode(bytes);
            // A page that declares one encoding but is written in GBK (a mislabelled charset).
            let (gb, _, gb_errors) = encoding_rs::GB18030.decode(bytes);
            if errors && !gb_errors {
                gb.into_owned()
            } else {
                s.into_owned()
            }
        }
    };
    let total = text.chars().count().max(1);
    let bad = text
        .chars()
        .filter(|&c| c == '\u{FFFD}' || (c.is_control() && !c.is_whitespace()))
        .count();
    if bad * 20 > total {
        return Err(ImportError::NotADocument);
    }
    Ok(text)
}

/// True when invalid sequences are rare among valid multi-byte UTF-8 characters (at most one
/// per 20); GBK text read as UTF-8 has far more invalid sequences than valid ones.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| c.len_utf8() > 1).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    valid > 0 && valid >= 20 * invalid
}

/// Imports one document.
pub fn import(bytes: &[u8], file_name_hint: Option<&str>) -> Result<Imported, ImportError> {
    if bytes.len() > MAX_INPUT {
        return Err(ImportError::TooLarge { limit: MAX_INPUT });
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::Empty);
    }
    let format = detect(bytes, file_name_hint);
    let doc = match format {
        Format::Docx => docx::read(bytes)?,
        Format::Pdf => pdf::read(bytes)?,
        Format::Image => pdf::ocr::images(&[bytes])?,
        Format::Html => html::read(&decode(bytes)?),
        Format::Text => text::read(&decode(bytes)?),
    };
    assemble::from_doc(&doc, format)
}

/// Imports one report from photos or scans of its pages (PNG or JPEG), in page order, by OCR.
pub fn import_pages(pages: &[&[u8]]) -> Result<Imported, ImportError> {
    if pages.iter().map(|p| p.len()).sum::<usize>() > MAX_INPUT {
        return Err(ImportError::TooLarge { limit: MAX_INPUT });
    }
    if pages.is_empty() || pages.iter().any(|p| detect(p, None) != Format::Image) {
        return Err(ImportError::NotADocument);
    }
    assemble::from_doc(&pdf::ocr::images(pages)?, Format::Image)
}

/// A stable office code from the name: `office-` and 12 hex digits of an FNV-1a hash.
pub fn office_slug(name: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("office-{:012x}", h & 0xffff_ffff_ffff)
}
