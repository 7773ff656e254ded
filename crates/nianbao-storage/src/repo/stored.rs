//! What is stored as JSON text: findings, changed cells, report content.

use std::collections::BTreeSet;

use nianbao_model::{Finding, Report, Severity, interchange};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{StorageError, StorageResult};

/// A finding as stored with a revision.
#[derive(Debug, Serialize, Deserialize)]
struct StoredFinding {
    rule: String,
    severity: String,
    cells: Vec<String>,
    expected: Option<String>,
    actual: Option<String>,
    message_zh: String,
    message_en: String,
}

/// Findings as JSON text.
pub fn findings_to_json(findings: &[Finding]) -> String {
    let stored: Vec<StoredFinding> = findings
        .iter()
        .map(|f| StoredFinding {
            rule: f.rule.clone(),
            severity: f.severity.as_str().to_string(),
            cells: f.cells.clone(),
            expected: f.expected.clone(),
            actual: f.actual.clone(),
            message_zh: f.message_zh.clone(),
            message_en: f.message_en.clone(),
        })
        .collect();
    serde_json::to_string(&stored).unwrap_or_else(|_| "[]".into())
}

/// Findings from JSON text.
pub fn findings_from_json(text: &str) -> StorageResult<Vec<Finding>> {
    let stored: Vec<StoredFinding> = serde_json::from_str(text)
        .map_err(|e| StorageError::Internal(format!("stored findings: {e}")))?;
    Ok(stored
        .into_iter()
        .map(|s| Finding {
            rule: s.rule,
            severity: if s.severity == "error" {
                Severity::Error
            } else {
                Severity::Warning
            },
            cells: s.cells,
            expected: s.expected,
            actual: s.actual,
            message_zh: s.message_zh,
            message_en: s.message_en,
        })
        .collect())
}

/// A list of strings as JSON text.
pub fn strings_to_json(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// A list of strings from JSON text.
pub fn strings_from_json(text: &str) -> StorageResult<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StorageError::Internal(format!("stored list: {e}")))
}

/// The canonical content of a report and its SHA-256 (hex).
pub fn content_and_checksum(report: &Report) -> (String, String) {
    let content = interchange::to_json(report);
    let checksum = hex::encode(Sha256::digest(content.as_bytes()));
    (content, checksum)
}

/// A stored report.
pub fn parse_content(content: &str) -> StorageResult<Report> {
    interchange::from_json(content)
        .map_err(|e| StorageError::Internal(format!("stored report content: {e}")))
}

/// The cell keys whose value or note differs between two reports (every printed cell when there
/// is no previous report).
pub fn changed_cells(previous: Option<&Report>, current: &Report) -> Vec<String> {
    let Some(prev) = previous else {
        return current.cells.keys().map(|k| k.to_string()).collect();
    };
    let keys: BTreeSet<&str> = prev
        .cells
        .keys()
        .chain(current.cells.keys())
        .chain(prev.cell_notes.keys())
        .chain(current.cell_notes.keys())
        .copied()
        .collect();
    keys.into_iter()
        .filter(|k| {
            prev.cells.get(k) != current.cells.get(k)
                || prev.cell_notes.get(k) != current.cell_notes.get(k)
        })
        .map(str::to_string)
        .collect()
}

/// A digest of the values of some cells of a report (for finding marks).
pub fn cells_digest(report: &Report, cells: &[String]) -> String {
    let mut hasher = Sha256::new();
    for key in cells {
        let value = report
            .cells
            .get(key.as_str())
            .map(|v| format!("{v:?}"))
            .unwrap_or_default();
        hasher.update(key.as_bytes());
        hasher.update(b"=");
        hasher.update(value.as_bytes());
        hasher.update(b";");
    }
    hex::encode(hasher.finalize())
}
