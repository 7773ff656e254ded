//! Reads: one report and its revisions ([`reports`], with the joined authenticate-and-read of
//! `GetReport`), pages of office-years ([`list`]), a revision history ([`history`]), bulk reads
//! of a subtree ([`bulk`]) and the subtree they cover ([`subtree`]).
//!
//! Reads depend on [`access`](super::access) for permission, never on `write`.

pub mod bulk;
pub mod history;
pub mod list;
pub mod reports;
pub mod subtree;
