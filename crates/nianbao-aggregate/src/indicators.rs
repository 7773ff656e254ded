//! Indicators over a report (an office's or an aggregate), each defined once with its formula.
//!
//! A rate is not computed when its denominator is below [`MIN_DENOMINATOR`]; the numerator and
//! denominator are still shown.

use nianbao_model::Report;
use rust_decimal::{Decimal, RoundingStrategy};

/// Below this denominator a rate is not computed.
pub const MIN_DENOMINATOR: i64 = 10;

/// Decimal places of a computed indicator.
pub const PLACES: u32 = 4;

/// One named indicator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Indicator {
    /// Stable key (`granted_rate`).
    pub key: &'static str,
    /// Name in Chinese (`实质公开率`).
    pub label_zh: &'static str,
    /// The formula over cell keys.
    pub formula: &'static str,
    /// The value, rounded to [`PLACES`]; `None` when the denominator is too small or a cell is absent.
    pub value: Option<Decimal>,
    /// Numerator.
    pub numerator: i64,
    /// Denominator.
    pub denominator: i64,
}

/// An indicator's definition: numerator and denominator as signed sums of cells.
struct Def {
    key: &'static str,
    label_zh: &'static str,
    formula: &'static str,
    numerator: &'static [(i64, &'static str)],
    denominator: &'static [(i64, &'static str)],
}

const DEFS: &[Def] = &[
    Def {
        key: "granted_rate",
        label_zh: "实质公开率",
        formula: "(s3.granted.total + s3.partial.total) / s3.total_processed.total",
        numerator: &[(1, "s3.granted.total"), (1, "s3.partial.total")],
        denominator: &[(1, "s3.total_processed.total")],
    },
    Def {
        key: "review_correction_rate",
        label_zh: "复议纠错率",
        formula: "s4.review.corrected / (s4.review.total - s4.review.pending)",
        numerator: &[(1, "s4.review.corrected")],
        denominator: &[(1, "s4.review.total"), (-1, "s4.review.pending")],
    },
    Def {
        key: "litigation_correction_rate",
        label_zh: "诉讼纠错率",
        formula: "(s4.litigation_direct.corrected + s4.litigation_after_review.corrected) / \
                  (s4.litigation_direct.total - s4.litigation_direct.pending + \
                  s4.litigation_after_review.total - s4.litigation_after_review.pending)",
        numerator: &[
            (1, "s4.litigation_direct.corrected"),
            (1, "s4.litigation_after_review.corrected"),
        ],
        denominator: &[
            (1, "s4.litigation_direct.total"),
            (-1, "s4.litigation_direct.pending"),
            (1, "s4.litigation_after_review.total"),
            (-1, "s4.litigation_after_review.pending"),
        ],
    },
];

/// The key of the requests-per-office indicator.
pub const REQUESTS_PER_OFFICE: &str = "requests_per_office";

fn signed_sum(report: &Report, terms: &[(i64, &str)]) -> Option<i64> {
    let mut total = 0i64;
    for (sign, key) in terms {
        total = total.checked_add(sign.checked_mul(report.count(key)?)?)?;
    }
    Some(total)
}

fn ratio(numerator: i64, denominator: i64) -> Decimal {
    (Decimal::from(numerator) / Decimal::from(denominator))
        .round_dp_with_strategy(PLACES, RoundingStrategy::MidpointAwayFromZero)
}

/// Every indicator of a report that sums `offices` offices (1 for an office's own report).
///
/// `requests_per_office = s3.new_received.total / offices` is computed whenever `offices >= 1`;
/// the rates need a denominator of at least [`MIN_DENOMINATOR`].
pub fn indicators(report: &Report, offices: i64) -> Vec<Indicator> {
    let mut out: Vec<Indicator> = DEFS
        .iter()
        .map(|d| {
            let n = signed_sum(report, d.numerator);
            let m = signed_sum(report, d.denominator);
            let value = match (n, m) {
                (Some(n), Some(m)) if m >= MIN_DENOMINATOR => Some(ratio(n, m)),
                _ => None,
            };
            Indicator {
                key: d.key,
                label_zh: d.label_zh,
                formula: d.formula,
                value,
                numerator: n.unwrap_or(0),
                denominator: m.unwrap_or(0),
            }
        })
        .collect();
    let received = report.count("s3.new_received.total");
    out.push(Indicator {
        key: REQUESTS_PER_OFFICE,
        label_zh: "单位平均申请数",
        formula: "s3.new_received.total / offices",
        value: received.filter(|_| offices >= 1).map(|n| ratio(n, offices)),
        numerator: received.unwrap_or(0),
        denominator: offices,
    });
    out
}
