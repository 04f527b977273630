//! Batch inserts for the benchmark seeder. Diesel's multi-row insert does not
//! compile through the MultiConnection enum, so the one body runs on the inner
//! connection of either backend.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{accounts, orders, statement_lines};

/// An account row for bulk creation (one shared password hash).
#[derive(Insertable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub uin: i64,
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
}

/// An order row for bulk creation.
#[derive(Insertable, Clone)]
#[diesel(table_name = orders)]
pub struct OrderRow {
    /// Given explicitly so refunds and renewals can name their purchase in the same batch.
    pub id: i64,
    pub order_no: String,
    pub order_type: String,
    pub status: String,
    pub product_id: i64,
    pub product_kind: String,
    pub product_name: String,
    pub vendor_id: i64,
    pub buyer_id: i64,
    pub buyer_uin: i64,
    pub related_order_id: Option<i64>,
    pub plan_name: String,
    pub billing: String,
    pub months: Option<i32>,
    pub unit_price_fen: i64,
    pub amount_fen: i64,
    pub refunded_fen: i64,
    pub created_at: NaiveDateTime,
    pub refund_kind: Option<String>,
}

/// A statement line as stored.
#[derive(Insertable)]
#[diesel(table_name = statement_lines)]
pub struct StatementLineRow {
    pub statement_id: i64,
    pub kind: &'static str,
    pub order_id: i64,
    pub refund_order_id: Option<i64>,
    pub bill_key: Option<String>,
    pub hours: i64,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    pub amount_fen: i64,
    pub note: &'static str,
    pub happened_at: NaiveDateTime,
}

/// Runs the same body on the inner SQLite or PostgreSQL connection.
macro_rules! on_inner {
    ($conn:expr, |$inner:ident| $body:expr) => {
        match $conn {
            DbConn::Sqlite($inner) => $body,
            DbConn::Postgres($inner) => $body,
        }
    };
}

/// Rows per statement: well under both backends' bind-parameter limits.
const ROWS_PER_STATEMENT: usize = 1000;

pub fn insert_accounts(conn: &mut DbConn, rows: &[AccountRow]) -> QueryResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        on_inner!(conn, |inner| diesel::insert_into(accounts::table)
            .values(chunk)
            .execute(inner))?;
    }
    Ok(())
}

pub fn insert_orders(conn: &mut DbConn, rows: &[OrderRow]) -> QueryResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        on_inner!(conn, |inner| diesel::insert_into(orders::table)
            .values(chunk)
            .execute(inner))?;
    }
    Ok(())
}

/// A statement's lines, many rows per statement (a month of hourly use is
/// thousands of lines).
pub fn insert_statement_lines(conn: &mut DbConn, rows: &[StatementLineRow]) -> QueryResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        on_inner!(conn, |inner| diesel::insert_into(statement_lines::table)
            .values(chunk)
            .execute(inner))?;
    }
    Ok(())
}

/// The highest order id so far (0 when empty).
pub fn max_order_id(conn: &mut DbConn) -> QueryResult<i64> {
    orders::table
        .select(diesel::dsl::max(orders::id))
        .first::<Option<i64>>(conn)
        .map(|max| max.unwrap_or(0))
}

/// After explicit ids, PostgreSQL's identity must continue past them.
pub fn resync_order_ids(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query(
            "SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT MAX(id) FROM orders))",
        )
        .execute(pg)?;
    }
    Ok(())
}

/// Fresh statistics after a bulk load, so both planners pick the list indexes.
pub fn analyze(conn: &mut DbConn) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute("ANALYZE")
}
