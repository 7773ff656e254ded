//! Tables from a page's ruling lines. Segments are joined where they continue one another and
//! grouped into tables where they cross; the distinct x of a table's vertical lines and y of
//! its horizontal lines cut it into atomic cells, and two neighbouring atomic cells are one
//! (merged) cell where no segment separates them. Every glyph goes to the cell whose box holds
//! its centre.

use super::geometry::{Page, Seg};

/// Coordinates closer than this (points) are one line.
const SNAP: f64 = 1.5;
/// Segments of one line with a gap below this (points) are one segment.
const JOIN: f64 = 2.0;

/// A (possibly merged) cell: its box, its first atomic row and column, its glyphs.
#[derive(Clone, Debug)]
pub struct Cell {
    pub x0: f64,
    pub x1: f64,
    pub top: f64,
    pub bottom: f64,
    pub row: usize,
    pub glyphs: Vec<usize>,
}

/// A table: its cells and the y of its rows' top lines.
#[derive(Clone, Debug)]
pub struct Table {
    pub cells: Vec<Cell>,
    pub rows: Vec<f64>,
}

/// The tables ruled on a page, with the page's glyphs placed in their cells; returns the
/// tables and, per glyph, whether a table took it.
pub fn tables(page: &Page) -> (Vec<Table>, Vec<bool>) {
    let h = join(&page.horizontal);
    let v = join(&page.vertical);
    let mut taken = vec![false; page.glyphs.len()];
    let mut out = Vec::new();
    for (hs, vs) in components(&h, &v) {
        if let Some(mut t) = build(&hs, &vs) {
            place(page, &mut t, &mut taken, &hs, &vs);
            out.push(t);
        }
    }
    (out, taken)
}

/// Segments of one line (within [`SNAP`]) that touch or overlap joined into one.
fn join(segs: &[Seg]) -> Vec<Seg> {
    let mut s: Vec<Seg> = segs.to_vec();
    s.sort_by(|a, b| a.at.total_cmp(&b.at).then(a.from.total_cmp(&b.from)));
    // Group by line.
    let mut lines: Vec<Vec<Seg>> = Vec::new();
    for seg in s {
        match lines.last_mut() {
            Some(l) if (seg.at - l[0].at).abs() < SNAP => l.push(seg),
            _ => lines.push(vec![seg]),
        }
    }
    let mut out = Vec::new();
    for mut l in lines {
        let at = l.iter().map(|s| s.at).sum::<f64>() / l.len() as f64;
        l.sort_by(|a, b| a.from.total_cmp(&b.from));
        let mut cur: Option<Seg> = None;
        for seg in l {
            cur = match cur {
                Some(c) if seg.from <= c.to + JOIN => Some(Seg {
                    at,
                    from: c.from,
                    to: c.to.max(seg.to),
                }),
                Some(c) => {
                    out.push(c);
                    Some(Seg { at, ..seg })
                }
                None => Some(Seg { at, ..seg }),
            };
        }
        out.extend(cur);
    }
    out
}

fn crosses(h: &Seg, v: &Seg) -> bool {
    v.at >= h.from - SNAP - 1.0
        && v.at <= h.to + SNAP + 1.0
        && h.at >= v.from - SNAP - 1.0
        && h.at <= v.to + SNAP + 1.0
}

/// Groups of segments connected by crossings.
fn components(h: &[Seg], v: &[Seg]) -> Vec<(Vec<Seg>, Vec<Seg>)> {
    let n = h.len() + v.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for (i, hs) in h.iter().enumerate() {
        for (j, vs) in v.iter().enumerate() {
            if crosses(hs, vs) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, h.len() + j));
                parent[a] = b;
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, (Vec<Seg>, Vec<Seg>)> = Default::default();
    for (i, s) in h.iter().enumerate() {
        groups.entry(root(&mut parent, i)).or_default().0.push(*s);
    }
    for (j, s) in v.iter().enumerate() {
        groups
            .entry(root(&mut parent, h.len() + j))
            .or_default()
            .1
            .push(*s);
    }
    groups
        .into_values()
        .filter(|(h, v)| h.len() >= 2 && v.len() >= 2)
        .collect()
}

/// The distinct positions of segments, within [`SNAP`].
fn positions(segs: &[Seg]) -> Vec<f64> {
    let mut at: Vec<f64> = segs.iter().map(|s| s.at).collect();
    at.sort_by(f64::total_cmp);
    let mut out: Vec<f64> = Vec::new();
    for a in at {
        if out.last().is_none_or(|l| a - l >= SNAP) {
            out.push(a);
        }
    }
    out
}

/// Whether some segment at `at` covers most of `[a, b]`.
fn covered(segs: &[Seg], at: f64, a: f64, b: f64) -> bool {
    let slack = 0.25 * (b - a);
    segs.iter()
        .any(|s| (s.at - at).abs() < SNAP && s.from <= a + slack && s.to >= b - slack)
}

/// The cells of one group of segments, when it is a table (two columns and two rows at least).
fn build(hs: &[Seg], vs: &[Seg]) -> Option<Table> {
    let xs = positions(vs);
    let ys = positions(hs);
    if xs.len() < 3 || ys.len() < 3 {
        return None;
    }
    let (nr, nc) = (ys.len() - 1, xs.len() - 1);
    // Atomic cells inside the outline: a line on each side, somewhere.
    let inside = |i: usize, j: usize| {
        let (my, mx) = ((ys[i] + ys[i + 1]) / 2.0, (xs[j] + xs[j + 1]) / 2.0);
        let v_at = |x: f64| {
            vs.iter()
                .any(|s| (s.at - x).abs() < SNAP && s.from <= my && s.to >= my)
        };
        let h_at = |y: f64| {
            hs.iter()
                .any(|s| (s.at - y).abs() < SNAP && s.from <= mx && s.to >= mx)
        };
        xs[..=j].iter().any(|&x| v_at(x))
            && xs[j + 1..].iter().any(|&x| v_at(x))
            && ys[..=i].iter().any(|&y| h_at(y))
            && ys[i + 1..].iter().any(|&y| h_at(y))
    };
    let id = |i: usize, j: usize| i * nc + j;
    let mut parent: Vec<usize> = (0..nr * nc).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let ins: Vec<bool> = (0..nr * nc).map(|k| inside(k / nc, k % nc)).collect();
    for i in 0..nr {
        for j in 0..nc {
            if !ins[id(i, j)] {
                continue;
            }
            if j + 1 < nc && ins[id(i, j + 1)] && !covered(vs, xs[j + 1], ys[i], ys[i + 1]) {
                let (a, b) = (root(&mut parent, id(i, j)), root(&mut parent, id(i, j + 1)));
                parent[b] = a;
            }
            if i + 1 < nr && ins[id(i + 1, j)] && !covered(hs, ys[i + 1], xs[j], xs[j + 1]) {
                let (a, b) = (root(&mut parent, id(i, j)), root(&mut parent, id(i + 1, j)));
                parent[b] = a;
            }
        }
    }
    let mut cells: std::collections::BTreeMap<usize, Cell> = Default::default();
    for i in 0..nr {
        for j in 0..nc {
            if !ins[id(i, j)] {
                continue;
            }
            let r = root(&mut parent, id(i, j));
            let c = cells.entry(r).or_insert(Cell {
                x0: xs[j],
                x1: xs[j + 1],
                top: ys[i],
                bottom: ys[i + 1],
                row: i,
                glyphs: Vec::new(),
            });
            c.x0 = c.x0.min(xs[j]);
            c.x1 = c.x1.max(xs[j + 1]);
            c.top = c.top.min(ys[i]);
            c.bottom = c.bottom.max(ys[i + 1]);
            c.row = c.row.min(i);
        }
    }
    let cells: Vec<Cell> = cells.into_values().collect();
    let columns = cells
        .iter()
        .map(|c| (c.x0 * 10.0) as i64)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    (cells.len() >= 4 && columns >= 2).then(|| Table {
        cells,
        rows: ys[..nr].to_vec(),
    })
}

/// Puts each glyph not yet taken whose centre lies in a cell of the table into that cell.
fn place(page: &Page, t: &mut Table, taken: &mut [bool], _hs: &[Seg], _vs: &[Seg]) {
    for (k, g) in page.glyphs.iter().enumerate() {
        if taken[k] {
            continue;
        }
        let (x, y) = (g.cx(), g.cy());
        if let Some(c) = t
            .cells
            .iter_mut()
            .find(|c| x >= c.x0 && x < c.x1 && y >= c.top && y < c.bottom)
        {
            c.glyphs.push(k);
            taken[k] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::geometry::Glyph;

    fn seg(at: f64, from: f64, to: f64) -> Seg {
        Seg { at, from, to }
    }

    fn glyph(x: f64, y: f64, ch: &str) -> Glyph {
        Glyph {
            x0: x,
            x1: x + 8.0,
            top: y - 8.0,
            base: y,
            size: 10.0,
            ch: ch.into(),
        }
    }

    #[test]
    fn a_ruled_table_with_a_merged_cell() {
        // Three rows, three columns; the first column's two lower cells are merged (no line
        // between them); the middle line is drawn in two pieces.
        let page = Page {
            number: 1,
            height: 800.0,
            horizontal: vec![
                seg(100.0, 50.0, 350.0),
                seg(130.0, 50.0, 350.0),
                seg(160.0, 150.0, 250.0),
                seg(160.0, 250.5, 350.0),
                seg(190.0, 50.0, 350.0),
            ],
            vertical: [50.0, 150.0, 250.0, 350.0]
                .iter()
                .map(|&x| seg(x, 100.0, 190.0))
                .collect(),
            glyphs: vec![
                glyph(60.0, 120.0, "甲"),
                glyph(60.0, 178.0, "乙"),
                glyph(160.0, 150.0, "1"),
                glyph(260.0, 180.0, "2"),
                glyph(400.0, 180.0, "外"),
            ],
        };
        let (t, taken) = tables(&page);
        assert_eq!(t.len(), 1);
        let t = &t[0];
        assert_eq!(t.rows.len(), 3);
        // 3 + 3 + 2 cells: the merged one spans rows 1 and 2.
        assert_eq!(t.cells.len(), 8);
        let merged = t
            .cells
            .iter()
            .find(|c| c.x0 == 50.0 && c.row == 1)
            .expect("merged");
        assert_eq!((merged.top, merged.bottom), (130.0, 190.0));
        assert_eq!(merged.glyphs, vec![1]);
        assert_eq!(taken, vec![true, true, true, true, false]);
    }
}
