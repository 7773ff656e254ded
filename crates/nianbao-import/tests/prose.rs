//! R9 (section 一 against the tables) on imported reports: exactly the narrative
//! inconsistencies the corpus' truth files list, and none on the other reports; none on the
//! fixture reports, whose prose states nothing the tables contradict.

use nianbao_model::rules;

mod common;

/// The R9 findings of an imported report.
fn r9(imported: &nianbao_import::Imported) -> Vec<nianbao_model::Finding> {
    rules::check_report(&imported.report)
        .into_iter()
        .filter(|f| f.rule == "R9")
        .collect()
}

#[test]
fn r9_finds_nothing_in_the_fixture_reports() {
    for fixture in nianbao_testkit::FIXTURES {
        let report = fixture.report();
        for ext in ["txt", "html"] {
            let name = format!("{}.{ext}", fixture.name);
            let imported = nianbao_import::import(&common::render_as(&report, ext), Some(&name))
                .expect("import");
            assert_eq!(
                imported.report.section("overview"),
                report.section("overview"),
                "{name}: overview"
            );
            assert!(r9(&imported).is_empty(), "{name}: {:?}", r9(&imported));
        }
    }
}

#[test]
fn r9_matches_the_published_inconsistencies() {
    let Some(corpus) = nianbao_testkit::corpus("r9_matches_the_published_inconsistencies") else {
        return;
    };
    let mut problems = Vec::new();
    for path in corpus.documents() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let truth = corpus.truth(&name[..2]);
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
        let r9 = r9(&imported);
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
