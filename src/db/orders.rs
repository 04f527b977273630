//! Queries on orders and subscriptions: placing purchases and renewals in one
//! transaction, and the order lists with keyset pagination.

use crate::domain::refusal::Refusal;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::effects::{self, Happened};
use super::notify::Parties;
use super::products::{self as product_store, PlanRow};
use super::schema::{checkouts, orders, subscriptions};
use super::{DbConn, StoreError, write_transaction};
use crate::domain::notice::{Event, Subject};
use crate::domain::order::{
    OrderStatus, OrderType, PurchaseRefusal, Term, extend_expiry, may_renew, order_number,
    total_fen,
};
use crate::domain::product::{Billing, Kind, Listing};
use crate::domain::refund::{FIVE_DAYS, RefundKind, is_reorder};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orders)]
pub struct Order {
    pub id: i64,
    pub order_no: String,
    pub order_type: OrderType,
    pub status: OrderStatus,
    pub product_id: i64,
    #[diesel(column_name = product_kind)]
    pub kind: Kind,
    pub product_name: String,
    pub vendor_id: i64,
    pub buyer_id: i64,
    pub buyer_uin: i64,
    pub subscription_id: Option<i64>,
    pub related_order_id: Option<i64>,
    pub plan_name: String,
    pub billing: Billing,
    pub months: Option<i32>,
    pub unit_price_fen: i64,
    pub amount_fen: i64,
    pub refunded_fen: i64,
    pub created_at: NaiveDateTime,
    /// Refund orders: which refund (five_day, negotiated, stop).
    pub refund_kind: Option<RefundKind>,
    /// A purchase placed within five days after a five-day refund of the same
    /// product: that refund order (重新订购单, not settled).
    pub reorder_of: Option<i64>,
}

impl Order {
    /// What the refund rules look at.
    pub fn facts(&self) -> crate::domain::refund::OrderFacts {
        crate::domain::refund::OrderFacts {
            order_type: self.order_type,
            kind: self.kind,
            billing: self.billing,
            status: self.status,
            amount_fen: self.amount_fen,
            refunded_fen: self.refunded_fen,
            paid_at: self.created_at,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = subscriptions)]
pub struct Subscription {
    pub id: i64,
    pub buyer_id: i64,
    pub vendor_id: i64,
    pub product_id: i64,
    pub plan_name: String,
    pub billing: Billing,
    pub unit_price_fen: i64,
    pub year_price_fen: Option<i64>,
    pub started_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub stopped_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// A buyer's order event, about its number, for both sides.
fn on_order<'a>(event: Event, order: &'a Order, now: NaiveDateTime) -> Happened<'a> {
    Happened::new(
        event,
        Some(order.buyer_id),
        Subject::Order {
            order_no: &order.order_no,
        },
        Parties::both(order.buyer_id, order.vendor_id),
        now,
    )
    .about(&order.order_no)
}

/// The facts of a new order row.
pub struct NewOrder<'a> {
    pub order_type: OrderType,
    pub status: OrderStatus,
    pub kind: Kind,
    pub product_id: i64,
    pub product_name: &'a str,
    pub vendor_id: i64,
    pub buyer_id: i64,
    pub buyer_uin: i64,
    pub subscription_id: Option<i64>,
    pub related_order_id: Option<i64>,
    pub plan_name: &'a str,
    pub billing: Billing,
    pub months: Option<i32>,
    pub unit_price_fen: i64,
    pub amount_fen: i64,
    pub refund_kind: Option<RefundKind>,
    pub reorder_of: Option<i64>,
    pub now: NaiveDateTime,
}

/// Inserts an order under a fresh number. Each attempt runs in a savepoint,
/// so a number already taken (two orders in the same second drawing the same
/// digits) is drawn again without aborting the surrounding transaction.
pub fn insert_order(conn: &mut DbConn, new: &NewOrder) -> Result<Order, DieselError> {
    let created = new.now.and_utc();
    for _ in 0..8 {
        let order_no = order_number(new.kind, created, rand::random::<u32>());
        let attempt = conn.transaction(|conn| {
            diesel::insert_into(orders::table)
                .values((
                    orders::order_no.eq(&order_no),
                    orders::order_type.eq(new.order_type.as_str()),
                    orders::status.eq(new.status.as_str()),
                    orders::product_id.eq(new.product_id),
                    orders::product_kind.eq(new.kind.as_str()),
                    orders::product_name.eq(new.product_name),
                    orders::vendor_id.eq(new.vendor_id),
                    orders::buyer_id.eq(new.buyer_id),
                    orders::buyer_uin.eq(new.buyer_uin),
                    orders::subscription_id.eq(new.subscription_id),
                    orders::related_order_id.eq(new.related_order_id),
                    orders::plan_name.eq(new.plan_name),
                    orders::billing.eq(new.billing.as_str()),
                    orders::months.eq(new.months),
                    orders::unit_price_fen.eq(new.unit_price_fen),
                    orders::amount_fen.eq(new.amount_fen),
                    orders::refund_kind.eq(new.refund_kind.map(RefundKind::as_str)),
                    orders::reorder_of.eq(new.reorder_of),
                    orders::created_at.eq(new.now),
                ))
                .returning(orders::all_columns)
                .get_result::<Order>(conn)
        });
        match attempt {
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => continue,
            Ok(order) => {
                super::tallies::count_order(
                    conn,
                    order.vendor_id,
                    order.order_type,
                    order.amount_fen,
                )?;
                return Ok(order);
            }
            other => return other,
        }
    }
    Err(DieselError::RollbackTransaction)
}

/// Whether a checkout key has the form `new_checkout_key` gives (32 hex
/// digits): anything else never reaches the database. The key is not
/// signed; it only tells one submission of a checkout from another.
pub fn is_checkout_key(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A fresh one-time key for a checkout page.
pub fn new_checkout_key() -> String {
    use rand::RngExt;
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The order a buyer's checkout key paid for, if it was paid.
pub fn order_of_checkout(
    conn: &mut DbConn,
    buyer_id: i64,
    key: &str,
) -> QueryResult<Option<Order>> {
    checkouts::table
        .inner_join(orders::table)
        .filter(checkouts::checkout_key.eq(key))
        .filter(checkouts::buyer_id.eq(buyer_id))
        .select(Order::as_select())
        .first(conn)
        .optional()
}

/// Refuses a checkout key that already paid, before anything is written.
fn unpaid_checkout(conn: &mut DbConn, key: &str) -> Result<(), StoreError> {
    let paid: i64 = checkouts::table
        .filter(checkouts::checkout_key.eq(key))
        .count()
        .get_result(conn)?;
    if paid > 0 {
        return Err(StoreError::Refused(Refusal::CheckoutPaid));
    }
    Ok(())
}

/// Records that the checkout `key` made `order`, in the order's own
/// transaction: of two submissions at once, the second waits on the key's
/// uniqueness and then fails, taking its order with it.
fn record_checkout(
    conn: &mut DbConn,
    key: &str,
    order: &Order,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let inserted = diesel::insert_into(checkouts::table)
        .values((
            checkouts::checkout_key.eq(key),
            checkouts::buyer_id.eq(order.buyer_id),
            checkouts::order_id.eq(order.id),
            checkouts::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(()),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Err(StoreError::Refused(Refusal::CheckoutPaid))
        }
        Err(other) => Err(other.into()),
    }
}

/// What a buyer asked to buy, and the total they saw.
pub struct PurchaseRequest {
    /// The checkout page's one-time key (see `is_checkout_key`).
    pub checkout_key: String,
    pub buyer_id: i64,
    pub buyer_uin: i64,
    pub product_id: i64,
    pub plan_id: i64,
    pub term: Option<Term>,
    pub seen_total_fen: i64,
    pub now: NaiveDateTime,
}

/// The plan a buyer may buy now: one of the listed product's live plans.
pub fn buyable_plan(
    conn: &mut DbConn,
    product_id: i64,
    plan_id: i64,
) -> Result<(product_store::Product, String, PlanRow), StoreError> {
    let product = product_store::find(conn, product_id)?.ok_or(StoreError::NotFound)?;
    let live_id = product.live_revision_id.ok_or(PurchaseRefusal::NotListed)?;
    if product.listing != Listing::Listed {
        return Err(PurchaseRefusal::NotListed.into());
    }
    let live = product_store::revision(conn, live_id)?.ok_or(PurchaseRefusal::NotListed)?;
    let plan = product_store::plans_of(conn, live_id)?
        .into_iter()
        .find(|plan| plan.id == plan_id)
        .ok_or(PurchaseRefusal::UnknownPlan)?;
    Ok((product, live.name, plan))
}

/// Places a paid purchase and its subscription in one transaction, or writes nothing.
pub fn purchase(conn: &mut DbConn, request: &PurchaseRequest) -> Result<Order, StoreError> {
    write_transaction(conn, |conn| {
        unpaid_checkout(conn, &request.checkout_key)?;
        let (product, name, plan) = buyable_plan(conn, request.product_id, request.plan_id)?;
        let billing = plan.billing;
        let total = total_fen(billing, plan.price_fen, plan.year_price_fen, request.term)?;
        if total != request.seen_total_fen {
            return Err(PurchaseRefusal::PriceChanged.into());
        }
        let now = request.now;
        let months = request.term.map(|t| t.months());
        let reorder_of = reorder_of(conn, request.buyer_id, product.id, now)?;
        let subscription_id: i64 = diesel::insert_into(subscriptions::table)
            .values((
                subscriptions::buyer_id.eq(request.buyer_id),
                subscriptions::vendor_id.eq(product.vendor_id),
                subscriptions::product_id.eq(product.id),
                subscriptions::plan_name.eq(&plan.name),
                subscriptions::billing.eq(billing.as_str()),
                subscriptions::unit_price_fen.eq(plan.price_fen),
                subscriptions::year_price_fen.eq(plan.year_price_fen),
                subscriptions::started_at.eq(now),
                subscriptions::expires_at.eq(months.map(|m| extend_expiry(None, m, now))),
                subscriptions::created_at.eq(now),
            ))
            .returning(subscriptions::id)
            .get_result(conn)?;
        let order = insert_order(
            conn,
            &NewOrder {
                order_type: OrderType::Purchase,
                status: OrderStatus::Paid,
                kind: product.kind,
                product_id: product.id,
                product_name: &name,
                vendor_id: product.vendor_id,
                buyer_id: request.buyer_id,
                buyer_uin: request.buyer_uin,
                subscription_id: Some(subscription_id),
                related_order_id: None,
                plan_name: &plan.name,
                billing,
                months: months.map(|m| m as i32),
                unit_price_fen: plan.price_fen,
                amount_fen: total,
                refund_kind: None,
                reorder_of,
                now,
            },
        )?;
        effects::record(conn, &on_order(new_order_event(product.kind), &order, now))?;
        super::tickets::open_for(conn, &order, now)?;
        super::ledger::follow(conn, &[order.id], now)?;
        super::ledger::hourly_started(conn, &order)?;
        record_checkout(conn, &request.checkout_key, &order, now)?;
        Ok(order)
    })
}

/// The five-day refund a purchase at `now` re-orders after, if it is the
/// buyer's first purchase of the product since that refund, within five days.
fn reorder_of(
    conn: &mut DbConn,
    buyer_id: i64,
    product_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    let latest: Option<(i64, NaiveDateTime)> = orders::table
        .filter(orders::buyer_id.eq(buyer_id))
        .filter(orders::product_id.eq(product_id))
        .filter(orders::refund_kind.eq(RefundKind::FiveDay.as_str()))
        .filter(orders::created_at.ge(now - FIVE_DAYS))
        .order(orders::created_at.desc())
        .select((orders::id, orders::created_at))
        .first(conn)
        .optional()?;
    let Some((refund_id, refunded_at)) = latest else {
        return Ok(None);
    };
    let bought_since: i64 = orders::table
        .filter(orders::buyer_id.eq(buyer_id))
        .filter(orders::product_id.eq(product_id))
        .filter(orders::order_type.eq(OrderType::Purchase.as_str()))
        .filter(orders::created_at.gt(refunded_at))
        .count()
        .get_result(conn)?;
    Ok(is_reorder(refunded_at, bought_since > 0, now).then_some(refund_id))
}

/// A license purchase asks the vendor to deliver offline; others just announce the order.
fn new_order_event(kind: Kind) -> Event {
    match kind {
        Kind::License => Event::LicenseOrdered,
        _ => Event::OrderPlaced,
    }
}

/// The subscription's purchase order.
pub fn purchase_of(conn: &mut DbConn, subscription_id: i64) -> QueryResult<Option<Order>> {
    orders::table
        .filter(orders::subscription_id.eq(subscription_id))
        .filter(orders::order_type.eq(OrderType::Purchase.as_str()))
        .select(Order::as_select())
        .first(conn)
        .optional()
}

pub fn subscription(conn: &mut DbConn, id: i64) -> QueryResult<Option<Subscription>> {
    subscriptions::table
        .find(id)
        .select(Subscription::as_select())
        .first(conn)
        .optional()
}

/// Renews a prepaid subscription of the buyer's, also after the product was
/// delisted: a renew order, and the expiry moved on, in one transaction.
pub fn renew(
    conn: &mut DbConn,
    checkout_key: &str,
    buyer_id: i64,
    subscription_id: i64,
    term: Term,
    seen_total_fen: i64,
    now: NaiveDateTime,
) -> Result<Order, StoreError> {
    write_transaction(conn, |conn| {
        unpaid_checkout(conn, checkout_key)?;
        let subscription = subscription(conn, subscription_id)?
            .filter(|s| s.buyer_id == buyer_id)
            .ok_or(StoreError::NotFound)?;
        let purchase = purchase_of(conn, subscription_id)?.ok_or(StoreError::NotFound)?;
        may_renew(
            subscription.billing,
            subscription.stopped_at.is_some(),
            purchase.status,
        )?;
        let total = total_fen(
            Billing::Prepaid,
            subscription.unit_price_fen,
            subscription.year_price_fen,
            Some(term),
        )?;
        if total != seen_total_fen {
            return Err(PurchaseRefusal::PriceChanged.into());
        }
        // Prepaid subscriptions always have an expiry; the update names the one
        // read, so two renewals at once extend it once each, never from a stale value.
        let expiry = subscription
            .expires_at
            .ok_or(PurchaseRefusal::NotRenewable)?;
        let new_expiry = extend_expiry(Some(expiry), term.months(), now);
        let changed = diesel::update(
            subscriptions::table
                .filter(subscriptions::id.eq(subscription_id))
                .filter(subscriptions::expires_at.eq(expiry))
                .filter(subscriptions::stopped_at.is_null()),
        )
        .set(subscriptions::expires_at.eq(Some(new_expiry)))
        .execute(conn)?;
        if changed != 1 {
            // Read as renewable, changed before the update (PostgreSQL
            // re-reads the row once the other transaction commits).
            return Err(StoreError::Refused(Refusal::StateChanged));
        }
        let kind = purchase.kind;
        let order = insert_order(
            conn,
            &NewOrder {
                order_type: OrderType::Renew,
                status: OrderStatus::Paid,
                kind,
                product_id: purchase.product_id,
                product_name: &purchase.product_name,
                vendor_id: purchase.vendor_id,
                buyer_id,
                buyer_uin: purchase.buyer_uin,
                subscription_id: Some(subscription_id),
                related_order_id: Some(purchase.id),
                plan_name: &subscription.plan_name,
                billing: Billing::Prepaid,
                months: Some(term.months() as i32),
                unit_price_fen: subscription.unit_price_fen,
                amount_fen: total,
                refund_kind: None,
                reorder_of: None,
                now,
            },
        )?;
        effects::record(conn, &on_order(Event::OrderRenewed, &order, now))?;
        super::ledger::follow(conn, &[order.id], now)?;
        record_checkout(conn, checkout_key, &order, now)?;
        Ok(order)
    })
}

/// Who is looking at orders decides which they may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Vendor(i64),
    Buyer(i64),
    All,
}

/// How far back a checkout page looks for the same order already paid.
pub const RECENT_REPEAT: chrono::Duration = chrono::Duration::minutes(30);

/// What a checkout would pay for, as far as repeating it goes.
#[derive(Debug, Clone)]
pub enum Repeat {
    /// A purchase of a product's plan.
    Purchase { product_id: i64, plan_name: String },
    /// A renewal of a subscription.
    Renewal { subscription_id: i64 },
}

/// The buyer's latest paid order since `since` that a new checkout would
/// repeat. A checkout page reopened with the back button gets a new
/// one-time key, so it says so instead.
pub fn recent_repeat(
    conn: &mut DbConn,
    buyer_id: i64,
    repeat: &Repeat,
    since: NaiveDateTime,
) -> QueryResult<Option<Order>> {
    let query = orders::table
        .filter(orders::buyer_id.eq(buyer_id))
        .filter(orders::created_at.ge(since))
        .into_boxed();
    let query = match repeat {
        Repeat::Renewal { subscription_id } => query
            .filter(orders::subscription_id.eq(*subscription_id))
            .filter(orders::order_type.eq(OrderType::Renew.as_str())),
        Repeat::Purchase {
            product_id,
            plan_name,
        } => query
            .filter(orders::product_id.eq(*product_id))
            .filter(orders::plan_name.eq(plan_name.clone()))
            .filter(orders::order_type.eq(OrderType::Purchase.as_str())),
    };
    query
        .order((orders::created_at.desc(), orders::id.desc()))
        .select(Order::as_select())
        .first(conn)
        .optional()
}

/// An order by number, if the scope may see it (another's is "not found").
pub fn find_by_number(
    conn: &mut DbConn,
    order_no: &str,
    scope: Scope,
) -> QueryResult<Option<Order>> {
    let mut query = orders::table
        .filter(orders::order_no.eq(order_no))
        .select(Order::as_select())
        .into_boxed();
    query = match scope {
        Scope::Vendor(id) => query.filter(orders::vendor_id.eq(id)),
        Scope::Buyer(id) => query.filter(orders::buyer_id.eq(id)),
        Scope::All => query,
    };
    query.first(conn).optional()
}

/// An order by its id (tickets name their order by id).
pub fn find_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<Order>> {
    orders::table
        .find(id)
        .select(Order::as_select())
        .first(conn)
        .optional()
}

/// The refund orders written against an order.
pub fn refunds_of(conn: &mut DbConn, order_id: i64) -> QueryResult<Vec<Order>> {
    orders::table
        .filter(orders::related_order_id.eq(order_id))
        .filter(orders::order_type.eq(OrderType::Refund.as_str()))
        .order(orders::id.asc())
        .select(Order::as_select())
        .load(conn)
}

/// Every order of a subscription, oldest first: the purchase, renewals, refunds.
pub fn chain(conn: &mut DbConn, subscription_id: i64) -> QueryResult<Vec<Order>> {
    orders::table
        .filter(orders::subscription_id.eq(subscription_id))
        .order((orders::created_at.asc(), orders::id.asc()))
        .select(Order::as_select())
        .load(conn)
}

/// The list's filters, all optional; they stay in the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub buyer_uin: Option<i64>,
    /// Exact order number, or its start (`prefix`).
    pub order_no: Option<String>,
    pub order_no_prefix: bool,
    pub order_type: Option<OrderType>,
    pub billing: Option<Billing>,
    pub status: Option<OrderStatus>,
    pub product_id: Option<i64>,
    pub vendor_id: Option<i64>,
    /// Inclusive start, exclusive end (UTC).
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
}

/// A position in the list: the order is by (created_at, id) newest first, or
/// by order number when searching by prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Time(NaiveDateTime, i64),
    Number(String),
}

/// Which way to page from a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    First,
    /// Rows after (older than) the cursor.
    After(Cursor),
    /// Rows before (newer than) the cursor.
    Before(Cursor),
}

/// One page of orders in display order, and whether rows exist past each end.
#[derive(Debug, Clone)]
pub struct OrderPage {
    pub rows: Vec<Order>,
    pub has_newer: bool,
    pub has_older: bool,
}

/// Past every order number that starts with the (letters, digits, `_`) prefix.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}~")
}

type Backend = <DbConn as diesel::Connection>::Backend;

/// The scope's orders that match the filter, as one query the list and its
/// summary both start from.
fn filtered(scope: Scope, filter: &OrderFilter) -> orders::BoxedQuery<'static, Backend> {
    let mut query = orders::table.into_boxed();
    query = match scope {
        Scope::Vendor(id) => query.filter(orders::vendor_id.eq(id)),
        Scope::Buyer(id) => query.filter(orders::buyer_id.eq(id)),
        Scope::All => query,
    };
    if let Some(vendor_id) = filter.vendor_id {
        query = query.filter(orders::vendor_id.eq(vendor_id));
    }
    if let Some(uin) = filter.buyer_uin {
        query = query.filter(orders::buyer_uin.eq(uin));
    }
    if let Some(number) = &filter.order_no {
        query = if filter.order_no_prefix {
            query
                .filter(orders::order_no.ge(number.clone()))
                .filter(orders::order_no.lt(prefix_end(number)))
        } else {
            query.filter(orders::order_no.eq(number.clone()))
        };
    }
    if let Some(order_type) = filter.order_type {
        query = query.filter(orders::order_type.eq(order_type.as_str()));
    }
    if let Some(billing) = filter.billing {
        query = query.filter(orders::billing.eq(billing.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(orders::status.eq(status.as_str()));
    }
    if let Some(product_id) = filter.product_id {
        query = query.filter(orders::product_id.eq(product_id));
    }
    if let Some(from) = filter.from {
        query = query.filter(orders::created_at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(orders::created_at.lt(until));
    }
    query
}

/// What the current filter holds: how many orders, and the money paid by
/// purchases and renewals and given back by refunds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderSummary {
    pub count: i64,
    pub paid_fen: i64,
    pub refunded_fen: i64,
}

/// The summary of the list: from the vendors' tallies when nothing but the
/// vendor narrows it (the page every vendor opens first), else counted.
pub fn summary(conn: &mut DbConn, scope: Scope, filter: &OrderFilter) -> QueryResult<OrderSummary> {
    let narrowed = OrderFilter {
        vendor_id: None,
        ..filter.clone()
    } != OrderFilter::default();
    match (scope, filter.vendor_id) {
        _ if narrowed => counted_summary(conn, scope, filter),
        (Scope::Vendor(id), None) | (Scope::All, Some(id)) => super::tallies::of_vendor(conn, id),
        (Scope::All, None) => super::tallies::of_market(conn),
        _ => counted_summary(conn, scope, filter),
    }
}

/// The summary counted from the orders the filter matches: what the
/// tallies must always agree with.
pub fn counted_summary(
    conn: &mut DbConn,
    scope: Scope,
    filter: &OrderFilter,
) -> QueryResult<OrderSummary> {
    use diesel::dsl::count_star;
    let total = || super::sum_of("amount_fen");
    let refund = OrderType::Refund.as_str();
    let (count, paid_fen): (i64, i64) = filtered(scope, filter)
        .filter(orders::order_type.ne(refund))
        .select((count_star(), total()))
        .first(conn)?;
    let (refunds, refunded_fen): (i64, i64) = filtered(scope, filter)
        .filter(orders::order_type.eq(refund))
        .select((count_star(), total()))
        .first(conn)?;
    Ok(OrderSummary {
        count: count + refunds,
        paid_fen,
        refunded_fen,
    })
}

/// A page of the scope's orders matching the filter, by keyset: no OFFSET, so
/// a page deep in a million rows costs what the first one does.
pub fn list(
    conn: &mut DbConn,
    scope: Scope,
    filter: &OrderFilter,
    page: &Page,
    limit: i64,
) -> QueryResult<OrderPage> {
    let by_number = filter.order_no_prefix && filter.order_no.is_some();
    let mut query = filtered(scope, filter).select(Order::as_select());
    // The plain bound (<= / >=) lets the index start at the cursor.
    query = match page {
        Page::First => query,
        Page::After(Cursor::Time(at, id)) => query
            .filter(orders::created_at.le(*at))
            .filter(orders::created_at.lt(*at).or(orders::id.lt(*id))),
        Page::Before(Cursor::Time(at, id)) => query
            .filter(orders::created_at.ge(*at))
            .filter(orders::created_at.gt(*at).or(orders::id.gt(*id))),
        Page::After(Cursor::Number(number)) => query.filter(orders::order_no.lt(number.clone())),
        Page::Before(Cursor::Number(number)) => query.filter(orders::order_no.gt(number.clone())),
    };
    let ascending = matches!(page, Page::Before(_));
    query = match (by_number, ascending) {
        (false, false) => query.order((orders::created_at.desc(), orders::id.desc())),
        (false, true) => query.order((orders::created_at.asc(), orders::id.asc())),
        (true, false) => query.order(orders::order_no.desc()),
        (true, true) => query.order(orders::order_no.asc()),
    };
    let mut rows: Vec<Order> = query.limit(limit + 1).load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    if ascending {
        rows.reverse();
    }
    let (has_newer, has_older) = match page {
        Page::First => (false, more),
        Page::After(_) => (true, more),
        Page::Before(_) => (more, true),
    };
    Ok(OrderPage {
        rows,
        has_newer,
        has_older,
    })
}

impl Order {
    /// This row's position, for the page links around it.
    pub fn cursor(&self, by_number: bool) -> Cursor {
        if by_number {
            Cursor::Number(self.order_no.clone())
        } else {
            Cursor::Time(self.created_at, self.id)
        }
    }
}

/// The buyer's subscriptions, newest first, with their purchase orders.
/// Two indexed queries rather than a join: without statistics SQLite's
/// planner scanned every order for the join (70 ms at a million orders).
pub fn subscriptions_of(
    conn: &mut DbConn,
    buyer_id: i64,
) -> QueryResult<Vec<(Subscription, Order)>> {
    let subscriptions: Vec<Subscription> = subscriptions::table
        .filter(subscriptions::buyer_id.eq(buyer_id))
        .order(subscriptions::id.desc())
        .limit(200)
        .select(Subscription::as_select())
        .load(conn)?;
    let ids: Vec<i64> = subscriptions.iter().map(|s| s.id).collect();
    let mut purchases: std::collections::HashMap<i64, Order> = orders::table
        .filter(orders::subscription_id.eq_any(&ids))
        .filter(orders::order_type.eq(OrderType::Purchase.as_str()))
        .select(Order::as_select())
        .load::<Order>(conn)?
        .into_iter()
        .filter_map(|order| order.subscription_id.map(|id| (id, order)))
        .collect();
    Ok(subscriptions
        .into_iter()
        .filter_map(|subscription| {
            let purchase = purchases.remove(&subscription.id)?;
            Some((subscription, purchase))
        })
        .collect())
}
