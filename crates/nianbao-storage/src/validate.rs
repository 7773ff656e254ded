//! Input limits, checked before anything is written. Every error names its field.

use nianbao_model::Report;
use nianbao_proto::report::v1 as pb;

use crate::error::{StorageError, StorageResult};

/// Longest office code.
pub const MAX_CODE_LEN: usize = 64;
/// Longest name, kind, label or client description.
pub const MAX_TEXT_LEN: usize = 200;
/// Longest request id.
pub const MAX_REQUEST_ID_LEN: usize = 128;
/// Most prose (sections, signature and cell notes) in one report, in bytes.
pub const MAX_PROSE_BYTES: usize = 1024 * 1024;
/// Longest review or mark reason.
pub const MAX_REASON_LEN: usize = 10_000;

/// An office code: 1–64 characters of `A-Z a-z 0-9 - _ .`.
pub fn office_code(field: &str, code: &str) -> StorageResult<()> {
    if code.is_empty() || code.len() > MAX_CODE_LEN {
        return Err(StorageError::invalid(
            field,
            format!(
                "office code must be 1–{MAX_CODE_LEN} characters / 单位代码须为 1–{MAX_CODE_LEN} 个字符"
            ),
        ));
    }
    if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(StorageError::invalid(
            field,
            "office code may hold only letters, digits, '-', '_' and '.' / 单位代码只能含字母、数字、-、_、.",
        ));
    }
    Ok(())
}

/// A year reported on: 1990–2100.
pub fn year(field: &str, year: i32) -> StorageResult<()> {
    if (1990..=2100).contains(&year) {
        Ok(())
    } else {
        Err(StorageError::invalid(
            field,
            format!("year {year} is outside 1990–2100 / 年度 {year} 超出 1990–2100"),
        ))
    }
}

/// A short free text (name, kind, label, client).
pub fn text(field: &str, value: &str, required: bool, max: usize) -> StorageResult<()> {
    if required && value.trim().is_empty() {
        return Err(StorageError::invalid(field, "required / 必填"));
    }
    if value.chars().count() > max {
        return Err(StorageError::invalid(
            field,
            format!("longer than {max} characters / 超过 {max} 个字符"),
        ));
    }
    Ok(())
}

/// A client request id: printable ASCII, at most 128 characters (empty: the server makes one).
pub fn request_id(value: &str) -> StorageResult<()> {
    if value.len() > MAX_REQUEST_ID_LEN || !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(StorageError::invalid(
            "request_id",
            format!(
                "at most {MAX_REQUEST_ID_LEN} printable ASCII characters / 至多 {MAX_REQUEST_ID_LEN} 个可打印 ASCII 字符"
            ),
        ));
    }
    Ok(())
}

/// Checks a submitted report and converts it to the model.
pub fn report(report: Option<pb::Report>) -> StorageResult<Report> {
    let report = report.ok_or_else(|| StorageError::invalid("report", "required / 必填"))?;
    let code = report
        .office
        .as_ref()
        .map(|o| o.code.as_str())
        .unwrap_or("");
    office_code("report.office.code", code)?;
    year("report.year", report.year)?;
    let prose: usize = report
        .sections
        .iter()
        .map(|(k, v)| k.len() + v.len())
        .sum::<usize>()
        + report.signature.as_ref().map_or(0, String::len)
        + report
            .cells
            .iter()
            .map(|c| c.note.as_ref().map_or(0, String::len))
            .sum::<usize>();
    if prose > MAX_PROSE_BYTES {
        return Err(StorageError::invalid(
            "report.sections",
            format!(
                "prose is {prose} bytes, more than {MAX_PROSE_BYTES} / 文字部分 {prose} 字节，超过 1 MB 上限"
            ),
        ));
    }
    let office_name_len = report.office.as_ref().map_or(0, |o| o.name.chars().count());
    if office_name_len > MAX_TEXT_LEN {
        return Err(StorageError::invalid(
            "report.office.name",
            format!("longer than {MAX_TEXT_LEN} characters / 超过 {MAX_TEXT_LEN} 个字符"),
        ));
    }
    Report::try_from(report).map_err(|e| StorageError::Invalid {
        field: e.field(),
        message: e.to_string(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn office_codes() {
        assert!(office_code("c", "140404-sfj").is_ok());
        assert!(office_code("c", "").is_err());
        assert!(office_code("c", "a b").is_err());
        assert!(office_code("c", "单位").is_err());
        assert!(office_code("c", &"a".repeat(65)).is_err());
    }

    #[test]
    fn years() {
        assert!(year("y", 1990).is_ok());
        assert!(year("y", 2100).is_ok());
        assert!(year("y", 1989).is_err());
        assert!(year("y", 2101).is_err());
    }

    #[test]
    fn request_ids() {
        assert!(request_id("").is_ok());
        assert!(request_id("abc-123").is_ok());
        assert!(request_id("a b").is_err());
        assert!(request_id(&"x".repeat(129)).is_err());
    }
}
