//! The sea-orm entities. They never leave this crate: handlers convert them to protobuf in `wire`.

pub mod audit_event;
pub mod contact;
pub mod finding_mark;
pub mod office;
pub mod office_history;
pub mod publication;
pub mod publication_check;
pub mod reminder_delivery;
pub mod reminder_plan;
pub mod report;
pub mod revision;
pub mod token;
