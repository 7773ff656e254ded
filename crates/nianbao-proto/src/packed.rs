//! The packed form of a report (`nianbao.storage.v1.PackedReport`): office, year, edition and the
//! printed cells by index in the edition's schema, without prose or notes. Storage sends it to
//! roll-ups; decoding it costs no string key per cell.

use chrono::NaiveDate;
use nianbao_model::schema::ValueKind;
use nianbao_model::{Edition, Money, Office, Report, Value};
use prost::Message;

use crate::convert::{ConversionError, edition_from_pb, edition_to_pb};
use crate::report::v1 as rpb;
use crate::storage::v1 as spb;

/// The version of the encoding, stored beside packed bytes. Change it when the encoding or the
/// cell order of an edition's schema changes: packed bytes of another version are not used.
pub const FORMAT: i32 = 1;

/// A decoded packed report: its cells laid out by the index of [`Schema::cells`] of its edition.
///
/// [`Schema::cells`]: nianbao_model::schema::Schema::cells
#[derive(Clone, Debug, PartialEq)]
pub struct Unpacked {
    /// The office.
    pub office: Office,
    /// The year reported on.
    pub year: i32,
    /// The edition.
    pub edition: Edition,
    /// The publication date, when known.
    pub published_date: Option<NaiveDate>,
    /// One entry per cell of the edition, `None` when not printed.
    pub cells: Vec<Option<Value>>,
}

impl Unpacked {
    /// The report these cells come from, without prose or notes.
    pub fn into_report(self) -> Report {
        let mut report = Report::new(self.office, self.year, self.edition);
        report.published_date = self.published_date;
        let defs = self.edition.schema().cells();
        for (def, value) in defs.iter().zip(self.cells) {
            if let Some(v) = value {
                report.cells.insert(def.key, v);
            }
        }
        report
    }
}

/// The packed form of a report, encoded.
pub fn pack(report: &Report) -> Vec<u8> {
    let schema = report.schema();
    let dense = schema.dense(&report.cells);
    let mut count_cells = vec![0u8; dense.len().div_ceil(8)];
    let mut counts = Vec::new();
    let mut money_cells = Vec::new();
    let mut money = Vec::new();
    for (i, (def, value)) in schema.cells().iter().zip(&dense).enumerate() {
        match (def.kind, value) {
            (_, None) => {}
            (_, Some(Value::Count(n))) => {
                count_cells[i / 8] |= 1 << (i % 8);
                counts.push(*n);
            }
            (kind, Some(Value::Money(m))) => {
                let text = match kind {
                    ValueKind::Money(unit) => m.to_interchange(unit),
                    _ => m.amount.to_string(),
                };
                money_cells.push(u32::try_from(i).unwrap_or(u32::MAX));
                money.push(text);
            }
        }
    }
    spb::PackedReport {
        office: Some(rpb::Office {
            code: report.office.code.clone(),
            name: report.office.name.clone(),
        }),
        year: report.year,
        edition: edition_to_pb(report.edition) as i32,
        published_date: report
            .published_date
            .map(|d| d.format("%Y-%m-%d").to_string()),
        count_cells,
        counts,
        money_cells,
        money,
    }
    .encode_to_vec()
}

fn invalid(field: &str, reason: impl Into<String>) -> ConversionError {
    ConversionError::Invalid {
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// Decodes a packed report; every index must exist in its edition.
pub fn unpack(bytes: &[u8]) -> Result<Unpacked, ConversionError> {
    let p = spb::PackedReport::decode(bytes)
        .map_err(|e| invalid("packed", format!("not a PackedReport / 无法解码: {e}")))?;
    let office = p
        .office
        .ok_or(ConversionError::MissingField("packed.office"))?;
    let edition = edition_from_pb(p.edition)?;
    let defs = edition.schema().cells();
    let mut cells: Vec<Option<Value>> = vec![None; defs.len()];
    let mut counts = p.counts.into_iter();
    for (byte_index, byte) in p.count_cells.iter().enumerate() {
        let mut bits = *byte;
        while bits != 0 {
            let i = byte_index * 8 + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let slot = cells.get_mut(i).ok_or_else(|| {
                invalid(
                    "packed.count_cells",
                    format!(
                        "cell {i} is not in the {edition} edition / 版格式中没有第 {i} 个单元格"
                    ),
                )
            })?;
            let n = counts.next().ok_or_else(|| {
                invalid("packed.counts", "fewer values than cells / 数值少于单元格")
            })?;
            *slot = Some(match defs[i].kind {
                ValueKind::Money(unit) => Value::Money(Money {
                    amount: n.into(),
                    unit,
                }),
                _ => Value::Count(n),
            });
        }
    }
    if counts.next().is_some() {
        return Err(invalid(
            "packed.counts",
            "more values than cells / 数值多于单元格",
        ));
    }
    if p.money_cells.len() != p.money.len() {
        return Err(invalid(
            "packed.money",
            "as many amounts as money cells are needed / 金额个数应与单元格个数相同",
        ));
    }
    for (index, text) in p.money_cells.into_iter().zip(p.money) {
        let i = index as usize;
        let field = format!("packed.money_cells[{i}]");
        let def = defs.get(i).ok_or_else(|| {
            invalid(
                &field,
                format!("not in the {edition} edition / 版格式中没有这个单元格"),
            )
        })?;
        let ValueKind::Money(unit) = def.kind else {
            return Err(invalid(
                &field,
                format!("{} is a count cell / 件数单元格不能填金额", def.key),
            ));
        };
        cells[i] = Some(Value::Money(
            Money::parse(&text, unit).map_err(|e| invalid(&field, e))?,
        ));
    }
    let published_date = match p.published_date.filter(|d| !d.is_empty()) {
        Some(d) => Some(NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
            invalid(
                "packed.published_date",
                format!("\"{d}\" is not YYYY-MM-DD / 日期格式应为 YYYY-MM-DD"),
            )
        })?),
        None => None,
    };
    Ok(Unpacked {
        office: Office {
            code: office.code,
            name: office.name,
        },
        year: p.year,
        edition,
        published_date,
        cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nianbao_model::schema::ValueKind;

    fn sample(edition: Edition) -> Report {
        let mut r = Report::new(
            Office {
                code: "a-1".into(),
                name: "甲".into(),
            },
            2023,
            edition,
        );
        r.published_date = NaiveDate::from_ymd_opt(2024, 1, 20);
        for (i, def) in edition.schema().cells().iter().enumerate() {
            if i % 3 == 0 {
                continue;
            }
            let v = match def.kind {
                ValueKind::Money(unit) => match Money::parse(&format!("{i}.25"), unit) {
                    Ok(m) => Value::Money(m),
                    Err(e) => panic!("{e}"),
                },
                ValueKind::SignedCount => Value::Count(-(i as i64)),
                ValueKind::Count => Value::Count(i as i64 * 1000),
            };
            r.cells.insert(def.key, v);
        }
        r
    }

    #[test]
    fn pack_then_unpack_gives_the_same_cells() {
        for edition in Edition::ALL {
            let r = sample(edition);
            let back = unpack(&pack(&r)).map(Unpacked::into_report);
            let Ok(back) = back else {
                panic!("unpack failed: {back:?}");
            };
            assert_eq!(back.cells, r.cells);
            assert_eq!(back.office, r.office);
            assert_eq!(back.published_date, r.published_date);
            assert_eq!(back.edition, r.edition);
        }
    }

    #[test]
    fn an_index_outside_the_edition_is_refused() {
        let bad = spb::PackedReport {
            office: Some(rpb::Office {
                code: "a".into(),
                name: "b".into(),
            }),
            year: 2023,
            edition: rpb::Edition::Edition2021 as i32,
            published_date: None,
            count_cells: vec![0xff; 200],
            counts: vec![1; 1600],
            money_cells: vec![],
            money: vec![],
        }
        .encode_to_vec();
        assert!(unpack(&bad).is_err());
    }
}
