//! Render → import gives the same cells: every fixture report of the project (any clone) and
//! every corpus report (from its hand-checked truth file, when the corpus is there), rendered by
//! `nianbao-render` to HTML, DOCX, PDF, Markdown and text (and the HTML page in GBK), then read
//! back by `nianbao-import`.
//!
//! Every format must come back cell for cell: no cell missing, none with another value, and the
//! same year and edition. A cell the report does not print is rendered blank; it may read back as
//! 0 only when a `blank_as_zero` diagnostic says so (blank and absent look alike on paper), or stay
//! absent (a PDF does not mark blank cells).

use nianbao_model::{Report, interchange};
use nianbao_testkit::forms::{self, Form};
use serde_json::json;

mod common;

/// Makes every form of every report, imports it, and lists what came back different.
fn round_trips(reports: &[(String, Report)], forms_: &[Form]) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (stem, report) in reports {
        for &form in forms_ {
            checked += 1;
            let name = format!("{stem}.{}.{}", form.name(), form.extension());
            let bytes = forms::make(report, form, &common::render_as)
                .unwrap_or_else(|why| panic!("{name}: {why}"));
            match nianbao_import::import(&bytes, Some(&name)) {
                Ok(imported) => {
                    let diff = common::differences(report, &imported);
                    println!(
                        "{name}: {} cells, {} differences",
                        report.cells.len(),
                        diff.len()
                    );
                    if !diff.is_empty() {
                        failures.push(format!(
                            "{name}: {} differences {:?}",
                            diff.len(),
                            diff.iter().take(5).collect::<Vec<_>>()
                        ));
                    }
                }
                Err(e) => failures.push(format!("{name}: import failed: {e}")),
            }
        }
    }
    (checked, failures)
}

#[test]
fn fixtures_render_then_import_give_the_same_cells() {
    let reports: Vec<(String, Report)> = nianbao_testkit::FIXTURES
        .iter()
        .map(|f| (f.name.to_string(), f.report()))
        .collect();
    let (checked, failures) = round_trips(&reports, &Form::OURS);
    assert_eq!(checked, nianbao_testkit::FIXTURES.len() * Form::OURS.len());
    assert!(
        failures.is_empty(),
        "{} of {checked} round trips differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_reports_render_then_import_give_the_same_cells() {
    let Some(corpus) =
        nianbao_testkit::corpus("corpus_reports_render_then_import_give_the_same_cells")
    else {
        return;
    };
    let reports: Vec<(String, Report)> = corpus
        .truth_documents()
        .into_iter()
        .map(|(stem, _, mut doc)| {
            doc["sections"] = json!({"overview": "本报告为往返测试而生成。", "problems": "无。", "other": "本年度未收取信息处理费。"});
            let report = interchange::from_json(&doc.to_string()).expect("truth as interchange");
            (stem, report)
        })
        .collect();
    let ours = [
        Form::Html,
        Form::Docx,
        Form::Pdf,
        Form::Markdown,
        Form::Text,
    ];
    let (checked, failures) = round_trips(&reports, &ours);
    assert!(checked >= 45, "only {checked} documents");
    assert!(
        failures.is_empty(),
        "{} of {checked} round trips differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
