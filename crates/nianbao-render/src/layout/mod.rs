//! The printed grid of each table, derived from the schema: every output format draws these grids.
//!
//! A [`Grid`] is a list of rows of cells with `colspan`/`rowspan`, exactly as the Word template merges them
//! (FORMAT.md sections 3–5). Nothing here names a row: table 二 stacks its blocks, table 三 nests its rows
//! under their groups, table 四 lays its rows out side by side as column groups.

mod build;

use nianbao_model::schema::TableId;

pub use build::{cell_text, grids};

/// The label over the result rows of table 三 (rows whose role is a result, a subtotal or the total).
/// The template prints it once, merged down the rows it covers; the schema does not model it as a row.
pub const RESULTS_LABEL: &str = "三、本年度办理结果";

/// The label of a printed subtotal row inside its group (a report may add one above the sub-rows).
pub const SUBTOTAL_LABEL: &str = "小计";

/// What a cell of the grid is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CellRole {
    /// A block caption spanning the whole table (表二 `第二十条第（一）项`).
    Caption,
    /// A column header.
    Header,
    /// A row label.
    Label,
    /// A data cell with its key; `present` is false when the report did not print it (shown blank).
    Data {
        /// The cell key.
        key: &'static str,
        /// The report printed this cell.
        present: bool,
    },
}

/// One cell of a grid.
#[derive(Clone, Debug)]
pub struct GridCell {
    /// The text as printed (blank for an absent data cell).
    pub text: String,
    /// Grid columns covered.
    pub colspan: usize,
    /// Grid rows covered.
    pub rowspan: usize,
    /// What the cell is.
    pub role: CellRole,
    /// A rule finding names this cell (review copies highlight it).
    pub flagged: bool,
}

impl GridCell {
    pub(crate) fn new(text: impl Into<String>, role: CellRole) -> GridCell {
        GridCell {
            text: text.into(),
            colspan: 1,
            rowspan: 1,
            role,
            flagged: false,
        }
    }

    pub(crate) fn span(mut self, colspan: usize, rowspan: usize) -> GridCell {
        self.colspan = colspan.max(1);
        self.rowspan = rowspan.max(1);
        self
    }

    /// The cell is a header, caption or label (drawn as `th`).
    pub fn is_heading(&self) -> bool {
        !matches!(self.role, CellRole::Data { .. })
    }
}

/// One printed row.
#[derive(Clone, Debug)]
pub struct GridRow {
    /// The cells that start in this row, left to right.
    pub cells: Vec<GridCell>,
    /// The row is part of a header.
    pub header: bool,
}

/// One printed table.
#[derive(Clone, Debug)]
pub struct Grid {
    /// Which table.
    pub table: TableId,
    /// The number of grid columns.
    pub columns: usize,
    /// The rows, top to bottom.
    pub rows: Vec<GridRow>,
}

/// Where a grid position comes from: the cell that covers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The row the covering cell starts in.
    pub row: usize,
    /// Its index in that row's `cells`.
    pub index: usize,
}

impl Grid {
    /// For every grid row, the cells in column order with whether each continues a cell from a row above
    /// (a vertical merge). Horizontally covered positions are skipped. This is what DOCX needs (`vMerge`).
    pub fn row_slots(&self) -> Vec<Vec<(Slot, bool)>> {
        let mut occ: Vec<Vec<Option<Slot>>> = vec![vec![None; self.columns]; self.rows.len()];
        for (r, row) in self.rows.iter().enumerate() {
            let mut c = 0;
            for (i, cell) in row.cells.iter().enumerate() {
                while c < self.columns && occ[r][c].is_some() {
                    c += 1;
                }
                let (r_end, c_end) = (
                    (r + cell.rowspan).min(self.rows.len()),
                    (c + cell.colspan).min(self.columns),
                );
                for row in &mut occ[r..r_end] {
                    row[c..c_end].fill(Some(Slot { row: r, index: i }));
                }
                c += cell.colspan;
            }
        }
        occ.iter()
            .enumerate()
            .map(|(r, cols)| {
                let mut out = Vec::new();
                let mut c = 0;
                while c < self.columns {
                    match cols[c] {
                        Some(slot) => {
                            out.push((slot, slot.row != r));
                            c += self.cell(slot).colspan;
                        }
                        None => c += 1,
                    }
                }
                out
            })
            .collect()
    }

    /// Relative column widths: wide enough for the longest label (long ones wrap), headers and tall merged
    /// labels on two lines.
    pub fn column_weights(&self) -> Vec<usize> {
        let mut weight = vec![3usize; self.columns];
        for (r, slots) in self.row_slots().iter().enumerate() {
            let mut c = 0;
            for (slot, cont) in slots {
                let cell = self.cell(*slot);
                if !cont && cell.colspan == 1 {
                    let chars = cell.text.chars().count();
                    let w = if self.rows[r].header || cell.rowspan > 2 {
                        chars.div_ceil(2)
                    } else {
                        chars
                    };
                    weight[c] = weight[c].max(w.min(14));
                }
                c += cell.colspan;
            }
        }
        weight
    }

    /// The cell at a slot.
    pub fn cell(&self, slot: Slot) -> &GridCell {
        &self.rows[slot.row].cells[slot.index]
    }

    /// Every data cell of the grid.
    pub fn data_cells(&self) -> impl Iterator<Item = &GridCell> {
        self.rows
            .iter()
            .flat_map(|r| r.cells.iter())
            .filter(|c| !c.is_heading())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nianbao_model::{Edition, Office, Report};
    use std::collections::BTreeSet;

    fn empty(edition: Edition) -> Report {
        Report::new(Office::default(), 2023, edition)
    }

    #[test]
    fn grids_cover_every_position_once() {
        for edition in Edition::ALL {
            for (_, grid) in grids(&empty(edition), &BTreeSet::new()) {
                for (r, slots) in grid.row_slots().iter().enumerate() {
                    let width: usize = slots.iter().map(|(s, _)| grid.cell(*s).colspan).sum();
                    assert_eq!(width, grid.columns, "{:?} row {r}", grid.table);
                }
            }
        }
    }

    #[test]
    fn template_merges() {
        let g = grids(&empty(Edition::E2021), &BTreeSet::new());
        assert_eq!(g[0].1.columns, 4);
        assert_eq!(g[1].1.columns, 10);
        assert_eq!(g[2].1.columns, 15);
        let results = g[1]
            .1
            .rows
            .iter()
            .flat_map(|r| &r.cells)
            .find(|c| c.text == RESULTS_LABEL)
            .map(|c| c.rowspan);
        assert_eq!(results, Some(22));
        let r2019 = grids(&empty(Edition::E2019), &BTreeSet::new());
        let results = r2019[1]
            .1
            .rows
            .iter()
            .flat_map(|r| &r.cells)
            .find(|c| c.text == RESULTS_LABEL)
            .map(|c| c.rowspan);
        assert_eq!(results, Some(20));
    }
}
