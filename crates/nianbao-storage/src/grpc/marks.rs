//! `ListFindingMarks` of a whole subtree: the review marks of every office-year of a year in one
//! answer (a city's quality view reads them for a thousand offices at once).

use nianbao_proto::storage::v1 as pb;
use tonic::{Response, Status};

use super::{Storage, optional_code};
use crate::repo::access::auth::Caller;
use crate::repo::marks;
use crate::{validate, wire};

impl Storage {
    /// `ListFindingMarks` with an empty `office_code`: the marks of the subtree under `under`.
    pub(crate) async fn list_subtree_marks(
        &self,
        caller: &Caller,
        r: pb::ListFindingMarksRequest,
    ) -> Result<Response<pb::ListFindingMarksResponse>, Status> {
        let target = format!("{}/{}", r.under, r.year);
        let result = async {
            let under = optional_code(&r.under)?;
            validate::year("year", r.year)?;
            marks::list_subtree(&self.read, caller, under, r.year).await
        }
        .await;
        let list = self.done(caller, "finding.list", &target, result).await?;
        Ok(Response::new(pb::ListFindingMarksResponse {
            marks: list
                .into_iter()
                .map(|(code, m)| wire::mark(m, &code, r.year))
                .collect(),
        }))
    }
}
