//! Quality: the findings of each office's current revision, cross-year checks and outliers,
//! and the review marks that explain a warning while its cells stay unchanged.

use std::collections::{HashMap, HashSet};

use futures::StreamExt;
use nianbao_model::rules::{self, Finding, RuleContext, Severity};
use nianbao_model::{Report, Value};
use nianbao_proto::storage::v1 as spb;
use rust_decimal::Decimal;

use crate::error::AggregateResult;
use crate::service::AggregateService;
use crate::source::{Auth, Selection, StorageSource, decode_report};

/// The rules that compare a report with the previous year's.
pub const CROSS_YEAR_RULES: [&str; 3] = ["R5", "R7", "W5"];

/// The id of the outlier warning.
pub const OUTLIER_RULE: &str = "Q1";

/// A cell jumps when it grows (or shrinks) by this factor or more between two years…
pub const JUMP_FACTOR: i64 = 10;
/// …or when it goes from 0 to at least this much.
pub const JUMP_FROM_ZERO: i64 = 50;

/// A review mark on a warning (storage `FindingMark`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// The finding's fingerprint (`Finding::fingerprint`).
    pub fingerprint: String,
    /// [`Report::cells_digest`] of the finding's cells when marked (an older mark may hold the
    /// former digest, which still matches).
    pub cells_digest: String,
    /// Why the warning is fine.
    pub reason: String,
}

/// Review marks by office code.
pub type MarksByOffice = HashMap<String, Vec<Mark>>;

/// Per office code: errors, warnings not explained by a review mark, and the publication date.
pub type OfficeCounts = HashMap<String, (i32, i32, Option<chrono::NaiveDate>)>;

/// Reading review marks is the quality view's own need, so it is written here, beside [`Mark`]:
/// the storage source knows nothing of the quality view.
impl StorageSource {
    /// The review marks of every office-year of `year` in the subtree under `under`, by office,
    /// in one request.
    pub async fn subtree_marks(
        &self,
        under: &str,
        year: i32,
        auth: &Auth,
    ) -> AggregateResult<MarksByOffice> {
        let resp = self
            .client(auth)
            .list_finding_marks(tonic::Request::new(spb::ListFindingMarksRequest {
                office_code: String::new(),
                year,
                under: under.to_string(),
            }))
            .await?;
        let mut out = MarksByOffice::new();
        for m in resp.into_inner().marks {
            out.entry(m.office_code).or_default().push(Mark {
                fingerprint: m.fingerprint,
                cells_digest: m.cells_digest,
                reason: m.reason,
            });
        }
        Ok(out)
    }
}

/// A finding with its review state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reviewed {
    /// The finding.
    pub finding: Finding,
    /// The reason of a mark that still holds; `None` when not explained.
    pub explained: Option<String>,
}

/// Marks each finding as explained when it is a warning with a mark whose digest still matches
/// the report's current values. Errors are never explained.
pub fn apply_marks(report: &Report, findings: Vec<Finding>, marks: &[Mark]) -> Vec<Reviewed> {
    findings
        .into_iter()
        .map(|finding| {
            let explained = if finding.severity == Severity::Warning {
                let fp = finding.fingerprint();
                marks
                    .iter()
                    .find(|m| {
                        m.fingerprint == fp
                            && report.cells_digest_matches(&finding.cells, &m.cells_digest)
                    })
                    .map(|m| m.reason.clone())
            } else {
                None
            };
            Reviewed { finding, explained }
        })
        .collect()
}

fn as_decimal(v: &Value) -> Decimal {
    match v {
        Value::Count(n) => Decimal::from(*n),
        Value::Money(m) => m.amount,
    }
}

/// Whether a cell jumps from last year's `prev` to this year's `value` (see [`outliers`]): last
/// year's value in this year's unit and this year's, when it does; `None` when it does not or the
/// two cannot be compared (a count against an amount).
pub fn jump(value: &Value, prev: &Value) -> Option<(Decimal, Decimal)> {
    let prev_value = match (value, prev) {
        (Value::Money(m), Value::Money(p)) => p.in_unit(m.unit).amount,
        (Value::Count(_), Value::Count(_)) => as_decimal(prev),
        _ => return None,
    };
    let now = as_decimal(value);
    let factor = Decimal::from(JUMP_FACTOR);
    let jumps = if prev_value.is_zero() {
        now >= Decimal::from(JUMP_FROM_ZERO)
    } else if now.is_zero() || now.is_sign_negative() || prev_value.is_sign_negative() {
        false
    } else {
        now >= prev_value * factor || prev_value >= now * factor
    };
    jumps.then_some((prev_value, now))
}

/// Cells that jump between last year and this year: ×[`JUMP_FACTOR`] or more up or down
/// (both non-zero), or from 0 to [`JUMP_FROM_ZERO`] or more. Money is compared in this year's unit.
pub fn outliers(report: &Report, previous: &Report) -> Vec<Finding> {
    let schema = report.schema();
    let mut out = Vec::new();
    for (key, value) in &report.cells {
        let Some(prev) = previous.cells.get(key) else {
            continue;
        };
        let Some((prev_value, now)) = jump(value, prev) else {
            continue;
        };
        let label = schema
            .cell(key)
            .map(|c| schema.label_zh(c))
            .unwrap_or_else(|| key.to_string());
        out.push(Finding {
            rule: OUTLIER_RULE.into(),
            severity: Severity::Warning,
            cells: vec![key.to_string()],
            expected: Some(prev_value.to_string()),
            actual: Some(now.to_string()),
            message_zh: format!(
                "{OUTLIER_RULE} {label}：{} 年为 {prev_value}，{} 年为 {now}，变化异常",
                previous.year, report.year
            ),
            message_en: format!(
                "{OUTLIER_RULE} {key}: {prev_value} in {} but {now} in {}, an unusual jump",
                previous.year, report.year
            ),
        });
    }
    out
}

/// The cross-year findings of a report against last year's: R5, R7, W5 and the outliers.
pub fn cross_year(report: &Report, previous: &Report) -> Vec<Finding> {
    let ctx = RuleContext {
        report,
        previous: Some(previous),
        deadline: None,
    };
    let mut out: Vec<Finding> = rules::check(&ctx)
        .into_iter()
        .filter(|f| CROSS_YEAR_RULES.contains(&f.rule.as_str()))
        .collect();
    out.extend(outliers(report, previous));
    out
}

/// The quality of one office-year: the findings stored with its current revision, the cross-year
/// findings when last year's report is known, each with its review state.
pub fn office_quality(
    report: &Report,
    stored: Vec<Finding>,
    previous: Option<&Report>,
    marks: &[Mark],
) -> Vec<Reviewed> {
    let mut findings = stored;
    if let Some(prev) = previous {
        for f in cross_year(report, prev) {
            if !findings.iter().any(|g| g.fingerprint() == f.fingerprint()) {
                findings.push(f);
            }
        }
    }
    apply_marks(report, findings, marks)
}

/// The counts of one office-year from its findings after review.
pub fn counted(reviewed: &[Reviewed]) -> (i32, i32) {
    let count = |sev: Severity| {
        reviewed
            .iter()
            .filter(|r| r.finding.severity == sev && r.explained.is_none())
            .count()
    };
    let clamp = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    (
        clamp(count(Severity::Error)),
        clamp(count(Severity::Warning)),
    )
}

impl AggregateService {
    /// The full recount: per office with a submitted report under `org`, errors and warnings not
    /// explained by a review mark, over the findings of its latest submitted revision plus the
    /// cross-year findings, every report of `year` and `year - 1` streamed and decoded. Only the
    /// offices in `only` are counted when it is given (the others' reports are still streamed).
    /// [`AggregateService::counts`] reads less and answers the same.
    pub async fn recount(
        &self,
        org: &str,
        year: i32,
        marks: &MarksByOffice,
        only: Option<&HashSet<String>>,
        auth: &Auth,
    ) -> AggregateResult<OfficeCounts> {
        let wanted = |code: &str| only.is_none_or(|o| o.contains(code));
        // Last year's reports stay encoded until their office comes; this year's are streamed.
        let stream = self
            .storage
            .encoded_reports(org, year - 1, Selection::LatestSubmitted, auth)
            .await?;
        futures::pin_mut!(stream);
        let mut before = HashMap::new();
        while let Some(item) = stream.next().await {
            let (code, bytes) = item?;
            if wanted(&code) {
                before.insert(code, bytes);
            }
        }
        let now = self
            .storage
            .reports(org, year, Selection::LatestSubmitted, auth)
            .await?;
        futures::pin_mut!(now);
        let mut out = HashMap::new();
        let no_marks = Vec::new();
        while let Some(s) = now.next().await {
            let s = s?;
            let code = s.report.office.code.clone();
            if !wanted(&code) {
                continue;
            }
            let previous = match before.get(&code) {
                Some(bytes) => Some(decode_report(bytes)?),
                None => None,
            };
            let marks = marks.get(&code).unwrap_or(&no_marks);
            let published = s.report.published_date;
            let reviewed = office_quality(&s.report, s.findings, previous.as_ref(), marks);
            let (errors, warnings) = counted(&reviewed);
            out.insert(code, (errors, warnings, published));
        }
        Ok(out)
    }
}
