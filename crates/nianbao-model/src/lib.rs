//! The report model of nianbao.
//!
//! A [`Report`] is one office's annual report on government information disclosure
//! (政府信息公开工作年度报告) in one edition of the national format.
//! The tables of both editions are defined once, as data, in [`schema`]; every other
//! crate iterates that schema instead of naming rows.
//! The consistency rules (勾稽关系) are data too, in [`rules`], and the filing deadlines by
//! level ([`deadline`]).
//!
//! This crate is pure: no IO, no async, no wire types.

pub mod deadline;
pub mod digest;
pub mod interchange;
pub mod report;
pub mod rules;
pub mod schema;
pub mod value;

pub use deadline::Deadlines;
pub use report::{Office, Report, SectionKey};
pub use rules::{Finding, RuleContext, Severity};
pub use schema::{CellDef, Edition, Heading, Schema, TableId, ValueKind};
pub use value::{Money, Value};
