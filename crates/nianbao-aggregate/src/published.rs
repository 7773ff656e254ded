//! Publications: read from storage for completeness, and each published page checked against the
//! accepted revision (`VerifyPublished`): fetched, imported, compared cell by cell and section by
//! section, and the result stored with the time checked.

use std::collections::HashSet;

use nianbao_import::How;
use nianbao_model::{Report, SectionKey, Value};
use nianbao_proto::storage::v1 as spb;

use crate::error::{AggregateError, AggregateResult};
use crate::service::AggregateService;
use crate::source::{Auth, StorageSource};

/// Pages fetched at once.
const CONCURRENT_FETCHES: usize = 4;

/// The cells and sections whose published value differs from the accepted one, in schema order
/// then section order: `(key, accepted, published)`, an absent value as the empty string.
/// A cell the published page prints blank (`printed_blank`, read as 0 by the importer) is what a
/// cell absent from the accepted revision looks like when rendered, so the two are equal.
/// Prose is compared without its white space (a page reflows lines).
pub fn differences(
    accepted: &Report,
    published: &Report,
    printed_blank: &HashSet<&str>,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let shown = |v: Option<&Value>| v.map(ToString::to_string).unwrap_or_default();
    for def in accepted.schema().cells() {
        let a = accepted.cells.get(def.key);
        let p = published
            .cells
            .get(def.key)
            .filter(|_| !(a.is_none() && printed_blank.contains(def.key)));
        // Money is compared by amount in one unit (`251000元` is 25.1 万元).
        let same = match (a, p) {
            (Some(Value::Money(x)), Some(Value::Money(y))) => {
                x.in_unit(x.unit).amount == y.in_unit(x.unit).amount
            }
            _ => a == p,
        };
        if !same {
            out.push((def.key.to_string(), shown(a), shown(p)));
        }
    }
    if accepted.edition != published.edition {
        out.push((
            "edition".into(),
            accepted.edition.as_str().into(),
            published.edition.as_str().into(),
        ));
    }
    let squeeze = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
            .collect()
    };
    for (key, _) in SectionKey::OFFICIAL {
        let (a, p) = (accepted.section(key), published.section(key));
        if squeeze(a) != squeeze(p) {
            out.push((format!("section.{key}"), excerpt(a), excerpt(p)));
        }
    }
    out
}

/// The first 80 characters of a text, on one line.
fn excerpt(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

impl StorageSource {
    /// The publications of `year` in the subtree of `org`, each with its latest check.
    pub async fn publications(
        &self,
        org: &str,
        year: i32,
        auth: &Auth,
    ) -> AggregateResult<Vec<spb::Publication>> {
        let resp = self
            .client(auth)
            .list_publications(tonic::Request::new(spb::ListPublicationsRequest {
                org: org.to_string(),
                year,
            }))
            .await?;
        Ok(resp.into_inner().publications)
    }

    /// Stores a check of a published page.
    async fn record_check(
        &self,
        p: &spb::Publication,
        check: spb::PublicationCheck,
        auth: &Auth,
    ) -> AggregateResult<spb::Publication> {
        let resp = self
            .client(auth)
            .record_check(tonic::Request::new(spb::RecordCheckRequest {
                office_code: p.office_code.clone(),
                year: p.year,
                url: p.url.clone(),
                check: Some(check),
            }))
            .await?
            .into_inner();
        resp.publication.ok_or_else(|| {
            AggregateError::BadData("RecordCheckResponse.publication missing".into())
        })
    }
}

fn check(
    outcome: spb::CheckOutcome,
    differences: Vec<spb::Difference>,
    detail: String,
) -> spb::PublicationCheck {
    spb::PublicationCheck {
        checked_at: String::new(),
        outcome: outcome as i32,
        differences,
        detail,
    }
}

impl AggregateService {
    /// Fetches and compares one published page.
    async fn check_publication(
        &self,
        p: &spb::Publication,
        auth: &Auth,
    ) -> AggregateResult<spb::PublicationCheck> {
        let url = match nianbao_fetch::parse_url(&p.url) {
            Ok(u) => u,
            Err(e) => {
                return Ok(check(
                    spb::CheckOutcome::NotFound,
                    Vec::new(),
                    e.to_string(),
                ));
            }
        };
        let gathered = match nianbao_fetch::gather(&url, Some(p.year), &self.fetch_limits).await {
            Ok(g) => g,
            Err(e) if e.is_not_found() => {
                return Ok(check(
                    spb::CheckOutcome::NotFound,
                    Vec::new(),
                    e.to_string(),
                ));
            }
            Err(e) => {
                return Ok(check(
                    spb::CheckOutcome::NotAReport,
                    Vec::new(),
                    e.to_string(),
                ));
            }
        };
        let accepted = self
            .storage
            .revision(&p.office_code, p.year, p.revision, auth)
            .await?
            .report;
        let blank: HashSet<&str> = gathered
            .imported
            .provenance
            .iter()
            .filter(|(_, p)| p.how == How::BlankAsZero)
            .map(|(k, _)| *k)
            .collect();
        let diffs = differences(&accepted, &gathered.imported.report, &blank);
        let mut detail = format!("读取自 / read from {}", gathered.url);
        if let Some(via) = &gathered.via {
            detail.push_str(&format!("（经由 / via {via}）"));
        }
        let outcome = if diffs.is_empty() {
            spb::CheckOutcome::Identical
        } else {
            spb::CheckOutcome::Different
        };
        let differences = diffs
            .into_iter()
            .map(|(key, accepted, published)| spb::Difference {
                key,
                accepted,
                published,
            })
            .collect();
        Ok(check(outcome, differences, detail))
    }

    /// Checks every publication of the subtree of `org` in `year` and stores each result.
    pub(crate) async fn check_publications(
        &self,
        org: &str,
        year: i32,
        auth: &Auth,
    ) -> AggregateResult<Vec<spb::Publication>> {
        let publications = self.storage.publications(org, year, auth).await?;
        let mut out = Vec::with_capacity(publications.len());
        for chunk in publications.chunks(CONCURRENT_FETCHES) {
            let checks =
                futures::future::join_all(chunk.iter().map(|p| self.check_publication(p, auth)))
                    .await;
            for (p, c) in chunk.iter().zip(checks) {
                out.push(self.storage.record_check(p, c?, auth).await?);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nianbao_model::Edition;
    use nianbao_testkit::consistent;

    #[test]
    fn differences_name_cells_and_sections() {
        let accepted = {
            let mut r = consistent(Edition::E2021, &[3, 9, 27], false);
            r.sections
                .insert("overview".into(), "全年新收申请5件。".into());
            r
        };
        let mut published = accepted.clone();
        published
            .sections
            .insert("overview".into(), "全年新收申请\n5件。 ".into());
        let none = HashSet::new();
        assert!(differences(&accepted, &published, &none).is_empty());
        // A cell absent from the accepted revision and printed blank on the page is the same.
        let mut unprinted = accepted.clone();
        unprinted.cells.remove("s3.other.total");
        let mut page = published.clone();
        page.cells.insert("s3.other.total", Value::Count(0));
        let blank: HashSet<&str> = ["s3.other.total"].into_iter().collect();
        assert!(differences(&unprinted, &page, &blank).is_empty());
        assert_eq!(differences(&unprinted, &page, &none).len(), 1);
        let n = accepted.count("s3.granted.total").expect("cell");
        published
            .cells
            .insert("s3.granted.total", Value::Count(n + 1));
        published.cells.remove("s4.review.total");
        published.sections.insert("problems".into(), "新增".into());
        let d = differences(&accepted, &published, &none);
        let keys: Vec<&str> = d.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(
            keys,
            ["s3.granted.total", "s4.review.total", "section.problems"]
        );
        assert_eq!(d[0].1, n.to_string());
        assert_eq!(d[0].2, (n + 1).to_string());
        assert_eq!(d[1].2, "");
    }
}
