//! The common form every reader produces: printed lines of cells, and the normalised
//! character stream the table and prose readers search.

use crate::Origin;
use crate::normalize::{BLANK, CELL, LINE, is_sep, norm};

/// One printed line (or table row): its cells in reading order.
#[derive(Clone, Debug, Default)]
pub struct Line {
    /// The text of each cell as printed.
    pub cells: Vec<String>,
    /// Cells are real table cells: an empty one is a printed blank.
    pub table: bool,
}

impl Line {
    /// A line of one cell.
    pub fn text(s: impl Into<String>) -> Line {
        Line {
            cells: vec![s.into()],
            table: false,
        }
    }
}

/// A document as lines.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    /// The lines in reading order.
    pub lines: Vec<Line>,
    /// A title given by metadata (HTML `ArticleTitle`), if any.
    pub meta_title: Option<String>,
    /// A publication date given by metadata (HTML `PubDate`), if any.
    pub meta_date: Option<String>,
    /// Where each cell of each line is printed, line by line (PDF and scans; empty otherwise).
    pub origins: Vec<Vec<Option<Origin>>>,
    /// Cells whose reading is in doubt (OCR below its confidence bar), by line and cell.
    pub doubtful: Vec<(usize, usize)>,
    /// Read by OCR: the rules check every reading (see `crate::resolve`).
    pub scanned: bool,
}

/// The whole document as one normalised character sequence with [`CELL`], [`LINE`] and
/// [`BLANK`] markers.
#[derive(Clone, Debug, Default)]
pub struct Stream {
    /// The characters.
    pub chars: Vec<char>,
    /// Per character, where it is printed (empty when the document has no positions).
    pub origin: Vec<Option<Origin>>,
    /// Per character, whether its cell's reading is in doubt (empty when none is).
    pub doubt: Vec<bool>,
    /// Read by OCR: a label not found as printed is looked for with a few characters misread.
    pub fuzzy: bool,
}

impl Stream {
    /// Builds the stream of a document.
    pub fn new(doc: &Doc) -> Stream {
        let mut chars = Vec::new();
        let mut origin = Vec::new();
        let mut doubt = Vec::new();
        let placed = !doc.origins.is_empty();
        let doubted = !doc.doubtful.is_empty();
        for (l, line) in doc.lines.iter().enumerate() {
            let mut any = false;
            for (c, cell) in line.cells.iter().enumerate() {
                let n = norm(cell);
                let before = chars.len();
                if n.is_empty() {
                    if line.table && line.cells.len() > 1 {
                        if any {
                            chars.push(CELL);
                        }
                        chars.push(BLANK);
                        any = true;
                    }
                } else {
                    if any {
                        chars.push(CELL);
                    }
                    chars.extend(n.chars());
                    any = true;
                }
                if placed {
                    let at = doc.origins.get(l).and_then(|o| o.get(c)).copied().flatten();
                    origin.resize(chars.len(), at);
                }
                if doubted {
                    let d = doc.doubtful.contains(&(l, c));
                    doubt.resize(before, false);
                    doubt.resize(chars.len(), d);
                }
            }
            if any {
                chars.push(LINE);
            }
        }
        if placed {
            origin.resize(chars.len(), None);
        }
        if doubted {
            doubt.resize(chars.len(), false);
        }
        Stream {
            chars,
            origin,
            doubt,
            fuzzy: doc.scanned,
        }
    }

    /// The text between two positions, separators written as line breaks and spaces.
    pub fn text(&self, from: usize, to: usize) -> String {
        let to = to.min(self.chars.len());
        let from = from.min(to);
        self.chars[from..to]
            .iter()
            .filter_map(|&c| match c {
                LINE => Some('\n'),
                CELL => Some(' '),
                BLANK => None,
                c => Some(c),
            })
            .collect()
    }

    /// Finds `needle` (normalised) at or after `from`, ignoring separators and stray marks
    /// ([`STRAY`]) inside the match.
    /// With `wrap`, a prefix of at least eight characters that ends at a separator also
    /// matches (a label wrapped over two printed lines). Returns (start, end).
    ///
    /// In a document read by OCR, a label of at least four characters not found so is
    /// looked for again with a few characters misread ([`Stream::find_misread`]).
    pub fn find(&self, needle: &str, from: usize, to: usize, wrap: bool) -> Option<(usize, usize)> {
        let pat: Vec<char> = norm(needle).chars().collect();
        self.find_exact(&pat, from, to, wrap).or_else(|| {
            (self.fuzzy && pat.len() >= 4)
                .then(|| self.find_misread(&pat, from, to))
                .flatten()
        })
    }

    /// [`Stream::find`] with a few characters misread, dropped or added (edit distance up to
    /// a fifth of the label, one at least): the match that ends first (separators skipped).
    fn find_misread(&self, pat: &[char], from: usize, to: usize) -> Option<(usize, usize)> {
        let to = to.min(self.chars.len());
        let budget = (pat.len() / 5).max(1);
        let hay: Vec<(char, usize)> = (from.min(to)..to)
            .filter(|&i| !is_sep(self.chars[i]))
            .map(|i| (self.chars[i], i))
            .collect();
        let m = pat.len();
        // Edit distances of the pattern's prefixes to a piece of the text ending here, and
        // where in the text that piece starts.
        let mut cost: Vec<usize> = (0..=m).collect();
        let mut start: Vec<usize> = vec![0; m + 1];
        for (p, &(c, _)) in hay.iter().enumerate() {
            let (mut diag, mut diag_start) = (cost[0], start[0]);
            cost[0] = 0;
            start[0] = p + 1;
            for j in 1..=m {
                let (up, up_start) = (cost[j], start[j]);
                let substitute = diag + usize::from(c != pat[j - 1] || c == BLANK);
                let (mut best, mut from_at) = (substitute, diag_start);
                if up + 1 < best {
                    (best, from_at) = (up + 1, up_start);
                }
                if cost[j - 1] + 1 < best {
                    (best, from_at) = (cost[j - 1] + 1, start[j - 1]);
                }
                (diag, diag_start) = (up, up_start);
                cost[j] = best;
                start[j] = from_at;
            }
            if cost[m] <= budget && start[m] <= p {
                return Some((hay[start[m]].1, hay[p].1 + 1));
            }
        }
        None
    }

    fn find_exact(
        &self,
        pat: &[char],
        from: usize,
        to: usize,
        wrap: bool,
    ) -> Option<(usize, usize)> {
        let first = *pat.first()?;
        let to = to.min(self.chars.len());
        let mut i = from;
        while i < to {
            if self.chars[i] == first {
                let (mut j, mut k, mut last_sep) = (0, i, false);
                while j < pat.len() && k < to {
                    let c = self.chars[k];
                    if c == CELL || c == LINE {
                        k += 1;
                        last_sep = true;
                        continue;
                    }
                    if c != pat[j] {
                        // A stray mark (OCR reads specks as quotes and bars) is passed over.
                        if k > i && STRAY.contains(&c) {
                            k += 1;
                            continue;
                        }
                        break;
                    }
                    last_sep = false;
                    j += 1;
                    k += 1;
                }
                if j == pat.len() {
                    return Some((i, k));
                }
                if wrap && last_sep && (j >= 12 || (j >= 8 && j * 2 >= pat.len())) {
                    return Some((i, k));
                }
            }
            i += 1;
        }
        None
    }
}

/// Marks a label may hold where they are not printed (specks read by OCR): passed over
/// inside a label's match when the label does not have them there.
const STRAY: [char; 6] = ['"', '\'', '|', '“', '”', '`'];

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(cells: &[&str], scanned: bool) -> Stream {
        let doc = Doc {
            lines: vec![Line {
                cells: cells.iter().map(|c| c.to_string()).collect(),
                table: true,
            }],
            scanned,
            ..Doc::default()
        };
        Stream::new(&doc)
    }

    #[test]
    fn labels_misread_by_ocr_are_found_only_in_a_scan_and_close_enough() {
        let label = "2.申请人逾期未按收费通知要求缴纳费用";
        // One character added, one misread, a stray quote.
        let read = "2.申请人和逾期未按收费通“知要求缴纳费甩";
        let s = stream(&["行政强抽", read, "0"], true);
        let (a, e) = s.find(label, 0, usize::MAX, false).expect("found");
        let found = s.text(a, e);
        assert!(
            found.starts_with("2.申请人和逾期") && found.contains("缴纳费"),
            "{found}"
        );
        assert!(s.find("行政强制", 0, usize::MAX, false).is_some());
        // Two of four characters misread: another label.
        assert!(s.find("行政处罚", 0, usize::MAX, false).is_none());
        // A document with a text layer: as printed only.
        let t = stream(&["行政强抽", read], false);
        assert!(t.find("行政强制", 0, usize::MAX, false).is_none());
    }
}
