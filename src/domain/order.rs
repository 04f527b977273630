//! Orders (订单): numbers, durations and totals, and how the seed's order table
//! shows them.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDateTime, Utc};

use super::money::format_yuan;
use super::product::{Billing, Kind};
use super::time::china;

/// What an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderType {
    /// 购买.
    Purchase,
    /// 续费.
    Renew,
    /// 退款.
    Refund,
}

/// Whether an order's money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// 已支付.
    Paid,
    /// 已退款.
    Refunded,
}

codes!(OrderType { Purchase = "purchase", Renew = "renew", Refund = "refund" });
codes!(OrderStatus { Paid = "paid", Refunded = "refunded" });

/// `MARKET_` + kind tag + `2S` + creation time `yyMMddHHmmss` (China) + 9 digits.
pub fn order_number(kind: Kind, created: DateTime<Utc>, nine_digits: u32) -> String {
    format!(
        "MARKET_{}2S{}{:09}",
        kind.order_tag(),
        created.with_timezone(&china()).format("%y%m%d%H%M%S"),
        nine_digits % 1_000_000_000
    )
}

/// Whether text could be (the start of) an order number: letters, digits and `_`.
pub fn is_order_number_text(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 40
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// How long a prepaid plan is bought for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    Months(u32),
    Years(u32),
}

/// The most months bought at the monthly price; beyond that, years.
pub const MAX_MONTHS: u32 = 11;
/// The most years bought at once.
pub const MAX_YEARS: u32 = 3;

impl Term {
    /// Reads `m3` (3 months) or `y1` (1 year).
    pub fn parse(text: &str) -> Option<Term> {
        let (unit, count) = text.trim().split_at_checked(1)?;
        let count: u32 = count.parse().ok()?;
        match unit {
            "m" if (1..=MAX_MONTHS).contains(&count) => Some(Term::Months(count)),
            "y" if (1..=MAX_YEARS).contains(&count) => Some(Term::Years(count)),
            _ => None,
        }
    }

    pub fn code(self) -> String {
        match self {
            Term::Months(n) => format!("m{n}"),
            Term::Years(n) => format!("y{n}"),
        }
    }

    pub fn months(self) -> u32 {
        match self {
            Term::Months(n) => n,
            Term::Years(n) => n * 12,
        }
    }

    /// Every term a plan offers: 1–11 months, and years when it has a yearly price.
    pub fn offered(has_year_price: bool) -> Vec<Term> {
        let mut terms: Vec<Term> = (1..=MAX_MONTHS).map(Term::Months).collect();
        if has_year_price {
            terms.extend((1..=MAX_YEARS).map(Term::Years));
        }
        terms
    }
}

/// Why a purchase was refused before anything was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurchaseRefusal {
    /// The product is not on sale.
    NotListed,
    /// The plan is not one of the product's live plans.
    UnknownPlan,
    /// Not one of the plan's offered terms (or a term on a plan without one).
    BadTerm,
    /// The total the buyer saw is not the price now.
    PriceChanged,
    /// Renewing needs a prepaid subscription of the buyer's own.
    NotRenewable,
}

/// Whether a subscription may be renewed: prepaid, not stopped, and its
/// purchase still paid (a refunded purchase ends the subscription for good).
pub fn may_renew(
    billing: Billing,
    stopped: bool,
    purchase_status: OrderStatus,
) -> Result<(), PurchaseRefusal> {
    if billing == Billing::Prepaid && !stopped && purchase_status == OrderStatus::Paid {
        Ok(())
    } else {
        Err(PurchaseRefusal::NotRenewable)
    }
}

/// What the buyer pays now, in fen, for a plan and term. Hourly plans pay
/// nothing up front; one-time plans take no term.
pub fn total_fen(
    billing: Billing,
    price_fen: i64,
    year_price_fen: Option<i64>,
    term: Option<Term>,
) -> Result<i64, PurchaseRefusal> {
    match (billing, term) {
        (Billing::Prepaid, Some(Term::Months(n))) => Ok(price_fen * i64::from(n)),
        (Billing::Prepaid, Some(Term::Years(n))) => year_price_fen
            .map(|yearly| yearly * i64::from(n))
            .ok_or(PurchaseRefusal::BadTerm),
        (Billing::Hourly | Billing::OneTime, None) => Ok(if billing == Billing::Hourly {
            0
        } else {
            price_fen
        }),
        _ => Err(PurchaseRefusal::BadTerm),
    }
}

/// A prepaid subscription's new expiry: months added to the later of its
/// current expiry and now (a lapsed subscription restarts from now).
pub fn extend_expiry(
    current: Option<NaiveDateTime>,
    months: u32,
    now: NaiveDateTime,
) -> NaiveDateTime {
    let from = current.filter(|expiry| *expiry > now).unwrap_or(now);
    from.checked_add_months(Months::new(months))
        .unwrap_or(from + Duration::days(31 * i64::from(months)))
}

/// Started hours between two instants: what an hourly subscription has run.
pub fn started_hours(start: NaiveDateTime, end: NaiveDateTime) -> i64 {
    let seconds = (end - start).num_seconds();
    if seconds <= 0 {
        0
    } else {
        (seconds + 3599) / 3600
    }
}

/// 购买时长 as the seed shows it: `1(月)`, `1(年)` for 12 months, `-` otherwise.
pub fn term_of(months: Option<i32>) -> Option<Term> {
    match months {
        Some(m) if m > 0 && m % 12 == 0 => Some(Term::Years((m / 12) as u32)),
        Some(m) if m > 0 => Some(Term::Months(m as u32)),
        _ => None,
    }
}

/// 金额 as the seed shows it: what was paid, or the unit price `¥1.1/小时` for hourly purchases.
pub fn amount_label(
    order_type: OrderType,
    billing: Billing,
    amount_fen: i64,
    unit_price_fen: i64,
    per_hour: &str,
) -> String {
    if order_type != OrderType::Refund && billing == Billing::Hourly {
        format!("{}{per_hour}", format_yuan(unit_price_fen))
    } else {
        format_yuan(amount_fen)
    }
}

/// A calendar date typed in a filter (`2020-02-17`), as the UTC instant its
/// China-time day starts.
pub fn china_day_start(text: &str) -> Option<NaiveDateTime> {
    let date = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    if !(2000..=2100).contains(&date.year()) {
        return None;
    }
    let local = date.and_hms_opt(0, 0, 0)?;
    Some(local - Duration::hours(8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
    }

    #[test]
    fn order_numbers_follow_the_seed() {
        // 2020-02-17 22:11:33 China time is 14:11:33 UTC.
        let created = Utc.with_ymd_and_hms(2020, 2, 17, 14, 11, 33).unwrap();
        assert_eq!(
            order_number(Kind::Image, created, 133_941_433),
            "MARKET_Mirror2S200217221133133941433"
        );
        assert_eq!(
            order_number(Kind::Service, created, 7),
            "MARKET_Service2S200217221133000000007"
        );
        assert_eq!(
            order_number(Kind::License, created, 7).len(),
            "MARKET_License2S".len() + 12 + 9
        );
        assert!(is_order_number_text("MARKET_Mirror2S2002"));
        assert!(!is_order_number_text("MARKET'--"));
        assert!(!is_order_number_text(""));
    }

    #[test]
    fn terms_are_one_to_eleven_months_or_years_with_a_yearly_price() {
        assert_eq!(Term::parse("m1"), Some(Term::Months(1)));
        assert_eq!(Term::parse("m11"), Some(Term::Months(11)));
        assert_eq!(Term::parse("m12"), None);
        assert_eq!(Term::parse("m0"), None);
        assert_eq!(Term::parse("y3"), Some(Term::Years(3)));
        assert_eq!(Term::parse("y4"), None);
        assert_eq!(Term::parse("x1"), None);
        assert_eq!(Term::parse("m-1"), None);
        assert_eq!(Term::parse(""), None);
        assert_eq!(Term::parse("年"), None);
        assert_eq!(Term::offered(false).len(), 11);
        assert_eq!(Term::offered(true).len(), 14);
        assert_eq!(Term::Years(2).months(), 24);
    }

    #[test]
    fn totals_follow_the_plan() {
        assert_eq!(
            total_fen(Billing::Prepaid, 9900, None, Some(Term::Months(3))),
            Ok(29_700)
        );
        assert_eq!(
            total_fen(Billing::Prepaid, 9900, Some(99_000), Some(Term::Years(2))),
            Ok(198_000)
        );
        assert_eq!(
            total_fen(Billing::Prepaid, 9900, None, Some(Term::Years(1))),
            Err(PurchaseRefusal::BadTerm)
        );
        assert_eq!(
            total_fen(Billing::Prepaid, 9900, None, None),
            Err(PurchaseRefusal::BadTerm)
        );
        assert_eq!(total_fen(Billing::Hourly, 110, None, None), Ok(0));
        assert_eq!(
            total_fen(Billing::Hourly, 110, None, Some(Term::Months(1))),
            Err(PurchaseRefusal::BadTerm)
        );
        assert_eq!(total_fen(Billing::OneTime, 50_000, None, None), Ok(50_000));
    }

    #[test]
    fn renewals_extend_from_the_later_of_expiry_and_now() {
        let now = at(2026, 1, 31, 10, 0, 0);
        assert_eq!(
            extend_expiry(Some(at(2026, 3, 1, 0, 0, 0)), 1, now),
            at(2026, 4, 1, 0, 0, 0)
        );
        // Lapsed: from now; month ends clamp (Jan 31 + 1 month = Feb 28).
        assert_eq!(
            extend_expiry(Some(at(2025, 1, 1, 0, 0, 0)), 1, now),
            at(2026, 2, 28, 10, 0, 0)
        );
        assert_eq!(extend_expiry(None, 12, now), at(2027, 1, 31, 10, 0, 0));
    }

    #[test]
    fn hours_are_counted_as_started() {
        let start = at(2026, 1, 1, 0, 0, 0);
        assert_eq!(started_hours(start, start), 0);
        assert_eq!(started_hours(start, at(2026, 1, 1, 0, 0, 1)), 1);
        assert_eq!(started_hours(start, at(2026, 1, 1, 1, 0, 0)), 1);
        assert_eq!(started_hours(start, at(2026, 1, 1, 1, 0, 1)), 2);
    }

    #[test]
    fn the_table_shows_terms_and_amounts_like_the_seed() {
        assert_eq!(term_of(Some(1)), Some(Term::Months(1)));
        assert_eq!(term_of(Some(12)), Some(Term::Years(1)));
        assert_eq!(term_of(Some(24)), Some(Term::Years(2)));
        assert_eq!(term_of(Some(13)), Some(Term::Months(13)));
        assert_eq!(term_of(None), None);
        assert_eq!(
            amount_label(OrderType::Purchase, Billing::Prepaid, 9900, 9900, "/小时"),
            "¥99"
        );
        assert_eq!(
            amount_label(OrderType::Purchase, Billing::Hourly, 0, 110, "/小时"),
            "¥1.1/小时"
        );
        assert_eq!(
            amount_label(OrderType::Refund, Billing::Prepaid, 5462, 9900, "/小时"),
            "¥54.62"
        );
        assert_eq!(
            amount_label(OrderType::Refund, Billing::Hourly, 0, 110, "/小时"),
            "¥0"
        );
    }

    #[test]
    fn filter_dates_are_china_days() {
        assert_eq!(
            china_day_start("2020-02-17"),
            Some(at(2020, 2, 16, 16, 0, 0))
        );
        assert_eq!(china_day_start("2020-02-30"), None);
        assert_eq!(china_day_start("17/02/2020"), None);
        assert_eq!(china_day_start("9999-01-01"), None);
    }
}
