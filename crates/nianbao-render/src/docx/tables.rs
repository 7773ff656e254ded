//! The tables of the Word file written directly as WordprocessingML.
//!
//! Tables are nearly all of `word/document.xml` (about 200 cells a report). Building them as docx-rs
//! element trees and serialising those cost most of a DOCX render, so the tables are written here as
//! text and spliced into the document docx-rs built, in place of a marker paragraph each. The markup
//! is what docx-rs wrote for the same table: the same table properties, borders and grid, merged
//! cells (`gridSpan`, `vMerge`), rows that do not split across pages, and cell paragraphs that name
//! the cell styles of styles.xml.

use std::fmt::Write as _;

use crate::annex::AnnexTable;
use crate::layout::{CellRole, Grid};

/// Paragraph style of centred cells.
pub(super) const TABLE_CENTER: &str = "TableCenter";
/// Paragraph style of left-aligned cells (labels, annex tables).
pub(super) const TABLE_LEFT: &str = "TableLeft";
/// Character style of cell text: 宋体 9 pt.
pub(super) const TABLE_TEXT: &str = "TableText";
/// Character style of captions and header cells: 宋体 9 pt bold.
pub(super) const TABLE_BOLD: &str = "TableBold";

/// Text of the marker paragraph standing for table `i` until the tables are spliced in. It starts
/// with a private-use character, which report text does not hold.
pub(super) fn marker(i: usize) -> String {
    format!("\u{E000}nianbao-table-{i}\u{E000}")
}

/// A cell's paragraph style (alignment) and character style (font, size, weight).
#[derive(Clone, Copy)]
struct CellStyle {
    para: &'static str,
    chars: &'static str,
}

const VALUE: CellStyle = CellStyle {
    para: TABLE_CENTER,
    chars: TABLE_TEXT,
};
const LABEL: CellStyle = CellStyle {
    para: TABLE_LEFT,
    chars: TABLE_TEXT,
};
const CAPTION: CellStyle = CellStyle {
    para: TABLE_CENTER,
    chars: TABLE_BOLD,
};
const HEAD: CellStyle = CellStyle {
    para: TABLE_LEFT,
    chars: TABLE_BOLD,
};

const BORDERS: &str = "<w:tblBorders>\
<w:top w:val=\"single\" w:sz=\"2\" w:space=\"0\" w:color=\"000000\" />\
<w:left w:val=\"single\" w:sz=\"2\" w:space=\"0\" w:color=\"000000\" />\
<w:bottom w:val=\"single\" w:sz=\"2\" w:space=\"0\" w:color=\"000000\" />\
<w:right w:val=\"single\" w:sz=\"2\" w:space=\"0\" w:color=\"000000\" />\
<w:insideH w:val=\"single\" w:sz=\"2\" w:space=\"0\" w:color=\"000000\" />\
<w:insideV w:val=\"single\" w:sz=\"2\" w:space=\"0\" w:color=\"000000\" />\
</w:tblBorders>";

/// `<w:tbl>`, its properties (width, centred, single borders, fixed layout or not) and grid.
fn open_table(out: &mut String, width: usize, fixed: bool, cols: &[usize]) {
    let _ = write!(
        out,
        "<w:tbl><w:tblPr><w:tblW w:w=\"{width}\" w:type=\"dxa\" /><w:jc w:val=\"center\" />{BORDERS}"
    );
    if fixed {
        out.push_str("<w:tblLayout w:type=\"fixed\" />");
    }
    out.push_str("</w:tblPr><w:tblGrid>");
    for w in cols {
        let _ = write!(out, "<w:gridCol w:w=\"{w}\" w:type=\"dxa\" />");
    }
    out.push_str("</w:tblGrid>");
}

/// Appends `s` escaped for XML text; control characters XML cannot hold are dropped.
fn push_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' => {}
            _ => out.push(c),
        }
    }
}

/// One cell paragraph holding `text` in `style`.
fn paragraph(out: &mut String, text: &str, style: CellStyle) {
    let _ = write!(
        out,
        "<w:p><w:pPr><w:pStyle w:val=\"{}\" /></w:pPr><w:r><w:rPr><w:rStyle w:val=\"{}\" /></w:rPr><w:t xml:space=\"preserve\">",
        style.para, style.chars
    );
    push_text(out, text);
    out.push_str("</w:t></w:r></w:p>");
}

/// A template table with its merged cells; flagged cells (review copies) are shaded.
pub(super) fn grid_table(out: &mut String, grid: &Grid, width: usize, cols: &[usize]) {
    open_table(out, width, true, cols);
    for slots in grid.row_slots() {
        out.push_str("<w:tr><w:trPr><w:cantSplit /></w:trPr>");
        for (slot, cont) in slots {
            let cell = grid.cell(slot);
            out.push_str("<w:tc><w:tcPr>");
            if cell.colspan > 1 {
                let _ = write!(out, "<w:gridSpan w:val=\"{}\" />", cell.colspan);
            }
            if cont {
                out.push_str("<w:vMerge w:val=\"continue\" />");
            } else if cell.rowspan > 1 {
                out.push_str("<w:vMerge w:val=\"restart\" />");
            }
            if cell.flagged {
                out.push_str("<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"FFE08A\" />");
            }
            out.push_str("<w:vAlign w:val=\"center\" /></w:tcPr>");
            if cont {
                out.push_str("<w:p />");
            } else {
                let style = match cell.role {
                    CellRole::Label => LABEL,
                    CellRole::Caption => CAPTION,
                    _ => VALUE,
                };
                paragraph(out, &cell.text, style);
            }
            out.push_str("</w:tc>");
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
}

/// An annex table: a bold header row, then the rows, in `n` equal columns.
pub(super) fn plain_table(out: &mut String, t: &AnnexTable, width: usize) {
    let n = t
        .header
        .len()
        .max(t.rows.iter().map(Vec::len).max().unwrap_or(0))
        .max(1);
    open_table(out, width, false, &vec![width / n; n]);
    let rows = std::iter::once((&t.header, HEAD)).chain(t.rows.iter().map(|r| (r, LABEL)));
    for (cells, style) in rows {
        out.push_str("<w:tr>");
        for i in 0..n {
            out.push_str("<w:tc><w:tcPr />");
            paragraph(out, cells.get(i).map_or("", String::as_str), style);
            out.push_str("</w:tc>");
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
}

/// Replaces each marker paragraph of `document` (word/document.xml) by its table.
pub(super) fn splice(document: &[u8], tables: &[String]) -> Result<Vec<u8>, String> {
    let extra: usize = tables.iter().map(String::len).sum();
    let mut out = Vec::with_capacity(document.len() + extra);
    let mut rest = document;
    for (i, table) in tables.iter().enumerate() {
        let mark = marker(i);
        let at = find(rest, mark.as_bytes())
            .ok_or_else(|| format!("word/document.xml: table {i} marker not found"))?;
        let start = rfind(&rest[..at], b"<w:p ")
            .max(rfind(&rest[..at], b"<w:p>"))
            .ok_or_else(|| format!("word/document.xml: table {i} marker outside a paragraph"))?;
        let end = find(&rest[at..], b"</w:p>")
            .map(|e| at + e + b"</w:p>".len())
            .ok_or_else(|| format!("word/document.xml: table {i} marker paragraph not closed"))?;
        out.extend_from_slice(&rest[..start]);
        out.extend_from_slice(table.as_bytes());
        rest = &rest[end..];
    }
    out.extend_from_slice(rest);
    Ok(out)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_each_marker_paragraph_in_order() {
        let doc = format!(
            "<w:body><w:p w14:paraId=\"1\"><w:r><w:t>a</w:t></w:r></w:p>\
             <w:p w14:paraId=\"2\"><w:pPr><w:rPr /></w:pPr><w:r><w:rPr /><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>\
             <w:p w14:paraId=\"3\" /><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:body>",
            marker(0),
            marker(1)
        );
        let out = splice(
            doc.as_bytes(),
            &["<w:tbl>0</w:tbl>".into(), "<w:tbl>1</w:tbl>".into()],
        )
        .expect("splice");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "<w:body><w:p w14:paraId=\"1\"><w:r><w:t>a</w:t></w:r></w:p>\
             <w:tbl>0</w:tbl><w:p w14:paraId=\"3\" /><w:tbl>1</w:tbl></w:body>"
        );
    }

    #[test]
    fn a_missing_marker_is_an_error_naming_the_table() {
        let err = splice(b"<w:body><w:p /></w:body>", &["<w:tbl />".into()]).expect_err("missing");
        assert!(err.contains("table 0"), "{err}");
    }

    #[test]
    fn cell_text_is_escaped_and_control_characters_dropped() {
        let mut out = String::new();
        paragraph(&mut out, "a<b>&\"'\u{1}c", VALUE);
        assert!(out.contains(">a&lt;b&gt;&amp;&quot;&apos;c</w:t>"), "{out}");
    }
}
