//! The annex of an aggregate report: included offices, a completeness table and charts, as plain data
//! that the aggregation code fills; plus chart builders that read a report through the schema.

use nianbao_model::schema::{RowRole, TableId};
use nianbao_model::{Report, Value};
use serde::{Deserialize, Serialize};

/// The annex printed after an aggregate report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Annex {
    /// The annex heading (`附件：汇总情况说明`); a default is printed when empty.
    pub title: String,
    /// The offices whose reports the aggregate includes (or leaves out, with the reason in `status`).
    pub offices: Vec<AnnexOffice>,
    /// A completeness table (on time, late, missing…), free columns.
    pub completeness: AnnexTable,
    /// Indicators of the aggregate (rates with numerator and denominator), free columns.
    pub indicators: AnnexTable,
    /// Charts, drawn as SVG (HTML, PDF) or given as their data table (DOCX, Markdown, text).
    pub charts: Vec<Chart>,
}

/// One office of an aggregate.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnnexOffice {
    /// The office code.
    pub code: String,
    /// The office name.
    pub name: String,
    /// Its status as a person reads it (`已发布`, `逾期 3 天`, `未报送`).
    pub status: String,
    /// The revision included, if any.
    pub revision: Option<i64>,
}

/// A plain table: a caption, a header row and rows of text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnnexTable {
    /// The caption (`报送完成情况`).
    pub caption: String,
    /// The header row.
    pub header: Vec<String>,
    /// The rows; each as long as the header.
    pub rows: Vec<Vec<String>>,
}

/// A bar chart: categories along one axis, one bar per series in each category.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// The chart title.
    pub title: String,
    /// The unit of the values (`件`).
    pub unit: String,
    /// The category labels.
    pub categories: Vec<String>,
    /// The series; each has one value per category.
    pub series: Vec<ChartSeries>,
}

/// One series of a chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartSeries {
    /// The legend label (`2023年`).
    pub name: String,
    /// One value per category.
    pub values: Vec<f64>,
}

impl Annex {
    /// The completeness and indicator tables that have content, in print order.
    pub fn data_tables(&self) -> impl Iterator<Item = &AnnexTable> {
        [&self.completeness, &self.indicators]
            .into_iter()
            .filter(|t| !t.header.is_empty() || !t.rows.is_empty())
    }
}

impl Chart {
    /// The chart as a table: the category column, then one column per series.
    pub fn as_table(&self) -> AnnexTable {
        let mut header = vec![String::new()];
        header.extend(self.series.iter().map(|s| s.name.clone()));
        let rows = self
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut row = vec![c.clone()];
                row.extend(self.series.iter().map(|s| {
                    s.values
                        .get(i)
                        .map(|v| format_number(*v))
                        .unwrap_or_default()
                }));
                row
            })
            .collect();
        AnnexTable {
            caption: format!("{}（{}）", self.title, self.unit),
            header,
            rows,
        }
    }
}

/// A value as printed: integers without a decimal point.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

fn total_col(report: &Report) -> Option<&'static str> {
    report
        .schema()
        .s3_cols()
        .iter()
        .find(|c| c.is_total)
        .map(|c| c.key)
}

fn s3_total(report: &Report, row: &str) -> Option<f64> {
    let col = total_col(report)?;
    let key = report.schema().key(TableId::S3, row, col)?;
    match report.cells.get(key) {
        Some(Value::Count(n)) => Some(*n as f64),
        _ => None,
    }
}

/// The outcome categories of table 三 in print order: ungrouped result rows by their label, grouped rows
/// by their group (subtotal rows are skipped so nothing counts twice).
fn outcomes(report: &Report) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    for row in report.schema().s3_rows(|r| matches!(r, RowRole::Result)) {
        let label = short_label(row.group.unwrap_or(row.label));
        let v = s3_total(report, row.key).unwrap_or(0.0);
        match out.last_mut() {
            Some((l, total)) if l == label => *total += v,
            _ => out.push((label.to_string(), v)),
        }
    }
    out
}

/// A label without its trailing explanation: `（二）部分公开（区分处理的…）` gives `（二）部分公开`.
fn short_label(label: &str) -> &str {
    let skip = label.find('）').map_or(0, |i| i + '）'.len_utf8());
    match label[skip..].find('（') {
        Some(i) => &label[..skip + i],
        None => label,
    }
}

/// Requests by outcome (table 三, the total column) of one report.
pub fn requests_by_outcome(report: &Report) -> Chart {
    let data = outcomes(report);
    Chart {
        title: "申请办理结果".to_string(),
        unit: "件".to_string(),
        categories: data.iter().map(|(l, _)| l.clone()).collect(),
        series: vec![ChartSeries {
            name: format!("{}年", report.year),
            values: data.iter().map(|(_, v)| *v).collect(),
        }],
    }
}

/// Newly received requests by office (table 三, the input rows, total column).
pub fn requests_by_office(year: i32, offices: &[(&str, &Report)]) -> Chart {
    let mut series = ChartSeries {
        name: format!("{year}年"),
        values: Vec::new(),
    };
    for (_, report) in offices {
        let v = report
            .schema()
            .s3_rows(|r| matches!(r, RowRole::Input))
            .next()
            .and_then(|row| s3_total(report, row.key))
            .unwrap_or(0.0);
        series.values.push(v);
    }
    Chart {
        title: "各单位本年新收申请数量".to_string(),
        unit: "件".to_string(),
        categories: offices.iter().map(|(n, _)| n.to_string()).collect(),
        series: vec![series],
    }
}

/// Outcomes year over year: one series per report (each labelled by its year).
pub fn year_over_year(reports: &[&Report]) -> Chart {
    let mut categories: Vec<String> = Vec::new();
    let mut series = Vec::new();
    for report in reports {
        let data = outcomes(report);
        for (l, _) in &data {
            if !categories.contains(l) {
                categories.push(l.clone());
            }
        }
        series.push((report.year, data));
    }
    Chart {
        title: "申请办理结果（逐年比较）".to_string(),
        unit: "件".to_string(),
        series: series
            .into_iter()
            .map(|(year, data)| ChartSeries {
                name: format!("{year}年"),
                values: categories
                    .iter()
                    .map(|c| data.iter().find(|(l, _)| l == c).map_or(0.0, |(_, v)| *v))
                    .collect(),
            })
            .collect(),
        categories,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nianbao_model::{Edition, Office};

    #[test]
    fn outcomes_group_rows_and_skip_subtotals() {
        let mut r = Report::new(Office::default(), 2023, Edition::E2021);
        r.set("s3.granted.total", Value::Count(5));
        r.set("s3.deny_state_secret.total", Value::Count(2));
        r.set("s3.deny_third_party.total", Value::Count(3));
        r.set("s3.other.total", Value::Count(100));
        r.set("s3.other_other.total", Value::Count(1));
        let c = requests_by_outcome(&r);
        let get = |label: &str| {
            c.categories
                .iter()
                .position(|x| x == label)
                .map(|i| c.series[0].values[i])
        };
        assert_eq!(get("（一）予以公开"), Some(5.0));
        assert_eq!(get("（三）不予公开"), Some(5.0));
        assert_eq!(get("（六）其他处理"), Some(1.0));
        assert_eq!(c.categories.len(), 6);
        assert_eq!(c.as_table().rows.len(), 6);
        assert_eq!(
            short_label("（二）部分公开（区分处理的）"),
            "（二）部分公开"
        );
    }
}
