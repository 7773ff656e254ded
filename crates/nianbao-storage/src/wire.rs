//! Rows and views to protobuf, at the edge.

use chrono::{DateTime, SecondsFormat, Utc};
use nianbao_proto::report::v1 as rpb;
use nianbao_proto::storage::v1 as pb;

use crate::entity::{audit_event, finding_mark, revision};
use crate::error::StorageResult;
use crate::repo::access::auth::Role;
use crate::repo::access::tokens::TokenView;
use crate::repo::offices::OfficeView;
use crate::repo::read::reports::{Fetched, Summary};
use crate::repo::status;
use crate::repo::stored;

/// RFC 3339 in UTC.
pub fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A stored status.
pub fn status_to_pb(s: &str) -> pb::ReportStatus {
    match s {
        status::DRAFT => pb::ReportStatus::Draft,
        status::SUBMITTED => pb::ReportStatus::Submitted,
        status::RETURNED => pb::ReportStatus::Returned,
        status::ACCEPTED => pb::ReportStatus::Accepted,
        status::PUBLISHED => pb::ReportStatus::Published,
        _ => pb::ReportStatus::Unspecified,
    }
}

/// A stored status name for a protobuf status (`None` for unspecified).
pub fn status_from_pb(s: pb::ReportStatus) -> Option<&'static str> {
    match s {
        pb::ReportStatus::Unspecified => None,
        pb::ReportStatus::Draft => Some(status::DRAFT),
        pb::ReportStatus::Submitted => Some(status::SUBMITTED),
        pb::ReportStatus::Returned => Some(status::RETURNED),
        pb::ReportStatus::Accepted => Some(status::ACCEPTED),
        pb::ReportStatus::Published => Some(status::PUBLISHED),
    }
}

/// A role.
pub fn role_to_pb(r: Role) -> pb::Role {
    match r {
        Role::Office => pb::Role::Office,
        Role::City => pb::Role::City,
        Role::Admin => pb::Role::Admin,
    }
}

/// A protobuf role (`None` for unspecified or unknown).
pub fn role_from_pb(value: i32) -> Option<Role> {
    match pb::Role::try_from(value) {
        Ok(pb::Role::Office) => Some(Role::Office),
        Ok(pb::Role::City) => Some(Role::City),
        Ok(pb::Role::Admin) => Some(Role::Admin),
        _ => None,
    }
}

/// An office.
pub fn office(v: OfficeView) -> pb::OfficeInfo {
    pb::OfficeInfo {
        code: v.code,
        name: v.name,
        kind: v.kind,
        parent_code: v.parent_code,
        must_report: v.must_report,
        exempt_years: v.exempt_years,
        depth: v.depth,
    }
}

/// A revision.
pub fn revision(r: &revision::Model, office_code: &str) -> StorageResult<pb::Revision> {
    let findings = stored::findings_from_json(&r.findings)?;
    Ok(pb::Revision {
        number: r.number,
        office_code: office_code.to_string(),
        year: r.year,
        draft: r.draft,
        submitted_by: r.submitted_by.clone(),
        submitted_at: time(&r.created_at),
        client: r.client.clone(),
        checksum: r.checksum.clone(),
        findings: findings.iter().map(rpb::Finding::from).collect(),
        changed_cells: stored::strings_from_json(&r.changed_cells)?,
        request_id: r.request_id.clone(),
        error_count: r.error_count,
        warning_count: r.warning_count,
        cross_year_revision: r.cross_year_revision,
    })
}

/// An office-year summary.
pub fn summary(s: &Summary) -> pb::ReportSummary {
    let row = &s.row;
    pb::ReportSummary {
        office_code: s.office_code.clone(),
        office_name: s.office_name.clone(),
        year: row.year,
        status: status_to_pb(&row.status) as i32,
        latest_revision: row.latest_revision,
        latest_submitted_revision: row.latest_submitted_revision,
        accepted_revision: row.accepted_revision,
        first_submitted_at: row
            .first_submitted_at
            .as_ref()
            .map(time)
            .unwrap_or_default(),
        last_submitted_at: row.last_submitted_at.as_ref().map(time).unwrap_or_default(),
        return_reason: row.return_reason.clone(),
        error_count: s.error_count,
        warning_count: s.warning_count,
    }
}

/// One fetched revision with its report, as a stream item.
pub fn fetched(f: &Fetched) -> StorageResult<pb::StreamReportsResponse> {
    Ok(pb::StreamReportsResponse {
        report: Some(rpb::Report::from(&f.report)),
        revision: Some(revision(&f.revision, &f.summary.office_code)?),
        summary: Some(summary(&f.summary)),
        packed: Vec::new(),
    })
}

/// A token (never its secret).
pub fn token(t: &TokenView) -> pb::TokenInfo {
    pb::TokenInfo {
        id: t.model.id.clone(),
        office_code: t.office_code.clone(),
        role: Role::parse(&t.model.role).map_or(pb::Role::Unspecified, role_to_pb) as i32,
        label: t.model.label.clone(),
        created_at: time(&t.model.created_at),
        revoked: t.model.revoked,
    }
}

/// An audit event.
pub fn audit(e: audit_event::Model) -> pb::AuditEvent {
    pb::AuditEvent {
        id: e.id,
        at: time(&e.at),
        actor: e.actor,
        action: e.action,
        target: e.target,
        outcome: e.outcome,
        detail: e.detail,
    }
}

/// A finding mark.
pub fn mark(m: finding_mark::Model, office_code: &str, year: i32) -> pb::FindingMark {
    pb::FindingMark {
        office_code: office_code.to_string(),
        year,
        fingerprint: m.fingerprint,
        reason: m.reason,
        marked_by: m.marked_by,
        marked_at: time(&m.marked_at),
        cells_digest: m.cells_digest,
    }
}
