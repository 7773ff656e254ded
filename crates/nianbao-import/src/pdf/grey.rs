//! A page image as an 8-bit grey map: read from PGM, its skew measured and undone, its
//! ruling lines found as long dark runs and erased, and pieces of it cut out for OCR.

use super::geometry::Seg;

/// Largest page image accepted (pixels).
const MAX_PIXELS: usize = 80_000_000;

/// An 8-bit grey image.
pub struct Grey {
    pub w: usize,
    pub h: usize,
    pub px: Vec<u8>,
}

/// Pixels darker than this are ink.
const INK: u8 = 128;
/// Pixels darker than this may be part of a ruling line: a thin line scanned coarsely and
/// turned comes out grey.
const LINE_INK: u8 = 200;
/// Pixels at least this light are paper.
const PAPER: u8 = 200;

impl Grey {
    /// A binary PGM (`P5`, 8 bits).
    pub fn parse(data: &[u8]) -> Option<Grey> {
        let mut fields = Vec::new();
        let mut i = 0;
        while fields.len() < 4 {
            while data.get(i)?.is_ascii_whitespace() {
                i += 1;
            }
            if data[i] == b'#' {
                while *data.get(i)? != b'\n' {
                    i += 1;
                }
                continue;
            }
            let s = i;
            while !data.get(i)?.is_ascii_whitespace() {
                i += 1;
            }
            fields.push(std::str::from_utf8(&data[s..i]).ok()?.to_string());
        }
        let (w, h): (usize, usize) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
        if fields[0] != "P5" || fields[3] != "255" || w.checked_mul(h)? > MAX_PIXELS {
            return None;
        }
        let px = data.get(i + 1..i + 1 + w * h)?.to_vec();
        Some(Grey { w, h, px })
    }

    pub fn to_pgm(&self) -> Vec<u8> {
        let mut out = format!("P5\n{} {}\n255\n", self.w, self.h).into_bytes();
        out.extend_from_slice(&self.px);
        out
    }

    pub fn ink(&self, x: usize, y: usize) -> bool {
        self.px[y * self.w + x] < INK
    }

    /// The skew in degrees (within ±3°): the angle under which the dark pixels projected onto
    /// the vertical axis are most concentrated (text lines and ruling lines level).
    pub fn skew(&self) -> f64 {
        let mut ink: Vec<(f64, f64)> = Vec::new();
        let step = (self.w.max(self.h) / 1200).max(1);
        for y in (0..self.h).step_by(step) {
            for x in (0..self.w).step_by(step) {
                if self.ink(x, y) {
                    ink.push((x as f64, y as f64));
                }
            }
        }
        if ink.len() < 100 {
            return 0.0;
        }
        let score = |deg: f64| {
            let t = deg.to_radians().tan();
            let mut bins = vec![0u32; self.h + 2 * self.w];
            for &(x, y) in &ink {
                let b = (y - x * t + self.w as f64).round();
                if b >= 0.0 && (b as usize) < bins.len() {
                    bins[b as usize] += 1;
                }
            }
            bins.iter()
                .map(|&c| f64::from(c) * f64::from(c))
                .sum::<f64>()
        };
        let mut best = (0.0, score(0.0));
        let mut deg = -3.0;
        while deg <= 3.0 {
            let s = score(deg);
            if s > best.1 {
                best = (deg, s);
            }
            deg += 0.25;
        }
        let (centre, mut fine) = (best.0, best);
        let mut d = centre - 0.25;
        while d <= centre + 0.25 {
            let s = score(d);
            if s > fine.1 {
                fine = (d, s);
            }
            d += 0.05;
        }
        fine.0
    }

    /// The image turned by `-deg` about its centre (nearest pixel; white outside).
    pub fn rotated(&self, deg: f64) -> Grey {
        let (s, c) = deg.to_radians().sin_cos();
        let (cx, cy) = (self.w as f64 / 2.0, self.h as f64 / 2.0);
        let mut px = vec![255u8; self.w * self.h];
        for y in 0..self.h {
            for x in 0..self.w {
                let (dx, dy) = (x as f64 - cx, y as f64 - cy);
                // The source pixel: rotate back by +deg.
                let sx = (dx * c - dy * s + cx).round();
                let sy = (dx * s + dy * c + cy).round();
                if sx >= 0.0 && sy >= 0.0 && (sx as usize) < self.w && (sy as usize) < self.h {
                    px[y * self.w + x] = self.px[sy as usize * self.w + sx as usize];
                }
            }
        }
        Grey {
            w: self.w,
            h: self.h,
            px,
        }
    }

    /// Whitens the pixels of the given runs (and one pixel around them).
    pub fn erase(&mut self, horizontal: &[Seg], vertical: &[Seg]) {
        let (w, h) = (self.w, self.h);
        for s in horizontal {
            let y = s.at as usize;
            for yy in y.saturating_sub(1)..(y + 2).min(h) {
                for x in (s.from as usize)..(s.to as usize).min(w) {
                    self.px[yy * w + x] = 255;
                }
            }
        }
        for s in vertical {
            let x = s.at as usize;
            for xx in x.saturating_sub(1)..(x + 2).min(w) {
                for y in (s.from as usize)..(s.to as usize).min(h) {
                    self.px[y * w + xx] = 255;
                }
            }
        }
    }

    /// The box of the ink inside `[x0, y0, x1, y1]` (pixels), leaving out what is left of a
    /// ruling line (a row or column inked over nine tenths of the box); none when there is
    /// too little ink for a character at `dpi`. With it, how many printed lines the ink
    /// makes: runs of inked rows (of at least a hundredth of an inch) with blank rows between.
    pub fn ink_box(&self, b: [f64; 4], dpi: u32) -> Option<([usize; 4], usize)> {
        let clamp = |v: f64, max: usize| (v.max(0.0) as usize).min(max);
        let (x0, y0) = (clamp(b[0], self.w), clamp(b[1], self.h));
        let (x1, y1) = (clamp(b[2], self.w), clamp(b[3], self.h));
        if x1 <= x0 + 1 || y1 <= y0 + 1 {
            return None;
        }
        let (bw, bh) = (x1 - x0, y1 - y0);
        let line_row = |y: usize| (x0..x1).filter(|&x| self.ink(x, y)).count() * 10 > bw * 9;
        let line_col = |x: usize| (y0..y1).filter(|&y| self.ink(x, y)).count() * 10 > bh * 9;
        let rows: Vec<bool> = (y0..y1).map(|y| !line_row(y)).collect();
        let cols: Vec<bool> = (x0..x1).map(|x| !line_col(x)).collect();
        let (mut min_x, mut min_y, mut max_x, mut max_y, mut n) = (usize::MAX, usize::MAX, 0, 0, 0);
        let (mut lines, mut run) = (0, 0);
        let tall = (dpi as usize / 100).max(1);
        for y in y0..y1 {
            let mut inked = 0;
            if rows[y - y0] {
                for x in x0..x1 {
                    if cols[x - x0] && self.ink(x, y) {
                        min_x = min_x.min(x);
                        max_x = max_x.max(x);
                        min_y = min_y.min(y);
                        max_y = max_y.max(y);
                        inked += 1;
                    }
                }
            }
            n += inked;
            run = if inked > 0 { run + 1 } else { 0 };
            if run == tall {
                lines += 1;
            }
        }
        let least = ((f64::from(dpi) / 300.0).powi(2) * 12.0).max(4.0) as usize;
        (n >= least && max_x > min_x && max_y > min_y)
            .then_some(([min_x, min_y, max_x + 1, max_y + 1], lines))
    }

    /// How many characters stand side by side in the ink box `[x0, y0, x1, y1]`: runs of
    /// columns holding anything darker than paper (the thin strokes of a coarse scan come out
    /// grey) with a blank column between, counting only runs whose ink spans at least
    /// half the height of the tallest run (a speck of noise or a decimal point is not one).
    /// Printed digits that touch make one run, so this is at most the number of characters.
    pub fn strokes(&self, b: [usize; 4]) -> usize {
        let [x0, y0, x1, y1] = b;
        let (x1, y1) = (x1.min(self.w), y1.min(self.h));
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut open = false;
        for x in x0..x1 {
            let mut rows = (y0..y1).filter(|&y| self.px[y * self.w + x] < PAPER);
            match rows.next() {
                Some(top) => {
                    let bottom = rows.next_back().unwrap_or(top);
                    match runs.last_mut() {
                        Some(r) if open => *r = (r.0.min(top), r.1.max(bottom)),
                        _ => runs.push((top, bottom)),
                    }
                    open = true;
                }
                None => open = false,
            }
        }
        let tallest = runs.iter().map(|r| r.1 - r.0 + 1).max().unwrap_or(0);
        runs.iter()
            .filter(|r| 2 * (r.1 - r.0 + 1) >= tallest)
            .count()
    }

    /// The piece `[x0, y0, x1, y1]` (clamped to the image) scaled by `scale` (bilinear), its
    /// paper white.
    pub fn cut(&self, x0: usize, y0: usize, x1: usize, y1: usize, scale: f64) -> Grey {
        let (x1, y1) = (x1.min(self.w), y1.min(self.h));
        let (sw, sh) = (x1.saturating_sub(x0).max(1), y1.saturating_sub(y0).max(1));
        let w = ((sw as f64 * scale).round() as usize).max(1);
        let h = ((sh as f64 * scale).round() as usize).max(1);
        let at = |x: usize, y: usize| -> f64 {
            let (x, y) = ((x0 + x).min(self.w - 1), (y0 + y).min(self.h - 1));
            f64::from(self.px[y * self.w + x])
        };
        let mut px = Vec::with_capacity(w * h);
        for y in 0..h {
            let fy = ((y as f64 + 0.5) / scale - 0.5).clamp(0.0, (sh - 1) as f64);
            let (iy, ty) = (fy.floor() as usize, fy.fract());
            for x in 0..w {
                let fx = ((x as f64 + 0.5) / scale - 0.5).clamp(0.0, (sw - 1) as f64);
                let (ix, tx) = (fx.floor() as usize, fx.fract());
                let (ix1, iy1) = ((ix + 1).min(sw - 1), (iy + 1).min(sh - 1));
                let top = at(ix, iy) * (1.0 - tx) + at(ix1, iy) * tx;
                let bottom = at(ix, iy1) * (1.0 - tx) + at(ix1, iy1) * tx;
                let v = (top * (1.0 - ty) + bottom * ty).round() as u8;
                // Paper (and its noise) made white, so that the piece has no edge on a sheet.
                px.push(if v >= PAPER { 255 } else { v });
            }
        }
        Grey { w, h, px }
    }

    /// Ruling lines: runs of ink (below [`LINE_INK`]) at least a third of an inch long (gaps of up to 2 pixels
    /// bridged), horizontal and vertical, in pixels.
    pub fn lines(&self, dpi: u32) -> (Vec<Seg>, Vec<Seg>) {
        let min = (dpi as usize) / 3;
        let runs = |len: usize, other: usize, ink: &dyn Fn(usize, usize) -> bool| {
            let mut out = Vec::new();
            for o in 0..other {
                let (mut start, mut last) = (None, 0usize);
                for i in 0..=len {
                    let on = i < len && ink(i, o);
                    if on {
                        if start.is_none() {
                            start = Some(i);
                        }
                        last = i;
                    } else if let Some(s) = start
                        && (i >= len || i > last + 2)
                    {
                        if last + 1 - s >= min {
                            out.push(Seg {
                                at: o as f64 + 0.5,
                                from: s as f64,
                                to: last as f64 + 1.0,
                            });
                        }
                        start = None;
                    }
                }
            }
            out
        };
        let line = |x: usize, y: usize| self.px[y * self.w + x] < LINE_INK;
        let h = runs(self.w, self.h, &|x, y| line(x, y));
        let v = runs(self.h, self.w, &|y, x| line(x, y));
        (h, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A blank page of `w` × `h` pixels.
    fn paper(w: usize, h: usize) -> Grey {
        Grey {
            w,
            h,
            px: vec![255; w * h],
        }
    }

    #[test]
    fn lines_and_skew_of_a_drawn_grid() {
        let (w, h) = (600, 400);
        let mut g = paper(w, h);
        for y in [50, 150, 250] {
            for x in 50..550 {
                g.px[y * w + x] = 0;
            }
        }
        for x in [50, 300, 549] {
            for y in 50..251 {
                g.px[y * w + x] = 0;
            }
        }
        assert!(g.skew().abs() < 0.1);
        let (hs, vs) = g.lines(300);
        assert_eq!(hs.len(), 3);
        assert_eq!(vs.len(), 3);
        // Turned, the long lines break into short runs; measured and turned back, they are whole.
        let turned = g.rotated(-1.5);
        let long = |s: &[Seg]| s.iter().filter(|s| s.to - s.from > 150.0).count();
        assert_eq!(long(&turned.lines(300).0), 0);
        let found = turned.skew();
        assert!((found - 1.5).abs() < 0.2, "{found}");
        let (hs, vs) = turned.rotated(found).lines(300);
        assert!(long(&hs) >= 3 && long(&vs) >= 3, "{hs:?} {vs:?}");
    }

    /// Draws a box of ink (value `v`) from (x0, y0) to (x1, y1), ends excluded.
    fn ink(g: &mut Grey, [x0, y0, x1, y1]: [usize; 4], v: u8) {
        for y in y0..y1 {
            for x in x0..x1 {
                g.px[y * g.w + x] = v;
            }
        }
    }

    #[test]
    fn strokes_count_characters_side_by_side_not_specks() {
        let (w, h) = (80, 40);
        let mut g = paper(w, h);
        // `11`: two upright strokes with a gap.
        ink(&mut g, [10, 5, 14, 35], 0);
        ink(&mut g, [30, 5, 34, 35], 0);
        assert_eq!(g.strokes([0, 0, w, h]), 2);
        // A speck of noise and a decimal point are not characters.
        ink(&mut g, [50, 30, 52, 35], 0);
        ink(&mut g, [60, 2, 61, 3], 0);
        assert_eq!(g.strokes([0, 0, w, h]), 2);
        // A `0` whose thin top and bottom came out grey is one character, not two.
        let mut zero = paper(w, h);
        ink(&mut zero, [10, 6, 13, 34], 0);
        ink(&mut zero, [22, 6, 25, 34], 0);
        ink(&mut zero, [10, 4, 25, 6], 170);
        ink(&mut zero, [10, 34, 25, 36], 170);
        assert_eq!(zero.strokes([0, 0, w, h]), 1);
        // Touching characters make one run: never more than there are.
        ink(&mut zero, [25, 20, 30, 22], 0);
        ink(&mut zero, [30, 6, 33, 34], 0);
        assert_eq!(zero.strokes([0, 0, w, h]), 1);
    }
}
