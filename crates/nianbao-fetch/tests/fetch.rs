//! Fetching over real HTTP from a loopback server: a report page (UTF-8, GBK, GB18030), a DOCX,
//! a column page linking to the report, a DOC refused, a redirect loop and a redirect chain, a
//! 10 MB page, a slow server, a 404, a page that is not a report, and the corpus PDFs when present.
//! Nothing reaches beyond 127.0.0.1.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use nianbao_fetch::testkit::{Route, Server};
use nianbao_fetch::{FetchError, Limits, gather, parse_url};
use nianbao_model::{Report, interchange};
use nianbao_render::{Format, RenderOptions, render};

/// The demo report with every cell printed (a cell printed blank reads back as 0).
fn demo() -> Report {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../demo/shangdang-sifaju-2023.json");
    let text = std::fs::read_to_string(path).expect("demo report");
    let mut report = interchange::from_json(&text).expect("demo json");
    for def in report.schema().cells() {
        report
            .cells
            .entry(def.key)
            .or_insert(nianbao_model::Value::Count(0));
    }
    report
}

/// Cells equal, or the first difference named (not the whole maps).
fn same_cells(got: &Report, want: &Report, what: &str) {
    for def in want.schema().cells() {
        assert_eq!(
            got.cells.get(def.key),
            want.cells.get(def.key),
            "{what}: {}",
            def.key
        );
    }
}

fn html(body: &[u8], charset: &str) -> Route {
    Route::Body(format!("text/html; charset={charset}"), body.to_vec())
}

async fn server() -> (Server, Report) {
    let report = demo();
    let page = render(&report, Format::Html, &RenderOptions::default()).expect("html");
    let docx = render(&report, Format::Docx, &RenderOptions::default()).expect("docx");
    let text = String::from_utf8(page.clone()).expect("utf-8");
    let gbk_text = text
        .replace("charset=\"utf-8\"", "charset=\"gbk\"")
        .replace("charset=utf-8", "charset=gbk");
    let (gbk, _, _) = encoding_rs::GBK.encode(&gbk_text);
    let gb18030_text = text.replace("utf-8", "gb18030");
    let (gb18030, _, _) = encoding_rs::GB18030.encode(&gb18030_text);
    let column = "<html><head><meta charset=\"utf-8\"></head><body><h1>政府信息公开年报</h1><ul>\
        <li><a href=\"/about.html\">机构概况</a></li>\
        <li><a href=\"/2022.html\">长治市上党区司法局2022年政府信息公开工作年度报告</a></li>\
        <li><a href=\"report.html\">长治市上党区司法局2023年政府信息公开工作年度报告</a></li></ul></body></html>";
    let mut routes = HashMap::new();
    routes.insert("/report.html".to_string(), html(&page, "utf-8"));
    routes.insert("/gbk.html".to_string(), html(&gbk, "gbk"));
    // No charset in the header: the page's own meta tag, or the bytes, tell.
    routes.insert(
        "/gb18030.html".to_string(),
        Route::Body("text/html".into(), gb18030.to_vec()),
    );
    routes.insert(
        "/report.docx".to_string(),
        Route::Body(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document".into(),
            docx,
        ),
    );
    let mut doc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    doc.resize(4096, 0);
    routes.insert(
        "/report.doc".to_string(),
        Route::Body("application/msword".into(), doc),
    );
    routes.insert(
        "/column/".to_string(),
        html(
            column.replace("report.html", "/report.html").as_bytes(),
            "utf-8",
        ),
    );
    routes.insert(
        "/column-attachment/".to_string(),
        html(
            "<p><a href=\"/report.docx\">附件：2023年度报告</a></p>".as_bytes(),
            "utf-8",
        ),
    );
    routes.insert(
        "/column-doc/".to_string(),
        html(
            "<p><a href=\"/report.doc\">附件：2023年度报告</a></p>".as_bytes(),
            "utf-8",
        ),
    );
    routes.insert("/loop-a".to_string(), Route::Redirect("/loop-b".into()));
    routes.insert("/loop-b".to_string(), Route::Redirect("/loop-a".into()));
    for i in 0..8 {
        routes.insert(
            format!("/chain-{i}"),
            Route::Redirect(format!("/chain-{}", i + 1)),
        );
    }
    routes.insert("/moved".to_string(), Route::Redirect("/report.html".into()));
    routes.insert(
        "/big.html".to_string(),
        Route::Streamed("text/html".into(), vec![b'x'; 10 * 1024 * 1024]),
    );
    routes.insert(
        "/big-declared.html".to_string(),
        html(&vec![b'x'; 10 * 1024 * 1024], "utf-8"),
    );
    routes.insert(
        "/slow.html".to_string(),
        Route::Slow(Duration::from_secs(5), Box::new(html(&page, "utf-8"))),
    );
    routes.insert(
        "/news.html".to_string(),
        html(
            "<html><body><p>本站新闻：召开工作会议。</p></body></html>".as_bytes(),
            "utf-8",
        ),
    );
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    for name in ["13_huaian-city-gov-2024.pdf", "04_pingtan-2019_page.html"] {
        if let Ok(bytes) = std::fs::read(corpus.join(name)) {
            let ct = if name.ends_with(".pdf") {
                "application/pdf"
            } else {
                "text/html"
            };
            routes.insert(format!("/corpus/{name}"), Route::Body(ct.into(), bytes));
        }
    }
    (Server::start(routes).await.expect("server"), report)
}

fn limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(2),
        ..Limits::default()
    }
}

async fn get(s: &Server, path: &str) -> Result<nianbao_fetch::Gathered, FetchError> {
    gather(
        &parse_url(&s.url(path)).expect("url"),
        Some(2023),
        &limits(),
    )
    .await
}

#[tokio::test]
async fn report_pages_in_every_charset_and_a_docx() {
    let (s, report) = server().await;
    for path in [
        "/report.html",
        "/gbk.html",
        "/gb18030.html",
        "/report.docx",
        "/moved",
    ] {
        let g = get(&s, path)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let got = &g.imported.report;
        assert_eq!(got.office.name, report.office.name, "{path}");
        assert_eq!(got.year, 2023, "{path}");
        same_cells(got, &report, path);
        assert!(g.via.is_none(), "{path}");
    }
    let moved = get(&s, "/moved").await.expect("moved");
    assert_eq!(moved.url.path(), "/report.html");
}

#[tokio::test]
async fn a_column_page_is_followed_to_the_report_or_attachment() {
    let (s, report) = server().await;
    let g = get(&s, "/column/").await.expect("column");
    assert_eq!(g.url.path(), "/report.html");
    assert_eq!(g.via.as_ref().map(|u| u.path()), Some("/column/"));
    same_cells(&g.imported.report, &report, "column");
    let g = get(&s, "/column-attachment/").await.expect("attachment");
    assert_eq!(g.url.path(), "/report.docx");
    same_cells(&g.imported.report, &report, "column");
}

#[tokio::test]
async fn failures_each_with_their_reason() {
    let (s, _) = server().await;
    let doc = get(&s, "/report.doc").await.expect_err("doc");
    assert!(
        matches!(doc, FetchError::Doc(_)) && !doc.is_not_found(),
        "{doc}"
    );
    assert!(doc.to_string().contains(".docx"), "{doc}");
    let linked_doc = get(&s, "/column-doc/").await.expect_err("linked doc");
    assert!(matches!(linked_doc, FetchError::Doc(_)), "{linked_doc}");
    let looped = get(&s, "/loop-a").await.expect_err("loop");
    assert!(matches!(looped, FetchError::RedirectLoop(_)), "{looped}");
    let chain = get(&s, "/chain-0").await.expect_err("chain");
    assert!(
        matches!(chain, FetchError::TooManyRedirects { limit: 5, .. }),
        "{chain}"
    );
    for big in ["/big.html", "/big-declared.html"] {
        let e = get(&s, big).await.expect_err("big");
        assert!(matches!(e, FetchError::TooLarge { .. }), "{big}: {e}");
    }
    let started = std::time::Instant::now();
    let slow = get(&s, "/slow.html").await.expect_err("slow");
    assert!(
        matches!(slow, FetchError::Timeout { seconds: 2, .. }),
        "{slow}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    let missing = get(&s, "/missing.html").await.expect_err("404");
    assert!(matches!(missing, FetchError::Status { status: 404, .. }) && missing.is_not_found());
    let news = get(&s, "/news.html").await.expect_err("not a report");
    assert!(
        matches!(news, FetchError::NotAReport { .. }) && !news.is_not_found(),
        "{news}"
    );
    let refused = gather(
        &parse_url("http://127.0.0.1:1/x").expect("url"),
        None,
        &limits(),
    )
    .await
    .expect_err("refused");
    assert!(
        matches!(refused, FetchError::Unreachable { .. }),
        "{refused}"
    );
    assert!(parse_url("ftp://127.0.0.1/x").is_err() && parse_url("not a url").is_err());
}

#[tokio::test]
async fn corpus_pdf_and_page_when_present() {
    let (s, _) = server().await;
    for (name, year) in [
        ("13_huaian-city-gov-2024.pdf", 2024),
        ("04_pingtan-2019_page.html", 2019),
    ] {
        let path = format!("/corpus/{name}");
        match get(&s, &path).await {
            Ok(g) => assert_eq!(g.imported.report.year, year, "{name}"),
            // A clone without the corpus serves a 404 here.
            Err(FetchError::Status { status: 404, .. }) => {}
            Err(e) => panic!("{name}: {e}"),
        }
    }
}
