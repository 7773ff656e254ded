//! Bulk reads of a subtree: planned once (a few words per office-year), then read, decoded or
//! packed, and sent chunk by chunk, so memory does not grow with the subtree.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};

use crate::entity::{report, revision};
use crate::error::{StorageError, StorageResult};
use crate::repo::access::auth::Caller;
use crate::repo::read::reports::{Fetched, Selection, Summary, numbers_in};
use crate::repo::read::subtree;
use crate::repo::stored;

/// One office-year a bulk read will send: planned once, fetched in chunks.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The office's code.
    pub code: Box<str>,
    /// The office's name.
    pub name: Box<str>,
    /// The report row.
    pub report_id: i64,
    /// The selected revision number.
    pub number: i64,
}

/// A bulk read in progress: the office-years to send, in tree order. Memory: a few words and the
/// office's code and name per office-year; reports are read chunk by chunk.
#[derive(Debug)]
pub struct BulkRead {
    /// The year read.
    pub year: i32,
    /// The office-years, in tree order.
    pub planned: Vec<Planned>,
}

/// Office-years fetched per query in a bulk read.
pub const BULK_CHUNK: usize = 500;

/// Plans the bulk read of the selected revision of every office-year of `year` in a subtree.
pub async fn plan(
    db: &DatabaseConnection,
    caller: &Caller,
    under: Option<&str>,
    year: i32,
    selection: Selection,
) -> StorageResult<BulkRead> {
    let scope = subtree::scope(db, caller, under).await?;
    let planned = subtree::year_rows(db, &scope, year)
        .await?
        .into_iter()
        .filter_map(|r| {
            let number = match selection {
                Selection::Accepted => r.accepted,
                Selection::LatestSubmitted => r.latest_submitted,
            };
            (number > 0).then(|| Planned {
                code: r.code.into(),
                name: r.name.into(),
                report_id: r.report_id,
                number,
            })
        })
        .collect();
    Ok(BulkRead { year, planned })
}

/// A revision without its content, findings or changed cells.
#[derive(Clone, Debug, FromQueryResult)]
struct RevisionHead {
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
    error_count: i32,
    warning_count: i32,
    created_at: chrono::DateTime<chrono::Utc>,
    packed: Option<Vec<u8>>,
    packed_format: Option<i32>,
    cross_year_revision: Option<i64>,
}

/// One revision in packed form (cells by index, no prose), with its office-year.
#[derive(Clone, Debug)]
pub struct PackedFetched {
    /// The encoded `PackedReport`.
    pub packed: Arc<[u8]>,
    /// The revision, without content, findings or changed cells (`"[]"`).
    pub revision: revision::Model,
    /// The office-year.
    pub summary: Summary,
}

impl BulkRead {
    /// The office and row of each planned office-year of a chunk, with the revision heads needed
    /// (the selected and the latest revision of each).
    async fn heads(
        &self,
        db: &DatabaseConnection,
        chunk: &[Planned],
    ) -> StorageResult<(
        HashMap<i64, report::Model>,
        HashMap<(i64, i64), RevisionHead>,
    )> {
        let ids: Vec<i64> = chunk.iter().map(|p| p.report_id).collect();
        let rows: HashMap<i64, report::Model> = report::Entity::find()
            .filter(report::Column::Id.is_in(ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let pairs: HashSet<(i64, i64)> = chunk
            .iter()
            .flat_map(|p| {
                let latest = rows
                    .get(&p.report_id)
                    .map_or(p.number, |r| r.latest_revision);
                [(p.report_id, p.number), (p.report_id, latest)]
            })
            .collect();
        let numbers: BTreeSet<i64> = pairs.iter().map(|(_, n)| *n).collect();
        let heads = heads_select(ids, numbers)
            .into_model::<RevisionHead>()
            .all(db)
            .await?
            .into_iter()
            .filter(|h| pairs.contains(&(h.report_id, h.number)))
            .map(|h| ((h.report_id, h.number), h))
            .collect();
        Ok((rows, heads))
    }

    fn summary(
        &self,
        p: &Planned,
        rows: &mut HashMap<i64, report::Model>,
        heads: &HashMap<(i64, i64), RevisionHead>,
    ) -> Option<Summary> {
        let row = rows.remove(&p.report_id)?;
        let (error_count, warning_count) = heads
            .get(&(row.id, row.latest_revision))
            .map(|h| (h.error_count, h.warning_count))
            .unwrap_or((0, 0));
        Some(Summary {
            office_code: p.code.to_string(),
            office_name: p.name.to_string(),
            error_count,
            warning_count,
            row,
        })
    }

    /// A chunk of the planned office-years with their reports, decoded in full.
    pub async fn fetch(
        &self,
        db: &DatabaseConnection,
        chunk: &[Planned],
    ) -> StorageResult<Vec<Fetched>> {
        let (mut rows, heads) = self.heads(db, chunk).await?;
        let ids: Vec<i64> = chunk
            .iter()
            .filter_map(|p| heads.get(&(p.report_id, p.number)).map(|h| h.id))
            .collect();
        let mut revisions: HashMap<i64, revision::Model> = revision::Entity::find()
            .filter(revision::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let mut out = Vec::with_capacity(chunk.len());
        for p in chunk {
            let gone = || missing(p.number);
            let head = heads.get(&(p.report_id, p.number)).ok_or_else(gone)?;
            let revision = revisions.remove(&head.id).ok_or_else(gone)?;
            let report = stored::report_of(&revision)?;
            let Some(summary) = self.summary(p, &mut rows, &heads) else {
                continue;
            };
            out.push(Fetched {
                report,
                revision,
                summary,
            });
        }
        Ok(out)
    }

    /// A chunk of the planned office-years in packed form: the packed cells stored with each
    /// revision; a revision stored without them (or in another format) is packed from its
    /// content here.
    pub async fn fetch_packed(
        &self,
        db: &DatabaseConnection,
        chunk: &[Planned],
    ) -> StorageResult<Vec<PackedFetched>> {
        let (mut rows, mut heads) = self.heads(db, chunk).await?;
        let mut packed = Packed::default();
        for p in chunk {
            if let Some(head) = heads.get_mut(&(p.report_id, p.number)) {
                packed.add(head.id, head.packed.take(), head.packed_format);
            }
        }
        let packed = packed.complete(db).await?;
        let mut out = Vec::with_capacity(chunk.len());
        for p in chunk {
            let gone = || missing(p.number);
            let head = heads.get(&(p.report_id, p.number)).ok_or_else(gone)?;
            let bytes = packed.get(&head.id).cloned().ok_or_else(gone)?;
            let Some(summary) = self.summary(p, &mut rows, &heads) else {
                continue;
            };
            out.push(PackedFetched {
                packed: bytes,
                revision: head.clone().into_model(),
                summary,
            });
        }
        Ok(out)
    }
}

/// A revision's id, report row, number, packed cells and their format.
type CellsRow = (i64, i64, i64, Option<Vec<u8>>, Option<i32>);

/// One revision in packed form with only what a roll-up needs.
#[derive(Clone, Debug)]
pub struct PackedCells {
    /// The office's code.
    pub code: Box<str>,
    /// The year.
    pub year: i32,
    /// The revision number.
    pub number: i64,
    /// The encoded `PackedReport`.
    pub packed: Arc<[u8]>,
}

impl BulkRead {
    /// A chunk of the planned office-years as packed cells and revision numbers only: one
    /// query of five columns (the covering index on SQLite), no report rows.
    pub async fn fetch_cells(
        &self,
        db: &DatabaseConnection,
        chunk: &[Planned],
    ) -> StorageResult<Vec<PackedCells>> {
        let ids: Vec<i64> = chunk.iter().map(|p| p.report_id).collect();
        let numbers: BTreeSet<i64> = chunk.iter().map(|p| p.number).collect();
        let rows: Vec<CellsRow> = revision::Entity::find()
            .select_only()
            .columns([
                revision::Column::Id,
                revision::Column::ReportId,
                revision::Column::Number,
                revision::Column::Packed,
                revision::Column::PackedFormat,
            ])
            .filter(revision::Column::ReportId.is_in(ids))
            .filter(numbers_in(numbers))
            .into_tuple()
            .all(db)
            .await?;
        let wanted: HashSet<(i64, i64)> = chunk.iter().map(|p| (p.report_id, p.number)).collect();
        let mut ids: HashMap<(i64, i64), i64> = HashMap::with_capacity(chunk.len());
        let mut packed = Packed::default();
        for (id, report_id, number, bytes, format) in rows {
            if wanted.contains(&(report_id, number)) {
                ids.insert((report_id, number), id);
                packed.add(id, bytes, format);
            }
        }
        let packed = packed.complete(db).await?;
        chunk
            .iter()
            .map(|p| {
                let bytes = ids
                    .get(&(p.report_id, p.number))
                    .and_then(|id| packed.get(id))
                    .cloned()
                    .ok_or_else(|| missing(p.number))?;
                Ok(PackedCells {
                    code: p.code.clone(),
                    year: self.year,
                    number: p.number,
                    packed: bytes,
                })
            })
            .collect()
    }
}

/// The packed cells of a chunk by revision id: those stored with each revision, and, packed
/// from the stored content, those of revisions stored without them (or in another format).
#[derive(Default)]
struct Packed {
    by_id: HashMap<i64, Arc<[u8]>>,
    misses: Vec<i64>,
}

impl Packed {
    /// A revision's stored packed cells and their format (a miss unless present in ours).
    fn add(&mut self, id: i64, bytes: Option<Vec<u8>>, format: Option<i32>) {
        match (bytes, format) {
            (Some(bytes), Some(nianbao_proto::packed::FORMAT)) => {
                self.by_id.insert(id, bytes.into());
            }
            _ => self.misses.push(id),
        }
    }

    /// Packs the misses from their content; returns every revision's packed cells.
    async fn complete(mut self, db: &DatabaseConnection) -> StorageResult<HashMap<i64, Arc<[u8]>>> {
        if self.misses.is_empty() {
            return Ok(self.by_id);
        }
        let contents: Vec<(i64, String, Option<Vec<u8>>)> = revision::Entity::find()
            .select_only()
            .columns([
                revision::Column::Id,
                revision::Column::Content,
                revision::Column::ContentDeflate,
            ])
            .filter(revision::Column::Id.is_in(self.misses))
            .into_tuple()
            .all(db)
            .await?;
        for (id, content, deflate) in contents {
            let report = stored::parse_stored(&content, deflate.as_deref())?;
            let bytes = nianbao_proto::packed::pack(&report);
            self.by_id.insert(id, bytes.into());
        }
        Ok(self.by_id)
    }
}

/// A planned revision that is not in the database.
fn missing(number: i64) -> StorageError {
    StorageError::NotFound(format!("revision {number}: not found / 版本不存在"))
}

/// The heads of the revisions `numbers` of the report rows `ids` (and possibly others of theirs,
/// which the caller drops): every column but the content, findings and changed cells, which on
/// SQLite the covering index `idx_revisions_heads` answers without reading the table rows.
pub fn heads_select(ids: Vec<i64>, numbers: BTreeSet<i64>) -> sea_orm::Select<revision::Entity> {
    revision::Entity::find()
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
            revision::Column::ErrorCount,
            revision::Column::WarningCount,
            revision::Column::CreatedAt,
            revision::Column::Packed,
            revision::Column::PackedFormat,
            revision::Column::CrossYearRevision,
        ])
        .filter(revision::Column::ReportId.is_in(ids))
        .filter(numbers_in(numbers))
}

impl RevisionHead {
    fn into_model(self) -> revision::Model {
        revision::Model {
            id: self.id,
            report_id: self.report_id,
            office_id: self.office_id,
            year: self.year,
            number: self.number,
            draft: self.draft,
            content: String::new(),
            checksum: self.checksum,
            submitted_by: self.submitted_by,
            client: self.client,
            request_id: self.request_id,
            findings: "[]".into(),
            changed_cells: "[]".into(),
            error_count: self.error_count,
            warning_count: self.warning_count,
            created_at: self.created_at,
            packed: None,
            packed_format: None,
            content_deflate: None,
            cross_year_revision: self.cross_year_revision,
        }
    }
}

/// The selected revision of every office-year of `year` in a subtree, in tree order, collected
/// (bulk readers stream instead: [`plan`], then [`BulkRead::fetch`] chunk by chunk).
#[cfg(test)]
pub async fn select(
    db: &DatabaseConnection,
    caller: &Caller,
    under: Option<&str>,
    year: i32,
    selection: Selection,
) -> StorageResult<Vec<Fetched>> {
    let bulk = plan(db, caller, under, year, selection).await?;
    let mut out = Vec::with_capacity(bulk.planned.len());
    for chunk in bulk.planned.chunks(BULK_CHUNK) {
        out.extend(bulk.fetch(db, chunk).await?);
    }
    Ok(out)
}
