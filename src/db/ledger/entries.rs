//! Writing an order's entries from its history (`follow`), and summing a
//! month's entries into lines.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{ledger_entries, orders};
use crate::db::settlements::{IDS_PER_QUERY, billables};
use crate::domain::settlement::{
    Billable, Line, LineKind, LineNote, Month, as_counted, decided_lines,
};

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
        Sums {
            line_count: self.line_count + other.line_count,
            hours: self.hours + other.hours,
            paid_fen: self.paid_fen + other.paid_fen,
            refunded_fen: self.refunded_fen + other.refunded_fen,
            amount_fen: self.amount_fen + other.amount_fen,
        }
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
pub(super) const ENTRIES_PER_STATEMENT: usize = 2000;

/// Brings the ledger up to date with the histories of the orders `ids` (any
/// refund orders among them are skipped): writes what changed, nothing if
/// nothing did. Runs inside the caller's transaction.
pub fn follow(conn: &mut DbConn, ids: &[i64], now: NaiveDateTime) -> QueryResult<usize> {
    let mut written = 0;
    for chunk in ids.chunks(IDS_PER_QUERY) {
        // Two steps on one order at once (a ticket accepted while a refund is
        // granted) touch different rows; on PostgreSQL each would read the
        // other's history as it was and write an entry that misses it. The
        // order rows are locked first, so the second reads what the first
        // committed (a refund already holds its order's row). Not `FOR
        // UPDATE`: refund orders being written hold a key-share lock on the
        // order they refund, and that would deadlock. SQLite has one writer
        // at a time.
        let vendors_of = orders::table
            .filter(orders::id.eq_any(chunk))
            .select((orders::id, orders::vendor_id));
        let vendors: HashMap<i64, i64> = match conn {
            DbConn::Postgres(pg) => vendors_of.for_no_key_update().load(pg)?,
            DbConn::Sqlite(lite) => vendors_of.load(lite)?,
        }
        .into_iter()
        .collect();
        let orders = billables(conn, chunk, end_of_time())?;
        let mut rows_of: HashMap<i64, Vec<EntryRow>> = HashMap::new();
        let rows: Vec<EntryRow> = ledger_entries::table
            .filter(ledger_entries::source_order_id.eq_any(chunk))
            .select(entry_columns!())
            .load(conn)?;
        for row in rows {
            rows_of.entry(row.source_order_id).or_default().push(row);
        }
        let mut entries = Vec::new();
        for order in &orders {
            let vendor_id = vendors.get(&order.order_id).copied().unwrap_or_default();
            let had = added_up(rows_of.remove(&order.order_id).unwrap_or_default());
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

/// The month's entries summed by line: the lines written before `until`
/// (a line still to come, like a five-day window closing later in the
/// month, is not one yet).
pub(super) fn entry_lines(
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

/// Entries added up by line, each with the time it falls.
fn added_up(rows: Vec<EntryRow>) -> HashMap<LineKey, (Sums, NaiveDateTime)> {
    let mut lines: HashMap<LineKey, (Sums, NaiveDateTime)> = HashMap::new();
    for row in rows {
        let line = lines
            .entry(row.key())
            .or_insert((Sums::default(), row.happened_at));
        line.0 = line.0.plus(row.sums());
    }
    lines
}

/// Entries summed by line; lines taken back leave nothing.
fn summed(rows: Vec<EntryRow>) -> Vec<Line> {
    added_up(rows)
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
                // Spans closed before hours were counted from whole seconds
                // kept the exact start.
                at: if kind == LineKind::Hourly {
                    as_counted(at)
                } else {
                    at
                },
            },
        )
        .collect()
}
