//! The roll-up: every additive cell of a subtree summed exactly, in one edition.
//!
//! See the crate README for the common set of cells when editions are mixed and for the
//! rule on an office that is both a unit and a parent.

use std::collections::BTreeMap;
use std::fmt;

use nianbao_model::rules::{self, Finding, Severity};
use nianbao_model::{Edition, Office, Report};

use crate::fold::Fold;

/// One office's report taken into a roll-up, with the revision it came from.
#[derive(Clone, Debug)]
pub struct Input {
    /// The report (its office, year and edition are its own).
    pub report: Report,
    /// The stored revision number (0 when not stored).
    pub revision: i64,
}

/// An office whose report went into a roll-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Included {
    /// Office code.
    pub office_code: String,
    /// Office name as in its report.
    pub office_name: String,
    /// The revision summed.
    pub revision: i64,
    /// The edition of that report.
    pub edition: Edition,
}

/// A cell (of an input or of the target edition) that could not be summed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotSummed {
    /// The cell key.
    pub key: String,
    /// The offices whose value for that key was left out.
    pub offices: Vec<String>,
    /// Why, in Chinese.
    pub reason_zh: String,
    /// Why, in English.
    pub reason_en: String,
}

impl fmt::Display for NotSummed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} / {} ({})",
            self.key,
            self.reason_zh,
            self.reason_en,
            self.offices.join(", ")
        )
    }
}

/// A cell summed over only the inputs that printed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partial {
    /// The cell key.
    pub key: &'static str,
    /// How many inputs printed it.
    pub summed: usize,
    /// The offices that did not print it (or whose edition has no such cell).
    pub absent_in: Vec<String>,
}

/// The result of a roll-up.
#[derive(Clone, Debug)]
pub struct Aggregate {
    /// The aggregate report: office = the org, same edition rules as any report.
    pub report: Report,
    /// The offices and revisions summed, by office code.
    pub included: Vec<Included>,
    /// Cells that could not be summed, with the reason.
    pub not_summed: Vec<NotSummed>,
    /// Cells summed over only some inputs.
    pub partial: Vec<Partial>,
    /// Other things a reader should know (dropped duplicates, dropped printed subtotals).
    pub notes: Vec<String>,
}

impl Aggregate {
    /// Findings on the aggregate: the arithmetic rules on the summed tables, and one warning
    /// (`A1`) per cell summed over only some inputs and (`A2`) per cell not summed.
    pub fn findings(&self) -> Vec<Finding> {
        let mut out: Vec<Finding> = rules::check_report(&self.report)
            .into_iter()
            .filter(|f| f.severity == Severity::Error || f.rule.starts_with('R'))
            .collect();
        for p in &self.partial {
            out.push(Finding {
                rule: "A1".into(),
                severity: Severity::Warning,
                cells: vec![p.key.to_string()],
                expected: None,
                actual: None,
                message_zh: format!(
                    "A1 {}：仅汇总了 {} 个单位，以下单位未填报：{}",
                    p.key,
                    p.summed,
                    p.absent_in.join("、")
                ),
                message_en: format!(
                    "A1 {}: summed over {} offices; not printed by {}",
                    p.key,
                    p.summed,
                    p.absent_in.join(", ")
                ),
            });
        }
        for n in &self.not_summed {
            out.push(Finding {
                rule: "A2".into(),
                severity: Severity::Warning,
                cells: vec![n.key.clone()],
                expected: None,
                actual: None,
                message_zh: format!(
                    "A2 {}：未汇总，{}（{}）",
                    n.key,
                    n.reason_zh,
                    n.offices.join("、")
                ),
                message_en: format!(
                    "A2 {}: not summed, {} ({})",
                    n.key,
                    n.reason_en,
                    n.offices.join(", ")
                ),
            });
        }
        out
    }
}

/// The edition a year's reports are due in: 2019 for 2019 and 2020, 2021 from 2021 on.
pub fn edition_of_year(year: i32) -> Edition {
    if year <= 2020 {
        Edition::E2019
    } else {
        Edition::E2021
    }
}

/// Sums the reports of a subtree into one report of `edition` for `year`, office = `org`.
///
/// Each office counts once: when the same office comes twice, the higher revision is kept.
/// Inputs on another year are left out (and noted). Nothing incompatible is ever added silently:
/// see [`Aggregate::not_summed`] and [`Aggregate::partial`].
pub fn rollup(edition: Edition, year: i32, org: &Office, inputs: &[Input]) -> Aggregate {
    let mut notes = Vec::new();
    let mut by_office: BTreeMap<&str, &Input> = BTreeMap::new();
    for input in inputs {
        if input.report.year != year {
            notes.push(format!(
                "{} 的报告年度为 {}，不是 {year}，未汇总 / the report of {} is on {}, not {year}; left out",
                input.report.office.code, input.report.year, input.report.office.code, input.report.year
            ));
            continue;
        }
        let code = input.report.office.code.as_str();
        match by_office.get(code) {
            Some(kept) if kept.revision >= input.revision => {
                notes.push(format!(
                    "{code} 出现多次，只汇总第 {} 版 / {code} came more than once; revision {} summed",
                    kept.revision, kept.revision
                ));
            }
            Some(_) => {
                notes.push(format!(
                    "{code} 出现多次，只汇总第 {} 版 / {code} came more than once; revision {} summed",
                    input.revision, input.revision
                ));
                by_office.insert(code, input);
            }
            None => {
                by_office.insert(code, input);
            }
        }
    }
    let mut fold = Fold::new(edition, year, org);
    fold.notes = notes;
    for input in by_office.into_values() {
        fold.add_report(&input.report, input.revision);
    }
    fold.finish()
}
