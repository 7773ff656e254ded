//! Comparisons: cells across years (one aggregate per year) or across the offices of a subtree.

use nianbao_model::{Edition, Report, Value};
use rust_decimal::Decimal;

/// One row of a comparison: a year or an office.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompareRow {
    /// The year, or the office code.
    pub label: String,
    /// The value of each compared cell; `None` when not printed.
    pub values: Vec<Option<Value>>,
    /// The rank of each value among the rows (1 = largest, ties share a rank); `None` when absent.
    pub ranks: Vec<Option<u32>>,
}

/// A comparison table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// The compared cell keys.
    pub cells: Vec<String>,
    /// One row per year or office, in the order given.
    pub rows: Vec<CompareRow>,
}

fn magnitude(v: &Value) -> Decimal {
    match v {
        Value::Count(n) => Decimal::from(*n),
        Value::Money(m) => m.in_unit(nianbao_model::value::MoneyUnit::Yuan).amount,
    }
}

/// Compares `cells` (or the schema's headline cells, [`Schema::headline`], when empty) across
/// labelled reports, with ranks.
///
/// [`Schema::headline`]: nianbao_model::Schema::headline
pub fn compare(reports: &[(String, &Report)], cells: &[String]) -> Comparison {
    let cells: Vec<String> = if cells.is_empty() {
        let edition = reports.first().map_or(Edition::E2021, |(_, r)| r.edition);
        edition
            .schema()
            .headline()
            .map(|c| c.key.to_string())
            .collect()
    } else {
        cells.to_vec()
    };
    let mut rows: Vec<CompareRow> = reports
        .iter()
        .map(|(label, r)| CompareRow {
            label: label.clone(),
            values: cells
                .iter()
                .map(|k| r.cells.get(k.as_str()).copied())
                .collect(),
            ranks: vec![None; cells.len()],
        })
        .collect();
    for c in 0..cells.len() {
        let values: Vec<Option<Decimal>> = rows
            .iter()
            .map(|r| r.values[c].as_ref().map(magnitude))
            .collect();
        for (i, row) in rows.iter_mut().enumerate() {
            if let Some(v) = values[i] {
                let greater = values.iter().flatten().filter(|o| **o > v).count();
                row.ranks[c] = u32::try_from(greater + 1).ok();
            }
        }
    }
    Comparison { cells, rows }
}
