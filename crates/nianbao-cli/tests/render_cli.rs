//! `nianbao render` as a script uses it: local formats, exit codes, and through the render service.

use std::process::Command;

fn nianbao(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .env_remove("NIANBAO_TOKEN")
        .output()
        .expect("run nianbao")
}

fn seed() -> String {
    format!(
        "{}/../../demo/shangdang-sifaju-2023.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn renders_locally_with_exit_0() {
    let dir = tempfile::tempdir().expect("tmp");
    for (format, magic) in [
        ("html", &b"<!DOCTYPE html>"[..]),
        ("md", "# 长治市".as_bytes()),
        ("txt", "长治市".as_bytes()),
        ("docx", &b"PK"[..]),
    ] {
        let out_file = dir.path().join(format!("r.{format}"));
        let out = nianbao(&[
            "render",
            &seed(),
            "--format",
            format,
            "-o",
            out_file.to_str().expect("path"),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&out_file).expect("written");
        assert!(bytes.starts_with(magic), "{format}");
    }
    let out = nianbao(&["render", &seed(), "--format", "html", "--review"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("审核意见"));
}

#[test]
fn bad_usage_and_unreadable_input_exit_2() {
    let out = nianbao(&["render", &seed(), "--format", "rtf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format rtf"));
    let out = nianbao(&["render", "/nonexistent.json", "--format", "html"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.json"));
    let out = nianbao(&["render", "--report", "140404-sfj:2023", "--format", "html"]);
    assert_eq!(out.status.code(), Some(2), "--report needs --server");
}

#[test]
fn renders_through_the_service() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    rt.spawn(async move {
        let settings = nianbao_render::RenderSettings {
            storage_url: "http://127.0.0.1:1".into(),
            ..Default::default()
        };
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        let _ = nianbao_render::run(listener, &settings, std::future::pending()).await;
    });
    let url = format!("http://127.0.0.1:{port}");
    let mut out = nianbao(&["render", &seed(), "--format", "md", "--server", &url]);
    for _ in 0..20 {
        if out.status.success() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        out = nianbao(&["render", &seed(), "--format", "md", "--server", &url]);
    }
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let local = nianbao(&["render", &seed(), "--format", "md"]);
    assert_eq!(
        out.stdout, local.stdout,
        "the service renders what the library renders"
    );
    // A stored report while storage is down: the rendering service answers UNAVAILABLE, which is
    // "no connection" (exit 2), never a refusal.
    let out = nianbao(&[
        "render",
        "--report",
        "140404-sfj:2023",
        "--format",
        "html",
        "--server",
        &url,
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
