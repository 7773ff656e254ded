//! The cells of a scanned table, read cell by cell. Once the page's ruling lines give the
//! grid, the ink of every cell is cut out (scaled up to 300 dpi when the scan is coarser), the
//! pieces are stacked into one image, one per line, and Tesseract reads it as text with the
//! Chinese model. The pieces that did not read as a label and are printed on one line are
//! stacked again on a sheet of their own and read as digits only with the English model
//! (`tessedit_char_whitelist`; the Chinese model reads a printed 6 as 0): the labels, most
//! of the ink, are not read twice. Each cell then holds what its own piece read; a piece read
//! below [`CONFIDENT`], read as more than one word, not read as a plain number, or read with
//! fewer digits than the characters standing side by side in its ink is marked in doubt, and
//! the rules decide it or leave it absent (`crate::resolve`).

use std::path::Path;

use super::geometry::{Glyph, Page};
use super::grey::Grey;
use super::grid;
use super::tess::{CONFIDENT, DOUBT, Word, failed, tesseract_words};
use crate::ImportError;

/// Resolution the pieces are read at (dots per inch): coarser scans are scaled up to it.
const READ_DPI: f64 = 300.0;
/// White left of each piece, and half the white between two pieces (pixels at [`READ_DPI`]).
const MARGIN: usize = 24;

/// The mean confidence (0–100) of the Chinese words read in a cell for it to be a label.
const LABEL_CONFIDENT: f64 = 50.0;
/// The least share of a piece's ink width that the boxes of its digits must span for the
/// reading to be sure.
const COVERED: f64 = 0.6;

/// A number cell's ink: its box on the page image (pixels).
struct Piece {
    ink: [usize; 4],
    /// Printed lines (runs of inked rows): a number is printed on one.
    lines: usize,
    /// Characters side by side in the ink ([`Grey::strokes`]): a number read with fewer digits
    /// left some of its ink unread.
    strokes: usize,
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
    // The cells' inside, clear of their borders by a point.
    let inset = (1.0 / pt).ceil();
    for cell in tables.iter().flat_map(|t| &t.cells) {
        for &k in &cell.glyphs {
            drop[k] = true;
        }
        let inside = [
            cell.x0 / pt + inset,
            cell.top / pt + inset,
            cell.x1 / pt - inset,
            cell.bottom / pt - inset,
        ];
        if let Some((ink, lines)) = grey.ink_box(inside, dpi) {
            // Over the cell's height: the thin strokes of a coarse scan, grey, may reach past
            // the box of the darker ink.
            let strokes = grey.strokes([
                ink[0],
                inside[1].max(0.0) as usize,
                ink[2],
                inside[3].max(0.0) as usize,
            ]);
            pieces.push(Piece {
                ink,
                lines,
                strokes,
            });
        }
    }
    let outside: Vec<Glyph> = page
        .glyphs
        .drain(..)
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(g, _)| g)
        .collect();
    let feet: Vec<bool> = outside
        .iter()
        .map(|g| footer(g, &outside, page.height))
        .collect();
    let mut glyphs: Vec<Glyph> = outside
        .into_iter()
        .zip(feet)
        .filter(|(_, f)| !f)
        .map(|(g, _)| g)
        .collect();
    if !pieces.is_empty() {
        let scale = (READ_DPI / f64::from(dpi.max(1))).max(1.0);
        let all: Vec<&Piece> = pieces.iter().collect();
        let (sheet, slots) = stack(grey, &all, scale);
        let path = dir.join(format!("n{}.pgm", page.number));
        std::fs::write(&path, sheet.to_pgm()).map_err(|e| failed("write", &e.to_string()))?;
        let words = tesseract_words(&path, "chi_sim", READ_DPI as u32, &["--psm", "6"])?;
        // The pieces read as text as a label, or printed on several lines, are no number
        // ([`reading`] never looks at their digits): the others are read as digits, on a
        // sheet of their own.
        let numbers: Vec<usize> = (0..pieces.len())
            .filter(|&i| pieces[i].lines <= 1 && label(&words, &slots[i]).is_none())
            .collect();
        let mut moved: Vec<Word> = Vec::new();
        if !numbers.is_empty() {
            let chosen: Vec<&Piece> = numbers.iter().map(|&i| &pieces[i]).collect();
            let (number_sheet, number_slots) = stack(grey, &chosen, scale);
            let number_path = dir.join(format!("d{}.pgm", page.number));
            std::fs::write(&number_path, number_sheet.to_pgm())
                .map_err(|e| failed("write", &e.to_string()))?;
            let digits = tesseract_words(
                &number_path,
                "eng",
                READ_DPI as u32,
                &["--psm", "6", "-c", "tessedit_char_whitelist=0123456789."],
            )?;
            // The digits read, moved from their sheet to their piece's place on the first.
            for (&i, at) in numbers.iter().zip(&number_slots) {
                let dy = slots[i].ink.0 - at.ink.0;
                moved.extend(within(&digits, at).into_iter().map(|w| Word {
                    top: w.top + dy,
                    bottom: w.bottom + dy,
                    ..w.clone()
                }));
            }
        }
        let texts = slots.iter().map(|slot| reading(&words, &moved, slot));
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
fn stack(grey: &Grey, pieces: &[&Piece], scale: f64) -> (Grey, Vec<Slot>) {
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
    let gap = 2 * MARGIN;
    let w = cuts.iter().map(|c| c.w).max().unwrap_or(0) + 2 * MARGIN;
    let h = cuts.iter().map(|c| c.h + gap).sum::<usize>() + gap;
    let mut sheet = Grey {
        w,
        h,
        px: vec![255; w * h],
    };
    let mut slots = Vec::new();
    let mut y = gap;
    for (c, piece) in cuts.iter().zip(pieces) {
        for row in 0..c.h {
            let at = (y + row) * w + MARGIN;
            sheet.px[at..at + c.w].copy_from_slice(&c.px[row * c.w..(row + 1) * c.w]);
        }
        slots.push(Slot {
            band: ((y - gap / 2) as f64, (y + c.h + gap / 2) as f64),
            ink: (y as f64, (y + c.h) as f64),
            lines: piece.lines,
            strokes: piece.strokes,
            across: (
                MARGIN as f64 + 2.0 * scale,
                (MARGIN + c.w) as f64 - 2.0 * scale,
            ),
        });
        y += c.h + gap;
    }
    (sheet, slots)
}

/// A piece's place on the sheet: its band (top, bottom, gaps shared with its neighbours)
/// and its ink (top, bottom).
#[derive(Clone, Copy, Debug)]
struct Slot {
    band: (f64, f64),
    ink: (f64, f64),
    lines: usize,
    strokes: usize,
    /// The ink's left and right on the sheet.
    across: (f64, f64),
}

fn within<'a>(words: &'a [Word], slot: &Slot) -> Vec<&'a Word> {
    words
        .iter()
        .filter(|w| (slot.band.0..slot.band.1).contains(&((w.top + w.bottom) / 2.0)))
        .collect()
}

/// A piece's reading, from its words read as text and its words read as digits only.
///
/// - Two Chinese characters or more read at [`LABEL_CONFIDENT`] or above (on average): a
///   label, as read (every label of the tables has two characters at least; a `1` is often
///   read as `工` or `了`, at a confidence near 0, a `4` as `直`).
/// - Ink in several printed lines, or taller than the digits read by more than half: not a
///   number; the text as read.
/// - Digits whose boxes span less than [`COVERED`] of the ink's width leave ink unread (a `11`
///   read as `1`): the number is in doubt, however sure the reading.
/// - One word of digits read at or above [`CONFIDENT`]: that number.
/// - No digits read, the text read as one number at or above [`CONFIDENT`]: that number.
/// - Digits and text read as the same number: that number.
/// - Otherwise a number read (by digits first): that number, in doubt.
/// - Nothing read as a number: a number in doubt (its value unknown, `0` stands for it), which
///   the rules decide or leave absent.
///
/// Whatever the confidence, a number read with fewer digits than the characters that stand
/// side by side in its ink ([`Grey::strokes`]) left some of them unread (a printed `11` read
/// as `1`, both boxes spanning the ink): it is in doubt.
fn reading(text: &[Word], digits: &[Word], slot: &Slot) -> String {
    let read = read_as(text, digits, slot);
    if plain(&read) && count(&read) < slot.strokes {
        return format!("{DOUBT}{read}");
    }
    read
}

/// The digits of a reading.
fn count(s: &str) -> usize {
    s.chars().filter(char::is_ascii_digit).count()
}

/// A piece's text reading when it is a label: two Chinese characters or more, read at
/// [`LABEL_CONFIDENT`] or above on average.
fn label(text: &[Word], slot: &Slot) -> Option<String> {
    let words = within(text, slot);
    let chinese_words: Vec<&&Word> = words.iter().filter(|w| chinese(&w.text)).collect();
    let mean =
        chinese_words.iter().map(|w| w.conf).sum::<f64>() / chinese_words.len().max(1) as f64;
    let characters: usize = chinese_words
        .iter()
        .map(|w| w.text.chars().filter(|c| chinese(&c.to_string())).count())
        .sum();
    (characters >= 2 && mean >= LABEL_CONFIDENT)
        .then(|| words.iter().map(|w| w.text.as_str()).collect())
}

fn read_as(text: &[Word], digits: &[Word], slot: &Slot) -> String {
    if let Some(label) = label(text, slot) {
        return label;
    }
    let words = within(text, slot);
    let label: String = words.iter().map(|w| w.text.as_str()).collect();
    let here = within(digits, slot);
    let number: String = here.iter().map(|w| w.text.as_str()).collect();
    let tallest = here.iter().map(|w| w.bottom - w.top).fold(0.0, f64::max);
    if slot.lines > 1 || (tallest > 0.0 && slot.ink.1 - slot.ink.0 > 1.5 * tallest) {
        return label;
    }
    let text_conf = words.iter().map(|w| w.conf).fold(100.0, f64::min);
    let width = slot.across.1 - slot.across.0;
    let spanned = |read: &[&Word]| {
        let left = read.iter().map(|w| w.left).fold(f64::INFINITY, f64::min);
        let right = read
            .iter()
            .map(|w| w.right)
            .fold(f64::NEG_INFINITY, f64::max);
        width <= 0.0 || right - left >= COVERED * width
    };
    if plain(&number) && !spanned(&here) {
        return format!("{DOUBT}{number}");
    }
    if here.is_empty() && plain(&label) && !spanned(&words) {
        return format!("{DOUBT}{label}");
    }
    match (plain(&number), plain(&label)) {
        // The digits read sure.
        (true, _) if here.len() == 1 && here[0].conf >= CONFIDENT => number,
        // Nothing read as digits, the text read sure as a number.
        (false, true) if here.is_empty() && words.len() == 1 && text_conf >= CONFIDENT => label,
        // Both read the same number.
        (true, true) if number == label => number,
        (true, _) => format!("{DOUBT}{number}"),
        (false, true) => format!("{DOUBT}{label}"),
        (false, false) => format!("{DOUBT}0"),
    }
}

/// Whether a word outside the tables (`outside`, the word among them) is a page number in
/// the page's foot: only digits and what OCR makes of the dashes around them, in its lowest
/// twelfth, or in its lowest sixth with no other word on its line (a scan turned is made
/// larger to hold the turned page, which moves its foot up the image).
fn footer(g: &Glyph, outside: &[Glyph], height: f64) -> bool {
    // Digits, and what OCR makes of the dashes around them.
    let foot = |g: &Glyph| {
        g.ch.chars()
            .all(|c| c.is_ascii_digit() || c == DOUBT || "-—–－─一_~|[]()（）".contains(c))
    };
    if !(foot(g) && g.ch.chars().any(|c| c.is_ascii_digit())) {
        return false;
    }
    let alone = || {
        !outside
            .iter()
            .any(|o| !foot(o) && o.top < g.base && g.top < o.base)
    };
    g.cy() > height * 11.0 / 12.0 || (g.cy() > height * 5.0 / 6.0 && alone())
}

/// Whether a reading is a plain number (digits, at most one decimal point inside).
fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_digit() || c == '.')
        && s.chars().filter(|&c| c == '.').count() <= 1
        && !s.starts_with('.')
        && !s.ends_with('.')
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

    fn slot(top: f64, lines: f64) -> Slot {
        Slot {
            lines: 1,
            strokes: 1,
            across: (10.0, 30.0),
            band: (top, top + 50.0 * lines),
            ink: (top + 10.0, top + 10.0 + 20.0 * lines + 10.0 * (lines - 1.0)),
        }
    }

    fn glyph(x0: f64, top: f64, ch: &str) -> Glyph {
        Glyph {
            x0,
            x1: x0 + 20.0,
            top,
            base: top + 10.0,
            size: 10.0,
            ch: ch.into(),
        }
    }

    #[test]
    fn a_page_number_in_the_foot_alone_on_its_line() {
        let height = 857.0;
        // Low in the page, but above its lowest twelfth: alone, a page number.
        let number = glyph(300.0, 780.0, &format!("{DOUBT}2"));
        assert!(footer(&number, std::slice::from_ref(&number), height));
        let dashes = [
            glyph(280.0, 780.0, "-"),
            number.clone(),
            glyph(330.0, 780.0, "-"),
        ];
        assert!(footer(&dashes[1], &dashes, height));
        // With a label on its line, a number of a table drawn without lines.
        let row = [glyph(100.0, 781.0, "合计"), number.clone()];
        assert!(!footer(&row[1], &row, height));
        // In the lowest twelfth, a page number whatever its line holds.
        let low = glyph(300.0, 800.0, "3");
        assert!(footer(
            &low,
            &[glyph(100.0, 801.0, "合计"), low.clone()],
            height
        ));
        // Higher up, or not a number: kept.
        let high = glyph(300.0, 600.0, "2");
        assert!(!footer(&high, std::slice::from_ref(&high), height));
        let word = glyph(300.0, 800.0, "和");
        assert!(!footer(&word, std::slice::from_ref(&word), height));
    }

    #[test]
    fn a_piece_is_a_sure_number_a_doubtful_one_or_a_label() {
        let text = [
            word(10.0, "O", 50.0),
            word(60.0, "工", 3.0),
            word(110.0, "尚未审", 90.0),
            word(140.0, "结", 90.0),
            word(210.0, "|", 30.0),
            word(212.0, "(", 30.0),
        ];
        let digits = [
            word(10.0, "12", 95.0),
            word(60.0, "7", 40.0),
            word(110.0, "0", 96.0),
            word(160.0, "1", 96.0),
            word(162.0, "0", 96.0),
            word(212.0, "0", 96.0),
        ];
        assert_eq!(reading(&text, &digits, &slot(0.0, 1.0)), "12");
        assert_eq!(
            reading(&text, &digits, &slot(50.0, 1.0)),
            format!("{DOUBT}7")
        );
        // The digits read nothing; the text read a number, sure or not.
        let five = [word(10.0, "5", 90.0)];
        assert_eq!(reading(&five, &[], &slot(0.0, 1.0)), "5");
        let unsure = [word(10.0, "5", 60.0)];
        assert_eq!(reading(&unsure, &[], &slot(0.0, 1.0)), format!("{DOUBT}5"));
        // Both read the same number below the bar: sure.
        let low = [word(10.0, "12", 60.0)];
        assert_eq!(
            reading(&unsure, &low, &slot(0.0, 1.0)),
            format!("{DOUBT}12")
        );
        assert_eq!(
            reading(&[word(10.0, "12", 60.0)], &low, &slot(0.0, 1.0)),
            "12"
        );
        assert_eq!(reading(&text, &digits, &slot(100.0, 2.0)), "尚未审结");
        assert_eq!(
            reading(&text, &digits, &slot(150.0, 1.0)),
            format!("{DOUBT}10")
        );
        // Two lines of ink, one line read as digits: not a number.
        assert_eq!(reading(&text, &digits, &slot(200.0, 2.0)), "|(");
        assert_eq!(reading(&[], &[], &slot(300.0, 1.0)), format!("{DOUBT}0"));
        // Ink in two printed lines is not a number, whatever the digits read.
        let two = Slot {
            lines: 2,
            ..slot(0.0, 1.0)
        };
        assert_eq!(reading(&text, &digits, &two), "O");
        assert!(chinese("自然人") && !chinese("〇 0 O"));
        // A sure digit that spans a third of the ink (a `11` read as `1`) is in doubt.
        let wide = Slot {
            across: (10.0, 70.0),
            ..slot(0.0, 1.0)
        };
        assert_eq!(
            reading(&[], &[word(10.0, "1", 96.0)], &wide),
            format!("{DOUBT}1")
        );
        assert_eq!(
            reading(&[word(10.0, "1", 96.0)], &[], &wide),
            format!("{DOUBT}1")
        );
        // A sure `1`, its box spanning the ink, where two characters stand side by side.
        let pair = Slot {
            strokes: 2,
            ..slot(0.0, 1.0)
        };
        let one = [word(10.0, "1", 96.0)];
        assert_eq!(reading(&one, &[], &pair), format!("{DOUBT}1"));
        assert_eq!(reading(&[], &one, &pair), format!("{DOUBT}1"));
        let eleven = [word(10.0, "11", 96.0)];
        assert_eq!(reading(&[], &eleven, &pair), "11");
        // One Chinese character read sure is a misread digit, not a label.
        let one = [word(10.0, "直", 80.0)];
        assert_eq!(
            reading(&one, &[word(10.0, "4", 95.0)], &slot(0.0, 1.0)),
            "4"
        );
    }
}
