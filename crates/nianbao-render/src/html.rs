//! One self-contained HTML page: inline CSS (A4 print, narrow screens), merged header cells, `th scope`.

use std::fmt::Write;

use nianbao_model::Severity;

use crate::annex::{Annex, AnnexTable};
use crate::chart;
use crate::doc::{Body, Document, FINDINGS_HEADING, finding_line};
use crate::escape::xml;
use crate::layout::{CellRole, Grid, GridCell};

const CSS: &str = r#"
:root{--body:"仿宋_GB2312","FangSong_GB2312","仿宋","FangSong","STFangsong","Noto Serif CJK SC","Noto Serif SC",serif;
--head:"黑体","SimHei","STHeiti","Noto Sans CJK SC","Noto Sans SC",sans-serif;
--table:"宋体","SimSun","STSong","Noto Serif CJK SC","Noto Serif SC",serif}
*{box-sizing:border-box}
body{margin:0;background:#f4f4f4;color:#111;font-family:var(--body);font-size:16px;line-height:1.8}
main{max-width:960px;margin:0 auto;background:#fff;padding:2.5em 3em}
h1{font-family:var(--head);font-size:1.6em;text-align:center;font-weight:normal;margin:0 0 1em;line-height:1.4}
h2{font-family:var(--head);font-size:1.15em;font-weight:normal;margin:1.4em 0 .6em}
p{text-indent:2em;margin:.3em 0}
.wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.5em 0 1em}
table{border-collapse:collapse;width:100%;font-family:var(--table);font-size:.82em;line-height:1.4}
th,td{border:1px solid #000;padding:.3em .4em;vertical-align:middle}
th{font-weight:normal;text-align:center;min-width:2.6em}
th.label{text-align:left}
th.caption{font-weight:bold;background:#f2f2f2}
td{text-align:center;min-width:2.5em}
td.flag,th.flag{background:#ffe08a;outline:2px solid #c00}
.sign{text-align:right;margin-top:2em}
.sign p{text-indent:0;margin:0}
.review{border:2px solid #c00;color:#c00;text-align:center;padding:.3em;margin-bottom:1em;font-family:var(--head)}
.findings li{margin:.2em 0}
.findings li.error{color:#b00}
.annex{margin-top:2.5em;border-top:1px dashed #999}
.chart{max-width:100%;height:auto}
@media (max-width:640px){main{padding:1em .8em}body{font-size:15px}table{font-size:.75em}table.wide{min-width:600px}}
@page{size:A4;margin:25mm 20mm 22mm 20mm}
@media print{body{background:#fff;font-size:12pt}main{max-width:none;padding:0}.wrap{overflow:visible}
table{page-break-inside:auto}tr{page-break-inside:avoid}h2{page-break-after:avoid}}
"#;

/// Renders the document as one HTML page.
pub fn render(doc: &Document, annex: Option<&Annex>) -> String {
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        xml(&doc.title)
    );
    if doc.review {
        s.push_str("<div class=\"review\">审核稿 · 标出的单元格有审核意见（review copy）</div>\n");
    }
    let _ = writeln!(s, "<h1>{}</h1>", xml(&doc.title));
    for section in &doc.sections {
        let _ = writeln!(
            s,
            "<section id=\"{}\">\n<h2>{}</h2>",
            xml(&section.key),
            xml(&section.heading)
        );
        match &section.body {
            Body::Prose(paras) => {
                for p in paras {
                    let _ = writeln!(s, "<p>{}</p>", xml(p));
                }
            }
            Body::Table(grid) => table(&mut s, grid, &section.heading),
        }
        s.push_str("</section>\n");
    }
    if doc.signature.is_some() || doc.date.is_some() {
        s.push_str("<div class=\"sign\">\n");
        for line in [&doc.signature, &doc.date].into_iter().flatten() {
            let _ = writeln!(s, "<p>{}</p>", xml(line));
        }
        s.push_str("</div>\n");
    }
    if doc.review {
        let _ = writeln!(
            s,
            "<section class=\"findings\" id=\"findings\">\n<h2>{FINDINGS_HEADING}</h2>"
        );
        if doc.findings.is_empty() {
            s.push_str("<p>未发现问题。No findings.</p>\n");
        } else {
            s.push_str("<ol>\n");
            for f in &doc.findings {
                let class = match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                let _ = writeln!(
                    s,
                    "<li class=\"{class}\" data-cells=\"{}\">{}</li>",
                    xml(&f.cells.join(" ")),
                    xml(&finding_line(f))
                );
            }
            s.push_str("</ol>\n");
        }
        s.push_str("</section>\n");
    }
    if let Some(annex) = annex {
        annex_html(&mut s, annex);
    }
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

fn table(s: &mut String, grid: &Grid, caption: &str) {
    let wide = if grid.columns >= 8 {
        " class=\"wide\""
    } else {
        ""
    };
    let _ = writeln!(
        s,
        "<div class=\"wrap\"><table{wide} aria-label=\"{}\">",
        xml(caption)
    );
    let header_rows = grid.rows.iter().take_while(|r| r.header).count();
    // Table 二 repeats headers inside its body; only a leading header block becomes thead.
    let thead = header_rows > 0 && grid.rows.iter().skip(header_rows).all(|r| !r.header);
    if thead {
        s.push_str("<thead>\n");
    } else {
        s.push_str("<tbody>\n");
    }
    for (i, row) in grid.rows.iter().enumerate() {
        if thead && i == header_rows {
            s.push_str("</thead>\n<tbody>\n");
        }
        s.push_str("<tr>");
        for cell in &row.cells {
            cell_html(s, cell);
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table></div>\n");
}

fn spans(cell: &GridCell) -> String {
    let mut a = String::new();
    if cell.colspan > 1 {
        let _ = write!(a, " colspan=\"{}\"", cell.colspan);
    }
    if cell.rowspan > 1 {
        let _ = write!(a, " rowspan=\"{}\"", cell.rowspan);
    }
    a
}

fn cell_html(s: &mut String, cell: &GridCell) {
    let flag = if cell.flagged { " flag" } else { "" };
    match &cell.role {
        CellRole::Data { key, present } => {
            let absent = if *present { "" } else { " absent" };
            let _ = write!(
                s,
                "<td class=\"num{absent}{flag}\" data-key=\"{key}\"{}>{}</td>",
                spans(cell),
                xml(&cell.text)
            );
        }
        role => {
            let (class, scope) = match role {
                CellRole::Caption => ("caption", "colgroup"),
                CellRole::Header if cell.colspan > 1 => ("", "colgroup"),
                CellRole::Header => ("", "col"),
                _ if cell.rowspan > 1 => ("label", "rowgroup"),
                _ => ("label", "row"),
            };
            let _ = write!(
                s,
                "<th scope=\"{scope}\" class=\"{class}{flag}\"{}>{}</th>",
                spans(cell),
                xml(&cell.text)
            );
        }
    }
}

fn plain_table(s: &mut String, t: &AnnexTable) {
    if t.header.is_empty() && t.rows.is_empty() {
        return;
    }
    if !t.caption.is_empty() {
        let _ = writeln!(s, "<h3>{}</h3>", xml(&t.caption));
    }
    s.push_str("<div class=\"wrap\"><table>\n<thead><tr>");
    for h in &t.header {
        let _ = write!(s, "<th scope=\"col\">{}</th>", xml(h));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        s.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            if i == 0 {
                let _ = write!(s, "<th scope=\"row\" class=\"label\">{}</th>", xml(c));
            } else {
                let _ = write!(s, "<td>{}</td>", xml(c));
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table></div>\n");
}

fn annex_html(s: &mut String, annex: &Annex) {
    let _ = writeln!(
        s,
        "<section class=\"annex\" id=\"annex\">\n<h2>{}</h2>",
        xml(&crate::text::annex_title(annex))
    );
    plain_table(s, &crate::text::offices_table(annex));
    for t in annex.data_tables() {
        plain_table(s, t);
    }
    for c in &annex.charts {
        let _ = writeln!(s, "<figure class=\"chart\">{}</figure>", chart::svg(c));
    }
    s.push_str("</section>\n");
}
