//! Layouts of tables the corpus does not print but renderings and reports do: table 四 as
//! `column name value` pairs on one line, and a subtotal row printed as `小计` with its group's
//! name merged down beside a later row (as a PDF draws it). The reports are the test kit's
//! fixtures (our Markdown, and Word's plain text); the corpus documents are tried too when the
//! corpus is there.

use nianbao_model::Report;
use nianbao_model::interchange::to_value;
use serde_json::Value;

mod common;

/// The cells of a report as interchange JSON.
fn cells_of(report: &Report) -> Value {
    to_value(report)["cells"].clone()
}

const S4_ROWS: [(&str, &str); 3] = [
    ("review", "行政复议"),
    ("litigation_direct", "行政诉讼／未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼／复议后起诉"),
];
const S4_COLS: [(&str, &str); 5] = [
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
];

/// `text` with table 四 (from its heading to `after`) printed as `name value` pairs on one line.
fn table_four_as_named_values(text: &str, cells: &Value, after: &str) {
    let heading = "四、政府信息公开行政复议、行政诉讼情况";
    let start = text.find(heading).expect("heading 四") + heading.len();
    let end = start + text[start..].find(after).expect("prose after 四");
    let mut pairs = Vec::new();
    for (row, row_name) in S4_ROWS {
        for (col, col_name) in S4_COLS {
            let v = &cells[format!("s4.{row}.{col}")];
            pairs.push(format!("{row_name}／{col_name} {v}"));
        }
    }
    let rewritten = format!(
        "{}\n\n{}\n\n{}",
        &text[..start],
        pairs.join("，"),
        &text[end..]
    );
    let imported = nianbao_import::import(rewritten.as_bytes(), Some("report.md")).expect("import");
    for (row, _) in S4_ROWS {
        for (col, _) in S4_COLS {
            let key = format!("s4.{row}.{col}");
            let got = imported
                .report
                .cells
                .get(key.as_str())
                .map(|v| v.to_string());
            assert_eq!(got, Some(cells[&key].to_string()), "{key}");
        }
    }
    // The prose after the table (it has numbers: years, counts) is not read as table 四.
    assert!(
        !imported
            .diagnostics
            .iter()
            .any(|d| d.cell.is_some_and(|c| c.starts_with("s4."))),
        "{:?}",
        imported.diagnostics
    );
}

#[test]
fn table_four_as_named_values_on_one_line() {
    let report = common::fixture("huaian-city-2024");
    let text = String::from_utf8(common::render_as(&report, "md")).expect("utf8");
    table_four_as_named_values(&text, &cells_of(&report), "五、存在的主要问题");
}

#[test]
fn corpus_table_four_as_named_values_on_one_line() {
    if let Some(c) = nianbao_testkit::corpus("corpus_table_four_as_named_values_on_one_line") {
        table_four_as_named_values(
            &c.text("02_shanghai-gov-office-2025_pdftext.md"),
            &c.truth("02")["cells"],
            "（一）2024",
        );
    }
}

/// A report of the 2021 edition with the （六） subtotal row, as Word's plain text: the
/// fixture's, and the corpus' published one when it is there.
fn seed_texts(test: &str) -> Vec<(String, Value)> {
    let report = common::fixture("shangdang-sifaju-2023");
    let mut out = vec![(common::word_text(&report), cells_of(&report))];
    if let Some(c) = nianbao_testkit::corpus(test) {
        out.push((
            c.text("00_seed_changzhi-shangdang-sifaju-2023.txt"),
            c.truth("00")["cells"].clone(),
        ));
    }
    out
}

#[test]
fn subtotal_row_printed_as_xiaoji_with_its_group_name_below() {
    for (text, cells) in seed_texts("subtotal_row_printed_as_xiaoji_with_its_group_name_below") {
        subtotal_row_as_xiaoji(&text, &cells);
    }
}

/// A report of the 2021 edition that prints （六） as a subtotal row above blank sub-rows, the
/// group's name wrapped in a narrow column and drawn in the middle of its rows, as a PDF lays a
/// merged cell out.
fn subtotal_row_as_xiaoji(text: &str, cells: &Value) {
    let at = text.find("（六）其他处理").expect("（六） in 00");
    let seventh = text.find("（七）总计").expect("（七）");
    let values = [3, 1, 0, 0, 2, 0, 6];
    let numbers: Vec<String> = values.iter().map(i64::to_string).collect();
    let block = format!(
        "小计\t{}\n1.申请人无正当理由逾期不补正、\n行政机关不再处理其政府信息公\n（六）其\t开申请\n他处理\t2.申请人逾期未按收费通知要求缴\n纳费用、行政机关不再处理其政\n府信息公开申请\n\t3.其他\n\t",
        numbers.join("\t")
    );
    let rewritten = format!("{}{}{}", &text[..at], block, &text[seventh..]);
    let imported =
        nianbao_import::import(rewritten.as_bytes(), Some("report.txt")).expect("import");
    let cols = [
        "natural_person",
        "commercial",
        "research",
        "public_interest",
        "legal_service",
        "other_org",
        "total",
    ];
    for (col, v) in cols.iter().zip(values) {
        let key = format!("s3.other.{col}");
        assert_eq!(
            imported
                .report
                .cells
                .get(key.as_str())
                .map(|v| v.to_string()),
            Some(v.to_string()),
            "{key}"
        );
        // The blank sub-rows stay absent: nothing printed beside their labels.
        let sub = format!("s3.other_no_correction.{col}");
        assert!(!imported.report.cells.contains_key(sub.as_str()), "{sub}");
    }
    // Rows before and after keep their own values.
    for key in [
        "s3.reject_confirm_reissue.total",
        "s3.total_processed.total",
    ] {
        assert_eq!(
            imported.report.cells.get(key).map(|v| v.to_string()),
            Some(cells[key].to_string()),
            "{key}"
        );
    }
}

#[test]
fn xiaoji_outside_the_subtotal_slot_is_not_read_as_the_subtotal() {
    for (text, _) in seed_texts("xiaoji_outside_the_subtotal_slot_is_not_read_as_the_subtotal") {
        xiaoji_after_the_sub_rows(&text);
    }
}

/// A `小计` printed after the sub-rows (not above them) is not the subtotal row.
fn xiaoji_after_the_sub_rows(text: &str) {
    let at = text.find("（六）其他处理").expect("（六） in 00");
    let seventh = text.find("（七）总计").expect("（七）");
    let block = "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t0\t0\t0\t0\t0\t0\t0\n2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请\t0\t0\t0\t0\t0\t0\t0\n3.其他\t0\t0\t0\t0\t0\t0\t0\n小计\t5\t0\t0\t0\t0\t0\t5\n\t";
    let rewritten = format!("{}{}{}", &text[..at], block, &text[seventh..]);
    let imported =
        nianbao_import::import(rewritten.as_bytes(), Some("report.txt")).expect("import");
    assert!(!imported.report.cells.contains_key("s3.other.total"));
}
