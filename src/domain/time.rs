//! Time: stored as naive UTC, shown in China time (UTC+8, no daylight saving).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Timelike, Utc};

/// China Standard Time.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The current instant as stored in the database: naive UTC, whole microseconds
/// (PostgreSQL keeps no more).
pub fn to_stored(now: DateTime<Utc>) -> NaiveDateTime {
    let naive = now.naive_utc();
    naive
        .with_nanosecond(naive.and_utc().timestamp_subsec_micros() * 1000)
        .unwrap_or(naive)
}

/// A stored UTC time as China time, `2020-02-17 22:11:32`.
pub fn format_china(stored: NaiveDateTime) -> String {
    // Written field by field: `format("%Y-…")` parses its pattern on every
    // call, and a page of orders shows fifty of these.
    let local = stored.and_utc().with_timezone(&china());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second()
    )
}

/// The China-time calendar day of a stored UTC time.
pub fn china_day(stored: NaiveDateTime) -> chrono::NaiveDate {
    stored.and_utc().with_timezone(&china()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn china_time_is_eight_hours_ahead() {
        let utc = NaiveDate::from_ymd_opt(2020, 2, 17)
            .unwrap()
            .and_hms_opt(14, 11, 32)
            .unwrap();
        assert_eq!(format_china(utc), "2020-02-17 22:11:32");
        let late = NaiveDate::from_ymd_opt(2020, 12, 31)
            .unwrap()
            .and_hms_opt(16, 0, 0)
            .unwrap();
        assert_eq!(format_china(late), "2021-01-01 00:00:00");
    }

    #[test]
    fn stored_times_keep_microseconds_only() {
        let now = DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap();
        assert_eq!(to_stored(now).nanosecond(), 123_456_000);
    }
}
