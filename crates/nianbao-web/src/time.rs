//! Times as people read them: in the configured zone (北京时间 by default), dates as 2024年1月31日.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};

use crate::error::WebError;

/// Parses `+08:00`, `-05:30`, `UTC`, `UTC+8`.
pub fn parse_zone(s: &str) -> Result<FixedOffset, WebError> {
    let t = s.trim();
    let rest = t.strip_prefix("UTC").unwrap_or(t);
    if rest.is_empty() || rest == "Z" {
        return FixedOffset::east_opt(0).ok_or_else(|| bad_zone(s));
    }
    let (sign, digits) = match rest.as_bytes().first() {
        Some(b'+') => (1, &rest[1..]),
        Some(b'-') => (-1, &rest[1..]),
        _ => return Err(bad_zone(s)),
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None => (digits, "0"),
    };
    let (h, m): (i32, i32) = (
        h.parse().map_err(|_| bad_zone(s))?,
        m.parse().map_err(|_| bad_zone(s))?,
    );
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return Err(bad_zone(s));
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(|| bad_zone(s))
}

fn bad_zone(s: &str) -> WebError {
    WebError::Settings(format!(
        "web.time_zone {s:?}: expected a UTC offset such as +08:00 / 时区应为 UTC 偏移，如 +08:00"
    ))
}

/// An RFC 3339 instant in `zone` as `2024年1月31日 09:05`; empty input stays empty, and text
/// that is not an instant is shown as it is.
pub fn datetime(rfc3339: &str, zone: &FixedOffset) -> String {
    if rfc3339.is_empty() {
        return String::new();
    }
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => {
            let t = t.with_timezone(zone);
            format!(
                "{}年{}月{}日 {:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute()
            )
        }
        Err(_) => rfc3339.to_string(),
    }
}

/// An RFC 3339 instant in `zone` as ISO 8601 with the offset (for exports).
pub fn iso(rfc3339: &str, zone: &FixedOffset) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t
            .with_timezone(zone)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

/// An RFC 3339 instant in `zone` as `2024-01-31 09:05`, for tables; empty stays empty, and text
/// that is not an instant is shown as it is.
pub fn short(rfc3339: &str, zone: &FixedOffset) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(zone).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

/// 北京时间 (UTC+08:00), the zone times are shown in by default.
pub fn beijing() -> FixedOffset {
    use chrono::Offset;
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix())
}

/// A date as `2024年1月31日`.
pub fn date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Today in `zone`.
pub fn today(zone: &FixedOffset) -> NaiveDate {
    chrono::Utc::now().with_timezone(zone).date_naive()
}

/// The zone as people name it: 北京时间 for +08:00, else `UTC+hh:mm`.
pub fn zone_name(zone: &FixedOffset) -> String {
    let secs = zone.local_minus_utc();
    if secs == 8 * 3600 {
        return "北京时间".into();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    format!("UTC{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn beijing_time_by_default() {
        let z = parse_zone("+08:00").unwrap();
        assert_eq!(
            datetime("2024-01-31T17:30:00+00:00", &z),
            "2024年2月1日 01:30"
        );
        assert_eq!(iso("2024-01-31T17:30:00Z", &z), "2024-02-01T01:30:00+08:00");
        assert_eq!(zone_name(&z), "北京时间");
        assert_eq!(zone_name(&parse_zone("UTC-5").unwrap()), "UTC-05:00");
        assert!(parse_zone("Asia/Shanghai").is_err());
        assert_eq!(datetime("", &z), "");
        assert_eq!(
            short("2024-01-31T17:30:00Z", &beijing()),
            "2024-02-01 01:30"
        );
    }
}
