//! A report: the official layout with each finding on its cell, the revisions and what changed
//! between any two, accept / return with a reason, and the documents.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use nianbao_model::Report;
use nianbao_proto::render::v1 as rpb;
use nianbao_proto::report::v1 as pb;
use nianbao_proto::storage::v1 as st;

use super::layout::{Nav, page};
use super::report_view::{annotate, change_note, changes, finding_note, main_of};
use super::{attachment, doc_format, render};
use crate::AppState;
use crate::error::{WebError, WebResult};
use crate::session::{Session, User};
use crate::time;

#[derive(serde::Deserialize, Default)]
pub struct ReportQuery {
    rev: Option<i64>,
    from: Option<i64>,
    #[serde(default)]
    done: String,
}

#[derive(serde::Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

/// The status of an office-year in Chinese.
pub fn status_zh(status: i32) -> &'static str {
    match st::ReportStatus::try_from(status) {
        Ok(st::ReportStatus::Draft) => "草稿",
        Ok(st::ReportStatus::Submitted) => "已提交，待审核",
        Ok(st::ReportStatus::Returned) => "已退回",
        Ok(st::ReportStatus::Accepted) => "已接受",
        Ok(st::ReportStatus::Published) => "已发布",
        _ => "未知",
    }
}

async fn get(
    state: &AppState,
    user: &Session,
    code: &str,
    year: i32,
    revision: Option<i64>,
) -> WebResult<(Report, st::GetReportResponse)> {
    let mut got = state
        .upstreams
        .storage(&user.token)?
        .get_report(st::GetReportRequest {
            office_code: code.to_string(),
            year,
            revision,
        })
        .await?
        .into_inner();
    let report_pb = got
        .report
        .take()
        .ok_or_else(|| WebError::Internal("storage answered without a report".into()))?;
    let report = Report::try_from(report_pb)
        .map_err(|e| WebError::Internal(format!("stored report does not convert: {e}")))?;
    Ok((report, got))
}

async fn summary(
    state: &AppState,
    user: &Session,
    code: &str,
    year: i32,
) -> WebResult<Option<st::ReportSummary>> {
    Ok(state
        .upstreams
        .storage(&user.token)?
        .list_reports(st::ListReportsRequest {
            under: code.to_string(),
            year: Some(year),
            status: None,
            page_size: 10,
            page_token: String::new(),
        })
        .await?
        .into_inner()
        .reports
        .into_iter()
        .find(|r| r.office_code == code))
}

/// `GET /report/{code}/{year}`.
#[tracing::instrument(skip_all, fields(office = %code, year))]
pub async fn show(
    State(state): State<Arc<AppState>>,
    User(user): User,
    Path((code, year)): Path<(String, i32)>,
    Query(q): Query<ReportQuery>,
) -> WebResult<Html<String>> {
    let started = std::time::Instant::now();
    let (report, got) = get(&state, &user, &code, year, q.rev).await?;
    let revision = got.revision.clone().unwrap_or_default();
    let reference = rpb::ReportRef {
        office_code: code.clone(),
        year,
        revision: Some(revision.number),
    };
    let rendered = render(
        &state,
        &user,
        rpb::render_request::Source::Ref(reference),
        rpb::Format::Html,
        true,
    );
    let mut storage = state.upstreams.storage(&user.token)?;
    let history = storage.list_revisions(st::ListRevisionsRequest {
        office_code: code.clone(),
        year,
        page_size: 100,
        page_token: String::new(),
        newest_first: true,
    });
    let (rendered, history, summary) =
        tokio::join!(rendered, history, summary(&state, &user, &code, year));
    let html_doc = String::from_utf8_lossy(&rendered?.1).into_owned();
    let history = history?.into_inner().revisions;
    let summary = summary?.unwrap_or_default();
    let diff = match q.from {
        Some(from) if from != revision.number => {
            let (old, _) = get(&state, &user, &code, year, Some(from)).await?;
            Some((from, changes(&old, &report)))
        }
        _ => None,
    };
    let mut notes: Vec<_> = revision.findings.iter().filter_map(finding_note).collect();
    if let Some((_, list)) = &diff {
        notes.extend(list.iter().map(change_note));
    }
    let fetched = started.elapsed();
    let (official, _) = annotate(&main_of(&html_doc), notes);
    let latest = history.first().map(|r| r.number).unwrap_or(revision.number);
    let code_url = super::enc(&code);
    let body = html! {
        h1 { (report.office.name) " " (year) " 年度报告" }
        p {
            "单位代码 " (code) " · 第 " (revision.number) " 版"
            @if revision.draft { "（草稿）" }
            @if revision.number != latest { " · " a href=(format!("/report/{code_url}/{year}")) { "查看最新版（第 " (latest) " 版）" } }
            " · 状态：" strong { (status_zh(got.status)) }
            " · 提交于 " (time::datetime(&revision.submitted_at, &state.zone)) "（" (time::zone_name(&state.zone)) "）"
        }
        @match q.done.as_str() {
            "accepted" => div.notice.ok role="status" { "已接受该报告。" },
            "returned" => div.notice.ok role="status" { "已退回该报告，退回理由已通知填报单位。" },
            "submitted" => div.notice.ok role="status" { "已提交。" },
            _ => {},
        }
        @if got.status == st::ReportStatus::Returned as i32 && !summary.return_reason.is_empty() {
            div.notice.bad role="note" { strong { "退回理由：" } (summary.return_reason) }
        }
        div.cols {
            div {
                @if let Some((from, list)) = &diff {
                    (changes_table(*from, revision.number, list))
                }
                div.official lang="zh-CN" { (PreEscaped(official)) }
            }
            aside aria-label="审核与下载" {
                (findings_card(&revision.findings))
                @if user.role.is_city() && got.status == st::ReportStatus::Submitted as i32 && revision.number == latest {
                    (review_card(&user, &code_url, year))
                }
                div.card {
                    h2 { "下载" }
                    p.downloads {
                        @for (f, label) in [("html", "网页 HTML"), ("docx", "Word DOCX"), ("pdf", "PDF")] {
                            a.button.secondary href=(format!("/report/{code_url}/{year}/download/{f}?rev={}", revision.number)) { (label) }
                        }
                    }
                }
                (history_card(&code_url, year, &history, revision.number, &state.zone))
            }
        }
    };
    let html = page(
        &format!("{} {year} 年度报告", report.office.name),
        Some(&user),
        Nav::None,
        body,
    );
    tracing::info!(
        fetch_ms = fetched.as_secs_f64() * 1e3,
        render_ms = (started.elapsed() - fetched).as_secs_f64() * 1e3,
        bytes = html.0.len(),
        "report served"
    );
    Ok(html)
}

fn findings_card(findings: &[pb::Finding]) -> Markup {
    html! {
        div.card {
            h2 { "审核意见（" (findings.len()) "）" }
            @if findings.is_empty() {
                p { "未发现问题。" }
            } @else {
                ol.findings {
                    @for f in findings {
                        @let error = f.severity == pb::Severity::Error as i32;
                        li class=(if error { "sev-error" } else { "sev-warning" }) {
                            strong { (if error { "错误" } else { "提示" }) " " (f.rule) } " "
                            (f.message_zh)
                            @if let Some(e) = &f.expected { "（应为 " (e) "）" }
                            br;
                            span.muted lang="en" { (f.message_en) }
                            @if let Some(cell) = f.cells.first() {
                                " " a href=(format!("#cell-{cell}")) { "定位单元格" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn review_card(user: &Session, code: &str, year: i32) -> Markup {
    let action = format!("/report/{code}/{year}/review");
    html! {
        div.card {
            h2 { "审核" }
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(user.csrf);
                input type="hidden" name="action" value="accept";
                button type="submit" { "接受" }
            }
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(user.csrf);
                input type="hidden" name="action" value="return";
                p {
                    label for="reason" { "退回理由（必填，填报单位可见）" }
                    textarea id="reason" name="reason" required {}
                }
                button.danger type="submit" { "退回" }
            }
        }
    }
}

fn history_card(
    code: &str,
    year: i32,
    history: &[st::Revision],
    shown: i64,
    zone: &chrono::FixedOffset,
) -> Markup {
    html! {
        div.card {
            h2 { "修订记录" }
            div.wrap tabindex="0" {
                table.data {
                    caption { "各版本（最新在前）" }
                    thead { tr { th scope="col" { "版本" } th scope="col" { "时间" } th scope="col" { "改动" } th scope="col" { "比较" } } }
                    tbody {
                        @for r in history {
                            tr {
                                th scope="row" {
                                    @if r.number == shown { "第 " (r.number) " 版" } @else { a href=(format!("/report/{code}/{year}?rev={}", r.number)) { "第 " (r.number) " 版" } }
                                    @if r.draft { "（草稿）" }
                                }
                                td { (time::datetime(&r.submitted_at, zone)) }
                                td.n { (r.changed_cells.len()) " 格" }
                                td {
                                    @if r.number > 1 {
                                        a href=(format!("/report/{code}/{year}?rev={}&from={}", r.number, r.number - 1)) { "与上一版" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            form.filters method="get" action=(format!("/report/{code}/{year}")) {
                label { "比较：原版本" input type="text" inputmode="numeric" name="from" size="4"; }
                label { "新版本" input type="text" inputmode="numeric" name="rev" size="4" value=(shown); }
                button.secondary type="submit" { "比较" }
            }
        }
    }
}

fn changes_table(from: i64, to: i64, list: &[super::report_view::Change]) -> Markup {
    html! {
        div.card {
            div.wrap tabindex="0" {
                table.data {
                    caption { "第 " (from) " 版 → 第 " (to) " 版：" (list.len()) " 个单元格有改动（表中以虚线框标出）" }
                    thead { tr { th scope="col" { "单元格" } th scope="col" { "原值" } th scope="col" { "新值" } } }
                    tbody {
                        @for c in list {
                            tr { th scope="row" { a href=(format!("#cell-{}", c.key)) { (c.label) } } td.n { (c.old) } td.n { (c.new) } }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /report/{code}/{year}/review`: accept, or return with a reason.
#[tracing::instrument(skip_all, fields(office = %code, year))]
pub async fn review(
    State(state): State<Arc<AppState>>,
    User(user): User,
    Path((code, year)): Path<(String, i32)>,
    Form(f): Form<ReviewForm>,
) -> WebResult<Response> {
    user.check_csrf(&f.csrf)?;
    let (action, done) = match f.action.as_str() {
        "accept" => (st::ReviewAction::Accept, "accepted"),
        "return" => (st::ReviewAction::Return, "returned"),
        other => {
            return Err(WebError::BadRequest(format!(
                "action {other:?}: expected accept or return / 操作应为接受或退回"
            )));
        }
    };
    if action == st::ReviewAction::Return && f.reason.trim().is_empty() {
        return Err(WebError::BadRequest(
            "reason: a returned report needs a reason / 退回须填写理由".into(),
        ));
    }
    state
        .upstreams
        .storage(&user.token)?
        .review_report(st::ReviewReportRequest {
            office_code: code.clone(),
            year,
            action: action as i32,
            reason: f.reason.trim().to_string(),
            ..Default::default()
        })
        .await?;
    Ok(Redirect::to(&format!("/report/{}/{year}?done={done}", super::enc(&code))).into_response())
}

/// `GET /report/{code}/{year}/download/{format}`.
pub async fn download(
    State(state): State<Arc<AppState>>,
    User(user): User,
    Path((code, year, format)): Path<(String, i32, String)>,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    let (format, ext) = doc_format(&format)?;
    let reference = rpb::ReportRef {
        office_code: code.clone(),
        year,
        revision: q.rev,
    };
    let (content_type, bytes) = render(
        &state,
        &user,
        rpb::render_request::Source::Ref(reference),
        format,
        false,
    )
    .await?;
    Ok(attachment(
        &content_type,
        &format!("{code}-{year}.{ext}"),
        bytes,
    ))
}
