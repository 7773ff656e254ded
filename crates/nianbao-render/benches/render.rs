//! Benchmark: rendering one report as HTML, DOCX and PDF on one thread.
//!
//! Run with `cargo bench -p nianbao-render --bench render`. It measures and prints; it asserts
//! nothing. Reports: the demo seed report and a larger one (`corpus13`: the test kit's fixture
//! `huaian-city-2024`, the figures of corpus report 13 with the project's prose).
//!
//! Each steady-state figure cycles through 16 variants of the report (every count shifted), so
//! typst's memoisation cannot answer a whole document from its cache; the same report rendered
//! again and again is printed too, as `same report`.
//!
//! Options (environment):
//! - `NIANBAO_BENCH_OUT=DIR` writes the rendered DOCX and PDF of each report to DIR (for the
//!   LibreOffice comparison in `scripts/bench-baselines.sh`).
//! - `NIANBAO_BENCH_SECS=S` seconds per steady-state measurement (default 3).
//!
//! Lines starting with `RESULT` are read by `scripts/bench-baselines.sh`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use nianbao_model::{Report, Value, interchange};
use nianbao_render::{Format, RenderOptions, render, warm_fonts};

/// A fixture report of the test kit.
fn fixture(name: &str) -> Result<Report, String> {
    let f = nianbao_testkit::FIXTURES
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| format!("no fixture {name}"))?;
    interchange::from_json(&f.json()).map_err(|e| format!("{}: {e}", f.file))
}

/// 16 variants of a report, every count shifted by the variant number.
fn variants(report: &Report) -> Vec<Report> {
    (0..16)
        .map(|i| {
            let mut r = report.clone();
            for v in r.cells.values_mut() {
                if let Value::Count(n) = v {
                    *n += i;
                }
            }
            r
        })
        .collect()
}

fn once(report: &Report, format: Format) -> Result<(Duration, Vec<u8>), String> {
    let start = Instant::now();
    let out = render(report, format, &RenderOptions::default()).map_err(|e| e.to_string())?;
    Ok((start.elapsed(), out))
}

/// Renders for at least `min`, cycling through `reports`; returns reports per second.
fn rate(reports: &[Report], format: Format, min: Duration) -> Result<(f64, u64), String> {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < min {
        for r in reports {
            black_box(
                render(black_box(r), format, &RenderOptions::default())
                    .map_err(|e| e.to_string())?,
            );
            n += 1;
        }
    }
    Ok((n as f64 / start.elapsed().as_secs_f64(), n))
}

fn label(format: Format) -> &'static str {
    match format {
        Format::Html => "html",
        Format::Docx => "docx",
        Format::Pdf => "pdf",
        Format::Markdown => "md",
        Format::Text => "txt",
    }
}

fn run() -> Result<(), String> {
    let secs = std::env::var("NIANBAO_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(3.0);
    let min = Duration::from_secs_f64(secs);
    let out_dir = std::env::var_os("NIANBAO_BENCH_OUT").map(PathBuf::from);
    let reports = [
        ("seed", fixture("shangdang-sifaju-2023")?),
        ("corpus13", fixture("huaian-city-2024")?),
    ];

    // First calls in this process, before the font scan: the cost a cold process pays.
    let (html_first, _) = once(&reports[0].1, Format::Html)?;
    let (docx_first, _) = once(&reports[0].1, Format::Docx)?;
    let start = Instant::now();
    warm_fonts().map_err(|e| e.to_string())?;
    let fonts = start.elapsed();
    let (pdf_first, _) = once(&reports[0].1, Format::Pdf)?;
    println!("first call (cold process), seed report:");
    println!(
        "  html first render        {:>10.2} ms",
        html_first.as_secs_f64() * 1e3
    );
    println!(
        "  docx first render        {:>10.2} ms",
        docx_first.as_secs_f64() * 1e3
    );
    println!(
        "  font scan (warm_fonts)   {:>10.2} ms",
        fonts.as_secs_f64() * 1e3
    );
    println!(
        "  pdf first render (after the font scan) {:>8.2} ms",
        pdf_first.as_secs_f64() * 1e3
    );
    println!("RESULT first_html_ms {:.3}", html_first.as_secs_f64() * 1e3);
    println!("RESULT first_docx_ms {:.3}", docx_first.as_secs_f64() * 1e3);
    println!("RESULT font_scan_ms {:.3}", fonts.as_secs_f64() * 1e3);
    println!("RESULT first_pdf_ms {:.3}", pdf_first.as_secs_f64() * 1e3);

    for (name, report) in &reports {
        let vars = variants(report);
        println!(
            "{name}: {} cells, {} prose sections, one thread, fonts warm",
            report.cells.len(),
            report.sections.len()
        );
        for format in [Format::Html, Format::Docx, Format::Pdf] {
            let (_, bytes) = once(report, format)?;
            if let Some(dir) = out_dir
                .as_ref()
                .filter(|_| matches!(format, Format::Docx | Format::Pdf))
            {
                let path = dir.join(format!("{name}.{}", format.extension()));
                std::fs::write(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            let (r, n) = rate(&vars, format, min)?;
            let (same, _) = rate(std::slice::from_ref(report), format, min / 2)?;
            println!(
                "  {:<5} {:>10.3} ms/report {:>10.0} reports/s  (n={n}; same report {:.0}/s; output {} bytes)",
                label(format),
                1e3 / r,
                r,
                same,
                bytes.len()
            );
            println!("RESULT {name}_{}_per_s {r:.2}", label(format));
        }
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("render bench: {e}");
        std::process::exit(1);
    }
}
