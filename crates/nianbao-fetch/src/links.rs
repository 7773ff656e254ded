//! Links on a column page (政府信息公开年报 专栏) that may lead to a report: a page whose link text
//! names an annual report, or an attached PDF, DOCX or DOC.

use url::Url;

/// A link found on a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The resolved target.
    pub url: Url,
    /// The link text, tags removed.
    pub text: String,
}

/// What a link text or file name says of a report.
fn is_report_text(text: &str) -> bool {
    ["年度报告", "年报"].iter().any(|w| text.contains(w))
}

/// Whether the target is an attachment by its path (`.pdf`, `.docx`, `.doc`).
pub fn attachment_ext(url: &Url) -> Option<&'static str> {
    let path = url.path().to_ascii_lowercase();
    [".pdf", ".docx", ".doc"]
        .into_iter()
        .find(|e| path.ends_with(e))
}

/// The value of attribute `name` in the inside of a tag (`a href="x" class=y`).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let start = tag.len() - rest.len() + 1;
        let value = tag[start..].trim_start();
        let (quote, body) = match value.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), &value[1..]),
            _ => (None, value),
        };
        let end = match quote {
            Some(q) => body.find(q).unwrap_or(body.len()),
            None => body
                .find(|c: char| c.is_ascii_whitespace() || c == '>')
                .unwrap_or(body.len()),
        };
        return Some(body[..end].replace("&amp;", "&"));
    }
    None
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag && !c.is_whitespace() => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", "")
}

/// The links of `html` (read from `base`) that may lead to a report, most likely first: those
/// whose text or file names a report of `year` (when given), then the others naming a report,
/// then bare attachments. Links to the page itself are left out.
pub fn report_links(html: &str, base: &Url, year: Option<i32>) -> Vec<Link> {
    let lower = html.to_ascii_lowercase();
    let mut found: Vec<(u8, usize, Link)> = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<a") {
        let start = from + i;
        from = start + 2;
        if !lower[from..].starts_with(|c: char| c.is_ascii_whitespace()) {
            continue;
        }
        let Some(tag_end) = lower[from..].find('>').map(|j| from + j) else {
            break;
        };
        let close = lower[tag_end..]
            .find("</a")
            .map_or(lower.len(), |j| tag_end + j);
        let (Some(href), text) = (
            attribute(&html[from..tag_end], "href"),
            strip_tags(&html[tag_end + 1..close]),
        ) else {
            continue;
        };
        from = close;
        let Ok(url) = base.join(href.trim()) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") || url.as_str() == base.as_str() {
            continue;
        }
        let named = is_report_text(&text) || is_report_text(&url_text(&url));
        let rank = match (named, attachment_ext(&url)) {
            (true, _) if year.is_some_and(|y| text.contains(&y.to_string())) => 0,
            (true, _) => 1,
            (false, Some(_)) => 2,
            (false, None) => continue,
        };
        if found.iter().all(|(_, _, l)| l.url != url) {
            let n = found.len();
            found.push((rank, n, Link { url, text }));
        }
    }
    found.sort_by_key(|(rank, n, _)| (*rank, *n));
    found.into_iter().map(|(_, _, l)| l).collect()
}

/// The file name of a URL, percent-decoded.
fn url_text(url: &Url) -> String {
    let name = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("");
    percent_decode(name)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_links_in_order() {
        let base = Url::parse("http://127.0.0.1:8/xxgk/ndbg/index.html").expect("url");
        let html = r#"<ul><li><a href="/about.html">关于我们</a></li>
            <li><a class="t" href="2022.html" title="x">某局2022年政府信息公开工作年度报告</a></li>
            <li><A HREF='2023.html'><span>某局2023年政府信息公开</span>工作年度报告</A></li>
            <li><a href="files/%E5%B9%B4%E6%8A%A5.pdf">附件</a></li>
            <li><a href="files/b.docx">附件2</a></li>
            <li><a href="index.html">本页</a></li>
            <li><a href="mailto:x@y">信箱年报</a></li></ul>"#;
        let links = report_links(html, &base, Some(2023));
        let paths: Vec<&str> = links.iter().map(|l| l.url.path()).collect();
        assert_eq!(
            paths,
            [
                "/xxgk/ndbg/2023.html",
                "/xxgk/ndbg/2022.html",
                "/xxgk/ndbg/files/%E5%B9%B4%E6%8A%A5.pdf",
                "/xxgk/ndbg/files/b.docx",
            ]
        );
        assert_eq!(links[0].text, "某局2023年政府信息公开工作年度报告");
        assert_eq!(attachment_ext(&links[3].url), Some(".docx"));
        assert!(report_links("<a>no href</a><a", &base, None).is_empty());
    }
}
