//! What a page draws, in the coordinates of the page as displayed: points from its top-left
//! corner, y downwards, after the page's `/Rotate`. Glyphs with their boxes; ruling lines as
//! horizontal and vertical segments (from stroked paths and `re`, and from filled rectangles:
//! a thin one is a line, the edges of a wider one are cell borders).

use pdf_extract::{ColorSpace, MediaBox, OutputDev, OutputError, Path, PathOp, Transform};

/// One glyph: its text and box.
#[derive(Clone, Debug)]
pub struct Glyph {
    pub x0: f64,
    pub x1: f64,
    pub top: f64,
    /// The baseline.
    pub base: f64,
    /// The font size (points).
    pub size: f64,
    pub ch: String,
}

impl Glyph {
    pub fn cx(&self) -> f64 {
        (self.x0 + self.x1) / 2.0
    }
    pub fn cy(&self) -> f64 {
        (self.top + self.base) / 2.0
    }
}

/// An axis-aligned segment: horizontal at `at` from `from` to `to` in x, or vertical at `at`
/// from `from` to `to` in y.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Seg {
    pub at: f64,
    pub from: f64,
    pub to: f64,
}

/// One page as read.
#[derive(Clone, Debug, Default)]
pub struct Page {
    pub number: u32,
    pub height: f64,
    pub glyphs: Vec<Glyph>,
    pub horizontal: Vec<Seg>,
    pub vertical: Vec<Seg>,
}

/// Filled rectangles thinner than this (points) are lines.
const THIN: f64 = 2.5;
/// Filled rectangles up to this high (points) are cells (a shaded row); a taller one is a
/// background or a frame, not a table's lines.
const CELL_HEIGHT: f64 = 60.0;

/// Collects the pages `pdf-extract` walks through.
pub struct Collector {
    /// The `/Rotate` of the page being read.
    pub rotate: i64,
    media: Option<MediaBox>,
    page: Option<Page>,
    limit: usize,
    glyphs: usize,
}

impl Collector {
    pub fn new(limit: usize) -> Collector {
        Collector {
            rotate: 0,
            media: None,
            page: None,
            limit,
            glyphs: 0,
        }
    }

    /// The page read last.
    pub fn take(&mut self) -> Option<Page> {
        self.page.take()
    }

    /// A point of user space on the displayed page.
    fn show(&self, x: f64, y: f64) -> (f64, f64) {
        let Some(m) = self.media else {
            return (x, -y);
        };
        match self.rotate {
            90 => (y - m.lly, x - m.llx),
            180 => (m.urx - x, y - m.lly),
            270 => (m.ury - y, m.urx - x),
            _ => (x - m.llx, m.ury - y),
        }
    }

    /// A segment from two user-space points (already through the CTM), if axis-aligned.
    fn segment(&mut self, a: (f64, f64), b: (f64, f64)) {
        let (a, b) = (self.show(a.0, a.1), self.show(b.0, b.1));
        let Some(page) = self.page.as_mut() else {
            return;
        };
        if ![a.0, a.1, b.0, b.1].iter().all(|v| v.is_finite()) {
            return;
        }
        let (dx, dy) = ((a.0 - b.0).abs(), (a.1 - b.1).abs());
        if dy < 0.5 && dx >= 1.0 {
            page.horizontal.push(Seg {
                at: (a.1 + b.1) / 2.0,
                from: a.0.min(b.0),
                to: a.0.max(b.0),
            });
        } else if dx < 0.5 && dy >= 1.0 {
            page.vertical.push(Seg {
                at: (a.0 + b.0) / 2.0,
                from: a.1.min(b.1),
                to: a.1.max(b.1),
            });
        }
    }

    fn path(&mut self, ctm: &Transform, path: &Path, filled: bool) {
        let t = |x: f64, y: f64| {
            (
                x * ctm.m11 + y * ctm.m21 + ctm.m31,
                x * ctm.m12 + y * ctm.m22 + ctm.m32,
            )
        };
        // A filled path is looked at as polygons; a stroked one as its segments.
        let mut polys: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut start = None;
        let mut current = None;
        for op in &path.ops {
            match *op {
                PathOp::MoveTo(x, y) => {
                    let p = t(x, y);
                    start = Some(p);
                    current = Some(p);
                    polys.push(vec![p]);
                }
                PathOp::LineTo(x, y) => {
                    let p = t(x, y);
                    if let Some(c) = current
                        && !filled
                    {
                        self.segment(c, p);
                    }
                    if let Some(poly) = polys.last_mut() {
                        poly.push(p);
                    }
                    current = Some(p);
                }
                PathOp::CurveTo(_, _, _, _, x, y) => {
                    current = Some(t(x, y));
                    polys.push(Vec::new());
                }
                PathOp::Rect(x, y, w, h) => {
                    let poly = vec![t(x, y), t(x + w, y), t(x + w, y + h), t(x, y + h)];
                    if !filled {
                        for i in 0..4 {
                            self.segment(poly[i], poly[(i + 1) % 4]);
                        }
                    }
                    polys.push(poly);
                    current = Some(t(x, y));
                }
                PathOp::Close => {
                    if let (Some(c), Some(s)) = (current, start)
                        && !filled
                    {
                        self.segment(c, s);
                    }
                    current = start;
                }
            }
        }
        if filled {
            for poly in polys {
                self.filled(&poly);
            }
        }
    }

    /// A filled polygon that is an axis-aligned rectangle: a line when thin, else its edges.
    fn filled(&mut self, poly: &[(f64, f64)]) {
        let pts: Vec<(f64, f64)> = poly.iter().map(|&(x, y)| self.show(x, y)).collect();
        if pts.len() < 4 || pts.len() > 5 {
            return;
        }
        let xs = pts.iter().map(|p| p.0);
        let ys = pts.iter().map(|p| p.1);
        let (x0, x1) = (
            xs.clone().fold(f64::MAX, f64::min),
            xs.fold(f64::MIN, f64::max),
        );
        let (y0, y1) = (
            ys.clone().fold(f64::MAX, f64::min),
            ys.fold(f64::MIN, f64::max),
        );
        let on_edge = pts.iter().all(|p| {
            ((p.0 - x0).abs() < 0.5 || (p.0 - x1).abs() < 0.5)
                && ((p.1 - y0).abs() < 0.5 || (p.1 - y1).abs() < 0.5)
        });
        let Some(page) = self.page.as_mut() else {
            return;
        };
        if !on_edge || !(x1 - x0).is_finite() || !(y1 - y0).is_finite() {
            return;
        }
        let (w, h) = (x1 - x0, y1 - y0);
        if h < THIN && w >= 1.0 {
            page.horizontal.push(Seg {
                at: (y0 + y1) / 2.0,
                from: x0,
                to: x1,
            });
        } else if w < THIN && h >= 1.0 {
            page.vertical.push(Seg {
                at: (x0 + x1) / 2.0,
                from: y0,
                to: y1,
            });
        } else if w >= THIN && (THIN..=CELL_HEIGHT).contains(&h) {
            page.horizontal.push(Seg {
                at: y0,
                from: x0,
                to: x1,
            });
            page.horizontal.push(Seg {
                at: y1,
                from: x0,
                to: x1,
            });
            page.vertical.push(Seg {
                at: x0,
                from: y0,
                to: y1,
            });
            page.vertical.push(Seg {
                at: x1,
                from: y0,
                to: y1,
            });
        }
    }
}

impl OutputDev for Collector {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.media = Some(*media_box);
        let (w, h) = (media_box.urx - media_box.llx, media_box.ury - media_box.lly);
        let height = if self.rotate % 180 == 90 { w } else { h };
        self.page = Some(Page {
            number: page_num,
            height: height.abs(),
            ..Page::default()
        });
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
        if self.glyphs >= self.limit || ch.trim().is_empty() {
            return Ok(());
        }
        let scale = trm.m11.hypot(trm.m12);
        let size = (font_size * scale).abs().max(1.0);
        // The advance along the baseline, and the glyph's height across it (user space).
        let adv = (width * font_size).abs().max(0.3);
        let (ux, uy) = (trm.m11 * adv, trm.m12 * adv);
        let (vx, vy) = (trm.m21 * font_size * 0.85, trm.m22 * font_size * 0.85);
        let o = (trm.m31, trm.m32);
        let corners = [
            self.show(o.0, o.1),
            self.show(o.0 + ux, o.1 + uy),
            self.show(o.0 + vx, o.1 + vy),
            self.show(o.0 + ux + vx, o.1 + uy + vy),
        ];
        if !corners.iter().all(|c| c.0.is_finite() && c.1.is_finite()) {
            return Ok(());
        }
        let x0 = corners.iter().map(|c| c.0).fold(f64::MAX, f64::min);
        let x1 = corners.iter().map(|c| c.0).fold(f64::MIN, f64::max);
        let top = corners.iter().map(|c| c.1).fold(f64::MAX, f64::min);
        let base = corners.iter().map(|c| c.1).fold(f64::MIN, f64::max);
        if let Some(page) = self.page.as_mut() {
            self.glyphs += 1;
            page.glyphs.push(Glyph {
                x0,
                x1,
                top,
                base,
                size,
                ch: unified(ch),
            });
        }
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
    fn stroke(
        &mut self,
        ctm: &Transform,
        _colorspace: &ColorSpace,
        color: &[f64],
        path: &Path,
    ) -> Result<(), OutputError> {
        if !is_white(color) {
            self.path(ctm, path, false);
        }
        Ok(())
    }
    fn fill(
        &mut self,
        ctm: &Transform,
        _colorspace: &ColorSpace,
        color: &[f64],
        path: &Path,
    ) -> Result<(), OutputError> {
        if !is_white(color) {
            self.path(ctm, path, true);
        }
        Ok(())
    }
}

/// Radicals without a compatibility decomposition, and the character each stands for.
const RADICALS: &[(char, char)] = &[
    ('⺠', '民'),
    ('⺩', '王'),
    ('⺫', '目'),
    ('⺯', '糸'),
    ('⺰', '纟'),
    ('⺼', '月'),
    ('⻄', '西'),
    ('⻅', '见'),
    ('⻆', '角'),
    ('⻈', '讠'),
    ('⻉', '贝'),
    ('⻋', '车'),
    ('⻐', '钅'),
    ('⻓', '长'),
    ('⻔', '门'),
    ('⻙', '韦'),
    ('⻚', '页'),
    ('⻛', '风'),
    ('⻜', '飞'),
    ('⻝', '食'),
    ('⻠', '饣'),
    ('⻢', '马'),
    ('⻣', '骨'),
    ('⻥', '鱼'),
    ('⻦', '鸟'),
    ('⻧', '卤'),
    ('⻨', '麦'),
    ('⻩', '黄'),
    ('⻪', '黾'),
    ('⻬', '齐'),
    ('⻮', '齿'),
    ('⻰', '龙'),
];

/// Radicals and compatibility ideographs (what some fonts' Unicode maps give for common
/// characters: `⼈` U+2F08 for `人`, `⺠` U+2EA0 for `民`) as the unified ideographs they
/// stand for.
fn unified(ch: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let odd = |c: char| matches!(c, '\u{2E80}'..='\u{2FDF}' | '\u{F900}'..='\u{FAFF}');
    if !ch.chars().any(odd) {
        return ch.to_string();
    }
    ch.chars()
        .flat_map(|c| match RADICALS.iter().find(|r| r.0 == c) {
            Some(&(_, u)) => vec![u],
            None if odd(c) => c.nfkc().collect(),
            None => vec![c],
        })
        .collect()
}

/// A white fill or stroke (a page background, a mask) draws no line.
fn is_white(color: &[f64]) -> bool {
    matches!(color, [g] if *g >= 0.99)
        || matches!(color, [r, g, b] if *r >= 0.99 && *g >= 0.99 && *b >= 0.99)
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
