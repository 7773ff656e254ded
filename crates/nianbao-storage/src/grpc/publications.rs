//! `ListPublications` and `RecordCheck`: decode, call `repo::publications`, encode.

use nianbao_proto::storage::v1 as pb;
use serde::{Deserialize, Serialize};
use tonic::{Request, Response, Status};

use super::{Storage, office_year};
use crate::entity::publication_check;
use crate::error::{StorageError, StorageResult};
use crate::repo::publications::{self, Check, Listed, MAX_URL_LEN};
use crate::{validate, wire};

/// The stored detail of a check.
#[derive(Serialize, Deserialize, Default)]
struct Detail {
    #[serde(default)]
    differences: Vec<(String, String, String)>,
    #[serde(default)]
    detail: String,
}

/// The most differences stored per check (a page that is another report entirely lists many).
const MAX_DIFFERENCES: usize = 500;

fn outcome_name(value: i32) -> StorageResult<&'static str> {
    match pb::CheckOutcome::try_from(value) {
        Ok(pb::CheckOutcome::Identical) => Ok("identical"),
        Ok(pb::CheckOutcome::Different) => Ok("different"),
        Ok(pb::CheckOutcome::NotFound) => Ok("not_found"),
        Ok(pb::CheckOutcome::NotAReport) => Ok("not_a_report"),
        _ => Err(StorageError::invalid(
            "check.outcome",
            "must be specified / 必须指定核对结果",
        )),
    }
}

fn outcome_of(name: &str) -> pb::CheckOutcome {
    match name {
        "identical" => pb::CheckOutcome::Identical,
        "different" => pb::CheckOutcome::Different,
        "not_found" => pb::CheckOutcome::NotFound,
        "not_a_report" => pb::CheckOutcome::NotAReport,
        _ => pb::CheckOutcome::Unspecified,
    }
}

fn check_to_pb(c: publication_check::Model) -> pb::PublicationCheck {
    let detail: Detail = serde_json::from_str(&c.detail).unwrap_or_default();
    pb::PublicationCheck {
        checked_at: wire::time(&c.checked_at),
        outcome: outcome_of(&c.outcome) as i32,
        differences: detail
            .differences
            .into_iter()
            .map(|(key, accepted, published)| pb::Difference {
                key,
                accepted,
                published,
            })
            .collect(),
        detail: detail.detail,
    }
}

fn listed_to_pb(l: Listed) -> pb::Publication {
    pb::Publication {
        office_code: l.office_code,
        office_name: l.office_name,
        year: l.year,
        revision: l.publication.revision,
        url: l.publication.url,
        published_date: l.publication.published_on.to_string(),
        recorded_at: wire::time(&l.publication.recorded_at),
        last_check: l.last_check.map(check_to_pb),
    }
}

fn check_from_pb(c: Option<pb::PublicationCheck>) -> StorageResult<Check> {
    let c = c.ok_or_else(|| StorageError::invalid("check", "required / 必须提供"))?;
    let outcome = outcome_name(c.outcome)?;
    validate::text("check.detail", &c.detail, false, 4000)?;
    if c.differences.len() > MAX_DIFFERENCES {
        return Err(StorageError::invalid(
            "check.differences",
            format!("at most {MAX_DIFFERENCES} / 最多 {MAX_DIFFERENCES} 项"),
        ));
    }
    let detail = Detail {
        differences: c
            .differences
            .into_iter()
            .map(|d| (d.key, d.accepted, d.published))
            .collect(),
        detail: c.detail,
    };
    Ok(Check {
        outcome: outcome.to_string(),
        detail: serde_json::to_string(&detail)
            .map_err(|e| StorageError::Internal(e.to_string()))?,
    })
}

impl Storage {
    /// `ListPublications`.
    pub(crate) async fn list_publications_rpc(
        &self,
        req: Request<pb::ListPublicationsRequest>,
    ) -> Result<Response<pb::ListPublicationsResponse>, Status> {
        let caller = self.caller(&req, "publication.list").await?;
        let r = req.into_inner();
        let target = format!("{}/{}", r.org, r.year);
        let result = async {
            office_year(&r.org, r.year)?;
            publications::list(&self.read, &caller, &r.org, r.year).await
        }
        .await;
        let list = self
            .done(&caller, "publication.list", &target, result)
            .await?;
        Ok(Response::new(pb::ListPublicationsResponse {
            publications: list.into_iter().map(listed_to_pb).collect(),
        }))
    }

    /// `RecordCheck`.
    pub(crate) async fn record_check_rpc(
        &self,
        req: Request<pb::RecordCheckRequest>,
    ) -> Result<Response<pb::RecordCheckResponse>, Status> {
        let caller = self.caller(&req, "publication.check").await?;
        let r = req.into_inner();
        let target = format!("{}/{}", r.office_code, r.year);
        let result = async {
            office_year(&r.office_code, r.year)?;
            validate::text("url", &r.url, true, MAX_URL_LEN)?;
            let check = check_from_pb(r.check)?;
            publications::record_check(&self.db, &caller, &r.office_code, r.year, &r.url, check)
                .await
        }
        .await;
        let listed = self
            .done(&caller, "publication.check", &target, result)
            .await?;
        Ok(Response::new(pb::RecordCheckResponse {
            publication: Some(listed_to_pb(listed)),
        }))
    }
}
