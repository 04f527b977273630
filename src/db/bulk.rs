//! Batch inserts for the benchmark seeder. Diesel's multi-row insert does not
//! compile through the MultiConnection enum, so the one body runs on the inner
//! connection of either backend.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{accounts, orders, statement_lines, tickets};
use crate::domain::order::{OrderStatus, OrderType};
use crate::domain::product::{Billing, Kind};
use crate::domain::refund::RefundKind;
use crate::domain::ticket::{Template, TicketState};

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
    pub order_type: OrderType,
    pub status: OrderStatus,
    pub product_id: i64,
    pub product_kind: Kind,
    pub product_name: String,
    pub vendor_id: i64,
    pub buyer_id: i64,
    pub buyer_uin: i64,
    pub related_order_id: Option<i64>,
    pub plan_name: String,
    pub billing: Billing,
    pub months: Option<i32>,
    pub unit_price_fen: i64,
    pub amount_fen: i64,
    pub refunded_fen: i64,
    pub created_at: NaiveDateTime,
    pub refund_kind: Option<RefundKind>,
}

/// A service ticket for a bulk service or license order.
#[derive(Insertable, Clone)]
#[diesel(table_name = tickets)]
pub struct TicketRow {
    pub order_id: i64,
    pub template: Template,
    pub state: TicketState,
    pub buyer_id: i64,
    pub vendor_id: i64,
    pub state_since: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// A statement line as stored.
#[derive(Insertable)]
#[diesel(table_name = statement_lines)]
pub struct StatementLineRow {
    pub statement_id: i64,
    pub kind: &'static str,
    pub order_id: i64,
    pub refund_order_id: Option<i64>,
    pub bill_part: Option<i64>,
    pub hours: i64,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    pub amount_fen: i64,
    pub note: &'static str,
    pub happened_at: NaiveDateTime,
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

pub fn insert_tickets(conn: &mut DbConn, rows: &[TicketRow]) -> QueryResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        on_inner!(conn, |inner| diesel::insert_into(tickets::table)
            .values(chunk)
            .execute(inner))?;
    }
    Ok(())
}

/// A statement's lines, many rows per statement (a month of hourly use is
/// thousands of lines). PostgreSQL takes them as one array per column through
/// `UNNEST`: one statement to parse and plan instead of a thousand-row VALUES
/// list each time, which halved the time of a month's settlement.
pub fn insert_statement_lines(conn: &mut DbConn, rows: &[StatementLineRow]) -> QueryResult<()> {
    match conn {
        DbConn::Postgres(pg) => {
            for chunk in rows.chunks(ARRAY_ROWS_PER_STATEMENT) {
                insert_statement_lines_unnest(pg, chunk)?;
            }
        }
        DbConn::Sqlite(lite) => {
            for chunk in rows.chunks(LINES_PER_VALUES_LIST) {
                insert_statement_lines_values(lite, chunk)?;
            }
        }
    }
    Ok(())
}

/// Lines per SQLite `VALUES` list: 11 parameters each, under SQLite's 32,766.
const LINES_PER_VALUES_LIST: usize = 500;

/// SQLite: a `VALUES` list written as one string per chunk and its
/// parameters bound in a loop. Diesel's multi-row insert builds the
/// statement column by column for every row, which took a third of a
/// month's settlement.
fn insert_statement_lines_values(
    lite: &mut diesel::SqliteConnection,
    rows: &[StatementLineRow],
) -> QueryResult<()> {
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
    if rows.is_empty() {
        return Ok(());
    }
    let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; rows.len()].join(", ");
    let mut query = diesel::sql_query(format!(
        "INSERT INTO statement_lines (statement_id, kind, order_id, refund_order_id, bill_part, \
         hours, paid_fen, refunded_fen, amount_fen, note, happened_at) VALUES {values}"
    ))
    .into_boxed::<diesel::sqlite::Sqlite>();
    for row in rows {
        query = query
            .bind::<BigInt, _>(row.statement_id)
            .bind::<Text, _>(row.kind)
            .bind::<BigInt, _>(row.order_id)
            .bind::<Nullable<BigInt>, _>(row.refund_order_id)
            .bind::<Nullable<BigInt>, _>(row.bill_part)
            .bind::<BigInt, _>(row.hours)
            .bind::<BigInt, _>(row.paid_fen)
            .bind::<BigInt, _>(row.refunded_fen)
            .bind::<BigInt, _>(row.amount_fen)
            .bind::<Text, _>(row.note)
            .bind::<Timestamp, _>(row.happened_at);
    }
    query.execute(lite)?;
    Ok(())
}

/// Rows per `UNNEST` insert: the arrays are single parameters, so only memory bounds it.
const ARRAY_ROWS_PER_STATEMENT: usize = 20_000;

fn insert_statement_lines_unnest(
    pg: &mut diesel::PgConnection,
    rows: &[StatementLineRow],
) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamp};
    let column = |pick: fn(&StatementLineRow) -> i64| rows.iter().map(pick).collect::<Vec<_>>();
    diesel::sql_query(
        "INSERT INTO statement_lines (statement_id, kind, order_id, refund_order_id, bill_part, \
         hours, paid_fen, refunded_fen, amount_fen, note, happened_at) \
         SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], \
         $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[], $11::timestamp[])",
    )
    .bind::<Array<BigInt>, _>(column(|r| r.statement_id))
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.kind).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(column(|r| r.order_id))
    .bind::<Array<Nullable<BigInt>>, _>(rows.iter().map(|r| r.refund_order_id).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(rows.iter().map(|r| r.bill_part).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(column(|r| r.hours))
    .bind::<Array<BigInt>, _>(column(|r| r.paid_fen))
    .bind::<Array<BigInt>, _>(column(|r| r.refunded_fen))
    .bind::<Array<BigInt>, _>(column(|r| r.amount_fen))
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.note).collect::<Vec<_>>())
    .bind::<Array<Timestamp>, _>(rows.iter().map(|r| r.happened_at).collect::<Vec<_>>())
    .execute(pg)?;
    Ok(())
}

/// A bulk load does not wait for the disk at each commit and (SQLite) keeps
/// more pages in memory: if it stops halfway the database is thrown away and
/// seeded again (the seeder refuses a database that has orders).
pub fn bulk_load_mode(conn: &mut DbConn) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConn::Sqlite(lite) => {
            lite.batch_execute("PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;")
        }
        DbConn::Postgres(pg) => pg.batch_execute("SET synchronous_commit = off"),
    }
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
