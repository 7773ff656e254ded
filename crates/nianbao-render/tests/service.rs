//! The render service over a real socket: every format, chunking, and the INVALID_ARGUMENT cases.

mod common;

use nianbao_proto::render::v1 as pb;
use nianbao_proto::render::v1::render_service_client::RenderServiceClient;
use nianbao_proto::report::v1 as rpb;
use tonic::Code;
use tonic::transport::Channel;

/// Starts the service on 127.0.0.1:0; the storage endpoint points at a port nothing listens on.
async fn start() -> RenderServiceClient<Channel> {
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let storage = format!("http://{}", dead.local_addr().expect("addr"));
    drop(dead);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let settings = nianbao_render::RenderSettings {
        storage_url: storage,
        ..Default::default()
    };
    tokio::spawn(async move {
        let _ = nianbao_render::run(listener, &settings, std::future::pending()).await;
    });
    RenderServiceClient::connect(format!("http://{addr}"))
        .await
        .expect("connect")
        .max_decoding_message_size(1 << 20)
}

async fn fetch(
    client: &mut RenderServiceClient<Channel>,
    req: pb::RenderRequest,
) -> Result<(String, Vec<u8>, usize), tonic::Status> {
    let mut stream = client.render(req).await?.into_inner();
    let (mut ct, mut bytes, mut n) = (String::new(), Vec::new(), 0);
    while let Some(m) = stream.message().await? {
        if n == 0 {
            ct = m.content_type.clone();
        } else {
            assert!(
                m.content_type.is_empty(),
                "content_type only on the first message"
            );
        }
        assert!(m.chunk.len() <= nianbao_render::service::CHUNK);
        bytes.extend_from_slice(&m.chunk);
        n += 1;
    }
    Ok((ct, bytes, n))
}

fn inline(format: pb::Format, review: bool) -> pb::RenderRequest {
    pb::RenderRequest {
        source: Some(pb::render_request::Source::Report(rpb::Report::from(
            &common::seed(),
        ))),
        format: format as i32,
        review,
        annex: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renders_an_inline_report_in_every_format() {
    let mut client = start().await;
    let cases = [
        (pb::Format::Html, "text/html", &b"<!DOCTYPE html>"[..]),
        (
            pb::Format::Docx,
            "application/vnd.openxmlformats",
            &b"PK"[..],
        ),
        (pb::Format::Pdf, "application/pdf", &b"%PDF"[..]),
        (pb::Format::Markdown, "text/markdown", "# 长治市".as_bytes()),
        (pb::Format::Text, "text/plain", "长治市".as_bytes()),
    ];
    for (format, ct, magic) in cases {
        let (got_ct, bytes, n) = fetch(&mut client, inline(format, false))
            .await
            .expect("render");
        assert!(got_ct.starts_with(ct), "{format:?}: {got_ct}");
        assert!(bytes.starts_with(magic), "{format:?}");
        assert_eq!(
            n,
            bytes.len().div_ceil(nianbao_render::service::CHUNK),
            "{format:?}"
        );
        let local = nianbao_render::render(
            &common::seed(),
            nianbao_render::service::format_from_pb(format as i32).expect("format"),
            &nianbao_render::RenderOptions::default(),
        )
        .expect("local");
        if format != pb::Format::Pdf && format != pb::Format::Docx {
            assert_eq!(bytes, local, "{format:?}: same as the library");
        }
    }
    let (_, html, _) = fetch(&mut client, inline(pb::Format::Html, true))
        .await
        .expect("review");
    assert!(String::from_utf8_lossy(&html).contains("审核意见"));
}

#[tokio::test]
async fn bad_requests_are_invalid_argument_naming_the_field() {
    let mut client = start().await;
    let mut req = inline(pb::Format::Html, false);
    req.format = 99;
    let e = fetch(&mut client, req).await.expect_err("unknown format");
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("format"), "{}", e.message());

    let req = inline(pb::Format::Unspecified, false);
    let e = fetch(&mut client, req).await.expect_err("unspecified");
    assert_eq!(e.code(), Code::InvalidArgument);

    let mut req = inline(pb::Format::Html, false);
    if let Some(pb::render_request::Source::Report(r)) = req.source.as_mut() {
        r.edition = 0;
    }
    let e = fetch(&mut client, req).await.expect_err("bad report");
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("edition"), "{}", e.message());

    let req = pb::RenderRequest {
        source: None,
        format: pb::Format::Html as i32,
        review: false,
        annex: None,
    };
    let e = fetch(&mut client, req).await.expect_err("no source");
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("source"));
}

#[tokio::test]
async fn a_stored_report_needs_the_storage_service() {
    let mut client = start().await;
    let req = pb::RenderRequest {
        source: Some(pb::render_request::Source::Ref(pb::ReportRef {
            office_code: "140404-sfj".into(),
            year: 2023,
            revision: None,
        })),
        format: pb::Format::Html as i32,
        review: false,
        annex: None,
    };
    let e = fetch(&mut client, req).await.expect_err("storage down");
    assert_eq!(e.code(), Code::Unavailable, "{}", e.message());
}
