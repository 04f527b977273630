//! A vendor's month as the ledger gives it: its entries, the open spans and
//! the lines still waiting.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::entries::entry_lines;
use super::running::running_hours;
use crate::db::DbConn;
use crate::db::schema::{orders, tickets};
use crate::db::settlements::billables;
use crate::domain::order::OrderType;
use crate::domain::product::{Billing, Kind};
use crate::domain::refund::FIVE_DAYS;
use crate::domain::settlement::{Line, Month, pending_lines, sort_lines};
use crate::domain::ticket::TicketState;

/// Every line of the vendor's `month` as of `until` (the month's end for a
/// statement, now for the month so far), in the order a statement shows them.
pub fn month_lines(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
    until: NaiveDateTime,
) -> QueryResult<Vec<Line>> {
    let until = until.min(month.end());
    let mut lines = entry_lines(conn, vendor_id, month, until)?;
    lines.extend(running_hours(conn, vendor_id, month, until)?);
    lines.extend(waiting(conn, vendor_id, month, until)?);
    sort_lines(&mut lines);
    Ok(lines)
}

/// The lines waiting as of `until`: image purchases whose five-day window
/// is still open (paid in the five days before `until`), and services and
/// licenses whose ticket had not completed.
fn waiting(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
    until: NaiveDateTime,
) -> QueryResult<Vec<Line>> {
    let mut ids: Vec<i64> = orders::table
        .filter(orders::vendor_id.eq(vendor_id))
        .filter(orders::order_type.eq(OrderType::Purchase.as_str()))
        .filter(orders::product_kind.eq(Kind::Image.as_str()))
        .filter(orders::billing.eq(Billing::Prepaid.as_str()))
        .filter(orders::created_at.ge(until - FIVE_DAYS))
        .filter(orders::created_at.lt(until))
        .select(orders::id)
        .load(conn)?;
    let finished = [
        TicketState::Completed.as_str(),
        TicketState::Closed.as_str(),
    ];
    ids.extend(
        tickets::table
            .filter(tickets::vendor_id.eq(vendor_id))
            .filter(tickets::created_at.lt(until))
            .filter(
                tickets::state
                    .ne_all(finished)
                    .or(tickets::state_since.ge(until)),
            )
            .select(tickets::order_id)
            .load::<i64>(conn)?,
    );
    Ok(billables(conn, &ids, until)?
        .iter()
        .flat_map(|order| pending_lines(order, month, until))
        .collect())
}
