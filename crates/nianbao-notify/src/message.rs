//! The messages, in Chinese: the office, the year, the deadline, the days left or late, what is
//! missing and where to submit; and the JSON a webhook receives with the same facts.

use chrono::{Datelike, NaiveDate};
use serde_json::json;

use crate::plan::{Kind, Plan, Row, Standing};

/// A message's subject, text and webhook JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The subject.
    pub subject: String,
    /// The text.
    pub text: String,
    /// The webhook's JSON.
    pub json: serde_json::Value,
}

/// `2024年1月31日`.
pub fn date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// `还剩 7 天` / `今天截止` / `已逾期 3 天`.
pub fn days_zh(days: i64) -> String {
    match days {
        d if d < 0 => format!("还剩 {} 天", -d),
        0 => "今天截止".into(),
        d => format!("已逾期 {d} 天"),
    }
}

/// What is missing, in a sentence.
pub fn missing_zh(standing: &Standing) -> String {
    match standing {
        Standing::Missing => "尚未报送".into(),
        Standing::DraftOnly { errors: 0 } => "只保存了草稿，尚未正式报送".into(),
        Standing::DraftOnly { errors } => {
            format!("只保存了草稿，尚未正式报送，草稿中有 {errors} 处错误须改正")
        }
        Standing::Returned { reason } => format!("已被退回，尚未重新报送；退回理由：{reason}"),
        Standing::Filed { .. } => "已报送".into(),
    }
}

fn missing_code(standing: &Standing) -> &'static str {
    match standing {
        Standing::Missing => "not_filed",
        Standing::DraftOnly { .. } => "draft_only",
        Standing::Returned { .. } => "returned",
        Standing::Filed { .. } => "filed",
    }
}

fn where_to_submit(plan: &Plan) -> String {
    if plan.submit_url.is_empty() {
        "使用 nianbao submit 命令或本单位的报送客户端提交报表文件".into()
    } else {
        plan.submit_url.clone()
    }
}

/// A reminder to the office, or an escalation about it to `to` (its parent).
pub fn about_office(plan: &Plan, row: &Row, kind: &Kind, to: &str) -> Message {
    let o = row.office;
    let year = plan.year;
    let deadline = date_zh(row.deadline);
    let missing = missing_zh(row.standing);
    let submit = where_to_submit(plan);
    let (event, subject, text) = match kind {
        Kind::Escalate { days } => (
            "escalation",
            format!("【年报督办】{}{}年度报告已逾期 {} 天", o.name, year, days),
            format!(
                "{to}：\n\n贵单位所属的{}（{}）{}年度政府信息公开工作年度报告截止于{}，\
                 已逾期 {} 天，{}。\n请督促其尽快报送。\n报送方式：{}\n\n\
                 此邮件由年报系统自动发送，该单位报送后即不再提醒。\n",
                o.name, o.code, year, deadline, days, missing, submit
            ),
        ),
        Kind::Remind { days } => {
            let tag = if *days > 0 { "催报" } else { "提醒" };
            (
                "reminder",
                format!(
                    "【年报{tag}】{}：{}年度政府信息公开工作年度报告{}（截止{}）",
                    o.name,
                    year,
                    days_zh(*days),
                    deadline
                ),
                format!(
                    "{}（{}）：\n\n贵单位{}年度政府信息公开工作年度报告{}。\n\
                     截止日期：{}，{}。\n尚缺：{}。\n报送方式：{}\n\n\
                     报送后即不再收到本提醒。此邮件由年报系统自动发送。\n",
                    o.name,
                    o.code,
                    year,
                    missing,
                    deadline,
                    days_zh(*days),
                    missing,
                    submit
                ),
            )
        }
        Kind::Digest => ("digest", String::new(), String::new()),
    };
    let days = match kind {
        Kind::Remind { days } | Kind::Escalate { days } => *days,
        Kind::Digest => 0,
    };
    let reason = match row.standing {
        Standing::Returned { reason } => reason.as_str(),
        _ => "",
    };
    let json = json!({
        "event": event,
        "org": plan.org_code,
        "year": year,
        "office_code": o.code,
        "office_name": o.name,
        "deadline": row.deadline.format("%Y-%m-%d").to_string(),
        "days_left": (-days).max(0),
        "days_late": days.max(0),
        "missing": missing_code(row.standing),
        "return_reason": reason,
        "submit": submit,
        "subject": subject,
        "text": text,
    });
    Message {
        subject,
        text,
        json,
    }
}

/// The city staff's digest of `today`: who filed, who is late, who was returned and has not
/// resubmitted, who has only drafts, who is not yet due.
pub fn digest(plan: &Plan, city_name: &str, today: NaiveDate, rows: &[Row]) -> Message {
    let mut filed_on_time = 0;
    let mut filed_late = 0;
    let (mut late, mut returned, mut drafts, mut pending) = (vec![], vec![], vec![], vec![]);
    for r in rows {
        let line = format!("  {} {}", r.office.code, r.office.name);
        match r.standing {
            Standing::Filed { on } => {
                if on.is_some_and(|d| d > r.deadline) {
                    filed_late += 1;
                } else {
                    filed_on_time += 1;
                }
            }
            Standing::Returned { reason } => {
                returned.push(format!("{line}（退回理由：{reason}；{}）", days_zh(r.days)))
            }
            Standing::DraftOnly { .. } if r.days > 0 => {
                late.push(format!("{line}（仅草稿，{}）", days_zh(r.days)))
            }
            Standing::DraftOnly { .. } => drafts.push(format!("{line}（{}）", days_zh(r.days))),
            Standing::Missing if r.days > 0 => late.push(format!("{line}（{}）", days_zh(r.days))),
            Standing::Missing => pending.push(format!("{line}（{}）", days_zh(r.days))),
        }
    }
    let subject = format!(
        "【年报日报】{city_name}{}年度报告报送情况（{}）：已报送 {}，逾期未报 {}，退回未重报 {}",
        plan.year,
        date_zh(today),
        filed_on_time + filed_late,
        late.len(),
        returned.len()
    );
    let mut text = format!(
        "{city_name}（{}）{}年度政府信息公开工作年度报告报送情况，截至{}：\n\n\
         应报送 {} 个单位，已报送 {}（按时 {}，逾期 {}）。\n",
        plan.org_code,
        plan.year,
        date_zh(today),
        rows.len(),
        filed_on_time + filed_late,
        filed_on_time,
        filed_late
    );
    for (title, list) in [
        ("逾期未报送", &late),
        ("已退回未重新报送", &returned),
        ("仅保存草稿、未到截止日期", &drafts),
        ("未报送、未到截止日期", &pending),
    ] {
        if !list.is_empty() {
            text.push_str(&format!(
                "\n{title}（{}）：\n{}\n",
                list.len(),
                list.join("\n")
            ));
        }
    }
    text.push_str("\n此邮件由年报系统每日自动发送。\n");
    let json = json!({
        "event": "digest",
        "org": plan.org_code,
        "year": plan.year,
        "date": today.format("%Y-%m-%d").to_string(),
        "required": rows.len(),
        "filed_on_time": filed_on_time,
        "filed_late": filed_late,
        "late": late.len(),
        "returned": returned.len(),
        "subject": subject,
        "text": text,
    });
    Message {
        subject,
        text,
        json,
    }
}
