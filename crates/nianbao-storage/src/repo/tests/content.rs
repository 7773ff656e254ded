//! A revision's content is stored as JSON text or compressed (`content_deflate`, migration 11),
//! as the service is set; every read takes either, so one office-year may hold both.

use nianbao_model::Value;
use sea_orm::{EntityTrait, QueryOrder};
use sha2::{Digest, Sha256};

use super::{on_every_backend, report, sub, world};
use crate::entity::revision;
use crate::repo::read::bulk;
use crate::repo::read::reports::{self, Selection};
use crate::repo::stored;
use crate::repo::write::submit;

#[tokio::test]
async fn text_and_compressed_revisions_read_back_alike() {
    on_every_backend("content", |db| async move {
        let w = world(&db).await;
        // The year before, compressed: the cross-year rules of 2023 read it (a content that
        // does not read back fails the write).
        let year_before = sub(report("office-a", 2022), "c-2022");
        submit::submit_compressed(&db, &w.office, year_before, true)
            .await
            .unwrap();
        let mut expected = Vec::new();
        for (n, compress) in [(1, false), (2, true), (3, false), (4, true)] {
            let mut r = report("office-a", 2023);
            r.set("s2.regulations.issued", Value::Count(10 + n));
            if n == 4 {
                r.sections
                    .insert("overview".into(), "依申请公开。".repeat(2_000));
            }
            let mut s = sub(r.clone(), &format!("c-{n}"));
            s.base_revision = Some(n - 1);
            let rev = submit::submit_compressed(&db, &w.office, s, compress)
                .await
                .unwrap()
                .revision;
            assert_eq!(rev.number, n);
            // Each revision after the first differs from the one before in one cell, which the
            // writer found by reading the one before from the database, in its form.
            if n > 1 {
                let changed = stored::strings_from_json(&rev.changed_cells).unwrap();
                assert_eq!(
                    changed,
                    vec!["s2.regulations.issued".to_string()],
                    "rev {n}"
                );
            }
            expected.push((r, compress));
        }

        let rows = revision::Entity::find()
            .order_by_asc(revision::Column::Id)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(rows.len(), 5);
        for (row, (r, compress)) in rows[1..].iter().zip(&expected) {
            let (json, checksum) = stored::content_and_checksum(r);
            assert_eq!(row.checksum, checksum, "the checksum is of the JSON text");
            assert_eq!(
                hex::encode(Sha256::digest(
                    stored::content_text(&row.content, row.content_deflate.as_deref())
                        .unwrap()
                        .as_bytes()
                )),
                checksum
            );
            if *compress {
                let bytes = row.content_deflate.as_ref().unwrap();
                assert!(row.content.is_empty());
                // The long prose of revision 4 compresses well; the short report only a little.
                let ratio = if row.number == 4 { 4 } else { 1 };
                assert!(
                    bytes.len() * ratio < json.len(),
                    "{} of {}",
                    bytes.len(),
                    json.len()
                );
            } else {
                assert_eq!(
                    (row.content.as_str(), row.content_deflate.as_ref()),
                    (json.as_str(), None)
                );
            }
            // The revision read by number.
            let got = reports::get(&db, &w.city, "office-a", 2023, Some(row.number))
                .await
                .unwrap();
            assert_eq!(&got.report, r, "revision {}", row.number);
        }
        // The bulk read decodes the latest (compressed) one.
        let all = bulk::select(
            &db,
            &w.admin,
            Some("city"),
            2023,
            Selection::LatestSubmitted,
        )
        .await
        .unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].report, expected[3].0);
    })
    .await;
}
