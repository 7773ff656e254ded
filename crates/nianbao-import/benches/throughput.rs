//! Reports imported per second, per format, on one core (one thread): the corpus documents (when
//! the corpus is there, see `nianbao_testkit::corpus`) and our renderings of the fixture reports.
//! Run with `cargo bench -p nianbao-import`.
//!
//! `NIANBAO_BENCH_DIR=DIR` adds the documents of DIR (the corpus has no Word file; the render
//! bench writes our DOCX and PDF of two reports there, see `scripts/bench-baselines.sh import`).
//! Lines starting with `RESULT` (file name, reports/s) are read by that script.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use nianbao_testkit::Form;

fn main() {
    let mut files: Vec<PathBuf> = Vec::new();
    let corpus = nianbao_testkit::corpus::location();
    if corpus.join("truth").is_dir() {
        files.extend(nianbao_testkit::Corpus::documents_in(&corpus));
    } else {
        eprintln!(
            "{} ({}): the fixture documents only",
            nianbao_testkit::corpus::NOT_FOUND,
            corpus.display()
        );
    }
    // Our renderings of the fixture reports, written into a scratch directory.
    let scratch = tempfile::tempdir().expect("scratch directory");
    for case in nianbao_testkit::cases(&[Form::Html, Form::Docx, Form::Pdf, Form::Text]) {
        let report = case.fixture.report();
        let format = nianbao_render::Format::parse(case.form.extension()).expect("format");
        let bytes = nianbao_render::render(&report, format, &Default::default()).expect("render");
        let path = scratch.path().join(case.file_name());
        std::fs::write(&path, bytes).expect("write");
        files.push(path);
    }
    if let Some(extra) = std::env::var_os("NIANBAO_BENCH_DIR")
        && let Ok(entries) = std::fs::read_dir(PathBuf::from(extra))
    {
        files.extend(
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| matches!(e, "docx" | "pdf" | "html" | "txt" | "md"))
                }),
        );
    }
    files.sort();
    println!("{:<48} {:>8} {:>12}", "file", "format", "reports/s");
    for path in files {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let format = nianbao_import::detect(&bytes, Some(&name));
        let (mut n, start) = (0u32, Instant::now());
        while start.elapsed() < Duration::from_millis(700) || n < 3 {
            if nianbao_import::import(&bytes, Some(&name)).is_err() {
                break;
            }
            n += 1;
        }
        let rate = f64::from(n) / start.elapsed().as_secs_f64();
        println!("{name:<48} {:>8} {rate:>12.1}", format.as_str());
        println!("RESULT {name} {rate:.1}");
    }
}
