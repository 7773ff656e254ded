//! The history of an office-year as `ListRevisions` answers it: every revision without its
//! report content.
//!
//! A history is read a page at a time (by revision number, either way), so neither a call's time
//! nor its memory grows with the length of the history.
//!
//! `ListRevisions` does not send the content, so reading it (about 9 KB a revision of the demo
//! report) only cost time and memory that grew with the length of the history: with a few
//! hundred revisions an office-year, every call read and dropped megabytes.

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::entity::revision;
use crate::error::StorageResult;
use crate::repo::access::auth::Caller;
use crate::repo::read::reports;

/// A revision row without `content`.
#[derive(Clone, Debug, FromQueryResult)]
struct Entry {
    id: i64,
    report_id: i64,
    office_id: i64,
    year: i32,
    number: i64,
    draft: bool,
    checksum: String,
    submitted_by: String,
    client: String,
    request_id: String,
    findings: String,
    changed_cells: String,
    error_count: i32,
    warning_count: i32,
    created_at: chrono::DateTime<chrono::Utc>,
    cross_year_revision: Option<i64>,
}

impl From<Entry> for revision::Model {
    fn from(e: Entry) -> revision::Model {
        revision::Model {
            id: e.id,
            report_id: e.report_id,
            office_id: e.office_id,
            year: e.year,
            number: e.number,
            draft: e.draft,
            content: String::new(),
            checksum: e.checksum,
            submitted_by: e.submitted_by,
            client: e.client,
            request_id: e.request_id,
            findings: e.findings,
            changed_cells: e.changed_cells,
            error_count: e.error_count,
            warning_count: e.warning_count,
            created_at: e.created_at,
            packed: None,
            packed_format: None,
            content_deflate: None,
            cross_year_revision: e.cross_year_revision,
        }
    }
}

/// Which page of a history to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// Rows at most.
    pub size: u64,
    /// Continue after this revision number (before it when `newest_first`); 0 = from the start.
    pub after: i64,
    /// Newest first.
    pub newest_first: bool,
}

/// A page of the revisions of an office-year the caller may read, with `content` empty
/// (everything else as stored), and the revision number the next page continues from (`None`
/// on the last page).
pub async fn revisions_without_content(
    db: &DatabaseConnection,
    caller: &Caller,
    code: &str,
    year: i32,
    page: Page,
) -> StorageResult<(Vec<revision::Model>, Option<i64>)> {
    let (_, row) = reports::readable_row(db, caller, code, year).await?;
    let mut query = revision::Entity::find()
        .select_only()
        .columns([
            revision::Column::Id,
            revision::Column::ReportId,
            revision::Column::OfficeId,
            revision::Column::Year,
            revision::Column::Number,
            revision::Column::Draft,
            revision::Column::Checksum,
            revision::Column::SubmittedBy,
            revision::Column::Client,
            revision::Column::RequestId,
            revision::Column::Findings,
            revision::Column::ChangedCells,
            revision::Column::ErrorCount,
            revision::Column::WarningCount,
            revision::Column::CreatedAt,
            revision::Column::CrossYearRevision,
        ])
        .filter(revision::Column::ReportId.eq(row.id));
    query = match (page.newest_first, page.after) {
        (_, 0) => query,
        (false, after) => query.filter(revision::Column::Number.gt(after)),
        (true, before) => query.filter(revision::Column::Number.lt(before)),
    };
    query = if page.newest_first {
        query.order_by_desc(revision::Column::Number)
    } else {
        query.order_by_asc(revision::Column::Number)
    };
    // One row more than the page tells whether another page follows.
    let mut entries: Vec<Entry> = query
        .limit(page.size.saturating_add(1))
        .into_model::<Entry>()
        .all(db)
        .await?;
    let next = if entries.len() as u64 > page.size {
        entries.truncate(page.size as usize);
        entries.last().map(|e| e.number)
    } else {
        None
    };
    Ok((
        entries.into_iter().map(revision::Model::from).collect(),
        next,
    ))
}
