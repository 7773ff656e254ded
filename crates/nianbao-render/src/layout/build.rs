//! Building the grids from the schema and a report.

use std::collections::BTreeSet;

use nianbao_model::schema::{Block, ColDef, RowDef, RowRole, Table, TableId, ValueKind};
use nianbao_model::{Report, Value};

use super::{CellRole, Grid, GridCell, GridRow, RESULTS_LABEL, SUBTOTAL_LABEL};

/// The text of one printed cell: its value in the column's unit (or with its own unit) and its note.
pub fn cell_text(report: &Report, key: &'static str, col: &ColDef) -> Option<String> {
    let value = report.cells.get(key).map(|v| match (v, col.kind) {
        (Value::Money(m), ValueKind::Money(unit)) if m.unit != unit => {
            format!("{}{}", m.amount, m.unit.as_str())
        }
        (v, _) => v.to_string(),
    });
    let note = report.cell_notes.get(key);
    match (value, note) {
        (Some(v), Some(n)) => Some(format!("{v}（{n}）")),
        (Some(v), None) => Some(v),
        (None, Some(n)) => Some(n.clone()),
        (None, None) => None,
    }
}

/// Builds the printed grids of a report; `flagged` holds the keys of cells named by findings.
pub fn grids(report: &Report, flagged: &BTreeSet<String>) -> Vec<(&'static Table, Grid)> {
    let schema = report.schema();
    schema
        .tables
        .iter()
        .map(|t| {
            let b = Builder {
                report,
                prefix: t.id.prefix(),
                flagged,
            };
            let grid = match t.id {
                TableId::S2 => b.stacked(t),
                TableId::S3 => b.nested(t),
                TableId::S4 => b.transposed(t),
            };
            (t, grid)
        })
        .collect()
}

struct Builder<'a> {
    report: &'a Report,
    prefix: &'static str,
    flagged: &'a BTreeSet<String>,
}

impl Builder<'_> {
    fn data(&self, row: &RowDef, col: &ColDef) -> GridCell {
        let full = format!("{}.{}.{}", self.prefix, row.key, col.key);
        let Some(def) = self.report.schema().cell(&full) else {
            return GridCell::new("", CellRole::Label);
        };
        let text = cell_text(self.report, def.key, col);
        let mut cell = GridCell::new(
            text.clone().unwrap_or_default(),
            CellRole::Data {
                key: def.key,
                present: text.is_some(),
            },
        );
        cell.flagged = self.flagged.contains(def.key);
        cell
    }

    /// Whether a row is printed: every required row, and an optional row when the report has any of its cells.
    fn printed(&self, row: &RowDef, block: &Block) -> bool {
        !row.optional
            || block.cols.iter().any(|c| {
                let key = format!("{}.{}.{}", self.prefix, row.key, c.key);
                self.report.cells.contains_key(key.as_str())
                    || self.report.cell_notes.contains_key(key.as_str())
            })
    }

    /// Table 二: each block is a caption row, a header row and its rows; narrow blocks widen their last column.
    fn stacked(&self, table: &Table) -> Grid {
        let data_cols = table.blocks.iter().map(|b| b.cols.len()).max().unwrap_or(1);
        let columns = 1 + data_cols;
        let mut rows = Vec::new();
        for block in &table.blocks {
            let spans: Vec<usize> = (0..block.cols.len())
                .map(|i| {
                    if i + 1 == block.cols.len() {
                        data_cols + 1 - block.cols.len()
                    } else {
                        1
                    }
                })
                .collect();
            if let Some(caption) = block.caption {
                rows.push(GridRow {
                    cells: vec![GridCell::new(caption, CellRole::Caption).span(columns, 1)],
                    header: true,
                });
            }
            let mut header = vec![GridCell::new(block.label_header, CellRole::Header)];
            for (col, &span) in block.cols.iter().zip(&spans) {
                header.push(GridCell::new(col.label, CellRole::Header).span(span, 1));
            }
            rows.push(GridRow {
                cells: header,
                header: true,
            });
            for row in block.rows.iter().filter(|r| self.printed(r, block)) {
                let mut cells = vec![GridCell::new(row.label, CellRole::Label)];
                for (col, &span) in block.cols.iter().zip(&spans) {
                    cells.push(self.data(row, col).span(span, 1));
                }
                rows.push(GridRow {
                    cells,
                    header: false,
                });
            }
        }
        Grid {
            table: table.id,
            columns,
            rows,
        }
    }

    /// Table 三: three label columns (section, group, item) and the applicant columns under their parents.
    fn nested(&self, table: &Table) -> Grid {
        let mut rows = Vec::new();
        let mut columns = 0;
        for block in &table.blocks {
            let label_cols = 3;
            columns = label_cols + block.cols.len();
            let depth = if block.cols.iter().any(|c| c.parent.is_some()) {
                2
            } else {
                1
            };
            let caption_rows = usize::from(block.caption.is_some());
            let mut top = vec![
                GridCell::new(block.label_header, CellRole::Header)
                    .span(label_cols, depth + caption_rows),
            ];
            if let Some(caption) = block.caption {
                top.push(GridCell::new(caption, CellRole::Header).span(block.cols.len(), 1));
                rows.push(GridRow {
                    cells: top,
                    header: true,
                });
                top = Vec::new();
            }
            let (upper, lower) = column_headers(&block.cols, depth);
            top.extend(upper);
            rows.push(GridRow {
                cells: top,
                header: true,
            });
            if depth == 2 {
                rows.push(GridRow {
                    cells: lower,
                    header: true,
                });
            }

            let printed: Vec<&RowDef> = block
                .rows
                .iter()
                .filter(|r| self.printed(r, block))
                .collect();
            let in_results = |r: &RowDef| {
                matches!(
                    r.role,
                    RowRole::Result | RowRole::Subtotal(_) | RowRole::Total
                )
            };
            let group_of = |r: &RowDef| match r.role {
                RowRole::Subtotal(g) => Some(g),
                _ => r.group,
            };
            let results = printed.iter().filter(|r| in_results(r)).count();
            let mut results_started = false;
            for (i, row) in printed.iter().enumerate() {
                let mut cells = Vec::new();
                if !in_results(row) {
                    cells.push(GridCell::new(row.label, CellRole::Label).span(label_cols, 1));
                } else {
                    if !results_started {
                        results_started = true;
                        cells.push(GridCell::new(RESULTS_LABEL, CellRole::Label).span(1, results));
                    }
                    match group_of(row) {
                        None => cells.push(GridCell::new(row.label, CellRole::Label).span(2, 1)),
                        Some(g) => {
                            let first = i == 0 || group_of(printed[i - 1]) != Some(g);
                            if first {
                                let n = printed[i..]
                                    .iter()
                                    .take_while(|r| group_of(r) == Some(g))
                                    .count();
                                cells.push(GridCell::new(g, CellRole::Label).span(1, n));
                            }
                            let label = match row.role {
                                RowRole::Subtotal(_) => SUBTOTAL_LABEL,
                                _ => row.label,
                            };
                            cells.push(GridCell::new(label, CellRole::Label));
                        }
                    }
                }
                for col in &block.cols {
                    cells.push(self.data(row, col));
                }
                rows.push(GridRow {
                    cells,
                    header: false,
                });
            }
        }
        Grid {
            table: table.id,
            columns,
            rows,
        }
    }

    /// Table 四: every row becomes a group of columns; rows labelled `上级（下级）` share their upper header.
    fn transposed(&self, table: &Table) -> Grid {
        let mut rows = Vec::new();
        let mut columns = 0;
        for block in &table.blocks {
            let n = block.cols.len();
            columns = block.rows.len() * n;
            let mut groups: Vec<(&str, Vec<Option<&str>>)> = Vec::new();
            for row in &block.rows {
                let (parent, child) = split_label(row.label);
                match groups.last_mut() {
                    Some((p, children)) if *p == parent && child.is_some() => children.push(child),
                    _ => groups.push((parent, vec![child])),
                }
            }
            let nested = groups.iter().any(|(_, c)| c.iter().any(Option::is_some));
            let (mut r0, mut r1, mut r2) = (Vec::new(), Vec::new(), Vec::new());
            for (parent, children) in &groups {
                r0.push(GridCell::new(*parent, CellRole::Header).span(n * children.len(), 1));
                for child in children {
                    match child {
                        Some(c) if nested => {
                            r1.push(GridCell::new(*c, CellRole::Header).span(n, 1));
                            r2.extend(
                                block
                                    .cols
                                    .iter()
                                    .map(|col| GridCell::new(col.label, CellRole::Header)),
                            );
                        }
                        _ => r1.extend(block.cols.iter().map(|col| {
                            GridCell::new(col.label, CellRole::Header)
                                .span(1, if nested { 2 } else { 1 })
                        })),
                    }
                }
            }
            rows.push(GridRow {
                cells: r0,
                header: true,
            });
            rows.push(GridRow {
                cells: r1,
                header: true,
            });
            if nested {
                rows.push(GridRow {
                    cells: r2,
                    header: true,
                });
            }
            let mut data = Vec::new();
            for row in &block.rows {
                for col in &block.cols {
                    data.push(self.data(row, col));
                }
            }
            rows.push(GridRow {
                cells: data,
                header: false,
            });
        }
        Grid {
            table: table.id,
            columns,
            rows,
        }
    }
}

/// Column headers of a block two rows deep: columns without a parent span both rows; a parent spans its
/// children above them.
fn column_headers(cols: &[ColDef], depth: usize) -> (Vec<GridCell>, Vec<GridCell>) {
    let (mut upper, mut lower) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < cols.len() {
        match cols[i].parent {
            Some(p) if depth == 2 => {
                let n = cols[i..].iter().take_while(|c| c.parent == Some(p)).count();
                upper.push(GridCell::new(p, CellRole::Header).span(n, 1));
                lower.extend(
                    cols[i..i + n]
                        .iter()
                        .map(|c| GridCell::new(c.label, CellRole::Header)),
                );
                i += n;
            }
            _ => {
                upper.push(GridCell::new(cols[i].label, CellRole::Header).span(1, depth));
                i += 1;
            }
        }
    }
    (upper, lower)
}

/// `行政诉讼（复议后起诉）` gives (`行政诉讼`, `复议后起诉`); a label without brackets is its own parent.
fn split_label(label: &str) -> (&str, Option<&str>) {
    match (label.find('（'), label.strip_suffix('）')) {
        (Some(open), Some(body)) if open > 0 => {
            (&label[..open], Some(&body[open + '（'.len_utf8()..]))
        }
        _ => (label, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_split_into_parent_and_child() {
        assert_eq!(
            split_label("行政诉讼（复议后起诉）"),
            ("行政诉讼", Some("复议后起诉"))
        );
        assert_eq!(split_label("行政复议"), ("行政复议", None));
    }
}
