//! What a rule reports.

use std::fmt;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The report is wrong; a submission is rejected (it may still be saved as a draft).
    Error,
    /// Worth a look; stored with the revision.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found by a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule id.
    pub rule: String,
    /// Error or warning.
    pub severity: Severity,
    /// Every cell involved; the first is the one the message is about.
    pub cells: Vec<String>,
    /// The value the rule expects, when it has one.
    pub expected: Option<String>,
    /// The value printed, when there is one.
    pub actual: Option<String>,
    /// The message in Chinese, using the labels as printed in the format.
    pub message_zh: String,
    /// The message in English.
    pub message_en: String,
}

impl Finding {
    /// A stable fingerprint of the finding: its rule and its cells (not its values).
    pub fn fingerprint(&self) -> String {
        let mut cells = self.cells.clone();
        cells.sort();
        format!("{}:{}", self.rule, cells.join(","))
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.message_zh, self.message_en)
    }
}
