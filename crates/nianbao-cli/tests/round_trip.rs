//! Render → import gives the same cells: every corpus report (from its hand-checked truth file),
//! rendered by `nianbao-render` to HTML, DOCX, PDF, Markdown and text, then read back by
//! `nianbao-import`.
//!
//! Every format must come back cell for cell: no cell missing, none with another value, and the
//! same year and edition. A cell the report does not print is rendered blank; it may read back as
//! 0 only when a `blank_as_zero` diagnostic says so (blank and absent look alike on paper), or stay
//! absent (a PDF does not mark blank cells).

use nianbao_model::{Report, interchange};
use nianbao_render::{Format, RenderOptions, render};
use serde_json::json;

mod common;

fn truth_reports() -> Vec<(String, Report)> {
    common::truth_documents()
        .into_iter()
        .map(|(stem, _, mut doc)| {
            doc["sections"] = json!({"overview": "本报告为往返测试而生成。", "problems": "无。", "other": "本年度未收取信息处理费。"});
            let report = interchange::from_json(&doc.to_string()).expect("truth as interchange");
            (stem, report)
        })
        .collect()
}

#[test]
fn render_then_import_gives_the_same_cells() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (stem, report) in truth_reports() {
        for format in [
            Format::Html,
            Format::Docx,
            Format::Pdf,
            Format::Markdown,
            Format::Text,
        ] {
            checked += 1;
            let bytes = render(&report, format, &RenderOptions::default()).expect("render");
            let name = format!("{stem}.{}", format.extension());
            match nianbao_import::import(&bytes, Some(&name)) {
                Ok(imported) => {
                    let got = &imported.report;
                    let wrong: Vec<_> = report
                        .cells
                        .iter()
                        .filter(|(k, v)| got.cells.get(*k) != Some(*v))
                        .map(|(k, v)| format!("{k}: {v} → {:?}", got.cells.get(*k)))
                        .collect();
                    // A cell the report does not print is rendered blank, and a blank cell reads
                    // back as 0 with a `blank_as_zero` diagnostic; anything else extra is wrong.
                    let said_blank = |k: &str| {
                        imported
                            .diagnostics
                            .iter()
                            .any(|d| d.code == "blank_as_zero" && d.cell == Some(k))
                    };
                    let extra: Vec<_> = got
                        .cells
                        .iter()
                        .filter(|(k, v)| {
                            !(report.cells.contains_key(*k)
                                || (v.count() == Some(0) && said_blank(k)))
                        })
                        .map(|(k, _)| *k)
                        .collect();
                    println!(
                        "{name}: {}/{} cells right",
                        report.cells.len() - wrong.len(),
                        report.cells.len()
                    );
                    if !wrong.is_empty()
                        || !extra.is_empty()
                        || got.year != report.year
                        || got.edition != report.edition
                    {
                        failures.push(format!(
                            "{name}: {} wrong {:?}, extra {:?}, year {} edition {:?}",
                            wrong.len(),
                            wrong.iter().take(5).collect::<Vec<_>>(),
                            extra,
                            got.year,
                            got.edition
                        ));
                    }
                }
                Err(e) => failures.push(format!("{name}: import failed: {e}")),
            }
        }
    }
    assert!(checked >= 45, "only {checked} documents");
    assert!(
        failures.is_empty(),
        "{} of {checked} round trips differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
