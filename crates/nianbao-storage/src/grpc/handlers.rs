//! The `StorageService` handlers.

use nianbao_proto::report::v1 as rpb;
use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_server::StorageService;
use tonic::{Request, Response, Status};

use super::{
    ReportStream, Storage, office_year, optional_code, page_size, page_token, reminders,
    revision_page_size,
};
use crate::error::{StorageError, StorageResult};
use crate::repo::access::auth;
use crate::repo::access::{permit, tokens};
use crate::repo::read::{bulk, history, list, reports};
use crate::repo::write::prepared;
use crate::repo::{audit, marks, offices, publications, review};
use crate::{validate, wire};

#[tonic::async_trait]
impl StorageService for Storage {
    #[tracing::instrument(skip_all)]
    async fn who_am_i(
        &self,
        req: Request<pb::WhoAmIRequest>,
    ) -> Result<Response<pb::WhoAmIResponse>, Status> {
        let caller = self.caller(&req, "whoami").await?;
        let office = match caller.office_id {
            Some(id) => permit::find_by_id(&self.read, id).await,
            None => Ok(None),
        };
        let office_code = self
            .done(&caller, "whoami", "", office)
            .await?
            .map(|o| o.code);
        Ok(Response::new(pb::WhoAmIResponse {
            office_code: office_code.unwrap_or_default(),
            role: wire::role_to_pb(caller.role) as i32,
            token_id: caller.token_id,
        }))
    }

    #[tracing::instrument(skip_all, fields(office = %req.get_ref().code))]
    async fn create_office(
        &self,
        req: Request<pb::CreateOfficeRequest>,
    ) -> Result<Response<pb::CreateOfficeResponse>, Status> {
        let caller = self.caller(&req, "office.create").await?;
        let r = req.into_inner();
        let result = async {
            validate::office_code("code", &r.code)?;
            validate::text("name", &r.name, true, validate::MAX_TEXT_LEN)?;
            validate::text("kind", &r.kind, false, validate::MAX_TEXT_LEN)?;
            if !r.parent_code.is_empty() {
                validate::office_code("parent_code", &r.parent_code)?;
            }
            for y in &r.exempt_years {
                validate::year("exempt_years", *y)?;
            }
            let new = offices::NewOffice {
                code: r.code.clone(),
                name: r.name.trim().to_string(),
                kind: r.kind.trim().to_string(),
                parent_code: Some(r.parent_code.clone()).filter(|p| !p.is_empty()),
                must_report: r.must_report,
                exempt_years: r.exempt_years.clone(),
            };
            offices::create(&self.db, &caller, new).await
        }
        .await;
        let office = self.done(&caller, "office.create", &r.code, result).await?;
        Ok(Response::new(pb::CreateOfficeResponse {
            office: Some(wire::office(office)),
        }))
    }

    #[tracing::instrument(skip_all, fields(office = %req.get_ref().code))]
    async fn update_office(
        &self,
        req: Request<pb::UpdateOfficeRequest>,
    ) -> Result<Response<pb::UpdateOfficeResponse>, Status> {
        let caller = self.caller(&req, "office.update").await?;
        let r = req.into_inner();
        let result = async {
            validate::office_code("code", &r.code)?;
            if let Some(name) = &r.name {
                validate::text("name", name, true, validate::MAX_TEXT_LEN)?;
            }
            if let Some(parent) = r.parent_code.as_ref().filter(|p| !p.is_empty()) {
                validate::office_code("parent_code", parent)?;
            }
            for y in &r.exempt_years {
                validate::year("exempt_years", *y)?;
            }
            let upd = offices::OfficeUpdate {
                code: r.code.clone(),
                name: r.name.as_ref().map(|n| n.trim().to_string()),
                parent_code: r.parent_code.clone(),
                must_report: r.must_report,
                exempt_years: Some(r.exempt_years.clone()).filter(|y| !y.is_empty()),
            };
            offices::update(&self.db, &caller, upd).await
        }
        .await;
        let office = self.done(&caller, "office.update", &r.code, result).await?;
        Ok(Response::new(pb::UpdateOfficeResponse {
            office: Some(wire::office(office)),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn list_offices(
        &self,
        req: Request<pb::ListOfficesRequest>,
    ) -> Result<Response<pb::ListOfficesResponse>, Status> {
        let caller = self.caller(&req, "office.list").await?;
        let r = req.into_inner();
        let result =
            async { offices::list(&self.read, &caller, optional_code(&r.under)?).await }.await;
        let list = self.done(&caller, "office.list", &r.under, result).await?;
        Ok(Response::new(pb::ListOfficesResponse {
            offices: list.into_iter().map(wire::office).collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(request_id = %req.get_ref().request_id, draft = req.get_ref().draft))]
    async fn submit_report(
        &self,
        req: Request<pb::SubmitReportRequest>,
    ) -> Result<Response<pb::SubmitReportResponse>, Status> {
        let report = req.get_ref().report.as_ref();
        let code = report
            .and_then(|p| p.office.as_ref())
            .map(|o| o.code.clone());
        let code = code.unwrap_or_default();
        let target = report.map(|p| format!("{code}/{}", p.year));
        let (caller, office, cached) = self.submitter(&req, "report.submit", &code).await?;
        let r = req.into_inner();
        let result = async {
            validate::request_id(&r.request_id)?;
            validate::text("client", &r.client, false, validate::MAX_TEXT_LEN)?;
            let report = validate::report(r.report)?;
            let request_id = if r.request_id.is_empty() {
                format!("auto-{}", auth::new_token_id())
            } else {
                r.request_id
            };
            let sub = prepared::Submission {
                report,
                request_id,
                base_revision: r.base_revision,
                draft: r.draft,
                client: r.client,
            };
            let mut prepared =
                prepared::prepare_found(&self.read, &caller, sub, office, self.compress_content)
                    .await?;
            prepared.recheck_token = cached;
            let done = self.group.submit(prepared).await.inspect_err(|e| {
                if matches!(e, StorageError::Unauthenticated) {
                    self.submitters.forget_token(&caller.token_id);
                }
            })?;
            if !done.replayed {
                nianbao_common::metrics::inc("nianbao_reports_stored_total");
            }
            Ok(pb::SubmitReportResponse {
                revision: Some(wire::revision(&done.revision, &done.office_code)?),
                status: wire::status_to_pb(&done.status) as i32,
                replayed: done.replayed,
            })
        }
        .await;
        let out = self
            .done(
                &caller,
                "report.submit",
                target.as_deref().unwrap_or(""),
                result,
            )
            .await?;
        Ok(Response::new(out))
    }

    #[tracing::instrument(skip_all, fields(office = %req.get_ref().office_code, year = req.get_ref().year))]
    async fn get_report(
        &self,
        req: Request<pb::GetReportRequest>,
    ) -> Result<Response<pb::GetReportResponse>, Status> {
        let (code, year, number) = {
            let r = req.get_ref();
            (r.office_code.clone(), r.year, r.revision)
        };
        let target = format!("{code}/{year}");
        let (caller, found) = self
            .caller_and_office_year(&req, "report.get", &code, year, number)
            .await?;
        let result = async {
            let f = reports::answer(&self.read, &caller, &code, year, number, found).await?;
            Ok(pb::GetReportResponse {
                report: Some(rpb::Report::from(&f.report)),
                revision: Some(wire::revision(&f.revision, &f.summary.office_code)?),
                status: wire::status_to_pb(&f.summary.row.status) as i32,
            })
        }
        .await;
        Ok(Response::new(
            self.done(&caller, "report.get", &target, result).await?,
        ))
    }

    #[tracing::instrument(skip_all, fields(office = %req.get_ref().office_code, year = req.get_ref().year))]
    async fn list_revisions(
        &self,
        req: Request<pb::ListRevisionsRequest>,
    ) -> Result<Response<pb::ListRevisionsResponse>, Status> {
        let caller = self.caller(&req, "report.history").await?;
        let r = req.into_inner();
        let target = format!("{}/{}", r.office_code, r.year);
        let result = async {
            office_year(&r.office_code, r.year)?;
            let page = history::Page {
                size: revision_page_size(r.page_size),
                after: page_token(&r.page_token)?,
                newest_first: r.newest_first,
            };
            // The answer carries no report content: not reading it keeps the call's time and
            // memory independent of the size of the reports in the history.
            let (revs, next) = history::revisions_without_content(
                &self.read,
                &caller,
                &r.office_code,
                r.year,
                page,
            )
            .await?;
            let revisions = revs
                .iter()
                .map(|rev| wire::revision(rev, &r.office_code))
                .collect::<StorageResult<Vec<_>>>()?;
            Ok((revisions, next))
        }
        .await;
        let (revisions, next) = self
            .done(&caller, "report.history", &target, result)
            .await?;
        Ok(Response::new(pb::ListRevisionsResponse {
            revisions,
            next_page_token: next.map(|n| n.to_string()).unwrap_or_default(),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn list_reports(
        &self,
        req: Request<pb::ListReportsRequest>,
    ) -> Result<Response<pb::ListReportsResponse>, Status> {
        let caller = self.caller(&req, "report.list").await?;
        let r = req.into_inner();
        let result = async {
            let under = optional_code(&r.under)?.map(str::to_string);
            if let Some(y) = r.year {
                validate::year("year", y)?;
            }
            let status = match r.status {
                Some(s) => {
                    let s = pb::ReportStatus::try_from(s).map_err(|_| {
                        StorageError::invalid("status", "unknown status / 未知状态")
                    })?;
                    wire::status_from_pb(s).map(str::to_string)
                }
                None => None,
            };
            let filter = list::ReportFilter {
                under,
                year: r.year,
                status,
                page_size: page_size(r.page_size),
                after_id: page_token(&r.page_token)?,
            };
            list::list(&self.read, &caller, filter).await
        }
        .await;
        let (rows, next) = self.done(&caller, "report.list", &r.under, result).await?;
        Ok(Response::new(pb::ListReportsResponse {
            reports: rows.iter().map(wire::summary).collect(),
            next_page_token: next.map(|n| n.to_string()).unwrap_or_default(),
        }))
    }

    type StreamReportsStream = ReportStream;

    #[tracing::instrument(skip_all, fields(under = %req.get_ref().under, year = req.get_ref().year))]
    async fn stream_reports(
        &self,
        req: Request<pb::StreamReportsRequest>,
    ) -> Result<Response<Self::StreamReportsStream>, Status> {
        let caller = self.caller(&req, "report.stream").await?;
        let r = req.into_inner();
        let result = async {
            let under = optional_code(&r.under)?;
            validate::year("year", r.year)?;
            let selection = match pb::Selection::try_from(r.selection) {
                Ok(pb::Selection::Accepted) => reports::Selection::Accepted,
                Ok(pb::Selection::LatestSubmitted) => reports::Selection::LatestSubmitted,
                _ => {
                    return Err(StorageError::invalid(
                        "selection",
                        "must be specified / 必须指定",
                    ));
                }
            };
            bulk::plan(&self.db, &caller, under, r.year, selection).await
        }
        .await;
        let bulk = self
            .done(&caller, "report.stream", &r.under, result)
            .await?;
        Ok(Response::new(super::stream::send(
            self.clone(),
            caller,
            r.under,
            super::stream::Form::of(r.packed, r.cells_only),
            bulk,
        )))
    }

    #[tracing::instrument(skip_all, fields(office = %req.get_ref().office_code, year = req.get_ref().year, action = req.get_ref().action))]
    async fn review_report(
        &self,
        req: Request<pb::ReviewReportRequest>,
    ) -> Result<Response<pb::ReviewReportResponse>, Status> {
        let caller = self.caller(&req, "report.review").await?;
        let r = req.into_inner();
        let target = format!("{}/{}", r.office_code, r.year);
        let result = async {
            office_year(&r.office_code, r.year)?;
            validate::text("reason", &r.reason, false, validate::MAX_REASON_LEN)?;
            let action = match pb::ReviewAction::try_from(r.action) {
                Ok(pb::ReviewAction::Accept) => review::Action::Accept,
                Ok(pb::ReviewAction::Return) => review::Action::Return,
                Ok(pb::ReviewAction::Publish) => review::Action::Publish,
                Ok(pb::ReviewAction::Reopen) => review::Action::Reopen,
                _ => {
                    return Err(StorageError::invalid(
                        "action",
                        "must be specified / 必须指定",
                    ));
                }
            };
            let place = match action {
                review::Action::Publish => Some(publications::place(&r.url, &r.published_date)?),
                _ => None,
            };
            review::review_at(
                &self.db,
                &caller,
                &r.office_code,
                r.year,
                action,
                r.reason.trim(),
                place.as_ref(),
            )
            .await
        }
        .await;
        let summary = self.done(&caller, "report.review", &target, result).await?;
        Ok(Response::new(pb::ReviewReportResponse {
            summary: Some(wire::summary(&summary)),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn create_token(
        &self,
        req: Request<pb::CreateTokenRequest>,
    ) -> Result<Response<pb::CreateTokenResponse>, Status> {
        let caller = self.caller(&req, "token.create").await?;
        let r = req.into_inner();
        let result = async {
            caller.require_admin()?;
            let role = wire::role_from_pb(r.role).ok_or_else(|| {
                StorageError::invalid(
                    "role",
                    "must be office, city or admin / 须为 office、city 或 admin",
                )
            })?;
            if !r.office_code.is_empty() {
                validate::office_code("office_code", &r.office_code)?;
            }
            validate::text("label", &r.label, false, validate::MAX_TEXT_LEN)?;
            tokens::create(
                &self.db,
                &caller.token_id,
                role,
                Some(r.office_code.as_str()),
                &r.label,
            )
            .await
        }
        .await;
        let (info, secret) = self
            .done(&caller, "token.create", &r.office_code, result)
            .await?;
        Ok(Response::new(pb::CreateTokenResponse {
            info: Some(wire::token(&info)),
            token: secret,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn list_tokens(
        &self,
        req: Request<pb::ListTokensRequest>,
    ) -> Result<Response<pb::ListTokensResponse>, Status> {
        let caller = self.caller(&req, "token.list").await?;
        let result = async {
            caller.require_admin()?;
            tokens::list(&self.db).await
        }
        .await;
        let list = self.done(&caller, "token.list", "", result).await?;
        Ok(Response::new(pb::ListTokensResponse {
            tokens: list.iter().map(wire::token).collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(token = %req.get_ref().id))]
    async fn revoke_token(
        &self,
        req: Request<pb::RevokeTokenRequest>,
    ) -> Result<Response<pb::RevokeTokenResponse>, Status> {
        let caller = self.caller(&req, "token.revoke").await?;
        let r = req.into_inner();
        let result = async {
            validate::text("id", &r.id, true, 64)?;
            tokens::revoke(&self.db, &caller, &r.id).await
        }
        .await;
        let info = self.done(&caller, "token.revoke", &r.id, result).await?;
        self.submitters.forget_token(&r.id);
        Ok(Response::new(pb::RevokeTokenResponse {
            info: Some(wire::token(&info)),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn list_audit_events(
        &self,
        req: Request<pb::ListAuditEventsRequest>,
    ) -> Result<Response<pb::ListAuditEventsResponse>, Status> {
        let caller = self.caller(&req, "audit.list").await?;
        let r = req.into_inner();
        let size = page_size(r.page_size);
        let result = async {
            caller.require_admin()?;
            let before = page_token(&r.page_token)?;
            audit::list(&self.db, size + 1, (before > 0).then_some(before)).await
        }
        .await;
        let mut events = self.done(&caller, "audit.list", "", result).await?;
        let next = if events.len() as u64 > size {
            events.truncate(size as usize);
            events.last().map(|e| e.id.to_string()).unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response::new(pb::ListAuditEventsResponse {
            events: events.into_iter().map(wire::audit).collect(),
            next_page_token: next,
        }))
    }

    #[tracing::instrument(skip_all, fields(office = %req.get_ref().office_code, year = req.get_ref().year))]
    async fn mark_finding(
        &self,
        req: Request<pb::MarkFindingRequest>,
    ) -> Result<Response<pb::MarkFindingResponse>, Status> {
        let caller = self.caller(&req, "finding.mark").await?;
        let r = req.into_inner();
        let target = format!("{}/{}", r.office_code, r.year);
        let result = async {
            office_year(&r.office_code, r.year)?;
            validate::text("fingerprint", &r.fingerprint, true, 2000)?;
            validate::text("reason", &r.reason, true, validate::MAX_REASON_LEN)?;
            marks::mark(
                &self.db,
                &caller,
                &r.office_code,
                r.year,
                &r.fingerprint,
                &r.reason,
            )
            .await
        }
        .await;
        let mark = self.done(&caller, "finding.mark", &target, result).await?;
        Ok(Response::new(pb::MarkFindingResponse {
            mark: Some(wire::mark(mark, &r.office_code, r.year)),
        }))
    }

    #[tracing::instrument(skip_all, fields(office = %req.get_ref().office_code, year = req.get_ref().year))]
    async fn list_finding_marks(
        &self,
        req: Request<pb::ListFindingMarksRequest>,
    ) -> Result<Response<pb::ListFindingMarksResponse>, Status> {
        let caller = self.caller(&req, "finding.list").await?;
        let r = req.into_inner();
        if r.office_code.is_empty() {
            return self.list_subtree_marks(&caller, r).await;
        }
        let target = format!("{}/{}", r.office_code, r.year);
        let result = async {
            office_year(&r.office_code, r.year)?;
            marks::list(&self.read, &caller, &r.office_code, r.year).await
        }
        .await;
        let list = self.done(&caller, "finding.list", &target, result).await?;
        Ok(Response::new(pb::ListFindingMarksResponse {
            marks: list
                .into_iter()
                .map(|m| wire::mark(m, &r.office_code, r.year))
                .collect(),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn list_publications(
        &self,
        req: Request<pb::ListPublicationsRequest>,
    ) -> Result<Response<pb::ListPublicationsResponse>, Status> {
        self.list_publications_rpc(req).await
    }

    #[tracing::instrument(skip_all)]
    async fn record_check(
        &self,
        req: Request<pb::RecordCheckRequest>,
    ) -> Result<Response<pb::RecordCheckResponse>, Status> {
        self.record_check_rpc(req).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_contact(
        &self,
        req: Request<pb::SetContactRequest>,
    ) -> Result<Response<pb::SetContactResponse>, Status> {
        reminders::set_contact(self, req).await
    }

    #[tracing::instrument(skip_all)]
    async fn list_contacts(
        &self,
        req: Request<pb::ListContactsRequest>,
    ) -> Result<Response<pb::ListContactsResponse>, Status> {
        reminders::list_contacts(self, req).await
    }

    #[tracing::instrument(skip_all, fields(org = %req.get_ref().org_code, year = req.get_ref().year))]
    async fn get_reminder_plan(
        &self,
        req: Request<pb::GetReminderPlanRequest>,
    ) -> Result<Response<pb::GetReminderPlanResponse>, Status> {
        reminders::get_plan(self, req).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_reminder_plan(
        &self,
        req: Request<pb::SetReminderPlanRequest>,
    ) -> Result<Response<pb::SetReminderPlanResponse>, Status> {
        reminders::set_plan(self, req).await
    }

    #[tracing::instrument(skip_all)]
    async fn list_reminder_plans(
        &self,
        req: Request<pb::ListReminderPlansRequest>,
    ) -> Result<Response<pb::ListReminderPlansResponse>, Status> {
        reminders::list_plans(self, req).await
    }

    #[tracing::instrument(skip_all)]
    async fn claim_reminder(
        &self,
        req: Request<pb::ClaimReminderRequest>,
    ) -> Result<Response<pb::ClaimReminderResponse>, Status> {
        reminders::claim(self, req).await
    }

    #[tracing::instrument(skip_all, fields(office = %req.get_ref().office_code, step = %req.get_ref().step))]
    async fn finish_reminder(
        &self,
        req: Request<pb::FinishReminderRequest>,
    ) -> Result<Response<pb::FinishReminderResponse>, Status> {
        reminders::finish(self, req).await
    }

    #[tracing::instrument(skip_all, fields(org = %req.get_ref().org_code, year = req.get_ref().year))]
    async fn list_reminder_log(
        &self,
        req: Request<pb::ListReminderLogRequest>,
    ) -> Result<Response<pb::ListReminderLogResponse>, Status> {
        reminders::log(self, req).await
    }
}
