//! Test helpers: consistent random reports (built as in the model's property tests) and offices.
#![allow(dead_code)]

use nianbao_model::{Edition, Office, Report};

pub use nianbao_model::testkit::consistent;

/// A consistent report of `office` on `year`.
pub fn report_of(code: &str, year: i32, edition: Edition, seed: &[u32], subtotal: bool) -> Report {
    let mut r = consistent(edition, seed, subtotal);
    r.office = Office {
        code: code.to_string(),
        name: format!("{code}局"),
    };
    r.year = year;
    r
}

/// An office node.
pub fn node(code: &str, parent: Option<&str>, kind: &str) -> nianbao_aggregate::filing::OfficeNode {
    nianbao_aggregate::filing::OfficeNode {
        code: code.to_string(),
        name: format!("{code}局"),
        kind: kind.to_string(),
        parent_code: parent.map(str::to_string),
        must_report: true,
        exempt_years: Vec::new(),
    }
}
pub mod reference;
