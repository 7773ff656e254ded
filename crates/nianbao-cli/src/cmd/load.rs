//! Reading a report from a file given on the command line.

use std::path::Path;

use nianbao_model::{Report, interchange};

/// A report read from a file, with what the reader had to say about it.
pub struct Loaded {
    pub report: Report,
    pub diagnostics: Vec<String>,
}

/// Reads interchange JSON.
pub fn load(path: &Path) -> Result<Loaded, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("{}: cannot read / 无法读取: {e}", path.display()))?;
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
