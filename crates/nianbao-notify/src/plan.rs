//! What is due at an instant: pure, from a city's plan, its offices, where each stands and their
//! contacts. The clock is a parameter; nothing here reads it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use nianbao_aggregate::filing::Deadlines;

use crate::message;

/// China Standard Time, in which deadlines and the digest hour are read.
pub const UTC_OFFSET_HOURS: i64 = 8;

/// A city's reminder plan for a year (storage `ReminderPlan`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The city.
    pub org_code: String,
    /// The year reported on.
    pub year: i32,
    /// Days from the deadline of each reminder, ascending.
    pub offsets: Vec<i32>,
    /// After the deadline, every this many days late (0: none).
    pub repeat_every_days: i32,
    /// Until this many days late.
    pub repeat_until_days: i32,
    /// Tell the parent after this many days late (0: never).
    pub escalate_after_days: i32,
    /// A daily digest to the city staff.
    pub digest: bool,
    /// From this local hour.
    pub digest_hour: i32,
    /// The city's own deadlines by office kind (`*`: any other kind).
    pub deadlines: BTreeMap<String, NaiveDate>,
    /// Where to submit.
    pub submit_url: String,
}

impl Plan {
    /// The deadline of an office of `kind`: the city's own, else the format's (by level).
    pub fn deadline(&self, kind: &str) -> NaiveDate {
        let kind = kind.trim().to_lowercase();
        self.deadlines
            .get(&kind)
            .or_else(|| self.deadlines.get("*"))
            .copied()
            .unwrap_or_else(|| Deadlines::default().for_kind(&kind, self.year))
    }

    /// Every reminder day (from the deadline), ascending.
    pub fn reminder_days(&self) -> Vec<i32> {
        let mut days = self.offsets.clone();
        if self.repeat_every_days > 0 {
            let mut d = self.repeat_every_days;
            while d <= self.repeat_until_days {
                days.push(d);
                d += self.repeat_every_days;
            }
        }
        days.sort_unstable();
        days.dedup();
        days
    }
}

/// An office of the city's subtree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Office {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind (picks the deadline).
    pub kind: String,
    /// Parent code.
    pub parent_code: Option<String>,
    /// Must file this year.
    pub required: bool,
}

/// Where an office's report stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Nothing stored.
    Missing,
    /// Only drafts, with this many errors in the latest.
    DraftOnly {
        /// Errors of the latest draft.
        errors: i32,
    },
    /// Returned by the city, not resubmitted.
    Returned {
        /// The city's reason.
        reason: String,
    },
    /// Submitted (or accepted or published), first on this local date.
    Filed {
        /// The local date of the first submission, when known.
        on: Option<NaiveDate>,
    },
}

impl Standing {
    /// Whether the office still owes its report.
    pub fn owes(&self) -> bool {
        !matches!(self, Standing::Filed { .. })
    }
}

/// Where an office or group is reached.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// Addresses.
    pub emails: Vec<String>,
    /// Webhook URL, or empty.
    pub webhook_url: String,
}

/// Contacts by (office code, group).
pub type Contacts = HashMap<(String, String), Contact>;

/// The group of the city staff.
pub const STAFF: &str = "staff";

/// What a message is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// To the office itself, `days` from its deadline (negative: before).
    Remind {
        /// Days from the deadline today.
        days: i64,
    },
    /// To the parent office, about an office `days` late.
    Escalate {
        /// Days late today.
        days: i64,
    },
    /// The city staff's digest of the day.
    Digest,
}

/// One message to claim and send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// The office it is about (the city for a digest).
    pub office_code: String,
    /// `remind:-7`, `remind:3`, `escalate`, `digest:2024-01-30`.
    pub step: String,
    /// `email` or `webhook`.
    pub channel: &'static str,
    /// Addresses, or the webhook URL.
    pub recipients: Vec<String>,
    /// What it is.
    pub kind: Kind,
    /// The subject.
    pub subject: String,
    /// The text.
    pub text: String,
    /// The JSON a webhook receives.
    pub json: serde_json::Value,
}

/// The local date and hour of an instant.
pub fn local(now: DateTime<Utc>) -> (NaiveDate, u32) {
    let t = now + Duration::hours(UTC_OFFSET_HOURS);
    (t.date_naive(), t.hour())
}

/// One office with what it owes, for the digest and the messages.
#[derive(Clone, Debug)]
pub struct Row<'a> {
    /// The office.
    pub office: &'a Office,
    /// Where it stands.
    pub standing: &'a Standing,
    /// Its deadline.
    pub deadline: NaiveDate,
    /// Days from the deadline today.
    pub days: i64,
}

/// What is due at `now` for a plan: reminders to offices that owe their report, escalations to
/// parents, the day's digest. Steps already sent are filtered by the claims, not here.
pub fn due(
    plan: &Plan,
    offices: &[Office],
    standings: &HashMap<String, Standing>,
    contacts: &Contacts,
    now: DateTime<Utc>,
) -> Vec<Outgoing> {
    let (today, hour) = local(now);
    let reminder_days = plan.reminder_days();
    let missing = Standing::Missing;
    let rows: Vec<Row> = offices
        .iter()
        .filter(|o| o.required)
        .map(|o| {
            let deadline = plan.deadline(&o.kind);
            Row {
                office: o,
                standing: standings.get(&o.code).unwrap_or(&missing),
                deadline,
                days: (today - deadline).num_days(),
            }
        })
        .collect();
    let names: HashMap<&str, &str> = offices
        .iter()
        .map(|o| (o.code.as_str(), o.name.as_str()))
        .collect();
    let mut out = Vec::new();
    for row in rows.iter().filter(|r| r.standing.owes()) {
        let Some(day) = reminder_days
            .iter()
            .rev()
            .find(|d| i64::from(**d) <= row.days)
        else {
            continue;
        };
        let mut push = |step: String, kind: Kind, contact: Option<&Contact>, to: &str| {
            if let Some(c) = contact {
                let m = message::about_office(plan, row, &kind, to);
                channels(&mut out, &row.office.code, &step, kind, c, m);
            }
        };
        let own = contacts.get(&(row.office.code.clone(), String::new()));
        push(
            format!("remind:{day}"),
            Kind::Remind { days: row.days },
            own,
            &row.office.name,
        );
        if plan.escalate_after_days > 0
            && row.days >= i64::from(plan.escalate_after_days)
            && let Some(parent) = row.office.parent_code.as_deref()
            && row.office.code != plan.org_code
        {
            let contact = if parent == plan.org_code {
                staff(contacts, parent)
            } else {
                contacts.get(&(parent.to_string(), String::new()))
            };
            let to = names.get(parent).copied().unwrap_or(parent);
            push(
                "escalate".into(),
                Kind::Escalate { days: row.days },
                contact,
                to,
            );
        }
    }
    if plan.digest && i64::from(hour) >= i64::from(plan.digest_hour) {
        let first = reminder_days.first().copied().unwrap_or(0).min(0);
        let start = rows.iter().map(|r| r.deadline).min();
        let end = rows.iter().map(|r| r.deadline).max();
        let open = match (start, end) {
            (Some(s), Some(e)) => {
                today >= s + Duration::days(i64::from(first))
                    && today <= e + Duration::days(i64::from(plan.repeat_until_days))
            }
            _ => false,
        };
        if open
            && rows.iter().any(|r| r.standing.owes())
            && let Some(contact) = staff(contacts, &plan.org_code)
        {
            let name = names.get(plan.org_code.as_str()).copied().unwrap_or("");
            let m = message::digest(plan, name, today, &rows);
            let step = format!("digest:{}", today.format("%Y-%m-%d"));
            channels(&mut out, &plan.org_code, &step, Kind::Digest, contact, m);
        }
    }
    out
}

/// The city staff's contact, else the city's own.
fn staff<'a>(contacts: &'a Contacts, org: &str) -> Option<&'a Contact> {
    contacts
        .get(&(org.to_string(), STAFF.to_string()))
        .or_else(|| contacts.get(&(org.to_string(), String::new())))
}

/// One [`Outgoing`] per channel the contact has.
fn channels(
    out: &mut Vec<Outgoing>,
    office_code: &str,
    step: &str,
    kind: Kind,
    contact: &Contact,
    m: message::Message,
) {
    if !contact.emails.is_empty() {
        out.push(Outgoing {
            office_code: office_code.to_string(),
            step: step.to_string(),
            channel: "email",
            recipients: contact.emails.clone(),
            kind: kind.clone(),
            subject: m.subject.clone(),
            text: m.text.clone(),
            json: m.json.clone(),
        });
    }
    if !contact.webhook_url.is_empty() {
        out.push(Outgoing {
            office_code: office_code.to_string(),
            step: step.to_string(),
            channel: "webhook",
            recipients: vec![contact.webhook_url.clone()],
            kind,
            subject: m.subject,
            text: m.text,
            json: m.json,
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::TimeZone;

    use super::*;

    fn plan() -> Plan {
        Plan {
            org_code: "1404".into(),
            year: 2023,
            offsets: vec![-7, -1, 0],
            repeat_every_days: 3,
            repeat_until_days: 9,
            escalate_after_days: 7,
            digest: false,
            digest_hour: 9,
            deadlines: BTreeMap::new(),
            submit_url: String::new(),
        }
    }

    fn office(code: &str, kind: &str, parent: &str) -> Office {
        Office {
            code: code.into(),
            name: format!("{code} 名称"),
            kind: kind.into(),
            parent_code: Some(parent.to_string()).filter(|p| !p.is_empty()),
            required: true,
        }
    }

    fn contacts(codes: &[&str]) -> Contacts {
        codes
            .iter()
            .map(|c| {
                let contact = Contact {
                    emails: vec![format!("{c}@x.cn")],
                    webhook_url: String::new(),
                };
                ((c.to_string(), String::new()), contact)
            })
            .collect()
    }

    /// 10:00 in UTC+8 on a day of 2024.
    fn day(m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, m, d, 2, 0, 0).unwrap()
    }

    fn steps(out: &[Outgoing]) -> Vec<(String, String)> {
        out.iter()
            .map(|o| (o.office_code.clone(), o.step.clone()))
            .collect()
    }

    #[test]
    fn deadlines_come_from_the_format_by_level_unless_the_city_sets_its_own() {
        let mut p = plan();
        assert_eq!(p.deadline("department").to_string(), "2024-01-31");
        assert_eq!(p.deadline("District").to_string(), "2024-02-20");
        assert_eq!(p.deadline("city").to_string(), "2024-03-10");
        p.deadlines.insert(
            "department".into(),
            NaiveDate::from_ymd_opt(2024, 1, 20).unwrap(),
        );
        assert_eq!(p.deadline("department").to_string(), "2024-01-20");
        assert_eq!(p.deadline("district").to_string(), "2024-02-20");
        assert_eq!(p.reminder_days(), vec![-7, -1, 0, 3, 6, 9]);
    }

    #[test]
    fn only_the_latest_step_due_is_sent_and_only_to_offices_that_owe() {
        let p = plan();
        let offices = vec![
            office("1404", "city", ""),
            office("a", "department", "1404"),
            office("b", "department", "1404"),
            Office {
                required: false,
                ..office("x", "department", "1404")
            },
        ];
        let standings: HashMap<String, Standing> = [
            ("a".to_string(), Standing::Filed { on: None }),
            ("1404".to_string(), Standing::Filed { on: None }),
        ]
        .into_iter()
        .collect();
        let book = contacts(&["1404", "a", "b", "x"]);
        // Before the first reminder day: nothing.
        assert!(due(&p, &offices, &standings, &book, day(1, 23)).is_empty());
        let at = |m, d| steps(&due(&p, &offices, &standings, &book, day(m, d)));
        assert_eq!(at(1, 24), vec![("b".into(), "remind:-7".into())]);
        assert_eq!(at(1, 29), vec![("b".into(), "remind:-7".into())]);
        assert_eq!(at(1, 31), vec![("b".into(), "remind:0".into())]);
        assert_eq!(at(2, 5), vec![("b".into(), "remind:3".into())]);
        // Seven days late: the step of day 6, and the parent (the city, which has no staff
        // group here, so its own contacts) is told.
        assert_eq!(
            at(2, 7),
            vec![
                ("b".into(), "remind:6".into()),
                ("b".into(), "escalate".into())
            ]
        );
        // Past the last repeated day, the last step stays due (already sent: claimed once).
        assert_eq!(at(3, 30)[0].1, "remind:9");
    }

    #[test]
    fn the_digest_is_daily_after_its_hour_while_someone_owes() {
        let mut p = plan();
        p.digest = true;
        let offices = [
            office("1404", "city", ""),
            office("a", "department", "1404"),
        ];
        let mut book = contacts(&["a"]);
        book.insert(
            ("1404".into(), STAFF.into()),
            Contact {
                emails: vec!["staff@x.cn".into()],
                webhook_url: "https://h.x.cn/".into(),
            },
        );
        let standings = HashMap::new();
        let digest = |now| {
            due(&p, &offices[1..], &standings, &book, now)
                .into_iter()
                .filter(|o| o.kind == Kind::Digest)
                .map(|o| (o.step, o.channel))
                .collect::<Vec<_>>()
        };
        // 08:59 local: not yet; 09:00: by mail and webhook.
        assert!(digest(Utc.with_ymd_and_hms(2024, 1, 24, 0, 59, 0).unwrap()).is_empty());
        assert_eq!(
            digest(Utc.with_ymd_and_hms(2024, 1, 24, 1, 0, 0).unwrap()),
            vec![
                ("digest:2024-01-24".to_string(), "email"),
                ("digest:2024-01-24".to_string(), "webhook")
            ]
        );
        let filed: HashMap<String, Standing> =
            [("a".to_string(), Standing::Filed { on: None })].into();
        let none = due(&p, &offices[1..], &filed, &book, day(1, 25));
        assert!(none.is_empty(), "nobody owes anything: {none:?}");
    }
}
