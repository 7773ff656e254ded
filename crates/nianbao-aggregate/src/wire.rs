//! Conversions between the pure results of this crate and the `nianbao.aggregate.v1` messages.

use std::collections::HashMap;

use chrono::NaiveDate;
use nianbao_proto::aggregate::v1 as apb;
use nianbao_proto::convert::edition_to_pb;
use nianbao_proto::report::v1 as rpb;
use nianbao_proto::storage::v1 as spb;

use crate::compare::Comparison;
use crate::error::AggregateError;
use crate::export::Format;
use crate::filing::{Completeness, FilingState};
use crate::indicators::Indicator;
use crate::source::Selection;
use crate::summed::Aggregate;

/// The org and year of a request, checked.
pub fn org_year(org: &str, year: i32) -> Result<(String, i32), AggregateError> {
    let org = org.trim();
    if org.is_empty() {
        return Err(AggregateError::invalid(
            "org",
            "required / 必须指定单位代码",
        ));
    }
    if !(1990..=2100).contains(&year) {
        return Err(AggregateError::invalid(
            "year",
            format!("{year} is not a year between 1990 and 2100 / 年度应在 1990–2100 之间"),
        ));
    }
    Ok((org.to_string(), year))
}

/// The selection of a request; unspecified means the latest submitted revision.
pub fn selection(value: i32) -> Selection {
    match apb::Selection::try_from(value) {
        Ok(apb::Selection::Accepted) => Selection::Accepted,
        _ => Selection::LatestSubmitted,
    }
}

/// The document format of a city report request.
pub fn render_format(value: i32) -> Result<nianbao_proto::render::v1::Format, AggregateError> {
    use nianbao_proto::render::v1::Format;
    match Format::try_from(value) {
        Ok(Format::Unspecified) | Err(_) => Err(AggregateError::invalid(
            "format",
            "html, docx, pdf, markdown or text / 格式应为 html、docx、pdf、markdown 或 text",
        )),
        Ok(f) => Ok(f),
    }
}

/// The export format of a request.
pub fn format(value: i32) -> Result<Format, AggregateError> {
    match apb::ExportFormat::try_from(value) {
        Ok(apb::ExportFormat::Csv) => Ok(Format::Csv),
        Ok(apb::ExportFormat::Xlsx) => Ok(Format::Xlsx),
        Ok(apb::ExportFormat::Json) => Ok(Format::Json),
        _ => Err(AggregateError::invalid(
            "format",
            "csv, xlsx or json / 导出格式应为 csv、xlsx 或 json",
        )),
    }
}

fn indicator(i: &Indicator) -> apb::Indicator {
    apb::Indicator {
        key: i.key.to_string(),
        label_zh: i.label_zh.to_string(),
        value: i.value.map(|v| v.to_string()).unwrap_or_default(),
        numerator: i.numerator,
        denominator: i.denominator,
    }
}

/// The response of a roll-up.
pub fn aggregate_response(agg: &Aggregate, indicators: &[Indicator]) -> apb::AggregateResponse {
    let mut findings: Vec<rpb::Finding> = agg.findings().iter().map(rpb::Finding::from).collect();
    findings.extend(agg.notes.iter().map(|n| rpb::Finding {
        rule: "A3".into(),
        severity: rpb::Severity::Warning as i32,
        cells: Vec::new(),
        expected: None,
        actual: None,
        message_zh: n.clone(),
        message_en: n.clone(),
        fingerprint: format!("A3:{n}"),
    }));
    apb::AggregateResponse {
        report: Some(rpb::Report::from(&agg.report)),
        included: agg
            .included
            .iter()
            .map(|i| apb::IncludedOffice {
                office_code: i.office_code.clone(),
                office_name: i.office_name.clone(),
                revision: i.revision,
                edition: edition_to_pb(i.edition) as i32,
            })
            .collect(),
        not_summed: agg.not_summed.iter().map(ToString::to_string).collect(),
        findings,
        indicators: indicators.iter().map(indicator).collect(),
    }
}

fn state(s: FilingState) -> apb::FilingState {
    match s {
        FilingState::OnTime => apb::FilingState::OnTime,
        FilingState::Late => apb::FilingState::Late,
        FilingState::Missing => apb::FilingState::Missing,
        FilingState::Returned => apb::FilingState::Returned,
        FilingState::DraftOnly => apb::FilingState::DraftOnly,
        FilingState::NotRequired => apb::FilingState::NotRequired,
    }
}

/// The response of a completeness request, with the publications of the offices.
pub fn completeness_response(
    c: &Completeness,
    publications: Vec<spb::Publication>,
) -> apb::CompletenessResponse {
    let mut by_office: HashMap<String, Vec<spb::Publication>> = HashMap::new();
    for p in publications {
        by_office.entry(p.office_code.clone()).or_default().push(p);
    }
    apb::CompletenessResponse {
        offices: c
            .offices
            .iter()
            .map(|f| {
                let publications = by_office.remove(&f.office_code).unwrap_or_default();
                let first = publications
                    .iter()
                    .filter_map(|p| NaiveDate::parse_from_str(&p.published_date, "%Y-%m-%d").ok())
                    .min();
                (f, publications, first.is_some_and(|d| d <= f.deadline))
            })
            .map(|(f, publications, published_on_time)| apb::OfficeFiling {
                office_code: f.office_code.clone(),
                office_name: f.office_name.clone(),
                parent_code: f.parent_code.clone(),
                state: state(f.state) as i32,
                days_late: f.days_late,
                submitted_at: f.submitted_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                status: f.status.map(|s| s.as_str().to_string()).unwrap_or_default(),
                errors: f.errors,
                warnings: f.warnings,
                publications,
                published_on_time,
            })
            .collect(),
        districts: c
            .districts
            .iter()
            .map(|d| apb::DistrictRate {
                office_code: d.office_code.clone(),
                office_name: d.office_name.clone(),
                required: d.required,
                filed: d.filed,
                on_time: d.on_time,
            })
            .collect(),
        deadline: c.deadline.to_string(),
    }
}

/// The response of a comparison.
pub fn compare_response(c: &Comparison) -> apb::CompareResponse {
    apb::CompareResponse {
        cells: c.cells.clone(),
        rows: c
            .rows
            .iter()
            .map(|r| apb::CompareRow {
                label: r.label.clone(),
                values: r
                    .values
                    .iter()
                    .map(|v| v.map(|v| v.to_string()).unwrap_or_default())
                    .collect(),
                ranks: r
                    .ranks
                    .iter()
                    .map(|k| k.and_then(|k| i32::try_from(k).ok()).unwrap_or(0))
                    .collect(),
            })
            .collect(),
    }
}

/// A report's office as the model has it.
pub fn org_office(code: &str, name: &str) -> nianbao_model::Office {
    nianbao_model::Office {
        code: code.to_string(),
        name: name.to_string(),
    }
}
