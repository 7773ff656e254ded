//! Tables 二 and 四, and what every table reader shares: labels found from the schema,
//! values read between them, digit runs split only where the consistency rules leave one
//! reading. Table 三 is in [`crate::s3`].

use std::collections::{BTreeMap, VecDeque};

use nianbao_model::schema::RowDef;
use nianbao_model::value::MoneyUnit;
use nianbao_model::{Money, Schema, TableId, Value, ValueKind};

use crate::doc::Stream;
use crate::normalize::{BLANK, CELL, LINE};
use crate::split::splits;
use crate::tokens::{Tok, plain_digits, tokens};
use crate::{Diagnostic, How, Origin, Provenance};

/// Where the readings go.
pub struct Sink<'a> {
    pub schema: &'static Schema,
    pub cells: &'a mut BTreeMap<&'static str, Value>,
    pub notes: &'a mut BTreeMap<&'static str, String>,
    pub diags: &'a mut Vec<Diagnostic>,
    pub prov: &'a mut BTreeMap<&'static str, Provenance>,
    /// Where each character of the stream is printed (empty: not known).
    pub origin: &'a [Option<Origin>],
    /// Per character of the stream, whether its reading is in doubt (empty: none is).
    pub doubt: &'a [bool],
    /// The cells read from a reading in doubt.
    pub doubted: &'a mut Vec<&'static str>,
}

impl Sink<'_> {
    /// Records a cell read at stream position `at` (if known).
    pub(crate) fn put(
        &mut self,
        key: &'static str,
        value: Value,
        how: How,
        printed: &str,
        at: Option<usize>,
    ) {
        self.cells.insert(key, value);
        if at.is_some_and(|a| self.doubt.get(a).copied().unwrap_or(false)) {
            self.doubted.push(key);
        }
        self.prov.insert(
            key,
            Provenance {
                how,
                printed: printed.to_string(),
                origin: at.and_then(|a| self.origin.get(a).copied().flatten()),
            },
        );
    }

    pub(crate) fn diag(
        &mut self,
        code: &'static str,
        cell: Option<&'static str>,
        zh: String,
        en: String,
    ) {
        self.diags.push(Diagnostic {
            code,
            cell,
            message_zh: zh,
            message_en: en,
        });
    }
}

/// Finds a row's label or one of its aliases; the earliest match wins.
pub fn find_row(
    s: &Stream,
    row: &RowDef,
    from: usize,
    to: usize,
    wrap: bool,
) -> Option<(usize, usize)> {
    std::iter::once(row.label)
        .chain(row.aliases.iter().copied())
        .filter_map(|l| s.find(l, from, to, wrap))
        .min_by_key(|&(a, _)| a)
}

pub(crate) fn label_of(schema: &Schema, key: &'static str) -> String {
    schema
        .cell(key)
        .map(|c| schema.label_zh(c))
        .unwrap_or_else(|| key.to_string())
}

/// Converts a printed number into a cell value of the given kind.
fn value_of(text: &str, kind: ValueKind) -> Option<Value> {
    match kind {
        ValueKind::Count => plain_digits(text)
            .then(|| text.parse().ok().map(Value::Count))
            .flatten(),
        ValueKind::SignedCount => {
            let d = text.strip_prefix('-').unwrap_or(text);
            plain_digits(d)
                .then(|| text.parse().ok().map(Value::Count))
                .flatten()
        }
        ValueKind::Money(unit) => Money::parse(text, unit).ok().map(Value::Money),
    }
}

/// Table 二: every row label searched from the start of the table (the rows of a PDF
/// rendering may come out of order), values read up to the next label.
pub fn read_s2(s: &Stream, from: usize, to: usize, sink: &mut Sink<'_>) {
    let table = sink.schema.table(TableId::S2);
    let mut found: Vec<(usize, usize, usize, usize)> = Vec::new();
    for (b, block) in table.blocks.iter().enumerate() {
        for (r, row) in block.rows.iter().enumerate() {
            if let Some((a, e)) = find_row(s, row, from, to, false) {
                found.push((a, e, b, r));
            }
        }
    }
    found.sort();
    let first = found.first().map_or(to, |f| f.0);
    let mut orphans: VecDeque<Tok> = tokens(&s.chars, from, first, false)
        .into_iter()
        .filter(|t| matches!(t, Tok::Num { note: Some(_), .. }))
        .collect();
    for (i, &(_, end, b, r)) in found.iter().enumerate() {
        let stop = found.get(i + 1).map_or(to, |f| f.0);
        let block = &table.blocks[b];
        let row = &block.rows[r];
        let keys: Vec<&'static str> = block
            .cols
            .iter()
            .filter_map(|c| sink.schema.key(TableId::S2, row.key, c.key))
            .collect();
        let mut toks: Vec<Tok> = tokens(&s.chars, end, stop, false);
        let nums = toks.iter().filter(|t| t.num().is_some()).count();
        let n = keys.len();
        let mut how = How::Printed;
        if nums + 1 == n
            && n == 3
            && toks.len() == nums
            && let Some(o) = orphans.pop_front()
        {
            toks.insert(1, o);
            how = How::PositionInferred;
            sink.diag(
                    "cell_position_inferred",
                    Some(keys[1]),
                    format!("{}：该行只有两个数值与表格对齐，表外带注释的数值按位置补入中间一列", label_of(sink.schema, keys[1])),
                    format!("{}: the row has two aligned numbers; the annotated number printed outside the table was put in the middle column", keys[1]),
                );
        }
        let nums = toks.iter().filter(|t| t.num().is_some()).count();
        if nums == n || toks.len() == n {
            let used: Vec<Tok> = if nums == n {
                toks.iter().filter(|t| t.num().is_some()).cloned().collect()
            } else {
                toks.clone()
            };
            for (k, (key, tok)) in keys.iter().zip(&used).enumerate() {
                let kind = block.cols[k].kind;
                match tok {
                    Tok::Num { text, note, at, .. } => match value_of(text, kind) {
                        Some(v) => {
                            sink.put(key, v, how, text, Some(*at));
                            if let Some(note) = note {
                                sink.notes.insert(key, note.clone());
                            }
                        }
                        None => sink.diag(
                            "bad_value",
                            Some(key),
                            format!(
                                "{}：“{text}”不是该单元格可用的数值",
                                label_of(sink.schema, key)
                            ),
                            format!("{key}: “{text}” is not a valid value for this cell"),
                        ),
                    },
                    Tok::Blank { at, .. } => {
                        let zero = match kind {
                            ValueKind::Money(unit) => Value::Money(Money {
                                amount: rust_decimal::Decimal::ZERO,
                                unit,
                            }),
                            _ => Value::Count(0),
                        };
                        sink.put(key, zero, How::BlankAsZero, "", Some(*at));
                        sink.diag(
                            "blank_as_zero",
                            Some(key),
                            format!("{}：单元格空白，按 0 读取", label_of(sink.schema, key)),
                            format!("{key}: blank cell read as 0"),
                        );
                    }
                }
            }
            continue;
        }
        let runs: Vec<String> = toks
            .iter()
            .filter_map(|t| t.num().map(str::to_string))
            .collect();
        if !runs.is_empty()
            && nums < n
            && toks.len() == nums
            && runs.iter().all(|r| plain_digits(r))
        {
            let all = splits(&runs, n).unwrap_or_default();
            if all.len() == 1
                && keys
                    .iter()
                    .enumerate()
                    .all(|(k, _)| block.cols[k].kind != ValueKind::Money(MoneyUnit::Yuan))
            {
                let at = toks.first().map(Tok::at);
                for (key, v) in keys.iter().zip(&all[0]) {
                    sink.put(key, Value::Count(*v), How::SplitByRules, &runs.concat(), at);
                }
                continue;
            }
        }
        if toks.is_empty() {
            continue;
        }
        sink.diag(
            "ambiguous_run",
            keys.first().copied(),
            format!(
                "表二“{}”：印出的“{}”无法唯一地分成 {n} 个单元格，留空",
                row.label,
                runs.join(" ")
            ),
            format!(
                "table 2 row {}: the printed “{}” cannot be split into {n} cells in one way only; left absent",
                row.key,
                runs.join(" ")
            ),
        );
    }
}

/// How one row's tokens read.
pub(crate) enum RowRead {
    /// The values, how each was read, and where each is printed in the stream.
    Values(Vec<Option<i64>>, Vec<How>, Vec<Option<usize>>),
    Candidates(Vec<Vec<i64>>),
    Nothing,
    Bad(String),
}

/// Reads `n` cells from tokens; `total` is the index of a column that sums the others.
pub(crate) fn read_row(
    toks: &[Tok],
    n: usize,
    total: Option<usize>,
    check: fn(&[i64]) -> bool,
) -> RowRead {
    let nums: Vec<&str> = toks.iter().filter_map(Tok::num).collect();
    if nums.is_empty() && toks.len() != n {
        return RowRead::Nothing;
    }
    if nums.len() == n || toks.len() == n {
        let (source, ats): (Vec<Option<&str>>, Vec<Option<usize>>) = if nums.len() == n {
            toks.iter()
                .filter_map(|t| t.num().map(|s| (Some(s), Some(t.at()))))
                .unzip()
        } else {
            toks.iter().map(|t| (t.num(), Some(t.at()))).unzip()
        };
        let mut vals = Vec::with_capacity(n);
        let mut hows = Vec::with_capacity(n);
        for s in &source {
            match s {
                Some(t) if plain_digits(t) => match t.parse() {
                    Ok(v) => {
                        vals.push(Some(v));
                        hows.push(How::Printed);
                    }
                    Err(_) => return RowRead::Bad(format!("“{t}”")),
                },
                Some(t) => return RowRead::Bad(format!("“{t}” is not a count / 不是件数")),
                None => {
                    vals.push(Some(0));
                    hows.push(How::BlankAsZero);
                }
            }
        }
        if let Some(t) = total
            && hows[t] == How::BlankAsZero
        {
            let sum: i64 = (0..n).filter(|&k| k != t).filter_map(|k| vals[k]).sum();
            if sum != 0 {
                vals[t] = Some(sum);
                hows[t] = How::TotalFromRow;
            }
        }
        return RowRead::Values(vals, hows, ats);
    }
    if nums.len() < n && toks.len() == nums.len() && nums.iter().all(|t| plain_digits(t)) {
        let runs: Vec<String> = nums.iter().map(|s| s.to_string()).collect();
        return match splits(&runs, n) {
            Some(all) => RowRead::Candidates(all.into_iter().filter(|c| check(c)).collect()),
            None => RowRead::Bad(format!(
                "“{}” too long or with too many ways to split / 数字串过长或拆分方式过多",
                runs.concat()
            )),
        };
    }
    RowRead::Bad(format!(
        "{} numbers for {n} cells / {} 个数值对应 {n} 个单元格",
        nums.len(),
        nums.len()
    ))
}

pub(crate) fn r2(v: &[i64]) -> bool {
    v.len() >= 2 && v[..v.len() - 1].iter().sum::<i64>() == v[v.len() - 1]
}

fn r4(v: &[i64]) -> bool {
    v.chunks(5)
        .all(|g| g.len() == 5 && g[..4].iter().sum::<i64>() == g[4])
}

/// Table 四: the first numbers after its heading, until prose starts.
pub fn read_s4(s: &Stream, from: usize, to: usize, sink: &mut Sink<'_>) {
    let schema = sink.schema;
    let block = &schema.table(TableId::S4).blocks[0];
    let keys: Vec<&'static str> = block
        .rows
        .iter()
        .flat_map(|r| {
            block
                .cols
                .iter()
                .filter_map(move |c| schema.key(TableId::S4, r.key, c.key))
        })
        .collect();
    let n = keys.len();
    let ncols = block.cols.len();
    let total = block.cols.iter().position(|c| c.is_total);
    let toks = tokens(&s.chars, from, to, true);
    let mut read = s4_values(&toks, n, ncols, total);
    if read.is_err() {
        // Values printed each after its column's name (`行政复议／结果维持 72，…`): the text
        // between the numbers of a line names columns; prose starts on a line of its own.
        let lined = tokens(&s.chars, from, prose_line(&s.chars, from, to), false);
        if lined != toks
            && let Ok(v) = s4_values(&lined, n, ncols, total)
        {
            read = Ok(v);
        }
    }
    let (vals, hows, ats) = match read {
        Ok(v) => v,
        Err(Some((code, zh, en))) => {
            sink.diag(code, keys.first().copied(), zh, en);
            return;
        }
        Err(None) => return,
    };
    if vals.len() != n {
        return;
    }
    for (((key, v), how), at) in keys.iter().zip(vals).zip(hows).zip(ats) {
        if let Some(v) = v {
            sink.put(key, Value::Count(v), how, &v.to_string(), at);
            if how == How::BlankAsZero {
                sink.diag(
                    "blank_as_zero",
                    Some(key),
                    format!("{}：单元格空白，按 0 读取", label_of(schema, key)),
                    format!("{key}: blank cell read as 0"),
                );
            }
        }
    }
}

/// The first position after a number where a line starts with text rather than a value (prose
/// after the table), or `to`.
fn prose_line(chars: &[char], from: usize, to: usize) -> usize {
    let to = to.min(chars.len());
    let mut seen = false;
    for i in from..to {
        let c = chars[i];
        if c.is_ascii_digit() {
            seen = true;
        } else if seen && i > from && chars[i - 1] == LINE && !matches!(c, '-' | BLANK | CELL) {
            return i;
        }
    }
    to
}

/// How a reading of table 四 failed: a diagnostic (code, Chinese, English), or none.
type S4Fail = Option<(&'static str, String, String)>;

/// Values of table 四, how each was read and where each is printed in the stream.
type S4Read = (Vec<Option<i64>>, Vec<How>, Vec<Option<usize>>);

/// Reads the `n` cells of table 四 (`ncols` per row) from its tokens.
fn s4_values(toks: &[Tok], n: usize, ncols: usize, total: Option<usize>) -> Result<S4Read, S4Fail> {
    let mut vals: Vec<Option<i64>> = Vec::new();
    let mut hows: Vec<How> = Vec::new();
    let mut ats: Vec<Option<usize>> = Vec::new();
    if toks.len() == n || toks.iter().filter(|t| t.num().is_some()).count() == n {
        let nums: Vec<Tok> = if toks.len() == n {
            toks.to_vec()
        } else {
            toks.iter().filter(|t| t.num().is_some()).cloned().collect()
        };
        for chunk in nums.chunks(ncols) {
            match read_row(chunk, ncols, total, r4) {
                RowRead::Values(v, h, a) => {
                    vals.extend(v);
                    hows.extend(h);
                    ats.extend(a);
                }
                _ => return Err(None),
            }
        }
        return Ok((vals, hows, ats));
    }
    match read_row(toks, n, None, r4) {
        RowRead::Values(v, h, a) => Ok((v, h, a)),
        RowRead::Candidates(c) if c.len() == 1 => Ok((
            c[0].iter().map(|&x| Some(x)).collect(),
            vec![How::SplitByRules; n],
            vec![toks.first().map(Tok::at); n],
        )),
        RowRead::Candidates(c) => Err(Some((
            "ambiguous_run",
            format!("表四：数字串有 {} 种拆分满足 R4，无法确定，留空", c.len()),
            format!("table 4: {} splits satisfy R4; left absent", c.len()),
        ))),
        RowRead::Nothing => Err(None),
        RowRead::Bad(why) => Err(Some((
            "row_unreadable",
            format!("表四无法读取：{why}"),
            format!("table 4 could not be read: {why}"),
        ))),
    }
}
