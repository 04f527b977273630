//! Hourly subscriptions still running: one by one (`hourly_running`), for
//! their open spans, and counted by the second of the hour they start at
//! (`running_hourly`), from which the month so far is summed without reading
//! its lines. A purchase adds to both, a stop takes off both, a rebuild
//! counts both again from the orders.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::entries::ENTRIES_PER_STATEMENT;
use crate::db::DbConn;
use crate::db::schema::{hourly_running, ledger_entries, orders, running_hourly, subscriptions};
use crate::domain::order::OrderType;
use crate::domain::product::{Billing, Kind};
use crate::domain::settlement::{
    Billable, Line, LineKind, LineNote, Month, MonthSoFar, Totals, hours_in_month_so_far,
    open_span_lines, start_phase, totals_of,
};
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};

/// The hours in the month up to `until` of the vendor's hourly
/// subscriptions still running that started at `from` or later (all of
/// them without `from`).
pub(super) fn running_hours(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
    from: Option<NaiveDateTime>,
    until: NaiveDateTime,
) -> QueryResult<Vec<Line>> {
    let mut spans = hourly_running::table
        .filter(hourly_running::vendor_id.eq(vendor_id))
        .filter(hourly_running::started_at.lt(until))
        .select(SPAN)
        .into_boxed();
    if let Some(from) = from {
        spans = spans.filter(hourly_running::started_at.ge(from));
    }
    Ok(lines_of(spans.load(conn)?, month, until))
}

/// The vendor's hourly subscriptions that started before an ended month
/// and still run: each bills every hour of it, so a statement adds them up
/// and copies their lines inside the database (`copy_running_lines`)
/// rather than reading them one by one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, QueryableByName)]
pub(super) struct RunningThrough {
    #[diesel(sql_type = BigInt)]
    pub count: i64,
    #[diesel(sql_type = BigInt)]
    pub price_fen: i64,
}

/// One query's text for both databases: written with PostgreSQL's `$n`
/// parameters, which SQLite reads as `?n` (the queries here hold no other
/// `$`).
macro_rules! on_either {
    ($conn:expr, $sql:expr, |$query:ident, $db:ident| $run:expr) => {
        match $conn {
            DbConn::Sqlite($db) => {
                let $query = diesel::sql_query($sql.replace('$', "?"));
                $run
            }
            DbConn::Postgres($db) => {
                let $query = diesel::sql_query($sql);
                $run
            }
        }
    };
}

pub(super) fn running_through(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
) -> QueryResult<RunningThrough> {
    let sql = "SELECT COUNT(*) AS count, CAST(COALESCE(SUM(unit_price_fen), 0) AS BIGINT) \
               AS price_fen FROM hourly_running WHERE vendor_id = $1 AND started_at < $2";
    on_either!(conn, sql, |query, db| query
        .bind::<BigInt, _>(vendor_id)
        .bind::<Timestamp, _>(month.start())
        .get_result(db))
}

/// Where a running subscription's line falls among a month's hourly lines,
/// which are in time order: (seconds after the month's start, order).
pub(super) type RunningKey = (i32, i64);

/// Writes the lines of `statement_id` for the running subscriptions that
/// started before its ended `month` with keys in `[from, to)`, in statement
/// order: every hour of the month at the unit price, the first at the
/// month's start plus the subscription's phase (`first_hour_from`).
/// Returns how many it wrote.
pub(super) fn copy_running_lines(
    conn: &mut DbConn,
    statement_id: i64,
    vendor_id: i64,
    month: Month,
    (from, to): (RunningKey, RunningKey),
) -> QueryResult<usize> {
    let first_hour = match conn {
        DbConn::Sqlite(_) => "datetime($3, '+' || hour_offset || ' seconds')",
        DbConn::Postgres(_) => "$3 + make_interval(secs => hour_offset)",
    };
    let sql = format!(
        "INSERT INTO statement_lines (statement_id, kind, order_id, refund_order_id, bill_part, \
         hours, paid_fen, refunded_fen, amount_fen, note, happened_at) \
         SELECT $1, $10, order_id, NULL, $2, $4, $4 * unit_price_fen, 0, $4 * unit_price_fen, \
         $11, {first_hour} FROM hourly_running \
         WHERE vendor_id = $5 AND started_at < $3 \
         AND (hour_offset, order_id) >= ($6, $7) AND (hour_offset, order_id) < ($8, $9) \
         ORDER BY hour_offset, order_id"
    );
    let hours = month.hours();
    on_either!(conn, sql, |query, db| query
        .bind::<BigInt, _>(statement_id)
        .bind::<BigInt, _>(month.number())
        .bind::<Timestamp, _>(month.start())
        .bind::<BigInt, _>(hours)
        .bind::<BigInt, _>(vendor_id)
        .bind::<Integer, _>(from.0)
        .bind::<BigInt, _>(from.1)
        .bind::<Integer, _>(to.0)
        .bind::<BigInt, _>(to.1)
        .bind::<Text, _>(LineKind::Hourly.as_str())
        .bind::<Text, _>(LineNote::None.as_str())
        .execute(db))
}

/// One running subscription as kept: its order, start and price.
type Span = (i64, NaiveDateTime, i64);

const SPAN: (
    hourly_running::order_id,
    hourly_running::started_at,
    hourly_running::unit_price_fen,
) = (
    hourly_running::order_id,
    hourly_running::started_at,
    hourly_running::unit_price_fen,
);

/// A running subscription as the settlement rules take it.
fn span_order((order_id, started_at, unit_price_fen): Span) -> Billable {
    Billable {
        order_id,
        order_type: OrderType::Purchase,
        kind: Kind::Image,
        billing: Billing::Hourly,
        paid_at: started_at,
        amount_fen: 0,
        unit_price_fen,
        started_at,
        stopped_at: None,
        ticket: None,
        refunds: Vec::new(),
        reorder_of: None,
    }
}

fn lines_of(spans: Vec<Span>, month: Month, until: NaiveDateTime) -> Vec<Line> {
    spans
        .into_iter()
        .flat_map(|span| open_span_lines(&span_order(span), month, until))
        .collect()
}

/// The first `count` hourly lines of the month up to `until` of the
/// vendor's running subscriptions that started before it, in the order a
/// statement lists them (their hours start at the lowest offsets into the
/// hour first), read from the index: what a preview shows of them.
pub(super) fn first_running_lines(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
    until: NaiveDateTime,
    count: usize,
) -> QueryResult<Vec<Line>> {
    let spans = hourly_running::table
        .filter(hourly_running::vendor_id.eq(vendor_id))
        .filter(hourly_running::started_at.lt(month.start()))
        .order((hourly_running::hour_offset, hourly_running::order_id))
        .limit(count as i64)
        .select(SPAN)
        .load(conn)?;
    Ok(lines_of(spans, month, until))
}

/// The vendor's running hourly subscriptions in `month` up to `until`,
/// without reading those that started before it one by one.
pub(super) struct RunningSoFar {
    /// How many of those that started before the month have billed an hour
    /// yet, and what their hours come to (from their count by phase).
    pub before_count: i64,
    pub before_subtotal_fen: i64,
    /// The lines of those that started in the month (or since), read one by one.
    pub since: Vec<Line>,
}

pub(super) fn running_so_far(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
    until: NaiveDateTime,
) -> QueryResult<RunningSoFar> {
    use chrono::SubsecRound;
    // The phases count in whole seconds; a statement's `until` (a month's
    // end) is one, and for the month so far an hour starting within the
    // last fraction of a second shows a second later.
    let whole_until = until.trunc_subsecs(0);
    let so_far = MonthSoFar::of(month, whole_until);
    let phases = phase_sums(conn, vendor_id, so_far.part_seconds)?;
    let (mut before_count, mut before_subtotal_fen) = (
        if so_far.whole_hours > 0 {
            phases.count
        } else {
            phases.count_in_part
        },
        so_far.whole_hours * phases.price_fen + phases.price_fen_in_part,
    );
    let mut count_in = |phase: i64, price_fen: i64, subscriptions: i64| {
        let hours = hours_in_month_so_far(phase, month, whole_until);
        if hours > 0 {
            before_count += subscriptions;
            before_subtotal_fen += price_fen * hours;
        }
    };
    // Those that started in the month were counted by phase as if they had
    // run from before it: taken off, and their own lines read instead.
    let spans: Vec<Span> = hourly_running::table
        .filter(hourly_running::vendor_id.eq(vendor_id))
        .filter(hourly_running::started_at.ge(month.start()))
        .select(SPAN)
        .load(conn)?;
    for (_, started_at, unit_price_fen) in &spans {
        count_in(start_phase(*started_at), -unit_price_fen, -1);
    }
    Ok(RunningSoFar {
        before_count,
        before_subtotal_fen,
        since: lines_of(spans, month, whole_until),
    })
}

/// The vendor's running subscriptions summed over their phases (`count`,
/// `price_fen`), and over those whose phase is below `part_seconds` (the
/// ones billing an hour more in the month so far; `MonthSoFar`).
#[derive(Debug, Clone, Copy, QueryableByName)]
struct PhaseSums {
    #[diesel(sql_type = BigInt)]
    count: i64,
    #[diesel(sql_type = BigInt)]
    price_fen: i64,
    #[diesel(sql_type = BigInt)]
    count_in_part: i64,
    #[diesel(sql_type = BigInt)]
    price_fen_in_part: i64,
}

fn phase_sums(conn: &mut DbConn, vendor_id: i64, part_seconds: i64) -> QueryResult<PhaseSums> {
    let sql = "SELECT CAST(COALESCE(SUM(subscriptions), 0) AS BIGINT) AS count, \
               CAST(COALESCE(SUM(price_fen), 0) AS BIGINT) AS price_fen, \
               CAST(COALESCE(SUM(CASE WHEN phase < $2 THEN subscriptions ELSE 0 END), 0) AS BIGINT) \
               AS count_in_part, \
               CAST(COALESCE(SUM(CASE WHEN phase < $2 THEN price_fen ELSE 0 END), 0) AS BIGINT) \
               AS price_fen_in_part \
               FROM running_hourly WHERE vendor_id = $1";
    on_either!(conn, sql, |query, db| query
        .bind::<BigInt, _>(vendor_id)
        .bind::<BigInt, _>(part_seconds)
        .get_result(db))
}

/// Seconds after the top of an hour that a subscription's hours start: in
/// every month, its first line's time is the month's start plus this.
fn hour_offset(started_at: NaiveDateTime) -> i32 {
    start_phase(started_at) as i32
}

/// Every hourly purchase still running that `hourly_running` counts (not a
/// re-order, which bills nothing): (order, vendor, start, unit price).
/// Bulk-seeded hourly orders have no subscription row and run from the order.
fn all_running(conn: &mut DbConn) -> QueryResult<Vec<(i64, i64, NaiveDateTime, i64)>> {
    let rows: Vec<(i64, i64, NaiveDateTime, i64, Option<NaiveDateTime>)> = orders::table
        .left_join(subscriptions::table)
        .filter(orders::billing.eq(Billing::Hourly.as_str()))
        .filter(orders::order_type.eq(OrderType::Purchase.as_str()))
        .filter(orders::reorder_of.is_null())
        .filter(subscriptions::stopped_at.is_null())
        .select((
            orders::id,
            orders::vendor_id,
            orders::created_at,
            orders::unit_price_fen,
            subscriptions::started_at.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, vendor_id, created_at, price_fen, started_at)| {
            (id, vendor_id, started_at.unwrap_or(created_at), price_fen)
        })
        .collect())
}

/// Adds (`sign` 1) or takes off (-1) one running hourly subscription.
fn count_running(
    conn: &mut DbConn,
    order_id: i64,
    vendor_id: i64,
    started_at: NaiveDateTime,
    price_fen: i64,
    sign: i64,
) -> QueryResult<()> {
    use diesel::upsert::excluded;
    if sign > 0 {
        diesel::insert_into(hourly_running::table)
            .values((
                hourly_running::order_id.eq(order_id),
                hourly_running::vendor_id.eq(vendor_id),
                hourly_running::started_at.eq(started_at),
                hourly_running::unit_price_fen.eq(price_fen),
                hourly_running::hour_offset.eq(hour_offset(started_at)),
            ))
            .execute(conn)?;
    } else {
        diesel::delete(hourly_running::table.find(order_id)).execute(conn)?;
    }
    let row = (
        running_hourly::vendor_id.eq(vendor_id),
        running_hourly::phase.eq(start_phase(started_at) as i32),
        running_hourly::price_fen.eq(sign * price_fen),
        running_hourly::subscriptions.eq(sign),
    );
    let added = (
        running_hourly::price_fen
            .eq(running_hourly::price_fen + excluded(running_hourly::price_fen)),
        running_hourly::subscriptions
            .eq(running_hourly::subscriptions + excluded(running_hourly::subscriptions)),
    );
    match conn {
        DbConn::Sqlite(lite) => diesel::insert_into(running_hourly::table)
            .values(row)
            .on_conflict((running_hourly::vendor_id, running_hourly::phase))
            .do_update()
            .set(added)
            .execute(lite)?,
        DbConn::Postgres(pg) => diesel::insert_into(running_hourly::table)
            .values(row)
            .on_conflict((running_hourly::vendor_id, running_hourly::phase))
            .do_update()
            .set(added)
            .execute(pg)?,
    };
    Ok(())
}

/// An hourly purchase starts to run: counted with its vendor's running ones.
pub fn hourly_started(conn: &mut DbConn, order: &crate::db::orders::Order) -> QueryResult<()> {
    if order.billing == Billing::Hourly && order.reorder_of.is_none() {
        count_running(
            conn,
            order.id,
            order.vendor_id,
            order.created_at,
            order.unit_price_fen,
            1,
        )?;
    }
    Ok(())
}

/// An hourly subscription stops: no longer counted (its hours are entries
/// now). Its hours started when it was bought.
pub fn hourly_stopped(conn: &mut DbConn, order: &crate::db::orders::Order) -> QueryResult<()> {
    // A bulk-seeded order has no subscription to stop: its span stays open
    // everywhere (the history too), so it stays counted.
    if order.billing == Billing::Hourly
        && order.reorder_of.is_none()
        && order.subscription_id.is_some()
    {
        count_running(
            conn,
            order.id,
            order.vendor_id,
            order.created_at,
            order.unit_price_fen,
            -1,
        )?;
    }
    Ok(())
}

/// Counts every running hourly subscription again from the orders.
pub(super) fn recount_running(conn: &mut DbConn) -> QueryResult<()> {
    // A purchase or stop counting itself meanwhile waits for the recount, and
    // then counts on top of it.
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query("LOCK TABLE running_hourly, hourly_running IN EXCLUSIVE MODE")
            .execute(pg)?;
    }
    let mut by_phase: HashMap<(i64, i32), (i64, i64)> = HashMap::new();
    let mut one_by_one = Vec::new();
    for (order_id, vendor_id, started_at, price_fen) in all_running(conn)? {
        one_by_one.push((
            hourly_running::order_id.eq(order_id),
            hourly_running::vendor_id.eq(vendor_id),
            hourly_running::started_at.eq(started_at),
            hourly_running::unit_price_fen.eq(price_fen),
            hourly_running::hour_offset.eq(hour_offset(started_at)),
        ));
        let sums = by_phase
            .entry((vendor_id, start_phase(started_at) as i32))
            .or_default();
        sums.0 += price_fen;
        sums.1 += 1;
    }
    diesel::delete(running_hourly::table).execute(conn)?;
    diesel::delete(hourly_running::table).execute(conn)?;
    for chunk in one_by_one.chunks(ENTRIES_PER_STATEMENT) {
        match conn {
            DbConn::Sqlite(lite) => diesel::insert_into(hourly_running::table)
                .values(chunk)
                .execute(lite)?,
            DbConn::Postgres(pg) => diesel::insert_into(hourly_running::table)
                .values(chunk)
                .execute(pg)?,
        };
    }
    let rows: Vec<_> = by_phase
        .into_iter()
        .map(|((vendor_id, phase), (price_fen, count))| {
            (
                running_hourly::vendor_id.eq(vendor_id),
                running_hourly::phase.eq(phase),
                running_hourly::price_fen.eq(price_fen),
                running_hourly::subscriptions.eq(count),
            )
        })
        .collect();
    for chunk in rows.chunks(ENTRIES_PER_STATEMENT) {
        match conn {
            DbConn::Sqlite(lite) => diesel::insert_into(running_hourly::table)
                .values(chunk)
                .execute(lite)?,
            DbConn::Postgres(pg) => diesel::insert_into(running_hourly::table)
                .values(chunk)
                .execute(pg)?,
        };
    }
    Ok(())
}

/// The vendor's totals of `month` up to `until` without reading its lines:
/// the month's entries, and the running hourly subscriptions from their
/// count by phase (those bought in the month itself one by one). What the
/// overview shows; the same sums as `totals(month_lines(..))`.
pub fn month_totals(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
    until: NaiveDateTime,
    fee_bps: i32,
) -> QueryResult<Totals> {
    let until = until.min(month.end());
    let entries: Vec<i64> = ledger_entries::table
        .filter(ledger_entries::vendor_id.eq(vendor_id))
        .filter(ledger_entries::month.eq(month.number()))
        .filter(ledger_entries::happened_at.lt(until))
        .select(ledger_entries::amount_fen)
        .load(conn)?;
    let running = running_so_far(conn, vendor_id, month, until)?;
    let hourly =
        running.before_subtotal_fen + running.since.iter().map(|l| l.amount_fen).sum::<i64>();
    Ok(totals_of(entries.iter().sum::<i64>() + hourly, fee_bps))
}
