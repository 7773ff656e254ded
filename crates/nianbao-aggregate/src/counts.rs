//! Completeness's counts of a subtree without reading every report: storage keeps with each
//! revision the counts of the findings it stored at submission, so only an office whose recount
//! can differ from those is read in full and counted again ([`crate::quality::office_quality`]).
//!
//! A recount ([`AggregateService::recount`]) takes the stored findings, adds the cross-year
//! findings against last year's latest submitted report (R5, R7, W5, and the outliers Q1, which
//! only aggregation checks) and applies the review marks. So an office's counts are:
//! - with review marks: counted again from its full reports (a mark explains a warning);
//! - without a submitted report of last year: its latest submitted revision's stored counts,
//!   unless those were checked against a draft of last year (then counted again);
//! - with one, whose stored findings were checked against that same revision of last year
//!   (`Revision.cross_year_revision`): the stored counts plus the outliers, which need only the
//!   cells of both years, read from the packed streams already in hand;
//! - with one, checked against another revision or none (last year's report came or changed
//!   after this year's): counted again from its full reports.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use futures::StreamExt;
use nianbao_proto::packed::{Unpacked, unpack};
use nianbao_proto::storage::v1 as spb;

use crate::error::{AggregateError, AggregateResult};
use crate::quality::{MarksByOffice, OfficeCounts, counted, jump, office_quality, outliers};
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
#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    /// Its number.
    pub number: i64,
    /// The errors stored with it.
    pub errors: i32,
    /// The warnings stored with it.
    pub warnings: i32,
    /// The report's publication date.
    pub published: Option<NaiveDate>,
    /// The revision of the year before that the stored cross-year findings were checked
    /// against (0: none); `None` when not known.
    pub cross_year: Option<i64>,
    /// The report's printed cells in the order of its edition's schema.
    pub cells: Unpacked,
}

/// What the stored counts answer without reading a report, and the offices to count again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// The counts known from the stored counts and the packed cells.
    pub known: OfficeCounts,
    /// The offices to read in full and count again.
    pub again: HashSet<String>,
}

/// Splits the offices with a report of `now` (this year) into those the stored counts answer,
/// with the outliers against `before` (last year) counted from the cells, and those to count
/// again; see the module's documentation.
pub fn plan(
    now: &HashMap<String, Head>,
    before: &HashMap<String, Head>,
    marks: &MarksByOffice,
) -> Plan {
    let mut out = Plan::default();
    for (code, head) in now {
        if marks.contains_key(code) {
            out.again.insert(code.clone());
            continue;
        }
        let warnings = match before.get(code) {
            // Checked against no report of last year (or not recorded, before it was).
            None if head.cross_year.is_none_or(|n| n == 0) => head.warnings,
            Some(last) if head.cross_year == Some(last.number) => {
                let jumps = outlier_count(&head.cells, &last.cells);
                head.warnings
                    .saturating_add(i32::try_from(jumps).unwrap_or(i32::MAX))
            }
            // Checked against another revision, or against last year's draft when last year
            // has no submitted report now.
            _ => {
                out.again.insert(code.clone());
                continue;
            }
        };
        out.known
            .insert(code.clone(), (head.errors, warnings, head.published));
    }
    out
}

/// How many outliers ([`outliers`]) this year's cells have against last year's: cell by cell
/// in schema order when both years have the same edition, else through the keys.
pub fn outlier_count(now: &Unpacked, last: &Unpacked) -> usize {
    if now.edition != last.edition {
        let (now, last) = (now.clone().into_report(), last.clone().into_report());
        return outliers(&now, &last).len();
    }
    now.cells
        .iter()
        .zip(&last.cells)
        .filter(|(v, p)| matches!((v, p), (Some(v), Some(p)) if jump(v, p).is_some()))
        .count()
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
            let cells = unpack(&item.packed)
                .map_err(|e| AggregateError::BadData(format!("packed report: {e}")))?;
            out.insert(
                revision.office_code,
                Head {
                    number: revision.number,
                    errors: revision.error_count,
                    warnings: revision.warning_count,
                    published: cells.published_date,
                    cross_year: revision.cross_year_revision,
                    cells,
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
    /// [`AggregateService::recount`], with only the offices [`plan`] names read in full.
    pub async fn counts(&self, org: &str, year: i32, auth: &Auth) -> AggregateResult<OfficeCounts> {
        Ok(self.counts_read_again(org, year, auth).await?.0)
    }

    /// Per office with a submitted report under `org`: the report's publication date, with
    /// errors and warnings left 0 (the filing without the counts: only this year's heads read).
    pub async fn published_dates(
        &self,
        org: &str,
        year: i32,
        auth: &Auth,
    ) -> AggregateResult<OfficeCounts> {
        let now = self.storage.heads(org, year, auth).await?;
        Ok(now
            .into_iter()
            .map(|(code, head)| (code, (0, 0, head.published)))
            .collect())
    }

    /// [`AggregateService::counts`], and how many offices were read in full to count again.
    pub async fn counts_read_again(
        &self,
        org: &str,
        year: i32,
        auth: &Auth,
    ) -> AggregateResult<(OfficeCounts, usize)> {
        let (marks, now, before) = tokio::join!(
            self.storage.subtree_marks(org, year, auth),
            self.storage.heads(org, year, auth),
            self.storage.heads(org, year - 1, auth),
        );
        let (marks, now, before) = (marks?, now?, before?);
        let Plan {
            known: mut out,
            again,
        } = plan(&now, &before, &marks);
        let read_again = again.len();
        if again.is_empty() {
            return Ok((out, 0));
        }
        if again.len() > MAX_SINGLE_READS || again.len() * FULL_READ_SHARE > now.len() {
            out.extend(self.recount(org, year, &marks, Some(&again), auth).await?);
            return Ok((out, read_again));
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
        Ok((out, read_again))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::Mark;
    use nianbao_model::value::MoneyUnit;
    use nianbao_model::{Edition, Money, Office, Report, Value, ValueKind};
    use nianbao_proto::packed::pack;
    use rust_decimal::Decimal;

    fn head(number: i64, cross_year: Option<i64>, year: i32, applied: i64) -> Head {
        let office = Office {
            code: "o".into(),
            name: "o局".into(),
        };
        let mut report = Report::new(office, year, Edition::E2021);
        let key = Edition::E2021.schema().cells()[0].key;
        report.cells.insert(key, Value::Count(applied));
        Head {
            number,
            errors: 1,
            warnings: 2,
            published: None,
            cross_year,
            cells: unpack(&pack(&report)).expect("unpack"),
        }
    }

    /// A report of `edition` whose n-th cell holds `values[n]` (an amount in 元 or 万元 in a
    /// money cell), or nothing when that is negative.
    fn report_of(edition: Edition, year: i32, values: &[i64], wan: bool) -> Report {
        let office = Office {
            code: "o".into(),
            name: "o局".into(),
        };
        let mut report = Report::new(office, year, edition);
        for (def, v) in edition.schema().cells().iter().zip(values) {
            if *v < 0 {
                continue;
            }
            let value = match def.kind {
                ValueKind::Money(_) => Value::Money(Money {
                    amount: Decimal::new(*v, 1),
                    unit: if wan {
                        MoneyUnit::WanYuan
                    } else {
                        MoneyUnit::Yuan
                    },
                }),
                _ => Value::Count(*v),
            };
            report.cells.insert(def.key, value);
        }
        report
    }

    proptest::proptest! {
        #[test]
        fn outliers_from_packed_cells_are_the_reports_outliers(
            now in proptest::collection::vec(-1i64..2000, 200..260),
            last in proptest::collection::vec(-1i64..2000, 200..260),
            editions in proptest::sample::select(vec![
                (Edition::E2021, Edition::E2021),
                (Edition::E2019, Edition::E2019),
                (Edition::E2021, Edition::E2019),
            ]),
            wan in proptest::bool::ANY,
        ) {
            let now = report_of(editions.0, 2023, &now, wan);
            let last = report_of(editions.1, 2022, &last, false);
            let packed = |r: &Report| unpack(&pack(r)).expect("unpack");
            proptest::prop_assert_eq!(
                outlier_count(&packed(&now), &packed(&last)),
                outliers(&now, &last).len()
            );
        }
    }

    #[test]
    fn only_offices_whose_stored_findings_may_be_stale_are_read_again() {
        let now: HashMap<String, Head> = [
            ("alone", head(1, Some(0), 2023, 5)),
            ("checked", head(2, Some(3), 2023, 500)),
            ("steady", head(2, Some(3), 2023, 5)),
            ("later", head(1, Some(0), 2023, 5)),
            ("older", head(1, None, 2023, 5)),
            ("marked", head(1, Some(3), 2023, 5)),
            ("drafted", head(1, Some(2), 2023, 5)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let before: HashMap<String, Head> = ["checked", "steady", "later", "older", "marked"]
            .into_iter()
            .map(|k| (k.to_string(), head(3, Some(0), 2022, 4)))
            .collect();
        let marks: MarksByOffice = [(
            "marked".to_string(),
            vec![Mark {
                fingerprint: "W1:".into(),
                cells_digest: String::new(),
                reason: "已核实".into(),
            }],
        )]
        .into_iter()
        .collect();
        let p = plan(&now, &before, &marks);
        let mut again: Vec<&str> = p.again.iter().map(String::as_str).collect();
        again.sort_unstable();
        assert_eq!(again, ["drafted", "later", "marked", "older"]);
        assert_eq!(p.known["alone"], (1, 2, None));
        assert_eq!(p.known["steady"], (1, 2, None), "4 → 5 is no jump");
        assert_eq!(p.known["checked"], (1, 3, None), "4 → 500 is an outlier");
    }
}
