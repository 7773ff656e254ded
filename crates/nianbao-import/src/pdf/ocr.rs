//! Scans through OCR: the `tesseract` program (Simplified Chinese model) with TSV output, and
//! `pdftoppm` (poppler) to rasterise a PDF page that has no text layer.
//!
//! The program rather than a binding crate: no C++ library to build in CI, the same Tesseract
//! Debian ships, and OCR stays an optional system dependency — without it a scan is refused
//! with what to install ([`crate::ImportError::Ocr`]).
//!
//! Each page image is read as a grey map (PGM); its skew is measured from the projection of
//! its dark pixels and undone; ruling lines are the long runs of dark pixels; Tesseract reads
//! the straightened image and gives words with boxes and confidences. The page then goes
//! through the same table reading as a PDF's text layer; a word with a digit read below
//! [`CONFIDENT`] marks its cell as in doubt (see `crate::resolve`).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::geometry::{Glyph, Page, Seg};
use crate::ImportError;
use crate::doc::Doc;

/// Resolution pages are rasterised at (dots per inch).
const DPI: u32 = 300;
/// Words with a digit read below this confidence (0–100) put their cell in doubt.
pub const CONFIDENT: f64 = 80.0;
/// Largest page image accepted (pixels).
const MAX_PIXELS: usize = 80_000_000;

fn missing(what: &str, package: &str) -> ImportError {
    ImportError::Ocr {
        zh: format!(
            "该文件是扫描件（没有文字层），需要 OCR：未找到 {what}，请安装 {package}（Debian：apt-get install {package}）"
        ),
        en: format!(
            "the file is a scan (no text layer) and needs OCR: {what} not found; install {package} (Debian: apt-get install {package})"
        ),
    }
}

fn failed(what: &str, detail: &str) -> ImportError {
    let detail: String = detail
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    ImportError::Ocr {
        zh: format!("OCR 失败（{what}）：{detail}"),
        en: format!("OCR failed ({what}): {detail}"),
    }
}

/// Whether a program runs (`prog -v` or `--version`).
fn have(prog: &str, arg: &str) -> bool {
    Command::new(prog)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn need_tesseract() -> Result<(), ImportError> {
    if !have("tesseract", "--version") {
        return Err(missing("tesseract", "tesseract-ocr tesseract-ocr-chi-sim"));
    }
    let langs = Command::new("tesseract")
        .arg("--list-langs")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if !langs.lines().any(|l| l.trim() == "chi_sim") {
        return Err(missing(
            "tesseract 的简体中文模型 chi_sim / Tesseract's chi_sim model",
            "tesseract-ocr-chi-sim",
        ));
    }
    Ok(())
}

/// The pages of a PDF that have no text layer, read by OCR.
pub fn pages(bytes: &[u8], numbers: &[u32]) -> Result<Vec<Page>, ImportError> {
    need_tesseract()?;
    if !have("pdftoppm", "-v") {
        return Err(missing("pdftoppm", "poppler-utils"));
    }
    let dir = tempdir()?;
    let pdf = dir.path().join("in.pdf");
    std::fs::write(&pdf, bytes).map_err(|e| failed("write", &e.to_string()))?;
    let mut out = Vec::new();
    for &n in numbers {
        let stem = dir.path().join(format!("p{n}"));
        let run = Command::new("pdftoppm")
            .args([
                "-r",
                &DPI.to_string(),
                "-gray",
                "-f",
                &n.to_string(),
                "-l",
                &n.to_string(),
                "-singlefile",
            ])
            .arg(&pdf)
            .arg(&stem)
            .output()
            .map_err(|e| failed("pdftoppm", &e.to_string()))?;
        if !run.status.success() {
            return Err(failed("pdftoppm", &String::from_utf8_lossy(&run.stderr)));
        }
        let image = std::fs::read(stem.with_extension("pgm"))
            .map_err(|e| failed("pdftoppm", &e.to_string()))?;
        let grey = Grey::parse(&image).ok_or_else(|| failed("pdftoppm", "unreadable PGM"))?;
        out.push(page(grey, n, DPI, dir.path())?);
    }
    Ok(out)
}

/// A photo or scan of the report (PNG or JPEG), read by OCR. ImageMagick's `convert` gives
/// its grey pixels (for the skew and the ruling lines).
pub fn image(bytes: &[u8]) -> Result<Doc, ImportError> {
    need_tesseract()?;
    if !have("convert", "-version") {
        return Err(missing("convert (ImageMagick)", "imagemagick"));
    }
    let dir = tempdir()?;
    let src = dir.path().join("in.img");
    std::fs::write(&src, bytes).map_err(|e| failed("write", &e.to_string()))?;
    let pgm = dir.path().join("in.pgm");
    let run = Command::new("convert")
        .arg(&src)
        .args(["-colorspace", "Gray", "-depth", "8"])
        .arg(format!("pgm:{}", pgm.display()))
        .output()
        .map_err(|e| failed("convert", &e.to_string()))?;
    if !run.status.success() {
        return Err(ImportError::Corrupt {
            format: "image",
            reason: String::from_utf8_lossy(&run.stderr)
                .lines()
                .next()
                .unwrap_or("")
                .to_string(),
        });
    }
    let data = std::fs::read(&pgm).map_err(|e| failed("convert", &e.to_string()))?;
    let grey = Grey::parse(&data).ok_or_else(|| failed("convert", "unreadable PGM"))?;
    let page = page(grey, 1, density(bytes).unwrap_or(DPI), dir.path())?;
    let mut doc = super::lines::doc(vec![page]);
    doc.scanned = true;
    Ok(doc)
}

/// The resolution a PNG (`pHYs`) or JPEG (JFIF) declares, if any.
fn density(bytes: &[u8]) -> Option<u32> {
    if bytes.starts_with(b"\x89PNG") {
        let at = bytes.windows(4).position(|w| w == b"pHYs")?;
        let d = bytes.get(at + 4..at + 13)?;
        let ppm = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
        return (d[8] == 1 && ppm > 0).then(|| (f64::from(ppm) * 0.0254).round() as u32);
    }
    let at = bytes.windows(5).position(|w| w == b"JFIF\0")?;
    let d = bytes.get(at + 7..at + 12)?;
    let x = u32::from(u16::from_be_bytes([d[1], d[2]]));
    (d[0] == 1 && x > 0).then_some(x)
}

fn tempdir() -> Result<tempfile::TempDir, ImportError> {
    tempfile::Builder::new()
        .prefix("nianbao-ocr-")
        .tempdir()
        .map_err(|e| failed("temp", &e.to_string()))
}

/// One page image: deskewed, its lines found, its words read.
fn page(mut grey: Grey, number: u32, dpi: u32, dir: &Path) -> Result<Page, ImportError> {
    let angle = grey.skew();
    if angle.abs() > 0.05 {
        grey = grey.rotated(angle);
    }
    let pt = 72.0 / f64::from(dpi);
    let (horizontal, vertical) = grey.lines(dpi);
    // The lines erased, so that the OCR reads no `|` and no border into a number.
    grey.erase(&horizontal, &vertical);
    let scale = |s: Seg| Seg {
        at: s.at * pt,
        from: s.from * pt,
        to: s.to * pt,
    };
    let path = dir.join(format!("s{number}.pgm"));
    let mut f = std::fs::File::create(&path).map_err(|e| failed("write", &e.to_string()))?;
    f.write_all(&grey.to_pgm())
        .map_err(|e| failed("write", &e.to_string()))?;
    drop(f);
    let glyphs = tesseract(&path, dpi)?
        .into_iter()
        .map(|g| Glyph {
            x0: g.x0 * pt,
            x1: g.x1 * pt,
            top: g.top * pt,
            base: g.base * pt,
            size: g.size * pt,
            ch: g.ch,
        })
        .collect();
    Ok(Page {
        number,
        height: grey.h as f64 * pt,
        glyphs,
        horizontal: horizontal.into_iter().map(scale).collect(),
        vertical: vertical.into_iter().map(scale).collect(),
    })
}

/// Runs Tesseract on an image; words as glyphs in pixels, each word's baseline and size those
/// of its line (so the words of one printed line group together), and a word read with a
/// digit below [`CONFIDENT`] marked with a leading `\u{7}`.
fn tesseract(image: &Path, dpi: u32) -> Result<Vec<Glyph>, ImportError> {
    let run = Command::new("tesseract")
        .arg(image)
        .arg("stdout")
        .args(["-l", "chi_sim", "--psm", "6", "--dpi", &dpi.to_string()])
        .args(["-c", "preserve_interword_spaces=1", "tsv"])
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .map_err(|e| failed("tesseract", &e.to_string()))?;
    if !run.status.success() {
        return Err(failed("tesseract", &String::from_utf8_lossy(&run.stderr)));
    }
    Ok(words(&String::from_utf8_lossy(&run.stdout)))
}

/// Marks a glyph whose reading is in doubt.
pub const DOUBT: char = '\u{7}';

/// Words of Tesseract's TSV output (level 5 rows), with their line's box.
fn words(tsv: &str) -> Vec<Glyph> {
    let mut lines: std::collections::BTreeMap<(u32, u32, u32), (f64, f64)> = Default::default();
    let mut out: Vec<((u32, u32, u32), Glyph)> = Vec::new();
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 {
            continue;
        }
        let num = |i: usize| f[i].trim().parse::<f64>().unwrap_or(0.0);
        let key = (num(2) as u32, num(3) as u32, num(4) as u32);
        let (left, top, width, height, conf) = (num(6), num(7), num(8), num(9), num(10));
        match f[0] {
            "4" => {
                lines.insert(key, (top, top + height));
            }
            "5" => {
                let text = f[11].trim();
                if text.is_empty() {
                    continue;
                }
                let doubt = text.chars().any(|c| c.is_ascii_digit()) && conf < CONFIDENT;
                let ch = if doubt {
                    format!("{DOUBT}{text}")
                } else {
                    text.to_string()
                };
                out.push((
                    key,
                    Glyph {
                        x0: left,
                        x1: left + width,
                        top,
                        base: top + height,
                        size: height.max(1.0),
                        ch,
                    },
                ));
            }
            _ => {}
        }
    }
    out.into_iter()
        .map(|(key, mut g)| {
            if let Some(&(top, bottom)) = lines.get(&key) {
                g.base = bottom;
                g.size = (bottom - top).max(1.0);
            }
            g
        })
        .collect()
}

/// An 8-bit grey image.
struct Grey {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

/// Pixels darker than this are ink.
const INK: u8 = 128;

impl Grey {
    /// A binary PGM (`P5`, 8 bits).
    fn parse(data: &[u8]) -> Option<Grey> {
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

    fn to_pgm(&self) -> Vec<u8> {
        let mut out = format!("P5\n{} {}\n255\n", self.w, self.h).into_bytes();
        out.extend_from_slice(&self.px);
        out
    }

    fn ink(&self, x: usize, y: usize) -> bool {
        self.px[y * self.w + x] < INK
    }

    /// The skew in degrees (within ±3°): the angle under which the dark pixels projected onto
    /// the vertical axis are most concentrated (text lines and ruling lines level).
    fn skew(&self) -> f64 {
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
    fn rotated(&self, deg: f64) -> Grey {
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
    fn erase(&mut self, horizontal: &[Seg], vertical: &[Seg]) {
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

    /// Ruling lines: runs of ink at least a third of an inch long (gaps of up to 2 pixels
    /// bridged), horizontal and vertical, in pixels.
    fn lines(&self, dpi: u32) -> (Vec<Seg>, Vec<Seg>) {
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
        let h = runs(self.w, self.h, &|x, y| self.ink(x, y));
        let v = runs(self.h, self.w, &|y, x| self.ink(x, y));
        (h, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_take_their_line_box_and_doubt_low_digits() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   4\t1\t1\t1\t1\t0\t10\t100\t500\t40\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t105\t30\t30\t96.5\t规章\n\
                   5\t1\t1\t1\t1\t2\t300\t110\t20\t25\t41.0\t13\n";
        let w = words(tsv);
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].base, w[0].size), (140.0, 40.0));
        assert_eq!(w[0].ch, "规章");
        assert_eq!(w[1].ch, format!("{DOUBT}13"));
    }

    #[test]
    fn lines_and_skew_of_a_drawn_grid() {
        let (w, h) = (600, 400);
        let mut g = Grey {
            w,
            h,
            px: vec![255; w * h],
        };
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
}
