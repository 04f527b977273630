//! Settlement statements: loading a vendor's month of history, generating
//! statements once (the unique constraints on `statements (vendor_id, month)`
//! and `statement_lines (bill_part, order_id)` hold even if two generators race),
//! previews, payment and fee rates.

use crate::domain::refusal::Refusal;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::bulk::{StatementLineRow, insert_statement_lines};
use super::effects::{self, Happened};
use super::notify::Parties;
use super::schema::{accounts, orders, statement_lines, statements, subscriptions, tickets};
use super::{DbConn, Pool, StoreError, write_transaction};
use crate::domain::notice::{Event, Subject};
use crate::domain::order::OrderType;
use crate::domain::product::{Billing, Kind};
use crate::domain::refund::{FIVE_DAYS, RefundKind};
use crate::domain::settlement::{
    Billable, Line, LineGroup, LineKind, LineNote, Month, Refund, StatementState, TicketOutcome,
    Totals, group_lines, is_deficit, month_lines, payable, totals,
};
use crate::domain::ticket::TicketState;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = statements)]
pub struct Statement {
    pub id: i64,
    pub vendor_id: i64,
    pub month: String,
    pub fee_bps: i32,
    pub gross_fen: i64,
    pub fee_fen: i64,
    pub net_fen: i64,
    pub state: StatementState,
    pub paid_reference: Option<String>,
    pub paid_by: Option<i64>,
    pub paid_at: Option<NaiveDateTime>,
    pub generated_at: NaiveDateTime,
    /// Deficits of earlier statements taken into this one (zero or less);
    /// `net_fen` includes it.
    pub carried_in_fen: i64,
    /// The statement that took over this one's deficit, once there is one.
    pub carried_into: Option<i64>,
}

impl Statement {
    pub fn is_paid(&self) -> bool {
        self.state == StatementState::Paid
    }

    /// Nothing to pay: the deficit goes into the vendor's next statement.
    /// (Its stored state stays `ready`; it is never paid.)
    pub fn is_carried(&self) -> bool {
        !self.is_paid() && is_deficit(self.net_fen)
    }

    /// `paid`, `carried` or `ready`, for labels.
    pub fn shown_state(&self) -> &'static str {
        if self.is_paid() {
            "paid"
        } else if self.is_carried() {
            "carried"
        } else {
            "ready"
        }
    }
}

/// One order row as settlement reads it, with its subscription's times.
type OrderFacts = (
    i64,                   // id
    OrderType,             // order_type
    Kind,                  // product_kind
    Billing,               // billing
    NaiveDateTime,         // created_at
    i64,                   // amount_fen
    i64,                   // unit_price_fen
    Option<i64>,           // reorder_of
    Option<NaiveDateTime>, // subscription started_at
    Option<NaiveDateTime>, // subscription stopped_at
);

macro_rules! order_facts {
    () => {
        (
            orders::id,
            orders::order_type,
            orders::product_kind,
            orders::billing,
            orders::created_at,
            orders::amount_fen,
            orders::unit_price_fen,
            orders::reorder_of,
            subscriptions::started_at.nullable(),
            subscriptions::stopped_at.nullable(),
        )
    };
}

/// A refund order: (id, refunded order, kind, amount, when).
type RefundFacts = (i64, Option<i64>, Option<RefundKind>, i64, NaiveDateTime);

/// Ids per query: well under both backends' bind limits.
const IDS_PER_QUERY: usize = 2000;

/// Everything that can put a line in `month` for the vendor, seen before `until`.
pub fn history(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
    until: NaiveDateTime,
) -> QueryResult<Vec<Billable>> {
    let start = month.start();
    // Purchases whose five-day window closes in the month were paid at most
    // five days before it began; renewals and re-orders are paid in it.
    let window_start = start - FIVE_DAYS;
    let base = || {
        orders::table
            .left_join(subscriptions::table)
            .filter(orders::vendor_id.eq(vendor_id))
            .filter(orders::order_type.ne(OrderType::Refund.as_str()))
            .filter(orders::created_at.lt(until))
            .select(order_facts!())
    };
    let mut rows: BTreeMap<i64, OrderFacts> = BTreeMap::new();
    let keep = |rows: &mut BTreeMap<i64, OrderFacts>, found: Vec<OrderFacts>| {
        for row in found {
            rows.insert(row.0, row);
        }
    };
    keep(
        &mut rows,
        base()
            .filter(orders::created_at.ge(window_start))
            .load(conn)?,
    );
    // Hourly subscriptions still running when the month began.
    keep(
        &mut rows,
        base()
            .filter(orders::billing.eq(Billing::Hourly.as_str()))
            .filter(orders::created_at.lt(window_start))
            .filter(
                subscriptions::stopped_at
                    .is_null()
                    .or(subscriptions::stopped_at.gt(start)),
            )
            .load(conn)?,
    );
    // Services and licenses whose ticket completed in the month or is still open.
    let finished = [
        TicketState::Completed.as_str(),
        TicketState::Closed.as_str(),
    ];
    let ticketed: Vec<i64> = tickets::table
        .filter(tickets::vendor_id.eq(vendor_id))
        .filter(tickets::created_at.lt(until))
        .filter(
            tickets::state
                .ne_all(finished)
                .or(tickets::state_since.ge(start)),
        )
        .select(tickets::order_id)
        .load(conn)?;
    // Orders refunded in the month: a deduction if already billed.
    let refunded: Vec<i64> = orders::table
        .filter(orders::vendor_id.eq(vendor_id))
        .filter(orders::order_type.eq(OrderType::Refund.as_str()))
        .filter(orders::created_at.ge(start))
        .filter(orders::created_at.lt(until))
        .select(orders::related_order_id.assume_not_null())
        .load(conn)?;
    let older: Vec<i64> = ticketed
        .iter()
        .chain(&refunded)
        .copied()
        .filter(|id| !rows.contains_key(id))
        .collect();
    for chunk in older.chunks(IDS_PER_QUERY) {
        keep(
            &mut rows,
            base().filter(orders::id.eq_any(chunk)).load(conn)?,
        );
    }

    // Refunds: those in the window, and every earlier one of the older orders.
    let refund_facts = || {
        orders::table
            .filter(orders::vendor_id.eq(vendor_id))
            .filter(orders::order_type.eq(OrderType::Refund.as_str()))
            .filter(orders::created_at.lt(until))
            .select((
                orders::id,
                orders::related_order_id,
                orders::refund_kind,
                orders::amount_fen,
                orders::created_at,
            ))
    };
    let mut refunds: BTreeMap<i64, RefundFacts> = BTreeMap::new();
    for refund in refund_facts()
        .filter(orders::created_at.ge(window_start))
        .load::<RefundFacts>(conn)?
    {
        refunds.insert(refund.0, refund);
    }
    for chunk in older.chunks(IDS_PER_QUERY) {
        for refund in refund_facts()
            .filter(orders::related_order_id.eq_any(chunk))
            .load::<RefundFacts>(conn)?
        {
            refunds.insert(refund.0, refund);
        }
    }
    let mut refunds_of: HashMap<i64, Vec<Refund>> = HashMap::new();
    for (id, related, kind, amount_fen, at) in refunds.into_values() {
        let (Some(related), Some(kind)) = (related, kind) else {
            continue;
        };
        refunds_of.entry(related).or_default().push(Refund {
            order_id: id,
            kind,
            amount_fen,
            at,
        });
    }

    // Tickets of the service and license orders among them.
    let ticket_ids: Vec<i64> = rows
        .values()
        .filter(|row| row.2 != Kind::Image)
        .map(|row| row.0)
        .collect();
    let mut outcomes: HashMap<i64, TicketOutcome> = HashMap::new();
    for chunk in ticket_ids.chunks(IDS_PER_QUERY) {
        let found: Vec<(i64, TicketState, NaiveDateTime, Option<NaiveDateTime>)> = tickets::table
            .filter(tickets::order_id.eq_any(chunk))
            .select((
                tickets::order_id,
                tickets::state,
                tickets::state_since,
                tickets::completed_at,
            ))
            .load(conn)?;
        for (order_id, state, since, completed_at) in found {
            outcomes.insert(order_id, outcome(state, since, completed_at, until));
        }
    }

    Ok(rows
        .into_values()
        .map(|row| {
            let (id, order_type, kind, billing, created_at, amount, unit, reorder_of, start, stop) =
                row;
            let mut refunds = refunds_of.remove(&id).unwrap_or_default();
            refunds.sort_by_key(|r| (r.at, r.order_id));
            Billable {
                order_id: id,
                order_type,
                kind,
                billing,
                paid_at: created_at,
                amount_fen: amount,
                unit_price_fen: unit,
                // Bulk-seeded hourly orders have no subscription: they run from the order.
                started_at: start.unwrap_or(created_at),
                stopped_at: stop,
                ticket: outcomes.get(&id).copied(),
                refunds,
                reorder_of,
            }
        })
        .collect())
}

/// What a ticket had come to by `until`.
fn outcome(
    state: TicketState,
    since: NaiveDateTime,
    completed_at: Option<NaiveDateTime>,
    until: NaiveDateTime,
) -> TicketOutcome {
    match state {
        TicketState::Completed => match completed_at.unwrap_or(since) {
            at if at < until => TicketOutcome::Completed(at),
            _ => TicketOutcome::Open,
        },
        TicketState::Closed if since < until => TicketOutcome::Closed(since),
        _ => TicketOutcome::Open,
    }
}

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
            other => return other,
        }
    }
}

/// Deficits of the vendor's statements for months before `month` that no
/// statement has taken yet: (statement id, net, below zero).
fn untaken_deficits(
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
        if find_for_vendor(conn, vendor_id, month)?.is_some() {
            return Ok(false);
        }
        let history = history(conn, vendor_id, month, month.end())?;
        let lines = month_lines(&history, month, month.end());
        let sums = totals(&lines, fee_bps);
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
        let rows: Vec<StatementLineRow> = lines
            .iter()
            .map(|line| StatementLineRow {
                statement_id,
                kind: line.kind.as_str(),
                order_id: line.order_id,
                refund_order_id: line.refund_order_id,
                bill_part: line.bill_part(month),
                hours: line.hours,
                paid_fen: line.paid_fen,
                refunded_fen: line.refunded_fen,
                amount_fen: line.amount_fen,
                note: line.note.as_str(),
                happened_at: line.at,
            })
            .collect();
        insert_statement_lines(conn, &rows)?;
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

/// How many statements there are in each state (`ready`, `paid`); both
/// states are always listed.
pub fn count_by_state(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    let counted: HashMap<String, i64> = statements::table
        .group_by(statements::state)
        .select((statements::state, diesel::dsl::count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(["ready", "paid"]
        .into_iter()
        .map(|state| (state.to_string(), counted.get(state).copied().unwrap_or(0)))
        .collect())
}

/// A vendor's statements, newest month first.
pub fn for_vendor(conn: &mut DbConn, vendor_id: i64) -> QueryResult<Vec<Statement>> {
    statements::table
        .filter(statements::vendor_id.eq(vendor_id))
        .order(statements::month.desc())
        .select(Statement::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Statement>> {
    statements::table
        .find(id)
        .select(Statement::as_select())
        .first(conn)
        .optional()
}

pub fn find_for_vendor(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
) -> QueryResult<Option<Statement>> {
    statements::table
        .filter(statements::vendor_id.eq(vendor_id))
        .filter(statements::month.eq(month.to_string()))
        .select(Statement::as_select())
        .first(conn)
        .optional()
}

/// A statement with its vendor, for the operator's list.
#[derive(Debug, Clone)]
pub struct ListedStatement {
    pub statement: Statement,
    pub vendor_name: String,
    pub vendor_login: String,
}

/// The statements of a month, by vendor.
pub fn for_month(conn: &mut DbConn, month: Month) -> QueryResult<Vec<ListedStatement>> {
    Ok(statements::table
        .inner_join(accounts::table)
        .filter(statements::month.eq(month.to_string()))
        .order(accounts::login.asc())
        .select((
            Statement::as_select(),
            accounts::display_name,
            accounts::login,
        ))
        .load::<(Statement, String, String)>(conn)?
        .into_iter()
        .map(|(statement, vendor_name, vendor_login)| ListedStatement {
            statement,
            vendor_name,
            vendor_login,
        })
        .collect())
}

/// Months that have statements, newest first.
pub fn months(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    statements::table
        .select(statements::month)
        .distinct()
        .order(statements::month.desc())
        .load(conn)
}

/// A stored line with the orders it names, for pages and CSV.
#[derive(Debug, Clone)]
pub struct ShownLine {
    pub line: Line,
    pub order_no: String,
    pub product_name: String,
    pub buyer_uin: i64,
    pub refund_order_no: Option<String>,
}

/// What a line shows of its order: number, product name, buyer's user ID.
type OrderNames = (String, String, i64);

type StoredLine = (
    LineKind,
    i64,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
    LineNote,
    NaiveDateTime,
);

/// Which stored lines to read.
enum LinesOf<'a> {
    Statement(i64),
    /// The first lines of one kind of a statement.
    Kind(i64, LineKind, i64),
    /// Lines of these orders billing one of these parts.
    Orders(&'a [i64], &'a [i64]),
}

/// Stored lines with their statement (id, month) and the order each names.
fn stored_lines(conn: &mut DbConn, which: LinesOf) -> QueryResult<Vec<(i64, String, ShownLine)>> {
    let mut query = statement_lines::table
        .inner_join(orders::table)
        .inner_join(statements::table)
        .order(statement_lines::id)
        .select((
            (statement_lines::statement_id, statements::month),
            (
                statement_lines::kind,
                statement_lines::order_id,
                statement_lines::refund_order_id,
                statement_lines::hours,
                statement_lines::paid_fen,
                statement_lines::refunded_fen,
                statement_lines::amount_fen,
                statement_lines::note,
                statement_lines::happened_at,
            ),
            (orders::order_no, orders::product_name, orders::buyer_uin),
        ))
        .into_boxed();
    query = match which {
        LinesOf::Statement(id) => query.filter(statement_lines::statement_id.eq(id)),
        LinesOf::Kind(id, kind, limit) => query
            .filter(statement_lines::statement_id.eq(id))
            .filter(statement_lines::kind.eq(kind.as_str()))
            .limit(limit),
        LinesOf::Orders(ids, parts) => query
            .filter(statement_lines::bill_part.eq_any(parts.to_vec()))
            .filter(statement_lines::order_id.eq_any(ids.to_vec())),
    };
    let stored: Vec<((i64, String), StoredLine, OrderNames)> = query.load(conn)?;
    let mut statements_of = Vec::with_capacity(stored.len());
    let lines: Vec<(Line, OrderNames)> = stored
        .into_iter()
        .map(|(statement, row, order)| {
            statements_of.push(statement);
            let (kind, order_id, refund_order_id, hours, paid, refunded, amount, note, at) = row;
            let line = Line {
                kind,
                order_id,
                refund_order_id,
                hours,
                paid_fen: paid,
                refunded_fen: refunded,
                amount_fen: amount,
                note,
                at,
            };
            (line, order)
        })
        .collect();
    Ok(statements_of
        .into_iter()
        .zip(with_refund_numbers(conn, lines)?)
        .map(|((id, month), line)| (id, month, line))
        .collect())
}

/// A statement's lines in the order it shows them.
pub fn lines(conn: &mut DbConn, statement_id: i64) -> QueryResult<Vec<ShownLine>> {
    Ok(stored_lines(conn, LinesOf::Statement(statement_id))?
        .into_iter()
        .map(|(_, _, line)| line)
        .collect())
}

/// A statement's lines grouped by kind: every group's count and subtotal, and
/// its first `shown` lines.
pub fn groups(conn: &mut DbConn, statement_id: i64, shown: usize) -> QueryResult<Vec<ShownGroup>> {
    let amounts: Vec<(LineKind, i64)> = statement_lines::table
        .filter(statement_lines::statement_id.eq(statement_id))
        .select((statement_lines::kind, statement_lines::amount_fen))
        .load(conn)?;
    let mut sums: BTreeMap<LineKind, (usize, i64)> = BTreeMap::new();
    for (kind, amount_fen) in amounts {
        let sum = sums.entry(kind).or_default();
        sum.0 += 1;
        sum.1 += amount_fen;
    }
    let mut groups = Vec::with_capacity(sums.len());
    for (kind, (count, subtotal_fen)) in sums {
        let limit = i64::try_from(shown).unwrap_or(i64::MAX);
        let lines = stored_lines(conn, LinesOf::Kind(statement_id, kind, limit))?
            .into_iter()
            .map(|(_, _, line)| line)
            .collect();
        groups.push(LineGroup {
            kind,
            count,
            subtotal_fen,
            lines,
        });
    }
    Ok(groups)
}

/// A group of stored lines with the orders they name.
pub type ShownGroup = LineGroup<ShownLine>;

/// Where an order stands in settlement: a line of a statement.
#[derive(Debug, Clone)]
pub struct OrderSettlement {
    pub statement_id: i64,
    pub month: String,
    pub shown: ShownLine,
}

/// The statement lines billing, deducting or excluding an order page's chain
/// (its purchase, renewals and refunds), oldest first; pending lines are not
/// among them. The unique index leads with the billed part, so the lookup
/// names every part the chain can have: 0 and 1, each month from the chain's
/// first to `now`'s, and minus each refund's id.
pub fn lines_of_orders(
    conn: &mut DbConn,
    chain: &[crate::db::orders::Order],
    now: NaiveDateTime,
) -> QueryResult<Vec<OrderSettlement>> {
    let Some(first) = chain.iter().map(|o| o.created_at).min() else {
        return Ok(Vec::new());
    };
    let ids: Vec<i64> = chain.iter().map(|o| o.id).collect();
    let mut parts = vec![0, 1];
    let mut month = Month::of(first);
    while month <= Month::of(now) {
        parts.push(month.number());
        month = month.next();
    }
    parts.extend(
        chain
            .iter()
            .filter(|o| o.order_type == OrderType::Refund)
            .map(|o| -o.id),
    );
    Ok(stored_lines(conn, LinesOf::Orders(&ids, &parts))?
        .into_iter()
        .map(|(statement_id, month, shown)| OrderSettlement {
            statement_id,
            month,
            shown,
        })
        .collect())
}

/// Adds the refund orders' numbers to lines.
fn with_refund_numbers(
    conn: &mut DbConn,
    lines: Vec<(Line, OrderNames)>,
) -> QueryResult<Vec<ShownLine>> {
    let refund_ids: Vec<i64> = lines
        .iter()
        .filter_map(|(line, _)| line.refund_order_id)
        .collect();
    let mut numbers: HashMap<i64, String> = HashMap::new();
    for chunk in refund_ids.chunks(IDS_PER_QUERY) {
        let found: Vec<(i64, String)> = orders::table
            .filter(orders::id.eq_any(chunk))
            .select((orders::id, orders::order_no))
            .load(conn)?;
        numbers.extend(found);
    }
    Ok(lines
        .into_iter()
        .map(|(line, (order_no, product_name, buyer_uin))| ShownLine {
            refund_order_no: line
                .refund_order_id
                .and_then(|id| numbers.get(&id).cloned()),
            line,
            order_no,
            product_name,
            buyer_uin,
        })
        .collect())
}

/// The current month so far, as a statement would show it now (not stored).
pub struct Preview {
    pub month: Month,
    /// The vendor's fee rate now, which the preview's totals use.
    pub fee_bps: i32,
    pub groups: Vec<ShownGroup>,
    pub totals: Totals,
    /// Deficits of earlier statements this month's statement will take.
    pub carried_in_fen: i64,
}

/// This month's lines up to `now`, and the vendor's fee rate.
fn month_so_far(
    conn: &mut DbConn,
    vendor_id: i64,
    now: NaiveDateTime,
) -> QueryResult<(Vec<Line>, i32)> {
    let month = Month::of(now);
    let fee_bps: i32 = accounts::table
        .find(vendor_id)
        .select(accounts::fee_bps)
        .first(conn)?;
    Ok((
        month_lines(&history(conn, vendor_id, month, now)?, month, now),
        fee_bps,
    ))
}

/// This month's totals up to `now`, without the lines.
pub fn running_totals(
    conn: &mut DbConn,
    vendor_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Totals> {
    let (lines, fee_bps) = month_so_far(conn, vendor_id, now)?;
    Ok(totals(&lines, fee_bps))
}

/// This month's lines up to `now`: totals over all of them, and the first
/// `shown` of each kind with their orders (only those are looked up).
pub fn preview(
    conn: &mut DbConn,
    vendor_id: i64,
    now: NaiveDateTime,
    shown: usize,
) -> QueryResult<Preview> {
    let (lines, fee_bps) = month_so_far(conn, vendor_id, now)?;
    let sums = totals(&lines, fee_bps);
    let groups = group_lines(lines, shown);
    let ids: Vec<i64> = groups
        .iter()
        .flat_map(|group| group.lines.iter().map(|line| line.order_id))
        .collect();
    let mut orders_by_id: HashMap<i64, OrderNames> = HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let found: Vec<(i64, String, String, i64)> = orders::table
            .filter(orders::id.eq_any(chunk))
            .select((
                orders::id,
                orders::order_no,
                orders::product_name,
                orders::buyer_uin,
            ))
            .load(conn)?;
        orders_by_id.extend(
            found
                .into_iter()
                .map(|(id, no, name, uin)| (id, (no, name, uin))),
        );
    }
    let mut shown_groups = Vec::with_capacity(groups.len());
    for group in groups {
        let with_orders: Vec<(Line, OrderNames)> = group
            .lines
            .iter()
            .map(|line| {
                let order = orders_by_id
                    .get(&line.order_id)
                    .cloned()
                    .unwrap_or_default();
                (line.clone(), order)
            })
            .collect();
        let mut named = with_refund_numbers(conn, with_orders)?.into_iter();
        shown_groups.push(group.map(|_| named.next().expect("one shown line per line")));
    }
    let carried_in_fen = untaken_deficits(conn, vendor_id, Month::of(now))?
        .iter()
        .map(|(_, net_fen)| net_fen)
        .sum();
    Ok(Preview {
        month: Month::of(now),
        fee_bps,
        groups: shown_groups,
        totals: sums,
        carried_in_fen,
    })
}

/// An operator records the payment of a ready statement; the vendor is told.
pub fn mark_paid(
    conn: &mut DbConn,
    operator_id: i64,
    statement_id: i64,
    reference: &str,
    now: NaiveDateTime,
) -> Result<Statement, StoreError> {
    write_transaction(conn, |conn| {
        let statement = find(conn, statement_id)?.ok_or(StoreError::NotFound)?;
        if statement.is_carried() {
            return Err(StoreError::Refused(Refusal::NothingToPay));
        }
        let changed = diesel::update(
            statements::table
                .filter(statements::id.eq(statement_id))
                .filter(statements::state.eq("ready"))
                .filter(statements::net_fen.ge(0)),
        )
        .set((
            statements::state.eq("paid"),
            statements::paid_reference.eq(Some(reference)),
            statements::paid_by.eq(Some(operator_id)),
            statements::paid_at.eq(Some(now)),
        ))
        .execute(conn)?;
        if changed != 1 {
            return Err(StoreError::Refused(Refusal::StatementPaid));
        }
        let target = format!("{} #{}", statement.month, statement.vendor_id);
        let paid = Happened::new(
            Event::StatementPaid,
            Some(operator_id),
            Subject::Statement {
                month: &statement.month,
            },
            Parties::vendor(statement.vendor_id),
            now,
        );
        effects::record(
            conn,
            &paid
                .about(&statement.month)
                .audited_as(&target)
                .noted(reference),
        )?;
        Ok(statement)
    })
}

/// A vendor and the fee rate its next statements take.
#[derive(Debug, Clone, Queryable)]
pub struct VendorRate {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub fee_bps: i32,
}

pub fn vendor_rates(conn: &mut DbConn) -> QueryResult<Vec<VendorRate>> {
    accounts::table
        .filter(accounts::role.eq("vendor"))
        .order(accounts::login)
        .select((
            accounts::id,
            accounts::login,
            accounts::display_name,
            accounts::fee_bps,
        ))
        .load(conn)
}

/// Sets a vendor's fee rate for statements not yet made.
pub fn set_fee(
    conn: &mut DbConn,
    operator_id: i64,
    vendor_id: i64,
    fee_bps: i32,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        let login: String = accounts::table
            .find(vendor_id)
            .filter(accounts::role.eq("vendor"))
            .select(accounts::login)
            .first(conn)
            .optional()?
            .ok_or(StoreError::NotFound)?;
        diesel::update(accounts::table.find(vendor_id))
            .set(accounts::fee_bps.eq(fee_bps))
            .execute(conn)?;
        let percent = crate::domain::settlement::format_fee_percent(fee_bps);
        let changed = Happened::new(
            Event::FeeChanged,
            Some(operator_id),
            Subject::Account {
                account_id: vendor_id,
            },
            Parties::vendor(vendor_id),
            now,
        );
        effects::record(conn, &changed.about(&login).noted(&percent))?;
        Ok(())
    })
}
