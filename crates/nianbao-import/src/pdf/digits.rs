//! The numbers of a scanned table, read cell by cell. Once the page's ruling lines give the
//! grid, every cell the page-wide reading found no Chinese in is a number cell: its ink is
//! cut out (scaled up to 300 dpi when the scan is coarser), the pieces are stacked into one
//! image, one per line, and Tesseract reads that image once with digits only
//! (`tessedit_char_whitelist`). Each cell then holds what its own piece read; a piece read
//! below [`CONFIDENT`], read as more than one word, or not read as a plain number is marked
//! in doubt, and the rules decide it or leave it absent (`crate::resolve`).

use std::path::Path;

use super::geometry::{Glyph, Page};
use super::grey::Grey;
use super::grid;
use super::ocr::{CONFIDENT, DOUBT, Word, tesseract_words};
use crate::ImportError;

/// Resolution the pieces are read at (dots per inch): coarser scans are scaled up to it.
const READ_DPI: f64 = 300.0;
/// White around each piece and between pieces (pixels at [`READ_DPI`]).
const MARGIN: usize = 24;

/// A number cell's ink: its box on the page image (pixels).
struct Piece {
    ink: [usize; 4],
}

/// Whether a reading holds Chinese (a label, not a number).
fn chinese(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
    })
}

/// Re-reads the number cells of the page's ruled tables: `page` in points (`pt` points a
/// pixel), `grey` the straightened image with its lines erased, scanned at `dpi`.
pub fn reread(
    grey: &Grey,
    page: &mut Page,
    pt: f64,
    dpi: u32,
    dir: &Path,
) -> Result<(), ImportError> {
    let (tables, _) = grid::tables(page);
    let mut pieces: Vec<Piece> = Vec::new();
    let mut drop = vec![false; page.glyphs.len()];
    for cell in tables.iter().flat_map(|t| &t.cells) {
        let cjk: usize = cell
            .glyphs
            .iter()
            .map(|&k| page.glyphs[k].ch.chars().filter(|&c| chinese(&c.to_string())).count())
            .sum();
        if cjk >= 2 {
            continue;
        }
        // The cell's inside, clear of its borders by a point.
        let inset = (1.0 / pt).ceil();
        let bx = [
            cell.x0 / pt + inset,
            cell.top / pt + inset,
            cell.x1 / pt - inset,
            cell.bottom / pt - inset,
        ];
        for &k in &cell.glyphs {
            drop[k] = true;
        }
        if let Some(ink) = grey.ink_box(bx, dpi) {
            pieces.push(Piece { ink });
        }
    }
    let mut glyphs: Vec<Glyph> = page
        .glyphs
        .drain(..)
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(g, _)| g)
        .collect();
    if !pieces.is_empty() {
        let scale = (READ_DPI / f64::from(dpi.max(1))).max(1.0);
        let (sheet, slots) = stack(grey, &pieces, scale);
        let path = dir.join(format!("n{}.pgm", page.number));
        std::fs::write(&path, sheet.to_pgm())
            .map_err(|e| super::ocr::failed("write", &e.to_string()))?;
        let (digits, words) = std::thread::scope(|s| {
            let digits = s.spawn(|| {
                tesseract_words(
                    &path,
                    READ_DPI as u32,
                    &["--psm", "6", "-c", "tessedit_char_whitelist=0123456789."],
                )
            });
            let words = tesseract_words(&path, READ_DPI as u32, &["--psm", "6"]);
            (digits.join(), words)
        });
        let digits = digits.map_err(|_| super::ocr::failed("tesseract", "thread"))??;
        let words = words?;
        let texts = readings(&digits, &slots)
            .into_iter()
            .zip(labels(&words, &slots))
            .map(|(number, label)| if chinese(&label) { label } else { number });
        for (piece, text) in pieces.iter().zip(texts) {
            let [x0, top, x1, bottom] = piece.ink.map(|v| v as f64 * pt);
            glyphs.push(Glyph {
                x0,
                x1: x1.max(x0 + pt),
                top,
                base: bottom.max(top + pt),
                size: (bottom - top).max(pt),
                ch: text,
            });
        }
    }
    page.glyphs = glyphs;
    Ok(())
}

/// The pieces' ink cut out, scaled by `scale`, stacked one under another; with each piece's
/// band (top, bottom) on the sheet.
fn stack(grey: &Grey, pieces: &[Piece], scale: f64) -> (Grey, Vec<(f64, f64)>) {
    let cuts: Vec<Grey> = pieces
        .iter()
        .map(|p| {
            let [x0, y0, x1, y1] = p.ink;
            grey.cut(
                x0.saturating_sub(2),
                y0.saturating_sub(2),
                x1 + 2,
                y1 + 2,
                scale,
            )
        })
        .collect();
    let tallest = cuts.iter().map(|c| c.h).max().unwrap_or(0);
    let gap = MARGIN.max(tallest);
    let w = cuts.iter().map(|c| c.w).max().unwrap_or(0) + 2 * MARGIN;
    let h = cuts.iter().map(|c| c.h + gap).sum::<usize>() + gap;
    let mut sheet = Grey {
        w,
        h,
        px: vec![255; w * h],
    };
    let mut slots = Vec::new();
    let mut y = gap;
    for c in &cuts {
        for row in 0..c.h {
            let at = (y + row) * w + MARGIN;
            sheet.px[at..at + c.w].copy_from_slice(&c.px[row * c.w..(row + 1) * c.w]);
        }
        slots.push(((y - gap / 2) as f64, (y + c.h + gap / 2) as f64));
        y += c.h + gap;
    }
    (sheet, slots)
}

/// Each piece's words joined (its reading as text).
fn labels(words: &[Word], slots: &[(f64, f64)]) -> Vec<String> {
    slots
        .iter()
        .map(|&(a, b)| {
            words
                .iter()
                .filter(|w| (a..b).contains(&((w.top + w.bottom) / 2.0)))
                .map(|w| w.text.as_str())
                .collect()
        })
        .collect()
}

/// Each piece's reading: its words joined, marked in doubt unless it is one word read as a
/// plain number at or above [`CONFIDENT`]. A piece with ink but no word read is in doubt.
fn readings(words: &[Word], slots: &[(f64, f64)]) -> Vec<String> {
    slots
        .iter()
        .map(|&(a, b)| {
            let here: Vec<&Word> = words
                .iter()
                .filter(|w| {
                    let c = (w.top + w.bottom) / 2.0;
                    c >= a && c < b
                })
                .collect();
            let text: String = here.iter().map(|w| w.text.as_str()).collect();
            let plain = !text.is_empty()
                && text.chars().all(|c| c.is_ascii_digit() || c == '.')
                && text.chars().filter(|&c| c == '.').count() <= 1
                && !text.starts_with('.')
                && !text.ends_with('.');
            let sure = here.len() == 1 && plain && here[0].conf >= CONFIDENT;
            match (sure, plain) {
                (true, _) => text,
                (false, true) => format!("{DOUBT}{text}"),
                // Unreadable: a number stands here, its value unknown; the rules decide it.
                (false, false) => format!("{DOUBT}0"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(top: f64, text: &str, conf: f64) -> Word {
        Word {
            left: 10.0,
            top,
            right: 30.0,
            bottom: top + 20.0,
            conf,
            text: text.into(),
        }
    }

    #[test]
    fn readings_by_band_with_doubt() {
        let slots = [(0.0, 50.0), (50.0, 100.0), (100.0, 150.0), (150.0, 200.0)];
        let words = [
            word(10.0, "12", 95.0),
            word(60.0, "7", 40.0),
            word(110.0, "1", 96.0),
            word(112.0, "0", 96.0),
        ];
        let r = readings(&words, &slots);
        assert_eq!(r[0], "12");
        assert_eq!(r[1], format!("{DOUBT}7"));
        assert_eq!(r[2], format!("{DOUBT}10"));
        assert_eq!(r[3], format!("{DOUBT}0"));
        assert!(chinese("自然人") && !chinese("〇 0 O"));
    }
}
