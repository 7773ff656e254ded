//! What follows a report on the board: where it was published (with whether that was by the
//! format's deadline, as the aggregation service's completeness decides it, and the latest
//! verification stored by storage) and the latest deadline reminder to its office (from the
//! storage's reminder log).

use std::collections::HashMap;

use nianbao_proto::aggregate::v1 as agg;
use nianbao_proto::storage::v1 as st;

use crate::AppState;
use crate::error::WebResult;
use crate::session::Session;

/// The first place an office-year was published.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Published {
    pub url: String,
    /// YYYY-MM-DD.
    pub date: String,
    /// Published by the legal deadline of the office's kind (aggregation's completeness).
    pub on_time: bool,
    /// Places published, the first included.
    pub places: usize,
    /// The latest check of any of its places.
    pub check: Option<Check>,
}

/// The outcome of a verification of a published page against the accepted revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Identical,
    Different(usize),
    NotFound,
    NotAReport,
}

/// One stored check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub outcome: Outcome,
    /// RFC 3339.
    pub at: String,
    pub detail: String,
}

impl Check {
    /// The outcome in Chinese.
    pub fn zh(&self) -> String {
        match self.outcome {
            Outcome::Identical => "与已接受版本一致".into(),
            Outcome::Different(n) => format!("{n} 处不一致"),
            Outcome::NotFound => "页面未找到".into(),
            Outcome::NotAReport => "页面不是年报".into(),
        }
    }
    /// A CSS class: fine or not.
    pub fn class(&self) -> &'static str {
        if self.outcome == Outcome::Identical {
            "ontime"
        } else {
            "late"
        }
    }
}

fn check(c: &st::PublicationCheck) -> Check {
    let outcome = match st::CheckOutcome::try_from(c.outcome) {
        Ok(st::CheckOutcome::Identical) => Outcome::Identical,
        Ok(st::CheckOutcome::NotFound) => Outcome::NotFound,
        Ok(st::CheckOutcome::NotAReport) => Outcome::NotAReport,
        _ => Outcome::Different(c.differences.len()),
    };
    Check {
        outcome,
        at: c.checked_at.clone(),
        detail: c.detail.clone(),
    }
}

/// The publication of an office on the completeness answer; `None` when not published.
pub fn published(o: &agg::OfficeFiling) -> Option<Published> {
    // The first place is the earliest published (the one on-time publication is judged by).
    let first = o
        .publications
        .iter()
        .min_by(|a, b| a.published_date.cmp(&b.published_date))?;
    let check = o
        .publications
        .iter()
        .filter_map(|p| p.last_check.as_ref())
        .max_by(|a, b| a.checked_at.cmp(&b.checked_at))
        .map(check);
    Some(Published {
        url: first.url.clone(),
        date: first.published_date.clone(),
        on_time: o.published_on_time,
        places: o.publications.len(),
        check,
    })
}

/// The latest reminder to an office.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    pub step: String,
    pub channel: String,
    /// "sent", "failed" or "claimed".
    pub state: String,
    /// When it was sent, else when it was claimed (RFC 3339).
    pub at: String,
    pub error: String,
    pub retry_at: String,
}

impl Reminder {
    fn of(d: &st::Delivery) -> Reminder {
        Reminder {
            step: d.step.clone(),
            channel: d.channel.clone(),
            state: d.state.clone(),
            at: if d.sent_at.is_empty() {
                d.claimed_at.clone()
            } else {
                d.sent_at.clone()
            },
            error: d.error.clone(),
            retry_at: d.retry_at.clone(),
        }
    }

    /// The state in Chinese.
    pub fn state_zh(&self) -> &'static str {
        state_zh(&self.state)
    }
}

/// A delivery's state in Chinese.
pub fn state_zh(state: &str) -> &'static str {
    match state {
        "sent" => "已发送",
        "failed" => "发送失败",
        _ => "发送中",
    }
}

/// A step of a reminder in Chinese: `remind:-7` 截止前 7 天提醒, `remind:3` 逾期 3 天提醒,
/// `escalate` 告知上级, `digest:…` 每日汇总.
pub fn step_zh(step: &str) -> String {
    if let Some(days) = step.strip_prefix("remind:") {
        return match days.parse::<i32>() {
            Ok(0) => "截止当日提醒".into(),
            Ok(d) if d < 0 => format!("截止前 {} 天提醒", -d),
            Ok(d) => format!("逾期 {d} 天提醒"),
            Err(_) => step.into(),
        };
    }
    if step == "escalate" {
        return "告知上级单位".into();
    }
    if let Some(day) = step.strip_prefix("digest:") {
        return format!("每日汇总 {day}");
    }
    step.into()
}

/// A channel in Chinese.
pub fn channel_zh(channel: &str) -> &str {
    match channel {
        "email" => "电子邮件",
        "webhook" => "Webhook",
        other => other,
    }
}

/// The whole reminder log of `org`'s plan for `year` (oldest first), page by page.
pub async fn reminder_log(
    state: &AppState,
    user: &Session,
    org: &str,
    year: i32,
) -> WebResult<Vec<st::Delivery>> {
    let mut storage = state.upstreams.storage(&user.token)?;
    let mut out = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = storage
            .list_reminder_log(st::ListReminderLogRequest {
                org_code: org.to_string(),
                year,
                page_size: 1000,
                page_token,
            })
            .await?
            .into_inner();
        out.extend(page.deliveries);
        if page.next_page_token.is_empty() {
            return Ok(out);
        }
        page_token = page.next_page_token;
    }
}

/// The latest reminder to each office in a log (oldest first).
pub fn latest_reminders(log: &[st::Delivery]) -> HashMap<String, Reminder> {
    let mut out = HashMap::new();
    for d in log {
        out.insert(d.office_code.clone(), Reminder::of(d));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_outcomes_in_chinese() {
        assert_eq!(step_zh("remind:-7"), "截止前 7 天提醒");
        assert_eq!(step_zh("remind:0"), "截止当日提醒");
        assert_eq!(step_zh("remind:3"), "逾期 3 天提醒");
        assert_eq!(step_zh("digest:2024-01-30"), "每日汇总 2024-01-30");
        let c = st::PublicationCheck {
            checked_at: "2024-02-01T00:00:00Z".into(),
            outcome: st::CheckOutcome::Different as i32,
            differences: vec![st::Difference::default(), st::Difference::default()],
            detail: String::new(),
        };
        assert_eq!(check(&c).zh(), "2 处不一致");
    }

    #[test]
    fn the_latest_reminder_of_each_office_wins() {
        let d = |office: &str, step: &str, state: &str| st::Delivery {
            office_code: office.into(),
            step: step.into(),
            state: state.into(),
            ..Default::default()
        };
        let log = [
            d("a", "remind:-7", "sent"),
            d("b", "remind:-7", "failed"),
            d("a", "remind:-1", "failed"),
        ];
        let latest = latest_reminders(&log);
        assert_eq!(latest["a"].step, "remind:-1");
        assert_eq!(latest["a"].state_zh(), "发送失败");
        assert_eq!(latest["b"].step, "remind:-7");
    }
}
