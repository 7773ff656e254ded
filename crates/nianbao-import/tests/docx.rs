//! DOCX: the official Word template filled programmatically with a corpus report's numbers
//! (each empty cell of the template gets the next cell of the report, in print order), then
//! imported and compared cell by cell.

use std::io::{Cursor, Read, Write};

use nianbao_model::{Edition, interchange};
use nianbao_testkit::forms::program;
use serde_json::Value;

/// Puts `values` into the empty, not vertically continued cells of the document, in order.
fn fill(xml: &str, values: &[String]) -> String {
    let mut out = String::with_capacity(xml.len() + values.len() * 40);
    let mut rest = xml;
    let mut next = values.iter();
    while let Some(p) = rest.find("<w:tc>") {
        out.push_str(&rest[..p]);
        let end = rest[p..]
            .find("</w:tc>")
            .map_or(rest.len(), |e| p + e + "</w:tc>".len());
        let cell = &rest[p..end];
        let text: String = cell
            .split("<w:t")
            .skip(1)
            .filter(|t| t.starts_with('>') || t.starts_with(' '))
            .filter_map(|t| {
                t.split_once('>')
                    .map(|(_, b)| b.split("</w:t>").next().unwrap_or(""))
            })
            .collect();
        let continued = cell.contains("<w:vMerge/>") || cell.contains("w:val=\"continue\"");
        if text.trim().is_empty() && !continued {
            let v = next.next().expect("a value for every empty cell");
            let run = format!("<w:r><w:t>{v}</w:t></w:r></w:p>");
            out.push_str(&cell.replacen("</w:p>", &run, 1));
        } else {
            out.push_str(cell);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    assert!(next.next().is_none(), "every value placed");
    out
}

#[test]
fn official_template_filled_with_a_corpus_report() {
    const TEST: &str = "official_template_filled_with_a_corpus_report";
    let Some(corpus) = nianbao_testkit::corpus(TEST) else {
        return;
    };
    let Some(template) = corpus.official_template() else {
        return nianbao_testkit::skip(TEST, "the official template is not beside the corpus");
    };
    let truth = corpus.truth("13");
    let cells = truth["cells"].as_object().expect("cells");
    let values: Vec<String> = Edition::E2021
        .schema()
        .cells()
        .iter()
        .filter(|c| cells.contains_key(c.key))
        .map(|c| match &cells[c.key] {
            Value::String(s) => s.clone(),
            v => v.to_string(),
        })
        .collect();
    assert_eq!(values.len(), 200);

    let template = std::fs::read(template).expect("template");
    let mut zip = zip::ZipArchive::new(Cursor::new(template)).expect("zip");
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("entry");
        let name = entry.name().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read entry");
        if name == "word/document.xml" {
            let xml = String::from_utf8(data).expect("utf8");
            let xml = xml.replace(
                "<w:t>政府信息公开工作年度报告格式模板</w:t>",
                "<w:t>淮安市人民政府2024年政府信息公开工作年度报告</w:t>",
            );
            data = fill(&xml, &values).into_bytes();
        }
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        writer.write_all(&data).expect("write");
    }
    let bytes = writer.finish().expect("finish").into_inner();

    let imported = nianbao_import::import(&bytes, Some("filled.docx")).expect("import");
    assert_eq!(imported.format, nianbao_import::Format::Docx);
    let report = &imported.report;
    assert_eq!(report.office.name, "淮安市人民政府");
    assert_eq!(report.year, 2024);
    assert_eq!(report.edition, Edition::E2021);
    let json = interchange::to_value(report);
    let mut wrong = Vec::new();
    for (key, want) in cells {
        if &json["cells"][key.as_str()] != want {
            wrong.push(format!(
                "{key}: got {}, want {want}",
                json["cells"][key.as_str()]
            ));
        }
    }
    println!(
        "filled template: {}/{} cells right",
        cells.len() - wrong.len(),
        cells.len()
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!(report.cells.len(), cells.len());
}

/// DOCX written by LibreOffice from the corpus HTML pages (skipped, and counted, where the
/// corpus is absent or `soffice` is not installed).
#[test]
fn libreoffice_docx_of_the_corpus_html() {
    const TEST: &str = "libreoffice_docx_of_the_corpus_html";
    let Some(corpus) = nianbao_testkit::corpus(TEST) else {
        return;
    };
    let Some(soffice) = program(&["soffice", "libreoffice"]) else {
        return nianbao_testkit::skip(
            TEST,
            "soffice not found: install LibreOffice (scripts/setup.sh)",
        );
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let pages = [
        ("11_shanghai-gov-office-2019_2019fmt.html", "11"),
        ("04_pingtan-2019_page.html", "04"),
    ];
    for (page, _) in pages {
        std::fs::copy(corpus.path(page), dir.path().join(page)).expect("copy");
    }
    let status = std::process::Command::new(soffice)
        .env("HOME", dir.path())
        .current_dir(dir.path())
        .args(["--headless", "--convert-to", "docx:MS Word 2007 XML"])
        .args(pages.iter().map(|p| p.0))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    assert!(status.is_ok_and(|s| s.success()), "soffice failed");
    for (page, nn) in pages {
        let docx = dir.path().join(page.replace(".html", ".docx"));
        let bytes = std::fs::read(&docx).expect("converted docx");
        let imported = nianbao_import::import(&bytes, docx.to_str()).expect("import");
        let truth = corpus.truth(nn);
        let json = interchange::to_value(&imported.report);
        let cells = truth["cells"].as_object().expect("cells");
        let wrong: Vec<&String> = cells
            .iter()
            .filter(|(k, v)| &json["cells"][k.as_str()] != *v)
            .map(|(k, _)| k)
            .collect();
        println!(
            "{page} via LibreOffice DOCX: {}/{} cells right",
            cells.len() - wrong.len(),
            cells.len()
        );
        assert!(wrong.is_empty(), "{page}: {wrong:?}");
        assert_eq!(imported.report.year, 2019);
        assert_eq!(imported.report.edition, Edition::E2019);
    }
}
