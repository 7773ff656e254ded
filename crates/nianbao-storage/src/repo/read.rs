//! Reads: one report, its revisions, pages of office-years, and bulk selections.

use nianbao_model::Report;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::auth::Caller;
use crate::entity::{office, report, revision};
use crate::error::{StorageError, StorageResult};
use crate::repo::offices::{self, Tree};
use crate::repo::submit::find_revision;
use crate::repo::{stored, submit};

/// Where an office-year stands, with its office.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The report row.
    pub row: report::Model,
    /// Office code.
    pub office_code: String,
    /// Office name.
    pub office_name: String,
    /// Errors in the latest revision.
    pub error_count: i32,
    /// Warnings in the latest revision.
    pub warning_count: i32,
}

/// One revision with its report.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The report content.
    pub report: Report,
    /// The revision.
    pub revision: revision::Model,
    /// The office-year.
    pub summary: Summary,
}

/// The office-year of an office the caller may read, or the uniform refusal.
async fn readable_row(
    db: &DatabaseConnection,
    caller: &Caller,
    code: &str,
    year: i32,
) -> StorageResult<(Tree, office::Model, report::Model)> {
    let tree = offices::load_tree(db).await?;
    let office = tree
        .resolve(caller, code, |o| caller.can_read(&tree, o.id))?
        .clone();
    let row = submit::find_report(db, office.id, year)
        .await?
        .ok_or_else(|| {
            StorageError::NotFound(format!(
                "office {code} year {year}: no report / 单位 {code} 无 {year} 年度报表"
            ))
        })?;
    Ok((tree, office, row))
}

/// A revision (the latest when `number` is `None`).
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    code: &str,
    year: i32,
    number: Option<i64>,
) -> StorageResult<Fetched> {
    let (_, office, row) = readable_row(db, caller, code, year).await?;
    let revision = find_revision(db, row.id, number.unwrap_or(row.latest_revision)).await?;
    let report = stored::parse_content(&revision.content)?;
    let summary = summary(db, &office, row).await?;
    Ok(Fetched {
        report,
        revision,
        summary,
    })
}

/// Every revision of an office-year, oldest first.
pub async fn revisions(
    db: &DatabaseConnection,
    caller: &Caller,
    code: &str,
    year: i32,
) -> StorageResult<Vec<revision::Model>> {
    let (_, _, row) = readable_row(db, caller, code, year).await?;
    Ok(revision::Entity::find()
        .filter(revision::Column::ReportId.eq(row.id))
        .order_by_asc(revision::Column::Number)
        .all(db)
        .await?)
}

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

/// A page of office-years and the id to continue after, if any.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    filter: ReportFilter,
) -> StorageResult<(Vec<Summary>, Option<i64>)> {
    let tree = offices::load_tree(db).await?;
    let root = offices::scope_root(&tree, caller, filter.under.as_deref())?;
    let ids: Vec<i64> = tree
        .subtree(root)
        .into_iter()
        .filter(|o| caller.can_read(&tree, o.id))
        .map(|o| o.id)
        .collect();
    let mut q = report::Entity::find()
        .filter(report::Column::OfficeId.is_in(ids))
        .filter(report::Column::Id.gt(filter.after_id))
        .order_by_asc(report::Column::Id)
        .limit(filter.page_size + 1);
    if let Some(year) = filter.year {
        q = q.filter(report::Column::Year.eq(year));
    }
    if let Some(status) = filter.status {
        q = q.filter(report::Column::Status.eq(status));
    }
    let mut rows = q.all(db).await?;
    let next = if rows.len() as u64 > filter.page_size {
        rows.truncate(filter.page_size as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(office) = tree.get(row.office_id) else {
            continue;
        };
        out.push(summary(db, office, row).await?);
    }
    Ok((out, next))
}

/// Which revision a bulk read takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The accepted (or published) revision; others are skipped.
    Accepted,
    /// The latest non-draft revision.
    LatestSubmitted,
}

/// The selected revision of every office-year of `year` in a subtree, in tree order.
pub async fn select(
    db: &DatabaseConnection,
    caller: &Caller,
    under: Option<&str>,
    year: i32,
    selection: Selection,
) -> StorageResult<Vec<Fetched>> {
    let tree = offices::load_tree(db).await?;
    let root = offices::scope_root(&tree, caller, under)?;
    let visible: Vec<&office::Model> = tree
        .subtree(root)
        .into_iter()
        .filter(|o| caller.can_read(&tree, o.id))
        .collect();
    let wanted: std::collections::HashSet<i64> = visible.iter().map(|o| o.id).collect();
    // A few queries for the whole subtree, not a few per office: the rows of the year, then the
    // revisions they need in chunks.
    let mut rows: std::collections::HashMap<i64, report::Model> = report::Entity::find()
        .filter(report::Column::Year.eq(year))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| wanted.contains(&r.office_id))
        .map(|r| (r.office_id, r))
        .collect();
    let chosen = |row: &report::Model| match selection {
        Selection::Accepted => row.accepted_revision,
        Selection::LatestSubmitted => row.latest_submitted_revision,
    };
    let needed: Vec<(i64, i64)> = rows
        .values()
        .filter(|r| chosen(r) > 0)
        .flat_map(|r| [(r.id, chosen(r)), (r.id, r.latest_revision)])
        .collect();
    let mut revisions: std::collections::HashMap<(i64, i64), revision::Model> =
        std::collections::HashMap::new();
    for chunk in needed.chunks(200) {
        let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
        let numbers: std::collections::BTreeSet<i64> = chunk.iter().map(|(_, n)| *n).collect();
        let pairs: std::collections::HashSet<(i64, i64)> = chunk.iter().copied().collect();
        for rev in revision::Entity::find()
            .filter(revision::Column::ReportId.is_in(ids))
            .filter(revision::Column::Number.is_in(numbers))
            .all(db)
            .await?
        {
            if pairs.contains(&(rev.report_id, rev.number)) {
                revisions.insert((rev.report_id, rev.number), rev);
            }
        }
    }
    let mut out = Vec::new();
    for office in visible {
        let Some(row) = rows.remove(&office.id) else {
            continue;
        };
        let number = chosen(&row);
        if number == 0 {
            continue;
        }
        let missing =
            || StorageError::NotFound(format!("revision {number}: not found / 版本不存在"));
        let revision = revisions
            .get(&(row.id, number))
            .cloned()
            .ok_or_else(missing)?;
        let report = stored::parse_content(&revision.content)?;
        let (error_count, warning_count) = revisions
            .get(&(row.id, row.latest_revision))
            .map(|r| (r.error_count, r.warning_count))
            .unwrap_or((0, 0));
        let summary = Summary {
            office_code: office.code.clone(),
            office_name: office.name.clone(),
            error_count,
            warning_count,
            row,
        };
        out.push(Fetched {
            report,
            revision,
            summary,
        });
    }
    Ok(out)
}

/// The summary of a report row.
pub async fn summary(
    db: &DatabaseConnection,
    office: &office::Model,
    row: report::Model,
) -> StorageResult<Summary> {
    let (error_count, warning_count) = if row.latest_revision > 0 {
        let latest = find_revision(db, row.id, row.latest_revision).await?;
        (latest.error_count, latest.warning_count)
    } else {
        (0, 0)
    };
    Ok(Summary {
        row,
        office_code: office.code.clone(),
        office_name: office.name.clone(),
        error_count,
        warning_count,
    })
}
