//! What is due at an instant: pure, from a city's plan, its offices, where each stands and their
//! contacts. The clock is a parameter; nothing here reads it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use nianbao_model::Deadlines;

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
