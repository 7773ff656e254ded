//! Benchmark: validating a report with every rule, and loading + validating interchange JSON.
//!
//! Run with `cargo bench -p nianbao-model --bench validate`. It measures and prints; it asserts nothing.

use std::hint::black_box;
use std::time::{Duration, Instant};

use nianbao_model::interchange::{from_json, to_json};
use nianbao_model::rules::check_report;
use nianbao_model::schema::{RowRole, ValueKind};
use nianbao_model::value::MoneyUnit;
use nianbao_model::{Edition, Money, Office, Report, Value};

/// A complete, consistent 2021 report with prose that agrees with its tables (the common case).
fn sample() -> Report {
    let mut r = Report::new(
        Office {
            code: "bench".into(),
            name: "基准局".into(),
        },
        2023,
        Edition::E2021,
    );
    let schema = r.schema();
    let mut results = 0;
    for def in schema.cells() {
        if def.optional {
            continue;
        }
        let row = schema.row_of(def);
        let v = match (row.role, def.col_key) {
            (RowRole::Result, "natural_person" | "total") => 1,
            _ => 0,
        };
        if row.role == RowRole::Result && def.col_key == "total" {
            results += 1;
        }
        r.set(
            def.key,
            if matches!(def.kind, ValueKind::Money(_)) {
                Value::Money(Money {
                    amount: 12.into(),
                    unit: MoneyUnit::WanYuan,
                })
            } else {
                Value::Count(v)
            },
        );
    }
    for key in [
        "s3.new_received.natural_person",
        "s3.new_received.total",
        "s3.total_processed.natural_person",
        "s3.total_processed.total",
    ] {
        r.set(key, Value::Count(results));
    }
    r.sections.insert(
        "overview".into(),
        format!("2023年，本局共收到政府信息公开申请{results}件，均已按时答复。").repeat(10),
    );
    r.sections
        .insert("problems".into(), "2024年我局将继续改进。".into());
    r.sections
        .insert("other".into(), "本年度未收取信息处理费。".into());
    assert!(check_report(&r).is_empty(), "{:?}", check_report(&r));
    r
}

fn measure<F: FnMut()>(name: &str, unit: &str, min: Duration, mut f: F) {
    for _ in 0..100 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < min {
        for _ in 0..100 {
            f();
        }
        n += 100;
    }
    let per = start.elapsed() / n as u32;
    let rate = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "{name:<40} {:>10.2} µs/{unit}  {:>12.0} {unit}s/s  (n={n})",
        per.as_secs_f64() * 1e6,
        rate
    );
}

fn main() {
    let report = sample();
    if std::env::args().any(|a| a == "--per-rule") {
        per_rule(&report);
    }
    let json = to_json(&report);
    println!(
        "one thread; report with {} cells, JSON {} bytes",
        report.cells.len(),
        json.len()
    );
    measure(
        "validate (all rules)",
        "report",
        Duration::from_secs(2),
        || {
            black_box(check_report(black_box(&report)));
        },
    );
    measure(
        "load interchange JSON",
        "report",
        Duration::from_secs(2),
        || {
            black_box(from_json(black_box(&json)).ok());
        },
    );
    measure(
        "load + validate interchange JSON",
        "report",
        Duration::from_secs(2),
        || {
            if let Ok(r) = from_json(black_box(&json)) {
                black_box(check_report(&r));
            }
        },
    );
}

#[allow(dead_code)]
fn per_rule(report: &Report) {
    for rule in nianbao_model::rules::RULES {
        let ctx = nianbao_model::RuleContext::new(report);
        let checked = nianbao_model::rules::Checked::new(&ctx);
        measure(rule.id, "report", Duration::from_millis(300), || {
            let mut out = Vec::new();
            (rule.check)(black_box(&checked), &mut out);
            black_box(out);
        });
    }
}
