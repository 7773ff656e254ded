//! Plain text (Word flattened to text, crawler text) and Markdown tables.

use crate::doc::{Doc, Line};
use crate::pdf::is_page_number;

/// Reads text: a Markdown table row becomes a line of cells, every other line one cell;
/// tab-separated parts become cells; page footers are dropped.
pub fn read(text: &str) -> Doc {
    let mut doc = Doc::default();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || is_page_number(line) {
            continue;
        }
        if let Some(row) = line.strip_prefix('|') {
            let row = row.strip_suffix('|').unwrap_or(row);
            let cells: Vec<String> = row.split('|').map(|c| c.trim().to_string()).collect();
            if cells
                .iter()
                .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
            {
                continue;
            }
            doc.lines.push(Line { cells, table: true });
            continue;
        }
        if line.starts_with("## 表") || line.starts_with("# 表") {
            continue;
        }
        if raw.contains('\t') {
            let cells: Vec<String> = raw
                .split('\t')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            doc.lines.push(Line {
                cells,
                table: false,
            });
        } else {
            doc.lines.push(Line::text(line));
        }
    }
    doc
}
