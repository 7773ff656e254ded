//! The history `ListRevisions` reads: the same rows as the full read, without the content, and
//! the same refusals.

use nianbao_model::Value;

use super::{on_every_backend, report, sub, token, with_error, world};
use crate::auth::Role;
use crate::repo::{history, read, submit};

#[tokio::test]
async fn history_is_the_full_read_without_content() {
    on_every_backend("history", |db| async move {
        let w = world(&db).await;
        let mut changed = report("office-a", 2023);
        changed.set("s2.regulations.issued", Value::Count(9));
        let mut draft = sub(with_error(report("office-a", 2023)), "h3");
        draft.draft = true;
        for s in [
            sub(report("office-a", 2023), "h1"),
            sub(changed, "h2"),
            draft,
        ] {
            submit::submit(&db, &w.office, s).await.unwrap();
        }
        let full = read::revisions(&db, &w.city, "office-a", 2023)
            .await
            .unwrap();
        let short = history::revisions_without_content(&db, &w.city, "office-a", 2023)
            .await
            .unwrap();
        assert_eq!(full.len(), 3);
        assert!(full.iter().all(|r| !r.content.is_empty()));
        assert!(short.iter().all(|r| r.content.is_empty()));
        let blank = |mut r: crate::entity::revision::Model| {
            r.content.clear();
            r.packed = None;
            r.packed_format = None;
            r
        };
        assert_eq!(short, full.into_iter().map(blank).collect::<Vec<_>>());
        assert!(short[2].draft && short[2].error_count > 0, "{:?}", short[2]);

        // Refused as the full read refuses: another office's history, an empty year.
        let other = token(&db, Role::Office, "office-b").await;
        let a = read::revisions(&db, &other, "office-a", 2023).await;
        let b = history::revisions_without_content(&db, &other, "office-a", 2023).await;
        assert_eq!(a.unwrap_err().to_string(), b.unwrap_err().to_string());
        let a = read::revisions(&db, &w.office, "office-a", 2019).await;
        let b = history::revisions_without_content(&db, &w.office, "office-a", 2019).await;
        assert_eq!(a.unwrap_err().to_string(), b.unwrap_err().to_string());
    })
    .await;
}
