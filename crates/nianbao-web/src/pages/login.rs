//! Signing in with a token (exchanged for a session) and signing out.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use nianbao_proto::storage::v1 as st;

use super::layout::{Nav, page};
use crate::AppState;
use crate::error::{WebError, WebResult};
use crate::session::{self, Role, Secret};

#[derive(serde::Deserialize)]
pub struct SignIn {
    token: String,
}

#[derive(serde::Deserialize)]
pub struct SignOut {
    #[serde(default)]
    csrf: String,
}

/// `GET /login`.
pub async fn form() -> Response {
    sign_in_page(StatusCode::OK, None)
}

fn sign_in_page(status: StatusCode, error: Option<&str>) -> Response {
    let body = html! {
        div.card.sign-in {
            h1 { "登录" }
            p { "请输入管理员为您签发的访问令牌（以 nbt_ 开头）。令牌只用于本次会话，不会显示在页面或地址中。" }
            @if let Some(e) = error {
                div.notice.bad role="alert" { (e) }
            }
            form method="post" action="/login" {
                p {
                    label for="token" { "访问令牌 / token" }
                    br;
                    input id="token" name="token" type="password" autocomplete="off" required;
                }
                p { button type="submit" { "登录" } }
            }
        }
    };
    (status, page("登录", None, Nav::None, body)).into_response()
}

fn client_ip(connect: Option<&ConnectInfo<SocketAddr>>) -> IpAddr {
    connect
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// `POST /login`: asks storage who the token is; a valid one starts a session.
#[tracing::instrument(skip_all)]
pub async fn submit(
    State(state): State<Arc<AppState>>,
    extensions: axum::http::Extensions,
    Form(f): Form<SignIn>,
) -> WebResult<Response> {
    let ip = client_ip(extensions.get::<ConnectInfo<SocketAddr>>());
    if state.failures.blocked(ip) {
        return Err(WebError::TooManyFailures);
    }
    let token = Secret::new(f.token.trim().to_string());
    let who = match who_am_i(&state, &token).await {
        Ok(w) => w,
        Err(WebError::Upstream(s))
            if matches!(
                s.code(),
                tonic::Code::Unauthenticated | tonic::Code::PermissionDenied
            ) =>
        {
            state.failures.record(ip);
            tracing::info!(%ip, "sign-in refused");
            return Ok(sign_in_page(
                StatusCode::UNAUTHORIZED,
                Some("令牌无效或已吊销 / the token is not valid or was revoked"),
            ));
        }
        Err(WebError::BadRequest(_)) => {
            state.failures.record(ip);
            return Ok(sign_in_page(
                StatusCode::UNAUTHORIZED,
                Some("令牌无效 / the token is not valid"),
            ));
        }
        Err(e) => return Err(e),
    };
    let role = match st::Role::try_from(who.role) {
        Ok(st::Role::Office) => Role::Office,
        Ok(st::Role::City) => Role::City,
        Ok(st::Role::Admin) => Role::Admin,
        _ => return Err(WebError::Internal(format!("unknown role {}", who.role))),
    };
    let name = office_name(&state, &token, &who.office_code).await;
    let id = state
        .sessions
        .create(token, role, who.office_code.clone(), name);
    tracing::info!(office = %who.office_code, ?role, "signed in");
    Ok((
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                session::set_cookie(&id, state.settings.secure_cookie),
            ),
            (header::LOCATION, "/".to_string()),
        ],
    )
        .into_response())
}

async fn who_am_i(state: &AppState, token: &Secret) -> WebResult<st::WhoAmIResponse> {
    if token.expose().is_empty() {
        return Err(WebError::BadRequest("empty token".into()));
    }
    Ok(state
        .upstreams
        .storage(token)?
        .who_am_i(st::WhoAmIRequest {})
        .await?
        .into_inner())
}

/// The name of the token's office, when the token may list it (else empty).
async fn office_name(state: &AppState, token: &Secret, code: &str) -> String {
    if code.is_empty() {
        return String::new();
    }
    let Ok(mut storage) = state.upstreams.storage(token) else {
        return String::new();
    };
    match storage
        .list_offices(st::ListOfficesRequest {
            under: code.to_string(),
        })
        .await
    {
        Ok(r) => r
            .into_inner()
            .offices
            .into_iter()
            .find(|o| o.code == code)
            .map(|o| o.name)
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// `POST /logout`: ends the session (the form carries the CSRF token).
pub async fn logout(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(f): Form<SignOut>,
) -> WebResult<Response> {
    if let Some(id) = session::cookie_of(&headers)
        && let Some(s) = state.sessions.get(&id)
    {
        s.check_csrf(&f.csrf)?;
        state.sessions.remove(&id);
    }
    Ok((
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                session::clear_cookie(state.settings.secure_cookie),
            ),
            (header::LOCATION, "/login".to_string()),
        ],
    )
        .into_response())
}
