//! What a submission does to its office-year, decided without the database: the checks (lock,
//! stale base, the rules), the new revision's number and findings, and the report's new status.
//! The writer ([`batch`](super::batch), for a group or, in a savepoint, for one submission)
//! reads the state, calls [`decide`] for each submission in order, and writes what it says.

use chrono::{DateTime, Utc};
use nianbao_model::rules::{self, RuleContext};
use nianbao_model::{Finding, Report, Severity};

use crate::entity::{audit_event, report, revision};
use crate::error::{StorageError, StorageResult};
use crate::repo::write::prepared::Prepared;
use crate::repo::{audit, status, stored};

/// The outcome of the checks: the revision to write and the status it leaves.
#[derive(Clone, Debug)]
pub struct Decision {
    /// The new revision's number.
    pub number: i64,
    /// The report's status after it.
    pub status: String,
    /// The rules' findings (errors only for drafts).
    pub findings: Vec<Finding>,
    /// Cell keys that differ from the latest revision.
    pub changed: Vec<String>,
    /// The revision of the year before that the cross-year rules read; 0 when none.
    pub cross_year_revision: i64,
    /// When it is written.
    pub now: DateTime<Utc>,
}

/// The revision of the year before a cross-year rule compares with: the accepted one, else the
/// latest submitted, else the latest; 0 when there is none.
pub fn selected_for_next_year(row: &report::Model) -> i64 {
    if row.accepted_revision > 0 {
        row.accepted_revision
    } else if row.latest_submitted_revision > 0 {
        row.latest_submitted_revision
    } else {
        row.latest_revision
    }
}

/// Checks a submission against its office-year: `row` is the report row (none before the first
/// revision), `latest` its latest revision's report, `previous_year` the selected revision of the
/// year before with its number. An error other than a database error means nothing may be written.
pub fn decide(
    job: &Prepared,
    row: Option<&report::Model>,
    latest: Option<&Report>,
    previous_year: Option<(i64, &Report)>,
) -> StorageResult<Decision> {
    let (office, sub) = (&job.office, &job.sub);
    let year = sub.report.year;
    let latest_number = row.map_or(0, |r| r.latest_revision);
    if let Some(r) = row
        && status::is_locked(&r.status)
    {
        return Err(StorageError::FailedPrecondition(format!(
            "office {} year {year} is {} and locked; it must be reopened first / 报表已审核或公开并锁定，须先重新开放",
            office.code, r.status
        )));
    }
    if let Some(base) = sub.base_revision
        && base != latest_number
    {
        return Err(StorageError::FailedPrecondition(format!(
            "base_revision {base} is not the latest revision {latest_number} / 基础版本 {base} 不是最新版本 {latest_number}"
        )));
    }
    let findings = rules::check(&RuleContext {
        report: &sub.report,
        previous: previous_year.map(|(_, r)| r),
        deadline: None,
    });
    let errors: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .cloned()
        .collect();
    if !errors.is_empty() && !sub.draft {
        return Err(StorageError::Rejected(errors));
    }
    if let Some(r) = row
        && r.latest_revision > 0
        && latest.is_none()
    {
        return Err(StorageError::Internal(format!(
            "report {} has no revision {}",
            r.id, r.latest_revision
        )));
    }
    let status = match (row, sub.draft) {
        (_, false) => status::SUBMITTED.to_string(),
        (None, true) => status::DRAFT.to_string(),
        (Some(r), true) => r.status.clone(),
    };
    Ok(Decision {
        number: latest_number + 1,
        status,
        changed: stored::changed_cells(latest, &sub.report),
        cross_year_revision: previous_year.map_or(0, |(n, _)| n),
        findings,
        now: crate::repo::now(),
    })
}

/// The report row after the decision: a new row (id 0) or `row` moved on.
pub fn next_row(job: &Prepared, row: Option<&report::Model>, d: &Decision) -> report::Model {
    let submitted = !job.sub.draft;
    match row {
        None => report::Model {
            id: 0,
            office_id: job.office.id,
            year: job.sub.report.year,
            status: d.status.clone(),
            latest_revision: d.number,
            latest_submitted_revision: if submitted { d.number } else { 0 },
            accepted_revision: 0,
            return_reason: String::new(),
            first_submitted_at: submitted.then_some(d.now),
            last_submitted_at: submitted.then_some(d.now),
            created_at: d.now,
            updated_at: d.now,
        },
        Some(r) => {
            let mut next = r.clone();
            next.status = d.status.clone();
            next.latest_revision = d.number;
            next.updated_at = d.now;
            if submitted {
                next.latest_submitted_revision = d.number;
                next.return_reason = String::new();
                next.first_submitted_at = r.first_submitted_at.or(Some(d.now));
                next.last_submitted_at = Some(d.now);
            }
            next
        }
    }
}

/// The revision the decision writes (id 0 until inserted).
pub fn revision(job: &Prepared, d: &Decision, report_id: i64) -> revision::Model {
    let count = |s: Severity| d.findings.iter().filter(|f| f.severity == s).count() as i32;
    revision::Model {
        id: 0,
        report_id,
        office_id: job.office.id,
        year: job.sub.report.year,
        number: d.number,
        draft: job.sub.draft,
        content: job.content.clone(),
        content_deflate: job.content_deflate.clone(),
        checksum: job.checksum.clone(),
        submitted_by: job.caller.token_id.clone(),
        client: job.sub.client.clone(),
        request_id: job.sub.request_id.clone(),
        findings: stored::findings_to_json(&d.findings),
        changed_cells: stored::strings_to_json(&d.changed),
        error_count: count(Severity::Error),
        warning_count: count(Severity::Warning),
        created_at: d.now,
        packed: Some(job.packed.clone()),
        packed_format: Some(nianbao_proto::packed::FORMAT),
        cross_year_revision: Some(d.cross_year_revision),
    }
}

/// The audit event of a written submission.
pub fn event(job: &Prepared, d: &Decision) -> audit_event::ActiveModel {
    audit::event(
        &job.caller.token_id,
        if job.sub.draft {
            "report.save_draft"
        } else {
            "report.submit"
        },
        &format!("{}/{}", job.office.code, job.sub.report.year),
        audit::OK,
        &format!("revision={} request_id={}", d.number, job.sub.request_id),
    )
}
