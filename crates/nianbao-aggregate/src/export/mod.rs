//! Exports: one row per office, one column per cell key of the edition, as CSV, XLSX or JSON.
//!
//! Every exporter is fed rows as they come and buffers its output; [`Exporter::take_chunk`]
//! hands over what is ready, so a large subtree streams (XLSX excepted: a workbook is a zip
//! written at the end).

mod xlsx;

use nianbao_model::schema::ValueKind;
use nianbao_model::{Edition, Report, Value};

pub use xlsx::XlsxExport;

/// The fixed columns before the cell keys.
pub const OFFICE_COLUMNS: [&str; 5] = [
    "office_code",
    "office_name",
    "parent_code",
    "status",
    "revision",
];

/// The Chinese headers of [`OFFICE_COLUMNS`].
pub const OFFICE_COLUMNS_ZH: [&str; 5] = ["单位代码", "单位名称", "上级单位代码", "状态", "版本"];

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// UTF-8 CSV with a byte order mark.
    Csv,
    /// An Excel workbook, a sheet per table.
    Xlsx,
    /// One JSON document.
    Json,
}

impl Format {
    /// The MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Json => "application/json",
        }
    }
}

/// One office's row.
#[derive(Clone, Copy, Debug)]
pub struct ExportRow<'a> {
    /// Office code.
    pub office_code: &'a str,
    /// Office name.
    pub office_name: &'a str,
    /// Parent code.
    pub parent_code: &'a str,
    /// Status (`accepted`, `missing`, …).
    pub status: &'a str,
    /// Revision (0 when none).
    pub revision: i64,
    /// The report, when there is one.
    pub report: Option<&'a Report>,
}

/// The value of `key` in a report as written in an export, in the cell's own unit.
pub fn cell_text(edition: Edition, report: &Report, key: &str) -> Option<String> {
    let value = report.cells.get(key)?;
    let def = edition.schema().cell(key)?;
    Some(match (value, def.kind) {
        (Value::Money(m), ValueKind::Money(unit)) => m.in_unit(unit).amount.to_string(),
        (v, _) => v.to_string(),
    })
}

/// The value of `key` as a JSON value: counts as integers, money as exact decimal strings.
fn cell_json(edition: Edition, report: &Report, key: &str) -> Option<serde_json::Value> {
    match report.cells.get(key)? {
        Value::Count(n) => Some(serde_json::Value::from(*n)),
        Value::Money(_) => cell_text(edition, report, key).map(serde_json::Value::from),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A streaming exporter of one edition.
pub enum Exporter {
    /// CSV.
    Csv {
        /// The edition of the columns.
        edition: Edition,
        /// Output not yet taken.
        out: Vec<u8>,
    },
    /// JSON: `{"edition":…,"year":…,"columns":[…],"rows":[…],"total":{…}}`.
    Json {
        /// The edition of the columns.
        edition: Edition,
        /// Output not yet taken.
        out: Vec<u8>,
        /// Rows written so far.
        rows: usize,
    },
    /// XLSX (written whole at the end).
    Xlsx(Box<XlsxExport>),
}

impl Exporter {
    /// Starts an export: writes the header.
    pub fn new(format: Format, edition: Edition, year: i32) -> Exporter {
        let keys: Vec<&str> = edition.schema().cells().iter().map(|c| c.key).collect();
        match format {
            Format::Csv => {
                let mut out = "\u{feff}".as_bytes().to_vec();
                let header: Vec<&str> = OFFICE_COLUMNS.iter().copied().chain(keys).collect();
                out.extend(header.join(",").as_bytes());
                out.extend(b"\r\n");
                Exporter::Csv { edition, out }
            }
            Format::Json => {
                let head = serde_json::json!({
                    "edition": edition.as_str(),
                    "year": year,
                    "columns": OFFICE_COLUMNS.iter().copied().chain(keys).collect::<Vec<_>>(),
                });
                let mut text = head.to_string();
                text.pop();
                text.push_str(",\"rows\":[");
                Exporter::Json {
                    edition,
                    out: text.into_bytes(),
                    rows: 0,
                }
            }
            Format::Xlsx => Exporter::Xlsx(Box::new(XlsxExport::new(edition))),
        }
    }

    /// Adds one office's row.
    pub fn row(&mut self, row: &ExportRow<'_>) -> Result<(), ExportError> {
        match self {
            Exporter::Csv { edition, out } => {
                let mut fields = vec![
                    csv_field(row.office_code),
                    csv_field(row.office_name),
                    csv_field(row.parent_code),
                    csv_field(row.status),
                    row.revision.to_string(),
                ];
                for def in edition.schema().cells() {
                    fields.push(
                        row.report
                            .and_then(|r| cell_text(*edition, r, def.key))
                            .unwrap_or_default(),
                    );
                }
                out.extend(fields.join(",").as_bytes());
                out.extend(b"\r\n");
                Ok(())
            }
            Exporter::Json { edition, out, rows } => {
                if *rows > 0 {
                    out.push(b',');
                }
                *rows += 1;
                let value = json_row(*edition, row);
                out.extend(value.to_string().as_bytes());
                Ok(())
            }
            Exporter::Xlsx(x) => x.row(row),
        }
    }

    /// Finishes the export; `total` (the roll-up) is added as a last row in XLSX and as
    /// `"total"` in JSON. CSV keeps one row per office.
    pub fn finish(&mut self, total: Option<&Report>) -> Result<(), ExportError> {
        match self {
            Exporter::Csv { .. } => Ok(()),
            Exporter::Json { edition, out, .. } => {
                out.extend(b"]");
                if let Some(t) = total {
                    let cells: serde_json::Map<String, serde_json::Value> = edition
                        .schema()
                        .cells()
                        .iter()
                        .filter_map(|d| {
                            cell_json(*edition, t, d.key).map(|v| (d.key.to_string(), v))
                        })
                        .collect();
                    out.extend(b",\"total\":");
                    out.extend(serde_json::Value::Object(cells).to_string().as_bytes());
                }
                out.extend(b"}\n");
                Ok(())
            }
            Exporter::Xlsx(x) => x.finish(total),
        }
    }

    /// How many bytes of output are ready to be taken.
    pub fn pending(&self) -> usize {
        match self {
            Exporter::Csv { out, .. } | Exporter::Json { out, .. } => out.len(),
            Exporter::Xlsx(x) => x.pending(),
        }
    }

    /// The output ready so far (taken: the next call returns only what came after).
    pub fn take_chunk(&mut self) -> Vec<u8> {
        match self {
            Exporter::Csv { out, .. } | Exporter::Json { out, .. } => std::mem::take(out),
            Exporter::Xlsx(x) => x.take_output(),
        }
    }
}

fn json_row(edition: Edition, row: &ExportRow<'_>) -> serde_json::Value {
    let mut obj = serde_json::Map::new();
    obj.insert("office_code".into(), row.office_code.into());
    obj.insert("office_name".into(), row.office_name.into());
    obj.insert("parent_code".into(), row.parent_code.into());
    obj.insert("status".into(), row.status.into());
    obj.insert("revision".into(), row.revision.into());
    let cells: serde_json::Map<String, serde_json::Value> = match row.report {
        Some(r) => edition
            .schema()
            .cells()
            .iter()
            .filter_map(|d| cell_json(edition, r, d.key).map(|v| (d.key.to_string(), v)))
            .collect(),
        None => serde_json::Map::new(),
    };
    obj.insert("cells".into(), serde_json::Value::Object(cells));
    serde_json::Value::Object(obj)
}

/// An export could not be written.
#[derive(Debug, thiserror::Error)]
#[error("export failed / 导出失败: {0}")]
pub struct ExportError(pub String);
