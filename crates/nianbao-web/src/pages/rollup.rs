//! The roll-up of a subtree: the official layout, indicators, a chart and the comparisons year
//! against year and office against office, the quality view, and the downloads.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use maud::{Markup, PreEscaped, html};
use nianbao_model::Edition;
use nianbao_proto::aggregate::v1 as agg;
use nianbao_proto::render::v1 as rpb;
use nianbao_proto::report::v1 as pb;

use super::layout::{Nav, page};
use super::report_view::main_of;
use super::streaming::collect;
use super::{attachment, city_only, doc_format, org_or_default, render, year_or_default};
use crate::AppState;
use crate::error::{WebError, WebResult};
use crate::session::{Session, User};

#[derive(serde::Deserialize, Default)]
pub struct RollupQuery {
    org: Option<String>,
    year: Option<i32>,
    #[serde(default)]
    selection: String,
}

fn selection(q: &RollupQuery) -> agg::Selection {
    if q.selection == "latest" {
        agg::Selection::LatestSubmitted
    } else {
        agg::Selection::Accepted
    }
}

async fn aggregate(
    state: &AppState,
    user: &Session,
    org: &str,
    year: i32,
    q: &RollupQuery,
) -> WebResult<agg::AggregateResponse> {
    Ok(state
        .upstreams
        .aggregate(&user.token)?
        .aggregate(agg::AggregateRequest {
            org: org.to_string(),
            year,
            selection: selection(q) as i32,
            ..Default::default()
        })
        .await?
        .into_inner())
}

async fn compare(
    state: &AppState,
    user: &Session,
    org: &str,
    years: Vec<i32>,
) -> WebResult<agg::CompareResponse> {
    Ok(state
        .upstreams
        .aggregate(&user.token)?
        .compare(agg::CompareRequest {
            org: org.to_string(),
            years,
            cells: Vec::new(),
        })
        .await?
        .into_inner())
}

async fn completeness(
    state: &AppState,
    user: &Session,
    org: &str,
    year: i32,
) -> WebResult<agg::CompletenessResponse> {
    Ok(state
        .upstreams
        .aggregate(&user.token)?
        .completeness(agg::CompletenessRequest {
            org: org.to_string(),
            year,
            filing_only: false,
        })
        .await?
        .into_inner())
}

fn label(key: &str) -> String {
    let schema = Edition::E2021.schema();
    schema
        .cell(key)
        .map(|c| schema.label_zh(c))
        .unwrap_or_else(|| key.to_string())
}

/// `GET /rollup`.
#[tracing::instrument(skip_all)]
pub async fn show(
    State(state): State<Arc<AppState>>,
    User(user): User,
    Query(q): Query<RollupQuery>,
) -> WebResult<Html<String>> {
    city_only(&user)?;
    let org = org_or_default(&state, &user, q.org.clone()).await?;
    let year = year_or_default(&state, q.year);
    let (rollup, years, offices, completeness) = tokio::join!(
        aggregate(&state, &user, &org, year, &q),
        compare(&state, &user, &org, vec![year - 1, year]),
        compare(&state, &user, &org, vec![year]),
        completeness(&state, &user, &org, year),
    );
    let per_office = super::quality::fetch(&state, &user, &org, &completeness?, year).await?;
    let rollup = rollup?;
    let report = rollup
        .report
        .clone()
        .ok_or_else(|| WebError::Internal("aggregate without a report".into()))?;
    let name = report
        .office
        .as_ref()
        .map(|o| o.name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| org.clone());
    let (_, html_doc) = render(
        &state,
        &user,
        rpb::render_request::Source::Report(report),
        rpb::Format::Html,
        false,
    )
    .await?;
    let html_doc = String::from_utf8_lossy(&html_doc).into_owned();
    let (years, offices) = (years?, offices?);
    let sel = if q.selection == "latest" {
        "latest"
    } else {
        "accepted"
    };
    let qs = format!("org={}&year={year}&selection={sel}", super::enc(&org));
    let body = html! {
        h1 { (name) " " (year) " 年度汇总" }
        form.filters method="get" action="/rollup" {
            input type="hidden" name="org" value=(org);
            label { "年度" input type="text" inputmode="numeric" name="year" value=(year) size="6"; }
            label { "范围" select name="selection" {
                option value="accepted" selected[sel == "accepted"] { "已接受的报告" }
                option value="latest" selected[sel == "latest"] { "最新提交的报告" }
            } }
            button type="submit" { "查看" }
        }
        div.card {
            p { "汇总了 " strong { (rollup.included.len()) } " 个单位的报告。" }
            p.downloads {
                @for (f, l) in [("html", "汇总报告 HTML"), ("docx", "汇总报告 Word"), ("pdf", "汇总报告 PDF")] {
                    a.button.secondary href=(format!("/rollup/document/{f}?{qs}")) { (l) }
                }
                @for (f, l) in [("csv", "明细 CSV"), ("xlsx", "明细 Excel"), ("json", "明细 JSON")] {
                    a.button.secondary href=(format!("/rollup/export/{f}?{qs}")) { (l) }
                }
            }
        }
        div.cols {
            div.official { (PreEscaped(main_of(&html_doc))) }
            aside aria-label="指标与质量" {
                (indicators(&rollup.indicators))
                (quality(&rollup))
            }
        }
        (super::quality::view(&per_office, year, &state.zone))
        h2 { "年度对比" }
        (chart(&years))
        (compare_table(&years, "年度", &format!("{} 与 {} 年度对比", year - 1, year)))
        h2 { "单位对比" }
        (compare_table(&offices, "单位", &format!("{year} 年度各单位对比（括号内为名次）")))
    };
    Ok(page(
        &format!("{name} {year} 年度汇总"),
        Some(&user),
        Nav::Rollup,
        body,
    ))
}

fn indicators(list: &[agg::Indicator]) -> Markup {
    html! {
        div.card {
            div.wrap tabindex="0" {
                table.data {
                    caption { "指标" }
                    thead { tr { th scope="col" { "指标" } th scope="col" { "数值" } } }
                    tbody {
                        @for i in list {
                            tr { th scope="row" { (i.label_zh) } td.n { (i.value) } }
                        }
                    }
                }
            }
        }
    }
}

fn quality(r: &agg::AggregateResponse) -> Markup {
    html! {
        div.card {
            h2 { "质量" }
            p { a href="#quality" { "各单位的检查结果与复核标记见下文" } }
            @if r.findings.is_empty() { p { "汇总数据未发现规则问题。" } }
            ol.findings {
                @for f in &r.findings {
                    li class=(if f.severity == pb::Severity::Error as i32 { "sev-error" } else { "sev-warning" }) {
                        strong { (f.rule) } " " (f.message_zh)
                    }
                }
            }
            @if !r.not_summed.is_empty() {
                p { "未合计的单元格：" (r.not_summed.len()) " 个（各单位版本不同或未填报）。" }
            }
        }
    }
}

fn compare_table(c: &agg::CompareResponse, row_header: &str, caption: &str) -> Markup {
    html! {
        div.wrap tabindex="0" {
            table.data {
                caption { (caption) }
                thead { tr {
                    th scope="col" { (row_header) }
                    @for k in &c.cells { th scope="col" { (label(k)) } }
                } }
                tbody {
                    @for r in &c.rows {
                        tr {
                            th scope="row" { (r.label) }
                            @for (i, v) in r.values.iter().enumerate() {
                                td.n {
                                    (v)
                                    @if let Some(rank) = r.ranks.get(i).filter(|n| **n > 0 && c.rows.len() > 2) { " (" (rank) ")" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Bars of the compared cells, one per year; the table beside carries the same numbers.
fn chart(c: &agg::CompareResponse) -> Markup {
    let values: Vec<Vec<f64>> = c
        .rows
        .iter()
        .map(|r| r.values.iter().map(|v| v.parse().unwrap_or(0.0)).collect())
        .collect();
    let max = values.iter().flatten().cloned().fold(1.0_f64, f64::max);
    let (bar, gap, left, width) = (14.0, 10.0, 260.0, 420.0);
    let per = bar * c.rows.len() as f64 + gap;
    let height = per * c.cells.len() as f64 + 30.0;
    html! {
        figure.card {
            svg.chart role="img" aria-labelledby="chart-title" viewBox=(format!("0 0 {} {height}", left + width + 80.0)) width="100%" {
                title id="chart-title" { "年度对比柱状图" }
                @for (i, k) in c.cells.iter().enumerate() {
                    @let y0 = i as f64 * per;
                    text x="0" y=(y0 + bar) { (label(k)) }
                    @for (j, row) in c.rows.iter().enumerate() {
                        @let v = values[j].get(i).copied().unwrap_or(0.0);
                        @let y = y0 + j as f64 * bar;
                        rect class=(if j + 1 == c.rows.len() { "bar" } else { "bar prev" }) x=(left) y=(y) height=(bar - 2.0) width=(format!("{:.1}", v / max * width)) {}
                        text x=(format!("{:.1}", left + v / max * width + 4.0)) y=(y + bar - 4.0) { (row.label) "：" (row.values.get(i).map(String::as_str).unwrap_or("")) }
                    }
                }
            }
            figcaption { "每组柱子自上而下依次为各年度，柱旁标注年度和数值。" }
        }
    }
}

/// `GET /rollup/document/{format}`: the city report (the roll-up, its drafted 一、总体情况 and the
/// annex) made by the aggregation service through `RenderCityReport`, as the CLI and the demo get it.
pub async fn document(
    State(state): State<Arc<AppState>>,
    User(user): User,
    Path(format): Path<String>,
    Query(q): Query<RollupQuery>,
) -> WebResult<Response> {
    city_only(&user)?;
    let (format, ext) = doc_format(&format)?;
    let org = org_or_default(&state, &user, q.org.clone()).await?;
    let year = year_or_default(&state, q.year);
    let stream = state
        .upstreams
        .aggregate(&user.token)?
        .render_city_report(agg::CityReportRequest {
            org: org.clone(),
            year,
            selection: selection(&q) as i32,
            format: format as i32,
        })
        .await?
        .into_inner();
    let (ct, bytes) = collect(stream, |m: agg::CityReportResponse| {
        (m.content_type, m.chunk)
    })
    .await?;
    Ok(attachment(
        &ct,
        &format!("rollup-{org}-{year}.{ext}"),
        bytes,
    ))
}

/// `GET /rollup/export/{format}`: one row per office (CSV, XLSX or JSON) from the aggregation service.
pub async fn export(
    State(state): State<Arc<AppState>>,
    User(user): User,
    Path(format): Path<String>,
    Query(q): Query<RollupQuery>,
) -> WebResult<Response> {
    city_only(&user)?;
    let (fmt, ext) = match format.as_str() {
        "csv" => (agg::ExportFormat::Csv, "csv"),
        "xlsx" => (agg::ExportFormat::Xlsx, "xlsx"),
        "json" => (agg::ExportFormat::Json, "json"),
        _ => {
            return Err(WebError::BadRequest(format!(
                "format {format}: expected csv, xlsx or json / 格式应为 csv、xlsx 或 json"
            )));
        }
    };
    let org = org_or_default(&state, &user, q.org.clone()).await?;
    let year = year_or_default(&state, q.year);
    let stream = state
        .upstreams
        .aggregate(&user.token)?
        .export(agg::ExportRequest {
            org: org.clone(),
            year,
            format: fmt as i32,
            selection: selection(&q) as i32,
        })
        .await?
        .into_inner();
    let (ct, bytes) = collect(stream, |m: agg::ExportResponse| (m.content_type, m.chunk)).await?;
    Ok(attachment(
        &ct,
        &format!("rollup-{org}-{year}.{ext}"),
        bytes,
    ))
}
