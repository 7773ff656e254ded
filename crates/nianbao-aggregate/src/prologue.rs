//! What every handler of the aggregation service starts with, once: the caller's token (passed
//! on to storage), the message, its org and year checked, and both recorded on the handler's span.

use nianbao_common::client::PassToken;
use nianbao_proto::aggregate::v1 as apb;
use tonic::Request;

use crate::error::AggregateError;
use crate::wire;

/// A request whose scope is an org and one or more years.
pub(crate) trait Scoped {
    /// The org as sent.
    fn org(&self) -> &str;
    /// The years asked for (one, except for a comparison).
    fn years(&self) -> &[i32];
}

macro_rules! scoped_by_one_year {
    ($($t:ty),*) => {$(
        impl Scoped for $t {
            fn org(&self) -> &str {
                &self.org
            }
            fn years(&self) -> &[i32] {
                std::slice::from_ref(&self.year)
            }
        }
    )*};
}

scoped_by_one_year!(
    apb::AggregateRequest,
    apb::CompletenessRequest,
    apb::ExportRequest,
    apb::CityReportRequest,
    apb::VerifyPublishedRequest
);

impl Scoped for apb::CompareRequest {
    fn org(&self) -> &str {
        &self.org
    }
    fn years(&self) -> &[i32] {
        &self.years
    }
}

/// Takes the caller's token (for storage) and the message, checks the org and every year (a
/// comparison without years is refused as year 0 is), and records `org` and `year` on the
/// current span: `(token, org trimmed, the first year, message)`.
pub(crate) fn call<T: Scoped>(
    request: Request<T>,
) -> Result<(PassToken, String, i32, T), AggregateError> {
    let token = PassToken::of(&request);
    let msg = request.into_inner();
    let first = msg.years().first().copied().unwrap_or(0);
    let (org, year) = wire::org_year(msg.org(), first)?;
    for y in msg.years() {
        wire::org_year(&org, *y)?;
    }
    tracing::Span::current()
        .record("org", org.as_str())
        .record("year", year);
    Ok((token, org, year, msg))
}
