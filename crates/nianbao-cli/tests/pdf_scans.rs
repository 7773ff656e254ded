//! Scans and damaged PDFs through `nianbao import`, as a user runs it.
//!
//! - A damaged PDF (truncated, bytes flipped) gives one clear line and exit 2 or a report,
//!   never a panic message or a backtrace on the terminal.
//! - An image-only PDF (our PDF rasterised with `pdftoppm`, wrapped with `img2pdf`) is read by
//!   OCR: every cell kept has its page and box and the kept cells satisfy R1–R4; without
//!   Tesseract the message says what to install.
//!
//! The report is the demo's 长治市上党区司法局 2023, rendered by `nianbao render`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn nianbao() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
}

fn demo_report() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../demo/shangdang-sifaju-2023.json")
}

/// Our PDF of the demo report.
fn our_pdf(dir: &Path) -> Vec<u8> {
    let pdf = dir.join("report.pdf");
    let out = nianbao()
        .arg("render")
        .arg(demo_report())
        .args(["--format", "pdf", "-o"])
        .arg(&pdf)
        .output()
        .expect("render");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(&pdf).expect("pdf")
}

fn import(path: &Path, env_path: Option<&str>) -> Output {
    let mut cmd = nianbao();
    cmd.args(["import", "--json"]).arg(path);
    if let Some(p) = env_path {
        cmd.env("PATH", p);
    }
    cmd.output().expect("run nianbao import")
}

fn assert_no_panic(what: &str, out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked")
            && !stderr.contains("backtrace")
            && !stderr.contains("RUST_BACKTRACE"),
        "{what}: a panic reached the user:\n{stderr}"
    );
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{what}: exit {:?}",
        out.status.code()
    );
    if out.status.code() == Some(2) {
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{what}: one error line:\n{stderr}");
        assert!(errors[0].contains("/ "), "{what}: bilingual: {}", errors[0]);
    }
}

/// A small deterministic generator (xorshift), so that every run damages the same bytes.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn damaged_pdfs_give_one_clear_line_and_no_panic() {
    let dir = tempfile::tempdir().expect("temp");
    let good = our_pdf(dir.path());
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for cut in [9, 200, good.len() / 3, good.len() / 2, good.len() - 40] {
        cases.push((format!("truncated at {cut}"), good[..cut].to_vec()));
    }
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    for round in 0..16 {
        let mut bytes = good.clone();
        for _ in 0..(1 + round % 4) * 8 {
            let at = (rng.next() as usize) % bytes.len();
            bytes[at] ^= 1 << (rng.next() % 8);
        }
        cases.push((format!("bit flips, round {round}"), bytes));
    }
    // The cross-reference table and the trailer gone, the object streams kept.
    let xref = good
        .windows(9)
        .rposition(|w| w == b"startxref")
        .unwrap_or(good.len());
    cases.push(("without its trailer".into(), good[..xref].to_vec()));
    for (what, bytes) in cases {
        let path = dir.path().join("damaged.pdf");
        std::fs::write(&path, &bytes).expect("write");
        let out = import(&path, None);
        assert_no_panic(&what, &out);
    }
}

/// Our PDF rasterised (`pdftoppm -r DPI`), optionally turned and noised with ImageMagick, and
/// wrapped as an image-only PDF with `img2pdf`.
fn scan(dir: &Path, pdf: &[u8], dpi: u32, turn: Option<f64>) -> PathBuf {
    let src = dir.join("src.pdf");
    std::fs::write(&src, pdf).expect("write");
    let run = |cmd: &mut Command, what: &str| {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("{what} cannot run ({e}); scripts/setup.sh installs it"));
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let stem = dir.join(format!("page{dpi}"));
    run(
        Command::new("pdftoppm")
            .args(["-r", &dpi.to_string(), "-png"])
            .arg(&src)
            .arg(&stem),
        "pdftoppm",
    );
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("page{dpi}")) && n.ends_with(".png"))
        })
        .collect();
    pages.sort();
    if let Some(deg) = turn {
        for p in &pages {
            run(
                Command::new("convert")
                    .arg(p)
                    .args(["-background", "white", "-rotate", &deg.to_string()])
                    .args(["-attenuate", "0.2", "+noise", "Gaussian"])
                    .arg(p),
                "convert",
            );
        }
    }
    let out = dir.join(format!("scan{dpi}.pdf"));
    run(
        Command::new("img2pdf").args(&pages).arg("-o").arg(&out),
        "img2pdf",
    );
    out
}

#[test]
fn a_scan_without_tesseract_names_what_to_install() {
    let dir = tempfile::tempdir().expect("temp");
    let pdf = our_pdf(dir.path());
    let scanned = scan(dir.path(), &pdf, 72, None);
    let empty = tempfile::tempdir().expect("empty PATH");
    let out = import(&scanned, Some(&empty.path().display().to_string()));
    assert_no_panic("a scan without OCR", &out);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("tesseract-ocr-chi-sim") && stderr.contains("扫描件"),
        "{stderr}"
    );
}

#[test]
fn a_scan_is_read_by_ocr_every_kept_cell_placed_and_consistent() {
    let dir = tempfile::tempdir().expect("temp");
    let pdf = our_pdf(dir.path());
    let scanned = scan(dir.path(), &pdf, 300, Some(1.5));
    let out = import(&scanned, None);
    assert_no_panic("a scan", &out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = nianbao_model::interchange::from_json(&stdout).expect("interchange");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let truth = nianbao_model::interchange::from_json(
        &std::fs::read_to_string(demo_report()).expect("demo"),
    )
    .expect("demo report");
    let right = truth
        .cells
        .iter()
        .filter(|(k, v)| report.cells.get(*k) == Some(*v))
        .count();
    let wrong = report
        .cells
        .iter()
        .filter(|(k, v)| truth.cells.get(*k).is_some_and(|t| t != *v))
        .count();
    println!(
        "scan at 300 dpi turned 1.5°: {right}/{} right, {wrong} wrong, {} read",
        truth.cells.len(),
        report.cells.len()
    );
    for key in report.cells.keys() {
        let p = &json["provenance"][*key];
        assert!(
            p["page"].as_u64().is_some() && p["box"].is_array(),
            "{key}: {p}"
        );
    }
    let broken: Vec<String> = nianbao_model::rules::check_report(&report)
        .into_iter()
        .filter(|f| matches!(f.rule.as_str(), "R1" | "R2" | "R3" | "R4"))
        .map(|f| f.to_string())
        .collect();
    assert!(broken.is_empty(), "kept cells break rules: {broken:?}");
}
