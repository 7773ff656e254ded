//! Completeness's counts of a subtree without reading every report: storage keeps with each
//! revision the counts of the findings it stored at submission, so only an office whose recount
//! can differ from those is read in full and counted again ([`crate::quality::office_quality`]).
//!
//! A recount can differ from the stored counts only when the office has review marks (a mark
//! explains a warning) or a report of the year before (the cross-year checks and the outliers
//! are counted against it). Every other office's counts are its latest submitted revision's.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use futures::StreamExt;
use nianbao_proto::storage::v1 as spb;
use prost::Message;

use crate::error::{AggregateError, AggregateResult};
use crate::quality::{MarksByOffice, OfficeCounts, counted, office_quality};
use crate::service::AggregateService;
use crate::source::{Auth, StorageSource};

/// Offices read in full at once when only a few are.
pub const CONCURRENT_READS: usize = 16;

/// Above this share of the offices (one in `FULL_READ_SHARE`), or above
/// [`MAX_SINGLE_READS`] offices, the offices to count again are read with the two streams of the
/// whole subtree rather than one request per office-year.
pub const FULL_READ_SHARE: usize = 4;
/// See [`FULL_READ_SHARE`].
pub const MAX_SINGLE_READS: usize = 250;

/// The latest submitted revision of an office-year, without its report or findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// Its number.
    pub number: i64,
    /// The errors stored with it.
    pub errors: i32,
    /// The warnings stored with it.
    pub warnings: i32,
    /// The report's publication date.
    pub published: Option<NaiveDate>,
}

impl StorageSource {
    /// The latest submitted revision of every office-year of `year` under `under`, by office
    /// code, from the packed stream (the printed cells, no prose and no findings).
    pub async fn heads(
        &self,
        under: &str,
        year: i32,
        auth: &Auth,
    ) -> AggregateResult<HashMap<String, Head>> {
        let mut stream = self
            .client(auth)
            .stream_reports(tonic::Request::new(spb::StreamReportsRequest {
                under: under.to_string(),
                year,
                selection: spb::Selection::LatestSubmitted as i32,
                packed: true,
                cells_only: false,
            }))
            .await?
            .into_inner();
        let mut out = HashMap::new();
        while let Some(item) = stream.next().await {
            let item = item?;
            let revision = item.revision.ok_or_else(|| {
                AggregateError::BadData("StreamReportsResponse.revision missing".into())
            })?;
            let packed = spb::PackedReport::decode(item.packed.as_slice())
                .map_err(|e| AggregateError::BadData(format!("packed report: {e}")))?;
            let published = match packed.published_date.as_deref() {
                Some(d) => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|e| {
                    AggregateError::BadData(format!("packed report published_date {d}: {e}"))
                })?),
                None => None,
            };
            out.insert(
                revision.office_code,
                Head {
                    number: revision.number,
                    errors: revision.error_count,
                    warnings: revision.warning_count,
                    published,
                },
            );
        }
        Ok(out)
    }
}

impl AggregateService {
    /// Per office with a submitted report under `org`: errors, and warnings not explained by a
    /// review mark, over the findings of its latest submitted revision plus the cross-year
    /// findings, and the report's publication date; the same answer as
    /// [`AggregateService::recount`], with only the offices that have review marks or last
    /// year's report read in full.
    pub async fn counts(&self, org: &str, year: i32, auth: &Auth) -> AggregateResult<OfficeCounts> {
        let (marks, now, before) = tokio::join!(
            self.storage.subtree_marks(org, year, auth),
            self.storage.heads(org, year, auth),
            self.storage.heads(org, year - 1, auth),
        );
        let (marks, now, before) = (marks?, now?, before?);
        let again: HashSet<String> = now
            .keys()
            .filter(|c| marks.contains_key(*c) || before.contains_key(*c))
            .cloned()
            .collect();
        let mut out: OfficeCounts = now
            .iter()
            .filter(|(code, _)| !again.contains(*code))
            .map(|(code, h)| (code.clone(), (h.errors, h.warnings, h.published)))
            .collect();
        if again.is_empty() {
            return Ok(out);
        }
        if again.len() > MAX_SINGLE_READS || again.len() * FULL_READ_SHARE > now.len() {
            out.extend(self.recount(org, year, &marks, Some(&again), auth).await?);
            return Ok(out);
        }
        let counted = futures::stream::iter(again)
            .map(|code| {
                let this = now.get(&code).map(|h| h.number);
                let last = before.get(&code).map(|h| h.number);
                self.count_one(code, year, this, last, &marks, auth)
            })
            .buffer_unordered(CONCURRENT_READS)
            .collect::<Vec<_>>()
            .await;
        for item in counted {
            let (code, counts) = item?;
            out.insert(code, counts);
        }
        Ok(out)
    }

    /// One office counted again from its revision `this` of `year` and `last` of the year before.
    async fn count_one(
        &self,
        code: String,
        year: i32,
        this: Option<i64>,
        last: Option<i64>,
        marks: &MarksByOffice,
        auth: &Auth,
    ) -> AggregateResult<(String, (i32, i32, Option<NaiveDate>))> {
        let this = this.ok_or_else(|| AggregateError::BadData(format!("{code}: no revision")))?;
        let (now, previous) = tokio::join!(self.storage.revision(&code, year, this, auth), async {
            match last {
                Some(n) => self
                    .storage
                    .revision(&code, year - 1, n, auth)
                    .await
                    .map(Some),
                None => Ok(None),
            }
        });
        let (now, previous) = (now?, previous?);
        let no_marks = Vec::new();
        let marks = marks.get(&code).unwrap_or(&no_marks);
        let reviewed = office_quality(
            &now.report,
            now.findings,
            previous.as_ref().map(|p| &p.report),
            marks,
        );
        let (errors, warnings) = counted(&reviewed);
        Ok((code, (errors, warnings, now.report.published_date)))
    }
}
