//! Bulk reads of a subtree: planned once (a few words per office-year), then read, decoded or
//! packed, and sent chunk by chunk, so memory does not grow with the subtree.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};

use super::{Fetched, Selection, Summary};
use crate::auth::Caller;
use crate::entity::{report, revision};
use crate::error::{StorageError, StorageResult};
use crate::repo::offices::{self, Tree};
use crate::repo::stored;

/// One office-year a bulk read will send: planned once, fetched in chunks.
#[derive(Clone, Copy, Debug)]
pub struct Planned {
    /// The office.
    pub office_id: i64,
    /// The report row.
    pub report_id: i64,
    /// The selected revision number.
    pub number: i64,
}

/// A bulk read in progress: the office tree it resolved names in and the office-years to send,
/// in tree order. Memory: a few words per office-year; reports are read chunk by chunk.
#[derive(Debug)]
pub struct BulkRead {
    tree: Tree,
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
    let tree = offices::load_tree(db).await?;
    let root = offices::scope_root(&tree, caller, under)?;
    // (report id, office id, accepted, latest submitted) of every row of the year.
    let rows: Vec<(i64, i64, i64, i64)> = report::Entity::find()
        .select_only()
        .columns([
            report::Column::Id,
            report::Column::OfficeId,
            report::Column::AcceptedRevision,
            report::Column::LatestSubmittedRevision,
        ])
        .filter(report::Column::Year.eq(year))
        .into_tuple()
        .all(db)
        .await?;
    let by_office: HashMap<i64, (i64, i64)> = rows
        .into_iter()
        .map(|(id, office, accepted, latest)| {
            let number = match selection {
                Selection::Accepted => accepted,
                Selection::LatestSubmitted => latest,
            };
            (office, (id, number))
        })
        .collect();
    let planned = tree
        .subtree(root)
        .into_iter()
        .filter(|o| caller.can_read(&tree, o.id))
        .filter_map(|o| {
            let (report_id, number) = *by_office.get(&o.id)?;
            (number > 0).then_some(Planned {
                office_id: o.id,
                report_id,
                number,
            })
        })
        .collect();
    Ok(BulkRead { tree, planned })
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
        let heads = revision::Entity::find()
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
            ])
            .filter(revision::Column::ReportId.is_in(ids))
            .filter(revision::Column::Number.is_in(numbers))
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
        let office = self.tree.get(p.office_id)?;
        let row = rows.remove(&p.report_id)?;
        let (error_count, warning_count) = heads
            .get(&(row.id, row.latest_revision))
            .map(|h| (h.error_count, h.warning_count))
            .unwrap_or((0, 0));
        Some(Summary {
            office_code: office.code.clone(),
            office_name: office.name.clone(),
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
            let missing =
                || StorageError::NotFound(format!("revision {}: not found / 版本不存在", p.number));
            let head = heads.get(&(p.report_id, p.number)).ok_or_else(missing)?;
            let revision = revisions.remove(&head.id).ok_or_else(missing)?;
            let report = stored::parse_content(&revision.content)?;
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

    /// A chunk of the planned office-years in packed form. Packed reports come from the bounded
    /// cache of [`stored::packed_cache`] when there; only the others are read and parsed.
    pub async fn fetch_packed(
        &self,
        db: &DatabaseConnection,
        chunk: &[Planned],
    ) -> StorageResult<Vec<PackedFetched>> {
        let (mut rows, heads) = self.heads(db, chunk).await?;
        let selected: Vec<&RevisionHead> = chunk
            .iter()
            .filter_map(|p| heads.get(&(p.report_id, p.number)))
            .collect();
        let mut packed =
            stored::packed_cache().get_many(selected.iter().map(|h| (h.id, h.checksum.as_str())));
        let misses: Vec<i64> = selected
            .iter()
            .filter(|h| !packed.contains_key(&h.id))
            .map(|h| h.id)
            .collect();
        if !misses.is_empty() {
            let contents: Vec<(i64, String, String)> = revision::Entity::find()
                .select_only()
                .columns([
                    revision::Column::Id,
                    revision::Column::Checksum,
                    revision::Column::Content,
                ])
                .filter(revision::Column::Id.is_in(misses))
                .into_tuple()
                .all(db)
                .await?;
            let mut fresh = Vec::with_capacity(contents.len());
            for (id, checksum, content) in contents {
                let bytes: Arc<[u8]> =
                    nianbao_proto::packed::pack(&stored::parse_content(&content)?).into();
                fresh.push((id, checksum, bytes.clone()));
                packed.insert(id, bytes);
            }
            stored::packed_cache().insert_many(fresh);
        }
        let mut out = Vec::with_capacity(chunk.len());
        for p in chunk {
            let missing =
                || StorageError::NotFound(format!("revision {}: not found / 版本不存在", p.number));
            let head = heads.get(&(p.report_id, p.number)).ok_or_else(missing)?;
            let bytes = packed.get(&head.id).cloned().ok_or_else(missing)?;
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
