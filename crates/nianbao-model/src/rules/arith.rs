//! The arithmetic rules: R1–R5 and R7 (value kinds and missing cells are in `cells.rs`).

use std::sync::OnceLock;

use super::{Checked, Finding, Rule, Severity};
use crate::schema::{RowDef, RowRole, Schema, TableId};

fn s3_key(schema: &Schema, row: &str, col: &str) -> Option<&'static str> {
    schema.key(TableId::S3, row, col)
}

/// Sum of the printed counts among the cells at `indices`; `None` when none is printed.
fn sum(c: &Checked<'_>, indices: &[usize]) -> Option<i64> {
    let mut total: Option<i64> = None;
    for &i in indices {
        if let Some(n) = c.count_at(i) {
            total = Some(total.unwrap_or(0).saturating_add(n));
        }
    }
    total
}

fn label(schema: &Schema, key: &str) -> String {
    schema
        .cell(key)
        .map(|c| schema.label_zh(c))
        .unwrap_or_else(|| key.to_string())
}

fn keys(schema: &Schema, indices: &[usize]) -> Vec<&'static str> {
    indices.iter().map(|&i| schema.cells()[i].key).collect()
}

/// A finding that a printed value differs from what the rule computes.
#[allow(clippy::too_many_arguments)]
fn mismatch(
    rule: &Rule,
    schema: &Schema,
    target: &'static str,
    involved: Vec<&'static str>,
    expected: i64,
    actual: i64,
    what_zh: &str,
    what_en: &str,
) -> Finding {
    let mut cells = vec![target.to_string()];
    cells.extend(
        involved
            .into_iter()
            .filter(|k| *k != target)
            .map(str::to_string),
    );
    Finding {
        rule: rule.id.to_string(),
        severity: rule.severity,
        cells,
        expected: Some(expected.to_string()),
        actual: Some(actual.to_string()),
        message_zh: format!(
            "{} {}：{}为 {}，填报为 {}",
            rule.id,
            label(schema, target),
            what_zh,
            expected,
            actual
        ),
        message_en: format!(
            "{} {}: {} {}, the report says {}",
            rule.id, target, what_en, expected, actual
        ),
    }
}

fn s3_reads(schema: &Schema) -> Vec<&'static str> {
    schema
        .cells()
        .iter()
        .filter(|c| c.table == TableId::S3)
        .map(|c| c.key)
        .collect()
}

fn s4_reads(schema: &Schema) -> Vec<&'static str> {
    schema
        .cells()
        .iter()
        .filter(|c| c.table == TableId::S4)
        .map(|c| c.key)
        .collect()
}

pub(super) fn all_reads(schema: &Schema) -> Vec<&'static str> {
    schema.cells().iter().map(|c| c.key).collect()
}

fn row_keys(schema: &Schema, roles: fn(&RowRole) -> bool, col: &str) -> Vec<&'static str> {
    schema
        .s3_rows(roles)
        .filter_map(|r| s3_key(schema, r.key, col))
        .collect()
}

/// The cells each arithmetic rule reads, as schema indices, worked out once per edition.
struct Plan {
    /// R1 per column: (一, 二), (（七）总计, 四).
    r1: Vec<(Vec<usize>, Vec<usize>)>,
    /// R2 per row of table 三 and R4 per group of table 四: (总计, the other cells).
    row_sums: [Vec<(usize, Vec<usize>)>; 2],
    /// R3 per column.
    r3: Vec<R3Column>,
}

struct R3Column {
    total: usize,
    results: Vec<usize>,
    /// Printed subtotal rows with their sub-rows: checked, and counted only when no sub-row is printed.
    subtotals: Vec<(usize, Vec<usize>)>,
}

fn plan(schema: &Schema) -> &'static Plan {
    static PLANS: [OnceLock<Plan>; 2] = [OnceLock::new(), OnceLock::new()];
    PLANS[schema.edition as usize].get_or_init(|| build_plan(schema))
}

fn build_plan(schema: &Schema) -> Plan {
    let idx = |keys: Vec<&'static str>| {
        keys.into_iter()
            .filter_map(|k| schema.index_of(k))
            .collect::<Vec<_>>()
    };
    let rows = &schema.table(TableId::S3).blocks[0].rows;
    let mut r1 = Vec::new();
    let mut r3 = Vec::new();
    for col in schema.s3_cols() {
        r1.push((
            idx(row_keys(schema, |r| *r == RowRole::Input, col.key)),
            idx(row_keys(
                schema,
                |r| matches!(r, RowRole::Total | RowRole::CarriedOut),
                col.key,
            )),
        ));
        let key = |r: &RowDef| s3_key(schema, r.key, col.key).and_then(|k| schema.index_of(k));
        let results = rows
            .iter()
            .filter(|r| r.role == RowRole::Result)
            .filter_map(key)
            .collect();
        let subtotals = rows
            .iter()
            .filter_map(|r| match r.role {
                RowRole::Subtotal(group) => Some((
                    key(r)?,
                    rows.iter()
                        .filter(|s| s.role == RowRole::Result && s.group == Some(group))
                        .filter_map(key)
                        .collect(),
                )),
                _ => None,
            })
            .collect();
        if let Some(&total) = idx(row_keys(schema, |r| *r == RowRole::Total, col.key)).first() {
            r3.push(R3Column {
                total,
                results,
                subtotals,
            });
        }
    }
    let sums = |table: TableId| {
        let block = &schema.table(table).blocks[0];
        let Some(total_col) = block.cols.iter().find(|c| c.is_total) else {
            return Vec::new();
        };
        block
            .rows
            .iter()
            .filter_map(|row| {
                let total = schema.index_of(schema.key(table, row.key, total_col.key)?)?;
                let parts = block
                    .cols
                    .iter()
                    .filter(|c| !c.is_total)
                    .filter_map(|c| {
                        schema
                            .key(table, row.key, c.key)
                            .and_then(|k| schema.index_of(k))
                    })
                    .collect();
                Some((total, parts))
            })
            .collect()
    };
    Plan {
        r1,
        row_sums: [sums(TableId::S3), sums(TableId::S4)],
        r3,
    }
}

pub(super) const R1: Rule = Rule {
    id: "R1",
    severity: Severity::Error,
    title_zh: "表三每列：一、本年新收 + 二、上年结转 = 三（七）总计 + 四、结转下年度继续办理",
    title_en: "table 3, each column: new + carried in = total processed + carried out",
    reads: s3_reads,
    check: |c, out| {
        let schema = c.schema();
        for (inputs, outputs) in &plan(schema).r1 {
            if outputs.len() != 2
                || inputs
                    .iter()
                    .chain(outputs)
                    .any(|&i| c.count_at(i).is_none())
            {
                continue;
            }
            let (lhs, rhs) = (sum(c, inputs).unwrap_or(0), sum(c, outputs).unwrap_or(0));
            if lhs != rhs {
                let involved: Vec<usize> = inputs.iter().chain(outputs).copied().collect();
                let carried_out = c.count_at(outputs[1]).unwrap_or(0);
                out.push(mismatch(
                    &R1,
                    schema,
                    schema.cells()[outputs[0]].key,
                    keys(schema, &involved),
                    lhs - carried_out,
                    c.count_at(outputs[0]).unwrap_or(0),
                    &format!("一+二 = {lhs}，三（七）+四 = {rhs}，（七）总计应"),
                    &format!("new + carried in = {lhs} but total processed + carried out = {rhs}; total processed should be"),
                ));
            }
        }
    },
};

/// Checks each `总计` of a table against the sum of the other cells of its row.
fn row_sums(rule: &Rule, c: &Checked<'_>, table: usize, out: &mut Vec<Finding>) {
    let schema = c.schema();
    for (total, parts) in &plan(schema).row_sums[table] {
        let Some(printed) = c.count_at(*total) else {
            continue;
        };
        if let Some(computed) = sum(c, parts)
            && computed != printed
        {
            let key = schema.cells()[*total].key;
            out.push(mismatch(
                rule,
                schema,
                key,
                keys(schema, parts),
                computed,
                printed,
                "各列之和",
                "the other columns add up to",
            ));
        }
    }
}

pub(super) const R2: Rule = Rule {
    id: "R2",
    severity: Severity::Error,
    title_zh: "表三每行：总计 = 自然人 + 五类法人或其他组织",
    title_en: "table 3, each row: total = natural person + the five kinds of organisation",
    reads: s3_reads,
    check: |c, out| row_sums(&R2, c, 0, out),
};

pub(super) const R3: Rule = Rule {
    id: "R3",
    severity: Severity::Error,
    title_zh: "表三每列：（七）总计 = 各办理结果之和（小计行只核对，不重复计入）",
    title_en: "table 3, each column: total processed = sum of the result rows (a printed subtotal is checked, not added)",
    reads: s3_reads,
    check: |c, out| {
        let schema = c.schema();
        for column in &plan(schema).r3 {
            let mut parts = column.results.clone();
            for (sub, subs) in &column.subtotals {
                match (c.count_at(*sub), sum(c, subs)) {
                    (Some(printed), Some(computed)) if printed != computed => out.push(mismatch(
                        &R3,
                        schema,
                        schema.cells()[*sub].key,
                        keys(schema, subs),
                        computed,
                        printed,
                        "其下各项之和",
                        "its sub-rows add up to",
                    )),
                    (Some(_), None) => parts.push(*sub),
                    _ => {}
                }
            }
            let Some(printed) = c.count_at(column.total) else {
                continue;
            };
            if let Some(computed) = sum(c, &parts)
                && computed != printed
            {
                let key = schema.cells()[column.total].key;
                out.push(mismatch(
                    &R3,
                    schema,
                    key,
                    keys(schema, &parts),
                    computed,
                    printed,
                    "各办理结果之和",
                    "the result rows add up to",
                ));
            }
        }
    },
};

pub(super) const R4: Rule = Rule {
    id: "R4",
    severity: Severity::Error,
    title_zh: "表四每组：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
    title_en: "table 4, each group: total = upheld + corrected + other + pending",
    reads: s4_reads,
    check: |c, out| row_sums(&R4, c, 1, out),
};

pub(super) const R5: Rule = Rule {
    id: "R5",
    severity: Severity::Warning,
    title_zh: "跨年：本年“二、上年结转” = 上年“四、结转下年度继续办理”",
    title_en: "across years: this year's carried in = last year's carried out",
    reads: s3_reads,
    check: |ctx, out| {
        let Some(prev) = ctx.previous else { return };
        let schema = ctx.schema();
        for col in schema.s3_cols() {
            let (Some(this_key), Some(prev_key)) = (
                row_keys(schema, |r| *r == RowRole::Input, col.key)
                    .get(1)
                    .copied(),
                row_keys(prev.schema(), |r| *r == RowRole::CarriedOut, col.key)
                    .first()
                    .copied(),
            ) else {
                continue;
            };
            if let (Some(this), Some(last)) = (ctx.report.count(this_key), prev.count(prev_key))
                && this != last
            {
                out.push(mismatch(
                    &R5,
                    schema,
                    this_key,
                    vec![],
                    last,
                    this,
                    &format!("{}年结转下年度", prev.year),
                    &format!("{} carried out", prev.year),
                ));
            }
        }
    },
};

pub(super) const R7: Rule = Rule {
    id: "R7",
    severity: Severity::Warning,
    title_zh: "跨年：现行有效件数 = 上年现行有效件数 + 本年制发 − 本年废止（仅提示）",
    title_en: "across years: in force = last year's in force + issued - repealed (a heuristic)",
    reads: |schema| {
        schema
            .cells()
            .iter()
            .filter(|c| c.col_key == "in_force" || c.col_key == "issued" || c.col_key == "repealed")
            .map(|c| c.key)
            .collect()
    },
    check: |ctx, out| {
        let Some(prev) = ctx.previous else { return };
        let schema = ctx.schema();
        for row in ["regulations", "normative_docs"] {
            let k = |col: &str| schema.key(TableId::S2, row, col);
            let (Some(in_force), Some(issued), Some(repealed)) =
                (k("in_force"), k("issued"), k("repealed"))
            else {
                continue;
            };
            let Some(prev_in_force) = prev.schema().key(TableId::S2, row, "in_force") else {
                continue;
            };
            let (Some(now), Some(last), Some(i), Some(r)) = (
                ctx.report.count(in_force),
                prev.count(prev_in_force),
                ctx.report.count(issued),
                ctx.report.count(repealed),
            ) else {
                continue;
            };
            let expected = last + i - r;
            if now != expected {
                out.push(mismatch(
                    &R7,
                    schema,
                    in_force,
                    vec![issued, repealed],
                    expected,
                    now,
                    &format!("{}年现行有效 {last} + 制发 {i} − 废止 {r}", prev.year),
                    &format!(
                        "{} in force {last} + issued {i} - repealed {r} =",
                        prev.year
                    ),
                ));
            }
        }
    },
};
