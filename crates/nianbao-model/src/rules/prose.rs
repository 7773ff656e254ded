//! Rules on the prose and on the report as a document: R9 and the warnings W1–W5, W7.

use super::{Finding, Rule, RuleContext, Severity};
use crate::report::SectionKey;
use crate::schema::{Edition, Schema, TableId};

fn warning(id: &str, cells: Vec<String>, zh: String, en: String) -> Finding {
    Finding {
        rule: id.to_string(),
        severity: Severity::Warning,
        cells,
        expected: None,
        actual: None,
        message_zh: format!("{id} {zh}"),
        message_en: format!("{id} {en}"),
    }
}

fn no_cells(_: &Schema) -> Vec<&'static str> {
    Vec::new()
}

/// Prose with line breaks and spaces removed, as one string of clauses.
fn flatten(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect()
}

/// Clauses split at Chinese and Latin sentence and clause punctuation.
fn clauses<'a>(text: &'a str, seps: &'a [char]) -> impl Iterator<Item = &'a str> {
    text.split(move |c| seps.contains(&c))
        .filter(|s| !s.is_empty())
}

/// The number written right after `anchor` (up to `gap` other characters in between) and followed by 件.
fn count_after(clause: &str, anchor: &str, gap: usize) -> Option<i64> {
    let start = clause.find(anchor)? + anchor.len();
    let rest: Vec<char> = clause[start..].chars().collect();
    let first_digit = rest.iter().position(|c| c.is_ascii_digit())?;
    if first_digit > gap || rest[..first_digit].iter().any(|c| "未无没不".contains(*c)) {
        return None;
    }
    let digits: String = rest[first_digit..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let after = rest.get(first_digit + digits.len());
    (after == Some(&'件'))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The number written right before `件` + `anchor` (`收到70件申请`).
fn count_before(clause: &str, anchor: &str) -> Option<i64> {
    let end = clause.find(&format!("件{anchor}"))?;
    let head: Vec<char> = clause[..end].chars().collect();
    let digits: String = head
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().ok()
}

fn total(ctx: &RuleContext<'_>, table: TableId, rows: &[&str]) -> Option<(i64, Vec<String>)> {
    let schema = ctx.schema();
    let mut sum = 0;
    let mut keys = Vec::new();
    for row in rows {
        let key = schema.key(table, row, "total")?;
        sum += ctx.report.count(key)?;
        keys.push(key.to_string());
    }
    Some((sum, keys))
}

fn group_total(ctx: &RuleContext<'_>, prefix: &str) -> Option<(i64, Vec<String>)> {
    let schema = ctx.schema();
    let rows: Vec<&str> = schema
        .s3_rows(|r| *r == crate::schema::RowRole::Result)
        .filter(|r| r.key.starts_with(prefix))
        .map(|r| r.key)
        .collect();
    total(ctx, TableId::S3, &rows)
}

/// One statement of the prose compared with the tables.
fn compare(
    out: &mut Vec<Finding>,
    said: i64,
    table: Option<(i64, Vec<String>)>,
    what_zh: &str,
    what_en: &str,
    quote: &str,
) {
    if let Some((value, cells)) = table
        && value != said
    {
        let mut f = warning(
            "R9",
            cells,
            format!("正文称“{quote}”（{what_zh} {said} 件），表格为 {value} 件"),
            format!("the text says {said} ({what_en}) but the tables give {value}"),
        );
        f.expected = Some(value.to_string());
        f.actual = Some(said.to_string());
        out.push(f);
    }
}

fn r9(ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let text = flatten(ctx.report.section(SectionKey::OVERVIEW));
    let s4 = |rows: &[&str]| total(ctx, TableId::S4, rows);
    for clause in clauses(&text, &['。', '；', ';', '，', ',', '：', ':']) {
        if !clause.bytes().any(|b| b.is_ascii_digit())
            && !clause.contains("未收到")
            && !clause.contains("没有收到")
        {
            continue;
        }
        let negated = ["未收到", "没有收到", "未发生"]
            .iter()
            .any(|n| clause.contains(n));
        if clause.contains("未收到") || clause.contains("没有收到") {
            if clause.contains("申请") {
                compare(
                    out,
                    0,
                    total(ctx, TableId::S3, &["new_received"]),
                    "收到申请",
                    "requests received",
                    clause,
                );
            }
            if clause.contains("行政复议") {
                compare(out, 0, s4(&["review"]), "行政复议", "reviews", clause);
            }
            if clause.contains("行政诉讼") {
                compare(
                    out,
                    0,
                    s4(&["litigation_direct", "litigation_after_review"]),
                    "行政诉讼",
                    "lawsuits",
                    clause,
                );
            }
            continue;
        }
        if negated {
            continue;
        }
        let about_requests = ["收到", "受理", "新收"].iter().any(|a| clause.contains(a))
            && !["复议", "诉讼", "结转", "上年", "同比", "较"]
                .iter()
                .any(|a| clause.contains(a));
        if about_requests
            && let Some(n) = count_after(clause, "申请", 3).or_else(|| count_before(clause, "申请"))
        {
            compare(
                out,
                n,
                total(ctx, TableId::S3, &["new_received"]),
                "收到申请",
                "requests received",
                clause,
            );
        }
        for anchor in ["予以公开及部分公开", "予以公开和部分公开"] {
            if let Some(n) = count_after(clause, anchor, 1) {
                compare(
                    out,
                    n,
                    total(ctx, TableId::S3, &["granted", "partial"]),
                    anchor,
                    "granted in full or in part",
                    clause,
                );
            }
        }
        for (anchor, prefix, en) in [
            ("无法提供", "unable_", "unable to provide"),
            ("不予公开", "deny_", "denied"),
            ("不予处理", "reject_", "not processed"),
        ] {
            if let Some(n) = count_after(clause, anchor, 1) {
                compare(out, n, group_total(ctx, prefix), anchor, en, clause);
            }
        }
        if let Some(n) = count_after(clause, "行政复议", 1) {
            compare(out, n, s4(&["review"]), "行政复议", "reviews", clause);
        }
        if let Some(n) = count_after(clause, "诉讼", 1) {
            compare(
                out,
                n,
                s4(&["litigation_direct", "litigation_after_review"]),
                "行政诉讼",
                "lawsuits",
                clause,
            );
        }
    }
    for sentence in clauses(&text, &['。', '；', ';']) {
        if !sentence.contains("均获维持") && !sentence.contains("均被维持") {
            continue;
        }
        let schema = ctx.schema();
        let mut groups = Vec::new();
        if sentence.contains("复议") {
            groups.push("review");
        }
        if sentence.contains("诉讼") {
            groups.extend(["litigation_direct", "litigation_after_review"]);
        }
        for group in groups {
            let (Some(t), Some(u)) = (
                schema.key(TableId::S4, group, "total"),
                schema.key(TableId::S4, group, "upheld"),
            ) else {
                continue;
            };
            if let (Some(total), Some(upheld)) = (ctx.report.count(t), ctx.report.count(u))
                && total != upheld
            {
                out.push(warning(
                    "R9",
                    vec![u.to_string(), t.to_string()],
                    format!("正文称“{sentence}”，表四 {group} 结果维持 {upheld} 件，总计 {total} 件"),
                    format!("the text says all were upheld but table 4 {group} has {upheld} upheld of {total}"),
                ));
            }
        }
    }
}

pub(super) const R9: Rule = Rule {
    id: "R9",
    severity: Severity::Warning,
    title_zh: "正文（一、总体情况）所述件数与表格不一致",
    title_en: "section 1 states counts that the tables contradict",
    reads: |schema| {
        schema
            .cells()
            .iter()
            .filter(|c| c.col_key == "total" || c.col_key == "upheld")
            .map(|c| c.key)
            .collect()
    },
    check: |ctx, out| r9(ctx, out),
};

pub(super) const W1_LATE: Rule = Rule {
    id: "W1",
    severity: Severity::Warning,
    title_zh: "发布日期晚于法定期限（次年1月31日）",
    title_en: "published after the deadline (31 January of the next year)",
    reads: no_cells,
    check: |ctx, out| {
        let deadline = ctx.deadline();
        if let Some(date) = ctx.report.published_date
            && date > deadline
        {
            let days = (date - deadline).num_days();
            out.push(warning(
                "W1",
                vec![],
                format!("发布日期 {date} 晚于期限 {deadline}，逾期 {days} 天"),
                format!("published on {date}, {days} days after the deadline {deadline}"),
            ));
        }
    },
};

pub(super) const W2_PLAN_YEAR: Rule = Rule {
    id: "W2",
    severity: Severity::Warning,
    title_zh: "五、改进计划中的年份不是报告年度的下一年",
    title_en: "the improvement plan in section 5 names a year other than the next one",
    reads: no_cells,
    check: |ctx, out| {
        let text = flatten(ctx.report.section(SectionKey::PROBLEMS));
        let year = ctx.report.year;
        for stale in [year - 1, year] {
            let needle = format!("{stale}年");
            for (pos, _) in text.match_indices(&needle) {
                let after: String = text[pos + needle.len()..]
                    .chars()
                    .take(10)
                    .take_while(|c| *c != '。')
                    .collect();
                if after.contains('将') || after.contains("计划") {
                    out.push(warning(
                        "W2",
                        vec![],
                        format!("五、改进计划写作“{needle}{after}…”，报告年度为 {year} 年，应为 {} 年", year + 1),
                        format!("section 5 plans for {stale} in a report on {year}; the plan should be for {}", year + 1),
                    ));
                    return;
                }
            }
        }
    },
};

pub(super) const W3_OVERVIEW_LENGTH: Rule = Rule {
    id: "W3",
    severity: Severity::Warning,
    title_zh: "一、总体情况篇幅超过一千字",
    title_en: "section 1 is longer than 1000 characters",
    reads: no_cells,
    check: |ctx, out| {
        if ctx.report.edition != Edition::E2021 {
            return;
        }
        let n = flatten(ctx.report.section(SectionKey::OVERVIEW))
            .chars()
            .count();
        if n > 1000 {
            out.push(warning(
                "W3",
                vec![],
                format!("一、总体情况共 {n} 字，原则上不超过一千字"),
                format!("section 1 has {n} characters; the format asks for at most 1000"),
            ));
        }
    },
};

pub(super) const W4_FEE_STATEMENT: Rule = Rule {
    id: "W4",
    severity: Severity::Warning,
    title_zh: "六、其他需要报告的事项未说明信息处理费收取情况",
    title_en: "section 6 says nothing about information processing fees",
    reads: no_cells,
    check: |ctx, out| {
        if ctx.report.edition == Edition::E2021
            && !flatten(ctx.report.section(SectionKey::OTHER)).contains("处理费")
        {
            out.push(warning(
                "W4",
                vec![],
                "六、其他需要报告的事项应专门报告收取信息处理费的情况".into(),
                "section 6 must state the information processing fees collected".into(),
            ));
        }
    },
};

pub(super) const W5_SAME_AS_LAST_YEAR: Rule = Rule {
    id: "W5",
    severity: Severity::Warning,
    title_zh: "与上年报告雷同",
    title_en: "the same as last year's report",
    reads: no_cells,
    check: |ctx, out| {
        let Some(prev) = ctx.previous else { return };
        if ctx.report.same_content(prev) {
            out.push(warning(
                "W5",
                vec![],
                format!("与 {} 年报告的表格和正文完全相同", prev.year),
                format!("tables and prose are identical to the {} report", prev.year),
            ));
        } else {
            let problems = flatten(ctx.report.section(SectionKey::PROBLEMS));
            if !problems.is_empty() && problems == flatten(prev.section(SectionKey::PROBLEMS)) {
                out.push(warning(
                    "W5",
                    vec![],
                    format!(
                        "五、存在的主要问题及改进情况与 {} 年相同（年年雷同）",
                        prev.year
                    ),
                    format!("section 5 repeats the {} report word for word", prev.year),
                ));
            }
        }
    },
};

pub(super) const W7_PROBLEMS_EMPTY: Rule = Rule {
    id: "W7",
    severity: Severity::Warning,
    title_zh: "五、存在的主要问题及改进情况为空或只有“无”",
    title_en: "section 5 is empty or only says none",
    reads: no_cells,
    check: |ctx, out| {
        let text = flatten(ctx.report.section(SectionKey::PROBLEMS));
        let trimmed = text.trim_end_matches(['。', '.']);
        if trimmed.is_empty() || trimmed == "无" {
            out.push(warning(
                "W7",
                vec![],
                "五、存在的主要问题及改进情况为空".into(),
                "section 5 is empty".into(),
            ));
        }
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_prose() {
        assert_eq!(
            count_after("全区收到政府信息公开申请75件", "申请", 3),
            Some(75)
        );
        assert_eq!(
            count_after("共受理政府信息公开申请21件", "申请", 3),
            Some(21)
        );
        assert_eq!(count_after("申请人数5人", "申请", 3), None);
        assert_eq!(count_before("本年度全区共收到70件申请", "申请"), Some(70));
        assert_eq!(
            count_after("因本机关不掌握等原因无法提供265件", "无法提供", 1),
            Some(265)
        );
    }
}
