//! The PDFs users really have, made at test time from every report of the corpus and read back
//! cell-exact against its hand-checked truth:
//!
//! - our own PDF (`nianbao-render`);
//! - LibreOffice's PDF of our DOCX, and of our HTML and the corpus's HTML pages opened as
//!   HTML (`soffice --infilter="HTML (StarWriter)" --convert-to pdf`);
//! - headless Chromium's `--print-to-pdf` of our HTML and of the corpus's HTML pages (how a
//!   portal page becomes a PDF);
//! - the Word/WPS exports the corpus has (its `.pdf` files).
//!
//! One function takes a source (a document and the cells it must give) through every variant.
//! A truth cell must come back with its value; a cell the truth does not have may only come
//! back as 0 with a `blank_as_zero` diagnostic (a printed blank). The corpus's own HTML pages
//! printed to PDF are held to less: no cell with another value (a page that prints zeros as
//! `&nbsp;` in a table without lines loses its blank cells on paper, and those stay absent). LibreOffice and Chromium come
//! from `scripts/setup.sh`; without the corpus the test is skipped (and says so).

use std::path::{Path, PathBuf};

use std::process::Command;

use nianbao_model::{Report, interchange};
use nianbao_render::{Format, RenderOptions, render};
use serde_json::json;

/// A source document, and the report whose cells it prints.
struct Source {
    name: String,
    truth: Report,
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what} cannot run ({e}); scripts/setup.sh installs it"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// LibreOffice's PDFs of `files` (one call), with a profile of its own.
fn libreoffice(files: &[PathBuf], html: bool, out: &Path) {
    let profile = tempfile::tempdir().expect("profile");
    let mut cmd = Command::new("soffice");
    cmd.arg(format!(
        "-env:UserInstallation=file://{}",
        profile.path().display()
    ))
    .args(["--headless", "--norestore"]);
    if html {
        cmd.arg("--infilter=HTML (StarWriter)");
    }
    cmd.args(["--convert-to", "pdf", "--outdir"])
        .arg(out)
        .args(files);
    run(&mut cmd, "soffice");
}

/// Chromium's print of an HTML file to PDF.
fn chromium(html: &Path, pdf: &Path) {
    let profile = tempfile::tempdir().expect("profile");
    run(
        Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}", html.display())),
        "chromium",
    );
}

/// Compares an imported PDF with the truth; the difference, if any. Not `strict`, a cell may
/// be absent (left so, with the diagnostics saying why) but none may have another value.
fn compare(name: &str, bytes: &[u8], truth: &Report, strict: bool) -> Option<String> {
    let imported = match nianbao_import::import(bytes, Some(name)) {
        Ok(i) => i,
        Err(e) => return Some(format!("{name}: import failed: {e}")),
    };
    let got = &imported.report;
    let missing = truth
        .cells
        .keys()
        .filter(|k| !got.cells.contains_key(*k))
        .count();
    let wrong: Vec<String> = truth
        .cells
        .iter()
        .filter(|(k, v)| got.cells.get(*k) != Some(*v))
        .filter(|(k, _)| strict || got.cells.contains_key(*k))
        .map(|(k, v)| format!("{k}: {v} → {:?}", got.cells.get(*k)))
        .collect();
    let blank = |k: &str| {
        imported
            .diagnostics
            .iter()
            .any(|d| d.code == "blank_as_zero" && d.cell == Some(k))
    };
    let extra: Vec<&str> = got
        .cells
        .iter()
        .filter(|(k, v)| !(truth.cells.contains_key(*k) || (v.count() == Some(0) && blank(k))))
        .map(|(k, _)| *k)
        .collect();
    let placed = imported
        .provenance
        .values()
        .filter(|p| p.origin.is_some())
        .count();
    println!(
        "{name}: {}/{} cells right, {missing} absent, {placed} with page and box",
        truth.cells.len() - missing - wrong.len().min(truth.cells.len() - missing),
        truth.cells.len()
    );
    let ok = wrong.is_empty()
        && extra.is_empty()
        && got.year == truth.year
        && got.edition == truth.edition
        && placed == got.cells.len();
    (!ok).then(|| {
        format!(
            "{name}: {} wrong {:?}, extra {extra:?}, year {} edition {}, {placed}/{} placed",
            wrong.len(),
            wrong.iter().take(6).collect::<Vec<_>>(),
            got.year,
            got.edition,
            got.cells.len()
        )
    })
}

/// Every PDF variant of every source, compared with its truth; the failures.
fn every_variant(sources: &[Source], pages: &[(String, PathBuf, Report)]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp");
    let (mut docx, mut html) = (Vec::new(), Vec::new());
    let mut failures = Vec::new();
    let mut checks: Vec<(PathBuf, &Report, bool)> = Vec::new();
    for s in sources {
        let ours = render(&s.truth, Format::Pdf, &RenderOptions::default()).expect("render pdf");
        if let Some(f) = compare(&format!("{}.ours.pdf", s.name), &ours, &s.truth, true) {
            failures.push(f);
        }
        for (format, list) in [(Format::Docx, &mut docx), (Format::Html, &mut html)] {
            let bytes = render(&s.truth, format, &RenderOptions::default()).expect("render");
            let path = dir
                .path()
                .join(format!("{}.{}", s.name, format.extension()));
            std::fs::write(&path, bytes).expect("write");
            list.push(path);
        }
    }
    for (name, path, _) in pages {
        let copy = dir.path().join(format!("{name}.page.html"));
        std::fs::copy(path, &copy).expect("copy");
        html.push(copy);
    }
    let lo_docx = dir.path().join("lo-docx");
    let lo_html = dir.path().join("lo-html");
    libreoffice(&docx, false, &lo_docx);
    libreoffice(&html, true, &lo_html);
    let truths: Vec<(&str, &Report)> = sources
        .iter()
        .map(|s| (s.name.as_str(), &s.truth))
        .chain(pages.iter().map(|(n, _, r)| (n.as_str(), r)))
        .collect();
    let truth_of = |path: &Path| -> &Report {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let base = stem.strip_suffix(".page").unwrap_or(stem);
        truths
            .iter()
            .find(|(n, _)| *n == base)
            .map(|(_, r)| *r)
            .expect("truth of a variant")
    };
    // The published pages as they are (blank cells as `&nbsp;`, tables without lines) are
    // read without a wrong cell; our own documents cell-exact.
    let strict = |p: &Path| !p.to_string_lossy().contains(".page");
    let printed: Vec<(PathBuf, PathBuf)> = html
        .iter()
        .map(|h| {
            let stem = h.file_stem().and_then(|s| s.to_str()).unwrap_or("x");
            (h.clone(), dir.path().join(format!("{stem}.chromium.pdf")))
        })
        .collect();
    std::thread::scope(|scope| {
        for half in printed.chunks(printed.len().div_ceil(2).max(1)) {
            scope.spawn(move || half.iter().for_each(|(h, pdf)| chromium(h, pdf)));
        }
    });
    for (h, pdf) in printed {
        let stem = h.file_stem().and_then(|s| s.to_str()).unwrap_or("x");
        checks.push((
            lo_html.join(format!("{stem}.pdf")),
            truth_of(&h),
            strict(&h),
        ));
        checks.push((pdf, truth_of(&h), strict(&h)));
    }
    for d in &docx {
        let stem = d.file_stem().and_then(|s| s.to_str()).unwrap_or("x");
        checks.push((lo_docx.join(format!("{stem}.pdf")), truth_of(d), true));
    }
    for (pdf, truth, strict) in checks {
        let label = format!(
            "{}/{}",
            pdf.parent()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .unwrap_or(""),
            pdf.file_name().and_then(|n| n.to_str()).unwrap_or("")
        );
        match std::fs::read(&pdf) {
            Ok(bytes) => failures.extend(compare(&label, &bytes, truth, strict)),
            Err(e) => failures.push(format!("{label}: not made: {e}")),
        }
    }
    failures
}

/// The truth of a corpus report as a report (our prose, so that every section is there).
fn truth_report(doc: serde_json::Value) -> Report {
    let mut doc = doc;
    doc["sections"] = json!({"overview": "本报告为测试而生成。", "problems": "无。", "other": "本年度未收取信息处理费。"});
    interchange::from_json(&doc.to_string()).expect("truth as interchange")
}

#[test]
fn every_pdf_variant_of_every_corpus_report_reads_cell_exact() {
    let Some(corpus) = nianbao_testkit::corpus::corpus("every_pdf_variant_of_every_corpus_report")
    else {
        return;
    };
    let dir = corpus.dir().to_path_buf();
    let sources: Vec<Source> = corpus
        .truth_documents()
        .into_iter()
        .map(|(stem, _, doc)| Source {
            name: stem,
            truth: truth_report(doc),
        })
        .collect();
    assert!(sources.len() >= 9, "only {} reports", sources.len());
    // The corpus's own HTML pages and Word/WPS PDFs, with their truth.
    let mut pages = Vec::new();
    let mut published = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("corpus") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(source) = sources.iter().find(|s| name.starts_with(&s.name)) else {
            continue;
        };
        if name.ends_with(".html") {
            pages.push((source.name.clone(), path.clone(), source.truth.clone()));
        } else if name.ends_with(".pdf") {
            published.push((path.clone(), source.truth.clone()));
        }
    }
    let mut failures = every_variant(&sources, &pages);
    for (path, truth) in &published {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        failures.extend(compare(
            name,
            &std::fs::read(path).expect("read"),
            truth,
            true,
        ));
    }
    assert!(
        failures.is_empty(),
        "{} PDF variants differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
