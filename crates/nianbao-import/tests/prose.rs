//! R9 (section 一 against the tables) on imported reports: exactly the narrative
//! inconsistencies the truth files list, and none on the other reports.

use std::path::PathBuf;

use nianbao_model::rules;

#[test]
fn r9_matches_the_published_inconsistencies() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let mut docs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            p.is_file() && n.as_bytes()[0].is_ascii_digit() && !n.contains("_pdftotext-")
        })
        .collect();
    docs.sort();
    let mut problems = Vec::new();
    for path in docs {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let truth: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("truth/{}.json", &name[..2])))
                .expect("truth"),
        )
        .expect("json");
        let listed = truth["published_inconsistencies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|i| i.as_str().is_some_and(|s| s.starts_with("R9")))
            .count();
        let imported = nianbao_import::import(&std::fs::read(&path).expect("read"), Some(&name))
            .expect("import");
        assert!(
            !imported.report.section("overview").is_empty(),
            "{name}: no overview"
        );
        let r9: Vec<_> = rules::check_report(&imported.report)
            .into_iter()
            .filter(|f| f.rule == "R9")
            .collect();
        // One statement of the text may contradict several cells (复议 and 诉讼 in
        // “均获维持”): findings are counted by the statement they quote.
        let mut statements: Vec<&str> = r9
            .iter()
            .map(|f| f.message_zh.split('”').next().unwrap_or_default())
            .collect();
        statements.dedup();
        let found = statements.len();
        println!("{name}: {found} R9 statement(s), truth lists {listed}");
        for f in &r9 {
            println!("  {}", f.message_zh);
        }
        if found != listed {
            problems.push(format!(
                "{name}: {found} R9 statements, truth lists {listed}"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
