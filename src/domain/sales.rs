//! The vendor overview's last thirty days: orders and income per China-time
//! day, today included, days without orders as zero.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::order::OrderType;
use super::time::china_day;

/// One day of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySales {
    pub day: NaiveDate,
    /// Purchases and renewals placed that day.
    pub orders: i64,
    /// Paid that day less refunded that day, in fen.
    pub income_fen: i64,
}

/// How many days the chart shows.
pub const DAYS: i64 = 30;

/// The first stored instant the chart needs (a day's margin for time zones).
pub fn since(now: NaiveDateTime) -> NaiveDateTime {
    now - Duration::days(DAYS + 1)
}

/// Buckets orders (created at, type code, amount) into the last `DAYS` China
/// days ending today.
pub fn by_day(orders: &[(NaiveDateTime, String, i64)], now: NaiveDateTime) -> Vec<DaySales> {
    let today = china_day(now);
    let first = today - Duration::days(DAYS - 1);
    let mut days: Vec<DaySales> = (0..DAYS)
        .map(|offset| DaySales {
            day: first + Duration::days(offset),
            orders: 0,
            income_fen: 0,
        })
        .collect();
    for (at, order_type, amount_fen) in orders {
        let day = china_day(*at);
        if day < first || day > today {
            continue;
        }
        let slot = &mut days[(day - first).num_days() as usize];
        if order_type == OrderType::Refund.as_str() {
            slot.income_fen -= amount_fen;
        } else {
            slot.orders += 1;
            slot.income_fen += amount_fen;
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    #[test]
    fn thirty_china_days_end_today_with_refunds_taken_off() {
        let now = at(2, 3);
        let orders = vec![
            (at(2, 1), "purchase".to_string(), 9900),
            // 20:00 UTC on the 1st is the 2nd in China.
            (at(1, 20), "renew".to_string(), 1000),
            (at(1, 1), "purchase".to_string(), 500),
            (at(1, 2), "refund".to_string(), 500),
            // Before the thirty days.
            (at(1, 0) - Duration::days(40), "purchase".to_string(), 7),
        ];
        let days = by_day(&orders, now);
        assert_eq!(days.len(), 30);
        let today = days.last().unwrap();
        assert_eq!(today.day, NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
        assert_eq!((today.orders, today.income_fen), (2, 10900));
        let yesterday = days[28];
        assert_eq!((yesterday.orders, yesterday.income_fen), (1, 0));
        assert_eq!(days.iter().map(|d| d.orders).sum::<i64>(), 3);
    }
}
