//! The board's table: completeness, the report list and the reminder log of a subtree joined by
//! office, filtered and sorted (written out by `board_export`).

use std::collections::HashMap;

use chrono::NaiveDate;
use nianbao_proto::aggregate::v1 as agg;
use nianbao_proto::storage::v1 as st;

use super::follow_up::{Outcome, Published, Reminder, latest_reminders, published, reminder_log};
use crate::AppState;
use crate::error::WebResult;
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
    /// Where and when it was published; `None` when not.
    pub published: Option<Published>,
    /// The latest reminder to the office; `None` when none.
    pub reminder: Option<Reminder>,
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

    /// Counts of publication for the totals line: (published, by the deadline, a check found
    /// the published page not the accepted report).
    pub fn published_totals(&self) -> (usize, usize, usize) {
        let published = self.rows.iter().filter_map(|r| r.published.as_ref());
        let (mut all, mut on_time, mut wrong) = (0, 0, 0);
        for p in published {
            all += 1;
            on_time += usize::from(p.on_time);
            wrong += usize::from(
                p.check
                    .as_ref()
                    .is_some_and(|c| c.outcome != Outcome::Identical),
            );
        }
        (all, on_time, wrong)
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

/// Reads the board through the aggregation and storage services with the user's token: the
/// completeness of the subtree (its filing and publications, not its recounted findings), the
/// report list and the reminder log, at once.
pub async fn fetch(state: &AppState, user: &Session, org: &str, year: i32) -> WebResult<Board> {
    let mut aggregation = state.upstreams.aggregate(&user.token)?;
    let mut storage = state.upstreams.storage(&user.token)?;
    // The board shows the stored counts of each latest revision (from the report list), so
    // completeness need not count them again.
    let completeness = aggregation.completeness(agg::CompletenessRequest {
        org: org.to_string(),
        year,
        filing_only: true,
    });
    let reports = list_reports(&mut storage, org, year);
    let log = reminder_log(state, user, org, year);
    let (completeness, reports, log) = tokio::join!(completeness, reports, log);
    let completeness = completeness?.into_inner();
    let mut reminders = latest_reminders(&log?);
    let mut by_code: HashMap<String, st::ReportSummary> = reports?
        .into_iter()
        .map(|r| (r.office_code.clone(), r))
        .collect();
    let rows = completeness
        .offices
        .into_iter()
        .map(|o| {
            let summary = by_code.remove(&o.office_code);
            let reminder = reminders.remove(&o.office_code);
            row(o, summary, reminder)
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

fn row(o: agg::OfficeFiling, s: Option<st::ReportSummary>, reminder: Option<Reminder>) -> Row {
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
    let published = published(&o);
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
        published,
        reminder,
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
pub const COLUMNS: [(&str, &str); 11] = [
    ("code", "单位代码"),
    ("name", "单位名称"),
    ("state", "状态"),
    ("late", "按时/逾期"),
    ("revision", "最新版本"),
    ("at", "最近提交"),
    ("errors", "错误"),
    ("warnings", "警告"),
    ("published", "发布"),
    ("check", "发布核对"),
    ("reminder", "最近提醒"),
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
        // Not published last; then late before on time, then by date.
        "published" => rows.sort_by(|a, b| {
            let key = |r: &Row| r.published.as_ref().map(|p| (p.on_time, p.date.clone()));
            key(a)
                .is_none()
                .cmp(&key(b).is_none())
                .then(key(a).cmp(&key(b)))
        }),
        "check" => rows.sort_by_key(|r| {
            r.published
                .as_ref()
                .map(|p| p.check.as_ref().map(|c| c.outcome))
        }),
        "reminder" => rows.sort_by(|a, b| {
            let at = |r: &Row| r.reminder.as_ref().map(|m| m.at.clone());
            at(a).cmp(&at(b))
        }),
        _ => rows.sort_by(|a, b| a.code.cmp(&b.code)),
    }
    if descending {
        rows.reverse();
    }
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
            published: None,
            reminder: None,
        }
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
