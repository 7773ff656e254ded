//! Table 三: row labels matched in template order, values read between them; when the
//! layout separates labels from number rows, number rows zipped with a standard row set;
//! the reading under which R1–R3 hold is kept.

use std::collections::BTreeMap;

use nianbao_model::schema::{RowDef, RowRole};
use nianbao_model::{Schema, TableId, Value};

use crate::How;
use crate::doc::Stream;
use crate::tables::{RowRead, Sink, find_row, label_of, r2, read_row};
use crate::tokens::{Tok, tokens};
/// The values of the rows of table 三 (row key → 7 columns).
pub type Grid = BTreeMap<&'static str, Vec<Option<i64>>>;

/// Counts violations of R1–R3 among the printed cells of a grid.
pub fn violations(schema: &Schema, grid: &Grid) -> usize {
    let rows: Vec<&[Option<i64>]> = grid.values().map(Vec::as_slice).collect();
    Rules::new(schema, grid).violations(&rows)
}

/// R1–R3 over the rows of a grid taken in key order: the rows each rule reads are found once,
/// so that many trials of one grid's rows compare numbers only.
struct Rules {
    ncols: usize,
    /// `new_received`, `carried_in`, `total_processed`, `carried_out` (R1).
    flow: [Option<usize>; 4],
    /// The rows whose sum R3 compares with `total_processed`.
    results: Vec<usize>,
}

impl Rules {
    fn new(schema: &Schema, grid: &Grid) -> Rules {
        let at = |k: &str| grid.keys().position(|g| *g == k);
        let rows: Vec<&RowDef> = schema.s3_rows(|_| true).collect();
        let results = rows
            .iter()
            .filter(|r| match r.role {
                RowRole::Result => true,
                RowRole::Subtotal(group) => !rows.iter().any(|o| {
                    o.group == Some(group) && o.role == RowRole::Result && grid.contains_key(o.key)
                }),
                _ => false,
            })
            .filter_map(|r| at(r.key))
            .collect();
        Rules {
            ncols: schema.s3_cols().len(),
            flow: [
                "new_received",
                "carried_in",
                "total_processed",
                "carried_out",
            ]
            .map(at),
            results,
        }
    }

    /// The violations among `rows`, the grid's rows in key order.
    fn violations(&self, rows: &[&[Option<i64>]]) -> usize {
        let ncols = self.ncols;
        let mut bad = 0;
        for vals in rows {
            // A row printed in full whose columns do not add up to its total (R2).
            let parts: Option<i64> = vals.iter().take(ncols - 1).copied().sum();
            if let (Some(p), Some(&Some(t))) = (parts, vals.get(ncols - 1))
                && p != t
            {
                bad += 1;
            }
        }
        let get = |r: Option<usize>, c: usize| {
            r.and_then(|r| rows.get(r))
                .and_then(|v| v.get(c).copied().flatten())
        };
        let [received, carried_in, processed, carried_out] = self.flow;
        for c in 0..ncols {
            if let (Some(a), Some(b), Some(t), Some(o)) = (
                get(received, c),
                get(carried_in, c),
                get(processed, c),
                get(carried_out, c),
            ) && a + b != t + o
            {
                bad += 1;
            }
            if let Some(t) = get(processed, c) {
                let parts: Option<i64> = self.results.iter().map(|&r| get(Some(r), c)).sum();
                if let Some(p) = parts
                    && p != t
                {
                    bad += 1;
                }
            }
        }
        bad
    }
}

/// Table 三. Returns the grid chosen and how each cell was read.
pub fn read_s3(s: &Stream, from: usize, to: usize, sink: &mut Sink<'_>) {
    let schema = sink.schema;
    let rows: Vec<&'static RowDef> = schema.s3_rows(|_| true).collect();
    let ncols = schema.s3_cols().len();
    let total_col = schema.s3_cols().iter().position(|c| c.is_total);
    // Labels in order.
    let mut matches: Vec<(&'static RowDef, usize, usize)> = Vec::new();
    let mut pos = from;
    for row in &rows {
        if let Some((a, e)) = find_row(s, row, pos, to, true) {
            matches.push((row, a, e));
            pos = e;
        }
    }
    subtotal_rows(s, &rows, &mut matches, to);
    // Positional reading.
    let mut grid: Grid = BTreeMap::new();
    let mut hows: BTreeMap<&'static str, Vec<How>> = BTreeMap::new();
    let mut ats: BTreeMap<&'static str, Vec<Option<usize>>> = BTreeMap::new();
    let mut ambiguous: Vec<(&'static str, Vec<Vec<i64>>)> = Vec::new();
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    for (i, &(row, _, end)) in matches.iter().enumerate() {
        let stop = matches.get(i + 1).map_or(to, |m| m.1);
        let toks = tokens(&s.chars, end, stop, false);
        match read_row(&toks, ncols, total_col, r2) {
            RowRead::Values(v, h, a) => {
                grid.insert(row.key, v);
                hows.insert(row.key, h);
                ats.insert(row.key, a);
            }
            RowRead::Candidates(c) if c.len() == 1 => {
                grid.insert(row.key, c[0].iter().map(|&x| Some(x)).collect());
                hows.insert(row.key, vec![How::SplitByRules; ncols]);
                ats.insert(row.key, vec![toks.first().map(Tok::at); ncols]);
            }
            RowRead::Candidates(c) if c.is_empty() => {
                problems.push((row.key, "no split satisfies R2 / 没有满足 R2 的拆分".into()))
            }
            RowRead::Candidates(c) => {
                ats.insert(row.key, vec![toks.first().map(Tok::at); ncols]);
                ambiguous.push((row.key, c))
            }
            RowRead::Nothing => {}
            RowRead::Bad(why) => problems.push((row.key, why)),
        }
    }
    resolve_by_columns(schema, &mut grid, &mut hows, &mut ambiguous);
    let positional_cells: usize = grid.values().map(Vec::len).sum();
    // Reading by template order: number rows zipped with the rows of a standard row set.
    if let Some((ogrid, ohows, oats)) = by_order(s, from, to, schema, &matches, total_col)
        && (violations(schema, &ogrid), usize::MAX - ogrid.len() * ncols)
            < (violations(schema, &grid), usize::MAX - positional_cells)
    {
        sink.diag(
            "rows_by_template_order",
            None,
            "表三的标签与数值行错位，数值行按模板行序对应".into(),
            "table 3 labels and number rows are out of step; number rows were assigned in template order".into(),
        );
        grid = ogrid;
        hows = ohows;
        ats = oats;
        ambiguous.clear();
        problems.retain(|(k, _)| !grid.contains_key(k));
    }
    for (key, vals) in &grid {
        for (c, v) in vals.iter().enumerate() {
            let (Some(v), Some(cell)) = (v, schema.key(TableId::S3, key, schema.s3_cols()[c].key))
            else {
                continue;
            };
            let how = hows
                .get(key)
                .and_then(|h| h.get(c))
                .copied()
                .unwrap_or(How::Printed);
            let at = ats.get(key).and_then(|a| a.get(c)).copied().flatten();
            sink.put(cell, Value::Count(*v), how, &v.to_string(), at);
            match how {
                How::BlankAsZero => sink.diag(
                    "blank_as_zero",
                    Some(cell),
                    format!("{}：单元格空白，按 0 读取", label_of(schema, cell)),
                    format!("{cell}: blank cell read as 0"),
                ),
                How::TotalFromRow => sink.diag(
                    "total_from_row",
                    Some(cell),
                    format!(
                        "{}：总计空白，按本行各列之和 {v} 填入",
                        label_of(schema, cell)
                    ),
                    format!("{cell}: blank total filled with the row sum {v}"),
                ),
                _ => {}
            }
        }
    }
    for (key, cands) in ambiguous {
        let first = schema.key(TableId::S3, key, schema.s3_cols()[0].key);
        sink.diag(
            "ambiguous_run",
            first,
            format!(
                "表三“{key}”行：数字串有 {} 种拆分满足规则，无法确定，留空",
                cands.len()
            ),
            format!(
                "table 3 row {key}: {} splits satisfy the rules; left absent",
                cands.len()
            ),
        );
    }
    for (key, why) in problems {
        let first = schema.key(TableId::S3, key, schema.s3_cols()[0].key);
        sink.diag(
            "row_unreadable",
            first,
            format!("表三“{key}”行无法读取：{why}"),
            format!("table 3 row {key} could not be read: {why}"),
        );
    }
}

/// Most combinations of the ambiguous rows' readings tried against R1 and R3 (each trial checks
/// the whole table; reports print at most a few rows with two or three readings each).
const MAX_COMBINATIONS: usize = 10_000;

/// Chooses among the R2-valid splits of ambiguous rows the one combination under which
/// R1 and R3 hold for every column, when there is exactly one.
fn resolve_by_columns(
    schema: &Schema,
    grid: &mut Grid,
    hows: &mut BTreeMap<&'static str, Vec<How>>,
    ambiguous: &mut Vec<(&'static str, Vec<Vec<i64>>)>,
) {
    if ambiguous.is_empty() {
        return;
    }
    let combos: usize = ambiguous.iter().map(|(_, c)| c.len()).product();
    if combos > MAX_COMBINATIONS {
        return;
    }
    let mut good: Vec<Vec<usize>> = Vec::new();
    let mut idx = vec![0usize; ambiguous.len()];
    // One set of rows for every trial: each trial writes the readings of the ambiguous rows
    // into it.
    let mut trial = grid.clone();
    for (key, cands) in ambiguous.iter() {
        trial.insert(key, cands[0].iter().map(|&x| Some(x)).collect());
    }
    let rules = Rules::new(schema, &trial);
    let at: Vec<Option<usize>> = ambiguous
        .iter()
        .map(|(key, _)| trial.keys().position(|k| k == key))
        .collect();
    let mut rows: Vec<Vec<Option<i64>>> = trial.into_values().collect();
    'outer: loop {
        for (k, (_, cands)) in ambiguous.iter().enumerate() {
            if let Some(row) = at[k].and_then(|r| rows.get_mut(r)) {
                for (cell, &v) in row.iter_mut().zip(&cands[idx[k]]) {
                    *cell = Some(v);
                }
            }
        }
        let view: Vec<&[Option<i64>]> = rows.iter().map(Vec::as_slice).collect();
        if rules.violations(&view) == 0 {
            good.push(idx.clone());
            if good.len() > 1 {
                return;
            }
        }
        for k in 0..idx.len() {
            idx[k] += 1;
            if idx[k] < ambiguous[k].1.len() {
                continue 'outer;
            }
            idx[k] = 0;
        }
        break;
    }
    if let [choice] = good.as_slice() {
        let ncols = schema.s3_cols().len();
        for (k, (key, cands)) in ambiguous.iter().enumerate() {
            grid.insert(key, cands[choice[k]].iter().map(|&x| Some(x)).collect());
            hows.insert(key, vec![How::SplitByRules; ncols]);
        }
        ambiguous.clear();
    }
}

/// A reading of table 三: the grid, how each cell was read, where each is printed.
type ByOrder = (
    Grid,
    BTreeMap<&'static str, Vec<How>>,
    BTreeMap<&'static str, Vec<Option<usize>>>,
);

/// Lines of the region that print exactly one row of numbers, zipped with a standard row set
/// of the same length.
fn by_order(
    s: &Stream,
    from: usize,
    to: usize,
    schema: &'static Schema,
    matches: &[(&'static RowDef, usize, usize)],
    total_col: Option<usize>,
) -> Option<ByOrder> {
    let ncols = schema.s3_cols().len();
    let toks = tokens(&s.chars, from, to, false);
    let mut lines: Vec<Vec<Tok>> = Vec::new();
    for t in toks {
        match lines.last_mut() {
            Some(l) if l[0].line() == t.line() => l.push(t),
            _ => lines.push(vec![t]),
        }
    }
    let groups: Vec<Vec<Tok>> = lines
        .into_iter()
        .filter(|l| {
            let nums = l.iter().filter(|t| t.num().is_some()).count();
            nums == ncols || l.len() == ncols
        })
        .collect();
    if groups.len() < 3 {
        return None;
    }
    let all: Vec<&'static RowDef> = schema.s3_rows(|_| true).collect();
    let base: Vec<&'static RowDef> = all.iter().copied().filter(|r| !r.optional).collect();
    let matched = |k: &str| matches.iter().any(|m| m.0.key == k);
    let mut sets: Vec<Vec<&'static RowDef>> =
        vec![matches.iter().map(|m| m.0).collect(), base.clone()];
    if let Some(other) = all.iter().find(|r| r.optional) {
        let subs = |r: &&RowDef| matches!(other.role, RowRole::Subtotal(g) if r.group == Some(g));
        let single: Vec<&'static RowDef> = all.iter().copied().filter(|r| !subs(r)).collect();
        let with_subtotal: Vec<&'static RowDef> = all.clone();
        if matched(other.key) && !all.iter().filter(|r| subs(r)).any(|r| matched(r.key)) {
            sets.push(single);
        } else {
            sets.push(with_subtotal);
        }
    }
    let set = sets.into_iter().find(|set| set.len() == groups.len())?;
    let mut grid = Grid::new();
    let mut hows = BTreeMap::new();
    let mut ats = BTreeMap::new();
    for (row, g) in set.iter().zip(&groups) {
        if let RowRead::Values(v, h, a) = read_row(g, ncols, total_col, r2) {
            let h = h
                .into_iter()
                .map(|how| match how {
                    How::Printed => How::TemplateOrder,
                    other => other,
                })
                .collect();
            grid.insert(row.key, v);
            hows.insert(row.key, h);
            ats.insert(row.key, a);
        }
    }
    Some((grid, hows, ats))
}

/// What a report prints as the label of a subtotal row inside its group (the group's name
/// is merged down the group's rows, so on paper or in a PDF it may stand beside another row).
const SUBTOTAL: &str = "小计";

/// A subtotal row whose own label was not found (its group's name merged down several rows,
/// drawn beside a later row) is read at a `小计` printed between the row before it and the
/// row after it, when exactly one is printed there.
fn subtotal_rows(
    s: &Stream,
    rows: &[&'static RowDef],
    matches: &mut Vec<(&'static RowDef, usize, usize)>,
    to: usize,
) {
    let order = |r: &RowDef| rows.iter().position(|o| o.key == r.key);
    for row in rows {
        if !matches!(row.role, RowRole::Subtotal(_)) || matches.iter().any(|m| m.0.key == row.key) {
            continue;
        }
        let at = order(row);
        let next = matches
            .iter()
            .position(|m| order(m.0) > at)
            .unwrap_or(matches.len());
        let from = next.checked_sub(1).map_or(0, |p| matches[p].2);
        let stop = matches.get(next).map_or(to, |m| m.1);
        let Some((a, e)) = s.find(SUBTOTAL, from, stop, false) else {
            continue;
        };
        if s.find(SUBTOTAL, e, stop, false).is_none() {
            matches.insert(next, (row, a, e));
        }
    }
}
