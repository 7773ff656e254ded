//! The document every format prints: title, the six sections in order, extra sections, signature, date,
//! and for review copies the findings; built once from a report and the schema.

use std::collections::BTreeSet;

use nianbao_model::schema::TableId;
use nianbao_model::{Finding, Report, SectionKey};

use crate::layout::{Grid, grids};

/// What a section holds.
#[derive(Clone, Debug)]
pub enum Body {
    /// Paragraphs of prose (possibly none).
    Prose(Vec<String>),
    /// A table of the format.
    Table(Grid),
}

/// One section with its official heading.
#[derive(Clone, Debug)]
pub struct Section {
    /// The heading as printed (`三、收到和处理政府信息公开申请情况`).
    pub heading: String,
    /// The section key (`overview`, `s3`, or an extra section's own key).
    pub key: String,
    /// What it holds.
    pub body: Body,
}

/// The whole document.
#[derive(Clone, Debug)]
pub struct Document {
    /// `{office.name}{year}年政府信息公开工作年度报告`.
    pub title: String,
    /// The title cut where a printed page breaks it: the office name, then the rest (one line when short).
    pub title_lines: Vec<String>,
    /// Sections in print order.
    pub sections: Vec<Section>,
    /// The signature line, when known.
    pub signature: Option<String>,
    /// The date as printed (`2024年1月2日`), when known.
    pub date: Option<String>,
    /// Findings to list (review copies only).
    pub findings: Vec<Finding>,
    /// This is a review copy.
    pub review: bool,
}

/// The title of a report.
pub fn title(report: &Report) -> String {
    format!(
        "{}{}年政府信息公开工作年度报告",
        report.office.name, report.year
    )
}

/// Longer titles than this many characters print on two lines (office name, then the rest).
const TITLE_LINE: usize = 20;

fn title_lines(report: &Report) -> Vec<String> {
    let full = title(report);
    let name = report.office.name.trim();
    if full.chars().count() <= TITLE_LINE || name.is_empty() {
        vec![full]
    } else {
        vec![
            name.to_string(),
            format!("{}年政府信息公开工作年度报告", report.year),
        ]
    }
}

/// Prose split into paragraphs: one per non-blank line.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Builds the document of a report.
pub fn build(report: &Report, review: bool, findings: &[Finding]) -> Document {
    let flagged: BTreeSet<String> = if review {
        findings
            .iter()
            .flat_map(|f| f.cells.iter().cloned())
            .collect()
    } else {
        BTreeSet::new()
    };
    let prose = |key: &str, heading: &str| Section {
        heading: heading.to_string(),
        key: key.to_string(),
        body: Body::Prose(paragraphs(report.section(key))),
    };
    let (overview, rest) = SectionKey::OFFICIAL.split_at(1);
    let mut sections: Vec<Section> = overview.iter().map(|(k, h)| prose(k, h)).collect();
    for (table, grid) in grids(report, &flagged) {
        sections.push(Section {
            heading: table.heading.to_string(),
            key: table.id.prefix().to_string(),
            body: Body::Table(grid),
        });
    }
    sections.extend(rest.iter().map(|(k, h)| prose(k, h)));
    let official: BTreeSet<&str> = SectionKey::OFFICIAL.iter().map(|(k, _)| *k).collect();
    for (key, text) in &report.sections {
        if !official.contains(key.as_str()) {
            sections.push(Section {
                heading: key.clone(),
                key: key.clone(),
                body: Body::Prose(paragraphs(text)),
            });
        }
    }
    Document {
        title: title(report),
        title_lines: title_lines(report),
        sections,
        signature: report.signature.clone(),
        date: report
            .published_date
            .map(|d| d.format("%Y年%-m月%-d日").to_string()),
        findings: if review {
            findings.to_vec()
        } else {
            Vec::new()
        },
        review,
    }
}

impl Document {
    /// The grid of a table, if the document has it.
    pub fn grid(&self, id: TableId) -> Option<&Grid> {
        self.sections.iter().find_map(|s| match &s.body {
            Body::Table(g) if g.table == id => Some(g),
            _ => None,
        })
    }
}

/// The heading of the findings list of a review copy.
pub const FINDINGS_HEADING: &str = "审核意见";

/// One line describing a finding: `[R1 错误] 消息（表三…）`.
pub fn finding_line(f: &Finding) -> String {
    let sev = match f.severity {
        nianbao_model::Severity::Error => "错误 error",
        nianbao_model::Severity::Warning => "提示 warning",
    };
    let strip = |m: &str| {
        m.strip_prefix(f.rule.as_str())
            .map(str::trim_start)
            .unwrap_or(m)
            .to_string()
    };
    let mut line = format!("[{} {}] {}", f.rule, sev, strip(&f.message_zh));
    if !f.message_en.is_empty() {
        line.push_str(" / ");
        line.push_str(&strip(&f.message_en));
    }
    line
}
