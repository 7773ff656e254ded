//! The city's own report: the roll-up as its tables, the drafted prose ([`crate::draft`]) and the
//! annex (offices, completeness, indicators, charts), rendered by the rendering service.

use futures::StreamExt;
use nianbao_common::client::{self, PassToken};
use nianbao_proto::aggregate::v1 as apb;
use nianbao_proto::render::v1 as rpb;
use nianbao_proto::report::v1 as pb;
use tonic::Status;

use crate::draft::draft;
use crate::error::{AggregateError, AggregateResult};
use crate::filing::{Completeness, FilingState};
use crate::indicators::{Indicator, indicators};
use crate::service::{AggregateService, CityStream};
use crate::source::{Auth, Selection};
use crate::summed::Aggregate;

impl AggregateService {
    /// The city report of the subtree of `org`: this year's and last year's roll-ups (sent at once)
    /// and the filing states.
    pub(crate) async fn city_report(
        &self,
        org: &str,
        year: i32,
        selection: Selection,
        auth: &Auth,
    ) -> AggregateResult<CityReport> {
        let (tree, agg) = self.tree_and_rollup(org, year, selection, auth).await?;
        let (last, filed) = futures::try_join!(
            self.rollup_of(&tree, year - 1, selection, auth),
            self.filing(&tree, year, true, auth)
        )?;
        Ok(CityReport::new(agg, Some(&last), filed))
    }

    /// `city` rendered in `format` by the rendering service, streamed as it arrives.
    pub(crate) async fn render_city(
        &self,
        city: &CityReport,
        format: rpb::Format,
    ) -> AggregateResult<CityStream> {
        // The request is inline: rendering needs no token.
        let mut client = client::render(&self.render, PassToken::default());
        let stream = client
            .render(city.render_request(format))
            .await
            .map_err(AggregateError::render)?
            .into_inner();
        Ok(Box::pin(stream.map(|item| match item {
            Ok(m) => Ok(apb::CityReportResponse {
                content_type: m.content_type,
                chunk: m.chunk,
            }),
            Err(s) => Err(Status::from(AggregateError::render(s))),
        })))
    }
}

/// A roll-up with what the city report says about it.
#[derive(Clone, Debug)]
pub struct CityReport {
    /// The roll-up; its report carries the drafted prose.
    pub aggregate: Aggregate,
    /// The filing states of the subtree.
    pub filed: Completeness,
    /// The indicators of the roll-up.
    pub indicators: Vec<Indicator>,
}

impl CityReport {
    /// The city report of `aggregate`, its prose drafted against `last` year's roll-up.
    pub fn new(mut aggregate: Aggregate, last: Option<&Aggregate>, filed: Completeness) -> Self {
        let last = last.filter(|l| !l.included.is_empty()).map(|l| &l.report);
        draft(&aggregate.report, last, &filed).apply(&mut aggregate.report);
        let offices = i64::try_from(aggregate.included.len()).unwrap_or(i64::MAX);
        let indicators = indicators(&aggregate.report, offices);
        CityReport {
            aggregate,
            filed,
            indicators,
        }
    }

    /// The render request of this report in `format`, with its annex.
    pub fn render_request(&self, format: rpb::Format) -> rpb::RenderRequest {
        rpb::RenderRequest {
            source: Some(rpb::render_request::Source::Report(pb::Report::from(
                &self.aggregate.report,
            ))),
            format: format as i32,
            review: false,
            annex: Some(self.annex()),
        }
    }

    /// The annex: every office of the subtree with where it stands and the revision summed, the
    /// rates per district, the indicators, and a chart of the filing per district.
    pub fn annex(&self) -> rpb::Annex {
        let included = |code: &str| {
            self.aggregate
                .included
                .iter()
                .find(|i| i.office_code == code)
                .map(|i| i.revision)
        };
        let offices = self
            .filed
            .offices
            .iter()
            .skip(1)
            .map(|f| rpb::AnnexOffice {
                code: f.office_code.clone(),
                name: f.office_name.clone(),
                status: match f.state {
                    FilingState::Late => format!("逾期 {} 天", f.days_late),
                    s => s.label_zh().to_string(),
                },
                revision: included(&f.office_code),
            })
            .collect();
        let row = |cells: Vec<String>| rpb::AnnexRow { cells };
        let percent = |n: i32, d: i32| {
            if d == 0 {
                "—".to_string()
            } else {
                format!("{:.1}%", f64::from(n) * 100.0 / f64::from(d))
            }
        };
        let completeness = rpb::AnnexTable {
            caption: "报送完成情况".into(),
            header: ["区县/单位", "应报", "已报", "按时", "报送率", "按时率"]
                .map(String::from)
                .to_vec(),
            rows: self
                .filed
                .districts
                .iter()
                .map(|d| {
                    row(vec![
                        d.office_name.clone(),
                        d.required.to_string(),
                        d.filed.to_string(),
                        d.on_time.to_string(),
                        percent(d.filed, d.required),
                        percent(d.on_time, d.required),
                    ])
                })
                .collect(),
        };
        let indicators = rpb::AnnexTable {
            caption: "主要指标".into(),
            header: ["指标", "数值", "分子/分母"].map(String::from).to_vec(),
            rows: self
                .indicators
                .iter()
                .map(|i| {
                    row(vec![
                        i.label_zh.to_string(),
                        i.value.map_or_else(
                            || format!("—（n = {}）", i.denominator),
                            |v| v.to_string(),
                        ),
                        format!("{}/{}", i.numerator, i.denominator),
                    ])
                })
                .collect(),
        };
        let series = |name: &str, f: fn(&crate::filing::DistrictRate) -> i32| rpb::ChartSeries {
            name: name.into(),
            values: self
                .filed
                .districts
                .iter()
                .map(|d| f64::from(f(d)))
                .collect(),
        };
        let chart = rpb::Chart {
            title: "各区县年度报告报送情况".into(),
            unit: "个".into(),
            categories: self
                .filed
                .districts
                .iter()
                .map(|d| d.office_name.clone())
                .collect(),
            series: vec![
                series("应报", |d| d.required),
                series("已报", |d| d.filed),
                series("按时", |d| d.on_time),
            ],
        };
        rpb::Annex {
            title: "附件：汇总情况说明".into(),
            offices,
            completeness: Some(completeness),
            indicators: Some(indicators),
            charts: vec![chart],
        }
    }
}
