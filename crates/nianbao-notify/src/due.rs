//! What is due at an instant, decided purely from a city's [`Plan`], its offices, where each
//! stands and their contacts, with the messages written by [`message`](crate::message). The clock
//! is a parameter; nothing here reads it.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::message;
use crate::plan::{Contact, Contacts, Kind, Office, Outgoing, Plan, Row, STAFF, Standing, local};

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

    use std::collections::BTreeMap;

    use chrono::{NaiveDate, TimeZone};

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
