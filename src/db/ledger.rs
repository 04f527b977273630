//! The settlement ledger (`ledger_entries`): what each order's history adds
//! to its vendor's statements, month by month, so that a statement costs
//! what its month holds rather than the vendor's whole history.
//!
//! Every step that changes an order's history (a purchase, a renewal, a
//! refund, billing stopped, a ticket completed or closed) calls `follow` in
//! its own transaction. `follow` asks the domain which lines the order's
//! history has decided for good (`domain::settlement::decided_lines`),
//! compares them with the entries already written, and writes the
//! difference as new entries: nothing is ever updated or deleted, a
//! correction takes a line back (`line_count` -1) or adjusts its sums.
//!
//! A month's lines (`month_lines`) are then its entries summed by line,
//! the hours of hourly subscriptions still running (their span is open, read
//! from the subscriptions), and the lines still waiting (a ticket not yet
//! completed, a five-day window still open), read from the few orders they
//! can be. The history-reading rules (`settlements::history`) stay as the
//! oracle: `check` compares the two, and the tests do on random histories.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{ledger_built, ledger_entries, orders, running_hourly, subscriptions, tickets};
use super::settlements::{IDS_PER_QUERY, billables, history};
use crate::domain::order::OrderType;
use crate::domain::product::{Billing, Kind};
use crate::domain::refund::FIVE_DAYS;
use crate::domain::settlement::{
    Billable, Line, LineKind, LineNote, Month, Totals, decided_lines, hours_in_month_so_far,
    month_lines as oracle_lines, open_span_lines, pending_lines, sort_lines, start_phase,
    totals_of,
};
use crate::domain::ticket::TicketState;

/// Later than any order: `follow` reads an order's whole history.
fn end_of_time() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(9999, 1, 1)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MAX)
}

/// Which line an entry belongs to: its month, kind, note, order and refund.
type LineKey = (i64, LineKind, LineNote, i64, Option<i64>);

/// A line's sums as its entries add up (or as it should be).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Sums {
    line_count: i32,
    hours: i64,
    paid_fen: i64,
    refunded_fen: i64,
    amount_fen: i64,
}

impl Sums {
    fn of(line: &Line) -> Sums {
        Sums {
            line_count: 1,
            hours: line.hours,
            paid_fen: line.paid_fen,
            refunded_fen: line.refunded_fen,
            amount_fen: line.amount_fen,
        }
    }

    fn minus(self, other: Sums) -> Sums {
        Sums {
            line_count: self.line_count - other.line_count,
            hours: self.hours - other.hours,
            paid_fen: self.paid_fen - other.paid_fen,
            refunded_fen: self.refunded_fen - other.refunded_fen,
            amount_fen: self.amount_fen - other.amount_fen,
        }
    }

    fn plus(self, other: Sums) -> Sums {
        self.minus(Sums::default().minus(other))
    }
}

/// An entry as read back.
#[derive(Queryable)]
struct EntryRow {
    source_order_id: i64,
    month: i64,
    kind: LineKind,
    note: LineNote,
    order_id: i64,
    refund_order_id: Option<i64>,
    line_count: i32,
    hours: i64,
    paid_fen: i64,
    refunded_fen: i64,
    amount_fen: i64,
    happened_at: NaiveDateTime,
}

macro_rules! entry_columns {
    () => {
        (
            ledger_entries::source_order_id,
            ledger_entries::month,
            ledger_entries::kind,
            ledger_entries::note,
            ledger_entries::order_id,
            ledger_entries::refund_order_id,
            ledger_entries::line_count,
            ledger_entries::hours,
            ledger_entries::paid_fen,
            ledger_entries::refunded_fen,
            ledger_entries::amount_fen,
            ledger_entries::happened_at,
        )
    };
}

impl EntryRow {
    fn key(&self) -> LineKey {
        (
            self.month,
            self.kind,
            self.note,
            self.order_id,
            self.refund_order_id,
        )
    }

    fn sums(&self) -> Sums {
        Sums {
            line_count: self.line_count,
            hours: self.hours,
            paid_fen: self.paid_fen,
            refunded_fen: self.refunded_fen,
            amount_fen: self.amount_fen,
        }
    }
}

/// An entry to write.
#[derive(Insertable)]
#[diesel(table_name = ledger_entries)]
struct NewEntry {
    vendor_id: i64,
    source_order_id: i64,
    month: i64,
    kind: LineKind,
    note: LineNote,
    order_id: i64,
    refund_order_id: Option<i64>,
    line_count: i32,
    hours: i64,
    paid_fen: i64,
    refunded_fen: i64,
    amount_fen: i64,
    happened_at: NaiveDateTime,
    recorded_at: NaiveDateTime,
}

/// Entries per insert statement: well under SQLite's bind limit (14 each).
const ENTRIES_PER_STATEMENT: usize = 2000;

/// Brings the ledger up to date with the histories of the orders `ids` (any
/// refund orders among them are skipped): writes what changed, nothing if
/// nothing did. Runs inside the caller's transaction.
pub fn follow(conn: &mut DbConn, ids: &[i64], now: NaiveDateTime) -> QueryResult<usize> {
    let mut written = 0;
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let orders = billables(conn, chunk, end_of_time())?;
        let vendors: HashMap<i64, i64> = orders::table
            .filter(orders::id.eq_any(chunk))
            .select((orders::id, orders::vendor_id))
            .load::<(i64, i64)>(conn)?
            .into_iter()
            .collect();
        let mut kept: HashMap<i64, HashMap<LineKey, (Sums, NaiveDateTime)>> = HashMap::new();
        let rows: Vec<EntryRow> = ledger_entries::table
            .filter(ledger_entries::source_order_id.eq_any(chunk))
            .select(entry_columns!())
            .load(conn)?;
        for row in rows {
            let line = kept
                .entry(row.source_order_id)
                .or_default()
                .entry(row.key())
                .or_insert((Sums::default(), row.happened_at));
            line.0 = line.0.plus(row.sums());
        }
        let mut entries = Vec::new();
        for order in &orders {
            let vendor_id = vendors.get(&order.order_id).copied().unwrap_or_default();
            let had = kept.remove(&order.order_id).unwrap_or_default();
            entries.extend(corrections(order, vendor_id, had, now));
        }
        for batch in entries.chunks(ENTRIES_PER_STATEMENT) {
            written += insert_entries(conn, batch)?;
        }
    }
    Ok(written)
}

/// The entries that bring what the ledger holds for `order` (`had`) to what
/// its history has decided.
fn corrections(
    order: &Billable,
    vendor_id: i64,
    mut had: HashMap<LineKey, (Sums, NaiveDateTime)>,
    now: NaiveDateTime,
) -> Vec<NewEntry> {
    let mut wanted: HashMap<LineKey, (Sums, NaiveDateTime)> = HashMap::new();
    for (month, line) in decided_lines(order) {
        let key = (
            month.number(),
            line.kind,
            line.note,
            line.order_id,
            line.refund_order_id,
        );
        wanted.insert(key, (Sums::of(&line), line.at));
    }
    let entry = |key: LineKey, sums: Sums, at: NaiveDateTime| NewEntry {
        vendor_id,
        source_order_id: order.order_id,
        month: key.0,
        kind: key.1,
        note: key.2,
        order_id: key.3,
        refund_order_id: key.4,
        line_count: sums.line_count,
        hours: sums.hours,
        paid_fen: sums.paid_fen,
        refunded_fen: sums.refunded_fen,
        amount_fen: sums.amount_fen,
        happened_at: at,
        recorded_at: now,
    };
    let mut out = Vec::new();
    for (key, (want, at)) in wanted {
        let have = had.remove(&key).map(|(sums, _)| sums).unwrap_or_default();
        let change = want.minus(have);
        if change != Sums::default() {
            out.push(entry(key, change, at));
        }
    }
    // Lines the history no longer holds are taken back.
    for (key, (have, at)) in had {
        if have != Sums::default() {
            out.push(entry(key, Sums::default().minus(have), at));
        }
    }
    out
}

fn insert_entries(conn: &mut DbConn, entries: &[NewEntry]) -> QueryResult<usize> {
    match conn {
        DbConn::Sqlite(lite) => diesel::insert_into(ledger_entries::table)
            .values(entries)
            .execute(lite),
        DbConn::Postgres(pg) => diesel::insert_into(ledger_entries::table)
            .values(entries)
            .execute(pg),
    }
}

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
        written += super::write_transaction(conn, |conn| follow(conn, &ids, now))?;
        from += ORDERS_PER_ROUND;
    }
    super::write_transaction(conn, |conn| {
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

/// The month's entries summed by line: the lines written before `until`
/// (a line still to come, like a five-day window closing later in the
/// month, is not one yet).
fn entry_lines(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
    until: NaiveDateTime,
) -> QueryResult<Vec<Line>> {
    let rows: Vec<EntryRow> = ledger_entries::table
        .filter(ledger_entries::vendor_id.eq(vendor_id))
        .filter(ledger_entries::month.eq(month.number()))
        .filter(ledger_entries::happened_at.lt(until))
        .select(entry_columns!())
        .load(conn)?;
    Ok(summed(rows))
}

/// Entries summed by line; lines taken back leave nothing.
fn summed(rows: Vec<EntryRow>) -> Vec<Line> {
    let mut lines: HashMap<LineKey, (Sums, NaiveDateTime)> = HashMap::new();
    for row in rows {
        let line = lines
            .entry(row.key())
            .or_insert((Sums::default(), row.happened_at));
        line.0 = line.0.plus(row.sums());
    }
    lines
        .into_iter()
        .filter(|(_, (sums, _))| sums.line_count > 0)
        .map(
            |((_, kind, note, order_id, refund_order_id), (sums, at))| Line {
                kind,
                order_id,
                refund_order_id,
                hours: sums.hours,
                paid_fen: sums.paid_fen,
                refunded_fen: sums.refunded_fen,
                amount_fen: sums.amount_fen,
                note,
                at,
            },
        )
        .collect()
}

/// The hours in the month up to `until` of the vendor's hourly
/// subscriptions still running (bulk-seeded hourly orders have no
/// subscription row and run from the order).
fn running_hours(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
    until: NaiveDateTime,
) -> QueryResult<Vec<Line>> {
    Ok(running(conn, Some(vendor_id), None, Some(until))?
        .iter()
        .flat_map(|order| open_span_lines(order, month, until))
        .collect())
}

/// Hourly purchases still running, of one vendor or all, bought from
/// `since` and before `until`, as the settlement rules take them.
fn running(
    conn: &mut DbConn,
    vendor_id: Option<i64>,
    since: Option<NaiveDateTime>,
    until: Option<NaiveDateTime>,
) -> QueryResult<Vec<Billable>> {
    type Running = (i64, NaiveDateTime, i64, Option<i64>, Option<NaiveDateTime>);
    let mut query = orders::table
        .left_join(subscriptions::table)
        .filter(orders::billing.eq(Billing::Hourly.as_str()))
        .filter(orders::order_type.eq(OrderType::Purchase.as_str()))
        .filter(subscriptions::stopped_at.is_null())
        .select((
            orders::id,
            orders::created_at,
            orders::unit_price_fen,
            orders::reorder_of,
            subscriptions::started_at.nullable(),
        ))
        .into_boxed();
    if let Some(vendor_id) = vendor_id {
        query = query.filter(orders::vendor_id.eq(vendor_id));
    }
    if let Some(since) = since {
        query = query.filter(orders::created_at.ge(since));
    }
    if let Some(until) = until {
        query = query.filter(orders::created_at.lt(until));
    }
    let rows: Vec<Running> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, created_at, unit_price_fen, reorder_of, started_at)| Billable {
                order_id: id,
                order_type: OrderType::Purchase,
                kind: Kind::Image,
                billing: Billing::Hourly,
                paid_at: created_at,
                amount_fen: 0,
                unit_price_fen,
                started_at: started_at.unwrap_or(created_at),
                stopped_at: None,
                ticket: None,
                refunds: Vec::new(),
                reorder_of,
            },
        )
        .collect())
}

/// The running hourly subscriptions `running_hourly` counts: not re-orders
/// (which bill nothing).
fn counted_as_running(order: &Billable) -> bool {
    order.billing == Billing::Hourly && order.stopped_at.is_none() && order.reorder_of.is_none()
}

/// Adds (`sign` 1) or takes off (-1) one running hourly subscription.
fn count_running(
    conn: &mut DbConn,
    vendor_id: i64,
    started_at: NaiveDateTime,
    price_fen: i64,
    sign: i64,
) -> QueryResult<()> {
    use diesel::upsert::excluded;
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
    if order.billing == Billing::Hourly && order.reorder_of.is_none() {
        count_running(
            conn,
            order.vendor_id,
            order.created_at,
            order.unit_price_fen,
            -1,
        )?;
    }
    Ok(())
}

/// Counts every running hourly subscription again from the orders.
fn recount_running(conn: &mut DbConn) -> QueryResult<()> {
    let vendors: HashMap<i64, i64> = orders::table
        .filter(orders::billing.eq(Billing::Hourly.as_str()))
        .select((orders::id, orders::vendor_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let mut by_phase: HashMap<(i64, i32), (i64, i64)> = HashMap::new();
    for order in running(conn, None, None, None)?
        .iter()
        .filter(|order| counted_as_running(order))
    {
        let vendor_id = vendors.get(&order.order_id).copied().unwrap_or_default();
        let sums = by_phase
            .entry((vendor_id, start_phase(order.started_at) as i32))
            .or_default();
        sums.0 += order.unit_price_fen;
        sums.1 += 1;
    }
    diesel::delete(running_hourly::table).execute(conn)?;
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
    use chrono::SubsecRound;
    let until = until.min(month.end());
    // The phases count in whole seconds; a statement's `until` (a month's
    // end) is one, and for the month so far an hour starting within the
    // last fraction of a second shows a second later.
    let whole_until = until.trunc_subsecs(0);
    let entries: Vec<i64> = ledger_entries::table
        .filter(ledger_entries::vendor_id.eq(vendor_id))
        .filter(ledger_entries::month.eq(month.number()))
        .filter(ledger_entries::happened_at.lt(until))
        .select(ledger_entries::amount_fen)
        .load(conn)?;
    let by_phase: Vec<(i32, i64)> = running_hourly::table
        .filter(running_hourly::vendor_id.eq(vendor_id))
        .select((running_hourly::phase, running_hourly::price_fen))
        .load(conn)?;
    let mut hourly: i64 = by_phase
        .iter()
        .map(|(phase, price_fen)| {
            price_fen * hours_in_month_so_far(i64::from(*phase), month, whole_until)
        })
        .sum();
    // Those that started in the month (or after) were counted as if they had
    // run from before it: their own hours instead.
    for order in running(conn, Some(vendor_id), Some(month.start()), None)?
        .iter()
        .filter(|order| counted_as_running(order))
    {
        hourly -= order.unit_price_fen
            * hours_in_month_so_far(start_phase(order.started_at), month, whole_until);
        hourly += open_span_lines(order, month, whole_until)
            .iter()
            .map(|line| line.amount_fen)
            .sum::<i64>();
    }
    Ok(totals_of(entries.iter().sum::<i64>() + hourly, fee_bps))
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

/// A line that the ledger and the history-reading rules disagree on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub vendor_id: i64,
    /// The line as the history has it, and as the ledger does.
    pub history: Option<Line>,
    pub ledger: Option<Line>,
}

/// Compares the ledger's lines of `month` with those the history gives, for
/// every vendor with orders; every line they do not share.
pub fn check(conn: &mut DbConn, month: Month, now: NaiveDateTime) -> QueryResult<Vec<Difference>> {
    let until = now.min(month.end());
    let vendors: Vec<i64> = orders::table
        .filter(orders::created_at.lt(until))
        .select(orders::vendor_id)
        .distinct()
        .load(conn)?;
    let mut differences = Vec::new();
    for vendor_id in vendors {
        let from_history = oracle_lines(&history(conn, vendor_id, month, until)?, month, until);
        let from_ledger = month_lines(conn, vendor_id, month, until)?;
        differences.extend(compare(vendor_id, from_history, from_ledger));
    }
    Ok(differences)
}

/// The lines each list holds more often than the other.
fn compare(vendor_id: i64, history: Vec<Line>, ledger: Vec<Line>) -> Vec<Difference> {
    let mut balance: HashMap<Line, i64> = HashMap::new();
    for line in history {
        *balance.entry(line).or_default() += 1;
    }
    for line in ledger {
        *balance.entry(line).or_default() -= 1;
    }
    let mut differences = Vec::new();
    for (line, surplus) in balance {
        for _ in 0..surplus.unsigned_abs() {
            differences.push(Difference {
                vendor_id,
                history: (surplus > 0).then(|| line.clone()),
                ledger: (surplus < 0).then(|| line.clone()),
            });
        }
    }
    differences
}
