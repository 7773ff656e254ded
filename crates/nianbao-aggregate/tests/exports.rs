//! Exports read back by Python (csv module, openpyxl, json) give the same numbers.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::report_of;
use nianbao_aggregate::export::{ExportRow, Exporter, Format};
use nianbao_aggregate::rollup::{Input, rollup};
use nianbao_model::value::MoneyUnit;
use nianbao_model::{Edition, Money, Office, Report, Value};

fn reports() -> Vec<Report> {
    let mut a = report_of("a-1", 2023, Edition::E2021, &[3, 14, 15, 92], true);
    a.office.name = "甲局, \"市\"".into();
    a.set(
        "s2.fees.amount",
        Value::Money(Money::parse("24252.311082", MoneyUnit::WanYuan).expect("m")),
    );
    let mut b = report_of("b-2", 2023, Edition::E2021, &[2, 71, 82], false);
    b.set(
        "s2.fees.amount",
        Value::Money(Money::parse("251000元", MoneyUnit::WanYuan).expect("m")),
    );
    b.cells.remove("s2.coercion.decisions");
    vec![a, b]
}

fn export(format: Format, reports: &[Report]) -> Vec<u8> {
    let mut e = Exporter::new(format, Edition::E2021, 2023);
    let mut out = Vec::new();
    for r in reports {
        e.row(&ExportRow {
            office_code: &r.office.code,
            office_name: &r.office.name,
            parent_code: "city",
            status: "accepted",
            revision: 3,
            report: Some(r),
        })
        .expect("row");
        out.extend(e.take_chunk());
    }
    e.row(&ExportRow {
        office_code: "c-3",
        office_name: "丙局",
        parent_code: "city",
        status: "missing",
        revision: 0,
        report: None,
    })
    .expect("row");
    let inputs: Vec<Input> = reports
        .iter()
        .map(|r| Input {
            report: r.clone(),
            revision: 3,
        })
        .collect();
    let total = rollup(
        Edition::E2021,
        2023,
        &Office {
            code: "city".into(),
            name: "市".into(),
        },
        &inputs,
    );
    e.finish(Some(&total.report)).expect("finish");
    out.extend(e.take_chunk());
    out
}

/// Every cell of a report as the text an export should show.
fn expected(r: &Report) -> BTreeMap<String, String> {
    r.cells
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::Money(m) => m.in_unit(MoneyUnit::WanYuan).amount.normalize().to_string(),
                Value::Count(n) => n.to_string(),
            };
            (k.to_string(), text)
        })
        .collect()
}

fn python(script: &str, file: &std::path::Path) -> serde_json::Value {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(file)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// `{office_code: {column: text}}` with numbers normalised by Python's Decimal.
const NORMALISE: &str = r#"
from decimal import Decimal
def norm(v):
    if v is None or v == "": return None
    d = Decimal(str(v)).normalize()
    return format(d, "f")
"#;

#[test]
fn csv_reads_back_with_the_same_numbers() {
    let rs = reports();
    let bytes = export(Format::Csv, &rs);
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("x.csv");
    std::fs::write(&path, &bytes).expect("write");
    let script = format!(
        "{NORMALISE}\nimport csv, json, sys\nrows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8-sig', newline='')))\n\
         print(json.dumps({{'header': list(rows[0].keys()), 'rows': {{r['office_code']: {{k: (norm(v) if '.' in k else v) for k, v in r.items()}} for r in rows}}}}))"
    );
    let got = python(&script, &path);
    let header: Vec<String> = serde_json::from_value(got["header"].clone()).expect("header");
    let keys: Vec<&str> = Edition::E2021
        .schema()
        .cells()
        .iter()
        .map(|c| c.key)
        .collect();
    assert_eq!(
        &header[..5],
        [
            "office_code",
            "office_name",
            "parent_code",
            "status",
            "revision"
        ]
    );
    assert_eq!(
        header[5..].iter().map(String::as_str).collect::<Vec<_>>(),
        keys
    );
    assert_eq!(got["rows"].as_object().map(|o| o.len()), Some(3));
    for r in &rs {
        let row = &got["rows"][r.office.code.as_str()];
        assert_eq!(row["office_name"], r.office.name.as_str());
        assert_eq!(row["revision"], "3");
        for key in &keys {
            let want = expected(r).get(*key).cloned();
            assert_eq!(
                row[*key].as_str().map(str::to_string),
                want,
                "{} {key}",
                r.office.code
            );
        }
    }
    assert_eq!(got["rows"]["c-3"]["status"], "missing");
    assert_eq!(
        got["rows"]["c-3"]["s3.granted.total"],
        serde_json::Value::Null
    );
}

#[test]
fn xlsx_reads_back_with_the_same_numbers_and_a_total_row() {
    let rs = reports();
    let bytes = export(Format::Xlsx, &rs);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("x.xlsx");
    std::fs::write(&path, &bytes).expect("write");
    let script = format!(
        "{NORMALISE}\nimport json, sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nout = {{}}\n\
         for ws in wb.worksheets:\n    rows = list(ws.iter_rows(values_only=True))\n    head = rows[0]\n\
         \x20   out[ws.title] = {{'head': list(head), 'types': [type(v).__name__ for v in rows[1]], 'rows': {{str(r[0]) + ('/' + r[1] if r[1] == '合计' else ''): [norm(v) if i >= 4 else v for i, v in enumerate(r)] for r in rows[1:]}}}}\n\
         print(json.dumps(out, ensure_ascii=False))"
    );
    let got = python(&script, &path);
    let sheets: Vec<&String> = got.as_object().expect("obj").keys().collect();
    assert_eq!(sheets, ["表二", "表三", "表四"]);
    let schema = Edition::E2021.schema();
    assert_eq!(got["表三"]["head"][0], "单位代码");
    assert_eq!(
        got["表三"]["head"][5],
        "一、本年新收政府信息公开申请数量/自然人"
    );
    // Numbers are numbers, not text.
    assert!(
        got["表三"]["types"][6]
            .as_str()
            .is_some_and(|t| t == "int" || t == "float")
    );
    for (sheet, table) in [
        ("表二", nianbao_model::TableId::S2),
        ("表三", nianbao_model::TableId::S3),
        ("表四", nianbao_model::TableId::S4),
    ] {
        let defs: Vec<_> = schema.cells().iter().filter(|c| c.table == table).collect();
        for r in &rs {
            let row = &got[sheet]["rows"][r.office.code.as_str()];
            let want = expected(r);
            for (i, d) in defs.iter().enumerate() {
                assert_eq!(
                    row[5 + i].as_str().map(str::to_string),
                    want.get(d.key).cloned(),
                    "{sheet} {}",
                    d.key
                );
            }
        }
        // The 合计 row is the sum of the office rows.
        let total = &got[sheet]["rows"]["city/合计"];
        for (i, d) in defs.iter().enumerate() {
            let parts: Vec<rust_decimal::Decimal> = rs
                .iter()
                .filter_map(|r| expected(r).get(d.key).map(|t| t.parse().expect("dec")))
                .collect();
            if parts.is_empty() || d.row_key == "other" {
                continue;
            }
            let sum: rust_decimal::Decimal = parts.iter().sum();
            assert_eq!(
                total[5 + i].as_str(),
                Some(sum.normalize().to_string().as_str()),
                "{}",
                d.key
            );
        }
    }
}

#[test]
fn json_reads_back_with_the_same_numbers() {
    let rs = reports();
    let bytes = export(Format::Json, &rs);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("x.json");
    std::fs::write(&path, &bytes).expect("write");
    let got = python(
        "import json, sys\nd = json.load(open(sys.argv[1], encoding='utf-8'))\nprint(json.dumps(d))",
        &path,
    );
    assert_eq!(got["edition"], "2021");
    assert_eq!(got["rows"].as_array().map(Vec::len), Some(3));
    for (r, row) in rs.iter().zip(got["rows"].as_array().expect("rows")) {
        assert_eq!(row["office_code"], r.office.code.as_str());
        for (k, want) in expected(r) {
            let v = &row["cells"][k.as_str()];
            let text = v.as_i64().map(|n| n.to_string()).or_else(|| {
                v.as_str().map(|s| {
                    s.parse::<rust_decimal::Decimal>()
                        .expect("dec")
                        .normalize()
                        .to_string()
                })
            });
            assert_eq!(text, Some(want), "{k}");
        }
    }
    assert!(got["total"]["s3.total_processed.total"].is_i64());
}
