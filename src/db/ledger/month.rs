//! A vendor's month as the ledger gives it: its entries, the open spans and
//! the lines still waiting.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::entries::entry_lines;
use super::running::{first_running_lines, running_hours, running_so_far};
use crate::db::DbConn;
use crate::db::schema::{orders, tickets};
use crate::db::settlements::billables;
use crate::domain::order::OrderType;
use crate::domain::product::{Billing, Kind};
use crate::domain::refund::FIVE_DAYS;
use crate::domain::settlement::{
    Line, LineGroup, LineKind, Month, Totals, group_lines, pending_lines, sort_lines, totals_of,
};
use crate::domain::ticket::TicketState;

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
    lines.extend(running_hours(conn, vendor_id, month, None, until)?);
    lines.extend(waiting(conn, vendor_id, month, until)?);
    sort_lines(&mut lines);
    Ok(lines)
}

/// What a page shows of the vendor's `month` up to `until`: each kind's
/// count and subtotal, its first `shown` lines, and the totals — the same as
/// `group_lines(month_lines(..), shown)` and `totals(month_lines(..))`,
/// without reading every running hourly subscription: those that started
/// before the month are counted by phase (`running_hourly`), and only their
/// first `shown` lines are read, in the order a statement lists them.
pub fn month_shown(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
    until: NaiveDateTime,
    shown: usize,
    fee_bps: i32,
) -> QueryResult<(Vec<LineGroup<Line>>, Totals)> {
    let until = until.min(month.end());
    let mut lines = entry_lines(conn, vendor_id, month, until)?;
    let (waiting_read, waiting_unread) = first_waiting(conn, vendor_id, month, until, shown)?;
    lines.extend(waiting_read);
    let running = running_so_far(conn, vendor_id, month, until)?;
    let (mut count, mut subtotal) = (running.before_count, running.before_subtotal_fen);
    lines.extend(running.since);
    let first = first_running_lines(conn, vendor_id, month, until, shown)?;
    count -= first.len() as i64;
    subtotal -= first.iter().map(|line| line.amount_fen).sum::<i64>();
    lines.extend(first);
    sort_lines(&mut lines);
    let mut groups = group_lines(lines, shown);
    // The running subscriptions not read: after every line read, in order.
    if count > 0
        && let Some(hourly) = groups.iter_mut().find(|g| g.kind == LineKind::Hourly)
    {
        hourly.count += count as usize;
        hourly.subtotal_fen += subtotal;
    }
    // The open tickets not read: pending lines after the tickets read and
    // before every image line, beyond the first `shown`.
    if waiting_unread > 0
        && let Some(pending) = groups.iter_mut().find(|g| g.kind == LineKind::Pending)
    {
        pending.count += waiting_unread;
    }
    let gross = groups
        .iter()
        .filter(|group| group.kind.is_billed())
        .map(|group| group.subtotal_fen)
        .sum();
    Ok((groups, totals_of(gross, fee_bps)))
}

/// The lines waiting as of `until`: image purchases whose five-day window
/// is still open (paid in the five days before `until`), and services and
/// licenses whose ticket had not completed.
pub(super) fn waiting(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
    until: NaiveDateTime,
) -> QueryResult<Vec<Line>> {
    let (mut ids, open) = waiting_orders(conn, vendor_id, until)?;
    ids.extend(open.iter().map(|(_, order_id)| order_id));
    pending_of(conn, &ids, month, until)
}

/// The waiting lines a page shows: every image purchase's, and those of the
/// first `shown` orders with a ticket open in statement order; and how many
/// such orders are left unread. Each of those is one pending line with
/// nothing billed (the ticket is open as of `until`, so the order is neither
/// billed nor closed by a refund), dated when it was paid: before every
/// image line, whose window closes at or after `until`.
pub(super) fn first_waiting(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
    until: NaiveDateTime,
    shown: usize,
) -> QueryResult<(Vec<Line>, usize)> {
    let (mut ids, mut open) = waiting_orders(conn, vendor_id, until)?;
    open.sort_unstable();
    // At least one, so that the pending group the unread ones are added to
    // exists.
    let read = open.len().min(shown.max(1));
    ids.extend(open[..read].iter().map(|(_, order_id)| order_id));
    Ok((pending_of(conn, &ids, month, until)?, open.len() - read))
}

fn pending_of(
    conn: &mut DbConn,
    ids: &[i64],
    month: Month,
    until: NaiveDateTime,
) -> QueryResult<Vec<Line>> {
    Ok(billables(conn, ids, until)?
        .iter()
        .flat_map(|order| pending_lines(order, month, until))
        .collect())
}

/// The orders that may wait as of `until`: image purchases paid in the five
/// days before it, and (paid at, order) of those whose ticket was open then.
type WaitingOrders = (Vec<i64>, Vec<(NaiveDateTime, i64)>);

fn waiting_orders(
    conn: &mut DbConn,
    vendor_id: i64,
    until: NaiveDateTime,
) -> QueryResult<WaitingOrders> {
    let images: Vec<i64> = orders::table
        .filter(orders::vendor_id.eq(vendor_id))
        .filter(orders::order_type.eq(OrderType::Purchase.as_str()))
        .filter(orders::product_kind.eq(Kind::Image.as_str()))
        .filter(orders::billing.eq(Billing::Prepaid.as_str()))
        .filter(orders::created_at.ge(until - FIVE_DAYS))
        .filter(orders::created_at.lt(until))
        .select(orders::id)
        .load(conn)?;
    // Tickets open now, and those finished only after `until`: two reads
    // along the (vendor, state, since) index, not one through every ticket
    // of the vendor.
    let is_finished =
        |state: &TicketState| matches!(state, TicketState::Completed | TicketState::Closed);
    let codes = |finished: bool| -> Vec<&'static str> {
        TicketState::ALL
            .iter()
            .filter(|state| is_finished(state) == finished)
            .map(|state| state.as_str())
            .collect()
    };
    let (finished, open_states) = (codes(true), codes(false));
    // A ticket is opened by its order's purchase at the same moment
    // (`tickets::open_for`, and the seeder): its time is the order's, without
    // joining every open ticket to its order.
    let tickets_of = || {
        tickets::table
            .filter(tickets::vendor_id.eq(vendor_id))
            .filter(tickets::created_at.lt(until))
            .select((tickets::created_at, tickets::order_id))
    };
    let mut open: Vec<(NaiveDateTime, i64)> = tickets_of()
        .filter(tickets::state.eq_any(&open_states))
        .load(conn)?;
    open.extend(
        tickets_of()
            .filter(tickets::state.eq_any(&finished))
            .filter(tickets::state_since.ge(until))
            .load::<(NaiveDateTime, i64)>(conn)?,
    );
    Ok((images, open))
}
