//! The published-report corpus: real reports as published, each with a hand-checked truth file
//! (`truth/NN.json`). It is not part of the repository. `NIANBAO_CORPUS` names its directory; the
//! default is `../shared/corpus` beside the workspace, when it exists.
//!
//! A test that reads it asks [`corpus`] first. Without a corpus the test prints one line saying
//! it was skipped and why, records the skip in [`skip_log`] (the Makefile counts the lines after
//! the run) and returns; with `NIANBAO_REQUIRE_CORPUS=1` (CI) a missing corpus fails the test.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The reason printed when the corpus is missing.
pub const NOT_FOUND: &str = "corpus not found: set NIANBAO_CORPUS";

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The corpus directory: `NIANBAO_CORPUS` when set and not empty, else `../shared/corpus`
/// beside the workspace; whether it exists is [`corpus`]'s business.
pub fn location() -> PathBuf {
    match std::env::var("NIANBAO_CORPUS") {
        Ok(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        _ => workspace_root().join("../shared/corpus"),
    }
}

/// The file where skipped tests are recorded, one line each: `target/nianbao-skipped.log`
/// under the workspace (or under `CARGO_TARGET_DIR`).
pub fn skip_log() -> PathBuf {
    let target = match std::env::var("CARGO_TARGET_DIR") {
        Ok(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    };
    target.join("nianbao-skipped.log")
}

/// Prints `skipped: TEST — REASON` and appends it to [`skip_log`]. `test` names the test
/// (the package is added from `CARGO_PKG_NAME`, which cargo and nextest set).
pub fn skip(test: &str, reason: &str) {
    let package = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    let line = format!("skipped: {package} {test} — {reason}");
    println!("{line}");
    let log = skip_log();
    if let Some(dir) = log.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    // One short write to a file opened for appending: lines of concurrent tests do not mix.
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
    {
        let _ = f.write_all(format!("{line}\n").as_bytes());
    }
}

/// Whether a missing corpus fails the test (`NIANBAO_REQUIRE_CORPUS=1`, set by CI).
pub fn required() -> bool {
    std::env::var("NIANBAO_REQUIRE_CORPUS").is_ok_and(|v| v == "1")
}

/// The corpus for `test`; `None` (after [`skip`]) when it is missing, a panic when it is
/// missing and required.
pub fn corpus(test: &str) -> Option<Corpus> {
    let dir = location();
    if dir.join("truth").is_dir() {
        return Some(Corpus { dir });
    }
    assert!(
        !required(),
        "{test}: NIANBAO_REQUIRE_CORPUS=1 but no corpus at {} ({NOT_FOUND})",
        dir.display()
    );
    skip(test, NOT_FOUND);
    None
}

/// A corpus directory that exists.
#[derive(Clone, Debug)]
pub struct Corpus {
    dir: PathBuf,
}

impl Corpus {
    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A file of the corpus.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The bytes of a corpus file (a panic names it when it cannot be read).
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name))
            .unwrap_or_else(|e| panic!("corpus file {}: {e}", self.path(name).display()))
    }

    /// A corpus file as UTF-8 text.
    pub fn text(&self, name: &str) -> String {
        String::from_utf8(self.read(name)).unwrap_or_else(|e| panic!("{name}: not UTF-8: {e}"))
    }

    /// The truth file `truth/NN.json`.
    pub fn truth(&self, nn: &str) -> Value {
        serde_json::from_slice(&self.read(&format!("truth/{nn}.json")))
            .unwrap_or_else(|e| panic!("truth/{nn}.json: {e}"))
    }

    /// Every truth file as (its stem, its JSON), sorted by stem.
    pub fn truths(&self) -> Vec<(String, Value)> {
        let mut stems: Vec<String> = std::fs::read_dir(self.dir.join("truth"))
            .unwrap_or_else(|e| panic!("{}: {e}", self.dir.display()))
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
            .collect();
        stems.sort();
        stems
            .into_iter()
            .map(|stem| {
                let truth = self.truth(&stem);
                (stem, truth)
            })
            .collect()
    }

    /// Every truth file as (stem, truth, the report as interchange JSON with the office
    /// `corpus-NN` named by the truth's `agency`, and no prose).
    pub fn truth_documents(&self) -> Vec<(String, Value, Value)> {
        self.truths()
            .into_iter()
            .map(|(stem, truth)| {
                let doc = serde_json::json!({
                    "office": {"code": format!("corpus-{stem}"), "name": truth["agency"]},
                    "year": truth["year"],
                    "edition": truth["edition"],
                    "published_date": truth["published_date"],
                    "cells": truth["cells"],
                });
                (stem, truth, doc)
            })
            .collect()
    }

    /// The published documents the importer reads (`NN_…`, the `_pdftotext-` reference
    /// renderings left out), sorted.
    pub fn documents(&self) -> Vec<PathBuf> {
        Corpus::documents_in(&self.dir)
    }

    /// [`Corpus::documents`] of a directory that may not hold a corpus (benchmarks use it
    /// without recording a skip).
    pub fn documents_in(dir: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .filter(|p| {
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                n.as_bytes().first().is_some_and(u8::is_ascii_digit) && !n.contains("_pdftotext-")
            })
            .collect();
        out.sort();
        out
    }

    /// The official Word template of the 2021 format, kept beside the corpus
    /// (`../format/official/`), when it is there.
    pub fn official_template(&self) -> Option<PathBuf> {
        let p = self
            .dir
            .join("../format/official/2021_format_template_word_govnianbao-copy.docx");
        p.is_file().then_some(p)
    }
}
