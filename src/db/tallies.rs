//! Each vendor's orders counted and summed as they are written, in the
//! order's own transaction: the unfiltered order list says how many orders
//! and how much money at the cost of one row, not of reading every order
//! (330 ms for the busiest vendor of a million orders). The whole market's
//! figures are the sum over vendors, so no single row is one every purchase
//! in the market would wait on.

use diesel::prelude::*;

use super::orders::OrderSummary;
use super::schema::vendor_order_tallies as tallies;
use super::{DbConn, sum_of};
use crate::domain::order::OrderType;

/// Counts one new order into its vendor's tally.
pub fn count_order(
    conn: &mut DbConn,
    vendor_id: i64,
    order_type: OrderType,
    amount_fen: i64,
) -> QueryResult<()> {
    let (paid_fen, refunded_fen) = match order_type {
        OrderType::Refund => (0, amount_fen),
        OrderType::Purchase | OrderType::Renew => (amount_fen, 0),
    };
    on_inner!(conn, |inner| diesel::insert_into(tallies::table)
        .values((
            tallies::vendor_id.eq(vendor_id),
            tallies::orders.eq(1),
            tallies::paid_fen.eq(paid_fen),
            tallies::refunded_fen.eq(refunded_fen),
        ))
        .on_conflict(tallies::vendor_id)
        .do_update()
        .set((
            tallies::orders.eq(tallies::orders + 1),
            tallies::paid_fen.eq(tallies::paid_fen + paid_fen),
            tallies::refunded_fen.eq(tallies::refunded_fen + refunded_fen),
        ))
        .execute(inner))?;
    Ok(())
}

/// One vendor's orders; nothing for a vendor that has sold nothing.
pub fn of_vendor(conn: &mut DbConn, vendor_id: i64) -> QueryResult<OrderSummary> {
    let row: Option<(i64, i64, i64)> = tallies::table
        .find(vendor_id)
        .select((tallies::orders, tallies::paid_fen, tallies::refunded_fen))
        .first(conn)
        .optional()?;
    let (count, paid_fen, refunded_fen) = row.unwrap_or_default();
    Ok(OrderSummary {
        count,
        paid_fen,
        refunded_fen,
    })
}

/// Every vendor's orders together: one row per vendor, a few hundred rows.
pub fn of_market(conn: &mut DbConn) -> QueryResult<OrderSummary> {
    let (count, paid_fen, refunded_fen) = tallies::table
        .select((sum_of("orders"), sum_of("paid_fen"), sum_of("refunded_fen")))
        .first(conn)?;
    Ok(OrderSummary {
        count,
        paid_fen,
        refunded_fen,
    })
}

/// Counts every order again from the orders themselves: for rows written in
/// bulk (the seed), which bypass `count_order`, and for `yunshi ledger
/// rebuild` (orders written by an older build during a rolling upgrade).
/// The same statement as the migration that introduced the tallies.
pub fn rebuild(conn: &mut DbConn) -> QueryResult<()> {
    diesel::delete(tallies::table).execute(conn)?;
    let refund = OrderType::Refund.as_str();
    diesel::sql_query(format!(
        "INSERT INTO vendor_order_tallies (vendor_id, orders, paid_fen, refunded_fen) \
         SELECT vendor_id, COUNT(*), \
         COALESCE(SUM(CASE WHEN order_type <> '{refund}' THEN amount_fen ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN order_type = '{refund}' THEN amount_fen ELSE 0 END), 0) \
         FROM orders GROUP BY vendor_id"
    ))
    .execute(conn)?;
    Ok(())
}
