//! Rules on single cells: value kinds (R8) and cells not printed (W6).

use super::arith::all_reads;
use super::{Finding, Rule, Severity};
use crate::schema::{CellDef, ValueKind};
use crate::value::Value;

fn kind_problem(def: &CellDef, value: &Value) -> Option<(&'static str, &'static str)> {
    match (def.kind, value) {
        (ValueKind::Count, Value::Count(n)) if *n < 0 => {
            Some(("不能为负数", "must not be negative"))
        }
        (ValueKind::Count | ValueKind::SignedCount, Value::Count(_)) => None,
        (ValueKind::Count | ValueKind::SignedCount, Value::Money(_)) => {
            Some(("应为整数件数", "must be a whole count"))
        }
        (ValueKind::Money(_), Value::Money(m)) if m.amount.is_sign_negative() => {
            Some(("金额不能为负数", "amount must not be negative"))
        }
        (ValueKind::Money(_), Value::Money(_)) => None,
        (ValueKind::Money(_), Value::Count(_)) => {
            Some(("应为金额（小数）", "must be a decimal amount"))
        }
    }
}

pub(super) const R8: Rule = Rule {
    id: "R8",
    severity: Severity::Error,
    title_zh: "件数为非负整数（2019版“本年增/减”可为负）；金额为有效小数",
    title_en: "counts are non-negative integers (the 2019 change columns may be negative); money is a valid decimal",
    reads: all_reads,
    check: |c, out| {
        let schema = c.schema();
        for (i, def) in schema.cells().iter().enumerate() {
            let Some(value) = c.value_at(i) else { continue };
            if let Some((zh, en)) = kind_problem(def, value) {
                let key = def.key;
                out.push(Finding {
                    rule: "R8".into(),
                    severity: Severity::Error,
                    cells: vec![key.to_string()],
                    expected: None,
                    actual: Some(value.to_string()),
                    message_zh: format!("R8 {}：{}，填报为 {}", schema.label_zh(def), zh, value),
                    message_en: format!("R8 {key}: {en}, the report says {value}"),
                });
            }
        }
    },
};

pub(super) const W6_MISSING_CELLS: Rule = Rule {
    id: "W6",
    severity: Severity::Warning,
    title_zh: "表格中有未填报的单元格（未填报不等于 0）",
    title_en: "cells of the tables are not printed (absent is not 0)",
    reads: all_reads,
    check: |c, out| {
        let schema = c.schema();
        let mut missing: Vec<&'static str> = Vec::new();
        let cells = schema.cells();
        for (i, def) in cells.iter().enumerate() {
            if !def.optional && c.value_at(i).is_none() {
                missing.push(def.key);
            }
            let row_ends = cells
                .get(i + 1)
                .is_none_or(|n| (n.table, n.block, n.row) != (def.table, def.block, def.row));
            if row_ends && !missing.is_empty() {
                let first = schema
                    .cell(missing[0])
                    .map(|d| schema.label_zh(d))
                    .unwrap_or_default();
                out.push(Finding {
                    rule: "W6".into(),
                    severity: Severity::Warning,
                    cells: missing.iter().map(|k| k.to_string()).collect(),
                    expected: None,
                    actual: None,
                    message_zh: format!("W6 {first} 等 {} 个单元格未填报", missing.len()),
                    message_en: format!(
                        "W6 {} and {} more cells are not printed",
                        missing[0],
                        missing.len() - 1
                    ),
                });
                missing.clear();
            }
        }
    },
};
