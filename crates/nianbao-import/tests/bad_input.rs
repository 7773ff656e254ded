//! Bad input: each gives a clear error, never a panic or a hang. The documents are made from the
//! test kit's fixture reports; the published ones of the corpus are tried too when it is there.

use std::time::{Duration, Instant};

use nianbao_import::{ImportError, import};

mod common;

#[test]
fn empty_file() {
    assert!(matches!(import(b"", None), Err(ImportError::Empty)));
    assert!(matches!(
        import(b"  \n\t ", Some("x.txt")),
        Err(ImportError::Empty)
    ));
}

/// A PDF cut short at 10 bytes, 1000 bytes and half its length: a clear error each time.
fn truncated(pdf: &[u8]) {
    for (cut, bytes) in nianbao_testkit::forms::truncated(pdf) {
        let err = import(&bytes, Some("x.pdf")).expect_err("truncated pdf");
        assert!(
            matches!(
                err,
                ImportError::Corrupt { format: "pdf", .. }
                    | ImportError::NoText { .. }
                    | ImportError::NoReport
            ),
            "{cut}: {err}"
        );
        assert!(err.to_string().contains(" / "), "bilingual: {err}");
    }
}

#[test]
fn truncated_pdf() {
    truncated(&common::render_as(
        &common::fixture("hongze-district-2023"),
        "pdf",
    ));
}

#[test]
fn corpus_truncated_pdf() {
    if let Some(c) = nianbao_testkit::corpus("corpus_truncated_pdf") {
        truncated(&c.read("14_huaian-hongze-district-gov-2023.pdf"));
    }
}

#[test]
fn corrupt_docx() {
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend(std::iter::repeat_n(0x5a, 300));
    let err = import(&bytes, Some("x.docx")).expect_err("corrupt docx");
    assert!(
        matches!(err, ImportError::Corrupt { format: "docx", .. }),
        "{err}"
    );
}

#[test]
fn html_with_no_report() {
    let html = "<html><head><meta charset=\"utf-8\"><title>首页</title></head><body><p>欢迎访问</p><table><tr><td>1</td></tr></table></body></html>";
    assert!(matches!(
        import(html.as_bytes(), Some("x.html")),
        Err(ImportError::NoReport)
    ));
}

/// The text without table 四 (from its heading to `next`, the heading after it).
fn table_missing(text: &str, next: &str) {
    let start = text
        .find("四、政府信息公开行政复议")
        .expect("table 4 heading");
    let end = text.find(next).expect("section 5");
    let cut = format!("{}{}", &text[..start], &text[end..]);
    let err = import(cut.as_bytes(), Some("x.txt")).expect_err("table 4 missing");
    assert!(
        matches!(
            err,
            ImportError::TableMissing {
                table: nianbao_model::TableId::S4,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("表四"));
}

#[test]
fn report_with_a_table_missing() {
    table_missing(
        &common::word_text_of("shangdang-sifaju-2023"),
        "五、存在的主要问题",
    );
}

#[test]
fn corpus_report_with_a_table_missing() {
    if let Some(c) = nianbao_testkit::corpus("corpus_report_with_a_table_missing") {
        table_missing(
            &c.text("00_seed_changzhi-shangdang-sifaju-2023.txt"),
            "5、 存在的主要问题",
        );
    }
}

#[test]
fn binary_garbage() {
    let mut x: u32 = 12345;
    let bytes: Vec<u8> = (0..50_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    let err = import(&bytes, None).expect_err("garbage");
    assert!(
        matches!(err, ImportError::NotADocument | ImportError::NoReport),
        "{err}"
    );
}

#[test]
fn a_100_mb_input_is_refused_quickly() {
    let bytes = vec![b'a'; 100 * 1024 * 1024];
    let t = Instant::now();
    let err = import(&bytes, Some("big.txt")).expect_err("too large");
    assert!(matches!(err, ImportError::TooLarge { .. }), "{err}");
    assert!(t.elapsed() < Duration::from_secs(5));
}

/// The text encoded as GBK reads as the UTF-8 text does.
fn gbk_decoded(text: &str) {
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    let imported = import(&gbk, Some("x.txt")).expect("gbk import");
    assert_eq!(imported.report.office.name, "长治市上党区司法局");
    assert_eq!(imported.report.cells.len(), 200);
}

#[test]
fn gbk_text_is_decoded() {
    gbk_decoded(&common::word_text_of("shangdang-sifaju-2023"));
}

#[test]
fn corpus_gbk_text_is_decoded() {
    if let Some(c) = nianbao_testkit::corpus("corpus_gbk_text_is_decoded") {
        gbk_decoded(&c.text("00_seed_changzhi-shangdang-sifaju-2023.txt"));
    }
}
