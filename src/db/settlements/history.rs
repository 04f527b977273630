//! A vendor's month of history, read from orders, subscriptions, refunds and
//! tickets, as the domain's settlement rules take it.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{orders, subscriptions, tickets};
use crate::domain::order::OrderType;
use crate::domain::product::{Billing, Kind};
use crate::domain::refund::{FIVE_DAYS, RefundKind};
use crate::domain::settlement::{Billable, Month, Refund, TicketOutcome};
use crate::domain::ticket::TicketState;

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
pub const IDS_PER_QUERY: usize = 2000;

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
    assemble(conn, rows, refunds, until)
}

/// The purchases and renewals among `ids`, each with its whole history
/// before `until`: what the ledger follows for each order.
pub fn billables(
    conn: &mut DbConn,
    ids: &[i64],
    until: NaiveDateTime,
) -> QueryResult<Vec<Billable>> {
    let mut rows: BTreeMap<i64, OrderFacts> = BTreeMap::new();
    let mut refunds: BTreeMap<i64, RefundFacts> = BTreeMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let found: Vec<OrderFacts> = orders::table
            .left_join(subscriptions::table)
            .filter(orders::id.eq_any(chunk))
            .filter(orders::order_type.ne(OrderType::Refund.as_str()))
            .filter(orders::created_at.lt(until))
            .select(order_facts!())
            .load(conn)?;
        rows.extend(found.into_iter().map(|row| (row.0, row)));
        let found: Vec<RefundFacts> = orders::table
            .filter(orders::order_type.eq(OrderType::Refund.as_str()))
            .filter(orders::related_order_id.eq_any(chunk))
            .filter(orders::created_at.lt(until))
            .select((
                orders::id,
                orders::related_order_id,
                orders::refund_kind,
                orders::amount_fen,
                orders::created_at,
            ))
            .load(conn)?;
        refunds.extend(found.into_iter().map(|refund| (refund.0, refund)));
    }
    assemble(conn, rows, refunds, until)
}

/// Orders, their refunds and their tickets' outcomes by `until`, as the
/// settlement rules take them.
fn assemble(
    conn: &mut DbConn,
    rows: BTreeMap<i64, OrderFacts>,
    refunds: BTreeMap<i64, RefundFacts>,
    until: NaiveDateTime,
) -> QueryResult<Vec<Billable>> {
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
