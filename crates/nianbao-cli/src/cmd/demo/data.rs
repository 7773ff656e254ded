//! The demo city: 长治市, its districts and counties, offices under each, and demo reports.
//!
//! Every figure here is demo data (labelled so in the prose), generated to satisfy the rules,
//! except the report of 长治市上党区司法局, whose figures are those of its published 2023 report.

use nianbao_model::schema::{RowRole, TableId, ValueKind};
use nianbao_model::{Edition, Money, Office, Report, Value, interchange};

/// The city at the root.
pub const CITY: (&str, &str) = ("1404", "长治市人民政府");

/// Districts and counties of the demo city (code, name).
pub const DISTRICTS: [(&str, &str); 12] = [
    ("140403", "潞州区"),
    ("140404", "上党区"),
    ("140405", "屯留区"),
    ("140406", "潞城区"),
    ("140423", "襄垣县"),
    ("140425", "平顺县"),
    ("140426", "黎城县"),
    ("140427", "壶关县"),
    ("140428", "长子县"),
    ("140429", "武乡县"),
    ("140430", "沁县"),
    ("140431", "沁源县"),
];

/// Departments under each district (code suffix, name).
pub const DEPARTMENTS: [(&str, &str); 3] = [
    ("sfj", "司法局"),
    ("jyj", "教育局"),
    ("zrzyj", "自然资源局"),
];

/// The report year of the demo.
pub const YEAR: i32 = 2023;

/// The office whose real published figures the demo uses.
pub const SEED_OFFICE: &str = "140404-sfj";

/// The seed report (figures of the published 2023 report of 长治市上党区司法局; prose written for the demo).
pub const SEED_REPORT: &str = include_str!("../../../../../demo/shangdang-sifaju-2023.json");

/// One office of the demo hierarchy.
#[derive(Clone)]
pub struct DemoOffice {
    pub code: String,
    pub name: String,
    pub parent: String,
    pub kind: &'static str,
}

/// Every office of the demo city, parents before children.
pub fn offices() -> Vec<DemoOffice> {
    let mut out = vec![DemoOffice {
        code: CITY.0.into(),
        name: CITY.1.into(),
        parent: String::new(),
        kind: "city",
    }];
    for (code, name) in DISTRICTS {
        let kind = if name.ends_with('县') {
            "county"
        } else {
            "district"
        };
        out.push(DemoOffice {
            code: code.into(),
            name: format!("长治市{name}人民政府"),
            parent: CITY.0.into(),
            kind,
        });
        for (suffix, dept) in DEPARTMENTS {
            out.push(DemoOffice {
                code: format!("{code}-{suffix}"),
                name: format!("长治市{name}{dept}"),
                parent: code.into(),
                kind: "department",
            });
        }
    }
    out
}

/// A small deterministic generator (the demo must give the same city every time).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: &str) -> Rng {
        Rng(seed.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }))
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n.max(1)) as i64
    }

    /// Mostly zero, sometimes up to `max`.
    pub fn sparse(&mut self, max: u64) -> i64 {
        if self.below(3) == 0 {
            self.below(max + 1)
        } else {
            0
        }
    }
}

/// A demo report for an office, consistent under every rule.
pub fn report(office: &DemoOffice, published: &str) -> Report {
    if office.code == SEED_OFFICE
        && let Ok(mut seed) = interchange::from_json(SEED_REPORT)
    {
        seed.published_date = published.parse().ok();
        return seed;
    }
    let mut rng = Rng::new(&office.code);
    let mut r = Report::new(
        Office {
            code: office.code.clone(),
            name: office.name.clone(),
        },
        YEAR,
        Edition::E2021,
    );
    r.published_date = published.parse().ok();
    r.signature = Some(office.name.clone());
    let schema = r.schema();
    for def in schema.cells().iter().filter(|c| c.table == TableId::S2) {
        let v = match def.kind {
            ValueKind::Money(unit) => Value::Money(Money {
                amount: rust_decimal_from(rng.sparse(500_000), 2),
                unit,
            }),
            _ => Value::Count(rng.sparse(40)),
        };
        r.cells.insert(def.key, v);
    }
    let key = |row: &str, col: &str| schema.key(TableId::S3, row, col);
    let rows = &schema.table(TableId::S3).blocks[0].rows;
    let big = if office.kind == "department" { 6 } else { 25 };
    let mut totals = std::collections::BTreeMap::new();
    for col in schema.s3_cols().iter().filter(|c| !c.is_total) {
        let scale = if col.key == "natural_person" { big } else { 2 };
        let mut results = 0;
        for row in rows.iter().filter(|r| r.role == RowRole::Result) {
            let v = if row.key == "granted" {
                rng.below(scale + 1)
            } else {
                rng.sparse(scale / 2)
            };
            results += v;
            if let Some(k) = key(row.key, col.key) {
                r.cells.insert(k, Value::Count(v));
            }
        }
        let carried_out = rng.sparse(2);
        let carried_in = rng.sparse(2).min(results + carried_out);
        for (row, v) in [
            ("total_processed", results),
            ("carried_out", carried_out),
            ("carried_in", carried_in),
            ("new_received", results + carried_out - carried_in),
        ] {
            if let Some(k) = key(row, col.key) {
                r.cells.insert(k, Value::Count(v));
            }
        }
    }
    for row in rows.iter().filter(|r| !r.optional) {
        let sum: i64 = schema
            .s3_cols()
            .iter()
            .filter(|c| !c.is_total)
            .filter_map(|c| key(row.key, c.key))
            .filter_map(|k| r.count(k))
            .sum();
        if let Some(k) = key(row.key, "total") {
            totals.insert(row.key, sum);
            r.cells.insert(k, Value::Count(sum));
        }
    }
    for row in &schema.table(TableId::S4).blocks[0].rows {
        let mut sum = 0;
        for col in ["upheld", "corrected", "other", "pending"] {
            let v = rng.sparse(if col == "upheld" { 3 } else { 1 });
            sum += v;
            if let Some(k) = schema.key(TableId::S4, row.key, col) {
                r.cells.insert(k, Value::Count(v));
            }
        }
        if let Some(k) = schema.key(TableId::S4, row.key, "total") {
            r.cells.insert(k, Value::Count(sum));
        }
    }
    let received = totals.get("new_received").copied().unwrap_or(0);
    r.sections.insert(
        "overview".into(),
        format!(
            "（演示数据）{YEAR}年，{}坚持以公开为常态、不公开为例外，通过政府门户网站主动公开政府信息。全年收到政府信息公开申请{received}件，均在法定期限内答复。",
            office.name
        ),
    );
    r.sections.insert(
        "problems".into(),
        format!(
            "（演示数据）主动公开的及时性仍需提高。{}年将完善信息发布审核机制，加强业务培训。",
            YEAR + 1
        ),
    );
    r.sections.insert(
        "other".into(),
        format!("（演示数据）{YEAR}年，本机关未收取信息处理费。"),
    );
    r
}

fn rust_decimal_from(n: i64, scale: u32) -> rust_decimal::Decimal {
    rust_decimal::Decimal::new(n, scale)
}

#[cfg(test)]
mod tests {
    use nianbao_model::rules::{check_report, has_errors};

    use super::*;

    #[test]
    fn every_demo_report_satisfies_the_rules() {
        let offices = offices();
        assert_eq!(offices.len(), 1 + 12 * 4);
        for o in offices.iter().skip(1) {
            let r = report(o, "2024-01-20");
            let f = check_report(&r);
            assert!(!has_errors(&f), "{}: {f:?}", o.code);
            assert_eq!(r.office.code, o.code);
        }
    }
}
