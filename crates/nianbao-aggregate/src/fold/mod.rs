//! The streaming roll-up: each report is folded into running sums as it arrives and then dropped,
//! so memory grows with the number of offices (a code, a name, a revision) and not with their
//! reports. Cells are addressed by their dense index in each edition's schema through a plan built
//! once per pair of editions; no cell key is looked up per report.
//!
//! The result is the one [`rollup`](crate::rollup::rollup) defines; that function feeds this fold
//! its inputs in office-code order. Fed in another order, only the office named when a cell cannot
//! be summed (the first in arrival order) may differ.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use nianbao_model::schema::ValueKind;
use nianbao_model::{Edition, Money, Office, Report, Value};
use rust_decimal::Decimal;

use crate::summed::{Aggregate, Included, NotSummed, Partial};

mod plan;

use plan::{Plan, Role, groups, single_rows};

enum Sum {
    Count(i64),
    Money(Decimal),
}

/// A running sum of one cell over the inputs in arrival order; stops at the first value that
/// cannot be added, as the whole-report roll-up does.
#[derive(Default)]
struct Acc {
    sum: Option<Sum>,
    summed: usize,
    absent: Vec<u32>,
    failed: Option<(&'static str, &'static str, u32)>,
}

impl Acc {
    fn push(&mut self, kind: ValueKind, value: Option<Value>, office: u32) {
        if self.failed.is_some() {
            return;
        }
        let Some(value) = value else {
            self.absent.push(office);
            return;
        };
        match add(&mut self.sum, kind, value) {
            Ok(()) => self.summed += 1,
            Err((zh, en)) => {
                self.failed = Some((zh, en, office));
                self.sum = None;
            }
        }
    }
}

/// One office taken in.
struct Entry {
    code: String,
    name: String,
    revision: i64,
    edition: Edition,
}

/// A roll-up in progress: feed it reports with [`Fold::add_report`] or [`Fold::add_cells`], then
/// [`Fold::finish`].
pub struct Fold {
    edition: Edition,
    year: i32,
    org: Office,
    entries: Vec<Entry>,
    seen: HashMap<String, usize>,
    /// Per target cell: the sum of the same cell.
    direct: Vec<Acc>,
    /// Per fold cell of the target (in [`Plan::folded`] order): the sum of the folded values.
    folded: Vec<Acc>,
    /// Per target cell of role `Sub` or `Fold`: the offices that print that key.
    printed: Vec<Vec<u32>>,
    /// Per input edition and input cell with no place in the target: the offices that print it.
    foreign: [BTreeMap<usize, Vec<u32>>; 2],
    /// Whether some input prints a fold group as one row (or its edition does).
    fold: bool,
    pub(crate) notes: Vec<String>,
}

impl Fold {
    /// An empty roll-up into `edition` for `year`, office = `org`.
    pub fn new(edition: Edition, year: i32, org: &Office) -> Fold {
        let n = edition.schema().cells().len();
        let folds = Plan::of(edition, edition).folded.len();
        Fold {
            edition,
            year,
            org: org.clone(),
            entries: Vec::new(),
            seen: HashMap::new(),
            direct: (0..n).map(|_| Acc::default()).collect(),
            folded: (0..folds).map(|_| Acc::default()).collect(),
            printed: vec![Vec::new(); n],
            foreign: [BTreeMap::new(), BTreeMap::new()],
            fold: single_rows(edition),
            notes: Vec::new(),
        }
    }

    /// How many offices were taken in.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no office was taken in.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Folds in one report.
    pub fn add_report(&mut self, report: &Report, revision: i64) {
        let cells = report.schema().dense(&report.cells);
        self.add_cells(
            &report.office,
            report.year,
            report.edition,
            revision,
            &cells,
        );
    }

    /// Folds in one report given as its cells by index in its edition's schema. A report on
    /// another year is left out (noted); an office that comes again is left out (noted: the first
    /// revision that came is summed; storage sends each office-year once).
    pub fn add_cells(
        &mut self,
        office: &Office,
        year: i32,
        edition: Edition,
        revision: i64,
        cells: &[Option<Value>],
    ) {
        let code = office.code.as_str();
        if year != self.year {
            let y = self.year;
            self.notes.push(format!(
                "{code} 的报告年度为 {year}，不是 {y}，未汇总 / the report of {code} is on {year}, not {y}; left out"
            ));
            return;
        }
        if let Some(&i) = self.seen.get(code) {
            let kept = self.entries[i].revision;
            self.notes.push(format!(
                "{code} 出现多次，只汇总第 {kept} 版 / {code} came more than once; revision {kept} summed"
            ));
            return;
        }
        let at = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        self.seen.insert(code.to_string(), self.entries.len());
        self.entries.push(Entry {
            code: code.to_string(),
            name: office.name.clone(),
            revision,
            edition,
        });
        let plan = Plan::of(edition, self.edition);
        let value = |i: Option<usize>| i.and_then(|i| cells.get(i).copied().flatten());
        if !self.fold {
            self.fold = plan.single_rows
                || plan.groups.iter().any(|(own, subs)| {
                    own.iter().any(|&i| value(Some(i)).is_some())
                        && !subs.iter().any(|&i| value(Some(i)).is_some())
                });
        }
        let defs = self.edition.schema().cells();
        let mut f = 0;
        for (t, (role, same)) in plan.target.iter().enumerate() {
            let v = value(*same);
            if *role != Role::Plain && v.is_some() {
                self.printed[t].push(at);
            }
            if *role == Role::Fold {
                let (subs, own) = &plan.folded[f];
                let mut total: Option<i64> = None;
                for &s in subs {
                    if let Some(Value::Count(n)) = value(Some(s)) {
                        total = Some(total.unwrap_or(0).saturating_add(n));
                    }
                }
                let fv = match total {
                    Some(n) => Some(Value::Count(n)),
                    None => value(*own),
                };
                self.folded[f].push(defs[t].kind, fv, at);
                f += 1;
            } else {
                self.direct[t].push(defs[t].kind, v, at);
            }
        }
        let slot = usize::from(edition == Edition::E2021);
        for &(i, _) in &plan.foreign {
            if value(Some(i)).is_some() {
                self.foreign[slot].entry(i).or_default().push(at);
            }
        }
    }

    /// The roll-up of everything folded in.
    pub fn finish(self) -> Aggregate {
        let Fold {
            edition,
            year,
            org,
            entries,
            direct,
            folded,
            printed,
            foreign,
            fold,
            mut notes,
            ..
        } = self;
        let code = |i: &u32| entries[*i as usize].code.clone();
        let schema = edition.schema();
        let plan = Plan::of(edition, edition);
        let mut report = Report::new(org.clone(), year, edition);
        report.signature = Some(org.name.clone());
        let mut not_summed: BTreeMap<(String, String, String), BTreeSet<String>> = BTreeMap::new();
        let mut partial = Vec::new();
        let mut subtotal_dropped = BTreeSet::new();
        let mut folded = folded.into_iter();
        for ((def, (role, _)), (acc, printed)) in schema
            .cells()
            .iter()
            .zip(&plan.target)
            .zip(direct.into_iter().zip(printed))
        {
            let fold_acc = if *role == Role::Fold {
                folded.next()
            } else {
                None
            };
            let acc = match (role, fold) {
                (Role::Sub, true) => {
                    let f = groups()
                        .iter()
                        .find(|(_, subs)| subs.contains(&def.row_key))
                        .map(|(f, _)| *f)
                        .unwrap_or_default();
                    let offices = printed.iter().map(code);
                    if !printed.is_empty() {
                        not_summed
                            .entry((
                                def.key.to_string(),
                                format!("（六）等分项已并入 s3.{f}.{} 汇总（有单位只填报了合并行）", def.col_key),
                                format!("sub-rows are summed into s3.{f}.{} because some reports print the group as one row", def.col_key),
                            ))
                            .or_default()
                            .extend(offices);
                    }
                    continue;
                }
                (Role::Fold, false) => {
                    subtotal_dropped.extend(printed.iter().map(code));
                    continue;
                }
                (Role::Fold, true) => match fold_acc {
                    Some(a) => a,
                    None => continue,
                },
                _ => acc,
            };
            if let Some((zh, en, at)) = acc.failed {
                not_summed
                    .entry((def.key.to_string(), zh.to_string(), en.to_string()))
                    .or_default()
                    .insert(code(&at));
                continue;
            }
            let Some(total) = acc.sum else { continue };
            let value = match (total, def.kind) {
                (Sum::Money(amount), ValueKind::Money(unit)) => {
                    Value::Money(Money { amount, unit })
                }
                (Sum::Count(n), _) => Value::Count(n),
                (Sum::Money(_), _) => continue,
            };
            report.cells.insert(def.key, value);
            if !acc.absent.is_empty() {
                let mut absent_in: Vec<String> = acc.absent.iter().map(code).collect();
                absent_in.sort();
                partial.push(Partial {
                    key: def.key,
                    summed: acc.summed,
                    absent_in,
                });
            }
        }
        for (slot, cells) in foreign.iter().enumerate() {
            let input = Edition::ALL[slot];
            let plan = Plan::of(input, edition);
            for (i, offices) in cells {
                let skipped = plan
                    .foreign
                    .iter()
                    .any(|(j, grouped)| j == i && *grouped && fold);
                if skipped {
                    continue;
                }
                let key = input.schema().cells()[*i].key;
                not_summed
                    .entry((
                        key.to_string(),
                        format!("{} 版无此单元格", edition.as_str()),
                        format!("no such cell in the {} edition", edition.as_str()),
                    ))
                    .or_default()
                    .extend(offices.iter().map(code));
            }
        }
        if !subtotal_dropped.is_empty() {
            let list: Vec<String> = subtotal_dropped.into_iter().collect();
            notes.push(format!(
                "印制的（六）小计行未重复计入，按分项汇总：{} / printed subtotal rows were not added again; their sub-rows were summed: {}",
                list.join("、"),
                list.join(", ")
            ));
        }
        let mut included: Vec<Included> = entries
            .into_iter()
            .map(|e| Included {
                office_code: e.code,
                office_name: e.name,
                revision: e.revision,
                edition: e.edition,
            })
            .collect();
        included.sort_by(|a, b| a.office_code.cmp(&b.office_code));
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
