//! The history `ListRevisions` reads: the same rows as the full read, without the content, and
//! the same refusals.

use nianbao_model::Value;

use super::{on_every_backend, report, sub, token, with_error, world};
use crate::repo::access::auth::Role;
use crate::repo::read::history::Page;
use crate::repo::read::{history, reports};
use crate::repo::write::submit;

const ALL: Page = Page {
    size: 500,
    after: 0,
    newest_first: false,
};

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
        let full = reports::revisions(&db, &w.city, "office-a", 2023)
            .await
            .unwrap();
        let (short, next) = history::revisions_without_content(&db, &w.city, "office-a", 2023, ALL)
            .await
            .unwrap();
        assert_eq!(next, None);
        assert_eq!(full.len(), 3);
        assert!(
            full.iter()
                .all(|r| !r.content.is_empty() || r.content_deflate.is_some())
        );
        assert!(
            short
                .iter()
                .all(|r| r.content.is_empty() && r.content_deflate.is_none())
        );
        let blank = |mut r: crate::entity::revision::Model| {
            r.content.clear();
            r.content_deflate = None;
            r.packed = None;
            r.packed_format = None;
            r
        };
        assert_eq!(short, full.into_iter().map(blank).collect::<Vec<_>>());
        assert!(short[2].draft && short[2].error_count > 0, "{:?}", short[2]);

        // Refused as the full read refuses: another office's history, an empty year.
        let other = token(&db, Role::Office, "office-b").await;
        let a = reports::revisions(&db, &other, "office-a", 2023).await;
        let b = history::revisions_without_content(&db, &other, "office-a", 2023, ALL).await;
        assert_eq!(a.unwrap_err().to_string(), b.unwrap_err().to_string());
        let a = reports::revisions(&db, &w.office, "office-a", 2019).await;
        let b = history::revisions_without_content(&db, &w.office, "office-a", 2019, ALL).await;
        assert_eq!(a.unwrap_err().to_string(), b.unwrap_err().to_string());
    })
    .await;
}

/// Pages of every size, both ways, put together give the whole history once, in order.
#[tokio::test]
async fn history_pages_cover_the_history_once() {
    on_every_backend("history_pages", |db| async move {
        let w = world(&db).await;
        for n in 0..7 {
            let mut r = report("office-a", 2023);
            r.set("s2.regulations.issued", Value::Count(n));
            submit::submit(&db, &w.office, sub(r, &format!("p{n}")))
                .await
                .unwrap();
        }
        for newest_first in [false, true] {
            for size in 1..=8 {
                let mut seen = Vec::new();
                let mut after = 0;
                let mut pages = 0;
                loop {
                    let page = Page {
                        size,
                        after,
                        newest_first,
                    };
                    let (revs, next) =
                        history::revisions_without_content(&db, &w.office, "office-a", 2023, page)
                            .await
                            .unwrap();
                    assert!(revs.len() as u64 <= size);
                    seen.extend(revs.iter().map(|r| r.number));
                    pages += 1;
                    match next {
                        Some(n) => after = n,
                        None => break,
                    }
                }
                let mut want: Vec<i64> = (1..=7).collect();
                if newest_first {
                    want.reverse();
                }
                assert_eq!(seen, want, "size {size}, newest first {newest_first}");
                assert_eq!(pages, 7_u64.div_ceil(size), "size {size}");
            }
        }
    })
    .await;
}
