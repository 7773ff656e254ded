//! What is stored as JSON text: findings, changed cells, report content (as text, or compressed
//! with DEFLATE).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

use nianbao_model::{Finding, Report, Severity, interchange};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::entity::revision;
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

/// The most a compressed content may inflate to: far above any report a request can carry, so
/// a damaged value is an error rather than an allocation without bound.
const MAX_CONTENT_BYTES: u64 = 256 * 1024 * 1024;

/// The content columns of a new revision: (`content`, `content_deflate`). Compressed, the text
/// column is empty. The fastest level, on the caller's task, not the writer's: the load
/// generator's reports of about 8.7 KB of JSON take 1,958 bytes on average, so a revision's row
/// fits in one SQLite page.
pub fn encode_content(content: String, compress: bool) -> (String, Option<Vec<u8>>) {
    if !compress {
        return (content, None);
    }
    let mut encoder =
        DeflateEncoder::new(Vec::with_capacity(content.len() / 4), Compression::fast());
    // Writing to a vector cannot fail.
    match encoder
        .write_all(content.as_bytes())
        .and_then(|()| encoder.finish())
    {
        Ok(bytes) => (String::new(), Some(bytes)),
        Err(_) => (content, None),
    }
}

/// The canonical JSON of a stored revision from its two content columns.
pub fn content_text<'a>(text: &'a str, deflate: Option<&[u8]>) -> StorageResult<Cow<'a, str>> {
    let Some(bytes) = deflate else {
        return Ok(Cow::Borrowed(text));
    };
    let damaged =
        |what: String| StorageError::Internal(format!("stored compressed content: {what}"));
    let mut out = String::with_capacity(bytes.len().saturating_mul(6).min(1 << 20));
    DeflateDecoder::new(bytes)
        .take(MAX_CONTENT_BYTES + 1)
        .read_to_string(&mut out)
        .map_err(|e| damaged(e.to_string()))?;
    if out.len() as u64 > MAX_CONTENT_BYTES {
        return Err(damaged(format!("more than {MAX_CONTENT_BYTES} bytes")));
    }
    Ok(Cow::Owned(out))
}

/// A stored report from its two content columns.
pub fn parse_stored(text: &str, deflate: Option<&[u8]>) -> StorageResult<Report> {
    parse_content(&content_text(text, deflate)?)
}

/// The report of a stored revision, whichever form its content takes.
pub fn report_of(revision: &revision::Model) -> StorageResult<Report> {
    parse_stored(&revision.content, revision.content_deflate.as_deref())
}

/// The cell keys whose value or note differs between two reports (every printed cell when there
/// is no previous report).
pub fn changed_cells(previous: Option<&Report>, current: &Report) -> Vec<String> {
    let Some(prev) = previous else {
        return current.cells.keys().map(|k| k.to_string()).collect();
    };
    let mut keys = Vec::new();
    differing(&prev.cells, &current.cells, &mut keys);
    differing(&prev.cell_notes, &current.cell_notes, &mut keys);
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter().map(str::to_string).collect()
}

/// Pushes the keys whose values differ between two maps (present in one only, or unequal), in
/// one pass over both in key order.
fn differing<V: PartialEq>(
    a: &BTreeMap<&'static str, V>,
    b: &BTreeMap<&'static str, V>,
    out: &mut Vec<&'static str>,
) {
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    loop {
        match (a.peek(), b.peek()) {
            (None, None) => return,
            (Some((k, _)), None) => {
                out.push(k);
                a.next();
            }
            (None, Some((k, _))) => {
                out.push(k);
                b.next();
            }
            (Some((ka, va)), Some((kb, vb))) => match ka.cmp(kb) {
                Ordering::Less => {
                    out.push(ka);
                    a.next();
                }
                Ordering::Greater => {
                    out.push(kb);
                    b.next();
                }
                Ordering::Equal => {
                    if va != vb {
                        out.push(ka);
                    }
                    a.next();
                    b.next();
                }
            },
        }
    }
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeSet;

    use nianbao_model::{Edition, Report, Value};
    use nianbao_testkit::consistent;

    use super::{changed_cells, content_and_checksum, content_text, encode_content, parse_stored};

    /// The definition: every key of either report's cells or notes whose value or note differs.
    fn by_definition(prev: &Report, current: &Report) -> Vec<String> {
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

    #[test]
    fn changed_cells_are_the_differing_keys_in_order() {
        let base = consistent(Edition::E2021, &[3, 1, 4, 1, 5, 9, 2, 6], true);
        let keys: Vec<&'static str> = base.cells.keys().copied().collect();
        assert_eq!(changed_cells(Some(&base), &base), Vec::<String>::new());
        assert_eq!(changed_cells(None, &base).len(), base.cells.len());
        for step in 1..12usize {
            let mut next = base.clone();
            for (i, key) in keys.iter().enumerate().filter(|(i, _)| i % (step + 3) == 0) {
                match i % 4 {
                    0 => {
                        next.cells.remove(key);
                    }
                    1 => {
                        next.cells.insert(key, Value::Count(1000 + i as i64));
                    }
                    2 => {
                        next.cell_notes.insert(key, format!("note {i}"));
                    }
                    _ => {
                        next.cells.insert(key, Value::Count(1000 + i as i64));
                        next.cell_notes.insert(key, "both".into());
                    }
                }
            }
            let mut other = base.clone();
            other.cell_notes.insert(keys[step], "earlier note".into());
            for (a, b) in [
                (&base, &next),
                (&next, &base),
                (&other, &next),
                (&next, &other),
            ] {
                let got = changed_cells(Some(a), b);
                assert!(!got.is_empty());
                assert_eq!(got, by_definition(a, b), "step {step}");
            }
        }
    }

    #[test]
    fn content_reads_back_in_either_form() {
        let mut report = consistent(Edition::E2021, &[2, 7, 1, 8], true);
        report
            .sections
            .insert("overview".into(), "本局依照条例公开政府信息。".repeat(200));
        let (json, _) = content_and_checksum(&report);
        let (text, none) = encode_content(json.clone(), false);
        assert_eq!((text.as_str(), none.as_deref()), (json.as_str(), None));
        let (empty, deflate) = encode_content(json.clone(), true);
        let deflate = deflate.unwrap();
        assert!(empty.is_empty());
        assert!(
            deflate.len() * 4 < json.len(),
            "{} of {}",
            deflate.len(),
            json.len()
        );
        assert_eq!(content_text("", Some(&deflate)).unwrap(), json);
        assert_eq!(parse_stored("", Some(&deflate)).unwrap(), report);
        assert_eq!(parse_stored(&json, None).unwrap(), report);
    }

    #[test]
    fn damaged_compressed_content_is_an_error() {
        let (_, deflate) = encode_content("{\"year\": 2023}".repeat(50), true);
        let mut bytes = deflate.unwrap();
        bytes.truncate(bytes.len() / 2);
        let err = content_text("", Some(&bytes)).unwrap_err().to_string();
        assert!(err.contains("stored compressed content"), "{err}");
        let err = content_text("", Some(&[0xff, 0xff, 0xff]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("stored compressed content"), "{err}");
    }
}
