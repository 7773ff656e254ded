//! Shared by the CLI's tests: the renderer the test kit makes documents with, and the
//! cell-by-cell comparison of a report read back.
#![allow(dead_code)]

use nianbao_model::Report;
use nianbao_render::{Format, RenderOptions, render};

/// Renders `report` as the format of a file extension (for `nianbao_testkit::forms::make`).
pub fn render_as(report: &Report, ext: &str) -> Vec<u8> {
    let format = Format::parse(ext).unwrap_or_else(|| panic!("no format {ext}"));
    render(report, format, &RenderOptions::default())
        .unwrap_or_else(|e| panic!("render {ext}: {e}"))
}

/// What differs between `want` and the report imported from a document of it: cells missing
/// or with another value, cells not in `want`, the year and the edition. A cell `want` does
/// not print is rendered blank; it may read back as 0 only when a `blank_as_zero` diagnostic
/// says so (blank and absent look alike on paper).
pub fn differences(want: &Report, imported: &nianbao_import::Imported) -> Vec<String> {
    let got = &imported.report;
    let mut out: Vec<String> = want
        .cells
        .iter()
        .filter(|(k, v)| got.cells.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k}: {v} → {:?}", got.cells.get(*k)))
        .collect();
    let said_blank = |k: &str| {
        imported
            .diagnostics
            .iter()
            .any(|d| d.code == "blank_as_zero" && d.cell == Some(k))
    };
    out.extend(
        got.cells
            .iter()
            .filter(|(k, v)| {
                !(want.cells.contains_key(*k) || (v.count() == Some(0) && said_blank(k)))
            })
            .map(|(k, v)| format!("{k}: extra {v}")),
    );
    if got.year != want.year {
        out.push(format!("year {} want {}", got.year, want.year));
    }
    if got.edition != want.edition {
        out.push(format!("edition {} want {}", got.edition, want.edition));
    }
    out
}

/// The cells imported with a value other than `want`'s (missing ones are not counted): what
/// the importer must never produce, whatever it cannot read.
pub fn wrong_cells(want: &Report, imported: &nianbao_import::Imported) -> Vec<String> {
    imported
        .report
        .cells
        .iter()
        .filter(|(k, v)| want.cells.get(*k).is_some_and(|w| w != *v))
        .map(|(k, v)| format!("{k}: {v}, want {:?}", want.cells.get(*k)))
        .collect()
}
