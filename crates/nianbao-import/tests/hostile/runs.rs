//! Glued digit runs with too many splits to enumerate, rows with many readings each, and pages of
//! many `<script>` elements: shapes on which the importer once took time exponential (splits of a
//! run), a product of the rows' candidates times a costly check, or quadratic (a copy of the rest
//! of the page per script) in the input.

use crate::{assert_bilingual, report_page, seed_text, timed};

/// The seed report with the `cells` value lines (`\t0`) that follow the line holding `marker`
/// replaced, one group after another, by one line printing each of `runs` glued.
fn seed_with_runs(marker: &str, cells: usize, runs: &[&str]) -> Vec<u8> {
    let text = seed_text();
    let lines: Vec<&str> = text.split('\n').collect();
    let start = lines
        .iter()
        .position(|l| l.contains(marker))
        .expect("marker in the seed");
    let mut out: Vec<String> = lines[..start].iter().map(|l| l.to_string()).collect();
    let (mut i, mut next) = (start, runs.iter());
    while i < lines.len() {
        if i + cells <= lines.len()
            && lines[i..i + cells].iter().all(|l| *l == "\t0")
            && let Some(run) = next.next()
        {
            out.push(format!("\t{run}"));
            i += cells;
        } else {
            out.push(lines[i].to_string());
            i += 1;
        }
    }
    assert!(next.next().is_none(), "every run placed");
    out.join("\n").into_bytes()
}

fn count(r: &nianbao_import::Imported, prefix: &str) -> usize {
    r.report
        .cells
        .keys()
        .filter(|k| k.starts_with(prefix))
        .count()
}

#[test]
fn table_4_as_one_run_of_many_digits_is_left_absent_and_named() {
    let seed =
        nianbao_import::import(seed_text().as_bytes(), Some("seed.txt")).expect("seed imports");
    // 15 cells: 24 digits have 817 190 cuts, 48 digits hundreds of billions.
    for digits in [24, 48] {
        let run = "1".repeat(digits);
        let bytes = seed_with_runs("四、政府信息公开行政复议", 15, &[&run]);
        let r = timed(
            &format!("table 4 as {digits} glued digits"),
            &bytes,
            "r.txt",
        )
        .expect("the rest of the report imports");
        assert_eq!(count(&r, "s4."), 0, "no table-4 cell guessed");
        assert_eq!(
            count(&r, "s3."),
            count(&seed, "s3."),
            "table 3 read as before"
        );
        let d = r
            .diagnostics
            .iter()
            .find(|d| d.code == "row_unreadable" && d.cell.is_some_and(|c| c.starts_with("s4.")))
            .expect("a diagnostic for table 4");
        assert!(d.to_string().contains(&run), "{d}");
        assert_bilingual(&d.to_string());
    }
}

#[test]
fn a_table_3_row_as_one_run_of_48_digits_is_left_absent_and_named() {
    let seed =
        nianbao_import::import(seed_text().as_bytes(), Some("seed.txt")).expect("seed imports");
    let run = "1".repeat(48);
    let bytes = seed_with_runs("本年新收政府信息公开申请数量", 7, &[&run]);
    let r = timed("a table-3 row as 48 glued digits", &bytes, "r.txt").expect("imports");
    assert_eq!(count(&r, "s3.new_received."), 0);
    assert_eq!(
        count(&r, "s3."),
        count(&seed, "s3.") - 7,
        "the other rows read"
    );
    assert!(
        r.diagnostics.iter().any(|d| d.code == "row_unreadable"
            && d.cell == Some("s3.new_received.natural_person")
            && d.to_string().contains(&run)),
        "{:?}",
        r.diagnostics
    );
}

#[test]
fn table_3_rows_of_several_readings_each_are_left_absent_and_named() {
    // Eight readings under R2 for each `5105422111110708` row, two for `8019113041` and three
    // for `176175111107735`: 8 192 combinations to check against R1 and R3 (none holds), and
    // 98 304, more than are tried.
    let eight = "5105422111110708";
    for (runs, readings) in [
        (
            vec![eight, eight, eight, eight, "8019113041"],
            [8, 8, 8, 8, 2].as_slice(),
        ),
        (
            vec![eight, eight, eight, eight, eight, "176175111107735"],
            [8, 8, 8, 8, 8, 3].as_slice(),
        ),
    ] {
        let bytes = seed_with_runs("本年新收政府信息公开申请数量", 7, &runs);
        let what = format!("{} ambiguous table-3 rows", runs.len());
        let r = timed(&what, &bytes, "r.txt").expect("imports");
        let ambiguous: Vec<&nianbao_import::Diagnostic> = r
            .diagnostics
            .iter()
            .filter(|d| d.code == "ambiguous_run")
            .collect();
        assert_eq!(ambiguous.len(), runs.len(), "{:?}", r.diagnostics);
        for (d, n) in ambiguous.iter().zip(readings) {
            assert!(d.message_en.contains(&format!(" {n} splits")), "{d}");
            let key = d.cell.and_then(|c| c.split('.').nth(1)).expect("a row");
            assert_eq!(count(&r, &format!("s3.{key}.")), 0, "{key} left absent");
        }
    }
}

#[test]
fn a_page_of_many_script_elements_reads_as_the_page_alone() {
    let text = report_page();
    let plain = nianbao_import::import(text.as_bytes(), Some("p.html")).expect("page imports");
    let at = text.find("<body").unwrap_or(0);
    // Markup inside the scripts must not be read; case of the closing tag varies.
    let scripts = "<SCRIPT>var t = '<td>9</td>';</Script><style>td{}</STYLE>".repeat(8_000);
    let bytes = format!("{}{scripts}{}", &text[..at], &text[at..]);
    let r = timed(
        "8 000 script and style elements",
        bytes.as_bytes(),
        "p.html",
    )
    .expect("page imports");
    assert_eq!(r.report.cells, plain.report.cells);
    assert_eq!(r.report.sections, plain.report.sections);
}
