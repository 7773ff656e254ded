//! HTML: a small tolerant tag reader (no scripts run, no network). Table rows become lines
//! of cells, block elements break lines, `&nbsp;` cells are printed blanks.

use crate::doc::{Doc, Line};

/// Reads an HTML document or fragment.
pub fn read(html: &str) -> Doc {
    let mut doc = Doc::default();
    let mut r = Reader {
        doc: &mut doc,
        text: String::new(),
        row: None,
        cell: None,
    };
    let b = html.as_bytes();
    let mut i = 0;
    while i < html.len() {
        if b[i] == b'<' {
            if html[i..].starts_with("<!--") {
                i = html[i..].find("-->").map_or(html.len(), |e| i + e + 3);
                continue;
            }
            let Some(end) = html[i..].find('>') else {
                break;
            };
            let tag = &html[i + 1..i + end];
            i += end + 1;
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            let closing = tag.starts_with('/');
            if !closing && (name == "script" || name == "style") {
                let close = format!("</{name}");
                i = find_ci(html, i, &close).unwrap_or(html.len());
                continue;
            }
            if !closing && name == "meta" {
                r.meta(tag);
            }
            r.tag(&name, closing);
        } else {
            let next = html[i..].find('<').map_or(html.len(), |e| i + e);
            r.push_text(&decode_entities(&html[i..next]));
            i = next;
        }
    }
    r.flush_text();
    doc
}

/// Finds `needle` (ASCII) at or after byte `from`, ignoring ASCII case, without copying the
/// rest of the page (a page of many `<script>` elements would copy it once for each).
fn find_ci(hay: &str, from: usize, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    hay.as_bytes()
        .get(from..)?
        .windows(needle.len().max(1))
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

struct Reader<'a> {
    doc: &'a mut Doc,
    text: String,
    row: Option<Vec<String>>,
    cell: Option<String>,
}

impl Reader<'_> {
    fn push_text(&mut self, t: &str) {
        let t = t.replace(['\n', '\r', '\t'], " ");
        match &mut self.cell {
            Some(c) => c.push_str(&t),
            None => self.text.push_str(&t),
        }
    }

    fn flush_text(&mut self) {
        let t = self.text.trim().to_string();
        if !t.is_empty() {
            self.doc.lines.push(Line::text(t));
        }
        self.text.clear();
    }

    fn end_cell(&mut self) {
        if let Some(c) = self.cell.take() {
            let t = c.trim().to_string();
            self.row.get_or_insert_with(Vec::new).push(t);
        }
    }

    fn end_row(&mut self) {
        self.end_cell();
        if let Some(cells) = self.row.take()
            && cells.iter().any(|c| !c.trim().is_empty())
        {
            self.doc.lines.push(Line { cells, table: true });
        }
    }

    fn tag(&mut self, name: &str, closing: bool) {
        match (name, closing) {
            ("td" | "th", false) => {
                self.flush_text();
                self.end_cell();
                self.cell = Some(String::new());
            }
            ("td" | "th", true) => self.end_cell(),
            ("tr", _) => {
                self.flush_text();
                self.end_row();
                if !closing {
                    self.row = Some(Vec::new());
                }
            }
            ("table" | "tbody" | "thead", _) => {
                self.flush_text();
                self.end_row();
            }
            ("p" | "div" | "br" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "li" | "title", _)
                if self.cell.is_none() =>
            {
                self.flush_text()
            }
            _ => {}
        }
    }

    fn meta(&mut self, tag: &str) {
        let name = attr(tag, "name").unwrap_or_default().to_ascii_lowercase();
        let content = attr(tag, "content").unwrap_or_default();
        match name.as_str() {
            "articletitle" => self.doc.meta_title = Some(decode_entities(&content)),
            "pubdate" => self.doc.meta_date = Some(content),
            _ => {}
        }
    }
}

/// The value of an attribute in a tag's text.
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) = lower[from..].find(name) {
        let at = from + p;
        from = at + name.len();
        let before_ok = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric();
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let start = tag.len() - rest.len() + 1;
        let v = tag[start..].trim_start();
        let (quote, body) = match v.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), &v[1..]),
            _ => (None, v),
        };
        let end = match quote {
            Some(q) => body.find(q).unwrap_or(body.len()),
            None => body
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .unwrap_or(body.len()),
        };
        return Some(body[..end].to_string());
    }
    None
}

/// Decodes the entities that occur in reports (`&nbsp;` becomes a no-break space).
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let end = rest
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        let Some(end) = end else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..end];
        let ch = match ent {
            "nbsp" => Some('\u{a0}'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "ldquo" => Some('“'),
            "rdquo" => Some('”'),
            "mdash" => Some('—'),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
