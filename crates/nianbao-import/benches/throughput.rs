//! Reports imported per second, per format, on one core (one thread, corpus documents).
//! Run with `cargo bench -p nianbao-import`.
//!
//! `NIANBAO_BENCH_DIR=DIR` adds the documents of DIR (the corpus has no Word file; the render
//! bench writes our DOCX and PDF of two reports there, see `scripts/bench-baselines.sh import`).
//! Lines starting with `RESULT` (file name, reports/s) are read by that script.

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("corpus not found at {}", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            p.is_file()
                && n.as_bytes().first().is_some_and(u8::is_ascii_digit)
                && !n.contains("_pdftotext-")
        })
        .collect();
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
