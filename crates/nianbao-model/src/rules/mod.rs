//! Consistency rules (勾稽关系) as data.
//!
//! Each [`Rule`] has a stable id, a severity, the cells it reads and a check that returns
//! [`Finding`]s. A check never fails and never panics: an inconsistent report is data.

mod arith;
mod cells;
mod finding;
mod prose;

use chrono::NaiveDate;

pub use finding::{Finding, Severity};

use crate::report::Report;
use crate::schema::Schema;
use crate::value::Value;

/// What a check sees: the report, optionally last year's report, and the publication deadline.
#[derive(Clone, Copy, Debug)]
pub struct RuleContext<'a> {
    /// The report under check.
    pub report: &'a Report,
    /// The same office's report on the previous year, for the cross-year rules.
    pub previous: Option<&'a Report>,
    /// The publication deadline; `None` means 31 January of the following year.
    pub deadline: Option<NaiveDate>,
}

impl<'a> RuleContext<'a> {
    /// A context with no previous year and the default deadline.
    pub fn new(report: &'a Report) -> RuleContext<'a> {
        RuleContext {
            report,
            previous: None,
            deadline: None,
        }
    }

    /// The schema of the report's edition.
    pub fn schema(&self) -> &'static Schema {
        self.report.schema()
    }

    /// The deadline in force.
    pub fn deadline(&self) -> NaiveDate {
        self.deadline
            .or_else(|| NaiveDate::from_ymd_opt(self.report.year + 1, 1, 31))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// One consistency rule.
pub struct Rule {
    /// The stable id (`R1`, `W3`).
    pub id: &'static str,
    /// Error (the report cannot be submitted) or warning.
    pub severity: Severity,
    /// What the rule says, in Chinese.
    pub title_zh: &'static str,
    /// What the rule says, in English.
    pub title_en: &'static str,
    /// The cells the rule reads in a schema.
    pub reads: fn(&Schema) -> Vec<&'static str>,
    /// The check: appends findings.
    pub check: fn(&Checked<'_>, &mut Vec<Finding>),
}

/// What a check runs on: the context plus the report's cells laid out by schema index.
pub struct Checked<'a> {
    ctx: &'a RuleContext<'a>,
    values: Vec<Option<Value>>,
}

impl<'a> Checked<'a> {
    /// Lays out the report's cells once for every rule.
    pub fn new(ctx: &'a RuleContext<'a>) -> Checked<'a> {
        Checked {
            ctx,
            values: ctx.schema().dense(&ctx.report.cells),
        }
    }

    /// The value of the cell at a schema index.
    pub fn value_at(&self, index: usize) -> Option<&Value> {
        self.values.get(index).and_then(Option::as_ref)
    }

    /// The count in the cell at a schema index.
    pub fn count_at(&self, index: usize) -> Option<i64> {
        self.value_at(index).and_then(Value::count)
    }
}

impl<'a> std::ops::Deref for Checked<'a> {
    type Target = RuleContext<'a>;

    fn deref(&self) -> &RuleContext<'a> {
        self.ctx
    }
}

/// Every rule, in id order.
pub static RULES: &[Rule] = &[
    arith::R1,
    arith::R2,
    arith::R3,
    arith::R4,
    arith::R5,
    arith::R7,
    cells::R8,
    prose::R9,
    prose::W1_LATE,
    prose::W2_PLAN_YEAR,
    prose::W3_OVERVIEW_LENGTH,
    prose::W4_FEE_STATEMENT,
    prose::W5_SAME_AS_LAST_YEAR,
    cells::W6_MISSING_CELLS,
    prose::W7_PROBLEMS_EMPTY,
];

/// A rule by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Runs every rule; findings come in rule order, errors and warnings mixed.
pub fn check(ctx: &RuleContext<'_>) -> Vec<Finding> {
    let checked = Checked::new(ctx);
    let mut out = Vec::new();
    for rule in RULES {
        (rule.check)(&checked, &mut out);
    }
    out
}

/// Runs every rule on a report alone (no previous year, default deadline).
pub fn check_report(report: &Report) -> Vec<Finding> {
    check(&RuleContext::new(report))
}

/// Whether any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}
