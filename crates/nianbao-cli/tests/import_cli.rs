//! `nianbao import` and `nianbao check` on published documents.

use std::path::PathBuf;
use std::process::Command;

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(name)
}

fn nianbao() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
}

#[test]
fn import_writes_one_json_per_file_and_goes_on_after_a_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = nianbao()
        .arg("import")
        .arg("--out")
        .arg(dir.path())
        .arg("--office-code")
        .arg("320800-gov")
        .arg(corpus("13_huaian-city-gov-2024.pdf"))
        .arg(corpus("README.md"))
        .arg(corpus("06_pingtan-2021_flat.txt"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "a file failed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("淮安市人民政府"), "{stdout}");
    assert!(
        stdout.contains("README.md"),
        "the failed file is listed: {stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no annual report tables"), "{stderr}");
    for stem in ["13_huaian-city-gov-2024", "06_pingtan-2021_flat"] {
        let text =
            std::fs::read_to_string(dir.path().join(format!("{stem}.json"))).expect("written");
        let report = nianbao_model::interchange::from_json(&text).expect("valid interchange");
        assert_eq!(report.office.code, "320800-gov");
    }
}

#[test]
fn import_json_prints_interchange_for_one_file() {
    let out = nianbao()
        .args(["import", "--json"])
        .arg(corpus("11_shanghai-gov-office-2019_2019fmt.html"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let report = nianbao_model::interchange::from_json(&String::from_utf8_lossy(&out.stdout))
        .expect("interchange");
    assert_eq!(report.year, 2019);
    assert_eq!(report.count("s3.granted.total"), Some(272));
}

#[test]
fn check_imports_a_pdf_and_reports_its_r4_errors() {
    let out = nianbao()
        .arg("check")
        .arg(corpus("14_huaian-hongze-district-gov-2023.pdf"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "R4 errors as printed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("s4.review.total"), "{stdout}");
    assert!(
        stdout.contains("s4.litigation_after_review.total"),
        "{stdout}"
    );
}
