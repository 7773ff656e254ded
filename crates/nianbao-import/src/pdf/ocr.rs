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

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::geometry::{Glyph, Page, Seg};
use super::grey::Grey;
use crate::ImportError;
use crate::doc::Doc;

/// Resolution pages are rasterised at (dots per inch).
const DPI: u32 = 300;
/// Words with a digit read below this confidence (0–100) put their cell in doubt.
pub const CONFIDENT: f64 = 80.0;

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

pub(super) fn failed(what: &str, detail: &str) -> ImportError {
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

/// Runs Tesseract (model `lang`, one thread) on an image with `args`; its TSV.
fn run_tesseract(image: &Path, lang: &str, dpi: u32, args: &[&str]) -> Result<String, ImportError> {
    let run = Command::new("tesseract")
        .arg(image)
        .arg("stdout")
        .args(["-l", lang, "--dpi", &dpi.to_string()])
        .args(args)
        .arg("tsv")
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .map_err(|e| failed("tesseract", &e.to_string()))?;
    if !run.status.success() {
        return Err(failed("tesseract", &String::from_utf8_lossy(&run.stderr)));
    }
    Ok(String::from_utf8_lossy(&run.stdout).into_owned())
}

/// Runs Tesseract on an image; words as glyphs in pixels, each word's baseline and size those
/// of its line (so the words of one printed line group together), and a word read with a
/// digit below [`CONFIDENT`] marked with a leading `\u{7}`.
fn tesseract(image: &Path, dpi: u32) -> Result<Vec<Glyph>, ImportError> {
    let tsv = run_tesseract(
        image,
        "chi_sim",
        dpi,
        &["--psm", "6", "-c", "preserve_interword_spaces=1"],
    )?;
    Ok(words(&tsv))
}

/// Runs Tesseract (model `lang`) on an image with `args`; the words it read, in pixels.
pub fn tesseract_words(
    image: &Path,
    lang: &str,
    dpi: u32,
    args: &[&str],
) -> Result<Vec<Word>, ImportError> {
    Ok(parse_tsv(&run_tesseract(image, lang, dpi, args)?).0)
}

/// One word of Tesseract's TSV output: its box (pixels), confidence (0–100) and text.
#[derive(Clone, Debug)]
pub struct Word {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub conf: f64,
    pub text: String,
}

type LineKey = (u32, u32, u32);
/// Each line's top and bottom (pixels).
type LineBoxes = BTreeMap<LineKey, (f64, f64)>;

/// The words (level 5 rows, with their line) and the lines' top and bottom (level 4 rows).
fn parse_tsv(tsv: &str) -> (Vec<Word>, Vec<LineKey>, LineBoxes) {
    let mut lines = LineBoxes::new();
    let mut out = Vec::new();
    let mut keys = Vec::new();
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
            "5" if !f[11].trim().is_empty() => {
                keys.push(key);
                out.push(Word {
                    left,
                    top,
                    right: left + width,
                    bottom: top + height,
                    conf,
                    text: f[11].trim().to_string(),
                });
            }
            _ => {}
        }
    }
    (out, keys, lines)
}

/// Marks a glyph whose reading is in doubt.
pub const DOUBT: char = '\u{7}';

/// Words of Tesseract's TSV output (level 5 rows), with their line's box.
fn words(tsv: &str) -> Vec<Glyph> {
    let (words, keys, lines) = parse_tsv(tsv);
    words
        .into_iter()
        .zip(keys)
        .map(|(w, key)| {
            let doubt = w.text.chars().any(|c| c.is_ascii_digit()) && w.conf < CONFIDENT;
            let (top, bottom) = lines.get(&key).copied().unwrap_or((w.top, w.bottom));
            Glyph {
                x0: w.left,
                x1: w.right,
                top: w.top,
                base: bottom,
                size: (bottom - top).max(1.0),
                ch: if doubt {
                    format!("{DOUBT}{}", w.text)
                } else {
                    w.text
                },
            }
        })
        .collect()
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
}
