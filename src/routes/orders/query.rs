//! The order lists' query string: parsing with a message per bad value,
//! the keyset cursor's codec and the page links.

use chrono::DateTime;
use serde::Deserialize;

use crate::db::accounts;
use crate::db::orders::{self, Cursor, OrderFilter, Page};
use crate::domain::account::parse_uin;
use crate::domain::order::{OrderStatus, OrderType, china_day_start, is_order_number_text};
use crate::domain::product::Billing;
use crate::error::AppResult;
use crate::i18n::{Catalogue, fill};
use crate::views::orders::{PAGE_SIZES, TypedFilter};

/// A typed page size, if it is one of those offered.
pub(super) fn page_size(typed: &str) -> Option<i64> {
    typed
        .parse::<i64>()
        .ok()
        .filter(|size| PAGE_SIZES.contains(size))
}

/// The list's query string, all text so that any value gets a message, not a 400 from serde.
#[derive(Deserialize, Default)]
pub struct OrderQuery {
    #[serde(default)]
    buyer_uin: String,
    #[serde(default)]
    order_no: String,
    #[serde(default, rename = "type")]
    order_type: String,
    #[serde(default)]
    billing: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    after: String,
    #[serde(default)]
    before: String,
    /// Rows per page: 20, 50 (the default) or 100.
    #[serde(default)]
    size: String,
}

pub(super) fn encode_cursor(cursor: &Cursor) -> String {
    match cursor {
        Cursor::Time(at, id) => format!("t{}.{id}", at.and_utc().timestamp_micros()),
        Cursor::Number(number) => format!("n{number}"),
    }
}

pub(super) fn decode_cursor(text: &str) -> Option<Cursor> {
    if let Some(rest) = text.strip_prefix('t') {
        let (micros, id) = rest.split_once('.')?;
        let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
        return Some(Cursor::Time(at, id.parse().ok()?));
    }
    let number = text.strip_prefix('n')?;
    is_order_number_text(number).then(|| Cursor::Number(number.to_string()))
}

/// A parsed list request: the filter, the page, and a message per bad value.
pub(super) struct ListRequest {
    pub(super) typed: TypedFilter,
    pub(super) filter: OrderFilter,
    pub(super) page: Page,
    pub(super) errors: Vec<String>,
    pub(super) vendor_uin: Option<i64>,
}

/// A filter's problem, named by the field it is about.
pub(super) fn field_error(t: &Catalogue, field: &str, problem: &str) -> String {
    fill(t.field_problem, &[("field", field), ("problem", problem)])
}

pub(super) fn parse_list(t: &Catalogue, query: OrderQuery, allow_vendor: bool) -> ListRequest {
    let mut errors = Vec::new();
    let mut filter = OrderFilter::default();
    let trimmed = |s: &str| s.trim().to_string();
    let typed = TypedFilter {
        buyer_uin: trimmed(&query.buyer_uin),
        order_no: trimmed(&query.order_no),
        order_type: trimmed(&query.order_type),
        billing: trimmed(&query.billing),
        status: trimmed(&query.status),
        product: trimmed(&query.product),
        vendor: if allow_vendor {
            trimmed(&query.vendor)
        } else {
            String::new()
        },
        from: trimmed(&query.from),
        to: trimmed(&query.to),
        size: trimmed(&query.size),
    };
    if !typed.size.is_empty() && page_size(&typed.size).is_none() {
        errors.push(field_error(t, t.page_size_label, t.err_page_size));
    }
    if !typed.buyer_uin.is_empty() {
        match parse_uin(&typed.buyer_uin) {
            Some(uin) => filter.buyer_uin = Some(uin),
            None => errors.push(field_error(t, t.user_id, t.err_bad_uin)),
        }
    }
    let mut vendor_uin = None;
    if !typed.vendor.is_empty() {
        match parse_uin(&typed.vendor) {
            Some(uin) => vendor_uin = Some(uin),
            None => errors.push(field_error(t, t.filter_vendor, t.err_bad_uin)),
        }
    }
    if !typed.order_no.is_empty() {
        if is_order_number_text(&typed.order_no) {
            // A whole number matches itself as a prefix: one search serves both.
            filter.order_no = Some(typed.order_no.clone());
            filter.order_no_prefix = true;
        } else {
            errors.push(field_error(t, t.col_order_no, t.err_bad_order_no));
        }
    }
    filter.order_type = OrderType::parse(&typed.order_type);
    filter.billing = Billing::parse(&typed.billing);
    filter.status = OrderStatus::parse(&typed.status);
    if !typed.product.is_empty() {
        match typed.product.parse::<i64>() {
            Ok(id) if id > 0 => filter.product_id = Some(id),
            _ => {
                let problem = fill(t.err_bad_number, &[("value", &typed.product)]);
                errors.push(field_error(t, t.filter_product, &problem));
            }
        }
    }
    for (text, slot, next_day, label) in [
        (&typed.from, &mut filter.from, false, t.filter_from),
        (&typed.to, &mut filter.until, true, t.filter_to),
    ] {
        if text.is_empty() {
            continue;
        }
        match china_day_start(text) {
            // "to" includes its whole day.
            Some(start) => {
                *slot = Some(if next_day {
                    start + chrono::Duration::days(1)
                } else {
                    start
                })
            }
            None => {
                let problem = fill(t.err_bad_date, &[("value", text)]);
                errors.push(field_error(t, label, &problem));
            }
        }
    }
    if let (Some(from), Some(until)) = (filter.from, filter.until)
        && from >= until
    {
        errors.push(t.err_date_order.to_string());
    }
    let page = match (query.after.trim(), query.before.trim()) {
        ("", "") => Page::First,
        (after, "") => decode_cursor(after).map(Page::After).unwrap_or_else(|| {
            errors.push(t.err_bad_cursor.to_string());
            Page::First
        }),
        (_, before) => decode_cursor(before).map(Page::Before).unwrap_or_else(|| {
            errors.push(t.err_bad_cursor.to_string());
            Page::First
        }),
    };
    ListRequest {
        typed,
        filter,
        page,
        errors,
        vendor_uin,
    }
}

/// The list's address for a filter and page: the page links, and the key a
/// rendered list is kept under.
pub(super) fn page_link(base: &str, typed: &TypedFilter, page: &Page) -> String {
    let cursor = match page {
        Page::First => None,
        Page::After(cursor) => Some(("after", cursor)),
        Page::Before(cursor) => Some(("before", cursor)),
    };
    let cursor = cursor
        .and_then(|(key, cursor)| serde_urlencoded::to_string([(key, encode_cursor(cursor))]).ok())
        .unwrap_or_default();
    let parts: Vec<String> = [typed.query(), cursor]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect();
    if parts.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", parts.join("&"))
    }
}

/// The links to the newer and the older page around a page of rows, where
/// there are such pages.
pub(super) fn pager_links(
    base: &str,
    typed: &TypedFilter,
    result: &orders::OrderPage,
    by_number: bool,
) -> (Option<String>, Option<String>) {
    let newer = result
        .rows
        .first()
        .filter(|_| result.has_newer)
        .map(|row| page_link(base, typed, &Page::Before(row.cursor(by_number))));
    let older = result
        .rows
        .last()
        .filter(|_| result.has_older)
        .map(|row| page_link(base, typed, &Page::After(row.cursor(by_number))));
    (newer, older)
}

/// Whether a query string has a field with nothing in it (`type=&…`).
pub(super) fn has_empty_field(query: &str) -> bool {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .any(|pair| {
            pair.split_once('=')
                .is_none_or(|(_, value)| value.trim_matches('+').is_empty())
        })
}

/// Resolves an operator's vendor filter (a user ID) to an account id; an
/// unknown vendor has no orders.
pub(super) fn vendor_id_for(
    conn: &mut crate::db::DbConn,
    uin: Option<i64>,
) -> AppResult<Option<i64>> {
    Ok(match uin {
        Some(uin) => Some(accounts::find_by_uin(conn, uin)?.map_or(0, |a| a.id)),
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let at = DateTime::from_timestamp_micros(1_581_948_692_123_456)
            .unwrap()
            .naive_utc();
        for cursor in [
            Cursor::Time(at, 42),
            Cursor::Number("MARKET_Mirror2S2002".into()),
        ] {
            assert_eq!(decode_cursor(&encode_cursor(&cursor)), Some(cursor));
        }
        assert_eq!(decode_cursor("t12"), None);
        assert_eq!(decode_cursor("x1.2"), None);
        assert_eq!(decode_cursor("nMARKET';--"), None);
    }

    #[test]
    fn empty_fields_are_noticed() {
        assert!(has_empty_field("buyer_uin=&order_no=MARKET_"));
        assert!(has_empty_field("order_no=MARKET_&type="));
        assert!(has_empty_field("status=+"));
        assert!(has_empty_field("type"));
        assert!(!has_empty_field(""));
        assert!(!has_empty_field("type=purchase&billing=prepaid"));
        assert!(!has_empty_field("after=t1.2&"));
    }
}
