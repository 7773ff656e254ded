//! The board's table: completeness and the report list of a subtree joined by office, filtered and
//! sorted, and written as CSV (UTF-8 with BOM, Chinese headers) or XLSX.

use std::collections::HashMap;

use chrono::NaiveDate;
use nianbao_proto::aggregate::v1 as agg;
use nianbao_proto::storage::v1 as st;

use crate::AppState;
use crate::error::{WebError, WebResult};
use crate::session::Session;

/// Where an office-year stands on the board.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Missing,
    Draft,
    Submitted,
    Returned,
    Accepted,
    Published,
    NotRequired,
}

impl State {
    pub const ALL: [State; 7] = [
        State::Missing,
        State::Draft,
        State::Submitted,
        State::Returned,
        State::Accepted,
        State::Published,
        State::NotRequired,
    ];
    pub fn zh(self) -> &'static str {
        match self {
            State::Missing => "未报送",
            State::Draft => "草稿",
            State::Submitted => "已提交",
            State::Returned => "已退回",
            State::Accepted => "已接受",
            State::Published => "已发布",
            State::NotRequired => "无需报送",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            State::Missing => "missing",
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Returned => "returned",
            State::Accepted => "accepted",
            State::Published => "published",
            State::NotRequired => "not_required",
        }
    }
    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.key() == s)
    }
}

/// One office on the board.
#[derive(Clone, Debug)]
pub struct Row {
    pub code: String,
    pub name: String,
    pub parent: String,
    pub state: State,
    /// Days late of the first submission; `None` when never submitted.
    pub days_late: Option<i32>,
    pub revision: i64,
    /// When the latest revision was submitted (RFC 3339), empty when none.
    pub at: String,
    pub errors: i32,
    pub warnings: i32,
    pub return_reason: String,
}

/// The board of `org` for `year`.
pub struct Board {
    pub org: String,
    pub year: i32,
    /// The deadline of an ordinary office.
    pub deadline: Option<NaiveDate>,
    pub rows: Vec<Row>,
}

impl Board {
    /// The name of the subtree's root (its code when the root is not listed).
    pub fn org_name(&self) -> &str {
        self.rows
            .iter()
            .find(|r| r.code == self.org)
            .map(|r| r.name.as_str())
            .unwrap_or(&self.org)
    }

    /// Counts for the totals line: (on time, late, missing).
    pub fn totals(&self) -> (usize, usize, usize) {
        let on_time = self.rows.iter().filter(|r| r.days_late == Some(0)).count();
        let late = self
            .rows
            .iter()
            .filter(|r| r.days_late.is_some_and(|d| d > 0))
            .count();
        let missing = self
            .rows
            .iter()
            .filter(|r| matches!(r.state, State::Missing | State::Draft) && r.days_late.is_none())
            .count();
        (on_time, late, missing)
    }
}

/// Reads the board through the aggregation and storage services with the user's token.
pub async fn fetch(state: &AppState, user: &Session, org: &str, year: i32) -> WebResult<Board> {
    let mut aggregation = state.upstreams.aggregate(&user.token)?;
    let mut storage = state.upstreams.storage(&user.token)?;
    let completeness = aggregation.completeness(agg::CompletenessRequest {
        org: org.to_string(),
        year,
    });
    let reports = list_reports(&mut storage, org, year);
    let (completeness, reports) = tokio::join!(completeness, reports);
    let completeness = completeness?.into_inner();
    let mut by_code: HashMap<String, st::ReportSummary> = reports?
        .into_iter()
        .map(|r| (r.office_code.clone(), r))
        .collect();
    let rows = completeness
        .offices
        .into_iter()
        .map(|o| {
            let summary = by_code.remove(&o.office_code);
            row(o, summary)
        })
        .collect();
    Ok(Board {
        org: org.to_string(),
        year,
        deadline: NaiveDate::parse_from_str(&completeness.deadline, "%Y-%m-%d").ok(),
        rows,
    })
}

async fn list_reports(
    storage: &mut st::storage_service_client::StorageServiceClient<crate::upstream::Authed>,
    org: &str,
    year: i32,
) -> WebResult<Vec<st::ReportSummary>> {
    let mut out = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = storage
            .list_reports(st::ListReportsRequest {
                under: org.to_string(),
                year: Some(year),
                status: None,
                page_size: 10_000,
                page_token,
            })
            .await?
            .into_inner();
        out.extend(page.reports);
        if page.next_page_token.is_empty() {
            return Ok(out);
        }
        page_token = page.next_page_token;
    }
}

fn row(o: agg::OfficeFiling, s: Option<st::ReportSummary>) -> Row {
    let filing = agg::FilingState::try_from(o.state).unwrap_or(agg::FilingState::Unspecified);
    let status = s
        .as_ref()
        .and_then(|s| st::ReportStatus::try_from(s.status).ok());
    let state = match (filing, status) {
        (agg::FilingState::NotRequired, _) => State::NotRequired,
        (_, Some(st::ReportStatus::Draft)) => State::Draft,
        (_, Some(st::ReportStatus::Submitted)) => State::Submitted,
        (_, Some(st::ReportStatus::Returned)) => State::Returned,
        (_, Some(st::ReportStatus::Accepted)) => State::Accepted,
        (_, Some(st::ReportStatus::Published)) => State::Published,
        (agg::FilingState::DraftOnly, _) => State::Draft,
        _ => State::Missing,
    };
    let days_late = match filing {
        agg::FilingState::OnTime | agg::FilingState::Late => Some(o.days_late.max(0)),
        agg::FilingState::Returned if !o.submitted_at.is_empty() => Some(o.days_late.max(0)),
        _ => None,
    };
    let s = s.unwrap_or_default();
    Row {
        code: o.office_code,
        name: o.office_name,
        parent: o.parent_code,
        state,
        days_late,
        revision: s.latest_revision,
        at: s.last_submitted_at,
        errors: s.error_count,
        warnings: s.warning_count,
        return_reason: s.return_reason,
    }
}

/// Keeps the rows of `filter` (a state key, `late` or `ontime`; empty keeps all).
pub fn filter(rows: &mut Vec<Row>, filter: &str) {
    match filter {
        "" => {}
        "late" => rows.retain(|r| r.days_late.is_some_and(|d| d > 0)),
        "ontime" => rows.retain(|r| r.days_late == Some(0)),
        key => {
            if let Some(s) = State::parse(key) {
                rows.retain(|r| r.state == s);
            }
        }
    }
}

/// The sortable columns: (key, Chinese header).
pub const COLUMNS: [(&str, &str); 8] = [
    ("code", "单位代码"),
    ("name", "单位名称"),
    ("state", "状态"),
    ("late", "按时/逾期"),
    ("revision", "最新版本"),
    ("at", "最近提交"),
    ("errors", "错误"),
    ("warnings", "警告"),
];

/// Sorts by a column key; unknown keys sort by code.
pub fn sort(rows: &mut [Row], column: &str, descending: bool) {
    match column {
        "name" => rows.sort_by(|a, b| a.name.cmp(&b.name)),
        "state" => rows.sort_by_key(|r| r.state),
        "late" => rows.sort_by_key(|r| r.days_late.map_or(i64::MAX, i64::from)),
        "revision" => rows.sort_by_key(|r| r.revision),
        "at" => rows.sort_by(|a, b| a.at.cmp(&b.at)),
        "errors" => rows.sort_by_key(|r| r.errors),
        "warnings" => rows.sort_by_key(|r| r.warnings),
        _ => rows.sort_by(|a, b| a.code.cmp(&b.code)),
    }
    if descending {
        rows.reverse();
    }
}

const EXPORT_HEADERS: [&str; 11] = [
    "单位代码",
    "单位名称",
    "上级单位代码",
    "状态",
    "是否按时",
    "逾期天数",
    "最新版本",
    "最近提交时间",
    "错误数",
    "警告数",
    "退回理由",
];

fn export_cells(r: &Row, zone: &chrono::FixedOffset) -> [String; 11] {
    [
        r.code.clone(),
        r.name.clone(),
        r.parent.clone(),
        r.state.zh().to_string(),
        match r.days_late {
            Some(0) => "按时".into(),
            Some(_) => "逾期".into(),
            None => String::new(),
        },
        r.days_late.map(|d| d.to_string()).unwrap_or_default(),
        if r.revision > 0 {
            r.revision.to_string()
        } else {
            String::new()
        },
        if r.at.is_empty() {
            String::new()
        } else {
            crate::time::iso(&r.at, zone)
        },
        r.errors.to_string(),
        r.warnings.to_string(),
        r.return_reason.clone(),
    ]
}

/// CSV: UTF-8 with a BOM (so Excel reads it as UTF-8), Chinese headers, ISO times.
pub fn csv(rows: &[Row], zone: &chrono::FixedOffset) -> Vec<u8> {
    let mut s = String::from("\u{feff}");
    s.push_str(&EXPORT_HEADERS.join(","));
    s.push_str("\r\n");
    for r in rows {
        let cells = export_cells(r, zone);
        let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        s.push_str(&line.join(","));
        s.push_str("\r\n");
    }
    s.into_bytes()
}

/// A CSV field: quoted when needed; text a spreadsheet would take for a formula is prefixed with `'`.
fn csv_field(c: &str) -> String {
    let c = if c.starts_with(['=', '+', '-', '@']) && c.parse::<f64>().is_err() {
        format!("'{c}")
    } else {
        c.to_string()
    };
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}

/// XLSX of the same table.
pub fn xlsx(rows: &[Row], zone: &chrono::FixedOffset, title: &str) -> WebResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| WebError::Internal(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("报送情况").map_err(fail)?;
    let bold = Format::new().set_bold();
    sheet
        .write_string_with_format(0, 0, title, &bold)
        .map_err(fail)?;
    for (c, h) in EXPORT_HEADERS.iter().enumerate() {
        sheet
            .write_string_with_format(1, c as u16, *h, &bold)
            .map_err(fail)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        for (c, v) in export_cells(r, zone).iter().enumerate() {
            let numeric = matches!(c, 5 | 6 | 8 | 9) && !v.is_empty();
            match v.parse::<f64>() {
                Ok(n) if numeric => sheet.write_number(row, c as u16, n).map_err(fail)?,
                _ => sheet.write_string(row, c as u16, v).map_err(fail)?,
            };
        }
    }
    sheet.set_column_width(1, 28).map_err(fail)?;
    sheet.set_column_width(7, 26).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn r(code: &str, state: State, late: Option<i32>) -> Row {
        Row {
            code: code.into(),
            name: format!("=HYPERLINK(\"x\",\"{code}\")"),
            parent: String::new(),
            state,
            days_late: late,
            revision: 1,
            at: "2024-01-31T17:00:00Z".into(),
            errors: 0,
            warnings: 2,
            return_reason: "表三, \"总计\"".into(),
        }
    }

    #[test]
    fn csv_has_bom_chinese_headers_and_escapes() {
        let z = crate::time::parse_zone("+08:00").unwrap();
        let text = String::from_utf8(csv(&[r("a", State::Accepted, Some(3))], &z)).unwrap();
        assert!(text.starts_with("\u{feff}单位代码,单位名称"));
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.contains("\"'=HYPERLINK(\"\"x\"\",\"\"a\"\")\""),
            "{line}"
        );
        assert!(line.contains("2024-02-01T01:00:00+08:00"), "{line}");
        assert!(line.contains(",逾期,3,"), "{line}");
    }

    #[test]
    fn totals_filter_and_sort() {
        let mut rows = vec![
            r("c", State::Accepted, Some(0)),
            r("a", State::Accepted, Some(5)),
            r("b", State::Missing, None),
        ];
        let b = Board {
            org: "x".into(),
            year: 2023,
            deadline: None,
            rows: rows.clone(),
        };
        assert_eq!(b.totals(), (1, 1, 1));
        sort(&mut rows, "late", true);
        assert_eq!(rows[0].code, "b");
        filter(&mut rows, "late");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].code, "a");
    }
}
