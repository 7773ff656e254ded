//! Text normalisation before label matching: full/half-width forms, brackets, quotes, spaces,
//! `1、` → `1.`.

/// Separates two cells of one printed line in a [`crate::doc::Stream`].
pub const CELL: char = '\u{1}';
/// Separates two printed lines.
pub const LINE: char = '\u{2}';
/// A table cell that was printed blank (`&nbsp;`, empty).
pub const BLANK: char = '\u{3}';

/// Whether a character separates cells or lines.
pub fn is_sep(c: char) -> bool {
    c == CELL || c == LINE
}

/// One character in its normalised form (`None`: dropped).
fn fold(c: char) -> Option<char> {
    Some(match c {
        '(' | '﹙' => '（',
        ')' | '﹚' => '）',
        '“' | '”' | '"' | '＂' | '「' | '」' => '"',
        '‘' | '’' | '\'' => '\'',
        ',' => '，',
        ':' => '：',
        ';' => '；',
        '\u{FF01}'..='\u{FF5E}' => {
            let ascii = char::from_u32(c as u32 - 0xFEE0)?;
            match ascii {
                '(' => '（',
                ')' => '）',
                ',' => '，',
                ':' => '：',
                ';' => '；',
                '"' => '"',
                other => other,
            }
        }
        '\u{3000}' | '\u{a0}' => ' ',
        c if c.is_control() && !is_sep(c) && c != BLANK => ' ',
        c => c,
    })
}

/// Normalises a cell's or a label's text: folds width and bracket forms, removes spaces
/// except between two digits (there a space separates two printed cells and becomes [`CELL`]),
/// and writes list numbering `1、` as `1.`.
pub fn norm(text: &str) -> String {
    let chars: Vec<char> = text.chars().filter_map(fold).collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            let mut j = i;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            let prev = out.chars().last();
            let next = chars.get(j).copied();
            if prev.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(is_num_start) {
                out.push(CELL);
            }
            i = j;
            continue;
        }
        if c == '、'
            && out.chars().last().is_some_and(|p| p.is_ascii_digit())
            && !out.chars().rev().nth(1).is_some_and(|p| p.is_ascii_digit())
        {
            out.push('.');
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

fn is_num_start(c: char) -> bool {
    c.is_ascii_digit() || c == '-'
}

/// Whether a character is a CJK ideograph.
pub fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_forms() {
        assert_eq!(norm("(六) 其他处理"), "（六）其他处理");
        assert_eq!(norm("1、申请人"), "1.申请人");
        assert_eq!(norm("只计这一情 形"), "只计这一情形");
        assert_eq!(norm("２３０　000023"), format!("230{CELL}000023"));
        assert_eq!(norm("危及“三安全一稳定”"), "危及\"三安全一稳定\"");
        assert_eq!(norm("第二十条 第（一）项"), "第二十条第（一）项");
    }
}
