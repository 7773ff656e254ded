//! Every hand-checked truth file of the corpus, as interchange JSON, through `nianbao check`:
//! the errors are exactly the R1–R4 inconsistencies the truth file lists, and no others.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

mod common;

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

#[test]
fn check_reports_exactly_the_published_inconsistencies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut seen = 0;
    for (stem, truth, doc) in common::truth_documents() {
        let file = dir.path().join(format!("{stem}.json"));
        std::fs::write(&file, doc.to_string()).expect("write");
        let out = Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args(["check", "--json"])
            .arg(&file)
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
        let expected = listed_errors(&truth);
        assert_eq!(
            errors, expected,
            "{stem}: errors found vs listed in the truth file"
        );
        assert_eq!(
            out.status.code(),
            Some(if expected.is_empty() { 0 } else { 1 }),
            "{stem}: exit status"
        );
        seen += 1;
    }
    assert!(seen >= 9, "only {seen} truth files");
}
