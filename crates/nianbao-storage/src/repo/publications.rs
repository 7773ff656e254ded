//! Publications of accepted reports (where and when, one row per place) and the checks of each
//! published page against the accepted revision.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, StreamTrait, TransactionTrait,
};

use crate::entity::{office, publication, publication_check, report};
use crate::error::{StorageError, StorageResult};
use crate::repo::access::auth::Caller;
use crate::repo::access::permit::{self, Need};
use crate::repo::audit;
use crate::repo::read::{reports, subtree};

/// Ids bound in one statement at most.
const CHUNK: usize = 500;

/// The longest URL recorded.
pub const MAX_URL_LEN: usize = 2048;

/// Where and when a report was published, as asked for (checked by [`place`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// An `http://` or `https://` URL.
    pub url: String,
    /// The publication date.
    pub date: NaiveDate,
}

/// The place of a PUBLISH request: an http(s) URL without spaces, and a `YYYY-MM-DD` date.
pub fn place(url: &str, date: &str) -> StorageResult<Place> {
    let url = url.trim();
    let scheme_ok = ["http://", "https://"]
        .iter()
        .any(|s| url.len() > s.len() && url[..s.len()].eq_ignore_ascii_case(s));
    if !scheme_ok
        || url.len() > MAX_URL_LEN
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(StorageError::invalid(
            "url",
            format!(
                "publishing needs the http(s) URL of the published report, without spaces, up to {MAX_URL_LEN} characters / 发布须填写报告发布页面的 http(s) 地址"
            ),
        ));
    }
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| {
        StorageError::invalid(
            "published_date",
            format!("{date:?} is not a date YYYY-MM-DD / 发布日期应为 YYYY-MM-DD"),
        )
    })?;
    Ok(Place {
        url: url.to_string(),
        date,
    })
}

/// Records the publication of `revision` of the report row `report_id` at `place`, in the
/// review's transaction.
pub async fn record(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    report_id: i64,
    revision: i64,
    place: &Place,
) -> StorageResult<()> {
    publication::ActiveModel {
        report_id: Set(report_id),
        revision: Set(revision),
        url: Set(place.url.clone()),
        published_on: Set(place.date),
        recorded_by: Set(caller.token_id.clone()),
        recorded_at: Set(super::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// A publication with its office, year and latest check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// The office's code.
    pub office_code: String,
    /// The office's name.
    pub office_name: String,
    /// The year reported on.
    pub year: i32,
    /// The publication.
    pub publication: publication::Model,
    /// Its latest check.
    pub last_check: Option<publication_check::Model>,
}

/// The publications of `year` in the subtree of `org` (which the caller must be able to read),
/// in office-code order, each with its latest check.
pub async fn list<C: ConnectionTrait + StreamTrait>(
    db: &C,
    caller: &Caller,
    org: &str,
    year: i32,
) -> StorageResult<Vec<Listed>> {
    let scope = subtree::scope(db, caller, Some(org)).await?;
    let ids = subtree::ids(db, &scope).await?;
    let of_year = Query::select()
        .column(report::Column::Id)
        .from(report::Entity)
        .and_where(report::Column::Year.eq(year))
        .to_owned();
    let publications = publication::Entity::find()
        .filter(publication::Column::ReportId.in_subquery(of_year.clone()))
        .order_by_asc(publication::Column::Id)
        .all(db)
        .await?;
    let mut reports: HashMap<i64, i64> = HashMap::new();
    let wanted: Vec<i64> = publications.iter().map(|p| p.report_id).collect();
    for chunk in wanted.chunks(CHUNK) {
        for r in report::Entity::find()
            .filter(report::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            if ids.contains(&r.office_id) {
                reports.insert(r.id, r.office_id);
            }
        }
    }
    let mut offices: HashMap<i64, office::Model> = HashMap::new();
    let wanted: Vec<i64> = reports.values().copied().collect();
    for chunk in wanted.chunks(CHUNK) {
        for o in office::Entity::find()
            .filter(office::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            offices.insert(o.id, o);
        }
    }
    let published = Query::select()
        .column(publication::Column::Id)
        .from(publication::Entity)
        .and_where(publication::Column::ReportId.in_subquery(of_year))
        .to_owned();
    let mut checks: HashMap<i64, publication_check::Model> = HashMap::new();
    for c in publication_check::Entity::find()
        .filter(publication_check::Column::PublicationId.in_subquery(published))
        .order_by_asc(publication_check::Column::Id)
        .all(db)
        .await?
    {
        checks.insert(c.publication_id, c);
    }
    let mut out: Vec<Listed> = publications
        .into_iter()
        .filter_map(|p| {
            let office = offices.get(reports.get(&p.report_id)?)?;
            Some(Listed {
                office_code: office.code.clone(),
                office_name: office.name.clone(),
                year,
                last_check: checks.remove(&p.id),
                publication: p,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (a.office_code.as_str(), a.publication.id).cmp(&(b.office_code.as_str(), b.publication.id))
    });
    Ok(out)
}

/// A check of a published page, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// `identical`, `different`, `not_found` or `not_a_report`.
    pub outcome: String,
    /// JSON: the differences and the detail.
    pub detail: String,
}

/// Records a check of the publication of `code`/`year` at `url` (the caller reviews the office).
pub async fn record_check(
    db: &DatabaseConnection,
    caller: &Caller,
    code: &str,
    year: i32,
    url: &str,
    check: Check,
) -> StorageResult<Listed> {
    let txn = db.begin().await?;
    let office = permit::resolve(&txn, caller, code, Need::Review).await?;
    let row = reports::find_report(&txn, office.id, year)
        .await?
        .ok_or_else(|| {
            StorageError::NotFound(format!(
                "office {code} year {year}: no report / 单位 {code} 无 {year} 年度报表"
            ))
        })?;
    let publication = publication::Entity::find()
        .filter(publication::Column::ReportId.eq(row.id))
        .filter(publication::Column::Url.eq(url))
        .order_by_desc(publication::Column::Id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            StorageError::NotFound(format!(
                "office {code} year {year}: not published at {url} / 未在该地址发布"
            ))
        })?;
    let saved = publication_check::ActiveModel {
        publication_id: Set(publication.id),
        checked_at: Set(super::now()),
        checked_by: Set(caller.token_id.clone()),
        outcome: Set(check.outcome.clone()),
        detail: Set(check.detail),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &caller.token_id,
        "report.check_publication",
        &format!("{code}/{year}"),
        audit::OK,
        &format!("{url} {}", check.outcome),
    )
    .await?;
    txn.commit().await?;
    Ok(Listed {
        office_code: office.code,
        office_name: office.name,
        year,
        publication,
        last_check: Some(saved),
    })
}
