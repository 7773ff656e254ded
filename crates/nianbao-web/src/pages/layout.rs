//! The page shell: `lang="zh-CN"`, a skip link, the navigation of the user's role, sign-out.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};

use crate::error::WebError;
use crate::session::Session;

/// Which navigation entry is the current page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Board,
    Rollup,
    Office,
    Upload,
    None,
}

/// A whole page.
pub fn page(title: &str, user: Option<&Session>, nav: Nav, body: Markup) -> Html<String> {
    let current = |n: Nav| if n == nav { Some("page") } else { None };
    Html(
        html! {
            (DOCTYPE)
            html lang="zh-CN" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · 年报管理平台" }
                    link rel="stylesheet" href="/static/console.css";
                }
                body {
                    a.skip href="#main" { "跳到正文" }
                    header.top {
                        div.bar {
                            a.brand href="/" { "政府信息公开工作年度报告 · 管理平台" }
                            @if let Some(u) = user {
                                nav aria-label="主导航" {
                                    ul {
                                        @if u.role.is_city() {
                                            li { a href="/board" aria-current=[current(Nav::Board)] { "报送看板" } }
                                            li { a href="/rollup" aria-current=[current(Nav::Rollup)] { "汇总" } }
                                        } @else {
                                            li { a href="/office" aria-current=[current(Nav::Office)] { "本单位年报" } }
                                            li { a href="/office/upload" aria-current=[current(Nav::Upload)] { "上传年报" } }
                                        }
                                    }
                                }
                                div.who {
                                    span { (display_name(u)) " · " (u.role.zh()) }
                                    form method="post" action="/logout" {
                                        input type="hidden" name="csrf" value=(u.csrf);
                                        button type="submit" { "退出登录" }
                                    }
                                }
                            }
                        }
                    }
                    main id="main" { (body) }
                    footer { "nianbao 年报管理平台 · 数据按登录令牌的权限显示" }
                }
            }
        }
        .into_string(),
    )
}

fn display_name(u: &Session) -> &str {
    if u.office_name.is_empty() {
        if u.office_code.is_empty() {
            "管理员"
        } else {
            &u.office_code
        }
    } else {
        &u.office_name
    }
}

/// The page of an error.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let title = match status.as_u16() {
        400 => "请求有误",
        401 => "令牌无效",
        403 => "无权操作",
        404 => "未找到",
        409 => "当前状态不能执行该操作",
        429 => "请稍后再试",
        503 => "服务暂不可用",
        _ => "出错了",
    };
    (
        status,
        page(
            title,
            None,
            Nav::None,
            html! {
                div.card role="alert" {
                    h1 { (title) }
                    p { (message) }
                    p { a href="/" { "返回首页" } " · " a href="/login" { "登录" } }
                }
            },
        ),
    )
        .into_response()
}

/// A failed request as a page in the console's shell (sign-in for a lost session); here, beside
/// the shell, so that the error type needs nothing of the pages.
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if matches!(self, WebError::SignedOut) {
            return Redirect::to("/login").into_response();
        }
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, detail = ?self, "request failed");
        } else {
            tracing::info!(error = %self, "request refused");
        }
        let page = error_page(status, &self.message());
        (status, page).into_response()
    }
}
