//! Builders of reports that satisfy every arithmetic rule, for tests and benchmarks.

use nianbao_model::schema::{RowRole, TableId, ValueKind};
use nianbao_model::{Edition, Money, Office, Report, Value};

/// Builds a consistent report from a stream of small random numbers.
pub fn consistent(edition: Edition, seed: &[u32], subtotal: bool) -> Report {
    let mut r = Report::new(
        Office {
            code: "p-1".into(),
            name: "测试局".into(),
        },
        2023,
        edition,
    );
    let schema = edition.schema();
    let mut next = {
        let mut i = 0;
        move || {
            i += 1;
            i64::from(seed[i % seed.len()] % 50)
        }
    };
    for def in schema.cells().iter().filter(|c| c.table == TableId::S2) {
        let v = match def.kind {
            ValueKind::Money(unit) => Value::Money(Money {
                amount: rust_decimal::Decimal::new(next() * 1000 + 7, 3),
                unit,
            }),
            ValueKind::SignedCount => Value::Count(next() - 25),
            ValueKind::Count => Value::Count(next()),
        };
        r.cells.insert(def.key, v);
    }
    let cols: Vec<_> = schema
        .s3_cols()
        .iter()
        .filter(|c| !c.is_total)
        .map(|c| c.key)
        .collect();
    let rows = &schema.table(TableId::S3).blocks[0].rows;
    let key = |row: &str, col: &str| schema.key(TableId::S3, row, col).expect("key");
    for col in &cols {
        let mut results = 0;
        for row in rows.iter().filter(|r| r.role == RowRole::Result) {
            let v = next();
            results += v;
            r.cells.insert(key(row.key, col), Value::Count(v));
        }
        for row in rows
            .iter()
            .filter(|r| matches!(r.role, RowRole::Subtotal(_)))
        {
            if subtotal {
                let group = row.group.or(match row.role {
                    RowRole::Subtotal(g) => Some(g),
                    _ => None,
                });
                let sum: i64 = rows
                    .iter()
                    .filter(|s| s.role == RowRole::Result && s.group == group)
                    .map(|s| r.count(key(s.key, col)).unwrap_or(0))
                    .sum();
                r.cells.insert(key(row.key, col), Value::Count(sum));
            }
        }
        let carried_out = next();
        let carried_in = next().min(results + carried_out);
        r.cells
            .insert(key("total_processed", col), Value::Count(results));
        r.cells
            .insert(key("carried_out", col), Value::Count(carried_out));
        r.cells
            .insert(key("carried_in", col), Value::Count(carried_in));
        r.cells.insert(
            key("new_received", col),
            Value::Count(results + carried_out - carried_in),
        );
    }
    for row in rows {
        let Some(first) = schema.key(TableId::S3, row.key, cols[0]) else {
            continue;
        };
        if !r.cells.contains_key(first) {
            continue;
        }
        let sum: i64 = cols
            .iter()
            .map(|c| r.count(key(row.key, c)).unwrap_or(0))
            .sum();
        r.cells.insert(key(row.key, "total"), Value::Count(sum));
    }
    for row in &schema.table(TableId::S4).blocks[0].rows {
        let mut sum = 0;
        for col in ["upheld", "corrected", "other", "pending"] {
            let v = next();
            sum += v;
            r.cells.insert(
                schema.key(TableId::S4, row.key, col).expect("s4"),
                Value::Count(v),
            );
        }
        r.cells.insert(
            schema.key(TableId::S4, row.key, "total").expect("s4"),
            Value::Count(sum),
        );
    }
    r
}

/// A consistent report of `office` (named `{code}局`) on `year`.
pub fn report_of(code: &str, year: i32, edition: Edition, seed: &[u32], subtotal: bool) -> Report {
    let mut r = consistent(edition, seed, subtotal);
    r.office = Office {
        code: code.to_string(),
        name: format!("{code}局"),
    };
    r.year = year;
    r
}
