//! Value tokens of a stream region: printed numbers (with unit and annotation) and blanks.

use crate::normalize::{BLANK, LINE, is_cjk};

/// One value-like thing printed in a region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// A number as printed (`22`, `-18`, `24252.311082`, `251000元`), with the annotation
    /// printed beside it (`其中修订16件`) and its line.
    Num {
        text: String,
        note: Option<String>,
        line: usize,
        /// Its position in the stream.
        at: usize,
    },
    /// A table cell printed blank, and its position in the stream.
    Blank { line: usize, at: usize },
}

impl Tok {
    /// The line the token is on.
    pub fn line(&self) -> usize {
        match self {
            Tok::Num { line, .. } | Tok::Blank { line, .. } => *line,
        }
    }

    /// Where the token starts in the stream.
    pub fn at(&self) -> usize {
        match self {
            Tok::Num { at, .. } | Tok::Blank { at, .. } => *at,
        }
    }

    /// The printed number, if any.
    pub fn num(&self) -> Option<&str> {
        match self {
            Tok::Num { text, .. } => Some(text),
            Tok::Blank { .. } => None,
        }
    }
}

/// The tokens between two positions. With `stop_at_text`, scanning stops at the first CJK
/// character after a number (the prose after a table).
pub fn tokens(chars: &[char], a: usize, b: usize, stop_at_text: bool) -> Vec<Tok> {
    let b = b.min(chars.len());
    let mut out = Vec::new();
    let (mut i, mut line) = (a, 0);
    while i < b {
        let c = chars[i];
        if c == LINE {
            line += 1;
            i += 1;
            continue;
        }
        if c == BLANK {
            out.push(Tok::Blank { line, at: i });
            i += 1;
            continue;
        }
        let neg = c == '-' && i + 1 < b && chars[i + 1].is_ascii_digit();
        if c.is_ascii_digit() || neg {
            let start = i;
            i += 1;
            while i < b && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i + 1 < b && chars[i] == '.' && chars[i + 1].is_ascii_digit() {
                i += 1;
                while i < b && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i + 1 < b && chars[i] == '万' && chars[i + 1] == '元' {
                i += 2;
            } else if i < b && chars[i] == '元' {
                i += 1;
            }
            if !neg && i + 1 < b && chars[i] == '.' && is_cjk(chars[i + 1]) {
                // List numbering of a label (`1.属于国家秘密`), not a value.
                i += 1;
                continue;
            }
            let text: String = chars[start..i].iter().collect();
            let mut note = None;
            let mut o = i;
            while o < b && o < i + 2 && crate::normalize::is_sep(chars[o]) {
                o += 1;
            }
            if o < b && chars[o] == '（' {
                let close = (o + 1..b.min(o + 40)).find(|&k| chars[k] == '）');
                if let Some(k) = close {
                    let inner: String = chars[o + 1..k].iter().collect();
                    // An annotation (`其中修订16件`), not list numbering (`（一）`).
                    if inner.chars().count() > 2
                        && !inner.chars().all(|c| "一二三四五六七八九十".contains(c))
                    {
                        note = Some(inner);
                        i = k + 1;
                    }
                }
            }
            out.push(Tok::Num {
                text,
                note,
                line,
                at: start,
            });
            continue;
        }
        if stop_at_text && is_cjk(c) && out.iter().any(|t| matches!(t, Tok::Num { .. })) {
            break;
        }
        i += 1;
    }
    out
}

/// Whether a printed number is a plain run of digits (a candidate for splitting).
pub fn plain_digits(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbers_units_notes() {
        let s: Vec<char> = "规章22（其中修订16件）\u{1}235\u{2}\u{3}-18元x"
            .chars()
            .collect();
        let t = tokens(&s, 0, s.len(), false);
        assert_eq!(t.len(), 4);
        assert_eq!(
            t[0],
            Tok::Num {
                text: "22".into(),
                note: Some("其中修订16件".into()),
                line: 0,
                at: 2
            }
        );
        assert_eq!(t[2], Tok::Blank { line: 1, at: 18 });
        assert_eq!(t[3].num(), Some("-18元"));
    }
}
