//! Bad input: each refused with the right code and field, leaving no row.

use nianbao_proto::report::v1 as rpb;
use nianbao_proto::storage::v1 as pb;
use tonic::Code;

use crate::*;

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let server = Server::start(&url).await;
    let t = setup(&url, &server).await;
    let mut c = server.client().await;

    let unknown = c
        .submit_report(req(&t.office, submission(&model("ghost", 2023), "b1")))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::PermissionDenied);
    let unknown = c
        .submit_report(req(&t.admin, submission(&model("ghost", 2023), "b1")))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);

    let mut year = rpb::Report::from(&model("office-a", 2023));
    year.year = 2101;
    let mut cell = rpb::Report::from(&model("office-a", 2023));
    cell.cells.push(rpb::Cell {
        key: "s9.not_a_cell".into(),
        value: Some(rpb::cell::Value::Count(1)),
        note: None,
    });
    let mut prose = rpb::Report::from(&model("office-a", 2023));
    prose.sections.insert("other".into(), "长".repeat(400_000));
    let mut malformed = rpb::Report::from(&model("office-a", 2023));
    malformed.edition = rpb::Edition::Unspecified as i32;
    let mut code = rpb::Report::from(&model("office-a", 2023));
    code.office = Some(rpb::Office {
        code: "bad code!".into(),
        name: "x".into(),
    });
    let cases = [
        (Some(year), "report.year"),
        (Some(cell), "report.cells[s9.not_a_cell]"),
        (Some(prose), "report.sections"),
        (Some(malformed), "report.edition"),
        (Some(code), "report.office.code"),
        (None, "report"),
    ];
    for (i, (report, field)) in cases.into_iter().enumerate() {
        let r = pb::SubmitReportRequest {
            report,
            request_id: format!("bad-{i}"),
            base_revision: None,
            draft: true,
            client: String::new(),
        };
        let err = c.submit_report(req(&t.office, r)).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{field}: {err:?}");
        assert_eq!(fields(&err), [field.to_string()], "{err:?}");
    }
    let bad_id = c
        .submit_report(req(
            &t.office,
            submission(&model("office-a", 2023), "has space"),
        ))
        .await
        .unwrap_err();
    assert_eq!(fields(&bad_id), ["request_id"]);
    let mut huge = rpb::Report::from(&model("office-a", 2023));
    huge.sections
        .insert("other".into(), "x".repeat(5 * 1024 * 1024));
    let too_big = c
        .submit_report(req(
            &t.office,
            pb::SubmitReportRequest {
                report: Some(huge),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            too_big.code(),
            Code::ResourceExhausted | Code::OutOfRange | Code::InvalidArgument
        ),
        "{too_big:?}"
    );

    let year = c
        .get_report(req(
            &t.office,
            pb::GetReportRequest {
                office_code: "office-a".into(),
                year: 1989,
                revision: None,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(fields(&year), ["year"]);
    // Authentication comes first: without a valid token a malformed read is UNAUTHENTICATED.
    for token in ["", "nbt_wrong"] {
        let anonymous = c
            .get_report(req(
                token,
                pb::GetReportRequest {
                    office_code: "office a".into(),
                    year: 1989,
                    revision: None,
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(anonymous.code(), Code::Unauthenticated, "{token:?}");
    }
    let listed = c
        .list_reports(req(&t.admin, pb::ListReportsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(
        listed.reports.is_empty(),
        "no partial rows: {:?}",
        listed.reports
    );
    server.stop().await;
}
