//! The pages: routes, the security headers every answer carries, and helpers shared by the pages.

mod board;
mod board_export;
mod board_table;
mod follow_up;
pub mod layout;
mod login;
mod office;
mod quality;
mod reminders;
mod report;
mod report_view;
mod rollup;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use nianbao_proto::render::v1 as rpb;
use streaming::collect;

use crate::AppState;
use crate::error::{WebError, WebResult};
use crate::session::User;

/// The Content-Security-Policy of every answer: nothing but this origin's stylesheet and
/// images, no script at all (inline or not), no framing, forms only to this origin.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The console's routes.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.settings.max_upload_bytes;
    Router::new()
        .route("/", get(home))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/static/console.css", get(crate::assets::css))
        .route("/board", get(board::show))
        .route("/board.csv", get(board::csv))
        .route("/board.xlsx", get(board::xlsx))
        .route("/report/{code}/{year}", get(report::show))
        .route("/report/{code}/{year}/review", post(report::review))
        .route(
            "/report/{code}/{year}/download/{format}",
            get(report::download),
        )
        .route("/reminders", get(reminders::show))
        .route("/rollup", get(rollup::show))
        .route("/rollup/document/{format}", get(rollup::document))
        .route("/rollup/export/{format}", get(rollup::export))
        .route("/office", get(office::show))
        .route(
            "/office/upload",
            get(office::upload_form).post(office::upload),
        )
        .route("/office/submit", post(office::submit))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

async fn home(User(user): User) -> Response {
    if user.role.is_city() {
        Redirect::to("/board").into_response()
    } else {
        Redirect::to("/office").into_response()
    }
}

/// The year a page shows: asked for, else the configured one, else last year.
pub fn year_or_default(state: &AppState, asked: Option<i32>) -> i32 {
    asked.unwrap_or_else(|| {
        if state.settings.year > 0 {
            state.settings.year
        } else {
            use chrono::Datelike;
            crate::time::today(&state.zone).year() - 1
        }
    })
}

/// Refuses an office token on a page for city staff.
pub fn city_only(user: &crate::session::Session) -> WebResult<()> {
    if user.role.is_city() {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "this page is for city staff / 此页面仅供主管部门使用".into(),
        ))
    }
}

/// The subtree a city page shows: asked for, else the user's office, else the first root.
pub async fn org_or_default(
    state: &AppState,
    user: &crate::session::Session,
    asked: Option<String>,
) -> WebResult<String> {
    if let Some(org) = asked.filter(|o| !o.trim().is_empty()) {
        return Ok(org.trim().to_string());
    }
    if !user.office_code.is_empty() {
        return Ok(user.office_code.clone());
    }
    let offices = state
        .upstreams
        .storage(&user.token)?
        .list_offices(nianbao_proto::storage::v1::ListOfficesRequest::default())
        .await?
        .into_inner()
        .offices;
    offices
        .into_iter()
        .find(|o| o.parent_code.is_empty())
        .map(|o| o.code)
        .ok_or_else(|| WebError::BadRequest("no office yet / 尚无单位".into()))
}

/// Renders through the rendering service; returns the content type and the bytes.
pub async fn render(
    state: &AppState,
    user: &crate::session::Session,
    source: rpb::render_request::Source,
    format: rpb::Format,
    review: bool,
) -> WebResult<(String, Vec<u8>)> {
    let stream = state
        .upstreams
        .render(&user.token)?
        .render(rpb::RenderRequest {
            source: Some(source),
            format: format as i32,
            review,
            ..Default::default()
        })
        .await?
        .into_inner();
    collect(stream, |m: rpb::RenderResponse| (m.content_type, m.chunk)).await
}

/// Percent-encodes text for a URL path segment or query value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A document format of the download links.
pub fn doc_format(name: &str) -> WebResult<(rpb::Format, &'static str)> {
    match name {
        "html" => Ok((rpb::Format::Html, "html")),
        "docx" => Ok((rpb::Format::Docx, "docx")),
        "pdf" => Ok((rpb::Format::Pdf, "pdf")),
        _ => Err(WebError::BadRequest(format!(
            "format {name}: expected html, docx or pdf / 格式应为 html、docx 或 pdf"
        ))),
    }
}

/// A download: the bytes with their type and a file name (ASCII, so no header escaping).
pub fn attachment(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        file_name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            })
            .collect::<String>()
    );
    let mut res = bytes.into_response();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// Collecting a streamed answer (rendered documents, exports) into one buffer.
mod streaming {
    use crate::error::WebResult;

    /// Reads every message of `stream`; the content type is that of the first.
    pub async fn collect<M>(
        mut stream: tonic::Streaming<M>,
        parts: impl Fn(M) -> (String, Vec<u8>),
    ) -> WebResult<(String, Vec<u8>)> {
        let (mut content_type, mut bytes) = (String::new(), Vec::new());
        while let Some(m) = stream.message().await? {
            let (ct, chunk) = parts(m);
            if content_type.is_empty() {
                content_type = ct;
            }
            bytes.extend(chunk);
        }
        Ok((content_type, bytes))
    }
}
