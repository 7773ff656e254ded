//! The `tesseract` program: run on an image (one thread, TSV output), its words with their
//! boxes and confidences; a word whose digits it is unsure of is marked in doubt.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use super::geometry::Glyph;
use crate::ImportError;

/// Words with a digit read below this confidence (0–100) put their cell in doubt.
pub const CONFIDENT: f64 = 80.0;

pub fn failed(what: &str, detail: &str) -> ImportError {
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
pub fn tesseract(image: &Path, dpi: u32) -> Result<Vec<Glyph>, ImportError> {
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
