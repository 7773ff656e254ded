//! Reads: one report, its revisions, pages of office-years, and bulk selections.

use std::sync::OnceLock;

use nianbao_model::Report;
#[cfg(test)]
use sea_orm::QueryOrder;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QueryResult,
};

use crate::entity::{office, report, revision, token};
use crate::error::{StorageError, StorageResult};
use crate::repo::access::auth::{self, Caller};
use crate::repo::access::{permit, tokens};
use crate::repo::stored;

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
pub(crate) async fn readable_row(
    db: &DatabaseConnection,
    caller: &Caller,
    code: &str,
    year: i32,
) -> StorageResult<(office::Model, report::Model)> {
    let office = permit::resolve(db, caller, code, permit::Need::Read).await?;
    let row = find_report(db, office.id, year)
        .await?
        .ok_or_else(|| no_report(code, year))?;
    Ok((office, row))
}

fn no_report(code: &str, year: i32) -> StorageError {
    StorageError::NotFound(format!(
        "office {code} year {year}: no report / 单位 {code} 无 {year} 年度报表"
    ))
}

fn missing_revision(number: i64) -> StorageError {
    StorageError::NotFound(format!("revision {number}: not found / 版本不存在"))
}

/// A revision (the latest when `number` is `None`): the office, the report row and the revision
/// read with one query ([`find_office_year`]), answered only if the caller may read that office
/// (otherwise the uniform refusal). The service reads with [`authenticate_and_find`] instead;
/// this is the reference the tests compare it with.
#[cfg(test)]
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    code: &str,
    year: i32,
    number: Option<i64>,
) -> StorageResult<Fetched> {
    let found = find_office_year(db, code, year, number).await?;
    answer(db, caller, code, year, number, found).await
}

/// The answer to a read of office `code`, year `year`, revision `number` (the latest when
/// `None`) from what [`find_office_year`] or [`authenticate_and_find`] found: the revision if
/// the caller may read that office, otherwise the uniform refusal.
pub async fn answer(
    db: &DatabaseConnection,
    caller: &Caller,
    code: &str,
    year: i32,
    number: Option<i64>,
    found: Found,
) -> StorageResult<Fetched> {
    let (office, found) = match found {
        Some((office, found)) => (Some(office), found),
        None => (None, None),
    };
    let office = permit::permit(db, caller, code, office, permit::Need::Read).await?;
    let (row, revision) = found.ok_or_else(|| no_report(code, year))?;
    let revision =
        revision.ok_or_else(|| missing_revision(number.unwrap_or(row.latest_revision)))?;
    let report = stored::report_of(&revision)?;
    let summary = if revision.number == row.latest_revision {
        // The latest revision's counts are those of the revision just read.
        Summary {
            office_code: office.code.clone(),
            office_name: office.name.clone(),
            error_count: revision.error_count,
            warning_count: revision.warning_count,
            row,
        }
    } else {
        summary(db, &office, row).await?
    };
    Ok(Fetched {
        report,
        revision,
        summary,
    })
}

/// Every revision of an office-year, oldest first.
#[cfg(test)]
pub async fn revisions(
    db: &DatabaseConnection,
    caller: &Caller,
    code: &str,
    year: i32,
) -> StorageResult<Vec<revision::Model>> {
    let (_, row) = readable_row(db, caller, code, year).await?;
    Ok(revision::Entity::find()
        .filter(revision::Column::ReportId.eq(row.id))
        .order_by_asc(revision::Column::Number)
        .all(db)
        .await?)
}

/// `number IN (…)`, written `+"number" IN (…)`: the unary plus keeps SQLite from answering the
/// condition with the unique `(report_id, number)` index, so that with `report_id IN (…)` it reads
/// the covering `idx_revisions_heads` (migration 9) instead of the table rows, whose JSON content
/// lies before the other columns. The numbers are integers from the database, written inline.
pub fn numbers_in(numbers: impl IntoIterator<Item = i64>) -> sea_orm::sea_query::Expr {
    let list: Vec<String> = numbers.into_iter().map(|n| n.to_string()).collect();
    if list.is_empty() {
        return sea_orm::sea_query::Expr::cust("1 = 0");
    }
    sea_orm::sea_query::Expr::cust(format!("+\"number\" IN ({})", list.join(", ")))
}

/// Which revision a bulk read takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The accepted (or published) revision; others are skipped.
    Accepted,
    /// The latest non-draft revision.
    LatestSubmitted,
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

/// The report row of an office-year.
pub async fn find_report(
    db: &impl ConnectionTrait,
    office_id: i64,
    year: i32,
) -> StorageResult<Option<report::Model>> {
    Ok(report::Entity::find()
        .filter(report::Column::OfficeId.eq(office_id))
        .filter(report::Column::Year.eq(year))
        .one(db)
        .await?)
}

/// One revision of a report row.
pub async fn find_revision(
    db: &impl ConnectionTrait,
    report_id: i64,
    number: i64,
) -> StorageResult<revision::Model> {
    revision::Entity::find()
        .filter(revision::Column::ReportId.eq(report_id))
        .filter(revision::Column::Number.eq(number))
        .one(db)
        .await?
        .ok_or_else(|| missing_revision(number))
}

/// What an office-year read finds: the report row with one of its revisions (`None` when that
/// revision does not exist), or `None` when the office has no report for the year.
pub type OfficeYear = Option<(report::Model, Option<revision::Model>)>;

/// What an office read finds: the office with its office-year, or `None` when there is no office
/// with that code.
pub type Found = Option<(office::Model, OfficeYear)>;

/// The report row (`r`) of an office (`o`) for a year and one of its revisions (`v`: the number
/// given, or the latest when it is NULL), left-joined: binds the year, then the number.
const OFFICE_YEAR: &str = "LEFT JOIN reports r ON r.office_id = o.id AND r.year = ? \
     LEFT JOIN revisions v ON v.report_id = r.id AND v.number = COALESCE(?, r.latest_revision)";

/// The office `code`, its report row for `year` and one of its revisions (the latest when
/// `number` is `None`), in one query on the unique code, (office, year) and (report, number)
/// indexes; `None` when there is no such office. Nothing here checks permissions.
#[cfg(test)]
pub async fn find_office_year(
    db: &impl ConnectionTrait,
    code: &str,
    year: i32,
    number: Option<i64>,
) -> StorageResult<Found> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "SELECT {}, {}, {} FROM offices o {OFFICE_YEAR} WHERE o.code = ?",
            permit::prefixed::<office::Entity>("o"),
            permit::prefixed::<report::Entity>("r"),
            permit::prefixed::<revision::Entity>("v"),
        )
    });
    let values = vec![year.into(), number.into(), code.into()];
    match db.query_one_raw(permit::statement(db, sql, values)).await? {
        Some(row) => found_of(&row),
        None => Ok(None),
    }
}

/// The caller behind `secret` and what [`find_office_year`] finds, read with one query: the
/// token by the secret's hash, with the office, report row and revision left-joined to it. One
/// round trip instead of two for a read; nothing here checks permissions ([`answer`] does).
pub async fn authenticate_and_find(
    db: &impl ConnectionTrait,
    secret: &str,
    code: &str,
    year: i32,
    number: Option<i64>,
) -> StorageResult<(Caller, Found)> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "SELECT {}, {}, {}, {} FROM tokens t \
             LEFT JOIN offices o ON o.code = ? {OFFICE_YEAR} WHERE t.secret_hash = ?",
            permit::prefixed::<token::Entity>("t"),
            permit::prefixed::<office::Entity>("o"),
            permit::prefixed::<report::Entity>("r"),
            permit::prefixed::<revision::Entity>("v"),
        )
    });
    let hash = auth::hash_secret(secret);
    let values = vec![code.into(), year.into(), number.into(), hash.clone().into()];
    let Some(row) = db.query_one_raw(permit::statement(db, sql, values)).await? else {
        return Err(StorageError::Unauthenticated);
    };
    let caller = tokens::caller_of(Some(token::Model::from_query_result(&row, "t_")?), &hash)?;
    Ok((caller, found_of(&row)?))
}

/// The office (`o_`), report row (`r_`) and revision (`v_`) of a left-joined row.
fn found_of(row: &QueryResult) -> StorageResult<Found> {
    if row.try_get::<Option<i64>>("o_", "id")?.is_none() {
        return Ok(None);
    }
    let office = office::Model::from_query_result(row, "o_")?;
    if row.try_get::<Option<i64>>("r_", "id")?.is_none() {
        return Ok(Some((office, None)));
    }
    let report = report::Model::from_query_result(row, "r_")?;
    let revision = match row.try_get::<Option<i64>>("v_", "id")? {
        Some(_) => Some(revision::Model::from_query_result(row, "v_")?),
        None => None,
    };
    Ok(Some((office, Some((report, revision)))))
}
