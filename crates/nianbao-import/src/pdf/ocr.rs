//! Scans through OCR: the `tesseract` program ([`super::tess`]: Simplified Chinese for text,
//! English for digits) with TSV output, `pdftoppm` (poppler) to rasterise a PDF page that has
//! no text layer, and ImageMagick's `convert` for PNG and JPEG pages.
//!
//! The program rather than a binding crate: no C++ library to build in CI, the same Tesseract
//! Debian ships, and OCR stays an optional system dependency — without it a scan is refused
//! with what to install ([`crate::ImportError::Ocr`]).
//!
//! Each page image is read as a grey map ([`super::grey`]); its skew is measured from the
//! projection of its dark pixels and undone; ruling lines are the long runs of dark pixels,
//! and erased. Tesseract reads the page, then every cell of its ruled tables is cut out and
//! read on its own ([`super::digits`]). The page then goes
//! through the same table reading as a PDF's text layer; a reading in doubt marks its cell
//! (see `crate::resolve`).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::geometry::{Glyph, Page, Seg};
use super::grey::Grey;
use super::tess::{failed, tesseract};
use crate::ImportError;
use crate::doc::Doc;

/// Resolution pages are rasterised at (dots per inch).
const DPI: u32 = 300;

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
    // Digits are read with the English model: the Chinese one reads a printed 6 as 0.
    if !langs.lines().any(|l| l.trim() == "eng") {
        return Err(missing(
            "tesseract 的英文模型 eng / Tesseract's eng model",
            "tesseract-ocr-eng",
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

/// Photos or scans of the report's pages (PNG or JPEG), in order, read by OCR. ImageMagick's
/// `convert` gives their grey pixels (for the skew and the ruling lines).
pub fn images(images: &[&[u8]]) -> Result<Doc, ImportError> {
    need_tesseract()?;
    if !have("convert", "-version") {
        return Err(missing("convert (ImageMagick)", "imagemagick"));
    }
    let dir = tempdir()?;
    let mut pages = Vec::new();
    for (i, bytes) in images.iter().enumerate() {
        let number = i as u32 + 1;
        let src = dir.path().join(format!("in{number}.img"));
        std::fs::write(&src, bytes).map_err(|e| failed("write", &e.to_string()))?;
        let pgm = dir.path().join(format!("in{number}.pgm"));
        let run = Command::new("convert")
            .arg(&src)
            .args(["-colorspace", "Gray", "-depth", "8"])
            .arg(format!("pgm:{}", pgm.display()))
            .output()
            .map_err(|e| failed("convert", &e.to_string()))?;
        if !run.status.success() {
            return Err(ImportError::Corrupt {
                format: "image",
                reason: format!(
                    "第 {number} 页 / page {number}: {}",
                    String::from_utf8_lossy(&run.stderr)
                        .lines()
                        .next()
                        .unwrap_or("")
                ),
            });
        }
        let data = std::fs::read(&pgm).map_err(|e| failed("convert", &e.to_string()))?;
        let grey = Grey::parse(&data).ok_or_else(|| failed("convert", "unreadable PGM"))?;
        // Without a declared resolution, the page is taken as A4 across its shorter side.
        let dpi = density(bytes)
            .unwrap_or_else(|| (grey.w.min(grey.h) as f64 / A4_SHORT_INCHES).round() as u32)
            .clamp(50, 1200);
        pages.push(page(grey, number, dpi, dir.path())?);
    }
    let mut doc = super::lines::doc(pages);
    doc.scanned = true;
    Ok(doc)
}

/// The shorter side of an A4 page, in inches.
const A4_SHORT_INCHES: f64 = 8.27;

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
    let mut page = Page {
        number,
        height: grey.h as f64 * pt,
        glyphs,
        horizontal: horizontal.into_iter().map(scale).collect(),
        vertical: vertical.into_iter().map(scale).collect(),
    };
    super::digits::reread(&grey, &mut page, pt, dpi, dir)?;
    Ok(page)
}
