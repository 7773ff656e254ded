//! Every corpus document (text, Markdown, HTML, PDF) imported and compared cell by cell with
//! its hand-checked truth file (skipped, and counted, where the corpus is absent).

use nianbao_model::interchange;

#[test]
fn every_cell_of_every_document() {
    let Some(corpus) = nianbao_testkit::corpus("every_cell_of_every_document") else {
        return;
    };
    let mut failures = Vec::new();
    for path in corpus.documents() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let bytes = std::fs::read(&path).expect("read");
        let imported = match nianbao_import::import(&bytes, Some(&name)) {
            Ok(i) => i,
            Err(e) => {
                failures.push(format!("{name}: import failed: {e}"));
                continue;
            }
        };
        let truth = corpus.truth(&name[..2]);
        let glued = name.ends_with("_flat.txt");
        let json = interchange::to_value(&imported.report);
        let cells = &json["cells"];
        let expected = truth["cells"].as_object().expect("cells");
        let mut right = 0;
        let mut wrong = Vec::new();
        for (key, want) in expected {
            let got = &cells[key.as_str()];
            if got == want {
                right += 1;
            } else if glued && key.starts_with("s2.") && got.is_null() {
                let flagged = imported.diagnostics.iter().any(|d| {
                    d.code == "ambiguous_run"
                        && d.cell
                            .is_some_and(|c| key.starts_with(&c[..c.rfind('.').unwrap_or(0)]))
                });
                if flagged {
                    right += 1;
                } else {
                    wrong.push(format!("{key}: absent without an ambiguity diagnostic"));
                }
            } else {
                wrong.push(format!("{key}: got {got}, want {want}"));
            }
        }
        for key in cells.as_object().expect("cells").keys() {
            if !expected.contains_key(key) {
                wrong.push(format!("{key}: not in truth"));
            }
        }
        let r = &imported.report;
        println!(
            "{name}: {right}/{} cells right; {} {} {} {:?} ({} diagnostics)",
            expected.len(),
            r.office.name,
            r.year,
            r.edition,
            r.published_date,
            imported.diagnostics.len()
        );
        if truth["year"].as_i64() != Some(i64::from(r.year)) {
            wrong.push(format!("year {} want {}", r.year, truth["year"]));
        }
        if truth["edition"].as_str() != Some(r.edition.as_str()) {
            wrong.push(format!("edition {} want {}", r.edition, truth["edition"]));
        }
        if truth["agency"].as_str() != Some(r.office.name.as_str()) {
            wrong.push(format!("office {} want {}", r.office.name, truth["agency"]));
        }
        let date = r.published_date.map(|d| d.to_string());
        if truth["published_date"].as_str().map(str::to_string) != date {
            wrong.push(format!(
                "published_date {date:?} want {}",
                truth["published_date"]
            ));
        }
        for w in &wrong {
            println!("  {w}");
        }
        if !wrong.is_empty() {
            failures.push(format!("{name}: {} problems", wrong.len()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn judgements_are_reported() {
    let Some(corpus) = nianbao_testkit::corpus("judgements_are_reported") else {
        return;
    };
    let read = |name: &str| nianbao_import::import(&corpus.read(name), Some(name)).expect("import");
    // Word list numbering flattened to `2、`/`5、` headings (DEVIATIONS A1).
    let seed = read("00_seed_changzhi-shangdang-sifaju-2023.txt");
    let numbering = seed
        .diagnostics
        .iter()
        .filter(|d| d.code == "heading_numbering")
        .count();
    assert_eq!(numbering, 2, "{:#?}", seed.diagnostics);
    assert_eq!(seed.report.signature.as_deref(), Some("长治市上党区司法局"));
    assert!(
        seed.report
            .section("problems")
            .starts_with("2023年，我局政府信息公开工作")
    );
    // Blank 总计 cells filled from their rows, &nbsp; read as 0 (DEVIATIONS D26, D27).
    let sh = read("11_shanghai-gov-office-2019_2019fmt.html");
    let prov = &sh.provenance["s3.granted.total"];
    assert_eq!(prov.how, nianbao_import::How::TotalFromRow);
    assert!(
        sh.diagnostics
            .iter()
            .any(|d| d.code == "total_from_row" && d.cell == Some("s3.granted.total"))
    );
    assert!(sh.diagnostics.iter().any(|d| d.code == "blank_as_zero"));
    assert_eq!(sh.report.section("other"), "无。");
    // Annotated cells keep their note (DEVIATIONS D31); 五 heading missing (A3).
    let md = read("02_shanghai-gov-office-2025_pdftext.md");
    assert_eq!(
        md.report
            .cell_notes
            .get("s2.normative_docs.repealed")
            .map(String::as_str),
        Some("含自然失效29件")
    );
    assert!(md.diagnostics.iter().any(|d| d.code == "heading_missing"));
    assert!(
        md.report
            .section("problems")
            .contains("2025年工作中存在的主要问题")
    );
    // Glued table-二 runs left absent with an ambiguity diagnostic, never guessed (B11).
    let flat = read("06_pingtan-2021_flat.txt");
    assert!(!flat.report.cells.contains_key("s2.normative_docs.issued"));
    assert!(
        flat.diagnostics
            .iter()
            .any(|d| d.code == "ambiguous_run" && d.cell == Some("s2.normative_docs.issued"))
    );
    assert_eq!(
        flat.provenance["s3.granted.natural_person"].how,
        nianbao_import::How::SplitByRules
    );
}
