//! Filling the ledger from the orders' histories: once after the migration
//! that made it, and whenever `yunshi ledger rebuild` is run.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::entries::follow;
use super::running::recount_running;
use crate::db::DbConn;
use crate::db::schema::{ledger_built, orders};
use crate::domain::order::OrderType;

/// Orders per round while the whole ledger is brought up to date.
const ORDERS_PER_ROUND: i64 = 10_000;

/// Brings the ledger up to date with every order's history (the first start
/// after the ledger's migration, `yunshi ledger rebuild`, the seeder), a
/// round of orders per transaction; marks it built. Returns the entries written.
pub fn rebuild(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    let last: Option<i64> = orders::table
        .select(diesel::dsl::max(orders::id))
        .first(conn)?;
    let mut written = 0;
    let mut from = 0;
    while from <= last.unwrap_or(0) {
        let ids: Vec<i64> = orders::table
            .filter(orders::id.ge(from))
            .filter(orders::id.lt(from + ORDERS_PER_ROUND))
            .filter(orders::order_type.ne(OrderType::Refund.as_str()))
            .select(orders::id)
            .load(conn)?;
        written += crate::db::write_transaction(conn, |conn| follow(conn, &ids, now))?;
        from += ORDERS_PER_ROUND;
    }
    crate::db::write_transaction(conn, |conn| {
        recount_running(conn)?;
        diesel::delete(ledger_built::table).execute(conn)?;
        diesel::insert_into(ledger_built::table)
            .values((ledger_built::id.eq(1), ledger_built::built_at.eq(now)))
            .execute(conn)
    })?;
    Ok(written)
}

/// Fills the ledger from the orders written before it existed, once: what
/// every start does after migrating. Returns whether it had to.
pub fn ensure_built(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<bool> {
    let built: i64 = ledger_built::table.count().get_result(conn)?;
    if built > 0 {
        return Ok(false);
    }
    rebuild(conn, now)?;
    Ok(true)
}
