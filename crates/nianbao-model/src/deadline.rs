//! Filing deadlines (FORMAT.md §1): by the level of the office and the rule in force for the
//! year reported on, and whether a report was filed on time.
//!
//! - 条例 (2019) 第四十九条 and the 2019/2021 notices (both editions of the format): a
//!   department, and a township, by 1月31日; the roll-up of a county or district by 2月20日, of a
//!   city (地市级) by 3月10日, of a province by 3月31日, each of the year after the year reported on.
//! - 2007 条例 第三十一条 (reports on years before the 2019 edition): 3月31日 for every office.
//!
//! Pure: dates in, dates out; a time is read as a date in a fixed offset (北京时间 by default).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};

/// The first year reported on under the 2019 条例 (and the 2019 edition of the format).
pub const FIRST_YEAR_OF_2019_RULES: i32 = 2019;

/// Deadlines by office kind, as (month, day) of the year after the year reported on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadlines {
    /// The deadline of an office whose kind is not in `by_kind` (条例第四十九条: 1月31日).
    pub office: (u32, u32),
    /// Roll-up deadlines by kind: county/district 2月20日, city 3月10日, province 3月31日.
    pub by_kind: BTreeMap<String, (u32, u32)>,
    /// The one deadline of every office for years before [`FIRST_YEAR_OF_2019_RULES`]
    /// (2007 条例第三十一条: 3月31日).
    pub before_2019: (u32, u32),
    /// The offset in which a submission time is read as a date (China Standard Time, +08:00).
    pub utc_offset_seconds: i32,
}

impl Default for Deadlines {
    fn default() -> Self {
        let by_kind = [
            ("county", (2, 20)),
            ("district", (2, 20)),
            ("city", (3, 10)),
            ("province", (3, 31)),
        ]
        .into_iter()
        .map(|(k, d)| (k.to_string(), d))
        .collect();
        Deadlines {
            office: (1, 31),
            by_kind,
            before_2019: (3, 31),
            utc_offset_seconds: 8 * 3600,
        }
    }
}

impl Deadlines {
    /// The deadline of an office of `kind` (case and spaces ignored) for reports on `year`.
    pub fn for_kind(&self, kind: &str, year: i32) -> NaiveDate {
        let (m, d) = if year < FIRST_YEAR_OF_2019_RULES {
            self.before_2019
        } else {
            self.by_kind
                .get(kind.trim().to_lowercase().as_str())
                .copied()
                .unwrap_or(self.office)
        };
        NaiveDate::from_ymd_opt(year + 1, m, d)
            .or_else(|| NaiveDate::from_ymd_opt(year + 1, m, 28))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The calendar date of a submission time in the configured offset.
    pub fn local_date(&self, at: DateTime<FixedOffset>) -> NaiveDate {
        match FixedOffset::east_opt(self.utc_offset_seconds) {
            Some(offset) => at.with_timezone(&offset).date_naive(),
            None => at.date_naive(),
        }
    }
}

/// Days after `deadline` of a report filed on `filed_on`: 0 when on time (on or before the day).
pub fn days_late(filed_on: NaiveDate, deadline: NaiveDate) -> i32 {
    let late = (filed_on - deadline).num_days();
    i32::try_from(late.max(0)).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn deadlines_by_level_for_the_2019_and_2021_editions() {
        let d = Deadlines::default();
        assert_eq!(Some(d.for_kind("department", 2023)), date(2024, 1, 31));
        assert_eq!(Some(d.for_kind("township", 2023)), date(2024, 1, 31));
        assert_eq!(Some(d.for_kind(" District ", 2023)), date(2024, 2, 20));
        assert_eq!(Some(d.for_kind("county", 2019)), date(2020, 2, 20));
        assert_eq!(Some(d.for_kind("city", 2020)), date(2021, 3, 10));
        assert_eq!(Some(d.for_kind("province", 2021)), date(2022, 3, 31));
    }

    #[test]
    fn before_2019_every_office_had_until_the_end_of_march() {
        let d = Deadlines::default();
        for kind in ["department", "district", "city"] {
            assert_eq!(Some(d.for_kind(kind, 2018)), date(2019, 3, 31), "{kind}");
        }
    }

    #[test]
    fn an_impossible_day_falls_back_to_the_28th() {
        let d = Deadlines {
            office: (2, 30),
            ..Deadlines::default()
        };
        assert_eq!(Some(d.for_kind("department", 2023)), date(2024, 2, 28));
    }

    #[test]
    fn days_late_and_local_dates() {
        let deadline = date(2024, 1, 31).unwrap_or(NaiveDate::MIN);
        assert_eq!(days_late(deadline, deadline), 0);
        assert_eq!(
            days_late(deadline.pred_opt().unwrap_or(deadline), deadline),
            0
        );
        assert_eq!(days_late(date(2024, 2, 3).unwrap_or(deadline), deadline), 3);
        let d = Deadlines::default();
        let at = DateTime::parse_from_rfc3339("2024-01-31T17:30:00Z");
        // 01:30 on 1 February in Beijing.
        assert_eq!(at.map(|at| d.local_date(at)).ok(), date(2024, 2, 1));
    }
}
