//! Documents made at test time from the test kit's fixture reports: our renderings, and a report
//! as Word saves it as plain text (every table cell on a line of its own after a tab, a blank
//! line after each row, a merged cell's continuation as an empty cell).
#![allow(dead_code)]

use nianbao_model::Report;
use nianbao_render::doc::{Body, build};
use nianbao_render::{Format, RenderOptions, render};

/// Renders `report` as the format of a file extension (for `nianbao_testkit::forms::make`).
pub fn render_as(report: &Report, ext: &str) -> Vec<u8> {
    let format = Format::parse(ext).unwrap_or_else(|| panic!("no format {ext}"));
    render(report, format, &RenderOptions::default())
        .unwrap_or_else(|e| panic!("render {ext}: {e}"))
}

/// The fixture report `name` (`nianbao_testkit::FIXTURES`).
pub fn fixture(name: &str) -> Report {
    nianbao_testkit::fixture(name).report()
}

/// `report` as Word writes it to a plain-text file.
pub fn word_text(report: &Report) -> String {
    let doc = build(report, false, &[]);
    let mut out = String::new();
    for line in &doc.title_lines {
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    for section in &doc.sections {
        out.push_str(&section.heading);
        out.push('\n');
        match &section.body {
            Body::Prose(paragraphs) => {
                for p in paragraphs {
                    out.push_str(p);
                    out.push('\n');
                }
            }
            Body::Table(grid) => {
                for row in grid.row_slots() {
                    for (slot, continued) in row {
                        out.push('\t');
                        if !continued {
                            out.push_str(&grid.cell(slot).text);
                        }
                        out.push('\n');
                    }
                    out.push('\n');
                }
                out.push('\n');
            }
        }
    }
    for line in [&doc.signature, &doc.date].into_iter().flatten() {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The Word plain text of the fixture `name`.
pub fn word_text_of(name: &str) -> String {
    word_text(&fixture(name))
}
