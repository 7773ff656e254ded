//! DOCX read back (zip + word/document.xml, and python-docx when present) and PDF through pdftotext.

mod common;

use std::io::Read;
use std::process::Command;

use nianbao_model::Value;
use nianbao_render::{Format, RenderOptions, render};
use quick_xml::Reader;
use quick_xml::events::Event;

#[derive(Debug, Default, Clone)]
struct Tc {
    span: usize,
    vmerge: Option<String>,
    text: String,
}

/// The tables of word/document.xml: rows of cells with gridSpan, vMerge and text.
fn docx_tables(bytes: &[u8]) -> (Vec<Vec<Vec<Tc>>>, String) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document.xml")
        .read_to_string(&mut xml)
        .expect("read");
    let mut reader = Reader::from_str(&xml);
    let (mut tables, mut body) = (Vec::new(), String::new());
    let mut table: Vec<Vec<Tc>> = Vec::new();
    let mut depth_tbl = 0;
    let mut tc: Option<Tc> = None;
    let mut in_t = false;
    let attr = |e: &quick_xml::events::BytesStart, name: &[u8]| {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .map(|a| String::from_utf8_lossy(&a.value).to_string())
    };
    loop {
        match reader.read_event().expect("xml") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"w:tbl" => {
                    depth_tbl += 1;
                    table = Vec::new();
                }
                b"w:tr" => table.push(Vec::new()),
                b"w:tc" => {
                    tc = Some(Tc {
                        span: 1,
                        ..Tc::default()
                    })
                }
                b"w:gridSpan" => {
                    if let (Some(c), Some(v)) = (tc.as_mut(), attr(&e, b"w:val")) {
                        c.span = v.parse().expect("span");
                    }
                }
                b"w:vMerge" => {
                    if let Some(c) = tc.as_mut() {
                        c.vmerge = Some(attr(&e, b"w:val").unwrap_or_else(|| "continue".into()));
                    }
                }
                b"w:t" => in_t = true,
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                b"w:tbl" => {
                    depth_tbl -= 1;
                    tables.push(std::mem::take(&mut table));
                }
                b"w:tc" => {
                    if let (Some(c), Some(row)) = (tc.take(), table.last_mut()) {
                        row.push(c);
                    }
                }
                b"w:t" => in_t = false,
                _ => {}
            },
            Event::Text(t) if in_t => {
                let s = t.unescape().expect("text").to_string();
                match tc.as_mut() {
                    Some(c) if depth_tbl > 0 => c.text.push_str(&s),
                    _ => body.push_str(&s),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (tables, body)
}

#[test]
fn docx_has_the_template_tables() {
    let r = common::template_seed();
    let bytes = render(&r, Format::Docx, &RenderOptions::default()).expect("docx");
    let (tables, body) = docx_tables(&bytes);
    assert_eq!(tables.len(), 3);
    assert!(body.contains("长治市上党区司法局2023年政府信息公开工作年度报告"));
    assert!(body.contains("五、存在的主要问题及改进情况"));
    assert!(body.contains("2024年1月2日"));
    let width = |row: &Vec<Tc>| row.iter().map(|c| c.span).sum::<usize>();
    for (t, cols) in tables.iter().zip([4, 10, 15]) {
        for row in t {
            assert_eq!(width(row), cols);
        }
    }
    // Table 二: four captions over four columns, 本年处理决定数量 over three.
    let t2 = &tables[0];
    assert_eq!(
        t2.iter().filter(|r| r.len() == 1 && r[0].span == 4).count(),
        4
    );
    assert!(t2[0][0].text.contains("第二十条第（一）项"));
    assert_eq!(t2.len(), 4 * 2 + 6);
    // Table 三: 3 header rows + 25 rows; the results label restarts once and continues 21 times.
    let t3 = &tables[1];
    assert_eq!(t3.len(), 28);
    assert_eq!(t3[0][0].span, 3);
    assert_eq!(t3[0][0].vmerge.as_deref(), Some("restart"));
    assert_eq!(t3[1][0].vmerge.as_deref(), Some("continue"));
    assert_eq!(t3[1][2].span, 5);
    assert_eq!(t3[1][2].text, "法人或其他组织");
    let results: Vec<_> = t3.iter().map(|r| &r[0]).filter(|c| c.span == 1).collect();
    assert_eq!(
        results
            .iter()
            .filter(|c| c.vmerge.as_deref() == Some("restart"))
            .count(),
        1
    );
    assert_eq!(
        results
            .iter()
            .filter(|c| c.vmerge.as_deref() == Some("continue"))
            .count(),
        21
    );
    assert_eq!(t3[5][0].text, "三、本年度办理结果");
    assert_eq!(t3[7][1].text, "（三）不予公开");
    assert_eq!(t3[7][1].vmerge.as_deref(), Some("restart"));
    assert_eq!(t3[7][2].text, "1.属于国家秘密");
    assert_eq!(t3[27][0].text, "四、结转下年度继续办理");
    // Table 四: 行政诉讼 over 10, five vertically merged 复议 headers, 15 numbers.
    let t4 = &tables[2];
    assert_eq!(t4.len(), 4);
    assert_eq!(t4[0][1].span, 10);
    assert_eq!(t4[0][1].text, "行政诉讼");
    assert_eq!(
        t4[1]
            .iter()
            .filter(|c| c.vmerge.as_deref() == Some("restart"))
            .count(),
        5
    );
    assert_eq!(t4[3].len(), 15);
    assert!(t4[3].iter().all(|c| c.text == "0"));
}

#[test]
fn a_printed_subtotal_row_sits_inside_its_group() {
    let bytes = render(&common::seed(), Format::Docx, &RenderOptions::default()).expect("docx");
    let (tables, _) = docx_tables(&bytes);
    let t3 = &tables[1];
    assert_eq!(t3.len(), 29);
    let at = t3
        .iter()
        .position(|row| row.iter().any(|c| c.text == "（六）其他处理"))
        .expect("group");
    assert_eq!(t3[at][1].vmerge.as_deref(), Some("restart"));
    assert_eq!(t3[at][2].text, "小计");
    for row in &t3[at + 1..at + 4] {
        assert_eq!(row[1].vmerge.as_deref(), Some("continue"));
    }
}

#[test]
fn docx_cell_texts_follow_the_report() {
    let r = common::fixture("pingtan-2021");
    let bytes = render(&r, Format::Docx, &RenderOptions::default()).expect("docx");
    let (tables, _) = docx_tables(&bytes);
    let t3 = &tables[1];
    let row = t3
        .iter()
        .find(|row| row.iter().any(|c| c.text == "1.本机关不掌握相关政府信息"))
        .expect("row");
    let nums: Vec<&str> = row[row.len() - 7..]
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(nums, ["22", "0", "0", "0", "0", "3", "25"]);
    assert!(tables[0].iter().flatten().any(|c| c.text == "24252.311082"));
}

#[test]
fn docx_reads_with_python_docx_when_available() {
    let has = Command::new("python3")
        .args(["-c", "import docx"])
        .status()
        .is_ok_and(|s| s.success());
    if !has {
        eprintln!("python-docx not installed; skipped");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("r.docx");
    std::fs::write(
        &path,
        render(
            &common::template_seed(),
            Format::Docx,
            &RenderOptions::default(),
        )
        .expect("docx"),
    )
    .expect("write");
    let script = "import sys, docx\nd = docx.Document(sys.argv[1])\n\
print(len(d.tables)); print(len(d.tables[1].rows)); print(len(d.tables[2].columns))\n\
print(d.tables[1].cell(10, 2).text); print(d.paragraphs[0].text.replace(chr(10), ''))";
    let out = Command::new("python3")
        .args(["-c", script, path.to_str().expect("path")])
        .output()
        .expect("python");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..3],
        ["3", "28", "15"],
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines[3], "4.保护第三方合法权益");
    assert_eq!(lines[4], "长治市上党区司法局2023年政府信息公开工作年度报告");
}

fn pdftotext(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, bytes).expect("write");
    let out = Command::new("pdftotext")
        .args([path.to_str()?, "-"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).to_string())
}

#[test]
fn pdf_is_small_and_its_text_is_selectable() {
    let mut r = common::fixture("pingtan-2021");
    r.sections.insert(
        "problems".into(),
        "问题\"引号\"\\反斜杠 #set text(red) $x$ <lbl> @ref".into(),
    );
    let bytes = render(&r, Format::Pdf, &RenderOptions::default()).expect("pdf");
    assert!(bytes.starts_with(b"%PDF"));
    assert!(bytes.len() < 500 * 1024, "{} bytes", bytes.len());
    let Some(text) = pdftotext(&bytes) else {
        eprintln!("pdftotext missing; skipped the text checks");
        return;
    };
    let flat: String = text.split_whitespace().collect();
    for needle in [
        "平潭综合实验区2021年政府信息公开工作年度报告",
        "一、总体情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "六、其他需要报告的事项",
        "法人或其他组织",
        "24252.311082",
        "问题\"引号\"\\反斜杠#settext(red)$x$<lbl>@ref",
    ] {
        assert!(flat.contains(needle), "{needle} not in PDF text");
    }
    let Some(Value::Count(n)) = r.cells.get("s3.new_received.total") else {
        panic!("06 prints new_received.total")
    };
    assert!(text.contains(&n.to_string()));
}

#[test]
fn repeated_pdf_renders_reuse_the_font_scan() {
    nianbao_render::warm_fonts().expect("CJK fonts installed (fonts-noto-cjk)");
    // The scan happened once; asking again costs nothing.
    let t = std::time::Instant::now();
    for _ in 0..100 {
        nianbao_render::warm_fonts().expect("fonts");
    }
    assert!(
        t.elapsed() < std::time::Duration::from_millis(50),
        "{:?}",
        t.elapsed()
    );
    let r = common::seed();
    let a = render(&r, Format::Pdf, &RenderOptions::default()).expect("first");
    let b = render(&r, Format::Pdf, &RenderOptions::default()).expect("second");
    assert!(b.len() < 500 * 1024);
    assert_eq!(a.len(), b.len(), "the same report gives the same document");
}

fn sample_annex() -> nianbao_render::Annex {
    let (a, b) = (
        &common::fixture("pingtan-2021"),
        &common::fixture("pingtan-2022"),
    );
    nianbao_render::Annex {
        title: "附件：汇总情况说明".into(),
        offices: vec![nianbao_render::AnnexOffice {
            code: "corpus-06".into(),
            name: a.office.name.clone(),
            status: "已发布".into(),
            revision: Some(1),
        }],
        completeness: nianbao_render::AnnexTable::default(),
        indicators: nianbao_render::AnnexTable::default(),
        charts: vec![
            nianbao_render::annex::requests_by_outcome(a),
            nianbao_render::annex::year_over_year(&[a, b]),
        ],
    }
}

#[test]
fn annex_in_pdf_and_docx() {
    let opts = RenderOptions {
        annex: Some(sample_annex()),
        ..RenderOptions::default()
    };
    let r = common::seed();
    let pdf = render(&r, Format::Pdf, &opts).expect("pdf with charts");
    // scripts/snapshots.sh sets this to keep a copy for docs/.
    if let Some(dir) = std::env::var_os("NIANBAO_RENDER_SNAPSHOT_DIR") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::write(dir.join("annex.pdf"), &pdf).expect("snapshot pdf");
        let html = render(&r, Format::Html, &opts).expect("html");
        std::fs::write(dir.join("annex.html"), html).expect("snapshot html");
    }
    assert!(pdf.len() < 500 * 1024);
    if let Some(text) = pdftotext(&pdf) {
        let flat: String = text.split_whitespace().collect();
        assert!(flat.contains("附件：汇总情况说明"));
        assert!(flat.contains("纳入汇总的单位"));
        assert!(flat.contains("corpus-06"));
    }
    let docx = render(&r, Format::Docx, &opts).expect("docx");
    let (tables, body) = docx_tables(&docx);
    // Three report tables, the offices, and one data table per chart.
    assert_eq!(tables.len(), 3 + 1 + 2);
    assert!(body.contains("申请办理结果（件）"));
    // Each chart is also a PNG picture.
    let zip = zip::ZipArchive::new(std::io::Cursor::new(&docx)).expect("zip");
    let pngs: Vec<&str> = zip
        .file_names()
        .filter(|n| n.starts_with("word/media/") && n.ends_with(".png"))
        .collect();
    assert_eq!(pngs.len(), 2, "{pngs:?}");
    if let Some(dir) = std::env::var_os("NIANBAO_RENDER_SNAPSHOT_DIR") {
        std::fs::write(std::path::Path::new(&dir).join("annex.docx"), &docx)
            .expect("snapshot docx");
    }
    let yoy = &tables[5];
    assert_eq!(
        yoy[0].iter().map(|c| c.text.as_str()).collect::<Vec<_>>(),
        ["", "2021年", "2022年"]
    );
}

#[test]
fn review_copies_shade_flagged_cells_in_docx() {
    let mut r = common::seed();
    r.set("s3.new_received.natural_person", Value::Count(3));
    let findings = nianbao_model::rules::check_report(&r);
    let opts = RenderOptions {
        review: true,
        findings,
        annex: None,
    };
    let bytes = render(&r, Format::Docx, &opts).expect("docx");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document.xml")
        .read_to_string(&mut xml)
        .expect("read");
    assert!(xml.contains("w:fill=\"FFE08A\""));
    let (_, body) = docx_tables(&bytes);
    assert!(body.contains("审核意见"));
    let plain = render(&r, Format::Docx, &RenderOptions::default()).expect("docx");
    let (_, body) = docx_tables(&plain);
    assert!(!body.contains("审核意见"));
}
