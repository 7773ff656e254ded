//! The board written as CSV (UTF-8 with BOM, Chinese headers) or XLSX: the page's columns with
//! publication (where, when, by the deadline, the latest check) and the latest reminder.

use super::board_table::Row;
use super::follow_up::{channel_zh, step_zh};
use crate::error::{WebError, WebResult};

const EXPORT_HEADERS: [&str; 20] = [
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
    "发布网址",
    "发布日期",
    "是否按期发布",
    "发布核对结果",
    "核对时间",
    "最近提醒",
    "提醒方式",
    "提醒时间",
    "提醒状态（失败原因）",
];

/// The columns written as numbers in XLSX.
const NUMERIC: [usize; 4] = [5, 6, 8, 9];

fn export_cells(r: &Row, zone: &chrono::FixedOffset) -> [String; 20] {
    let iso = |t: &str| {
        if t.is_empty() {
            String::new()
        } else {
            crate::time::iso(t, zone)
        }
    };
    let p = r.published.as_ref();
    let check = p.and_then(|p| p.check.as_ref());
    let m = r.reminder.as_ref();
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
        submitted(r, r.revision),
        iso(&r.at),
        submitted(r, r.errors.into()),
        submitted(r, r.warnings.into()),
        r.return_reason.clone(),
        p.map(|p| p.url.clone()).unwrap_or_default(),
        p.map(|p| p.date.clone()).unwrap_or_default(),
        match p {
            Some(p) if p.on_time => "按期".into(),
            Some(_) => "逾期".into(),
            None => "未发布".into(),
        },
        check.map(|c| c.zh()).unwrap_or_default(),
        check.map(|c| iso(&c.at)).unwrap_or_default(),
        m.map(|m| step_zh(&m.step)).unwrap_or_default(),
        m.map(|m| channel_zh(&m.channel).to_string())
            .unwrap_or_default(),
        m.map(|m| iso(&m.at)).unwrap_or_default(),
        match m {
            Some(m) if m.state == "failed" => format!("{}（{}）", m.state_zh(), m.error),
            Some(m) => m.state_zh().to_string(),
            None => String::new(),
        },
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
            let numeric = NUMERIC.contains(&c) && !v.is_empty();
            match v.parse::<f64>() {
                Ok(n) if numeric => sheet.write_number(row, c as u16, n).map_err(fail)?,
                _ => sheet.write_string(row, c as u16, v).map_err(fail)?,
            };
        }
    }
    for (c, width) in [(1, 28), (7, 26), (11, 36), (15, 26), (18, 26), (19, 30)] {
        sheet.set_column_width(c, width).map_err(fail)?;
    }
    book.save_to_buffer().map_err(fail)
}

/// `n` where the office submitted a report, empty where it did not (no report is not zero).
fn submitted(r: &Row, n: i64) -> String {
    if r.revision > 0 {
        n.to_string()
    } else {
        String::new()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::board_table::State;
    use super::super::follow_up::{Check, Outcome, Published, Reminder};
    use super::*;

    fn row() -> Row {
        Row {
            code: "a".into(),
            name: "=HYPERLINK(\"x\",\"a\")".into(),
            parent: String::new(),
            state: State::Accepted,
            days_late: Some(3),
            revision: 1,
            at: "2024-01-31T17:00:00Z".into(),
            errors: 0,
            warnings: 2,
            return_reason: "表三, \"总计\"".into(),
            published: Some(Published {
                url: "https://example.org/a".into(),
                date: "2024-01-20".into(),
                on_time: true,
                places: 1,
                check: Some(Check {
                    outcome: Outcome::Different(2),
                    at: "2024-02-01T00:00:00Z".into(),
                    detail: String::new(),
                }),
            }),
            reminder: Some(Reminder {
                step: "remind:-1".into(),
                channel: "email".into(),
                state: "failed".into(),
                at: "2024-01-30T01:00:00Z".into(),
                error: "550 mailbox unavailable".into(),
                retry_at: "2024-01-30T02:00:00Z".into(),
            }),
        }
    }

    #[test]
    fn csv_has_bom_chinese_headers_and_escapes() {
        let z = crate::time::parse_zone("+08:00").unwrap();
        let text = String::from_utf8(csv(&[row()], &z)).unwrap();
        assert!(text.starts_with("\u{feff}单位代码,单位名称"));
        let header = text.lines().next().unwrap();
        assert!(header.contains("发布网址,发布日期,是否按期发布,发布核对结果,核对时间"));
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.contains("\"'=HYPERLINK(\"\"x\"\",\"\"a\"\")\""),
            "{line}"
        );
        assert!(line.contains("2024-02-01T01:00:00+08:00"), "{line}");
        assert!(line.contains(",逾期,3,"), "{line}");
        assert!(
            line.contains(
                "https://example.org/a,2024-01-20,按期,2 处不一致,2024-02-01T08:00:00+08:00"
            ),
            "{line}"
        );
        assert!(
            line.contains("截止前 1 天提醒,电子邮件,2024-01-30T09:00:00+08:00,发送失败（550 mailbox unavailable）"),
            "{line}"
        );
    }

    #[test]
    fn counts_are_blank_where_no_report_was_submitted() {
        let z = crate::time::parse_zone("+08:00").unwrap();
        let filed = export_cells(&row(), &z);
        assert_eq!(
            (filed[6].as_str(), filed[8].as_str(), filed[9].as_str()),
            ("1", "0", "2")
        );
        let missing = Row {
            state: State::Missing,
            days_late: None,
            revision: 0,
            at: String::new(),
            errors: 0,
            warnings: 0,
            ..row()
        };
        let cells = export_cells(&missing, &z);
        assert!(
            cells[6].is_empty() && cells[8].is_empty() && cells[9].is_empty(),
            "{cells:?}"
        );
    }
}
