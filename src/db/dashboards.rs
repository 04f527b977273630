//! What the three home pages count: each queue's length and its oldest
//! waiting item, computed by the database (count and min) rather than by
//! loading the queue, and the buyer's open tickets and refundable orders.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use super::DbConn;
use super::orders::Order;
use super::products::{self, ProductFilter};
use super::schema::{delist_requests, orders, refund_requests, revisions, statements, tickets};
use super::settlements;
use super::tickets::{Ticket, TicketRow};
use crate::domain::order::{OrderStatus, OrderType};
use crate::domain::product::{Billing, DelistRequestState, Kind, RevisionState};
use crate::domain::refund::{FIVE_DAYS, five_day_refund};
use crate::domain::settlement::Month;
use crate::domain::ticket::TicketState;

/// A queue's length and when its oldest item started waiting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStat {
    pub count: i64,
    pub oldest: Option<NaiveDateTime>,
}

impl From<(i64, Option<NaiveDateTime>)> for QueueStat {
    fn from((count, oldest): (i64, Option<NaiveDateTime>)) -> Self {
        QueueStat { count, oldest }
    }
}

/// Tickets still open: neither completed nor closed.
const OPEN_TICKET_STATES: [TicketState; 6] = [
    TicketState::AwaitingRequirement,
    TicketState::AwaitingConfirmation,
    TicketState::Rejected,
    TicketState::InService,
    TicketState::AwaitingDelivery,
    TicketState::AwaitingAcceptance,
];

fn codes(states: &[TicketState]) -> Vec<&'static str> {
    states.iter().map(|state| state.as_str()).collect()
}

/// The operator's queues.
pub struct OperatorQueues {
    pub reviews: QueueStat,
    pub refund_requests: QueueStat,
    pub delist_requests: QueueStat,
    /// Open service tickets, by how long their current step has waited.
    pub open_tickets: QueueStat,
    /// Tickets past their promised delivery time, by the oldest promise.
    pub overdue_tickets: QueueStat,
    /// Statements made and not yet paid, by when they were made.
    pub unpaid_statements: QueueStat,
    /// Ended months some vendor still has no statement for, oldest first.
    pub unsettled_months: Vec<Month>,
}

pub fn operator_queues(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<OperatorQueues> {
    let reviews: (i64, Option<NaiveDateTime>) = revisions::table
        .filter(revisions::state.eq(RevisionState::Pending.as_str()))
        .select((count_star(), min(revisions::submitted_at)))
        .first(conn)?;
    let refunds: (i64, Option<NaiveDateTime>) = refund_requests::table
        .filter(refund_requests::state.eq("open"))
        .select((count_star(), min(refund_requests::created_at)))
        .first(conn)?;
    let delists: (i64, Option<NaiveDateTime>) = delist_requests::table
        .filter(delist_requests::state.eq(DelistRequestState::Open.as_str()))
        .select((count_star(), min(delist_requests::created_at)))
        .first(conn)?;
    let open_tickets: (i64, Option<NaiveDateTime>) = tickets::table
        .filter(tickets::state.eq_any(codes(&OPEN_TICKET_STATES)))
        .select((count_star(), min(tickets::state_since)))
        .first(conn)?;
    let overdue: (i64, Option<NaiveDateTime>) = tickets::table
        .filter(tickets::state.eq(TicketState::InService.as_str()))
        .filter(tickets::due_at.lt(now))
        .select((count_star(), min(tickets::due_at)))
        .first(conn)?;
    let unpaid: (i64, Option<NaiveDateTime>) = statements::table
        .filter(statements::state.eq("ready"))
        .select((count_star(), min(statements::generated_at)))
        .first(conn)?;
    Ok(OperatorQueues {
        reviews: reviews.into(),
        refund_requests: refunds.into(),
        delist_requests: delists.into(),
        open_tickets: open_tickets.into(),
        overdue_tickets: overdue.into(),
        unpaid_statements: unpaid.into(),
        unsettled_months: settlements::unsettled_months(conn, now)?,
    })
}

/// What waits on a vendor.
pub struct VendorQueues {
    pub awaiting_confirmation: QueueStat,
    /// Confirmed services in progress and licenses to deliver.
    pub awaiting_delivery: QueueStat,
    /// Of those, the ones past their promised delivery time.
    pub overdue: QueueStat,
    /// Negotiated refund requests on the vendor's orders it has not answered.
    pub refund_requests: QueueStat,
    pub rejected: i64,
    /// Products of every state: none yet means a new vendor.
    pub products: i64,
    pub drafts: i64,
    pub in_review: i64,
    pub open_delist_requests: QueueStat,
}

pub fn vendor_queues(
    conn: &mut DbConn,
    vendor_id: i64,
    now: NaiveDateTime,
) -> QueryResult<VendorQueues> {
    let mut tickets_in = |states: &[TicketState]| -> QueryResult<QueueStat> {
        let stat: (i64, Option<NaiveDateTime>) = tickets::table
            .filter(tickets::vendor_id.eq(vendor_id))
            .filter(tickets::state.eq_any(codes(states)))
            .select((count_star(), min(tickets::state_since)))
            .first(conn)?;
        Ok(stat.into())
    };
    let awaiting_confirmation = tickets_in(&[TicketState::AwaitingConfirmation])?;
    let awaiting_delivery = tickets_in(&[TicketState::InService, TicketState::AwaitingDelivery])?;
    let overdue: (i64, Option<NaiveDateTime>) = tickets::table
        .filter(tickets::vendor_id.eq(vendor_id))
        .filter(tickets::state.eq(TicketState::InService.as_str()))
        .filter(tickets::due_at.lt(now))
        .select((count_star(), min(tickets::due_at)))
        .first(conn)?;
    let refunds: (i64, Option<NaiveDateTime>) = refund_requests::table
        .filter(refund_requests::vendor_id.eq(vendor_id))
        .filter(refund_requests::state.eq("open"))
        .filter(refund_requests::vendor_position.is_null())
        .select((count_star(), min(refund_requests::created_at)))
        .first(conn)?;
    let mut products_in = |review_state| {
        products::count_products(
            conn,
            &ProductFilter {
                vendor_id: Some(vendor_id),
                review_state: Some(review_state),
                ..ProductFilter::default()
            },
        )
    };
    let rejected = products_in(RevisionState::Rejected)?;
    let drafts = products_in(RevisionState::Draft)?;
    let in_review = products_in(RevisionState::Pending)?;
    let all_products = products::count_products(
        conn,
        &ProductFilter {
            vendor_id: Some(vendor_id),
            ..ProductFilter::default()
        },
    )?;
    let delists: (i64, Option<NaiveDateTime>) = delist_requests::table
        .filter(delist_requests::vendor_id.eq(vendor_id))
        .filter(delist_requests::state.eq(DelistRequestState::Open.as_str()))
        .select((count_star(), min(delist_requests::created_at)))
        .first(conn)?;
    Ok(VendorQueues {
        awaiting_confirmation,
        awaiting_delivery,
        overdue: overdue.into(),
        refund_requests: refunds.into(),
        rejected,
        products: all_products,
        drafts,
        in_review,
        open_delist_requests: delists.into(),
    })
}

/// The buyer's overview.
pub struct BuyerOverview {
    /// Open tickets, those waiting for the buyer first, then the longest waiting.
    pub open_tickets: Vec<TicketRow>,
    /// Purchases the five-day refund can still take, the nearest deadline first.
    pub refundable: Vec<Order>,
}

/// How many open tickets the overview lists; the order list has them all.
const OPEN_TICKETS_SHOWN: i64 = 50;

pub fn buyer_overview(
    conn: &mut DbConn,
    buyer_id: i64,
    now: NaiveDateTime,
) -> QueryResult<BuyerOverview> {
    let mut open_tickets: Vec<TicketRow> = tickets::table
        .inner_join(orders::table)
        .filter(tickets::buyer_id.eq(buyer_id))
        .filter(tickets::state.eq_any(codes(&OPEN_TICKET_STATES)))
        .order(tickets::state_since.asc())
        .limit(OPEN_TICKETS_SHOWN)
        .select((Ticket::as_select(), Order::as_select()))
        .load::<(Ticket, Order)>(conn)?
        .into_iter()
        .map(|(ticket, order)| TicketRow { ticket, order })
        .collect();
    open_tickets.sort_by_key(|row| !row.waits_for(crate::domain::account::Role::Buyer));
    // The index on (buyer_id, created_at) finds the last five days' purchases;
    // the refund rule itself decides which of them still qualify.
    let refundable = orders::table
        .filter(orders::buyer_id.eq(buyer_id))
        .filter(orders::created_at.ge(now - FIVE_DAYS))
        .filter(orders::order_type.eq(OrderType::Purchase.as_str()))
        .filter(orders::billing.eq(Billing::Prepaid.as_str()))
        .filter(orders::product_kind.eq(Kind::Image.as_str()))
        .filter(orders::status.ne(OrderStatus::Refunded.as_str()))
        .order((orders::created_at.asc(), orders::id.asc()))
        .select(Order::as_select())
        .load::<Order>(conn)?
        .into_iter()
        .filter(|order| five_day_refund(&order.facts(), now).is_ok())
        .collect();
    Ok(BuyerOverview {
        open_tickets,
        refundable,
    })
}

/// The vendor's orders of the last `days` days, as (created at, type, amount
/// in fen), for the overview's chart.
pub fn recent_sales(
    conn: &mut DbConn,
    vendor_id: i64,
    since: NaiveDateTime,
) -> QueryResult<Vec<(NaiveDateTime, String, i64)>> {
    orders::table
        .filter(orders::vendor_id.eq(vendor_id))
        .filter(orders::created_at.ge(since))
        .select((orders::created_at, orders::order_type, orders::amount_fen))
        .load(conn)
}
