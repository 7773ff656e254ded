//! The workspace's boundaries, checked (like rust-analyzer's tidy tests): every crate's
//! `Cargo.toml` against the dependency table of ARCHITECTURE.md, and every crate's modules for
//! import cycles between files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace's crates directory.
fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Which of our crates each crate may depend on (normal and build dependencies). The dev-only
/// test kit is allowed as a dev-dependency of any crate and as a normal dependency of none.
fn allowed(krate: &str) -> Option<&'static [&'static str]> {
    const SERVICE: &[&str] = &["nianbao-model", "nianbao-proto", "nianbao-common"];
    Some(match krate {
        // Pure: nothing of ours.
        "nianbao-model" | "nianbao-storage-migration" => &[],
        "nianbao-proto" => &["nianbao-model"],
        "nianbao-common" => &["nianbao-model", "nianbao-proto"],
        // The importer is a pure library over the model: no wire types, no storage.
        "nianbao-import" => &["nianbao-model"],
        // Services never depend on each other.
        "nianbao-render" => SERVICE,
        // Aggregation fetches and imports published pages to check them against the accepted
        // revision (verify-published).
        "nianbao-aggregate" => &[
            "nianbao-model",
            "nianbao-proto",
            "nianbao-common",
            "nianbao-fetch",
            "nianbao-import",
        ],
        // The HTTP(S) client for portal pages: a library over the importer, no wire types.
        "nianbao-fetch" => &["nianbao-model", "nianbao-import"],
        // The console also reads uploaded documents with the importer (a pure library).
        "nianbao-web" => &[
            "nianbao-model",
            "nianbao-proto",
            "nianbao-common",
            "nianbao-import",
        ],
        // The reminder scheduler runs beside the aggregation service; its deadlines are the
        // model's (`deadline`), and it reads storage only through gRPC (`common::client`).
        "nianbao-notify" => &["nianbao-model", "nianbao-proto", "nianbao-common"],
        "nianbao-storage" => &[
            "nianbao-model",
            "nianbao-proto",
            "nianbao-common",
            "nianbao-storage-migration",
        ],
        "nianbao-loadgen" => SERVICE,
        // The binary hosts every service.
        "nianbao-cli" => &[
            "nianbao-model",
            "nianbao-proto",
            "nianbao-common",
            "nianbao-import",
            "nianbao-fetch",
            "nianbao-storage",
            "nianbao-storage-migration",
            "nianbao-render",
            "nianbao-aggregate",
            "nianbao-web",
            "nianbao-notify",
        ],
        "nianbao-testkit" => &[
            "nianbao-model",
            "nianbao-proto",
            "nianbao-common",
            "nianbao-storage",
        ],
        _ => return None,
    })
}

/// Dev-dependencies beyond the normal ones: a real storage server in a service's tests, and
/// documents rendered to be imported again in the importer's round-trip tests.
fn allowed_dev(krate: &str) -> &'static [&'static str] {
    match krate {
        "nianbao-import" | "nianbao-fetch" => &["nianbao-render"],
        "nianbao-aggregate" | "nianbao-render" | "nianbao-loadgen" | "nianbao-notify" => {
            &["nianbao-storage"]
        }
        "nianbao-web" => &["nianbao-storage", "nianbao-aggregate", "nianbao-render"],
        _ => &[],
    }
}

const TEST_KIT: &str = "nianbao-testkit";

/// Our crates named in each section of a manifest (`[dependencies]`, `[dev-dependencies]`, …).
fn our_dependencies(manifest: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut section = String::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.trim_matches(['[', ']']).to_string();
            continue;
        }
        let name = line.split(['=', ' ', '.']).next().unwrap_or_default();
        if name.starts_with("nianbao-") && section.ends_with("dependencies") {
            let kind = section.rsplit('.').next().unwrap_or_default().to_string();
            out.entry(kind).or_default().insert(name.to_string());
        }
    }
    out
}

#[test]
fn crates_depend_only_on_what_the_architecture_allows() {
    let mut problems = Vec::new();
    let mut seen = 0;
    let entries = std::fs::read_dir(crates_dir()).unwrap_or_else(|e| panic!("crates/: {e}"));
    for entry in entries.flatten() {
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let krate = entry.file_name().to_string_lossy().into_owned();
        seen += 1;
        let Some(normal) = allowed(&krate) else {
            problems.push(format!(
                "{krate}: not in the dependency table (ARCHITECTURE.md and this test)"
            ));
            continue;
        };
        for (kind, deps) in our_dependencies(&text) {
            for dep in deps {
                let ok = match kind.as_str() {
                    "dev-dependencies" => {
                        dep == TEST_KIT
                            || normal.contains(&dep.as_str())
                            || allowed_dev(&krate).contains(&dep.as_str())
                    }
                    _ => normal.contains(&dep.as_str()),
                };
                if !ok {
                    problems.push(format!("{krate} must not depend on {dep} ([{kind}])"));
                }
            }
        }
    }
    assert!(
        seen >= 10,
        "only {seen} crates found under {}",
        crates_dir().display()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_table_catches_a_forbidden_edge() {
    let manifest = "[package]\nname = \"x\"\n\n[dependencies]\nnianbao-storage = { workspace = true }\n\
                    nianbao-model.workspace = true\n\n[dev-dependencies]\nnianbao-testkit = { path = \"..\" }\n";
    let deps = our_dependencies(manifest);
    assert_eq!(
        deps["dependencies"],
        BTreeSet::from(["nianbao-storage".to_string(), "nianbao-model".to_string()])
    );
    assert!(
        !allowed("nianbao-render")
            .unwrap_or_default()
            .contains(&"nianbao-storage")
    );
    assert!(
        !allowed("nianbao-import")
            .unwrap_or_default()
            .contains(&"nianbao-proto")
    );
    assert_eq!(allowed("nianbao-model"), Some(&[][..]));
    assert_eq!(
        deps["dev-dependencies"],
        BTreeSet::from([TEST_KIT.to_string()])
    );
}

/// A crate's source files by module path (`repo/write/batch.rs` → `["repo", "write", "batch"]`).
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).unwrap_or(&path).with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    parts.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    parts.pop();
                }
                out.insert(parts, path);
            }
        }
    }
    out
}

/// The module files a file names by `crate::…` or `super::…` paths (its imports), each resolved
/// to the longest module path that is a file; a `{a, b}` group names each of its members.
fn imports(
    module: &[String],
    is_mod_file: bool,
    text: &str,
    files: &BTreeMap<Vec<String>, PathBuf>,
) -> BTreeSet<Vec<String>> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let base: Vec<String> = if is_mod_file {
        module.to_vec()
    } else {
        module[..module.len().saturating_sub(1)].to_vec()
    };
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find(['c', 's']) {
        let at = &rest[i..];
        let boundary = rest[..i]
            .chars()
            .last()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let path_start = if boundary && (at.starts_with("crate::") || at.starts_with("super::")) {
            Some(at)
        } else {
            None
        };
        rest = &rest[i + 1..];
        let Some(at) = path_start else { continue };
        let end = at
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '{'))
            .unwrap_or(at.len());
        let mut segments = at[..end].split("::").filter(|s| !s.is_empty()).peekable();
        let mut path: Vec<String> = match segments.peek() {
            Some(&"crate") => {
                segments.next();
                Vec::new()
            }
            _ => base.clone(),
        };
        let mut group = None;
        for seg in segments {
            match seg {
                "super" => {
                    path.pop();
                }
                "{" => {
                    group = at[end..].split('}').next().map(str::to_string);
                    break;
                }
                s => path.push(s.trim_end_matches('{').to_string()),
            }
        }
        if at[..end].ends_with('{') && group.is_none() {
            group = at[end..].split('}').next().map(str::to_string);
        }
        let mut targets = vec![path.clone()];
        for item in group.iter().flat_map(|g| g.split(',')) {
            let first: Vec<String> = item
                .trim()
                .split(' ')
                .next()
                .unwrap_or_default()
                .split("::")
                .map(str::to_string)
                .collect();
            if !first.is_empty() && first[0] != "self" && !first[0].is_empty() {
                targets.push(path.iter().cloned().chain(first).collect());
            }
        }
        for target in targets {
            let found = (0..=target.len())
                .rev()
                .map(|n| target[..n].to_vec())
                .find(|p| files.contains_key(p));
            if let Some(found) = found
                && !found.is_empty()
                && found != module
            {
                out.insert(found);
            }
        }
    }
    out
}

/// The cycles (strongly connected components of more than one file) of an import graph.
fn cycles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    let names: Vec<&Vec<String>> = graph.keys().collect();
    let reach = |from: &Vec<String>| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for m in graph.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    stack.push(m.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&Vec<String>, BTreeSet<Vec<String>>> =
        names.iter().map(|n| (*n, reach(n))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut placed = BTreeSet::new();
    for n in &names {
        if placed.contains(*n) || !reaches[*n].contains(*n) {
            continue;
        }
        let component: Vec<String> = names
            .iter()
            .filter(|m| reaches[*n].contains(**m) && reaches[**m].contains(*n))
            .map(|m| {
                placed.insert((*m).clone());
                m.join("/")
            })
            .collect();
        out.push(component);
    }
    out
}

#[test]
fn no_crate_has_an_import_cycle_between_its_files() {
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(crates_dir())
        .into_iter()
        .flatten()
        .flatten()
    {
        let src = entry.path().join("src");
        if !src.is_dir() {
            continue;
        }
        let files = modules(&src);
        let graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = files
            .iter()
            .map(|(module, path)| {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                let is_mod = matches!(
                    path.file_stem().and_then(|s| s.to_str()),
                    Some("mod" | "lib" | "main")
                );
                (module.clone(), imports(module, is_mod, &text, &files))
            })
            .collect();
        for cycle in cycles(&graph) {
            problems.push(format!(
                "{}: {}",
                entry.file_name().to_string_lossy(),
                cycle.join(" ↔ ")
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "import cycles:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let files: BTreeMap<Vec<String>, PathBuf> = [
        vec![],
        vec!["a".into()],
        vec!["b".into()],
        vec!["b".into(), "c".into()],
    ]
    .into_iter()
    .map(|m| (m, PathBuf::new()))
    .collect();
    let a = imports(
        &["a".into()],
        false,
        "use crate::b::c::{X, Y};\n// use crate::b;",
        &files,
    );
    assert_eq!(a, BTreeSet::from([vec!["b".to_string(), "c".to_string()]]));
    let c = imports(
        &["b".into(), "c".into()],
        false,
        "use super::super::a::Z;",
        &files,
    );
    assert_eq!(c, BTreeSet::from([vec!["a".to_string()]]));
    let graph = BTreeMap::from([
        (vec!["a".to_string()], a),
        (vec!["b".to_string(), "c".to_string()], c),
        (vec!["b".to_string()], BTreeSet::new()),
    ]);
    assert_eq!(
        cycles(&graph),
        vec![vec!["a".to_string(), "b/c".to_string()]]
    );
}
