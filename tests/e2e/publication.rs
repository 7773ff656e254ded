//! Publication end to end on split services: offices submit and the city accepts; the city report
//! is made through the services (drafted 一、总体情况, annex); each accepted report is published
//! (`nianbao publish`) on a local portal (a loopback HTTP server: an HTML page, a DOCX behind a
//! column page, and one page changed after acceptance); `nianbao verify-published` reports exactly
//! the changed one with its cell; completeness shows it; `nianbao import --url/--urls` gathers
//! reports from the portal, matching offices by name and code.

use std::collections::HashMap;

use nianbao_fetch::testkit::{Route, Server};
use serde_json::Value;

use crate::support::{Cluster, ScratchDb, ok, run};

/// The seed report of `office` with `n` requests granted in full (consistent under every rule).
fn report_of(code: &str, name: &str, n: i64) -> Value {
    let text = include_str!("../../demo/shangdang-sifaju-2023.json");
    let mut doc: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("demo report: {e}"));
    for row in ["new_received", "granted", "total_processed"] {
        for col in ["natural_person", "total"] {
            doc["cells"][format!("s3.{row}.{col}")] = n.into();
        }
    }
    doc["office"] = serde_json::json!({"code": code, "name": name});
    doc["signature"] = name.into();
    doc
}

fn write(dir: &std::path::Path, name: &str, doc: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, doc.to_string()).unwrap_or_else(|e| panic!("write: {e}"));
    path.display().to_string()
}

/// The report rendered locally in `format`.
fn rendered(dir: &std::path::Path, json: &str, format: &str) -> Vec<u8> {
    let out = dir.join(format!("rendered.{format}"));
    ok(
        &[
            "render",
            json,
            "--format",
            format,
            "-o",
            &out.display().to_string(),
        ],
        &[],
    );
    std::fs::read(&out).unwrap_or_else(|e| panic!("rendered: {e}"))
}

const OFFICES: [(&str, &str, i64); 3] = [
    ("140404-sfj", "长治市上党区司法局", 3),
    ("140404-jyj", "长治市上党区教育局", 4),
    ("140404-mzj", "长治市上党区民政局", 5),
];

#[test]
fn publish_verify_and_gather_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    publication(&format!(
        "sqlite://{}/pub.db?mode=rwc",
        dir.path().display()
    ));
}

#[test]
fn publish_verify_and_gather_on_postgres() {
    let Some(db) = ScratchDb::create("e2e_publication") else {
        eprintln!("NIANBAO_TEST_POSTGRES_URL is not set: PostgreSQL publication test not run");
        return;
    };
    publication(&db.url);
}

/// Publish → verify-published → import --url on split services over `database`.
fn publication(database: &str) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    let d = dir.path();
    let cluster = Cluster::start(database, &[], d);
    cluster.add_org("1404", "长治市人民政府", None, "city", &["--exempt"]);
    cluster.add_org(
        "140404",
        "长治市上党区人民政府",
        Some("1404"),
        "district",
        &[],
    );
    for (code, name, _) in OFFICES
        .iter()
        .chain(&[("140404-wsj", "长治市上党区卫生健康局", 0)])
    {
        cluster.add_org(code, name, Some("140404"), "department", &[]);
    }
    let (admin, city) = (cluster.admin.clone(), cluster.token("1404", "city"));
    let as_admin = Cluster::at(&cluster.storage, &admin);
    let as_city = Cluster::at(&cluster.storage, &city);
    let mut files = HashMap::new();
    for (code, name, n) in OFFICES {
        let token = cluster.token(code, "office");
        let file = write(d, &format!("{code}.json"), &report_of(code, name, n));
        ok(&["submit", &file], &Cluster::at(&cluster.storage, &token));
        ok(&["accept", "--office", code, "--year", "2023"], &as_city);
        files.insert(code, file);
    }

    // The city report, made by the aggregation service through the rendering service.
    let as_city_agg = Cluster::at(&cluster.aggregate, &city);
    let city_html = d.join("city.html");
    ok(
        &[
            "aggregate",
            "--org",
            "1404",
            "--year",
            "2023",
            "--format",
            "html",
            "-o",
            &city_html.display().to_string(),
        ],
        &as_city_agg,
    );
    let page = std::fs::read_to_string(&city_html).unwrap_or_default();
    assert!(
        page.contains("全年新收政府信息公开申请12件"),
        "drafted overview: {page}"
    );
    assert!(
        page.contains("附件：汇总情况说明")
            && page.contains("报送完成情况")
            && page.contains("<svg")
    );

    // The portal: sfj as an HTML page, jyj as a DOCX linked from a column page, mzj's page
    // changed after acceptance (one cell), wsj (never submitted) for gathering.
    let mut changed = report_of("140404-mzj", "长治市上党区民政局", 5);
    let licensing = changed["cells"]["s2.licensing.decisions"]
        .as_i64()
        .unwrap_or(0);
    changed["cells"]["s2.licensing.decisions"] = (licensing + 7).into();
    let changed_file = write(d, "changed.json", &changed);
    let wsj_file = write(
        d,
        "wsj.json",
        &report_of("wsj-own-code", "长治市上党区卫生健康局", 2),
    );
    let html = |b: Vec<u8>| Route::Body("text/html; charset=utf-8".into(), b);
    let mut routes = HashMap::new();
    routes.insert(
        "/sfj.html".to_string(),
        html(rendered(d, &files["140404-sfj"], "html")),
    );
    routes.insert(
        "/jyj/report.docx".to_string(),
        Route::Body(
            "application/octet-stream".into(),
            rendered(d, &files["140404-jyj"], "docx"),
        ),
    );
    routes.insert(
        "/jyj/".to_string(),
        html("<ul><li><a href=\"report.docx\">长治市上党区教育局2023年政府信息公开工作年度报告</a></li></ul>".into()),
    );
    routes.insert(
        "/mzj.html".to_string(),
        html(rendered(d, &changed_file, "html")),
    );
    routes.insert(
        "/wsj.html".to_string(),
        html(rendered(d, &wsj_file, "html")),
    );
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let portal = rt
        .block_on(Server::start(routes))
        .unwrap_or_else(|e| panic!("portal: {e}"));

    for (code, path, date) in [
        ("140404-sfj", "/sfj.html", "2024-01-20"),
        ("140404-jyj", "/jyj/", "2024-01-25"),
        ("140404-mzj", "/mzj.html", "2024-02-10"),
    ] {
        let out = ok(
            &[
                "publish",
                "--office",
                code,
                "--year",
                "2023",
                "--url",
                &portal.url(path),
                "--date",
                date,
            ],
            &as_city,
        );
        assert!(out.contains("published"), "{out}");
    }
    // Publishing needs a date in the format; the refusal names the field.
    let bad = run(
        &[
            "publish",
            "--office",
            "140404-sfj",
            "--year",
            "2023",
            "--url",
            &portal.url("/x"),
            "--date",
            "20 Jan",
        ],
        &as_city,
    );
    assert_eq!(
        bad.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("published_date"));

    let out = run(
        &[
            "verify-published",
            "--org",
            "1404",
            "--year",
            "2023",
            "--json",
        ],
        &as_city_agg,
    );
    assert_eq!(out.status.code(), Some(1), "one page differs: exit 1");
    let verified: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("verify json: {e}: {}", String::from_utf8_lossy(&out.stdout)));
    let by_office: HashMap<&str, &Value> = verified["publications"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| (p["office_code"].as_str().unwrap_or(""), p))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(by_office.len(), 3, "{verified}");
    for code in ["140404-sfj", "140404-jyj"] {
        assert_eq!(
            by_office[code]["last_check"]["outcome"], "identical",
            "{code}: {verified}"
        );
    }
    let mzj = &by_office["140404-mzj"]["last_check"];
    assert_eq!(mzj["outcome"], "different", "{verified}");
    assert_eq!(
        mzj["differences"],
        serde_json::json!([{"key": "s2.licensing.decisions",
            "accepted": licensing.to_string(), "published": (licensing + 7).to_string()}])
    );
    assert!(
        by_office["140404-jyj"]["last_check"]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("report.docx"))
    );

    // The board: published or not, by the deadline or not, and the check.
    let board: Value = serde_json::from_str(&ok(
        &["completeness", "--org", "1404", "--year", "2023", "--json"],
        &as_city_agg,
    ))
    .unwrap_or_else(|e| panic!("completeness: {e}"));
    let office = |code: &str| {
        board["offices"]
            .as_array()
            .and_then(|a| a.iter().find(|o| o["office_code"] == code))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(office("140404-sfj")["published"], true);
    assert_eq!(office("140404-sfj")["published_on_time"], true);
    assert_eq!(
        office("140404-mzj")["published_on_time"],
        false,
        "published 10 Feb"
    );
    assert_eq!(office("140404-wsj")["published"], false);
    assert_eq!(
        office("140404-mzj")["publications"][0]["last_check"]["outcome"],
        "different"
    );
    let table = ok(
        &["completeness", "--org", "1404", "--year", "2023"],
        &as_city_agg,
    );
    assert!(
        table.contains("已发布 2024-02-10 逾期") && table.contains("不一致 1 处"),
        "{table}"
    );

    // Gathering: a column page followed to its DOCX and matched by the name in the report.
    let gathered = d.join("gathered");
    ok(
        &[
            "import",
            "--url",
            &portal.url("/jyj/"),
            "--out",
            &gathered.display().to_string(),
        ],
        &as_admin,
    );
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(gathered.join("140404-jyj-2023.json")).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("gathered json: {e}"));
    assert_eq!(doc["cells"]["s3.granted.total"], 4);
    // A batch: matched by name and submitted as a draft; an unknown name and a 404 listed.
    let csv = d.join("portals.csv");
    std::fs::write(
        &csv,
        format!(
            "office,url\n长治市上党区卫生健康局,{}\n某某县不存在局,{}\n140404-sfj,{}\n",
            portal.url("/wsj.html"),
            portal.url("/sfj.html"),
            portal.url("/gone.html")
        ),
    )
    .unwrap_or_else(|e| panic!("csv: {e}"));
    let out = run(
        &[
            "import",
            "--urls",
            &csv.display().to_string(),
            "--submit-drafts",
        ],
        &as_admin,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("3 URL(s): fetched 2, imported 2, matched 1, done 1, failed 2"),
        "{text}"
    );
    assert!(
        text.contains("某某县不存在局") && text.contains("HTTP 404"),
        "{text}"
    );
    let status = ok(
        &[
            "status",
            "--office",
            "140404-wsj",
            "--year",
            "2023",
            "--json",
        ],
        &as_admin,
    );
    assert!(status.contains("draft"), "{status}");
    drop(portal);
}
