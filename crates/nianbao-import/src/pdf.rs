//! PDF: glyphs with their positions (through `pdf-extract`), grouped into lines by y and
//! into cells by the gaps in x. Page numbers (`-4-`, `— 4 —`) are dropped.

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

use crate::ImportError;
use crate::doc::{Doc, Line};

#[derive(Clone, Debug)]
struct Glyph {
    page: u32,
    x: f64,
    y: f64,
    w: f64,
    size: f64,
    ch: String,
}

#[derive(Default)]
struct Collector {
    page: u32,
    glyphs: Vec<Glyph>,
    limit: usize,
}

impl OutputDev for Collector {
    fn begin_page(
        &mut self,
        page_num: u32,
        _media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.page = page_num;
        Ok(())
    }
    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        ch: &str,
    ) -> Result<(), OutputError> {
        if self.glyphs.len() >= self.limit {
            return Ok(());
        }
        let size = (font_size * trm.m11.hypot(trm.m12)).abs().max(1.0);
        self.glyphs.push(Glyph {
            page: self.page,
            x: trm.m31,
            y: trm.m32,
            w: (width * size).abs(),
            size,
            ch: ch.to_string(),
        });
        Ok(())
    }
    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// Reads the text of a PDF as lines of cells.
pub fn read(bytes: &[u8]) -> Result<Doc, ImportError> {
    let glyphs = std::panic::catch_unwind(|| -> Result<Vec<Glyph>, String> {
        let doc = pdf_extract::Document::load_mem(bytes).map_err(|e| e.to_string())?;
        if doc.is_encrypted() {
            return Err("encrypted / 已加密".into());
        }
        check_parent_chains(&doc)?;
        let mut out = Collector {
            limit: 2_000_000,
            ..Collector::default()
        };
        pdf_extract::output_doc(&doc, &mut out).map_err(|e| e.to_string())?;
        Ok(out.glyphs)
    })
    .map_err(|payload| ImportError::Corrupt {
        format: "pdf",
        reason: format!(
            "PDF 结构无法读取 / the PDF structure could not be read ({})",
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default()
        ),
    })?
    .map_err(|reason| ImportError::Corrupt {
        format: "pdf",
        reason,
    })?;
    if glyphs.iter().all(|g| g.ch.trim().is_empty()) {
        return Err(ImportError::NoText { format: "pdf" });
    }
    Ok(layout(glyphs))
}

/// Longest page-tree `Parent` chain accepted. The PDF reader looks up inherited page
/// attributes (`Resources`, `MediaBox`) recursively along it, so a chain that loops would
/// overflow the stack (an abort, which `catch_unwind` cannot stop).
const MAX_PARENT_CHAIN: usize = 256;

/// Refuses a document where some page's `Parent` chain loops or is deeper than
/// [`MAX_PARENT_CHAIN`]; follows the chain the way the reader does (references only).
fn check_parent_chains(doc: &pdf_extract::Document) -> Result<(), String> {
    for (number, id) in doc.get_pages() {
        let mut current = id;
        let mut depth = 0;
        while let Ok(parent) = doc
            .get_dictionary(current)
            .and_then(|d| d.get(b"Parent"))
            .and_then(|p| p.as_reference())
        {
            depth += 1;
            if depth > MAX_PARENT_CHAIN {
                return Err(format!(
                    "第 {number} 页的页面树 Parent 链成环或超过 {MAX_PARENT_CHAIN} 层 / \
                     the page tree's Parent chain of page {number} loops or is deeper than {MAX_PARENT_CHAIN}"
                ));
            }
            current = parent;
        }
    }
    Ok(())
}

/// Groups glyphs into lines (same page, y within half a glyph) and cells (x gap over one glyph).
fn layout(mut glyphs: Vec<Glyph>) -> Doc {
    glyphs.retain(|g| !g.ch.trim().is_empty() && g.x.is_finite() && g.y.is_finite());
    glyphs.sort_by(|a, b| {
        a.page
            .cmp(&b.page)
            .then(b.y.total_cmp(&a.y))
            .then(a.x.total_cmp(&b.x))
    });
    let mut lines: Vec<Vec<Glyph>> = Vec::new();
    for g in glyphs {
        match lines.last_mut() {
            Some(line)
                if line[0].page == g.page && (line[0].y - g.y).abs() < 0.45 * line[0].size =>
            {
                line.push(g)
            }
            _ => lines.push(vec![g]),
        }
    }
    let mut doc = Doc::default();
    for mut line in lines {
        line.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut cells: Vec<String> = Vec::new();
        let mut end = f64::NEG_INFINITY;
        for g in &line {
            let gap = g.x - end;
            if cells.is_empty() || gap > 0.9 * g.size {
                cells.push(String::new());
            } else if gap > 0.25 * g.size
                && cells
                    .last()
                    .and_then(|c| c.chars().last())
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                && g.ch.chars().all(|c| c.is_ascii_alphanumeric())
                && let Some(c) = cells.last_mut()
            {
                c.push(' ');
            }
            if let Some(c) = cells.last_mut() {
                c.push_str(&g.ch);
            }
            end = g.x + g.w.max(0.3 * g.size);
        }
        let text: String = cells.concat();
        if is_page_number(&text) {
            continue;
        }
        doc.lines.push(Line { cells, table: true });
    }
    doc
}

/// `-4-`, `— 4 —`, `- 12 -`, `第 3 页`.
pub fn is_page_number(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let dashed = t.trim_matches(|c| matches!(c, '-' | '—' | '–' | '－' | '─'));
    let paged = dashed
        .strip_prefix('第')
        .and_then(|s| s.strip_suffix('页'))
        .unwrap_or(dashed);
    let dash = |c: Option<char>| c.is_some_and(|c| matches!(c, '-' | '—' | '–' | '－' | '─'));
    let both_dashed = dash(t.chars().next()) && dash(t.chars().last());
    let decorated = both_dashed || paged.len() != dashed.len();
    decorated && !paged.is_empty() && paged.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::is_page_number;

    #[test]
    fn page_numbers() {
        for p in ["-4-", "— 4 —", "- 12 -", "第 3 页"] {
            assert!(is_page_number(p), "{p}");
        }
        for p in ["4", "0 0 0", "-18", "2024年"] {
            assert!(!is_page_number(p), "{p}");
        }
    }
}
