//! Test helpers: consistent random reports of an office (from the test kit) and offices.
#![allow(dead_code)]

pub use nianbao_testkit::report_of;

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
