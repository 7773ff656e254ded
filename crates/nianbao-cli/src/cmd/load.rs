//! Reading a report from a file given on the command line: interchange JSON, or any
//! document the importer reads (text, Markdown, HTML, PDF, DOCX).

use std::path::Path;

use nianbao_model::{Report, interchange};

/// A report read from a file, with what the reader had to say about it.
pub struct Loaded {
    pub report: Report,
    pub diagnostics: Vec<String>,
}

/// Whether the bytes are interchange JSON (a JSON object) rather than a published document.
fn is_json(path: &Path, bytes: &[u8]) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    ext.as_deref() == Some("json") || body.trim_ascii_start().starts_with(b"{")
}

/// Reads the file's bytes, refusing files over the importer's size limit before reading.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("{}: cannot read / 无法读取: {e}", path.display()))?;
    if meta.len() > nianbao_import::MAX_INPUT as u64 {
        return Err(format!(
            "{}: {}",
            path.display(),
            nianbao_import::ImportError::TooLarge {
                limit: nianbao_import::MAX_INPUT
            }
        ));
    }
    std::fs::read(path).map_err(|e| format!("{}: cannot read / 无法读取: {e}", path.display()))
}

/// Reads interchange JSON, or imports a published document.
pub fn load(path: &Path) -> Result<Loaded, String> {
    let bytes = read_bytes(path)?;
    if !is_json(path, &bytes) {
        let hint = path.file_name().and_then(|n| n.to_str());
        let imported =
            nianbao_import::import(&bytes, hint).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(Loaded {
            report: imported.report,
            diagnostics: imported
                .diagnostics
                .iter()
                .map(ToString::to_string)
                .collect(),
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{}: not UTF-8 text at byte {} / 不是 UTF-8 文本",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let report = interchange::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Loaded {
        report,
        diagnostics: Vec::new(),
    })
}
