//! The whole-report roll-up as it was before the streaming fold, kept as the reference the fold
//! is checked against (same inputs, same aggregate).

#![allow(dead_code, clippy::all)]

use std::collections::{BTreeMap, BTreeSet};

use nianbao_aggregate::rollup::Input;
use nianbao_aggregate::summed::{Aggregate, Included, NotSummed, Partial};
use nianbao_model::schema::{RowRole, Schema, TableId, ValueKind};
use nianbao_model::{Edition, Money, Office, Report, Value};
use rust_decimal::Decimal;

/// A group printed as one row in one edition and as sub-rows (plus an optional subtotal) in another:
/// `(row key of the single row / subtotal, row keys of the sub-rows)`. Derived from the schemas.
fn fold_groups() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out = Vec::new();
    for edition in Edition::ALL {
        let rows = &edition.schema().table(TableId::S3).blocks[0].rows;
        for row in rows {
            if let RowRole::Subtotal(group) = row.role {
                let subs = rows
                    .iter()
                    .filter(|r| r.role == RowRole::Result && r.group == Some(group))
                    .map(|r| r.key)
                    .collect();
                out.push((row.key, subs));
            }
        }
    }
    out
}

/// The value an input contributes to a folded cell (`s3.<fold>.<col>`): the printed sub-rows
/// when any is printed (a printed subtotal beside them is not added again), else the single row.
fn folded_value(report: &Report, fold: &str, subs: &[&str], col: &str) -> Option<Value> {
    let schema = report.schema();
    let mut total: Option<i64> = None;
    for sub in subs {
        if let Some(n) = schema
            .key(TableId::S3, sub, col)
            .and_then(|k| report.count(k))
        {
            total = Some(total.unwrap_or(0).saturating_add(n));
        }
    }
    match total {
        Some(n) => Some(Value::Count(n)),
        None => schema
            .key(TableId::S3, fold, col)
            .and_then(|k| report.cells.get(k).copied()),
    }
}

/// Whether a report prints a fold row on its own, without any of its sub-rows.
fn prints_single_row(report: &Report, fold: &str, subs: &[&str]) -> bool {
    let has_row = |row: &str| {
        report
            .cells
            .keys()
            .any(|k| k.strip_prefix("s3.").and_then(|r| r.split('.').next()) == Some(row))
    };
    has_row(fold) && !subs.iter().any(|s| has_row(s))
}

enum Sum {
    Count(i64),
    Money(Decimal),
}

/// Sums the reports of a subtree into one report of `edition` for `year`, office = `org`.
///
/// Each office counts once: when the same office comes twice, the higher revision is kept.
/// Inputs on another year are left out (and noted). Nothing incompatible is ever added silently:
/// see [`Aggregate::not_summed`] and [`Aggregate::partial`].
pub fn reference(edition: Edition, year: i32, org: &Office, inputs: &[Input]) -> Aggregate {
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
    let inputs: Vec<&Input> = by_office.into_values().collect();
    let schema = edition.schema();
    let groups = fold_groups();
    // Fold when the target or any input prints the group as one row.
    let fold = edition_has_single_rows(schema, &groups)
        || inputs.iter().any(|i| {
            edition_has_single_rows(i.report.schema(), &groups)
                || groups
                    .iter()
                    .any(|(f, subs)| prints_single_row(&i.report, f, subs))
        });
    let fold_row = |row: &str| groups.iter().find(|(f, _)| *f == row);
    let is_sub_row = |row: &str| groups.iter().any(|(_, subs)| subs.contains(&row));

    let mut report = Report::new(org.clone(), year, edition);
    report.signature = Some(org.name.clone());
    let mut not_summed: BTreeMap<(String, String, String), BTreeSet<String>> = BTreeMap::new();
    let mut partial = Vec::new();
    let mut subtotal_dropped = BTreeSet::new();

    for def in schema.cells() {
        let in_s3 = def.table == TableId::S3;
        if in_s3 && fold && is_sub_row(def.row_key) {
            for i in &inputs {
                if i.report.cells.contains_key(def.key) {
                    not_summed
                        .entry((
                            def.key.to_string(),
                            format!("（六）等分项已并入 s3.{}.{} 汇总（有单位只填报了合并行）", fold_row_key(&groups, def.row_key), def.col_key),
                            format!("sub-rows are summed into s3.{}.{} because some reports print the group as one row", fold_row_key(&groups, def.row_key), def.col_key),
                        ))
                        .or_default()
                        .insert(i.report.office.code.clone());
                }
            }
            continue;
        }
        let folded = if in_s3 { fold_row(def.row_key) } else { None };
        if let (Some(_), false) = (folded, fold) {
            for i in &inputs {
                if i.report.cells.contains_key(def.key) {
                    subtotal_dropped.insert(i.report.office.code.clone());
                }
            }
            continue;
        }
        let mut sum: Option<Sum> = None;
        let mut absent = Vec::new();
        let mut summed = 0usize;
        for i in &inputs {
            let value = match folded {
                Some((f, subs)) => folded_value(&i.report, f, subs, def.col_key),
                None => i
                    .report
                    .schema()
                    .cell(def.key)
                    .and_then(|_| i.report.cells.get(def.key).copied()),
            };
            let Some(value) = value else {
                absent.push(i.report.office.code.clone());
                continue;
            };
            let code = &i.report.office.code;
            match add(&mut sum, def.kind, value) {
                Ok(()) => summed += 1,
                Err((zh, en)) => {
                    not_summed
                        .entry((def.key.to_string(), zh.to_string(), en.to_string()))
                        .or_default()
                        .insert(code.clone());
                    sum = None;
                    summed = 0;
                    break;
                }
            }
        }
        let Some(total) = sum else { continue };
        let value = match (total, def.kind) {
            (Sum::Money(amount), ValueKind::Money(unit)) => Value::Money(Money { amount, unit }),
            (Sum::Count(n), _) => Value::Count(n),
            // add() never makes money for a count cell.
            (Sum::Money(_), _) => continue,
        };
        report.cells.insert(def.key, value);
        if !absent.is_empty() {
            partial.push(Partial {
                key: def.key,
                summed,
                absent_in: absent,
            });
        }
    }

    // Input cells that have no place in the target edition.
    for i in &inputs {
        for key in i.report.cells.keys() {
            if schema.cell(key).is_some() {
                continue;
            }
            let row = key.split('.').nth(1).unwrap_or_default();
            if key.starts_with("s3.") && fold && (is_sub_row(row) || fold_row(row).is_some()) {
                continue;
            }
            not_summed
                .entry((
                    key.to_string(),
                    format!("{} 版无此单元格", edition.as_str()),
                    format!("no such cell in the {} edition", edition.as_str()),
                ))
                .or_default()
                .insert(i.report.office.code.clone());
        }
    }
    if !subtotal_dropped.is_empty() {
        notes.push(format!(
            "印制的（六）小计行未重复计入，按分项汇总：{} / printed subtotal rows were not added again; their sub-rows were summed: {}",
            subtotal_dropped.iter().cloned().collect::<Vec<_>>().join("、"),
            subtotal_dropped.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }

    let included = inputs
        .iter()
        .map(|i| Included {
            office_code: i.report.office.code.clone(),
            office_name: i.report.office.name.clone(),
            revision: i.revision,
            edition: i.report.edition,
        })
        .collect();
    Aggregate {
        report,
        included,
        not_summed: not_summed
            .into_iter()
            .map(|((key, reason_zh, reason_en), offices)| NotSummed {
                key,
                offices: offices.into_iter().collect(),
                reason_zh,
                reason_en,
            })
            .collect(),
        partial,
        notes,
    }
}

/// Whether a schema prints a fold group as one row (the 2019 edition's single （六） row).
fn edition_has_single_rows(schema: &Schema, groups: &[(&'static str, Vec<&'static str>)]) -> bool {
    let rows = &schema.table(TableId::S3).blocks[0].rows;
    groups.iter().any(|(fold, _)| {
        rows.iter()
            .any(|r| r.key == *fold && r.role == RowRole::Result)
    })
}

/// The fold row a sub-row belongs to.
fn fold_row_key(groups: &[(&'static str, Vec<&'static str>)], sub: &str) -> &'static str {
    groups
        .iter()
        .find(|(_, subs)| subs.contains(&sub))
        .map(|(f, _)| *f)
        .unwrap_or_default()
}

/// Adds one input value to a running sum of a cell of `kind`; money goes to the cell's unit exactly.
fn add(
    sum: &mut Option<Sum>,
    kind: ValueKind,
    value: Value,
) -> Result<(), (&'static str, &'static str)> {
    match (kind, value) {
        (ValueKind::Money(unit), Value::Money(m)) => {
            let amount = m.in_unit(unit).amount;
            let next = match sum {
                None => Some(amount),
                Some(Sum::Money(a)) => a.checked_add(amount),
                Some(Sum::Count(_)) => None,
            };
            match next {
                Some(a) => {
                    *sum = Some(Sum::Money(a));
                    Ok(())
                }
                None => Err(("金额超出可表示范围", "the amount overflows")),
            }
        }
        (ValueKind::Count | ValueKind::SignedCount, Value::Count(n)) => {
            let next = match sum {
                None => Some(n),
                Some(Sum::Count(a)) => a.checked_add(n),
                Some(Sum::Money(_)) => None,
            };
            match next {
                Some(a) => {
                    *sum = Some(Sum::Count(a));
                    Ok(())
                }
                None => Err(("件数之和溢出", "the count overflows")),
            }
        }
        (ValueKind::Money(_), Value::Count(_)) => {
            Err(("金额单元格填了件数", "a count in a money cell"))
        }
        (ValueKind::Count | ValueKind::SignedCount, Value::Money(_)) => {
            Err(("件数单元格填了金额", "an amount in a count cell"))
        }
    }
}
