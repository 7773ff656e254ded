//! Published reports fetched from portal URLs.
//!
//! [`gather`] GETs a URL ([`http`]: HTTP(S) with a timeout, a size limit and bounded
//! redirects), reads the body as text in the charset the server or the page declares (UTF-8,
//! GBK, GB18030), imports it with `nianbao-import`, and when the page holds no report but links
//! to one (a 政府信息公开年报 column page) follows the most likely links ([`links`]) to the report
//! page or its PDF or DOCX. A DOC (Word 97) file is refused with a message saying so.
//! Nothing is guessed: a page that yields no report is "not a report", with the reason.

pub mod http;
pub mod links;
pub mod testkit;

use nianbao_import::{ImportError, Imported};
use url::Url;

pub use http::{Limits, Page};

/// Links of a column page tried at most.
pub const MAX_LINKS_TRIED: usize = 4;

/// Why no report was fetched from a URL. Messages are in Chinese and English.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Not an http(s) URL.
    #[error("不是有效的 http(s) 地址 / not a valid http(s) URL: {0}")]
    BadUrl(String),
    /// Connection refused, reset, TLS failure.
    #[error("无法连接 {url} / cannot reach {url}: {reason}")]
    Unreachable {
        /// The URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// No answer in time.
    #[error("{url} 在 {seconds} 秒内未响应 / {url} did not answer within {seconds} s")]
    Timeout {
        /// The URL.
        url: String,
        /// The limit.
        seconds: u64,
    },
    /// An HTTP status other than 200 (after redirects).
    #[error("{url} 返回 HTTP {status} / {url} answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// A body over the size limit.
    #[error(
        "{url} 的内容超过 {limit} 字节的上限 / {url} is larger than the limit of {limit} bytes"
    )]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// A redirect back to a URL already visited.
    #[error("重定向循环 / redirect loop at {0}")]
    RedirectLoop(String),
    /// More redirects than allowed.
    #[error("{url} 重定向超过 {limit} 次 / {url} redirects more than {limit} times")]
    TooManyRedirects {
        /// The URL first asked for.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// A Word 97 (.doc) file.
    #[error(
        "{0} 是 Word 97（.doc）文件，无法读取：请另存为 .docx 或 PDF / {0} is a Word 97 (.doc) file, which is not read: save it as .docx or PDF"
    )]
    Doc(String),
    /// The page and the links followed hold no report.
    #[error("{url} 不是年度报告 / {url} is not an annual report: {reason}")]
    NotAReport {
        /// The URL.
        url: String,
        /// Why (the importer's reason).
        reason: String,
    },
}

impl FetchError {
    /// Whether the page was found at all (else: found, but no report in it).
    pub fn is_not_found(&self) -> bool {
        !matches!(self, FetchError::Doc(_) | FetchError::NotAReport { .. })
    }
}

/// A report fetched from a URL.
#[derive(Debug)]
pub struct Gathered {
    /// The imported report (its office code derived from the name).
    pub imported: Imported,
    /// Where the report was read (the page, or the page or attachment a column page links).
    pub url: Url,
    /// The column page followed, when the report was linked from one.
    pub via: Option<Url>,
}

/// The body as bytes the importer reads: text in a charset the `Content-Type` header names other
/// than UTF-8 is transcoded to UTF-8; otherwise the importer detects UTF-8, the page's own
/// `charset`, or GB18030.
pub fn body_for_import(page: &Page) -> Vec<u8> {
    let declared = page
        .content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("charset="))
        .next()
        .map(|c| c.trim_matches(['"', '\'']))
        .and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()));
    match declared {
        Some(enc) if enc != encoding_rs::UTF_8 && page.content_type.starts_with("text/") => {
            let (text, _, _) = enc.decode(&page.body);
            text.into_owned().into_bytes()
        }
        _ => page.body.to_vec(),
    }
}

fn is_doc(page: &Page) -> bool {
    page.body.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
        || page.content_type.starts_with("application/msword")
        || (links::attachment_ext(&page.url) == Some(".doc") && !page.body.starts_with(b"PK"))
}

fn file_hint(url: &Url) -> Option<String> {
    url.path_segments()
        .and_then(|mut s| s.next_back())
        .map(str::to_string)
}

/// Imports a fetched page; `Err` with the importer's reason when it holds no report.
fn import_page(page: &Page) -> Result<Imported, FetchError> {
    if is_doc(page) {
        return Err(FetchError::Doc(page.url.to_string()));
    }
    let body = body_for_import(page);
    nianbao_import::import(&body, file_hint(&page.url).as_deref()).map_err(|e: ImportError| {
        FetchError::NotAReport {
            url: page.url.to_string(),
            reason: e.to_string(),
        }
    })
}

/// Parses a URL given by a person: http(s) only.
pub fn parse_url(text: &str) -> Result<Url, FetchError> {
    let url = Url::parse(text.trim()).map_err(|_| FetchError::BadUrl(text.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(FetchError::BadUrl(text.to_string()));
    }
    Ok(url)
}

/// Fetches the report at `url`: the page itself, or what a column page links (preferring links
/// that name `year`).
pub async fn gather(url: &Url, year: Option<i32>, limits: &Limits) -> Result<Gathered, FetchError> {
    let page = http::get(url, limits).await?;
    let first = match import_page(&page) {
        Ok(imported) => {
            return Ok(Gathered {
                imported,
                url: page.url,
                via: None,
            });
        }
        Err(e) => e,
    };
    if !matches!(first, FetchError::NotAReport { .. }) {
        return Err(first);
    }
    let text = String::from_utf8_lossy(&body_for_import(&page)).into_owned();
    let mut last = first;
    for link in links::report_links(&text, &page.url, year)
        .into_iter()
        .take(MAX_LINKS_TRIED)
    {
        let found = match http::get(&link.url, limits).await {
            Ok(p) => import_page(&p).map(|imported| (imported, p.url)),
            Err(e) => Err(e),
        };
        match found {
            Ok((imported, at)) => {
                return Ok(Gathered {
                    imported,
                    url: at,
                    via: Some(page.url),
                });
            }
            Err(e) => {
                tracing::debug!(link = %link.url, error = %e, "linked page holds no report");
                // A linked DOC is the answer to give (its message says what to do).
                if matches!(e, FetchError::Doc(_)) {
                    return Err(e);
                }
                last = e;
            }
        }
    }
    Err(match last {
        FetchError::NotAReport { reason, .. } => FetchError::NotAReport {
            url: url.to_string(),
            reason,
        },
        other if other.is_not_found() => FetchError::NotAReport {
            url: url.to_string(),
            reason: format!(
                "页面无年度报告，所链接的页面无法读取 / no report on the page, and its links failed: {other}"
            ),
        },
        other => other,
    })
}
