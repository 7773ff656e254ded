//! Hostile input to `nianbao import`: whatever the office code or the file name, output goes
//! into `--out DIR` only; a 100 MB file is refused by its size before it is read.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::run;

/// Every file under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(
                p.strip_prefix(dir)
                    .map(|r| r.display().to_string())
                    .unwrap_or_default(),
            );
        }
    }
    out.sort();
    out
}

#[test]
fn import_writes_only_into_its_out_directory() {
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    let base = root.path().join("a/b");
    let inputs = root.path().join("in");
    let out = base.join("out");
    std::fs::create_dir_all(&inputs).unwrap_or_else(|e| panic!("mkdir: {e}"));
    // A report as plain text, made from the project's own fixture.
    let seed = nianbao_render::render(
        &nianbao_testkit::fixture("shangdang-sifaju-2023").report(),
        nianbao_render::Format::Text,
        &nianbao_render::RenderOptions::default(),
    )
    .unwrap_or_else(|e| panic!("render: {e}"));
    // File names that look like paths or hold shell metacharacters.
    let names = ["..report.txt", "$(touch pwned).txt", "a;rm -rf ~.txt"];
    for n in names {
        std::fs::write(inputs.join(n), &seed).unwrap_or_else(|e| panic!("write {n}: {e}"));
    }
    let before = tree(root.path());
    for code in [
        "../../etc/passwd",
        "../../../escape",
        "/tmp/abs",
        "..",
        "x/../../y",
    ] {
        let mut args = vec![
            "import".to_string(),
            "--out".into(),
            out.display().to_string(),
            "--office-code".into(),
            code.to_string(),
        ];
        // The inputs also through a path with `..` in it.
        args.extend(
            names
                .iter()
                .map(|n| format!("{}/../in/{n}", inputs.display())),
        );
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&argv, &[]);
        assert!(
            o.status.success(),
            "import with office code {code:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        for n in names {
            let stem = n.trim_end_matches(".txt");
            let json = std::fs::read_to_string(out.join(format!("{stem}.json")))
                .unwrap_or_else(|e| panic!("{stem}.json in --out: {e}"));
            let doc: serde_json::Value =
                serde_json::from_str(&json).unwrap_or_else(|e| panic!("json: {e}"));
            assert_eq!(doc["office"]["code"], code, "the code is recorded verbatim");
        }
    }
    // Nothing was written anywhere but into --out.
    let mut expected = before.clone();
    expected.extend(["a".to_string(), "a/b".into(), "a/b/out".into()]);
    expected.extend(
        names
            .iter()
            .map(|n| format!("a/b/out/{}.json", n.trim_end_matches(".txt"))),
    );
    expected.sort();
    assert_eq!(tree(root.path()), expected);
    assert!(!Path::new("/tmp/abs").exists() || Path::new("/tmp/abs").is_dir());
    assert!(!Path::new("pwned").exists());
}

#[test]
fn a_100_mb_file_is_refused_by_its_size() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    let big = dir.path().join("big.pdf");
    // Sparse: 100 MB long, nothing on disk.
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(100 * 1024 * 1024))
        .unwrap_or_else(|e| panic!("create: {e}"));
    let t = Instant::now();
    let o = run(&["import", "--json", &big.display().to_string()], &[]);
    let took = t.elapsed();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("exceeds the limit") && err.contains("字节的上限"),
        "names the size limit in both languages: {err}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
    eprintln!("100 MB file: refused in {took:?}: {}", err.trim());
}
