//! An office's pages: its reports by year with the city's return reasons, and the upload of a
//! document → a preview of every cell read with the importer's diagnostics and the rule findings on
//! their cells → submission as a draft or final, with an idempotency key so a double click is one
//! revision.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use nianbao_model::{Report, interchange, rules};
use nianbao_proto::render::v1 as rpb;
use nianbao_proto::report::v1 as pb;
use nianbao_proto::storage::v1 as st;

use super::layout::{Nav, page};
use super::render;
use super::report::status_zh;
use super::report_view::{Note, annotate, finding_note, main_of};
use crate::AppState;
use crate::error::{WebError, WebResult};
use crate::session::{Pending, Session, User, random_hex};
use crate::time;

fn office_only(user: &Session) -> WebResult<()> {
    if user.office_code.is_empty() {
        return Err(WebError::Forbidden(
            "this page is for a token bound to an office / 此页面须使用单位令牌".into(),
        ));
    }
    Ok(())
}

/// `GET /office`: the office's reports by year.
#[tracing::instrument(skip_all)]
pub async fn show(State(state): State<Arc<AppState>>, User(user): User) -> WebResult<Html<String>> {
    office_only(&user)?;
    let reports = state
        .upstreams
        .storage(&user.token)?
        .list_reports(st::ListReportsRequest {
            under: user.office_code.clone(),
            year: None,
            status: None,
            page_size: 100,
            page_token: String::new(),
        })
        .await?
        .into_inner()
        .reports;
    let mut mine: Vec<_> = reports
        .into_iter()
        .filter(|r| r.office_code == user.office_code)
        .collect();
    mine.sort_by_key(|r| std::cmp::Reverse(r.year));
    let code = super::enc(&user.office_code);
    let body = html! {
        h1 { (user.office_name) " 的年度报告" }
        p { a.button href="/office/upload" { "上传年度报告" } }
        div.wrap tabindex="0" {
            table.data {
                caption { "本单位各年度报告（" (time::zone_name(&state.zone)) "）" }
                thead { tr {
                    th scope="col" { "年度" } th scope="col" { "状态" } th scope="col" { "最新版本" }
                    th scope="col" { "最近提交" } th scope="col" { "错误" } th scope="col" { "警告" } th scope="col" { "主管部门退回理由" }
                } }
                tbody {
                    @if mine.is_empty() {
                        tr { td colspan="7" { "尚未提交任何年度报告。" } }
                    }
                    @for r in &mine {
                        tr {
                            th scope="row" { a href=(format!("/report/{code}/{}", r.year)) { (r.year) " 年度" } }
                            td { (status_zh(r.status)) }
                            td.n { "第 " (r.latest_revision) " 版" }
                            td { (time::datetime(&r.last_submitted_at, &state.zone)) }
                            td.n { (r.error_count) }
                            td.n { (r.warning_count) }
                            td { @if r.status == st::ReportStatus::Returned as i32 { strong { (r.return_reason) } } }
                        }
                    }
                }
            }
        }
    };
    Ok(page("本单位年报", Some(&user), Nav::Office, body))
}

/// `GET /office/upload`.
pub async fn upload_form(User(user): User) -> WebResult<Html<String>> {
    office_only(&user)?;
    Ok(page(
        "上传年报",
        Some(&user),
        Nav::Upload,
        upload_markup(&user, None),
    ))
}

fn upload_markup(user: &Session, error: Option<&str>) -> Markup {
    html! {
        h1 { "上传年度报告" }
        div.card {
            p { "可上传 Word（.docx）、网页（.html）、PDF、Markdown、纯文本或交换格式 JSON。上传后先预览读取到的每个单元格和审核意见，确认后再保存为草稿或正式提交。" }
            @if let Some(e) = error { div.notice.bad role="alert" { (e) } }
            form method="post" action="/office/upload" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(user.csrf);
                p {
                    label for="file" { "文件" }
                    br;
                    input id="file" name="file" type="file" required accept=".docx,.html,.htm,.pdf,.md,.txt,.json";
                }
                p { button type="submit" { "上传并预览" } }
            }
        }
    }
}

/// Reads an uploaded document: interchange JSON, or any format the importer reads.
fn read_upload(
    bytes: &[u8],
    name: Option<&str>,
) -> Result<(Report, Vec<nianbao_import::Diagnostic>), String> {
    let text_start = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF);
    if text_start == Some(&b'{') {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| "JSON 文件须为 UTF-8 编码 / a JSON file must be UTF-8".to_string())?;
        let text = text.trim_start_matches('\u{feff}');
        return interchange::from_json(text)
            .map(|r| (r, Vec::new()))
            .map_err(|e| e.to_string());
    }
    nianbao_import::import(bytes, name)
        .map(|i| (i.report, i.diagnostics))
        .map_err(|e| e.to_string())
}

/// `POST /office/upload`: reads the document and shows what was read.
#[tracing::instrument(skip_all)]
pub async fn upload(
    State(state): State<Arc<AppState>>,
    User(user): User,
    mut form: Multipart,
) -> WebResult<Response> {
    office_only(&user)?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        WebError::BadRequest(format!("upload / 上传: {e}"))
    };
    let (mut csrf, mut file, mut name) = (String::new(), None, None);
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(bad)?,
            Some("file") => {
                name = field.file_name().map(str::to_string);
                file = Some(field.bytes().await.map_err(bad)?);
            }
            _ => {}
        }
    }
    user.check_csrf(&csrf)?;
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return Ok(page(
            "上传年报",
            Some(&user),
            Nav::Upload,
            upload_markup(&user, Some("请选择一个文件 / choose a file")),
        )
        .into_response());
    };
    let (mut report, diagnostics) = match read_upload(&bytes, name.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("{}: {e}", name.as_deref().unwrap_or("file"));
            return Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                page(
                    "上传年报",
                    Some(&user),
                    Nav::Upload,
                    upload_markup(&user, Some(&msg)),
                ),
            )
                .into_response());
        }
    };
    report.office.code = user.office_code.clone();
    if !user.office_name.is_empty() {
        report.office.name = user.office_name.clone();
    }
    let findings: Vec<pb::Finding> = rules::check_report(&report)
        .iter()
        .map(pb::Finding::from)
        .collect();
    let (_, rendered) = render(
        &state,
        &user,
        rpb::render_request::Source::Report(pb::Report::from(&report)),
        rpb::Format::Html,
        true,
    )
    .await?;
    let html_doc = String::from_utf8_lossy(&rendered).into_owned();
    let mut notes: Vec<Note> = findings.iter().filter_map(finding_note).collect();
    notes.extend(diagnostics.iter().filter_map(|d| {
        Some(Note {
            key: d.cell?.to_string(),
            class: "warning",
            markup: html! { b { "识别说明 " } (d.message_zh) },
        })
    }));
    let (official, _) = annotate(&main_of(&html_doc), notes);
    let errors = findings
        .iter()
        .filter(|f| f.severity == pb::Severity::Error as i32)
        .count();
    let cells = report.cells.len();
    let year = report.year;
    let upload_id = user.keep_upload(Pending {
        report,
        request_id: format!("web-{}", random_hex(12)),
    });
    let request_id = user
        .upload(&upload_id)
        .map(|p| p.request_id)
        .unwrap_or_default();
    let body = html! {
        h1 { "预览：" (user.office_name) " " (year) " 年度报告" }
        div.cols {
            div.official { (PreEscaped(official)) }
            aside aria-label="识别结果与提交" {
                div.card {
                    h2 { "识别结果" }
                    p { "读取到 " strong { (cells) } " 个单元格；" (diagnostics.len()) " 条识别说明；" (errors) " 个错误，" (findings.len() - errors) " 条提示。" }
                    @if !diagnostics.is_empty() {
                        ol.findings { @for d in &diagnostics { li { (d.message_zh) br; span.muted lang="en" { (d.message_en) } } } }
                    }
                    @if !findings.is_empty() {
                        h3 { "审核意见" }
                        ol.findings {
                            @for f in &findings {
                                li class=(if f.severity == pb::Severity::Error as i32 { "sev-error" } else { "sev-warning" }) {
                                    strong { (f.rule) } " " (f.message_zh)
                                    @if let Some(e) = &f.expected { "（应为 " (e) "）" }
                                }
                            }
                        }
                    }
                }
                div.card {
                    h2 { "提交" }
                    @if errors > 0 { p.notice.bad { "报告有错误，只能保存为草稿；改正后再正式提交。" } }
                    form method="post" action="/office/submit" {
                        input type="hidden" name="csrf" value=(user.csrf);
                        input type="hidden" name="upload" value=(upload_id);
                        input type="hidden" name="request_id" value=(request_id);
                        p {
                            button.secondary type="submit" name="draft" value="1" { "保存为草稿" }
                            " "
                            @if errors == 0 { button type="submit" name="draft" value="0" { "正式提交" } }
                        }
                    }
                }
            }
        }
    };
    Ok(page("预览", Some(&user), Nav::Upload, body).into_response())
}

#[derive(serde::Deserialize)]
pub struct SubmitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    upload: String,
    #[serde(default)]
    request_id: String,
    #[serde(default)]
    draft: String,
}

/// `POST /office/submit`: submits a previewed upload (the same request id answers a repeat with
/// the first revision).
#[tracing::instrument(skip_all)]
pub async fn submit(
    State(state): State<Arc<AppState>>,
    User(user): User,
    Form(f): Form<SubmitForm>,
) -> WebResult<Response> {
    user.check_csrf(&f.csrf)?;
    office_only(&user)?;
    let pending = user.upload(&f.upload).ok_or_else(|| {
        WebError::BadRequest(
            "upload: this preview has expired, upload the document again / 预览已失效，请重新上传"
                .into(),
        )
    })?;
    let request_id = if f.request_id.is_empty() {
        pending.request_id.clone()
    } else {
        f.request_id.clone()
    };
    let year = pending.report.year;
    state
        .upstreams
        .storage(&user.token)?
        .submit_report(st::SubmitReportRequest {
            report: Some(pb::Report::from(&pending.report)),
            request_id,
            base_revision: None,
            draft: f.draft == "1",
            client: format!("nianbao-web/{}", env!("CARGO_PKG_VERSION")),
        })
        .await?;
    Ok(Redirect::to(&format!(
        "/report/{}/{year}?done=submitted",
        super::enc(&user.office_code)
    ))
    .into_response())
}
