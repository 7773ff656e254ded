//! The common form every reader produces: printed lines of cells, and the normalised
//! character stream the table and prose readers search.

use crate::normalize::{BLANK, CELL, LINE, norm};

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
}

/// The whole document as one normalised character sequence with [`CELL`], [`LINE`] and
/// [`BLANK`] markers.
#[derive(Clone, Debug, Default)]
pub struct Stream {
    /// The characters.
    pub chars: Vec<char>,
}

impl Stream {
    /// Builds the stream of a document.
    pub fn new(doc: &Doc) -> Stream {
        let mut chars = Vec::new();
        for line in &doc.lines {
            let mut any = false;
            for cell in &line.cells {
                let n = norm(cell);
                if n.is_empty() {
                    if line.table && line.cells.len() > 1 {
                        if any {
                            chars.push(CELL);
                        }
                        chars.push(BLANK);
                        any = true;
                    }
                    continue;
                }
                if any {
                    chars.push(CELL);
                }
                chars.extend(n.chars());
                any = true;
            }
            if any {
                chars.push(LINE);
            }
        }
        Stream { chars }
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

    /// Finds `needle` (normalised) at or after `from`, ignoring separators inside the match.
    /// With `wrap`, a prefix of at least eight characters that ends at a separator also
    /// matches (a label wrapped over two printed lines). Returns (start, end).
    pub fn find(&self, needle: &str, from: usize, to: usize, wrap: bool) -> Option<(usize, usize)> {
        let pat: Vec<char> = norm(needle).chars().collect();
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
