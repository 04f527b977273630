//! Refunds: the five-day refund and stopping hourly billing (immediate), and
//! negotiated refund requests decided by an operator. Each is one transaction
//! whose updates name the state they expect, so two requests refund once.

use crate::domain::refusal::Refusal;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::effects::{self, Happened};
use super::notify::Parties;
use super::orders::{NewOrder, Order, Scope, find_by_number, insert_order};
use super::schema::{accounts, orders, refund_requests, subscriptions};
use super::{DbConn, StoreError, StoreResult, write_transaction};
use crate::domain::notice::{Event, Subject};
use crate::domain::order::{OrderStatus, OrderType};
use crate::domain::refund::{
    RefundKind, RefundReason, RefundRefusal, RequestState, VendorPosition, check_refund_amount,
    five_day_refund, may_request_refund, stop_billing,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refund_requests)]
pub struct RefundRequest {
    pub id: i64,
    pub order_id: i64,
    pub buyer_id: i64,
    pub vendor_id: i64,
    pub reason: String,
    pub description: String,
    pub state: RequestState,
    pub decided_by: Option<i64>,
    pub decision_note: Option<String>,
    pub refund_order_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    /// Once the vendor has answered.
    pub vendor_position: Option<VendorPosition>,
    pub vendor_note: Option<String>,
    pub vendor_contact: Option<String>,
    pub vendor_answered_at: Option<NaiveDateTime>,
}

/// Adds `amount` to the order's refunded sum, only if the sum is still what
/// was read; the order becomes 已退款 when nothing is left.
fn mark_refunded(conn: &mut DbConn, order: &Order, amount_fen: i64) -> StoreResult<()> {
    let refunded = order.refunded_fen + amount_fen;
    let status = if refunded >= order.amount_fen {
        OrderStatus::Refunded
    } else {
        OrderStatus::Paid
    };
    let changed = diesel::update(
        orders::table
            .filter(orders::id.eq(order.id))
            .filter(orders::status.eq(OrderStatus::Paid.as_str()))
            .filter(orders::refunded_fen.eq(order.refunded_fen)),
    )
    .set((
        orders::refunded_fen.eq(refunded),
        orders::status.eq(status.as_str()),
    ))
    .execute(conn)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::Refused(Refusal::StateChanged))
    }
}

/// Writes the refund order (type 退款, status 已退款) linked to the order it refunds.
fn refund_order(
    conn: &mut DbConn,
    refunded: &Order,
    kind: RefundKind,
    amount_fen: i64,
    now: NaiveDateTime,
) -> StoreResult<Order> {
    Ok(insert_order(
        conn,
        &NewOrder {
            order_type: OrderType::Refund,
            status: OrderStatus::Refunded,
            kind: refunded.kind,
            product_id: refunded.product_id,
            product_name: &refunded.product_name,
            vendor_id: refunded.vendor_id,
            buyer_id: refunded.buyer_id,
            buyer_uin: refunded.buyer_uin,
            subscription_id: refunded.subscription_id,
            related_order_id: Some(refunded.id),
            plan_name: &refunded.plan_name,
            billing: refunded.billing,
            months: None,
            unit_price_fen: refunded.unit_price_fen,
            amount_fen,
            refund_kind: Some(kind),
            reorder_of: None,
            now,
        },
    )?)
}

/// A fully refunded order's subscription ends and its service ticket closes.
fn end_subscription(conn: &mut DbConn, order: &Order, now: NaiveDateTime) -> QueryResult<()> {
    super::tickets::close_for_order(conn, order.id, now)?;
    if let Some(id) = order.subscription_id {
        diesel::update(
            subscriptions::table
                .filter(subscriptions::id.eq(id))
                .filter(subscriptions::stopped_at.is_null()),
        )
        .set(subscriptions::stopped_at.eq(Some(now)))
        .execute(conn)?;
    }
    Ok(())
}

/// Tells of a refund order: `event` says who hears, and each opens the
/// refund order's own page.
fn tell_refunded(
    conn: &mut DbConn,
    event: Event,
    by: i64,
    order: &Order,
    refund: &Order,
    now: NaiveDateTime,
) -> QueryResult<()> {
    // The audit entry of a granted refund keeps its amount, in fen
    // (`PageCtx::audit_note` shows it).
    let amount = refund.amount_fen.to_string();
    let happened = Happened::new(
        event,
        Some(by),
        Subject::Order {
            order_no: &refund.order_no,
        },
        Parties::both(order.buyer_id, order.vendor_id),
        now,
    );
    effects::record(conn, &happened.about(&order.order_no).noted(&amount))
}

/// 五天无理由: refunds the whole purchase at once and ends the subscription.
pub fn five_day(
    conn: &mut DbConn,
    buyer_id: i64,
    order_no: &str,
    now: NaiveDateTime,
) -> StoreResult<Order> {
    write_transaction(conn, |conn| {
        let order =
            find_by_number(conn, order_no, Scope::Buyer(buyer_id))?.ok_or(StoreError::NotFound)?;
        five_day_refund(&order.facts(), now)?;
        mark_refunded(conn, &order, order.amount_fen).map_err(|e| match e {
            StoreError::Refused(Refusal::StateChanged) => RefundRefusal::AlreadyRefunded.into(),
            other => other,
        })?;
        end_subscription(conn, &order, now)?;
        let refund = refund_order(conn, &order, RefundKind::FiveDay, order.amount_fen, now)?;
        tell_refunded(conn, Event::FiveDayRefunded, buyer_id, &order, &refund, now)?;
        Ok(refund)
    })
}

/// Stops an hourly subscription: a refund order of amount 0, billing ends now.
pub fn stop(
    conn: &mut DbConn,
    buyer_id: i64,
    order_no: &str,
    now: NaiveDateTime,
) -> StoreResult<Order> {
    write_transaction(conn, |conn| {
        let order =
            find_by_number(conn, order_no, Scope::Buyer(buyer_id))?.ok_or(StoreError::NotFound)?;
        stop_billing(&order.facts())?;
        let changed = diesel::update(
            orders::table
                .filter(orders::id.eq(order.id))
                .filter(orders::status.eq(OrderStatus::Paid.as_str())),
        )
        .set(orders::status.eq(OrderStatus::Refunded.as_str()))
        .execute(conn)?;
        if changed != 1 {
            return Err(RefundRefusal::AlreadyRefunded.into());
        }
        end_subscription(conn, &order, now)?;
        let refund = refund_order(conn, &order, RefundKind::Stop, 0, now)?;
        tell_refunded(conn, Event::BillingStopped, buyer_id, &order, &refund, now)?;
        Ok(refund)
    })
}

/// Files a negotiated refund request; operators are told.
pub fn request(
    conn: &mut DbConn,
    buyer_id: i64,
    order_no: &str,
    reason: RefundReason,
    description: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        let order =
            find_by_number(conn, order_no, Scope::Buyer(buyer_id))?.ok_or(StoreError::NotFound)?;
        may_request_refund(&order.facts())?;
        let inserted = diesel::insert_into(refund_requests::table)
            .values((
                refund_requests::order_id.eq(order.id),
                refund_requests::buyer_id.eq(buyer_id),
                refund_requests::vendor_id.eq(order.vendor_id),
                refund_requests::reason.eq(reason.code()),
                refund_requests::description.eq(description),
                refund_requests::state.eq("open"),
                refund_requests::created_at.eq(now),
            ))
            .returning(refund_requests::id)
            .get_result::<i64>(conn);
        let request_id = match inserted {
            Ok(id) => id,
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                return Err(StoreError::Refused(Refusal::RefundAlreadyOpen));
            }
            Err(other) => return Err(other.into()),
        };
        let requested = Happened::new(
            Event::RefundRequested,
            Some(order.buyer_id),
            Subject::Refund {
                order_no: &order.order_no,
                request_id,
            },
            Parties::both(order.buyer_id, order.vendor_id),
            now,
        );
        effects::record(conn, &requested.about(&order.order_no))?;
        Ok(())
    })
}

/// What an operator decided on a request.
pub enum Decision {
    Refund { amount_fen: i64 },
    Decline { note: String },
}

/// Refunds (all or part of what is left) or declines an open request.
pub fn decide(
    conn: &mut DbConn,
    operator_id: i64,
    request_id: i64,
    decision: Decision,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        let request: RefundRequest = refund_requests::table
            .find(request_id)
            .select(RefundRequest::as_select())
            .first(conn)
            .optional()?
            .ok_or(StoreError::NotFound)?;
        let order: Order = orders::table
            .find(request.order_id)
            .select(Order::as_select())
            .first(conn)?;
        let (state, note, refund) = match decision {
            Decision::Refund { amount_fen } => {
                let amount = check_refund_amount(&order.facts(), amount_fen)?;
                mark_refunded(conn, &order, amount)?;
                if order.refunded_fen + amount >= order.amount_fen {
                    end_subscription(conn, &order, now)?;
                }
                let refund = refund_order(conn, &order, RefundKind::Negotiated, amount, now)?;
                ("refunded", String::new(), Some(refund))
            }
            Decision::Decline { note } => ("declined", note, None),
        };
        let changed = diesel::update(
            refund_requests::table
                .filter(refund_requests::id.eq(request_id))
                .filter(refund_requests::state.eq("open")),
        )
        .set((
            refund_requests::state.eq(state),
            refund_requests::decided_by.eq(Some(operator_id)),
            refund_requests::decision_note.eq(Some(note.as_str()).filter(|n| !n.is_empty())),
            refund_requests::refund_order_id.eq(refund.as_ref().map(|r| r.id)),
            refund_requests::decided_at.eq(Some(now)),
        ))
        .execute(conn)?;
        if changed != 1 {
            return Err(StoreError::Refused(Refusal::StateChanged));
        }
        match &refund {
            Some(refund) => {
                tell_refunded(conn, Event::RefundGranted, operator_id, &order, refund, now)?;
            }
            None => {
                let declined = Happened::new(
                    Event::RefundDeclined,
                    Some(operator_id),
                    Subject::Order {
                        order_no: &order.order_no,
                    },
                    Parties::both(order.buyer_id, order.vendor_id),
                    now,
                );
                effects::record(conn, &declined.about(&order.order_no).noted(&note))?;
            }
        }
        Ok(())
    })
}

/// A request with its order and vendor, for the queues.
#[derive(Debug, Clone)]
pub struct QueuedRequest {
    pub request: RefundRequest,
    pub order: Order,
    pub vendor_name: String,
    pub vendor_uin: i64,
}

/// Open requests oldest first, or the latest decided ones; every vendor's
/// (operators) or one vendor's own.
pub fn queue(
    conn: &mut DbConn,
    vendor_id: Option<i64>,
    open: bool,
) -> QueryResult<Vec<QueuedRequest>> {
    let mut query = refund_requests::table
        .inner_join(orders::table.on(orders::id.eq(refund_requests::order_id)))
        .inner_join(accounts::table.on(accounts::id.eq(refund_requests::vendor_id)))
        .select((
            RefundRequest::as_select(),
            Order::as_select(),
            accounts::display_name,
            accounts::uin,
        ))
        .into_boxed();
    if let Some(vendor_id) = vendor_id {
        query = query.filter(refund_requests::vendor_id.eq(vendor_id));
    }
    query = if open {
        query
            .filter(refund_requests::state.eq("open"))
            .order(refund_requests::created_at.asc())
    } else {
        query
            .filter(refund_requests::state.ne("open"))
            .order(refund_requests::decided_at.desc())
            .limit(50)
    };
    Ok(query
        .load::<(RefundRequest, Order, String, i64)>(conn)?
        .into_iter()
        .map(|(request, order, vendor_name, vendor_uin)| QueuedRequest {
            request,
            order,
            vendor_name,
            vendor_uin,
        })
        .collect())
}

/// An open request with its order and vendor, for the operator deciding it.
pub fn open_request(conn: &mut DbConn, request_id: i64) -> QueryResult<Option<QueuedRequest>> {
    let found = refund_requests::table
        .inner_join(orders::table.on(orders::id.eq(refund_requests::order_id)))
        .inner_join(accounts::table.on(accounts::id.eq(refund_requests::vendor_id)))
        .filter(refund_requests::id.eq(request_id))
        .filter(refund_requests::state.eq("open"))
        .select((
            RefundRequest::as_select(),
            Order::as_select(),
            accounts::display_name,
            accounts::uin,
        ))
        .first::<(RefundRequest, Order, String, i64)>(conn)
        .optional()?;
    Ok(
        found.map(|(request, order, vendor_name, vendor_uin)| QueuedRequest {
            request,
            order,
            vendor_name,
            vendor_uin,
        }),
    )
}

/// What the vendor says about a request on its order.
pub struct PositionInput<'a> {
    pub position: VendorPosition,
    pub note: &'a str,
    pub contact: &'a str,
}

/// Records (or changes) the vendor's position on an open request of its own
/// order, in one conditional update; the operators are told.
pub fn record_position(
    conn: &mut DbConn,
    vendor_id: i64,
    request_id: i64,
    input: &PositionInput,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        let request: RefundRequest = refund_requests::table
            .filter(refund_requests::id.eq(request_id))
            .filter(refund_requests::vendor_id.eq(vendor_id))
            .select(RefundRequest::as_select())
            .first(conn)
            .optional()?
            .ok_or(StoreError::NotFound)?;
        let changed = diesel::update(
            refund_requests::table
                .filter(refund_requests::id.eq(request.id))
                .filter(refund_requests::vendor_id.eq(vendor_id))
                .filter(refund_requests::state.eq("open")),
        )
        .set((
            refund_requests::vendor_position.eq(Some(input.position.as_str())),
            refund_requests::vendor_note.eq(Some(input.note)),
            refund_requests::vendor_contact.eq(Some(input.contact)),
            refund_requests::vendor_answered_at.eq(Some(now)),
        ))
        .execute(conn)?;
        if changed != 1 {
            return Err(StoreError::Refused(Refusal::StateChanged));
        }
        let order_no: String = orders::table
            .find(request.order_id)
            .select(orders::order_no)
            .first(conn)?;
        let answered = Happened::new(
            Event::RefundVendorPosition,
            Some(vendor_id),
            Subject::Refund {
                order_no: &order_no,
                request_id: request.id,
            },
            Parties::both(request.buyer_id, vendor_id),
            now,
        );
        effects::record(conn, &answered.about(&order_no))?;
        Ok(())
    })
}

/// The requests filed on an order, newest first.
pub fn requests_for(conn: &mut DbConn, order_id: i64) -> QueryResult<Vec<RefundRequest>> {
    refund_requests::table
        .filter(refund_requests::order_id.eq(order_id))
        .order(refund_requests::id.desc())
        .select(RefundRequest::as_select())
        .load(conn)
}
