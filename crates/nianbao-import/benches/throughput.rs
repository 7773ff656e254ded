//! Reports imported per second, per format, on one core (one thread, corpus documents).
//! Run with `cargo bench -p nianbao-import`.

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
    }
}
