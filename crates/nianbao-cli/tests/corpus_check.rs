//! `nianbao check` on interchange JSON: every fixture report of the project, and every
//! hand-checked truth file of the corpus (when it is there). The errors are exactly the R1–R4
//! inconsistencies the report prints as published, and no others.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The (rule, cell) pairs a truth file lists as arithmetic errors, e.g. "R4, s4.review.total: …".
fn listed_errors(truth: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for item in truth["published_inconsistencies"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let text = item.as_str().unwrap_or_default();
        let rule: String = text.chars().take(2).collect();
        if !["R1", "R2", "R3", "R4"].contains(&rule.as_str()) {
            continue;
        }
        let cell = text[2..]
            .trim_start_matches([',', ' '])
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        out.insert((rule, cell));
    }
    out
}

/// Runs `nianbao check --json FILE` and asserts its errors (rule, first cell) are `expected`,
/// and its exit status 1 when there are any, else 0.
fn check_finds_exactly(file: &Path, expected: &BTreeSet<(String, String)>) {
    let out = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(["check", "--json"])
        .arg(file)
        .output()
        .expect("run");
    let report: Value = serde_json::from_slice(&out.stdout).expect("check --json output");
    let errors: BTreeSet<(String, String)> = report[0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["cells"][0].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let name = file.display();
    assert_eq!(&errors, expected, "{name}: errors found vs expected");
    assert_eq!(
        out.status.code(),
        Some(if expected.is_empty() { 0 } else { 1 }),
        "{name}: exit status"
    );
}

#[test]
fn check_reports_exactly_the_errors_of_each_fixture() {
    let dir = tempfile::tempdir().expect("tempdir");
    for fixture in nianbao_testkit::FIXTURES {
        let file = dir.path().join(format!("{}.json", fixture.name));
        std::fs::write(&file, fixture.json()).expect("write");
        let expected = fixture
            .errors
            .iter()
            .map(|(r, c)| (r.to_string(), c.to_string()))
            .collect();
        check_finds_exactly(&file, &expected);
    }
    assert!(
        nianbao_testkit::FIXTURES
            .iter()
            .any(|f| !f.errors.is_empty()),
        "a fixture with errors as published"
    );
}

#[test]
fn check_reports_exactly_the_published_inconsistencies() {
    let Some(corpus) =
        nianbao_testkit::corpus("check_reports_exactly_the_published_inconsistencies")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut seen = 0;
    for (stem, truth, doc) in corpus.truth_documents() {
        let file = dir.path().join(format!("{stem}.json"));
        std::fs::write(&file, doc.to_string()).expect("write");
        check_finds_exactly(&file, &listed_errors(&truth));
        seen += 1;
    }
    assert!(seen >= 9, "only {seen} truth files");
}
