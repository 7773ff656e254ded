//! Test data: the demo seed report and the corpus truth files as interchange reports.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use nianbao_model::{Report, interchange};

pub const SEED: &str = "/work/main/demo/shangdang-sifaju-2023.json";
pub const TRUTH_DIR: &str = "/work/shared/corpus/truth";

/// The workspace root (two levels above this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn seed() -> Report {
    let path = root().join("demo/shangdang-sifaju-2023.json");
    let path = if path.exists() {
        path
    } else {
        PathBuf::from(SEED)
    };
    let text = std::fs::read_to_string(&path).expect("seed report");
    interchange::from_json(&text).expect("seed parses")
}

/// Every corpus truth file converted to interchange (office from `agency`).
pub fn truths() -> Vec<(String, Report)> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(TRUTH_DIR) else {
        return out;
    };
    let mut paths: Vec<PathBuf> = dir.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let t: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
        let stem = p
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("x")
            .to_string();
        let doc = serde_json::json!({
            "office": {"code": format!("corpus-{stem}"), "name": t["agency"]},
            "year": t["year"],
            "edition": t["edition"],
            "published_date": t["published_date"],
            "cells": t["cells"],
        });
        let report = interchange::from_json(&doc.to_string())
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        out.push((stem, report));
    }
    out
}

/// The text of the `<td>` with `data-key="key"` in an HTML page.
pub fn td_text<'a>(html: &'a str, key: &str) -> Option<&'a str> {
    let at = html.find(&format!("data-key=\"{key}\""))?;
    let rest = &html[at..];
    let open = rest.find('>')? + 1;
    let close = rest.find("</td>")?;
    Some(&rest[open..close])
}

/// The seed without its printed （六）其他处理 subtotal row: exactly the rows of the 2021 template.
pub fn template_seed() -> Report {
    let mut r = seed();
    r.cells.retain(|k, _| !k.starts_with("s3.other."));
    r
}
