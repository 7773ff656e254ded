//! Completeness and timeliness: who in a subtree filed, on time or late, and per-district rates
//! (the deadlines themselves are the model's, [`nianbao_model::deadline`]).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use nianbao_model::deadline::{Deadlines, days_late as late_by};

/// An office of the hierarchy, as storage lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeNode {
    /// Office code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Free text: `city`, `district`, `county`, `department`, …; picks the deadline.
    pub kind: String,
    /// Parent code; `None` for a root.
    pub parent_code: Option<String>,
    /// Whether the office must file a report.
    pub must_report: bool,
    /// Years the office need not file.
    pub exempt_years: Vec<i32>,
}

/// Where an office-year stands in storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportStatus {
    /// Saved as a draft only.
    Draft,
    /// Submitted, waiting for review.
    Submitted,
    /// Returned for correction.
    Returned,
    /// Accepted.
    Accepted,
    /// Published.
    Published,
}

impl ReportStatus {
    /// Lower-case name (`submitted`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Draft => "draft",
            ReportStatus::Submitted => "submitted",
            ReportStatus::Returned => "returned",
            ReportStatus::Accepted => "accepted",
            ReportStatus::Published => "published",
        }
    }
}

/// The summary of one office-year (storage `ReportSummary`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Office code.
    pub office_code: String,
    /// Status.
    pub status: ReportStatus,
    /// When the first non-draft revision was submitted.
    pub first_submitted_at: Option<DateTime<FixedOffset>>,
    /// The publication date the current report states, if any.
    pub published_date: Option<chrono::NaiveDate>,
    /// Errors of the latest revision.
    pub errors: i32,
    /// Warnings of the latest revision.
    pub warnings: i32,
}

/// How an office stands for a year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FilingState {
    /// First submitted on or before its deadline.
    OnTime,
    /// First submitted after its deadline.
    Late,
    /// Nothing stored.
    Missing,
    /// Returned for correction and not resubmitted.
    Returned,
    /// Only drafts, never submitted.
    DraftOnly,
    /// Need not file this year (`must_report` false or an exempt year).
    NotRequired,
}

impl FilingState {
    /// Lower-case name (`on_time`).
    pub fn as_str(self) -> &'static str {
        match self {
            FilingState::OnTime => "on_time",
            FilingState::Late => "late",
            FilingState::Missing => "missing",
            FilingState::Returned => "returned",
            FilingState::DraftOnly => "draft_only",
            FilingState::NotRequired => "not_required",
        }
    }

    /// The name in Chinese (`按时`).
    pub fn label_zh(self) -> &'static str {
        match self {
            FilingState::OnTime => "按时",
            FilingState::Late => "逾期",
            FilingState::Missing => "未报送",
            FilingState::Returned => "已退回",
            FilingState::DraftOnly => "仅草稿",
            FilingState::NotRequired => "无需报送",
        }
    }
}

/// One office's filing for a year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filing {
    /// Office code.
    pub office_code: String,
    /// Office name.
    pub office_name: String,
    /// Parent code (empty for the root).
    pub parent_code: String,
    /// The state.
    pub state: FilingState,
    /// Days after the deadline of the first submission (0 unless late).
    pub days_late: i32,
    /// The first non-draft submission.
    pub submitted_at: Option<DateTime<FixedOffset>>,
    /// The storage status, when anything is stored.
    pub status: Option<ReportStatus>,
    /// The deadline that applies.
    pub deadline: NaiveDate,
    /// Errors of the latest revision.
    pub errors: i32,
    /// Warnings of the latest revision.
    pub warnings: i32,
}

/// Rates for the offices under one direct child of the org (a district), or the org itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistrictRate {
    /// The district's code.
    pub office_code: String,
    /// The district's name.
    pub office_name: String,
    /// Offices that must file.
    pub required: i32,
    /// Offices that filed (on time or late).
    pub filed: i32,
    /// Offices that filed on time.
    pub on_time: i32,
}

/// Completeness of a subtree for a year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completeness {
    /// Every office of the subtree, the org first, then in tree order.
    pub offices: Vec<Filing>,
    /// Per district (each direct child of the org, and the org itself when it must file).
    pub districts: Vec<DistrictRate>,
    /// The deadline of an ordinary office.
    pub deadline: NaiveDate,
}

/// The offices of the subtree rooted at `org`, root first, in depth-first order by code.
/// Offices outside the subtree are ignored; a cycle in parent codes cannot loop.
pub fn subtree<'a>(offices: &'a [OfficeNode], org: &str) -> Vec<&'a OfficeNode> {
    let mut children: BTreeMap<&str, Vec<&OfficeNode>> = BTreeMap::new();
    for o in offices {
        if let Some(p) = &o.parent_code
            && p != &o.code
        {
            children.entry(p.as_str()).or_default().push(o);
        }
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.code.cmp(&b.code));
    }
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let Some(root) = offices.iter().find(|o| o.code == org) else {
        return out;
    };
    let mut stack = vec![root];
    while let Some(o) = stack.pop() {
        if !seen.insert(o.code.as_str()) {
            continue;
        }
        out.push(o);
        if let Some(kids) = children.get(o.code.as_str()) {
            stack.extend(kids.iter().rev());
        }
    }
    out
}

/// Per office of the subtree: on time, late, missing, returned, draft only or not required.
///
/// Timeliness is judged on the publication date the report states, or, when it states none, on
/// the first non-draft submission (so a later resubmission never makes such a report late).
pub fn completeness(
    org: &str,
    year: i32,
    offices: &[OfficeNode],
    summaries: &[Summary],
    deadlines: &Deadlines,
) -> Completeness {
    let by_code: HashMap<&str, &Summary> = summaries
        .iter()
        .map(|s| (s.office_code.as_str(), s))
        .collect();
    let tree = subtree(offices, org);
    let parent_of: HashMap<&str, &str> = tree
        .iter()
        .filter_map(|o| o.parent_code.as_deref().map(|p| (o.code.as_str(), p)))
        .collect();
    let district_of = |code: &str| -> String {
        let mut cur = code;
        for _ in 0..tree.len() {
            match parent_of.get(cur) {
                Some(p) if *p == org => return cur.to_string(),
                Some(p) if cur != org => cur = p,
                _ => break,
            }
        }
        org.to_string()
    };
    let mut filings = Vec::new();
    let mut rates: BTreeMap<String, DistrictRate> = BTreeMap::new();
    for o in &tree {
        let deadline = deadlines.for_kind(&o.kind, year);
        let summary = by_code.get(o.code.as_str()).copied();
        let required = o.must_report && !o.exempt_years.contains(&year);
        let mut days_late = 0;
        let submitted_at = summary.and_then(|s| s.first_submitted_at);
        let state = match (required, summary) {
            (false, _) => FilingState::NotRequired,
            (true, None) => FilingState::Missing,
            (true, Some(s)) if s.status == ReportStatus::Returned => FilingState::Returned,
            (true, Some(s)) => match s.first_submitted_at {
                None => FilingState::DraftOnly,
                Some(at) => {
                    // The legal duty is to publish by the deadline: a stated publication date
                    // (a report filed from an archive keeps its own) counts, else the submission.
                    let filed_on = s.published_date.unwrap_or_else(|| deadlines.local_date(at));
                    days_late = late_by(filed_on, deadline);
                    if days_late > 0 {
                        FilingState::Late
                    } else {
                        FilingState::OnTime
                    }
                }
            },
        };
        filings.push(Filing {
            office_code: o.code.clone(),
            office_name: o.name.clone(),
            parent_code: o.parent_code.clone().unwrap_or_default(),
            state,
            days_late,
            submitted_at,
            status: summary.map(|s| s.status),
            deadline,
            errors: summary.map(|s| s.errors).unwrap_or(0),
            warnings: summary.map(|s| s.warnings).unwrap_or(0),
        });
        if !required {
            continue;
        }
        let district = district_of(&o.code);
        let name = tree
            .iter()
            .find(|t| t.code == district)
            .map(|t| t.name.clone())
            .unwrap_or_default();
        let rate = rates.entry(district.clone()).or_insert(DistrictRate {
            office_code: district,
            office_name: name,
            required: 0,
            filed: 0,
            on_time: 0,
        });
        rate.required += 1;
        if matches!(state, FilingState::OnTime | FilingState::Late) {
            rate.filed += 1;
        }
        if state == FilingState::OnTime {
            rate.on_time += 1;
        }
    }
    Completeness {
        offices: filings,
        districts: rates.into_values().collect(),
        deadline: deadlines.for_kind("", year),
    }
}

/// The day of the year of a date, for messages (`1月31日`).
pub fn month_day_zh(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}
