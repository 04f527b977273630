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
    self, Decision, OrderFacts, RefundKind, RefundReason, RefundRefusal, Refunding, RequestState,
    VendorPosition, may_request_refund,
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

/// Applies a refund to the order it refunds: writes the refund order, then
/// moves the order's status and refunded sum only if both are still as
/// read (else someone refunded it first), records the refund's own events
/// about the refund order, and ends the service when nothing is left.
/// Returns the refund order.
fn apply_refund(
    conn: &mut DbConn,
    by: i64,
    order: &Order,
    refunding: &Refunding,
    now: NaiveDateTime,
) -> StoreResult<Order> {
    let refund = refund_order(conn, order, refunding.kind, refunding.amount_fen, now)?;
    effects::apply(
        conn,
        &refunding.status,
        |conn| {
            diesel::update(
                orders::table
                    .filter(orders::id.eq(order.id))
                    .filter(orders::status.eq(refunding.status.from.as_str()))
                    .filter(orders::refunded_fen.eq(refunding.refunded_fen_before)),
            )
            .set((
                orders::refunded_fen.eq(refunding.refunded_fen_after),
                orders::status.eq(refunding.status.to.as_str()),
            ))
            .execute(conn)
        },
        |event| refunded(event, by, order, &refund, now),
    )?;
    if refunding.ends_service {
        end_subscription(conn, order, now)?;
    }
    if refunding.kind == RefundKind::Stop {
        super::ledger::hourly_stopped(conn, order)?;
    }
    super::ledger::follow(conn, &[order.id], now)?;
    Ok(refund)
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

/// A refund's event, about the refund order (each party opens its page),
/// kept in the audit log with the refunded order's number.
fn refunded<'a>(
    event: Event,
    by: i64,
    order: &'a Order,
    refund: &'a Order,
    now: NaiveDateTime,
) -> Happened<'a> {
    Happened::new(
        event,
        Some(by),
        Subject::Order {
            order_no: &refund.order_no,
        },
        Parties::both(order.buyer_id, order.vendor_id),
        now,
    )
    .about(&order.order_no)
}

/// A refund's step taken first by someone else reads, to the buyer, as the
/// order being refunded already.
fn refunded_first(error: StoreError) -> StoreError {
    match error {
        StoreError::Refused(Refusal::StateChanged) => RefundRefusal::AlreadyRefunded.into(),
        other => other,
    }
}

/// 五天无理由: refunds the whole purchase at once and ends the subscription.
pub fn five_day(
    conn: &mut DbConn,
    buyer_id: i64,
    order_no: &str,
    now: NaiveDateTime,
) -> StoreResult<Order> {
    refund_at_once(conn, buyer_id, order_no, now, |order| {
        refund::refund_within_five_days(order, now)
    })
}

/// Stops an hourly subscription: a refund order of amount 0, billing ends now.
pub fn stop(
    conn: &mut DbConn,
    buyer_id: i64,
    order_no: &str,
    now: NaiveDateTime,
) -> StoreResult<Order> {
    refund_at_once(conn, buyer_id, order_no, now, refund::stop)
}

/// A refund the buyer takes on their own order, without a request: the
/// domain's `command` decides it, and it is applied in one transaction.
fn refund_at_once(
    conn: &mut DbConn,
    buyer_id: i64,
    order_no: &str,
    now: NaiveDateTime,
    command: impl FnOnce(&OrderFacts) -> Result<Refunding, RefundRefusal>,
) -> StoreResult<Order> {
    write_transaction(conn, |conn| {
        let order =
            find_by_number(conn, order_no, Scope::Buyer(buyer_id))?.ok_or(StoreError::NotFound)?;
        let refunding = command(&order.facts())?;
        apply_refund(conn, buyer_id, &order, &refunding, now).map_err(refunded_first)
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
        let (answer, refunding) = refund::decide(request.state, &order.facts(), &decision)?;
        let refund = refunding
            .map(|refunding| apply_refund(conn, operator_id, &order, &refunding, now))
            .transpose()?;
        let note = match &decision {
            Decision::Decline { note } => note.as_str(),
            Decision::Refund { .. } => "",
        };
        // The audit entry of a granted refund keeps its amount, in fen
        // (`PageCtx::audit_note` shows it); a declined one its reason.
        let amount = refund
            .as_ref()
            .map(|refund| refund.amount_fen.to_string())
            .unwrap_or_default();
        effects::apply(
            conn,
            &answer,
            |conn| {
                diesel::update(
                    refund_requests::table
                        .filter(refund_requests::id.eq(request_id))
                        .filter(refund_requests::state.eq(answer.from.as_str())),
                )
                .set((
                    refund_requests::state.eq(answer.to.as_str()),
                    refund_requests::decided_by.eq(Some(operator_id)),
                    refund_requests::decision_note.eq(Some(note).filter(|n| !n.is_empty())),
                    refund_requests::refund_order_id.eq(refund.as_ref().map(|r| r.id)),
                    refund_requests::decided_at.eq(Some(now)),
                ))
                .execute(conn)
            },
            |event| match &refund {
                Some(refund) => refunded(event, operator_id, &order, refund, now).noted(&amount),
                None => Happened::new(
                    event,
                    Some(operator_id),
                    Subject::Order {
                        order_no: &order.order_no,
                    },
                    Parties::both(order.buyer_id, order.vendor_id),
                    now,
                )
                .about(&order.order_no)
                .noted(note),
            },
        )?;
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
        let answer = refund::answer_request(request.state)?;
        let order_no: String = orders::table
            .find(request.order_id)
            .select(orders::order_no)
            .first(conn)?;
        effects::apply(
            conn,
            &answer,
            |conn| {
                diesel::update(
                    refund_requests::table
                        .filter(refund_requests::id.eq(request.id))
                        .filter(refund_requests::vendor_id.eq(vendor_id))
                        .filter(refund_requests::state.eq(answer.from.as_str())),
                )
                .set((
                    refund_requests::vendor_position.eq(Some(input.position.as_str())),
                    refund_requests::vendor_note.eq(Some(input.note)),
                    refund_requests::vendor_contact.eq(Some(input.contact)),
                    refund_requests::vendor_answered_at.eq(Some(now)),
                ))
                .execute(conn)
            },
            |event| {
                Happened::new(
                    event,
                    Some(vendor_id),
                    Subject::Refund {
                        order_no: &order_no,
                        request_id: request.id,
                    },
                    Parties::both(request.buyer_id, vendor_id),
                    now,
                )
                .about(&order_no)
            },
        )?;
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
