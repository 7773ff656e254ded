//! Model <-> protobuf conversions, in one place.

use chrono::NaiveDate;
use nianbao_model::schema::ValueKind;
use nianbao_model::{Edition, Finding, Money, Office, Report, Severity, Value};

use crate::report::v1 as pb;

/// Why a protobuf message does not make a valid model value. Converts to `INVALID_ARGUMENT`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConversionError {
    /// A required field is not set.
    #[error("{0}: required field is missing / 缺少必填字段")]
    MissingField(&'static str),
    /// An enum is left at its `*_UNSPECIFIED` value.
    #[error("{0}: must be specified / 必须指定")]
    UnspecifiedEnum(&'static str),
    /// A field holds a value that is not allowed.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field (`report.cells[s3.granted.total]`).
        field: String,
        /// What is wrong.
        reason: String,
    },
}

impl ConversionError {
    /// The field the error is about.
    pub fn field(&self) -> String {
        match self {
            ConversionError::MissingField(f) | ConversionError::UnspecifiedEnum(f) => f.to_string(),
            ConversionError::Invalid { field, .. } => field.clone(),
        }
    }
}

impl From<ConversionError> for tonic::Status {
    fn from(e: ConversionError) -> Self {
        tonic::Status::invalid_argument(e.to_string())
    }
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ConversionError {
    ConversionError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// The protobuf edition of a model edition.
pub fn edition_to_pb(e: Edition) -> pb::Edition {
    match e {
        Edition::E2019 => pb::Edition::Edition2019,
        Edition::E2021 => pb::Edition::Edition2021,
    }
}

/// The model edition of a protobuf enum value.
pub fn edition_from_pb(value: i32) -> Result<Edition, ConversionError> {
    match pb::Edition::try_from(value) {
        Ok(pb::Edition::Edition2019) => Ok(Edition::E2019),
        Ok(pb::Edition::Edition2021) => Ok(Edition::E2021),
        Ok(pb::Edition::Unspecified) => Err(ConversionError::UnspecifiedEnum("report.edition")),
        Err(_) => Err(invalid(
            "report.edition",
            format!("unknown edition {value} / 未知版本"),
        )),
    }
}

impl From<&Report> for pb::Report {
    fn from(r: &Report) -> Self {
        let schema = r.schema();
        let cells = schema
            .cells()
            .iter()
            .filter_map(|def| {
                let v = r.cells.get(def.key)?;
                let value = match (def.kind, v) {
                    (_, Value::Count(n)) => pb::cell::Value::Count(*n),
                    (ValueKind::Money(unit), Value::Money(m)) => {
                        pb::cell::Value::Money(m.to_interchange(unit))
                    }
                    (_, Value::Money(m)) => pb::cell::Value::Money(m.amount.to_string()),
                };
                Some(pb::Cell {
                    key: def.key.to_string(),
                    value: Some(value),
                    note: r.cell_notes.get(def.key).cloned(),
                })
            })
            .collect();
        pb::Report {
            office: Some(pb::Office {
                code: r.office.code.clone(),
                name: r.office.name.clone(),
            }),
            year: r.year,
            edition: edition_to_pb(r.edition) as i32,
            published_date: r.published_date.map(|d| d.format("%Y-%m-%d").to_string()),
            signature: r.signature.clone(),
            sections: r.sections.clone().into_iter().collect(),
            cells,
        }
    }
}

impl TryFrom<pb::Report> for Report {
    type Error = ConversionError;

    fn try_from(p: pb::Report) -> Result<Self, Self::Error> {
        let office = p
            .office
            .ok_or(ConversionError::MissingField("report.office"))?;
        if office.code.trim().is_empty() {
            return Err(ConversionError::MissingField("report.office.code"));
        }
        if !(1990..=2100).contains(&p.year) {
            return Err(invalid(
                "report.year",
                format!("year {} is outside 1990-2100 / 年度超出范围", p.year),
            ));
        }
        let edition = edition_from_pb(p.edition)?;
        let mut report = Report::new(
            Office {
                code: office.code,
                name: office.name,
            },
            p.year,
            edition,
        );
        if let Some(d) = p.published_date.filter(|d| !d.is_empty()) {
            report.published_date =
                Some(NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
                    invalid(
                        "report.published_date",
                        format!("\"{d}\" is not YYYY-MM-DD / 日期格式应为 YYYY-MM-DD"),
                    )
                })?);
        }
        report.signature = p.signature;
        report.sections = p.sections.into_iter().collect();
        let schema = edition.schema();
        for cell in p.cells {
            // The field is named only when something is wrong with it.
            let field = || format!("report.cells[{}]", cell.key);
            let def = schema.cell(&cell.key).ok_or_else(|| {
                invalid(
                    field(),
                    format!(
                        "no such cell in the {edition} edition / {edition} 版格式中没有这个单元格"
                    ),
                )
            })?;
            if report.cells.contains_key(def.key) {
                return Err(invalid(field(), "duplicate cell / 单元格重复"));
            }
            let value = match (def.kind, cell.value) {
                (_, None) => return Err(invalid(field(), "cell without a value / 单元格没有值")),
                (ValueKind::Money(unit), Some(pb::cell::Value::Money(s))) => {
                    Value::Money(Money::parse(&s, unit).map_err(|e| invalid(field(), e))?)
                }
                (ValueKind::Money(unit), Some(pb::cell::Value::Count(n))) => Value::Money(Money {
                    amount: n.into(),
                    unit,
                }),
                (_, Some(pb::cell::Value::Count(n))) => Value::Count(n),
                (_, Some(pb::cell::Value::Money(_))) => {
                    return Err(invalid(
                        field(),
                        "a count cell holds money / 件数单元格不能填金额",
                    ));
                }
            };
            report.cells.insert(def.key, value);
            if let Some(note) = cell.note {
                report.cell_notes.insert(def.key, note);
            }
        }
        Ok(report)
    }
}

/// The protobuf severity of a model severity.
pub fn severity_to_pb(s: Severity) -> pb::Severity {
    match s {
        Severity::Error => pb::Severity::Error,
        Severity::Warning => pb::Severity::Warning,
    }
}

/// The model severity of a protobuf enum value.
pub fn severity_from_pb(value: i32) -> Result<Severity, ConversionError> {
    match pb::Severity::try_from(value) {
        Ok(pb::Severity::Error) => Ok(Severity::Error),
        Ok(pb::Severity::Warning) => Ok(Severity::Warning),
        _ => Err(ConversionError::UnspecifiedEnum("finding.severity")),
    }
}

impl From<&Finding> for pb::Finding {
    fn from(f: &Finding) -> Self {
        pb::Finding {
            rule: f.rule.clone(),
            severity: severity_to_pb(f.severity) as i32,
            cells: f.cells.clone(),
            expected: f.expected.clone(),
            actual: f.actual.clone(),
            message_zh: f.message_zh.clone(),
            message_en: f.message_en.clone(),
            fingerprint: f.fingerprint(),
        }
    }
}

impl TryFrom<pb::Finding> for Finding {
    type Error = ConversionError;

    fn try_from(p: pb::Finding) -> Result<Self, Self::Error> {
        let severity = severity_from_pb(p.severity)?;
        Ok(Finding {
            rule: p.rule,
            severity,
            cells: p.cells,
            expected: p.expected,
            actual: p.actual,
            message_zh: p.message_zh,
            message_en: p.message_en,
        })
    }
}

#[cfg(test)]
mod tests;
