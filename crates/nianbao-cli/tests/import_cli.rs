//! `nianbao import` and `nianbao check` on documents: made from the project's fixture reports
//! (any clone), and the published documents of the corpus (when it is there).

use std::path::{Path, PathBuf};
use std::process::Command;

use nianbao_testkit::{Form, fixture, forms};

mod common;

fn nianbao() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
}

/// Writes fixture `name` in `form` into `dir`; returns the file.
fn document(dir: &Path, name: &str, form: Form) -> PathBuf {
    let case = nianbao_testkit::Case {
        fixture: fixture(name),
        form,
    };
    let bytes = forms::make(&case.fixture.report(), form, &common::render_as)
        .unwrap_or_else(|why| panic!("{}: {why}", case.file_name()));
    let file = dir.join(case.file_name());
    std::fs::write(&file, bytes).expect("write document");
    file
}

/// `nianbao import --out DIR --office-code C` of a report, a file that is not one, and another
/// report: exit 2, both reports written, the failure named.
fn import_goes_on_after_a_failure(reports: [&Path; 2], not_a_report: &Path, office: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = nianbao()
        .arg("import")
        .arg("--out")
        .arg(dir.path())
        .arg("--office-code")
        .arg("320800-gov")
        .arg(reports[0])
        .arg(not_a_report)
        .arg(reports[1])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "a file failed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(office), "{stdout}");
    let failed = not_a_report
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    assert!(
        stdout.contains(failed),
        "the failed file is listed: {stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no annual report tables"), "{stderr}");
    for report in reports {
        let stem = report
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let text =
            std::fs::read_to_string(dir.path().join(format!("{stem}.json"))).expect("written");
        let report = nianbao_model::interchange::from_json(&text).expect("valid interchange");
        assert_eq!(report.office.code, "320800-gov");
    }
}

/// `nianbao import --json FILE`: exit 0 and the interchange JSON of the 2019 report.
fn import_json(file: &Path, granted_total: i64) {
    let out = nianbao()
        .args(["import", "--json"])
        .arg(file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let report = nianbao_model::interchange::from_json(&String::from_utf8_lossy(&out.stdout))
        .expect("interchange");
    assert_eq!(report.year, 2019);
    assert_eq!(report.count("s3.granted.total"), Some(granted_total));
}

/// `nianbao check FILE` of a PDF printing two wrong 总计 in table 四: exit 1, both named.
fn check_finds_the_r4_errors(pdf: &Path) {
    let out = nianbao().arg("check").arg(pdf).output().expect("run");
    assert_eq!(out.status.code(), Some(1), "R4 errors as printed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("s4.review.total"), "{stdout}");
    assert!(
        stdout.contains("s4.litigation_after_review.total"),
        "{stdout}"
    );
}

#[test]
fn import_writes_one_json_per_file_and_goes_on_after_a_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = document(dir.path(), "huaian-city-2024", Form::Pdf);
    let text = document(dir.path(), "shanghai-office-2019", Form::Text);
    let notes = dir.path().join("notes.txt");
    std::fs::write(
        &notes,
        "会议纪要\n\n本次会议讨论了明年的工作安排，没有表格。\n",
    )
    .expect("write");
    import_goes_on_after_a_failure([&pdf, &text], &notes, "淮安市人民政府");
}

#[test]
fn import_json_prints_interchange_for_one_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = document(dir.path(), "shanghai-office-2019", Form::Html);
    let want = fixture("shanghai-office-2019")
        .report()
        .count("s3.granted.total")
        .expect("printed");
    import_json(&page, want);
}

#[test]
fn check_imports_a_pdf_and_reports_its_r4_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    check_finds_the_r4_errors(&document(dir.path(), "hongze-district-2023", Form::Pdf));
}

#[test]
fn corpus_import_writes_one_json_per_file_and_goes_on_after_a_failure() {
    let Some(c) = nianbao_testkit::corpus(
        "corpus_import_writes_one_json_per_file_and_goes_on_after_a_failure",
    ) else {
        return;
    };
    import_goes_on_after_a_failure(
        [
            &c.path("13_huaian-city-gov-2024.pdf"),
            &c.path("06_pingtan-2021_flat.txt"),
        ],
        &c.path("README.md"),
        "淮安市人民政府",
    );
}

#[test]
fn corpus_import_json_prints_interchange_for_one_file() {
    let Some(c) = nianbao_testkit::corpus("corpus_import_json_prints_interchange_for_one_file")
    else {
        return;
    };
    import_json(&c.path("11_shanghai-gov-office-2019_2019fmt.html"), 272);
}

#[test]
fn corpus_check_imports_a_pdf_and_reports_its_r4_errors() {
    let Some(c) = nianbao_testkit::corpus("corpus_check_imports_a_pdf_and_reports_its_r4_errors")
    else {
        return;
    };
    check_finds_the_r4_errors(&c.path("14_huaian-hongze-district-gov-2023.pdf"));
}
