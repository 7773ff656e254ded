//! Pages of office-years (`ListReports`): the subtree's report rows with the counts of their
//! latest revisions.

use std::collections::{BTreeSet, HashMap, HashSet};

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio_stream::StreamExt;

use crate::entity::{office, report, revision};
use crate::error::StorageResult;
use crate::repo::MAX_IN_LIST;
use crate::repo::access::auth::Caller;
use crate::repo::read::reports::{Summary, numbers_in};
use crate::repo::read::subtree;

/// Filters of a page of office-years.
#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    /// Subtree root code; the caller's scope when `None`.
    pub under: Option<String>,
    /// Year.
    pub year: Option<i32>,
    /// Status.
    pub status: Option<String>,
    /// Page size (1–1000).
    pub page_size: u64,
    /// Rows after this report id (from the page token).
    pub after_id: i64,
}

/// Report rows scanned per query when a subtree is too large for one IN-list.
const SCAN_BATCH: u64 = 5_000;

/// A page of office-years and the id to continue after, if any.
///
/// The subtree's office ids are read with one recursive query down from its root (nothing
/// outside it is read). A subtree of at most [`MAX_IN_LIST`] offices is then read with one
/// IN-list; a larger one by scanning the rows of the year (and status) in id order and keeping
/// those of the subtree, so no statement binds more than a few values whatever the size of the
/// subtree, and no plan depends on how the database estimates a join with the subtree.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    filter: ReportFilter,
) -> StorageResult<(Vec<Summary>, Option<i64>)> {
    let scope = subtree::scope(db, caller, filter.under.as_deref()).await?;
    let ids = subtree::ids(db, &scope).await?;
    let want = filter.page_size + 1;
    let query = |after: i64, limit: u64| {
        let mut q = report::Entity::find()
            .filter(report::Column::Id.gt(after))
            .order_by_asc(report::Column::Id)
            .limit(limit);
        if let Some(year) = filter.year {
            q = q.filter(report::Column::Year.eq(year));
        }
        if let Some(status) = &filter.status {
            q = q.filter(report::Column::Status.eq(status.clone()));
        }
        q
    };
    let mut rows = if ids.len() <= MAX_IN_LIST {
        query(filter.after_id, want)
            .filter(report::Column::OfficeId.is_in(ids.iter().copied()))
            .all(db)
            .await?
    } else {
        let mut rows = Vec::with_capacity(want as usize);
        let mut after = filter.after_id;
        // Start with a page's worth (a large subtree usually holds most rows) and widen the
        // batch while the subtree's rows are sparse.
        let mut limit = want;
        while (rows.len() as u64) < want {
            // Rows are streamed and only the subtree's kept: a batch collected as driver rows
            // cost about a kilobyte a row.
            let mut batch = query(after, limit).stream(db).await?;
            let mut read = 0;
            while let Some(row) = batch.next().await {
                let row = row?;
                read += 1;
                after = row.id;
                if ids.contains(&row.office_id) {
                    rows.push(row);
                }
            }
            if read < limit {
                break;
            }
            limit = (limit * 2).min(SCAN_BATCH.max(want));
        }
        rows.truncate(want as usize);
        rows
    };
    drop(ids);
    let next = if rows.len() as u64 > filter.page_size {
        rows.truncate(filter.page_size as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let mut names: HashMap<i64, (String, String)> = HashMap::with_capacity(rows.len());
    let office_ids: BTreeSet<i64> = rows.iter().map(|r| r.office_id).collect();
    let office_ids: Vec<i64> = office_ids.into_iter().collect();
    for chunk in office_ids.chunks(MAX_IN_LIST) {
        let mut found = office::Entity::find()
            .select_only()
            .columns([
                office::Column::Id,
                office::Column::Code,
                office::Column::Name,
            ])
            .filter(office::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple::<(i64, String, String)>()
            .stream(db)
            .await?;
        while let Some(found) = found.next().await {
            let (id, code, name) = found?;
            names.insert(id, (code, name));
        }
    }
    let counts = latest_counts(db, &rows).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some((code, name)) = names.get(&row.office_id) else {
            continue;
        };
        let (error_count, warning_count) = counts.get(&row.id).copied().unwrap_or((0, 0));
        out.push(Summary {
            office_code: code.clone(),
            office_name: name.clone(),
            error_count,
            warning_count,
            row,
        });
    }
    Ok((out, next))
}

/// The (errors, warnings) of the latest revision of each row, by report id, read in chunks of
/// [`MAX_IN_LIST`] rows.
async fn latest_counts(
    db: &DatabaseConnection,
    rows: &[report::Model],
) -> StorageResult<HashMap<i64, (i32, i32)>> {
    let wanted: Vec<(i64, i64)> = rows
        .iter()
        .filter(|r| r.latest_revision > 0)
        .map(|r| (r.id, r.latest_revision))
        .collect();
    let mut out = HashMap::with_capacity(wanted.len());
    for chunk in wanted.chunks(MAX_IN_LIST / 2) {
        let pairs: HashSet<(i64, i64)> = chunk.iter().copied().collect();
        let numbers: BTreeSet<i64> = chunk.iter().map(|p| p.1).collect();
        let mut found = revision::Entity::find()
            .select_only()
            .columns([
                revision::Column::ReportId,
                revision::Column::Number,
                revision::Column::ErrorCount,
                revision::Column::WarningCount,
            ])
            .filter(revision::Column::ReportId.is_in(chunk.iter().map(|p| p.0)))
            .filter(numbers_in(numbers))
            .into_tuple::<(i64, i64, i32, i32)>()
            .stream(db)
            .await?;
        while let Some(found) = found.next().await {
            let (id, n, e, w) = found?;
            if pairs.contains(&(id, n)) {
                out.insert(id, (e, w));
            }
        }
    }
    Ok(out)
}
