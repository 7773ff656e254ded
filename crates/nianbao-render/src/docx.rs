//! Word (.docx) with docx-rs: A4 with the margins of official documents, 仿宋_GB2312 body, 黑体 headings,
//! 宋体 tables, and the template's merged cells (`gridSpan`, `vMerge`).
//!
//! Charts of an annex are embedded as PNG (docx-rs takes raster pictures only; typst rasterises the SVG),
//! each followed by its data table.
//!
//! docx-rs builds the package and every paragraph; the tables, nearly all of word/document.xml, are
//! written as WordprocessingML text by [`tables`] and spliced in (building them as docx-rs trees was
//! most of the render time). Cell formatting lives in four styles of styles.xml, not in each cell.

use docx_rs::{
    AlignmentType, BreakType, Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, Pic, Run,
    RunFonts, SpecialIndentType, Style, StyleType,
};

mod tables;

use tables::{TABLE_BOLD, TABLE_CENTER, TABLE_LEFT, TABLE_TEXT};

use crate::RenderError;
use crate::annex::{Annex, AnnexTable};
use crate::doc::{Body, Document, FINDINGS_HEADING, finding_line};
use crate::layout::Grid;
use crate::text::{annex_tables, annex_title};

/// Body text: 仿宋_GB2312 三号.
const BODY_FONT: &str = "仿宋_GB2312";
/// Headings: 黑体 三号.
const HEAD_FONT: &str = "黑体";
/// Tables: 宋体.
const TABLE_FONT: &str = "宋体";
/// The title: 方正小标宋简体 二号.
const TITLE_FONT: &str = "方正小标宋简体";
const LATIN_FONT: &str = "Times New Roman";

/// A4 in twips.
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
/// Margins of GB/T 9704: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
const MARGIN: (i32, i32, i32, i32) = (2098, 1984, 1587, 1474);
const TEXT_W: usize = (PAGE_W as i32 - MARGIN.2 - MARGIN.3) as usize;

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(LATIN_FONT)
        .hi_ansi(LATIN_FONT)
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

fn title_run(lines: &[String]) -> Run {
    let mut r = Run::new().fonts(fonts(TITLE_FONT)).size(44);
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            r = r.add_break(BreakType::TextWrapping);
        }
        r = r.add_text(line);
    }
    r
}

fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .style("Heading1")
        .add_run(run(text, HEAD_FONT, 32))
        .line_spacing(LineSpacing::new().before(120).after(60))
}

fn prose(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY_FONT, 32))
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Exact)
                .line(560),
        )
}

/// Column widths in twips, summing to the text width.
fn widths(grid: &Grid) -> Vec<usize> {
    let weight = grid.column_weights();
    let total: usize = weight.iter().sum::<usize>().max(1);
    weight.iter().map(|w| TEXT_W * w / total).collect()
}

/// Styles of table cells, defined once in styles.xml so that a cell carries only style ids
/// instead of repeating its run and paragraph properties. A cell is a paragraph style (alignment)
/// and a character style (宋体 9 pt, regular or bold); the paragraph mark keeps the document
/// default, as before, so rows keep their height.
fn table_styles(docx: Docx) -> Docx {
    let chars = |id: &str| {
        Style::new(id, StyleType::Character)
            .name(id)
            .fonts(fonts(TABLE_FONT))
            .size(18)
    };
    docx.add_style(
        Style::new(TABLE_CENTER, StyleType::Paragraph)
            .name(TABLE_CENTER)
            .align(AlignmentType::Center),
    )
    .add_style(
        Style::new(TABLE_LEFT, StyleType::Paragraph)
            .name(TABLE_LEFT)
            .align(AlignmentType::Left),
    )
    .add_style(chars(TABLE_TEXT))
    .add_style(chars(TABLE_BOLD).bold())
}

fn styles(docx: Docx) -> Docx {
    docx.add_style(
        Style::new("Heading1", StyleType::Paragraph)
            .name("heading 1")
            .fonts(fonts(HEAD_FONT))
            .size(32)
            .outline_lvl(0),
    )
    .add_style(
        Style::new("Title", StyleType::Paragraph)
            .name("Title")
            .fonts(fonts(TITLE_FONT))
            .size(44)
            .align(AlignmentType::Center),
    )
    .add_style(
        Style::new("Heading2", StyleType::Paragraph)
            .name("heading 2")
            .fonts(fonts(HEAD_FONT))
            .size(28)
            .outline_lvl(1),
    )
}

/// Renders the document as a Word file.
pub fn render(doc: &Document, annex: Option<&Annex>) -> Result<Vec<u8>, RenderError> {
    // Tables are written by `tables` and spliced in after docx-rs built the rest.
    let mut spliced: Vec<String> = Vec::new();
    let mut docx = table_styles(styles(Docx::new()))
        .page_size(PAGE_W, PAGE_H)
        .page_margin(
            PageMargin::new()
                .top(MARGIN.0)
                .bottom(MARGIN.1)
                .left(MARGIN.2)
                .right(MARGIN.3),
        )
        .default_fonts(fonts(BODY_FONT))
        .default_size(32);
    if doc.review {
        docx = docx.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(run("审核稿（review copy）", HEAD_FONT, 24).color("C00000")),
        );
    }
    docx = docx.add_paragraph(
        Paragraph::new()
            .style("Title")
            .align(AlignmentType::Center)
            .add_run(title_run(&doc.title_lines))
            .line_spacing(LineSpacing::new().after(300)),
    );
    for section in &doc.sections {
        docx = docx.add_paragraph(heading(&section.heading));
        match &section.body {
            Body::Prose(paras) => {
                for p in paras {
                    docx = docx.add_paragraph(prose(p));
                }
            }
            Body::Table(grid) => {
                let mut xml = String::with_capacity(64 * 1024);
                tables::grid_table(&mut xml, grid, TEXT_W, &widths(grid));
                docx = table_marker(docx, &mut spliced, xml).add_paragraph(Paragraph::new());
            }
        }
    }
    for line in [&doc.signature, &doc.date].into_iter().flatten() {
        docx = docx.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Right)
                .add_run(run(line, BODY_FONT, 32)),
        );
    }
    if doc.review {
        docx = docx.add_paragraph(heading(FINDINGS_HEADING));
        for (i, f) in doc.findings.iter().enumerate() {
            docx = docx.add_paragraph(prose(&format!("{}. {}", i + 1, finding_line(f))));
        }
    }
    if let Some(annex) = annex {
        docx = docx.add_paragraph(heading(&annex_title(annex)).page_break_before(true));
        let tables = annex_tables(annex);
        let (plain, chart_tables) = tables.split_at(tables.len() - annex.charts.len());
        for t in plain {
            docx = annex_table(docx, &mut spliced, t);
        }
        for (c, t) in annex.charts.iter().zip(chart_tables) {
            // A chart that cannot be drawn (no fonts) still has its data table.
            if let Ok((png, w, h)) = crate::pdf::chart_png(c) {
                let width_px = (TEXT_W / 15) as u32;
                let height_px = (h / w.max(1.0) * f64::from(width_px)) as u32;
                docx = docx.add_paragraph(Paragraph::new().align(AlignmentType::Center).add_run(
                    Run::new().add_image(Pic::new_with_dimensions(png, width_px, height_px)),
                ));
            }
            docx = annex_table(docx, &mut spliced, t);
        }
    }
    // The parts are stored, not deflated: a report is about 140 KB.
    let mut out = std::io::Cursor::new(Vec::with_capacity(192 * 1024));
    let mut parts = docx.build();
    parts.document = tables::splice(&parts.document, &spliced).map_err(RenderError::Docx)?;
    parts
        .pack(&mut out)
        .map_err(|e| RenderError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}

/// Adds the marker paragraph of the next table and keeps the table's XML for the splice.
fn table_marker(docx: Docx, tables: &mut Vec<String>, xml: String) -> Docx {
    let docx = docx
        .add_paragraph(Paragraph::new().add_run(Run::new().add_text(tables::marker(tables.len()))));
    tables.push(xml);
    docx
}

fn annex_table(mut docx: Docx, tables: &mut Vec<String>, t: &AnnexTable) -> Docx {
    if !t.caption.is_empty() {
        docx = docx.add_paragraph(
            Paragraph::new()
                .style("Heading2")
                .add_run(run(&t.caption, HEAD_FONT, 28)),
        );
    }
    let mut xml = String::with_capacity(8 * 1024);
    tables::plain_table(&mut xml, t, TEXT_W);
    table_marker(docx, tables, xml).add_paragraph(Paragraph::new())
}
