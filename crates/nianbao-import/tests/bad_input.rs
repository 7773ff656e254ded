//! Bad input: each gives a clear error, never a panic or a hang.

use std::time::{Duration, Instant};

use nianbao_import::{ImportError, import};

fn corpus(name: &str) -> Vec<u8> {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(name);
    std::fs::read(p).expect("corpus file")
}

#[test]
fn empty_file() {
    assert!(matches!(import(b"", None), Err(ImportError::Empty)));
    assert!(matches!(
        import(b"  \n\t ", Some("x.txt")),
        Err(ImportError::Empty)
    ));
}

#[test]
fn truncated_pdf() {
    let pdf = corpus("14_huaian-hongze-district-gov-2023.pdf");
    for cut in [10, 1000, pdf.len() / 2] {
        let err = import(&pdf[..cut], Some("x.pdf")).expect_err("truncated pdf");
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

#[test]
fn report_with_a_table_missing() {
    let text =
        String::from_utf8(corpus("00_seed_changzhi-shangdang-sifaju-2023.txt")).expect("utf8");
    let start = text
        .find("四、政府信息公开行政复议")
        .expect("table 4 heading");
    let end = text.find("5、 存在的主要问题").expect("section 5");
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

#[test]
fn gbk_text_is_decoded() {
    let text =
        String::from_utf8(corpus("00_seed_changzhi-shangdang-sifaju-2023.txt")).expect("utf8");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let imported = import(&gbk, Some("x.txt")).expect("gbk import");
    assert_eq!(imported.report.office.name, "长治市上党区司法局");
    assert_eq!(imported.report.cells.len(), 200);
}
