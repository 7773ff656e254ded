//! `nianbao check`: validate reports.

use std::path::PathBuf;
use std::process::ExitCode;

use nianbao_model::rules::{self, RuleContext};
use nianbao_model::{Finding, Severity};
use serde_json::json;

use super::load;
use crate::output;

/// Validate reports against the consistency rules (R1–R9, W1–W7).
///
/// Exit status: 0 no errors, 1 at least one error, 2 a file could not be read.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao check report.json\n  nianbao check --json 2023.json\n  nianbao check --previous 2022.json 2023.json"
)]
pub struct Args {
    /// Machine-readable output on stdout.
    #[arg(long)]
    json: bool,
    /// Last year's report of the same office, for the cross-year rules (R5, R7, W5).
    #[arg(long)]
    previous: Option<PathBuf>,
    /// Files to check.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let previous = match &args.previous {
        Some(p) => match load::load(p) {
            Ok(l) => Some(l.report),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(output::EXIT_USAGE));
            }
        },
        None => None,
    };
    let (mut any_error, mut unreadable) = (false, false);
    let mut docs = Vec::new();
    for file in &args.files {
        match load::load(file) {
            Ok(loaded) => {
                let ctx = RuleContext {
                    report: &loaded.report,
                    previous: previous.as_ref(),
                    deadline: None,
                };
                let findings = rules::check(&ctx);
                any_error |= rules::has_errors(&findings);
                if args.json {
                    docs.push(json!({
                        "file": file.display().to_string(),
                        "office": loaded.report.office.name,
                        "year": loaded.report.year,
                        "edition": loaded.report.edition.as_str(),
                        "errors": count(&findings, Severity::Error),
                        "warnings": count(&findings, Severity::Warning),
                        "diagnostics": loaded.diagnostics,
                        "findings": findings.iter().map(finding_json).collect::<Vec<_>>(),
                    }));
                } else {
                    print_findings(file, &loaded, &findings);
                }
            }
            Err(e) => {
                unreadable = true;
                if args.json {
                    docs.push(json!({"file": file.display().to_string(), "error": e}));
                } else {
                    eprintln!("error: {e}");
                }
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&docs)?);
    }
    Ok(ExitCode::from(if unreadable {
        output::EXIT_USAGE
    } else if any_error {
        output::EXIT_REFUSED
    } else {
        output::EXIT_OK
    }))
}

fn count(findings: &[Finding], s: Severity) -> usize {
    findings.iter().filter(|f| f.severity == s).count()
}

/// A finding as JSON (the same shape everywhere the CLI prints findings).
pub fn finding_json(f: &Finding) -> serde_json::Value {
    json!({
        "rule": f.rule,
        "severity": f.severity.as_str(),
        "cells": f.cells,
        "expected": f.expected,
        "actual": f.actual,
        "message_zh": f.message_zh,
        "message_en": f.message_en,
        "fingerprint": f.fingerprint(),
    })
}

fn print_findings(file: &std::path::Path, loaded: &load::Loaded, findings: &[Finding]) {
    let r = &loaded.report;
    let (e, w) = (
        count(findings, Severity::Error),
        count(findings, Severity::Warning),
    );
    let verdict = if e > 0 {
        output::paint(&format!("{e} error(s)"), 31)
    } else {
        output::paint("no errors", 32)
    };
    println!(
        "{}: {} {} ({} edition, {} cells) — {verdict}, {w} warning(s)",
        file.display(),
        r.office.name,
        r.year,
        r.edition,
        r.cells.len()
    );
    for d in &loaded.diagnostics {
        println!("  note: {d}");
    }
    if findings.is_empty() {
        return;
    }
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            let sev = match f.severity {
                Severity::Error => output::paint("error", 31),
                Severity::Warning => output::paint("warning", 33),
            };
            vec![
                f.rule.clone(),
                sev,
                f.cells.first().cloned().unwrap_or_default(),
                format!("{} | {}", f.message_zh, f.message_en),
            ]
        })
        .collect();
    output::table(&["rule", "severity", "cell", "message"], &rows);
}
