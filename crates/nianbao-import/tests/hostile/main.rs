//! Hostile files: zip bombs, deep nesting, huge tables and cells, cyclic PDFs, bad encodings and
//! oversized input. Each is answered within a time bound (a hang guard for a busy machine, not a
//! benchmark) and without unbounded memory, either with a clear error in Chinese and English
//! naming what was wrong, or with the report part imported. Every file is generated here, the
//! reports among them from the test kit's fixture reports.

use std::time::{Duration, Instant};

use nianbao_import::{ImportError, import};

/// Generous bound for a busy 2-core machine running a debug build.
const HANG_GUARD: Duration = Duration::from_secs(20);

#[path = "../common/mod.rs"]
mod common;

/// A report of the 2019 edition as our HTML page.
pub fn report_page() -> String {
    String::from_utf8(common::render_as(
        &common::fixture("shanghai-office-2019"),
        "html",
    ))
    .expect("utf8 page")
}

/// A report as Word saves it as plain text (cells on lines of their own, `\t0` for zeros).
pub fn seed_text() -> String {
    common::word_text_of("shangdang-sifaju-2023")
}

/// Imports, asserting the hang guard; returns the result and the time taken.
pub fn timed(
    what: &str,
    bytes: &[u8],
    hint: &str,
) -> Result<nianbao_import::Imported, ImportError> {
    let t = Instant::now();
    let r = import(bytes, Some(hint));
    let took = t.elapsed();
    eprintln!(
        "{what}: {} bytes in {:.2} s -> {}",
        bytes.len(),
        took.as_secs_f64(),
        match &r {
            Ok(i) => format!("imported, {} cells", i.report.cells.len()),
            Err(e) => e.to_string(),
        }
    );
    assert!(took < HANG_GUARD, "{what} took {took:?}");
    r
}

/// Peak resident memory of this process (`VmHWM`), in MiB; 0 where not available.
pub fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// A message in both languages: some CJK text and some ASCII words around the ` / `.
pub fn assert_bilingual(message: &str) {
    let (zh, en) = message
        .split_once("/ ")
        .unwrap_or_else(|| panic!("no '/ ' between Chinese and English: {message}"));
    assert!(
        zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "Chinese part: {message}"
    );
    assert!(
        en.split_whitespace()
            .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
            .count()
            >= 3,
        "English part: {message}"
    );
}

mod docx;
mod pdf;
mod runs;

// ---------------------------------------------------------------------------------------------
// HTML and text.

#[test]
fn html_with_100_000_nested_divs_does_not_overflow_the_stack() {
    let depth = 100_000;
    let mut html = String::from("<html><body>");
    html.push_str(&"<div>".repeat(depth));
    html.push_str("政府信息公开工作年度报告");
    html.push_str(&"</div>".repeat(depth));
    html.push_str(&"<table><tr><td>".repeat(depth));
    html.push_str("</body></html>");
    let err = timed(
        "100 000 nested divs and tables",
        html.as_bytes(),
        "deep.html",
    )
    .expect_err("no report in it");
    assert!(matches!(err, ImportError::NoReport), "{err}");
    assert_bilingual(&err.to_string());
}

/// The page of a 2019-format report, with `extra` inserted before `</body>`.
fn report_page_with(extra: &str) -> Vec<u8> {
    let page = report_page();
    let at = page.rfind("</body>").unwrap_or(page.len());
    let mut out = String::with_capacity(page.len() + extra.len());
    out.push_str(&page[..at]);
    out.push_str(extra);
    out.push_str(&page[at..]);
    out.into_bytes()
}

#[test]
fn a_table_of_100_000_rows_answers_in_bounded_time() {
    let clean = import(&report_page_with(""), Some("page.html")).expect("the page imports");
    let mut table = String::from("<table>");
    for i in 0..100_000 {
        table.push_str(&format!(
            "<tr><td>第{i}行</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i % 97,
            i % 13,
            i % 7
        ));
    }
    table.push_str("</table>");
    let bytes = report_page_with(&table);
    match timed("a report with a 100 000-row table", &bytes, "rows.html") {
        Ok(imported) => assert_eq!(
            imported.report.cells, clean.report.cells,
            "the report part is read as without the extra table"
        ),
        Err(e) => assert_bilingual(&e.to_string()),
    }
}

#[test]
fn a_10_mb_cell_answers_in_bounded_time() {
    let clean = import(&report_page_with(""), Some("page.html")).expect("the page imports");
    for (what, fill) in [("digits", "1"), ("text", "年"), ("digits and spaces", "1 ")] {
        let cell = fill.repeat(10 * 1024 * 1024 / fill.len());
        let bytes = report_page_with(&format!(
            "<table><tr><td>合计</td><td>{cell}</td></tr></table>"
        ));
        match timed(&format!("a 10 MB cell of {what}"), &bytes, "cell.html") {
            Ok(imported) => assert_eq!(imported.report.cells, clean.report.cells, "{what}"),
            Err(e) => assert_bilingual(&e.to_string()),
        }
        // The same as one line of plain text.
        let text = seed_text() + "\n" + &cell + "\n";
        match timed(
            &format!("a 10 MB line of {what}"),
            text.as_bytes(),
            "line.txt",
        ) {
            Ok(imported) => assert!(!imported.report.cells.is_empty(), "{what}"),
            Err(e) => assert_bilingual(&e.to_string()),
        }
    }
}

#[test]
fn invalid_utf8_inside_a_utf8_report_is_read_or_named() {
    let mut bytes = seed_text().into_bytes();
    let clean = import(&bytes, Some("r.txt")).expect("the seed imports");
    // A few broken sequences at the end of the prose (a truncated character, a lone byte).
    let at = bytes.len() - 2;
    bytes.splice(at..at, [0xE5, 0xB9, b' ', 0xFF, b' ', 0xC0, 0x80]);
    match timed("UTF-8 with broken sequences", &bytes, "broken.txt") {
        Ok(imported) => assert_eq!(imported.report.cells, clean.report.cells),
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains("UTF-8") || msg.contains("encoding") || msg.contains("编码"),
                "names the encoding: {msg}"
            );
            assert_bilingual(&msg);
        }
    }
}

#[test]
fn gbk_labelled_utf8_is_read_or_named() {
    let text = report_page();
    let clean = import(text.as_bytes(), Some("page.html")).expect("the page imports");
    // GBK bytes in a page that declares UTF-8.
    let relabelled = if text.to_ascii_lowercase().contains("charset=") {
        text.clone()
    } else {
        text.replacen("<head>", "<head><meta charset=\"utf-8\">", 1)
    };
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&relabelled);
    assert!(!unmappable);
    match timed("GBK labelled UTF-8", &gbk, "gbk.html") {
        Ok(imported) => assert_eq!(imported.report.cells, clean.report.cells),
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains("encoding") || msg.contains("编码"),
                "names the encoding: {msg}"
            );
            assert_bilingual(&msg);
        }
    }
}

#[test]
fn a_100_mb_file_is_refused_by_its_size() {
    let bytes = vec![b'1'; 100 * 1024 * 1024];
    let err = timed("100 MB of digits", &bytes, "big.txt").expect_err("too large");
    assert!(matches!(err, ImportError::TooLarge { .. }), "{err}");
    assert_bilingual(&err.to_string());
}
