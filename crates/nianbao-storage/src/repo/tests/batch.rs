//! The grouped writer against the one-at-a-time writer: the same submissions, written as one
//! group on each backend and one by one (a savepoint each) on a SQLite file, give the same
//! answers and leave the same rows.

use std::sync::Arc;

use nianbao_model::Value;
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};

use super::{on_every_backend, report, revision_count, sub, token, with_error, world};
use crate::entity::{report as report_row, revision};
use crate::error::StorageResult;
use crate::repo::access::auth::Role;
use crate::repo::access::tokens;
use crate::repo::write::cache::ReportCache;
use crate::repo::write::prepared::{self, Submission, Submitted};
use crate::repo::write::submit;

/// Submissions that meet within one group: new office-years, a year before written earlier in
/// the group (the cross-year rule W5 must see it), drafts, a stale base, an error refused, a
/// draft with an error saved, and a retry of an earlier request.
fn submissions() -> Vec<(&'static str, Submission)> {
    let mut out = Vec::new();
    out.push(("office-a", sub(report("office-a", 2022), "b1")));
    let mut same = report("office-a", 2023);
    same.sections = report("office-a", 2022).sections;
    out.push(("office-a", sub(same, "b2")));
    let mut draft = sub(report("office-b", 2023), "b3");
    draft.draft = true;
    out.push(("office-b", draft));
    let mut changed = report("office-b", 2023);
    changed.set("s2.regulations.issued", Value::Count(7));
    let mut based = sub(changed, "b4");
    based.base_revision = Some(1);
    out.push(("office-b", based));
    let mut stale = sub(report("office-b", 2023), "b5");
    stale.base_revision = Some(1);
    out.push(("office-b", stale));
    out.push(("office-a", sub(with_error(report("office-a", 2022)), "b6")));
    let mut saved = sub(with_error(report("office-a", 2022)), "b7");
    saved.draft = true;
    out.push(("office-a", saved));
    out.push(("office-a", sub(report("office-a", 2024), "b8")));
    out
}

/// What a caller sees of an answer, without ids, token ids and times.
fn answer(r: &StorageResult<Submitted>) -> String {
    match r {
        Ok(s) => format!(
            "ok {} {} {} draft={} {} {} {} replayed={}",
            s.office_code,
            s.revision.year,
            s.revision.number,
            s.revision.draft,
            s.status,
            s.revision.findings,
            s.revision.changed_cells,
            s.replayed
        ),
        Err(e) => format!("err {:?} {e}", e.code()),
    }
}

/// The rows a database holds, without ids, token ids and times.
async fn rows(db: &DatabaseConnection) -> Vec<String> {
    let mut out = Vec::new();
    for r in report_row::Entity::find()
        .order_by_asc(report_row::Column::OfficeId)
        .order_by_asc(report_row::Column::Year)
        .all(db)
        .await
        .unwrap()
    {
        out.push(format!(
            "report {} {} {} latest={} submitted={} accepted={} first={} last={}",
            r.office_id,
            r.year,
            r.status,
            r.latest_revision,
            r.latest_submitted_revision,
            r.accepted_revision,
            r.first_submitted_at.is_some(),
            r.last_submitted_at.is_some()
        ));
    }
    for v in revision::Entity::find()
        .order_by_asc(revision::Column::OfficeId)
        .order_by_asc(revision::Column::Year)
        .order_by_asc(revision::Column::Number)
        .all(db)
        .await
        .unwrap()
    {
        out.push(format!(
            "revision {} {} {} draft={} {} {} {} {} e={} w={} packed={}",
            v.office_id,
            v.year,
            v.number,
            v.draft,
            v.checksum,
            v.request_id,
            v.findings,
            v.changed_cells,
            v.error_count,
            v.warning_count,
            v.packed.is_some()
        ));
    }
    out
}

/// A second round, after the first committed: the latest revisions and the years before come
/// from the writer's cache when grouped.
fn second_round() -> Vec<Submission> {
    let mut changed = report("office-a", 2023);
    changed.set("s2.regulations.issued", Value::Count(11));
    let mut based = sub(changed, "c1");
    based.base_revision = Some(1);
    let mut next = report("office-a", 2024);
    next.sections = report("office-a", 2023).sections;
    vec![based, sub(next, "c2"), sub(report("office-b", 2023), "c3")]
}

/// Writes `submissions()` as one group (`grouped`) or one by one, then `second_round()` the same
/// way (grouped: with the parsed reports of the first round cached), then the first one again
/// (a retry, answered with its original revision).
async fn write(db: &DatabaseConnection, grouped: bool) -> Vec<String> {
    let w = world(db).await;
    let mut cache = ReportCache::default();
    let mut answers = Vec::new();
    let mut first = Vec::new();
    for round in [
        submissions()
            .into_iter()
            .map(|(_, s)| s)
            .collect::<Vec<_>>(),
        second_round(),
    ] {
        let mut prepared = Vec::new();
        for s in round {
            prepared.push(prepared::prepare(db, &w.admin, s).await.unwrap());
        }
        let results = if grouped {
            submit::write_batch(db, &prepared, Some(&cache)).await
        } else {
            let mut out = Vec::new();
            for p in &prepared {
                out.extend(submit::write_isolated(db, std::slice::from_ref(p)).await);
            }
            out
        };
        for (p, r) in prepared.iter().zip(&results) {
            if let Ok(done) = r {
                let report = Arc::new(p.clone().into_report());
                cache.insert(done.revision.report_id, done.revision.number, report);
            }
        }
        answers.extend(results.iter().map(answer));
        if first.is_empty() {
            first = prepared;
        }
    }
    assert!(!cache.is_empty());
    let retry = submit::write_batch(db, &first[..1], None).await;
    answers.push(answer(&retry[0]));
    answers.extend(rows(db).await);
    answers
}

#[tokio::test]
async fn a_group_writes_what_one_by_one_writes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/one_by_one.db", dir.path().display());
    let alone = crate::db::connect(&url, 1).await.unwrap();
    let want = write(&alone, false).await;
    // The sequence is not trivial: refusals, a cross-year warning, a draft and a replay.
    assert!(
        want.iter().any(|a| a.starts_with("err FailedPrecondition")),
        "{want:#?}"
    );
    assert!(
        want.iter().any(|a| a.starts_with("err InvalidArgument")),
        "{want:#?}"
    );
    assert!(want.iter().any(|a| a.contains("\"W5\"")), "{want:#?}");
    assert!(
        want.iter().any(|a| a.contains("replayed=true")),
        "{want:#?}"
    );
    on_every_backend("batch_oracle", |db| {
        let want = want.clone();
        async move {
            let got = write(&db, true).await;
            assert_eq!(got, want);
        }
    })
    .await;
}

/// A submission authenticated from the cache is written only if its token is still unrevoked
/// in the write transaction; others of the group are written all the same.
#[tokio::test]
async fn a_token_revoked_before_the_write_writes_nothing() {
    on_every_backend("recheck", |db| async move {
        let w = world(&db).await;
        let other = token(&db, Role::Office, "office-b").await;
        let mut mine = prepared::prepare(&db, &w.office, sub(report("office-a", 2023), "r1"))
            .await
            .unwrap();
        let mut theirs = prepared::prepare(&db, &other, sub(report("office-b", 2023), "r2"))
            .await
            .unwrap();
        mine.recheck_token = true;
        theirs.recheck_token = true;
        tokens::revoke(&db, &w.admin, &w.office.token_id)
            .await
            .unwrap();
        let results = submit::write_batch(&db, &[mine.clone(), theirs], None).await;
        assert_eq!(
            results[0].as_ref().unwrap_err().code(),
            tonic::Code::Unauthenticated
        );
        assert!(results[1].is_ok(), "{:?}", results[1]);
        assert_eq!(revision_count(&db).await, 1);
        // Written one by one in savepoints, the same.
        let alone = submit::write_isolated(&db, std::slice::from_ref(&mine)).await;
        assert_eq!(
            alone[0].as_ref().unwrap_err().code(),
            tonic::Code::Unauthenticated
        );
        assert_eq!(revision_count(&db).await, 1);
        let office_a_rows = report_row::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.office_id == mine.office_id())
            .count();
        assert_eq!(office_a_rows, 0);
        // It is the check that refuses: the same submission, authenticated by a query before
        // the revocation and not marked for the check, is written.
        mine.recheck_token = false;
        let unchecked = submit::write_batch(&db, std::slice::from_ref(&mine), None).await;
        assert!(unchecked[0].is_ok(), "{:?}", unchecked[0]);
    })
    .await;
}
