//! Generating statements once: the unique constraints on `statements
//! (vendor_id, month)` and `statement_lines (bill_part, order_id)` hold even
//! if two generators race.

use crate::domain::refusal::Refusal;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::read::find_for_vendor;
use crate::db::effects::{self, Happened};
use crate::db::ledger;
use crate::db::notify::Parties;
use crate::db::schema::{accounts, orders, statements};
use crate::db::{DbConn, Pool, StoreError, write_transaction};
use crate::domain::notice::{Event, Subject};
use crate::domain::settlement::{Month, payable};

/// What happened when a month was settled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SettleReport {
    pub generated: usize,
    pub already: usize,
}

impl SettleReport {
    fn plus(self, other: SettleReport) -> SettleReport {
        SettleReport {
            generated: self.generated + other.generated,
            already: self.already + other.already,
        }
    }
}

/// Makes every vendor's statement for an ended month; those already made are
/// left as they are. Safe to run twice at once or on two servers.
pub fn settle_month(
    conn: &mut DbConn,
    month: Month,
    now: NaiveDateTime,
) -> Result<SettleReport, StoreError> {
    let (todo, made) = still_to_make(conn, month, now)?;
    let mine = make_statements(conn, &todo, &AtomicUsize::new(0), month, now)?;
    Ok(made.plus(mine))
}

/// Takes vendors off `todo` (shared by the workers through `next`) and makes
/// their statements until none is left.
fn make_statements(
    conn: &mut DbConn,
    todo: &[(i64, i32)],
    next: &AtomicUsize,
    month: Month,
    now: NaiveDateTime,
) -> Result<SettleReport, StoreError> {
    let mut mine = SettleReport::default();
    while let Some(&(vendor_id, fee_bps)) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
        if generate(conn, vendor_id, fee_bps, month, now)? {
            mine.generated += 1;
        } else {
            mine.already += 1;
        }
    }
    Ok(mine)
}

/// `settle_month` with `workers` connections of the pool making statements
/// side by side: PostgreSQL runs each on a core of its own (SQLite takes the
/// writers one at a time, so one worker is as fast there).
pub fn settle_month_on(
    pool: &Pool,
    month: Month,
    now: NaiveDateTime,
    workers: usize,
) -> Result<SettleReport, StoreError> {
    let mut conn = pool.get().map_err(|e| StoreError::Pool(e.to_string()))?;
    let (todo, report) = still_to_make(&mut conn, month, now)?;
    // A second SQLite writer would only wait for the first.
    let workers = if matches!(*conn, DbConn::Sqlite(_)) {
        1
    } else {
        workers
    };
    drop(conn);
    let next = AtomicUsize::new(0);
    let work = || -> Result<SettleReport, StoreError> {
        let mut conn = pool.get().map_err(|e| StoreError::Pool(e.to_string()))?;
        make_statements(&mut conn, &todo, &next, month, now)
    };
    let outcomes: Vec<Result<SettleReport, StoreError>> = std::thread::scope(|scope| {
        let running: Vec<_> = (0..workers.max(1)).map(|_| scope.spawn(work)).collect();
        running
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|_| Err(StoreError::Pool("a worker panicked".into())))
            })
            .collect()
    });
    outcomes
        .into_iter()
        .try_fold(report, |sum, outcome| Ok(sum.plus(outcome?)))
}

/// The vendors whose statement for an ended month is still to make, and a
/// report counting those already made.
fn still_to_make(
    conn: &mut DbConn,
    month: Month,
    now: NaiveDateTime,
) -> Result<(Vec<(i64, i32)>, SettleReport), StoreError> {
    if !month.has_ended(now) {
        return Err(StoreError::Refused(Refusal::MonthNotOver { month }));
    }
    let done: Vec<i64> = statements::table
        .filter(statements::month.eq(month.to_string()))
        .select(statements::vendor_id)
        .load(conn)?;
    let (made, todo): (Vec<_>, Vec<_>) = eligible_vendors(conn, month)?
        .into_iter()
        .partition(|(vendor_id, _)| done.contains(vendor_id));
    Ok((
        todo,
        SettleReport {
            generated: 0,
            already: made.len(),
        },
    ))
}

/// The vendors a month has statements for: those that existed before it
/// ended or sold something in it or earlier. (id, fee rate)
fn eligible_vendors(conn: &mut DbConn, month: Month) -> QueryResult<Vec<(i64, i32)>> {
    let end = month.end();
    accounts::table
        .filter(accounts::role.eq("vendor"))
        .filter(
            accounts::created_at.lt(end).or(diesel::dsl::exists(
                orders::table
                    .filter(orders::vendor_id.eq(accounts::id))
                    .filter(orders::created_at.lt(end)),
            )),
        )
        .order(accounts::id)
        .select((accounts::id, accounts::fee_bps))
        .load(conn)
}

/// One vendor's statement, in one transaction. `Ok(false)` when another
/// generator made it first.
fn generate(
    conn: &mut DbConn,
    vendor_id: i64,
    fee_bps: i32,
    month: Month,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    // A deficit can be taken by one statement only; when two months of one
    // vendor are made at once, the one that loses it makes itself again.
    let mut tries = 0;
    loop {
        match generate_once(conn, vendor_id, fee_bps, month, now) {
            Err(DieselError::RollbackTransaction) if tries < 3 => tries += 1,
            Err(DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _))
                if tries < 3 =>
            {
                tries += 1
            }
            other => return other,
        }
    }
}

/// Deficits of the vendor's statements for months before `month` that no
/// statement has taken yet: (statement id, net, below zero).
pub(super) fn untaken_deficits(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
) -> QueryResult<Vec<(i64, i64)>> {
    statements::table
        .filter(statements::vendor_id.eq(vendor_id))
        .filter(statements::state.eq("ready"))
        .filter(statements::net_fen.lt(0))
        .filter(statements::carried_into.is_null())
        .filter(statements::month.lt(month.to_string()))
        .select((statements::id, statements::net_fen))
        .load(conn)
}

fn generate_once(
    conn: &mut DbConn,
    vendor_id: i64,
    fee_bps: i32,
    month: Month,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let label = month.to_string();
    let attempt = write_transaction(conn, |conn| {
        // The month's lines come from several reads (entries, running
        // subscriptions, waiting orders); on PostgreSQL a stop committed
        // between two of them would leave its hours out of both. One
        // snapshot for all (SQLite has one writer at a time).
        if let DbConn::Postgres(pg) = conn {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(pg)?;
            // Copying a busy vendor's running subscriptions sorts ~40,000
            // lines; the default 4 MB sent the sort to disk.
            diesel::sql_query("SET LOCAL work_mem = '32MB'").execute(pg)?;
        }
        if find_for_vendor(conn, vendor_id, month)?.is_some() {
            return Ok(false);
        }
        let made = ledger::month_to_settle(conn, vendor_id, month)?;
        let sums = made.totals(fee_bps);
        let deficits = untaken_deficits(conn, vendor_id, month)?;
        let carried_in_fen: i64 = deficits.iter().map(|(_, net_fen)| net_fen).sum();
        let net_fen = payable(sums, carried_in_fen);
        let statement_id: i64 = diesel::insert_into(statements::table)
            .values((
                statements::vendor_id.eq(vendor_id),
                statements::month.eq(&label),
                statements::fee_bps.eq(fee_bps),
                statements::gross_fen.eq(sums.gross_fen),
                statements::fee_fen.eq(sums.fee_fen),
                statements::net_fen.eq(net_fen),
                statements::state.eq("ready"),
                statements::generated_at.eq(now),
                statements::carried_in_fen.eq(carried_in_fen),
            ))
            .returning(statements::id)
            .get_result(conn)?;
        let deficit_ids: Vec<i64> = deficits.iter().map(|(id, _)| *id).collect();
        if !deficit_ids.is_empty() {
            let taken = diesel::update(
                statements::table
                    .filter(statements::id.eq_any(&deficit_ids))
                    .filter(statements::carried_into.is_null()),
            )
            .set(statements::carried_into.eq(statement_id))
            .execute(conn)?;
            if taken != deficit_ids.len() {
                return Err(DieselError::RollbackTransaction);
            }
        }
        made.write(conn, statement_id)?;
        let ready = Happened::new(
            Event::StatementReady,
            None,
            Subject::Statement { month: &label },
            Parties::vendor(vendor_id),
            now,
        );
        effects::record(conn, &ready.about(&label))?;
        Ok(true)
    });
    match attempt {
        // Another generator inserted the statement first (PostgreSQL; SQLite
        // serializes writers). A line's bill key clashing with an existing
        // statement's would be a bug in the rules, and is reported.
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)) => {
            if find_for_vendor(conn, vendor_id, month)?.is_some() {
                Ok(false)
            } else {
                Err(DieselError::DatabaseError(
                    DatabaseErrorKind::UniqueViolation,
                    info,
                ))
            }
        }
        other => other,
    }
}

/// Every ended month from the first order's up to the last one, that some
/// vendor has no statement for yet; what the server settles on its own.
pub fn unsettled_months(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<Month>> {
    let first: Option<NaiveDateTime> = orders::table
        .select(diesel::dsl::min(orders::created_at))
        .first(conn)?;
    let Some(first) = first else {
        return Ok(Vec::new());
    };
    let made: Vec<(String, i64)> = statements::table
        .group_by(statements::month)
        .select((statements::month, diesel::dsl::count_star()))
        .load(conn)?;
    let made: HashMap<String, i64> = made.into_iter().collect();
    let mut months = Vec::new();
    let mut month = Month::of(first);
    while month.has_ended(now) {
        let made = made.get(&month.to_string()).copied().unwrap_or(0);
        if (made as usize) < eligible_vendors(conn, month)?.len() {
            months.push(month);
        }
        month = month.next();
    }
    Ok(months)
}
