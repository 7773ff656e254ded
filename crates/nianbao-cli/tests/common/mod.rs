//! The hand-checked truth files of the shared corpus, as interchange JSON.

use std::path::PathBuf;

use serde_json::{Value, json};

/// `../shared` beside the project.
pub fn shared() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        dir.join("corpus/truth").is_dir(),
        "the corpus is expected at {}",
        dir.display()
    );
    dir
}

/// Every truth file as (file stem, the truth JSON, the report as interchange JSON), sorted by stem.
pub fn truth_documents() -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(shared().join("corpus/truth")).expect("truth dir") {
        let path = entry.expect("entry").path();
        let truth: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("x")
            .to_string();
        let doc = json!({
            "office": {"code": format!("corpus-{stem}"), "name": truth["agency"]},
            "year": truth["year"],
            "edition": truth["edition"],
            "published_date": truth["published_date"],
            "cells": truth["cells"],
        });
        out.push((stem, truth, doc));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
