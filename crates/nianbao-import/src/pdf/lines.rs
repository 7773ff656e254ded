//! From the pages' glyphs and tables to the document's lines: each table row a line of its
//! cells (a merged cell on the first row it spans), the other glyphs grouped into lines by
//! baseline and into cells by the gaps in x; all in the order of the page from the top.
//! Page numbers, and running headers and footers printed on several pages, are dropped.

use std::collections::BTreeMap;

use std::ops::Range;

use super::geometry::{Glyph, Page, is_page_number};
use super::grid;
use super::tess::DOUBT;
use crate::Origin;
use crate::doc::{Doc, Line};

/// The share of the page height at the top and at the bottom where running headers and
/// footers are looked for.
const MARGIN: f64 = 0.08;

/// One printed line: where it starts on its page, its cells and their boxes.
struct Item {
    page: u32,
    y: f64,
    table: bool,
    cells: Vec<(String, Origin)>,
    margin: bool,
    /// Free text: the font size, the bottom and the right edge of the line.
    size: f64,
    bottom: f64,
    right: f64,
}

/// The document's lines from its pages.
pub fn doc(pages: Vec<Page>) -> Doc {
    let mut items: Vec<Item> = Vec::new();
    for page in &pages {
        let (tables, taken) = grid::tables(page);
        let mut page_items: Vec<Item> = Vec::new();
        for t in &tables {
            for (r, &y) in t.rows.iter().enumerate() {
                let mut cells: Vec<&grid::Cell> = t.cells.iter().filter(|c| c.row == r).collect();
                if cells.is_empty() {
                    continue;
                }
                cells.sort_by(|a, b| a.x0.total_cmp(&b.x0));
                let cells = cells
                    .into_iter()
                    .map(|c| {
                        let glyphs: Vec<&Glyph> =
                            c.glyphs.iter().map(|&k| &page.glyphs[k]).collect();
                        let origin = Origin::new(page.number, c.x0, c.top, c.x1, c.bottom);
                        (cell_text(glyphs), origin)
                    })
                    .collect();
                page_items.push(Item {
                    page: page.number,
                    y,
                    table: true,
                    cells,
                    margin: false,
                    size: 0.0,
                    bottom: y,
                    right: 0.0,
                });
            }
        }
        let free: Vec<&Glyph> = page
            .glyphs
            .iter()
            .zip(&taken)
            .filter(|(_, t)| !**t)
            .map(|(g, _)| g)
            .collect();
        let right = free.iter().map(|g| g.x1).fold(f64::MIN, f64::max);
        let mut text: Vec<Item> = Vec::new();
        for glyphs in baselines(free) {
            let item = free_line(
                &Printed {
                    cells: gap_ranges(&glyphs),
                    glyphs,
                },
                page,
            );
            match text.last_mut() {
                Some(prev) if wraps_into(prev, &item, right) => {
                    let (t, o) = item.cells.into_iter().next().unwrap_or_default();
                    let b = o.bbox;
                    prev.cells[0].0.push_str(&t);
                    prev.cells[0]
                        .1
                        .grow(b[0].into(), b[1].into(), b[2].into(), b[3].into());
                    prev.bottom = item.bottom;
                    prev.right = item.right;
                }
                _ => text.push(item),
            }
        }
        drop_side_pieces(&mut text);
        page_items.extend(text);
        page_items.sort_by(|a, b| a.y.total_cmp(&b.y));
        items.extend(page_items);
    }
    drop_running(&mut items, pages.len());
    let mut doc = Doc::default();
    for item in items {
        let text: String = item.cells.iter().map(|c| c.0.as_str()).collect();
        if !item.table && is_page_number(&text) {
            continue;
        }
        let (mut cells, origins): (Vec<String>, Vec<Origin>) = item.cells.into_iter().unzip();
        for (c, text) in cells.iter_mut().enumerate() {
            if text.contains(DOUBT) {
                *text = text.replace(DOUBT, "");
                doc.doubtful.push((doc.lines.len(), c));
            }
        }
        doc.lines.push(Line { cells, table: true });
        doc.origins.push(origins.into_iter().map(Some).collect());
    }
    doc
}

/// Drops the pieces of a group label printed down a narrow column beside the row labels of
/// a table without lines (`（六` / `）其` / `他处` / `理`, a line each): one cell of up to
/// three characters, the lines above and below it starting right of it. Left in, they would
/// cut the row labels they stand between.
fn drop_side_pieces(items: &mut Vec<Item>) {
    let left = |i: &Item| i.cells.first().map_or(f64::MAX, |c| f64::from(c.1.bbox[0]));
    let right = |i: &Item| i.cells.last().map_or(f64::MIN, |c| f64::from(c.1.bbox[2]));
    let side: Vec<bool> = (0..items.len())
        .map(|k| {
            let it = &items[k];
            k > 0
                && k + 1 < items.len()
                && !it.table
                && it.cells.len() == 1
                && it.cells[0].0.chars().count() <= 3
                && left(&items[k - 1]) > right(it) + 1.0
                && left(&items[k + 1]) > right(it) + 1.0
        })
        .collect();
    let mut k = 0;
    items.retain(|_| {
        k += 1;
        !side[k - 1]
    });
}

/// Whether a line of free text continues the one before it: both one cell of the same size,
/// close below it, and the line before runs to the right edge of the page's text (a title or
/// a paragraph wrapped).
fn wraps_into(prev: &Item, next: &Item, right: f64) -> bool {
    prev.cells.len() == 1
        && next.cells.len() == 1
        && !prev.margin
        && !next.margin
        && (prev.size - next.size).abs() < 0.1 * prev.size
        && next.y - prev.bottom < 1.6 * prev.size
        && prev.right >= right - 1.5 * prev.size
}

/// Drops lines in the top or bottom margin whose text, digits aside, is printed in the margin
/// of at least two pages and of most pages.
fn drop_running(items: &mut Vec<Item>, pages: usize) {
    if pages < 2 {
        return;
    }
    let shape = |i: &Item| -> String {
        i.cells
            .iter()
            .flat_map(|c| c.0.chars())
            .filter(|c| !c.is_whitespace())
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect()
    };
    let mut seen: BTreeMap<String, std::collections::BTreeSet<u32>> = BTreeMap::new();
    for i in items.iter().filter(|i| i.margin) {
        seen.entry(shape(i)).or_default().insert(i.page);
    }
    items.retain(|i| {
        !i.margin
            || seen
                .get(&shape(i))
                .is_none_or(|p| p.len() < 2 || p.len() * 2 < pages)
    });
}

/// Glyphs grouped into lines: same baseline within half a glyph.
pub(crate) fn baselines(mut glyphs: Vec<&Glyph>) -> Vec<Vec<&Glyph>> {
    glyphs.sort_by(|a, b| a.base.total_cmp(&b.base).then(a.x0.total_cmp(&b.x0)));
    let mut lines: Vec<Vec<&Glyph>> = Vec::new();
    for g in glyphs {
        match lines.last_mut() {
            Some(line) if (line[0].base - g.base).abs() < 0.45 * line[0].size => line.push(g),
            _ => lines.push(vec![g]),
        }
    }
    for l in &mut lines {
        l.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    }
    lines
}

/// Whether a space goes between two glyphs of one cell (words of Latin text or numbers).
fn spaced(prev: &str, g: &Glyph, gap: f64) -> bool {
    gap > 0.25 * g.size
        && prev
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && g.ch.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A line of free text cut into cells where the gap in x exceeds one glyph: each cell's
/// range of glyphs.
fn gap_ranges(line: &[&Glyph]) -> Vec<Range<usize>> {
    let mut cells: Vec<Range<usize>> = Vec::new();
    let mut end = f64::NEG_INFINITY;
    for (k, g) in line.iter().enumerate() {
        match cells.last_mut() {
            Some(r) if g.x0 - end <= 0.9 * g.size => r.end = k + 1,
            _ => cells.push(k..k + 1),
        }
        end = g.x1.max(g.x0 + 0.3 * g.size);
    }
    cells
}

/// The box of some glyphs.
fn bbox(glyphs: &[&Glyph], page: u32) -> Origin {
    let mut o = Origin::new(page, f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for g in glyphs {
        o.grow(g.x0, g.top, g.x1, g.base);
    }
    o
}

/// A printed line: its glyphs and its cells (each the glyph range it holds).
struct Printed<'a> {
    glyphs: Vec<&'a Glyph>,
    cells: Vec<Range<usize>>,
}

/// A line of free text as printed, its cells cut by the gaps.
fn free_line(line: &Printed<'_>, page: &Page) -> Item {
    let cells = line
        .cells
        .iter()
        .map(|r| {
            let glyphs = &line.glyphs[r.clone()];
            (cell_text(glyphs.to_vec()), bbox(glyphs, page.number))
        })
        .collect();
    let y = line.glyphs.iter().map(|g| g.top).fold(f64::MAX, f64::min);
    let bottom = line.glyphs.iter().map(|g| g.base).fold(f64::MIN, f64::max);
    Item {
        page: page.number,
        y,
        table: false,
        cells,
        margin: bottom < MARGIN * page.height || y > (1.0 - MARGIN) * page.height,
        size: line.glyphs.first().map_or(0.0, |g| g.size),
        bottom,
        right: line.glyphs.iter().map(|g| g.x1).fold(f64::MIN, f64::max),
    }
}

/// The text of a table cell: its lines joined (a wrapped label or note reads as one).
fn cell_text(glyphs: Vec<&Glyph>) -> String {
    let mut out = String::new();
    for line in baselines(glyphs) {
        let mut end = f64::NEG_INFINITY;
        for g in line {
            if spaced(&out, g, g.x0 - end) {
                out.push(' ');
            }
            out.push_str(&g.ch);
            end = g.x1;
        }
    }
    out
}
