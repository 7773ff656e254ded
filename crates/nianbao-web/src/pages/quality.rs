//! The roll-up's quality view per office: the rules' findings that still stand (errors, and
//! warnings no review mark explains, as the aggregation service's completeness counts them) and
//! the review marks city staff set on warnings (storage's `ListFindingMarks` over the subtree, one call).

use std::collections::HashMap;

use maud::{Markup, html};
use nianbao_model::Edition;
use nianbao_proto::aggregate::v1 as agg;
use nianbao_proto::storage::v1 as st;

use super::enc;
use crate::AppState;
use crate::error::WebResult;
use crate::session::Session;
use crate::time;

/// One office in the quality view.
pub struct OfficeQuality {
    pub code: String,
    pub name: String,
    pub errors: i32,
    /// Warnings not explained by a mark that still holds.
    pub warnings: i32,
    pub marks: Vec<st::FindingMark>,
}

/// The quality of each office of the subtree under `org` that has a report, in the completeness
/// order, with the marks of the whole subtree read in one call (grouped here by office).
pub async fn fetch(
    state: &AppState,
    user: &Session,
    org: &str,
    completeness: &agg::CompletenessResponse,
    year: i32,
) -> WebResult<Vec<OfficeQuality>> {
    let mut storage = state.upstreams.storage(&user.token)?;
    let all = storage
        .list_finding_marks(st::ListFindingMarksRequest {
            office_code: String::new(),
            year,
            under: org.to_string(),
        })
        .await?
        .into_inner()
        .marks;
    let mut by_office: HashMap<String, Vec<st::FindingMark>> = HashMap::new();
    for m in all {
        by_office.entry(m.office_code.clone()).or_default().push(m);
    }
    Ok(completeness
        .offices
        .iter()
        .filter(|o| !o.status.is_empty() || !o.submitted_at.is_empty())
        .map(|o| OfficeQuality {
            code: o.office_code.clone(),
            name: o.office_name.clone(),
            errors: o.errors,
            warnings: o.warnings,
            marks: by_office.remove(&o.office_code).unwrap_or_default(),
        })
        .collect())
}

/// A fingerprint (`W3:s3.a,s3.b`) as the rule and the labels of its cells.
fn finding_label(fingerprint: &str) -> String {
    let schema = Edition::E2021.schema();
    let (rule, cells) = fingerprint.split_once(':').unwrap_or((fingerprint, ""));
    let cells: Vec<String> = cells
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|key| {
            schema
                .cell(key)
                .map(|c| schema.label_zh(c))
                .unwrap_or_else(|| key.to_string())
        })
        .collect();
    if cells.is_empty() {
        rule.to_string()
    } else {
        format!("{rule}：{}", cells.join("、"))
    }
}

/// The view: totals, then each office with findings or marks.
pub fn view(list: &[OfficeQuality], year: i32, zone: &chrono::FixedOffset) -> Markup {
    let shown: Vec<&OfficeQuality> = list
        .iter()
        .filter(|o| o.errors > 0 || o.warnings > 0 || !o.marks.is_empty())
        .collect();
    let with_errors = list.iter().filter(|o| o.errors > 0).count();
    let with_warnings = list.iter().filter(|o| o.warnings > 0).count();
    let marks: usize = list.iter().map(|o| o.marks.len()).sum();
    html! {
        h2 id="quality" { "各单位质量与复核标记" }
        p {
            "已报送 " strong { (list.len()) } " 个单位：" strong { (with_errors) } " 个有错误，"
            strong { (with_warnings) } " 个有未经复核说明的警告；复核标记共 " strong { (marks) } " 条。"
            span.muted { "复核标记说明某条警告无需更正；所涉单元格改动后标记失效，警告重新计入。" }
        }
        @if !shown.is_empty() {
            div.wrap tabindex="0" {
                table.data {
                    caption { (year) " 年度各单位的规则检查结果与复核标记（" (shown.len()) " 个单位）" }
                    thead { tr {
                        th scope="col" { "单位" }
                        th scope="col" { "错误" }
                        th scope="col" { "未说明的警告" }
                        th scope="col" { "复核标记（规则与单元格：说明 — 标记人，时间）" }
                    } }
                    tbody {
                        @for o in shown {
                            tr {
                                th scope="row" {
                                    a href=(format!("/report/{}/{year}", enc(&o.code))) { (o.code) " " (o.name) }
                                }
                                td class=(if o.errors > 0 { "n late" } else { "n" }) { (o.errors) }
                                td.n { (o.warnings) }
                                td {
                                    @if o.marks.is_empty() { span.muted { "无" } } @else {
                                    ul.marks {
                                        @for m in &o.marks {
                                            li {
                                                strong { (finding_label(&m.fingerprint)) } "：" (m.reason)
                                                span.muted { " — " (m.marked_by) "，" (time::short(&m.marked_at, zone)) }
                                            }
                                        }
                                    }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_reads_as_rule_and_cell_labels() {
        let label = finding_label("W3:s3.new_received.total");
        assert!(label.starts_with("W3："), "{label}");
        assert!(!label.contains("s3.new_received.total"), "{label}");
        assert_eq!(finding_label("Q1:no.such.cell"), "Q1：no.such.cell");
        assert_eq!(finding_label("R1"), "R1");
    }
}
