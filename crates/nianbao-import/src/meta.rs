//! Office, year, publication date, signature and the prose sections.

use chrono::NaiveDate;

use crate::doc::{Doc, Stream};
use crate::normalize::{LINE, is_cjk, is_sep, norm};

const NUMERALS: &str = "一二三四五六七八九十";

/// Finds a section heading: a numbering (`五、` or `5.`), at most 14 characters without
/// clause punctuation, then `keyword`. Returns (start of numbering, end of keyword).
pub fn find_heading(
    s: &Stream,
    keywords: &[&str],
    from: usize,
    to: usize,
) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for kw in keywords {
        let mut pos = from;
        while let Some((p, e)) = s.find(kw, pos, to, false) {
            pos = p + 1;
            if let Some(start) = numbering_before(&s.chars, p)
                && best.is_none_or(|(b, _)| start < b)
            {
                best = Some((start, e));
                break;
            }
        }
    }
    best
}

fn numbering_before(chars: &[char], p: usize) -> Option<usize> {
    let mut i = p;
    let mut steps = 0;
    while i > 0 && steps <= 14 {
        let c = chars[i - 1];
        if (c == '、' || c == '.') && i >= 2 {
            let n = chars[i - 2];
            let ok = (c == '、' && NUMERALS.contains(n)) || (c == '.' && n.is_ascii_digit());
            if ok {
                let before = if i >= 3 { Some(chars[i - 3]) } else { None };
                let fine = match before {
                    None => true,
                    Some(b) if c == '.' => !b.is_ascii_digit() || is_sep(b),
                    Some(b) => !is_cjk(b) || is_sep(b),
                };
                return fine.then_some(i - 2);
            }
        }
        if is_sep(c) && steps > 0 || "。，、；：！？".contains(c) {
            return None;
        }
        i -= 1;
        steps += 1;
    }
    None
}

/// The end of a heading line: the next line break if it comes within a few characters,
/// else the end of a known heading tail.
pub fn heading_end(s: &Stream, kw_end: usize, tails: &[&str]) -> usize {
    let mut end = kw_end;
    for t in tails {
        let tail: Vec<char> = norm(t).chars().collect();
        if s.chars.len() >= end + tail.len() && s.chars[end..end + tail.len()] == tail[..] {
            end += tail.len();
            break;
        }
    }
    let mut k = end;
    while k < s.chars.len() && k < end + 4 && !is_sep(s.chars[k]) {
        k += 1;
    }
    if k < s.chars.len()
        && is_sep(s.chars[k])
        && k - end <= 3
        && !s.chars[end..k].iter().any(|c| c.is_ascii_digit())
    {
        return k;
    }
    end
}

/// The title line(s) and what they say: office name and year.
pub fn title(doc: &Doc) -> (Option<String>, Option<i32>) {
    let mut candidates: Vec<String> = Vec::new();
    if let Some(t) = &doc.meta_title {
        candidates.push(norm(t));
    }
    let lines: Vec<String> = doc
        .lines
        .iter()
        .take(40)
        .map(|l| norm(&l.cells.concat()))
        .collect();
    for (i, l) in lines.iter().enumerate() {
        let core = l
            .strip_prefix("标题：")
            .or_else(|| l.strip_prefix("标题"))
            .unwrap_or(l);
        if !(core.contains("年度报告") || core.contains("年报")) || core.contains('。') {
            continue;
        }
        let mut t = core.to_string();
        for back in 1..=2 {
            let Some(prev) = i.checked_sub(back).and_then(|j| lines.get(j)) else {
                break;
            };
            if prev.chars().count() > 30
                || prev.contains(['。', '，', '：'])
                || prev == "正文"
                || !prev.chars().any(is_cjk)
            {
                break;
            }
            t = format!("{prev}{t}");
        }
        candidates.push(t);
        break;
    }
    for t in candidates {
        let (name, year) = parse_title(&t);
        if name.is_some() || year.is_some() {
            return (name, year);
        }
    }
    (None, None)
}

fn parse_title(t: &str) -> (Option<String>, Option<i32>) {
    let chars: Vec<char> = t.chars().collect();
    let mut year = None;
    let mut cut = (0, 0);
    for i in 0..chars.len().saturating_sub(4) {
        let digits: String = chars[i..i + 4].iter().collect();
        if digits.chars().all(|c| c.is_ascii_digit())
            && (i == 0 || !chars[i - 1].is_ascii_digit())
            && chars.get(i + 4) == Some(&'年')
        {
            year = digits.parse().ok();
            let mut e = i + 5;
            if chars.get(e) == Some(&'度') {
                e += 1;
            }
            cut = (i, e);
            break;
        }
    }
    let rest: String = chars[..cut.0].iter().chain(chars[cut.1..].iter()).collect();
    let mut name = rest;
    for suffix in ["政府信息公开", "信息公开工作", "政务公开"] {
        if let Some(p) = name.find(suffix) {
            name.truncate(p);
            break;
        }
    }
    let name = name
        .trim_start_matches("关于")
        .trim_matches(|c: char| !is_cjk(c))
        .to_string();
    (
        (!name.is_empty() && name.chars().count() <= 30).then_some(name),
        year,
    )
}

/// A longer form of the office name printed in the body (`淮安市洪泽区人民政府` for a
/// title that prints `洪泽区人民政府`).
pub fn full_name(body: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(p) = body[from..].find(name) {
        let at = from + p;
        from = at + name.len();
        let before: Vec<char> = body[..at].chars().rev().take(8).collect();
        let mut prefix: Vec<char> = Vec::new();
        for c in before {
            if !is_cjk(c) || "由是在的和及与对为".contains(c) {
                break;
            }
            prefix.push(c);
        }
        prefix.reverse();
        let prefix: String = prefix.into_iter().collect();
        if prefix.ends_with('市') || prefix.ends_with('省') {
            return Some(format!("{prefix}{name}"));
        }
    }
    None
}

/// The statistics period's year (`统计期限自2021年1月1日`).
pub fn period_year(text: &str) -> Option<i32> {
    let p = text.find("统计期限").or_else(|| text.find("统计时间"))?;
    let rest = &text[p..];
    let digits: String = rest
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok().filter(|y| (1990..=2100).contains(y))
}

/// Parses `2024年1月2日`, `2020-01-31`, `2020/1/31`, `2020.01.31` at the start of `t`.
pub fn parse_date(t: &str) -> Option<(NaiveDate, usize)> {
    let chars: Vec<char> = t.chars().collect();
    let mut nums = Vec::new();
    let mut i = 0;
    let mut cur = String::new();
    while i < chars.len() && nums.len() < 3 {
        let c = chars[i];
        if c.is_ascii_digit() {
            cur.push(c);
        } else {
            if cur.is_empty() {
                break;
            }
            nums.push(std::mem::take(&mut cur));
            let expected = match nums.len() {
                1 => "年-/.",
                2 => "月-/.",
                _ => "日",
            };
            if !expected.contains(c) {
                if nums.len() == 3 {
                    break;
                }
                return None;
            }
        }
        i += 1;
    }
    if !cur.is_empty() && nums.len() == 2 {
        nums.push(cur);
    }
    if nums.len() != 3 || nums[0].len() != 4 {
        return None;
    }
    let y = nums[0].parse().ok()?;
    let m = nums[1].parse().ok()?;
    let d = nums[2].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d).map(|date| (date, i))
}

/// A publication date from a `发布日期`/`公开日期`/`发布时间` line.
pub fn labelled_date(s: &Stream) -> Option<NaiveDate> {
    for label in ["发布日期", "公开日期", "发布时间", "成文日期"] {
        if let Some((_, e)) = s.find(label, 0, s.chars.len(), false) {
            let rest: String = s.chars[e..(e + 24).min(s.chars.len())]
                .iter()
                .skip_while(|c| matches!(c, '：' | ' ' | '\u{1}'))
                .collect();
            if let Some((d, _)) = parse_date(&rest) {
                return Some(d);
            }
        }
    }
    None
}

/// The signature block at the end: (start position, office line, date).
pub fn signature(s: &Stream) -> Option<(usize, Option<String>, NaiveDate)> {
    let lines = line_spans(s);
    let tail = lines.len().saturating_sub(4);
    for (k, &(a, b)) in lines.iter().enumerate().skip(tail).rev() {
        let text: String = s.text(a, b).trim().to_string();
        let Some((date, used)) = parse_date(&text) else {
            continue;
        };
        if used + 1 < text.chars().count() {
            continue;
        }
        let mut start = a;
        let mut office = None;
        if k > 0 {
            let (pa, pb) = lines[k - 1];
            let prev = s.text(pa, pb).trim().to_string();
            if !prev.is_empty() && prev.chars().count() <= 30 && !prev.contains(['。', '，']) {
                office = Some(prev);
                start = pa;
            }
        }
        return Some((start, office, date));
    }
    None
}

/// (start, end) of each printed line of the stream.
pub fn line_spans(s: &Stream) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut a = 0;
    for (i, &c) in s.chars.iter().enumerate() {
        if c == LINE {
            if i > a {
                out.push((a, i));
            }
            a = i + 1;
        }
    }
    if a < s.chars.len() {
        out.push((a, s.chars.len()));
    }
    out
}

/// Prose between two positions, trimmed, with trailing page chrome (`附件下载`) cut after the
/// last full stop.
pub fn prose(s: &Stream, from: usize, to: usize) -> String {
    let t = s.text(from, to);
    let t = t.trim();
    if let Some(p) = t.rfind('。') {
        let tail = &t[p + '。'.len_utf8()..];
        if tail.chars().count() < 16 && !tail.chars().any(|c| c.is_ascii_digit()) {
            return t[..p + '。'.len_utf8()].trim().to_string();
        }
    }
    t.to_string()
}
