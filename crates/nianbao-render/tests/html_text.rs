//! HTML, Markdown and text: structure, merged cells, every printed value, blanks, escaping, review copies.

mod common;

use nianbao_model::rules::check_report;
use nianbao_model::schema::TableId;
use nianbao_model::{SectionKey, Value};
use nianbao_render::layout::RESULTS_LABEL;
use nianbao_render::{Annex, AnnexOffice, Format, RenderOptions, annex, render};

fn html(report: &nianbao_model::Report, opts: &RenderOptions) -> String {
    String::from_utf8(render(report, Format::Html, opts).expect("render")).expect("utf-8")
}

#[test]
fn html_has_title_headings_in_order_and_template_merges() {
    let r = common::template_seed();
    let page = html(&r, &RenderOptions::default());
    assert!(page.contains("<h1>长治市上党区司法局2023年政府信息公开工作年度报告</h1>"));
    let mut headings: Vec<&str> = SectionKey::OFFICIAL.iter().map(|(_, h)| *h).collect();
    for t in &r.schema().tables {
        headings.push(t.heading);
    }
    let mut last = 0;
    for h in [
        headings[0],
        headings[3],
        headings[4],
        headings[5],
        headings[1],
        headings[2],
    ] {
        let at = page
            .find(&format!("<h2>{h}</h2>"))
            .unwrap_or_else(|| panic!("heading {h}"));
        assert!(at > last, "{h} out of order");
        last = at;
    }
    // Table 三: 三、本年度办理结果 down 22 rows; （三） over 8 rows; 法人或其他组织 over 5 columns.
    assert!(page.contains(&format!("rowspan=\"22\">{RESULTS_LABEL}</th>")));
    assert!(page.contains("rowspan=\"8\">（三）不予公开</th>"));
    assert!(page.contains("colspan=\"5\">法人或其他组织</th>"));
    assert!(page.contains("colspan=\"3\" rowspan=\"3\">（本列数据"));
    // Table 四: 行政诉讼 over 10 columns, the 复议 columns down two rows.
    assert!(page.contains("colspan=\"10\">行政诉讼</th>"));
    assert_eq!(page.matches("rowspan=\"2\">结果维持</th>").count(), 1);
    // Table 二: 本年处理决定数量 over 3 columns, twice.
    assert_eq!(
        page.matches("colspan=\"3\">本年处理决定数量</th>").count(),
        2
    );
    assert_eq!(page.matches("<table").count(), 3);
    let required = r.schema().cells().iter().filter(|c| !c.optional).count();
    assert_eq!(page.matches("data-key=").count(), required);
    assert!(page.contains("scope=\"col\"") && page.contains("scope=\"rowgroup\""));
    // Self-contained: no external assets.
    assert!(!page.contains("<link") && !page.contains("src=\"http"));
    assert!(page.contains("@page{size:A4"));
    assert!(page.contains("<p>2024年1月2日</p>"));
    // The seed prints a （六） subtotal row: one more row under 三、本年度办理结果, inside its group.
    let seed = html(&common::seed(), &RenderOptions::default());
    assert!(seed.contains(&format!("rowspan=\"23\">{RESULTS_LABEL}</th>")));
    assert!(
        seed.contains(
            "rowspan=\"4\">（六）其他处理</th><th scope=\"row\" class=\"label\">小计</th>"
        )
    );
}

#[test]
fn every_printed_value_is_in_its_cell_and_absent_cells_are_blank() {
    let reports = common::fixtures();
    assert!(reports.len() > 5, "the fixture reports are readable");
    for (name, r) in &reports {
        let page = html(r, &RenderOptions::default());
        for (key, value) in &r.cells {
            let text = common::td_text(&page, key).unwrap_or_else(|| panic!("{name}: {key}"));
            let expected = match value {
                Value::Count(n) => n.to_string(),
                Value::Money(m) => m.amount.to_string(),
            };
            assert!(
                text.starts_with(&expected),
                "{name} {key}: {text} != {expected}"
            );
        }
        for def in r.schema().cells() {
            if !r.cells.contains_key(def.key) && !def.optional {
                assert_eq!(
                    common::td_text(&page, def.key),
                    Some(""),
                    "{name}: absent {} must be blank",
                    def.key
                );
            }
        }
    }
}

#[test]
fn absent_is_blank_not_zero() {
    let mut r = common::seed();
    r.cells.remove("s3.granted.commercial");
    r.set("s3.granted.total", Value::Count(7));
    let page = html(&r, &RenderOptions::default());
    assert_eq!(common::td_text(&page, "s3.granted.commercial"), Some(""));
    assert!(page.contains("class=\"num absent\" data-key=\"s3.granted.commercial\""));
    assert_eq!(common::td_text(&page, "s3.granted.total"), Some("7"));
}

#[test]
fn prose_is_escaped() {
    let mut r = common::seed();
    r.sections.insert(
        "overview".into(),
        "第一段<script>alert('x')</script>&amp;\n第二段 | *md* #x".into(),
    );
    r.office.name = "局<b>".into();
    let page = html(&r, &RenderOptions::default());
    assert!(!page.contains("<script>"));
    assert!(!page.contains("局<b>"));
    assert!(page.contains("<p>第一段&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;</p>"));
    assert!(page.contains("<p>第二段 | *md* #x</p>"));
    let md =
        String::from_utf8(render(&r, Format::Markdown, &RenderOptions::default()).expect("md"))
            .expect("utf-8");
    assert!(md.contains("第二段 \\| \\*md\\* \\#x"));
    assert!(!md.contains("<script>"));
}

#[test]
fn extra_sections_follow_and_signature_ends() {
    let mut r = common::seed();
    r.sections.insert("七、附件".into(), "附件内容".into());
    let page = html(&r, &RenderOptions::default());
    let six = page.find("六、其他需要报告的事项").expect("six");
    let seven = page.find("<h2>七、附件</h2>").expect("seven");
    let sign = page.find("<div class=\"sign\">").expect("sign");
    assert!(six < seven && seven < sign);
}

#[test]
fn review_copy_flags_cells_and_lists_findings() {
    let mut r = common::seed();
    r.set("s3.new_received.natural_person", Value::Count(3));
    let findings = check_report(&r);
    assert!(!findings.is_empty());
    let opts = RenderOptions {
        review: true,
        findings: findings.clone(),
        annex: None,
    };
    let page = html(&r, &opts);
    assert!(page.contains("class=\"num flag\" data-key=\"s3.new_received.natural_person\""));
    assert!(page.contains("审核意见"));
    for f in &findings {
        assert!(page.contains(&format!("[{} ", f.rule)), "{}", f.rule);
    }
    let plain = html(&r, &RenderOptions::default());
    assert!(!plain.contains("num flag"));
    let md = String::from_utf8(render(&r, Format::Markdown, &opts).expect("md")).expect("utf-8");
    assert!(md.contains("⚠3"));
}

#[test]
fn markdown_and_text_contain_the_tables() {
    let r = &common::fixture("pingtan-2021");
    let md = String::from_utf8(render(r, Format::Markdown, &RenderOptions::default()).expect("md"))
        .expect("utf-8");
    assert!(md.starts_with("# 平潭综合实验区2021年政府信息公开工作年度报告"));
    assert!(md.contains("法人或其他组织／商业企业"));
    assert!(md.contains("行政诉讼／未经复议直接起诉／结果维持"));
    assert!(md.contains("| 24252.311082 |"));
    // Seven header-and-separator pairs: four blocks of 二, one 三, one 四.
    assert_eq!(md.lines().filter(|l| l.starts_with("|---|")).count(), 6);
    let row = md
        .lines()
        .find(|l| l.contains("| 1.本机关不掌握相关政府信息 |"))
        .expect("row");
    assert!(row.contains("| 22 | 0 | 0 | 0 | 0 | 3 | 25 |"), "{row}");
    let txt = String::from_utf8(render(r, Format::Text, &RenderOptions::default()).expect("txt"))
        .expect("utf-8");
    assert!(txt.contains("行政事业性收费：本年收费金额（单位：万元） 24252.311082"));
    assert!(txt.contains("（四）无法提供 1.本机关不掌握相关政府信息：自然人 22，"));
    assert!(txt.contains("\n行政复议／结果维持 1，"));
    let g = nianbao_render::doc::build(r, false, &[]);
    assert!(g.grid(TableId::S3).is_some());
}

#[test]
fn annex_charts_are_inline_svg() {
    let r = common::seed();
    let others = common::fixtures();
    let (a, b) = (
        &common::fixture("pingtan-2021"),
        &common::fixture("pingtan-2022"),
    );
    let offices: Vec<(&str, &nianbao_model::Report)> = others
        .iter()
        .map(|(_, r)| (r.office.name.as_str(), r))
        .collect();
    let a = Annex {
        title: String::new(),
        offices: vec![AnnexOffice {
            code: "140404-sfj".into(),
            name: "长治市上党区司法局".into(),
            status: "已发布".into(),
            revision: Some(2),
        }],
        completeness: nianbao_render::AnnexTable {
            caption: "报送完成情况".into(),
            header: vec!["状态".into(), "单位数".into()],
            rows: vec![vec!["按时".into(), "1".into()]],
        },
        indicators: nianbao_render::AnnexTable::default(),
        charts: vec![
            annex::requests_by_outcome(a),
            annex::requests_by_office(2023, &offices),
            annex::year_over_year(&[a, b]),
        ],
    };
    let opts = RenderOptions {
        annex: Some(a),
        ..RenderOptions::default()
    };
    let page = html(&r, &opts);
    assert_eq!(page.matches("<svg").count(), 3);
    assert!(page.contains("附件：汇总情况说明"));
    assert!(page.contains("报送完成情况"));
    let md = String::from_utf8(render(&r, Format::Markdown, &opts).expect("md")).expect("utf-8");
    assert!(md.contains("### 申请办理结果（件）"));
}

#[test]
fn cell_notes_print_beside_their_number_and_money_keeps_its_unit() {
    let mut r = common::seed();
    let key = r.schema().cell("s2.regulations.in_force").expect("key").key;
    r.set("s2.regulations.in_force", Value::Count(22));
    r.cell_notes.insert(key, "其中修订 16 件".into());
    let fee = r.schema().cell("s2.fees.amount").expect("fee").key;
    r.cells.insert(
        fee,
        Value::Money(
            nianbao_model::Money::parse("251000元", nianbao_model::value::MoneyUnit::WanYuan)
                .expect("money"),
        ),
    );
    let page = html(&r, &RenderOptions::default());
    assert_eq!(
        common::td_text(&page, "s2.regulations.in_force"),
        Some("22（其中修订 16 件）")
    );
    assert_eq!(common::td_text(&page, "s2.fees.amount"), Some("251000元"));
}
