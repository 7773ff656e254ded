//! The reminder log of a city's plan for a year: what was sent to whom and when, and what failed,
//! with the reason and the time of the next attempt (storage's `ListReminderLog`, city staff of
//! the subtree only; the addresses are contacts, so an office token never reaches this page).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Html;
use maud::html;
use nianbao_proto::storage::v1 as st;

use super::follow_up::{channel_zh, reminder_log, state_zh, step_zh};
use super::layout::{Nav, page};
use super::{city_only, enc, org_or_default, year_or_default};
use crate::AppState;
use crate::error::WebResult;
use crate::session::User;
use crate::time;

#[derive(serde::Deserialize, Default)]
pub struct LogQuery {
    org: Option<String>,
    year: Option<i32>,
}

/// `GET /reminders`.
#[tracing::instrument(skip_all)]
pub async fn show(
    State(state): State<Arc<AppState>>,
    User(user): User,
    Query(q): Query<LogQuery>,
) -> WebResult<Html<String>> {
    city_only(&user)?;
    let org = org_or_default(&state, &user, q.org.clone()).await?;
    let year = year_or_default(&state, q.year);
    let mut storage = state.upstreams.storage(&user.token)?;
    let offices = storage.list_offices(st::ListOfficesRequest { under: org.clone() });
    let (log, offices) = tokio::join!(reminder_log(&state, &user, &org, year), offices);
    let log = log?;
    let names: HashMap<String, String> = offices?
        .into_inner()
        .offices
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect();
    let name = |code: &str| names.get(code).map(String::as_str).unwrap_or("");
    let sent = log.iter().filter(|d| d.state == "sent").count();
    let failed = log.iter().filter(|d| d.state == "failed").count();
    let zone = &state.zone;
    let title = format!("{} {year} 年度催报提醒记录", name(&org));
    let body = html! {
        h1 { (title) }
        div.card {
            p.totals aria-label="合计" {
                span { strong { (sent) } " 已发送" } " · "
                span { strong { (failed) } " 发送失败" } " · "
                span { strong { (log.len() - sent - failed) } " 发送中" }
            }
            form.filters method="get" action="/reminders" {
                input type="hidden" name="org" value=(org);
                label { "年度" input type="text" inputmode="numeric" name="year" value=(year) size="6"; }
                button type="submit" { "查看" }
            }
            p {
                a href=(format!("/board?org={}&year={year}", enc(&org))) { "返回报送看板" }
                " · 时间均为" (time::zone_name(zone)) "。失败的提醒到重试时间后由提醒服务再次发送。"
            }
        }
        @if log.is_empty() {
            p.card { "本年度尚无提醒记录。" }
        } @else {
            div.wrap tabindex="0" {
                table.data {
                    caption { (title) "（" (log.len()) " 条，按时间先后）" }
                    thead { tr {
                        @for h in ["时间", "单位", "提醒", "方式", "收件人", "主题", "状态", "次数", "失败原因", "重试时间"] {
                            th scope="col" { (h) }
                        }
                    } }
                    tbody {
                        @for d in &log {
                            tr {
                                td { (time::short(if d.sent_at.is_empty() { &d.claimed_at } else { &d.sent_at }, zone)) }
                                th scope="row" { (d.office_code) " " (name(&d.office_code)) }
                                td { (step_zh(&d.step)) }
                                td { (channel_zh(&d.channel)) }
                                td { (d.recipients.join("，")) }
                                td { (d.subject) }
                                td class=(if d.state == "failed" { "late" } else if d.state == "sent" { "ontime" } else { "" }) { (state_zh(&d.state)) }
                                td.n { (d.attempts) }
                                td { (d.error) }
                                td { (time::short(&d.retry_at, zone)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&title, Some(&user), Nav::Board, body))
}
