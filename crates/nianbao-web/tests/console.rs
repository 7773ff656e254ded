//! The console over real storage, rendering and aggregation servers: sign-in and sessions, the
//! board, a report with its finding on its cell, review, an office's upload and submission, the
//! roll-up and downloads, and the refusals (no session, another office, a forged form).
#![allow(clippy::unwrap_used)]
mod support;

use axum::http::{Method, StatusCode, header};
use nianbao_proto::storage::v1 as spb;
use support::{City, Db, HOSTILE_NAME, csrf_of, field_of, header};

const SUBMITTED: i32 = spb::ReportStatus::Submitted as i32;

on_both_databases!(
    sign_in_gives_a_strict_cookie_and_pages_never_show_the_token,
    sign_in_gives_a_strict_cookie_and_pages_never_show_the_token_sqlite,
    sign_in_gives_a_strict_cookie_and_pages_never_show_the_token_postgres
);

async fn sign_in_gives_a_strict_cookie_and_pages_never_show_the_token(db: Db) {
    let city = City::start(db).await;
    let (status, headers, _) = city
        .post_form("/login", None, &[("token", &city.city)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = header(&headers, header::SET_COOKIE);
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains(&city.city));
    let session = cookie.split(';').next().unwrap();
    let (status, headers, body) = city.call(Method::GET, "/board", Some(session), None).await;
    assert_eq!(status, StatusCode::OK);
    let csp = header(&headers, header::CONTENT_SECURITY_POLICY);
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    let body = String::from_utf8(body).unwrap();
    assert!(!body.contains(&city.city), "the token is on the page");
    assert!(body.contains("lang=\"zh-CN\""));
    // Two filed on time, one missing; the hostile office name is text.
    assert!(body.contains("<strong>2</strong> 按时"), "{body}");
    assert!(body.contains("<strong>1</strong> 未报送"));
    assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        !body.contains("<script"),
        "markup from data reached the page"
    );
    // Signing out ends the session.
    let csrf = csrf_of(&body);
    let (status, _, _) = city
        .post_form("/logout", Some(session), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, headers, _) = city.call(Method::GET, "/board", Some(session), None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers.get(header::LOCATION).unwrap(), "/login");
}

on_both_databases!(
    failed_sign_ins_are_refused_then_limited,
    failed_sign_ins_are_refused_then_limited_sqlite,
    failed_sign_ins_are_refused_then_limited_postgres
);

async fn failed_sign_ins_are_refused_then_limited(db: Db) {
    let city = City::start(db).await;
    for _ in 0..nianbao_web::session::MAX_FAILURES {
        let (status, headers, body) = city
            .post_form("/login", None, &[("token", "nbt_wrong")])
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert!(headers.get(header::SET_COOKIE).is_none());
    }
    let (status, _, _) = city
        .post_form("/login", None, &[("token", &city.city)])
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

on_both_databases!(
    a_finding_is_shown_on_its_cell_and_prose_html_is_text,
    a_finding_is_shown_on_its_cell_and_prose_html_is_text_sqlite,
    a_finding_is_shown_on_its_cell_and_prose_html_is_text_postgres
);

async fn a_finding_is_shown_on_its_cell_and_prose_html_is_text(db: Db) {
    let city = City::start(db).await;
    let session = city.sign_in(&city.city).await;
    let (status, page) = city.get("/report/C-a/2023", &session).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let cell = page.find("data-key=\"s3.new_received.total\"").unwrap();
    let end = cell + page[cell..].find("</td>").unwrap();
    let inside = &page[cell..end];
    assert!(
        inside.contains("cellnote warning") && inside.contains("R9"),
        "{inside}"
    );
    assert!(inside.contains("应为"), "{inside}");
    let (_, other) = city.get("/report/C-b/2023", &session).await;
    assert!(
        other.contains("&lt;b&gt;无&lt;/b&gt;"),
        "prose HTML not escaped"
    );
    assert!(!other.contains("<script"));
    assert!(other.contains(&HOSTILE_NAME.replace('<', "&lt;").replace('>', "&gt;")));
}

on_both_databases!(
    refusals_change_nothing,
    refusals_change_nothing_sqlite,
    refusals_change_nothing_postgres
);

async fn refusals_change_nothing(db: Db) {
    let mut city = City::start(db).await;
    let before = city.state_of("C-a").await;
    assert_eq!(before.0, SUBMITTED);
    // No session: sent to sign in.
    let (status, headers, _) = city
        .post_form("/report/C-a/2023/review", None, &[("action", "accept")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers.get(header::LOCATION).unwrap(), "/login");
    // A forged form without (or with a wrong) CSRF token.
    let session = city.sign_in(&city.city).await;
    for csrf in ["", "0123"] {
        let (status, _, _) = city
            .post_form(
                "/report/C-a/2023/review",
                Some(&session),
                &[("csrf", csrf), ("action", "accept")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // Another office's report, read or reviewed with an office token.
    let office = city.sign_in(&city.office_b).await;
    let (status, page) = city.get("/report/C-a/2023", &office).await;
    assert!(
        matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{status}"
    );
    assert!(!page.contains("s3.new_received.total"));
    let (_, own) = city.get("/office", &office).await;
    let csrf = csrf_of(&own);
    let (status, _, _) = city
        .post_form(
            "/report/C-a/2023/review",
            Some(&office),
            &[("csrf", &csrf), ("action", "accept")],
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    let (status, _) = city.get("/board", &office).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A return without a reason.
    let (_, page) = city.get("/report/C-a/2023", &session).await;
    let csrf = csrf_of(&page);
    let (status, _, _) = city
        .post_form(
            "/report/C-a/2023/review",
            Some(&session),
            &[("csrf", &csrf), ("action", "return"), ("reason", " ")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(city.state_of("C-a").await, before);
}

fn multipart(csrf: &str, name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----nianbao-test-boundary";
    let mut body = Vec::new();
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
            .bytes(),
    );
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

on_both_databases!(
    return_then_upload_and_submit_once_then_accept,
    return_then_upload_and_submit_once_then_accept_sqlite,
    return_then_upload_and_submit_once_then_accept_postgres
);

async fn return_then_upload_and_submit_once_then_accept(db: Db) {
    let mut city = City::start(db).await;
    let staff = city.sign_in(&city.city).await;
    let (_, page) = city.get("/report/C-a/2023", &staff).await;
    let reason = "表三收到申请数与正文不一致，请核对";
    let (status, headers, _) = city
        .post_form(
            "/report/C-a/2023/review",
            Some(&staff),
            &[
                ("csrf", &csrf_of(&page)),
                ("action", "return"),
                ("reason", reason),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(header(&headers, header::LOCATION).contains("done=returned"));
    assert_eq!(
        city.state_of("C-a").await.0,
        spb::ReportStatus::Returned as i32
    );

    let office = city.sign_in(&city.office_a).await;
    let (status, own) = city.get("/office", &office).await;
    assert_eq!(status, StatusCode::OK);
    assert!(own.contains(reason), "the office does not see the reason");
    // Upload the corrected report (interchange JSON), preview, submit twice with one key.
    let corrected = support::report("C-a", "测试市甲局", &[3, 1, 4], 0);
    let json = nianbao_model::interchange::to_json(&corrected);
    let (ct, body) = multipart(&csrf_of(&own), "C-a-2023.json", json.as_bytes());
    let (status, _, preview) = city
        .call(
            Method::POST,
            "/office/upload",
            Some(&office),
            Some((&ct, body)),
        )
        .await;
    let preview = String::from_utf8(preview).unwrap();
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert!(
        preview.contains(&format!(
            "读取到 <strong>{}</strong> 个单元格",
            corrected.cells.len()
        )),
        "{preview}"
    );
    let form = [
        ("csrf", csrf_of(&preview)),
        ("upload", field_of(&preview, "upload")),
        ("request_id", field_of(&preview, "request_id")),
        ("draft", "0".to_string()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for _ in 0..2 {
        let (status, headers, body) = city.post_form("/office/submit", Some(&office), &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert!(header(&headers, header::LOCATION).contains("/report/C-a/2023"));
    }
    assert_eq!(
        city.state_of("C-a").await,
        (SUBMITTED, 2),
        "a double submit made two revisions"
    );
    // The city sees what changed, and accepts.
    let (_, page) = city.get("/report/C-a/2023?rev=2&from=1", &staff).await;
    assert!(page.contains("个单元格有改动") || page.contains("cellnote warning"));
    let (status, _, _) = city
        .post_form(
            "/report/C-a/2023/review",
            Some(&staff),
            &[("csrf", &csrf_of(&page)), ("action", "accept")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        city.state_of("C-a").await.0,
        spb::ReportStatus::Accepted as i32
    );
}

on_both_databases!(
    board_and_rollup_downloads,
    board_and_rollup_downloads_sqlite,
    board_and_rollup_downloads_postgres
);

async fn board_and_rollup_downloads(db: Db) {
    let city = City::start(db).await;
    let staff = city.sign_in(&city.city).await;
    let (status, headers, csv) = city
        .call(Method::GET, "/board.csv?state=missing", Some(&staff), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(header(&headers, header::CONTENT_DISPOSITION).starts_with("attachment"));
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("\u{feff}单位代码,单位名称"), "{csv}");
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains("C-c,测试市丙局"));
    let (_, _, xlsx) = city
        .call(Method::GET, "/board.xlsx", Some(&staff), None)
        .await;
    assert!(xlsx.starts_with(b"PK"));
    let (status, page) = city.get("/rollup?selection=latest", &staff).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("汇总了 <strong>2</strong> 个单位"), "{page}");
    for (uri, magic) in [
        ("/rollup/export/xlsx?selection=latest", &b"PK"[..]),
        ("/rollup/document/docx?selection=latest", b"PK"),
        ("/rollup/export/json?selection=latest", b"{"),
        ("/report/C-a/2023/download/pdf", b"%PDF"),
    ] {
        let (status, _, bytes) = city.call(Method::GET, uri, Some(&staff), None).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(
            bytes.starts_with(magic),
            "{uri}: {:?}",
            &bytes[..bytes.len().min(20)]
        );
    }
    // The city report is the aggregation service's: drafted 总体情况 and the annex's chart.
    let (status, _, bytes) = city
        .call(
            Method::GET,
            "/rollup/document/html?selection=latest",
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8_lossy(&bytes);
    assert!(html.contains("全年新收政府信息公开申请"), "{html}");
    assert!(html.contains("<svg"), "{html}");
}
