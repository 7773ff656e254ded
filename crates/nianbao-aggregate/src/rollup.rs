//! The roll-up: every additive cell of a subtree summed exactly, in one edition.
//!
//! See the crate README for the common set of cells when editions are mixed and for the
//! rule on an office that is both a unit and a parent.

use std::collections::BTreeMap;

use nianbao_model::{Edition, Office, Report};

use crate::fold::Fold;
use crate::summed::Aggregate;

/// One office's report taken into a roll-up, with the revision it came from.
#[derive(Clone, Debug)]
pub struct Input {
    /// The report (its office, year and edition are its own).
    pub report: Report,
    /// The stored revision number (0 when not stored).
    pub revision: i64,
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
