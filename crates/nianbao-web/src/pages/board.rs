//! The board: every office of a subtree for a year, with totals, filters, sorting and downloads.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{Html, Response};
use maud::{Markup, PreEscaped, html};

use super::board_export;
use super::board_table::{self as table, Board, COLUMNS, Row, State as Filing};
use super::follow_up::{channel_zh, step_zh};
use super::layout::{Nav, page};
use super::{attachment, city_only, enc, org_or_default, year_or_default};
use crate::AppState;
use crate::error::WebResult;
use crate::session::User;
use crate::time;

#[derive(serde::Deserialize, Default)]
pub struct BoardQuery {
    org: Option<String>,
    year: Option<i32>,
    #[serde(default)]
    state: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    dir: String,
}

async fn load(
    state: &AppState,
    user: &crate::session::Session,
    q: &BoardQuery,
) -> WebResult<Board> {
    city_only(user)?;
    let org = org_or_default(state, user, q.org.clone()).await?;
    let year = year_or_default(state, q.year);
    let mut board = table::fetch(state, user, &org, year).await?;
    table::sort(&mut board.rows, &q.sort, q.dir == "desc");
    Ok(board)
}

/// `GET /board`.
#[tracing::instrument(skip_all)]
pub async fn show(
    State(state): State<Arc<AppState>>,
    User(user): User,
    Query(q): Query<BoardQuery>,
) -> WebResult<Html<String>> {
    let started = std::time::Instant::now();
    let mut board = load(&state, &user, &q).await?;
    let fetched = started.elapsed();
    let (on_time, late, missing) = board.totals();
    let (published, published_on_time, mismatched) = board.published_totals();
    let total = board.rows.len();
    table::filter(&mut board.rows, &q.state);
    let today = time::today(&state.zone);
    let body = html! {
        h1 { (board.org_name()) " " (board.year) " 年度报告报送情况" }
        div.card {
            p.totals aria-label="合计" {
                span { strong { (on_time) } " 按时" } " · "
                span { strong { (late) } " 逾期" } " · "
                span { strong { (missing) } " 未报送" }
                span.muted { "（共 " (total) " 个单位）" }
            }
            p.totals aria-label="发布合计" {
                span { strong { (published) } " 已发布" } " · "
                span { strong { (published_on_time) } " 按期发布" } " · "
                span { strong { (published - published_on_time) } " 逾期发布" } " · "
                span { strong { (mismatched) } " 核对发现问题" }
            }
            @if let Some(d) = board.deadline {
                p {
                    "一般单位报送截止日期：" (time::date(d)) "，"
                    @let left = (d - today).num_days();
                    @if left >= 0 { "还剩 " strong { (left) } " 天。" } @else { "已过 " (-left) " 天。" }
                    " 县（区）级汇总截止 " (time::date(shift(d, 2, 20))) "，设区的市级汇总截止 " (time::date(shift(d, 3, 10))) "，省级汇总截止 " (time::date(shift(d, 3, 31))) "。"
                }
            }
            (filters(&board, &q))
            p.downloads {
                a.button.secondary href=(format!("/board.csv?{}", query(&board, &q, &q.sort, &q.dir))) download { "下载 CSV" }
                a.button.secondary href=(format!("/board.xlsx?{}", query(&board, &q, &q.sort, &q.dir))) download { "下载 Excel（XLSX）" }
                a.button.secondary href=(format!("/reminders?org={}&year={}", enc(&board.org), board.year)) { "催报提醒记录" }
            }
        }
        (rows_table(&board, &q, &state.zone))
    };
    let html = page("报送看板", Some(&user), Nav::Board, body);
    tracing::info!(
        offices = total,
        fetch_ms = fetched.as_secs_f64() * 1e3,
        render_ms = (started.elapsed() - fetched).as_secs_f64() * 1e3,
        bytes = html.0.len(),
        "board served"
    );
    Ok(html)
}

/// A deadline of the same year as `d`.
fn shift(d: chrono::NaiveDate, month: u32, day: u32) -> chrono::NaiveDate {
    use chrono::Datelike;
    chrono::NaiveDate::from_ymd_opt(d.year(), month, day).unwrap_or(d)
}

fn query(board: &Board, q: &BoardQuery, sort: &str, dir: &str) -> String {
    format!(
        "org={}&year={}&state={}&sort={}&dir={}",
        enc(&board.org),
        board.year,
        enc(&q.state),
        enc(sort),
        enc(dir)
    )
}

fn filters(board: &Board, q: &BoardQuery) -> Markup {
    html! {
        form.filters method="get" action="/board" {
            input type="hidden" name="org" value=(board.org);
            label { "年度" input type="text" inputmode="numeric" name="year" value=(board.year) size="6"; }
            label {
                "状态"
                select name="state" {
                    option value="" selected[q.state.is_empty()] { "全部" }
                    option value="ontime" selected[q.state == "ontime"] { "按时" }
                    option value="late" selected[q.state == "late"] { "逾期" }
                    @for s in Filing::ALL {
                        option value=(s.key()) selected[q.state == s.key()] { (s.zh()) }
                    }
                }
            }
            button type="submit" { "筛选" }
        }
    }
}

/// Cells of a row are opened and not closed: a `td` or `th` ends at the next cell or at the
/// row's end (HTML's optional end tags), so browsers and assistive technology build the same
/// table from 60 fewer bytes per row. Everything from data in them is still escaped by maud.
const TD: PreEscaped<&str> = PreEscaped("<td>");
const TD_LATE: PreEscaped<&str> = PreEscaped("<td class=\"late\">");
const TH_ROW: PreEscaped<&str> = PreEscaped("<th scope=\"row\">");

fn rows_table(board: &Board, q: &BoardQuery, zone: &chrono::FixedOffset) -> Markup {
    html! {
        div.wrap tabindex="0" {
            table.data.board {
                caption {
                    (board.org_name()) " " (board.year) " 年度各单位报送情况（" (board.rows.len()) " 行；点列名排序）"
                    br;
                    span.muted { "最近提醒：未注明渠道者经电子邮件，未注明结果者已发送；收件人与失败原因见催报提醒记录。" }
                }
                thead {
                    tr {
                        @for (key, label) in COLUMNS {
                            @let active = q.sort == key || (q.sort.is_empty() && key == "code");
                            @let desc = active && q.dir == "desc";
                            th scope="col" aria-sort=(if !active { "none" } else if desc { "descending" } else { "ascending" }) {
                                a href=(format!("/board?{}", query(board, q, key, if active && !desc { "desc" } else { "asc" }))) {
                                    (label)
                                    @if active { (if desc { " ▼" } else { " ▲" }) }
                                }
                            }
                        }
                    }
                }
                tbody {
                    @for r in &board.rows {
                        tr {
                            (TD) (r.code)
                            (TH_ROW)
                            @if r.revision > 0 {
                                a href=(format!("/report/{}/{}", enc(&r.code), board.year)) { (r.name) }
                            } @else { (r.name) }
                            // Colour (a class) only where a state needs attention: the page of a
                            // thousand offices stays small.
                            @if matches!(r.state, Filing::Missing | Filing::Returned | Filing::Draft) {
                                (PreEscaped(format!("<td class=\"{}\">", r.state.key()))) (r.state.zh())
                            } @else { (TD) (r.state.zh()) }
                            @match r.days_late {
                                Some(0) => { (TD) "按时" },
                                Some(d) => { (TD_LATE) "逾期 " (d) " 天" },
                                None => { (TD) "—" },
                            }
                            // Numbers are right-aligned by their column (`table.board`), not by a class per cell.
                            (TD) @if r.revision > 0 { (r.revision) }
                            (TD) (time::short(&r.at, zone))
                            // Counts only where a report was submitted: none is not zero.
                            (TD) @if r.revision > 0 { (r.errors) }
                            (TD) @if r.revision > 0 { (r.warnings) }
                            (follow_up_cells(r, zone))
                        }
                    }
                }
            }
        }
    }
}

/// The cells of publication, its check and the latest reminder (its step and time; the channel
/// only when not e-mail and the outcome only when not sent, as the caption says).
fn follow_up_cells(r: &Row, zone: &chrono::FixedOffset) -> Markup {
    html! {
        @match &r.published {
            Some(p) => {
                @if p.on_time { (TD) } @else { (TD_LATE) }
                @if p.url.starts_with("https://") || p.url.starts_with("http://") {
                    // No `rel`: every answer's Referrer-Policy is no-referrer.
                    a href=(p.url) { (p.date) }
                } @else { (p.date) }
                " " (if p.on_time { "按期" } else { "逾期" })
                @if p.places > 1 { span.muted { "（" (p.places) " 处）" } }
            },
            None => { (TD) "未发布" },
        }
        @match r.published.as_ref().and_then(|p| p.check.as_ref()) {
            Some(c) => {
                (PreEscaped(format!("<td class=\"{}\" title=\"", c.class()))) (c.detail) (PreEscaped("\">"))
                (c.zh()) br; (time::short(&c.at, zone))
            },
            None => { (TD) },
        }
        @match &r.reminder {
            Some(m) => {
                @if m.state == "failed" { (TD_LATE) } @else { (TD) }
                (step_zh(&m.step))
                @if m.channel != "email" { "（" (channel_zh(&m.channel)) "）" }
                br; (time::short(&m.at, zone))
                @if m.state != "sent" { " " (m.state_zh()) }
            },
            None => { (TD) },
        }
    }
}

/// The board of a download: filtered as the page was.
async fn filtered(
    state: &AppState,
    user: &crate::session::Session,
    q: &BoardQuery,
) -> WebResult<Board> {
    let mut board = load(state, user, q).await?;
    table::filter(&mut board.rows, &q.state);
    Ok(board)
}

/// `GET /board.csv`.
pub async fn csv(
    State(state): State<Arc<AppState>>,
    User(user): User,
    Query(q): Query<BoardQuery>,
) -> WebResult<Response> {
    let board = filtered(&state, &user, &q).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &format!("board-{}-{}.csv", board.org, board.year),
        board_export::csv(&board.rows, &state.zone),
    ))
}

/// `GET /board.xlsx`.
pub async fn xlsx(
    State(state): State<Arc<AppState>>,
    User(user): User,
    Query(q): Query<BoardQuery>,
) -> WebResult<Response> {
    let board = filtered(&state, &user, &q).await?;
    let title = format!("{} {} 年度报告报送情况", board.org, board.year);
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("board-{}-{}.xlsx", board.org, board.year),
        board_export::xlsx(&board.rows, &state.zone, &title)?,
    ))
}
