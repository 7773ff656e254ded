//! The first-cut commands as a script uses them: template, check, exit codes.

use std::process::Command;

fn nianbao(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .output()
        .expect("run nianbao")
}

#[test]
fn template_then_check() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = nianbao(&["template", "--edition", "2019"]);
    assert!(out.status.success());
    let mut doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["cells"].as_object().map(|m| m.len()), Some(198));
    doc["office"]["code"] = "t-1".into();
    doc["year"] = 2020.into();
    doc["cells"]["s3.granted.natural_person"] = 5.into();
    doc["cells"]["s3.granted.total"] = 4.into();
    let file = dir.path().join("r.json");
    std::fs::write(&file, doc.to_string()).expect("write");
    let out = nianbao(&["check", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1), "an R2 error gives exit 1");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("R2") && text.contains("s3.granted.total"),
        "{text}"
    );
}

#[test]
fn unreadable_input_is_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("bad.json");
    std::fs::write(&file, b"{\"office\": {\"code\": \"x\", \"name\": \"y\"}, \"year\": 2023, \"edition\": \"2021\", \"cells\": {\"s9.x\": 1}}").expect("write");
    let out = nianbao(&["check", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json") && err.contains("cells.s9.x"),
        "{err}"
    );
    let out = nianbao(&["check", "/nonexistent/file.json"]);
    assert_eq!(out.status.code(), Some(2));
}
