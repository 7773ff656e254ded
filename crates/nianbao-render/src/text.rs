//! Markdown and plain text. Merged cells cannot be drawn here, so each grid is cut into segments
//! (a header block and the rows under it); a column is named by the headers above it, joined with `／`.

use std::fmt::Write;

use crate::annex::{Annex, AnnexTable, Chart};
use crate::doc::{Body, Document, FINDINGS_HEADING, finding_line};
use crate::escape::markdown as md;
use crate::layout::Grid;

/// A flat view of part of a grid.
pub struct Segment {
    /// The names of the kept columns (their header parts joined with `／`).
    pub columns: Vec<String>,
    /// The header parts above each kept column, top down.
    pub parts: Vec<Vec<String>>,
    /// Which kept columns hold row labels.
    pub label: Vec<bool>,
    /// The data rows, one text per kept column.
    pub rows: Vec<Vec<String>>,
    /// Per data row and kept column: a finding names this cell.
    pub flags: Vec<Vec<bool>>,
}

/// Cuts a grid into segments of header rows and the data rows under them.
pub fn segments(grid: &Grid) -> Vec<Segment> {
    let slots = grid.row_slots();
    // text[r][c] and origin flags per grid position.
    let mut text = vec![vec![String::new(); grid.columns]; grid.rows.len()];
    let mut starts = vec![vec![false; grid.columns]; grid.rows.len()];
    let mut heading = vec![vec![true; grid.columns]; grid.rows.len()];
    let mut flagged = vec![vec![false; grid.columns]; grid.rows.len()];
    for (r, row) in slots.iter().enumerate() {
        let mut c = 0;
        for (slot, cont) in row {
            let cell = grid.cell(*slot);
            text[r][c] = cell.text.clone();
            starts[r][c] = !cont || cell.is_heading();
            flagged[r][c] = cell.flagged;
            let end = (c + cell.colspan).min(grid.columns);
            heading[r][c..end].fill(cell.is_heading());
            c += cell.colspan;
        }
    }
    let mut out = Vec::new();
    let mut r = 0;
    while r < grid.rows.len() {
        let h0 = r;
        while r < grid.rows.len() && grid.rows[r].header {
            r += 1;
        }
        let d0 = r;
        while r < grid.rows.len() && !grid.rows[r].header {
            r += 1;
        }
        let kept: Vec<usize> = (0..grid.columns)
            .filter(|&c| (h0..r).any(|rr| starts[rr][c] && !text[rr][c].is_empty()) || c == 0)
            .collect();
        let parts: Vec<Vec<String>> = kept
            .iter()
            .map(|&c| {
                let mut parts: Vec<String> = Vec::new();
                for rr in h0..d0 {
                    // The header over this column: the nearest start at or left of it in this row.
                    let t = (0..=c)
                        .rev()
                        .find(|&cc| starts[rr][cc] || cc == 0)
                        .map(|cc| &text[rr][cc]);
                    if let Some(t) = t.filter(|t| !t.is_empty())
                        && parts.last() != Some(t)
                    {
                        parts.push(t.clone());
                    }
                }
                parts
            })
            .collect();
        let columns = parts.iter().map(|p| p.join("／")).collect();
        let label = kept
            .iter()
            .map(|&c| (d0..r).all(|rr| heading[rr][c]))
            .collect();
        let rows = (d0..r)
            .map(|rr| kept.iter().map(|&c| text[rr][c].clone()).collect())
            .collect();
        let flags = (d0..r)
            .map(|rr| kept.iter().map(|&c| flagged[rr][c]).collect())
            .collect();
        out.push(Segment {
            columns,
            parts,
            label,
            rows,
            flags,
        });
    }
    out
}

fn md_table(s: &mut String, header: &[String], rows: &[Vec<String>]) {
    let line = |cells: &[String]| {
        let mut l = String::from("|");
        for c in cells {
            let _ = write!(l, " {} |", md(c));
        }
        l
    };
    let _ = writeln!(s, "{}", line(header));
    let _ = writeln!(s, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(s, "{}", line(row));
    }
    s.push('\n');
}

/// The document as Markdown.
pub fn markdown(doc: &Document, annex: Option<&Annex>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", md(&doc.title));
    if doc.review {
        s.push_str("> 审核稿（review copy）：带 ⚠ 的单元格有审核意见。\n\n");
    }
    for section in &doc.sections {
        let _ = writeln!(s, "## {}\n", md(&section.heading));
        match &section.body {
            Body::Prose(paras) => {
                for p in paras {
                    let _ = writeln!(s, "{}\n", md(p));
                }
            }
            Body::Table(grid) => {
                for seg in segments(grid) {
                    let rows: Vec<Vec<String>> = seg
                        .rows
                        .iter()
                        .zip(&seg.flags)
                        .map(|(r, f)| {
                            r.iter()
                                .zip(f)
                                .map(|(t, &flag)| if flag { format!("⚠{t}") } else { t.clone() })
                                .collect()
                        })
                        .collect();
                    md_table(&mut s, &seg.columns, &rows);
                }
            }
        }
    }
    // Signature and date as plain paragraphs: Markdown has no right alignment, and HTML here
    // would make the file read as HTML rather than Markdown.
    for line in [&doc.signature, &doc.date].into_iter().flatten() {
        let _ = writeln!(s, "{}\n", md(line));
    }
    if doc.review {
        let _ = writeln!(s, "## {FINDINGS_HEADING}\n");
        for f in &doc.findings {
            let _ = writeln!(s, "1. {}", md(&finding_line(f)));
        }
        s.push('\n');
    }
    if let Some(annex) = annex {
        let _ = writeln!(s, "## {}\n", md(&annex_title(annex)));
        for t in annex_tables(annex) {
            if !t.caption.is_empty() {
                let _ = writeln!(s, "### {}\n", md(&t.caption));
            }
            md_table(&mut s, &t.header, &t.rows);
        }
    }
    s
}

/// The document as plain text.
pub fn plain(doc: &Document, annex: Option<&Annex>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}\n", doc.title);
    for section in &doc.sections {
        let _ = writeln!(s, "{}\n", section.heading);
        match &section.body {
            Body::Prose(paras) => {
                for p in paras {
                    let _ = writeln!(s, "　　{p}");
                }
                s.push('\n');
            }
            Body::Table(grid) => {
                for seg in segments(grid) {
                    let (common, names) = value_names(&seg);
                    if !common.is_empty() {
                        let _ = writeln!(s, "{common}");
                    }
                    for row in &seg.rows {
                        let mut label: Vec<&str> = Vec::new();
                        let mut values = Vec::new();
                        for ((name, is_label), v) in names.iter().zip(&seg.label).zip(row) {
                            if *is_label {
                                if !v.is_empty() && label.last() != Some(&v.as_str()) {
                                    label.push(v);
                                }
                            } else {
                                values.push(format!("{name} {v}"));
                            }
                        }
                        if label.is_empty() {
                            let _ = writeln!(s, "{}", values.join("，"));
                        } else {
                            let _ = writeln!(s, "{}：{}", label.join(" "), values.join("，"));
                        }
                    }
                    s.push('\n');
                }
            }
        }
    }
    for line in [&doc.signature, &doc.date].into_iter().flatten() {
        let _ = writeln!(s, "{line:>40}");
    }
    if doc.review {
        let _ = writeln!(s, "\n{FINDINGS_HEADING}\n");
        for (i, f) in doc.findings.iter().enumerate() {
            let _ = writeln!(s, "{}. {}", i + 1, finding_line(f));
        }
    }
    if let Some(annex) = annex {
        let _ = writeln!(s, "\n{}\n", annex_title(annex));
        for t in annex_tables(annex) {
            let _ = writeln!(s, "{}", t.caption);
            let _ = writeln!(s, "{}", t.header.join("\t"));
            for row in &t.rows {
                let _ = writeln!(s, "{}", row.join("\t"));
            }
            s.push('\n');
        }
    }
    s
}

/// The header parts shared by every value column (printed once), and each column's own name.
fn value_names(seg: &Segment) -> (String, Vec<String>) {
    let values: Vec<&Vec<String>> = seg
        .parts
        .iter()
        .zip(&seg.label)
        .filter(|(_, l)| !**l)
        .map(|(p, _)| p)
        .collect();
    let shortest = values.iter().map(|p| p.len()).min().unwrap_or(0);
    let mut n = 0;
    while n + 1 < shortest && values.iter().all(|p| p[n] == values[0][n]) {
        n += 1;
    }
    let common = values
        .first()
        .map(|p| p[..n].join("／"))
        .unwrap_or_default();
    let names = seg
        .parts
        .iter()
        .map(|p| p[n.min(p.len().saturating_sub(1))..].join("／"))
        .collect();
    (common, names)
}

/// The annex heading (a default when the annex has none).
pub fn annex_title(annex: &Annex) -> String {
    if annex.title.trim().is_empty() {
        "附件：汇总情况说明".to_string()
    } else {
        annex.title.clone()
    }
}

/// The included offices as a table.
pub fn offices_table(annex: &Annex) -> AnnexTable {
    AnnexTable {
        caption: "纳入汇总的单位".to_string(),
        header: ["单位代码", "单位名称", "状态", "版本"]
            .map(String::from)
            .to_vec(),
        rows: annex
            .offices
            .iter()
            .map(|o| {
                vec![
                    o.code.clone(),
                    o.name.clone(),
                    o.status.clone(),
                    o.revision.map(|r| r.to_string()).unwrap_or_default(),
                ]
            })
            .collect(),
    }
}

/// Every table of the annex, charts as their data tables (for formats without pictures).
pub fn annex_tables(annex: &Annex) -> Vec<AnnexTable> {
    let mut out = vec![offices_table(annex)];
    out.extend(annex.data_tables().cloned());
    out.extend(annex.charts.iter().map(Chart::as_table));
    out
}
