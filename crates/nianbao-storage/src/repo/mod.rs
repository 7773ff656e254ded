//! Queries as plain async functions over a sea-orm connection. No protobuf here.

pub mod access;
pub mod audit;
pub mod marks;
pub mod offices;
pub mod publications;
pub mod read;
pub mod reminders;
pub mod review;
pub mod stored;
pub mod write;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{DbErr, SqlErr};

/// Most values bound in one IN-list: far below SQLite's 32,766 and PostgreSQL's 65,535 bound
/// parameters per statement, with room for the other conditions.
pub const MAX_IN_LIST: usize = 10_000;

/// The current time, to the microsecond (what both databases keep).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Whether a database error is a unique-index violation (a concurrent duplicate).
pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Report statuses as stored.
pub mod status {
    /// Saved as a draft, nothing submitted yet.
    pub const DRAFT: &str = "draft";
    /// Submitted, waiting for review.
    pub const SUBMITTED: &str = "submitted";
    /// Returned to the office with a reason.
    pub const RETURNED: &str = "returned";
    /// Accepted: locked until reopened.
    pub const ACCEPTED: &str = "accepted";
    /// Published: locked until reopened.
    pub const PUBLISHED: &str = "published";

    /// Whether a new submission is refused.
    pub fn is_locked(status: &str) -> bool {
        status == ACCEPTED || status == PUBLISHED
    }
}

#[cfg(test)]
mod tests;
