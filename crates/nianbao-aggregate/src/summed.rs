//! What a roll-up gives: the summed report, the offices included, and the cells that were summed
//! over only some offices or not summed at all. [`rollup`](crate::rollup::rollup) defines it;
//! the [`fold`](crate::fold) computes it.

use std::fmt;

use nianbao_model::rules::{self, Finding, Severity};
use nianbao_model::{Edition, Report};

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
