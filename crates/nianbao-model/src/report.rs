//! One office's report on one year.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::schema::{Edition, HEADINGS, Schema};
use crate::value::Value;

/// The office that publishes a report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Office {
    /// A stable code (`140404-sfj`).
    pub code: String,
    /// The name as printed (`长治市上党区司法局`).
    pub name: String,
}

/// Keys of the prose sections in interchange JSON.
pub struct SectionKey;

impl SectionKey {
    /// 一、总体情况.
    pub const OVERVIEW: &'static str = "overview";
    /// 五、存在的主要问题及改进情况.
    pub const PROBLEMS: &'static str = "problems";
    /// 六、其他需要报告的事项.
    pub const OTHER: &'static str = "other";
    /// The three sections of the format, in print order, with their official headings.
    pub const OFFICIAL: [(&'static str, &'static str); 3] = [
        (Self::OVERVIEW, HEADINGS[0].text),
        (Self::PROBLEMS, HEADINGS[4].text),
        (Self::OTHER, HEADINGS[5].text),
    ];
}

/// A report: office, year, edition, prose and the cells of tables 二, 三, 四.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Who reports.
    pub office: Office,
    /// The year reported on (not the year of publication).
    pub year: i32,
    /// The edition of the format the tables follow.
    pub edition: Edition,
    /// The publication date, when known.
    pub published_date: Option<NaiveDate>,
    /// The signature line (the office name under the report), when known.
    pub signature: Option<String>,
    /// Prose by section key ([`SectionKey`]); extra sections keep their own keys.
    pub sections: BTreeMap<String, String>,
    /// Printed cells by key. A key that is not here was not printed.
    pub cells: BTreeMap<&'static str, Value>,
    /// Annotations printed inside a cell next to its number (`其中修订 16 件`).
    pub cell_notes: BTreeMap<&'static str, String>,
}

impl Report {
    /// An empty report (no cells, no prose).
    pub fn new(office: Office, year: i32, edition: Edition) -> Report {
        Report {
            office,
            year,
            edition,
            published_date: None,
            signature: None,
            sections: BTreeMap::new(),
            cells: BTreeMap::new(),
            cell_notes: BTreeMap::new(),
        }
    }

    /// The schema of the report's edition.
    pub fn schema(&self) -> &'static Schema {
        self.edition.schema()
    }

    /// The count in a cell, if printed and a count.
    pub fn count(&self, key: &str) -> Option<i64> {
        self.cells.get(key).and_then(Value::count)
    }

    /// Sets a cell by key; returns `false` (and changes nothing) when the key is not in the edition.
    pub fn set(&mut self, key: &str, value: Value) -> bool {
        match self.schema().cell(key) {
            Some(def) => {
                self.cells.insert(def.key, value);
                true
            }
            None => false,
        }
    }

    /// The prose of a section, or `""`.
    pub fn section(&self, key: &str) -> &str {
        self.sections.get(key).map(String::as_str).unwrap_or("")
    }

    /// Same tables and same prose (office and dates aside): a report copied from another year.
    pub fn same_content(&self, other: &Report) -> bool {
        self.cells == other.cells && self.sections == other.sections
    }
}
