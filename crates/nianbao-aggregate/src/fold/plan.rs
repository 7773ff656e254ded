//! The plan of a fold: how the cells of one input edition reach the cells of one target
//! edition, as dense indices, built once per pair of editions.

use std::sync::OnceLock;

use nianbao_model::Edition;
use nianbao_model::schema::{RowRole, TableId};

/// What a target cell is in the roll-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// Summed from the same cell of each input.
    Plain,
    /// A sub-row of a fold group: summed as itself unless the group is folded.
    Sub,
    /// The single row / subtotal of a fold group: summed from the folded value when folded,
    /// left out otherwise.
    Fold,
}

/// How the cells of one input edition reach the cells of one target edition.
#[derive(Debug)]
pub(super) struct Plan {
    /// Per target cell: its role, and the input cell with the same key.
    pub(super) target: Vec<(Role, Option<usize>)>,
    /// Per target cell of role `Fold`: the input's sub-row cells of that column, and the input's
    /// own cell of the fold row.
    pub(super) folded: Vec<(Vec<usize>, Option<usize>)>,
    /// Input cells with no place in the target edition, with whether they are skipped when the
    /// group is folded.
    pub(super) foreign: Vec<(usize, bool)>,
    /// Per fold group: the input's cells of its fold row, and of its sub-rows.
    pub(super) groups: Vec<(Vec<usize>, Vec<usize>)>,
    /// Whether the input edition prints a fold group as one row.
    pub(super) single_rows: bool,
}

/// `(fold row key, sub-row keys)` of every fold group, derived from the schemas (see
/// [`crate::rollup`]).
pub(super) fn groups() -> &'static [(&'static str, Vec<&'static str>)] {
    static GROUPS: OnceLock<Vec<(&'static str, Vec<&'static str>)>> = OnceLock::new();
    GROUPS.get_or_init(|| {
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
    })
}

pub(super) fn single_rows(edition: Edition) -> bool {
    let rows = &edition.schema().table(TableId::S3).blocks[0].rows;
    groups().iter().any(|(fold, _)| {
        rows.iter()
            .any(|r| r.key == *fold && r.role == RowRole::Result)
    })
}

fn is_sub_row(row: &str) -> bool {
    groups().iter().any(|(_, subs)| subs.contains(&row))
}

fn fold_group(row: &str) -> Option<&'static (&'static str, Vec<&'static str>)> {
    groups().iter().find(|(f, _)| *f == row)
}

impl Plan {
    fn build(input: Edition, target: Edition) -> Plan {
        let is = input.schema();
        let ts = target.schema();
        let mut plan_target = Vec::new();
        let mut folded = Vec::new();
        for def in ts.cells() {
            let in_s3 = def.table == TableId::S3;
            let role = if in_s3 && is_sub_row(def.row_key) {
                Role::Sub
            } else if in_s3 && fold_group(def.row_key).is_some() {
                Role::Fold
            } else {
                Role::Plain
            };
            if let (Role::Fold, Some((f, subs))) = (role, fold_group(def.row_key)) {
                let sub_cells = subs
                    .iter()
                    .filter_map(|sub| is.key(TableId::S3, sub, def.col_key))
                    .filter_map(|k| is.index_of(k))
                    .collect();
                let own = is
                    .key(TableId::S3, f, def.col_key)
                    .and_then(|k| is.index_of(k));
                folded.push((sub_cells, own));
            }
            plan_target.push((role, is.index_of(def.key)));
        }
        let foreign = is
            .cells()
            .iter()
            .enumerate()
            .filter(|(_, c)| ts.index_of(c.key).is_none())
            .map(|(i, c)| {
                let s3_group = c.table == TableId::S3
                    && (is_sub_row(c.row_key) || fold_group(c.row_key).is_some());
                (i, s3_group)
            })
            .collect();
        let groups = groups()
            .iter()
            .map(|(f, subs)| {
                let of_row = |row: &str| -> Vec<usize> {
                    is.cells()
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.table == TableId::S3 && c.row_key == row)
                        .map(|(i, _)| i)
                        .collect()
                };
                (of_row(f), subs.iter().flat_map(|s| of_row(s)).collect())
            })
            .collect();
        Plan {
            target: plan_target,
            folded,
            foreign,
            groups,
            single_rows: single_rows(input),
        }
    }

    /// The plan of an input edition into a target edition (built once).
    pub(super) fn of(input: Edition, target: Edition) -> &'static Plan {
        static PLANS: OnceLock<[[Plan; 2]; 2]> = OnceLock::new();
        let plans =
            PLANS.get_or_init(|| Edition::ALL.map(|i| Edition::ALL.map(|t| Plan::build(i, t))));
        let pos = |e: Edition| Edition::ALL.iter().position(|x| *x == e).unwrap_or(0);
        &plans[pos(input)][pos(target)]
    }
}
