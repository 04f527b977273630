//! The order page, for each party its own view, and the buyer's orders.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{Buyer, CurrentUser, Operator, Vendor};
use crate::db::orders::{self, OrderFilter, Page, Scope};
use crate::db::refunds;
use crate::domain::order::{OrderType, Term, may_renew};
use crate::domain::refund::{RequestState, five_day_refund, may_request_refund, stop_billing};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::views::Alert;
use crate::views::orders::ORDER_PAGE_SIZE;
use crate::views::orders::{BuyerRefunds, MyOrdersPage, OrderDetailPage, TypedFilter};
use crate::views::{self, PageCtx, Section, render, take_flash};

use super::query::{decode_cursor, pager_links};

/// Whose view of an order: what they may see, where numbers link, the menu entry.
#[derive(Clone, Copy)]
pub struct OrderView {
    pub scope: Scope,
    pub base: &'static str,
    pub section: Section,
}

impl OrderView {
    pub fn vendor(id: i64) -> OrderView {
        OrderView {
            scope: Scope::Vendor(id),
            base: "/vendor/orders",
            section: Section::VendorOrders,
        }
    }

    pub fn operator() -> OrderView {
        OrderView {
            scope: Scope::All,
            base: "/admin/orders",
            section: Section::AdminOrders,
        }
    }

    pub fn buyer(id: i64) -> OrderView {
        OrderView {
            scope: Scope::Buyer(id),
            base: "/me/orders",
            section: Section::MyOrders,
        }
    }
}

/// The order page for whoever may see the order; anyone else gets 404.
pub async fn order_page(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    order_no: String,
    view: OrderView,
    alert: Alert,
) -> AppResult<HttpResponse> {
    let scope = view.scope;
    let now = state.now();
    let (order, chain, subscription, renewable, refund_requests, ticket_id, related, settlement) =
        state
            .db(move |conn| {
                let order =
                    orders::find_by_number(conn, &order_no, scope)?.ok_or(AppError::NotFound)?;
                let (chain, subscription) = match order.subscription_id {
                    Some(id) => (orders::chain(conn, id)?, orders::subscription(conn, id)?),
                    None => (vec![order.clone()], None),
                };
                let purchase_status = chain
                    .iter()
                    .find(|o| o.order_type == OrderType::Purchase)
                    .map(|o| o.status);
                let renewable = match (&subscription, purchase_status) {
                    (Some(s), Some(status)) => {
                        may_renew(s.billing, s.stopped_at.is_some(), status).is_ok()
                    }
                    _ => false,
                };
                let refund_requests = refunds::requests_for(conn, order.id)?;
                // The ticket belongs to the purchase of the chain.
                let purchase_id = chain
                    .iter()
                    .find(|o| o.order_type == OrderType::Purchase)
                    .map_or(order.id, |o| o.id);
                let ticket = crate::db::tickets::for_order(conn, purchase_id)?.map(|t| t.id);
                // A renewal or refund names the order it belongs to; a refunded order its refunds.
                let mut related: Vec<String> = Vec::new();
                if let Some(id) = order.related_order_id
                    && let Some(parent) = orders::find_by_id(conn, id)?
                {
                    related.push(parent.order_no);
                }
                related.extend(
                    orders::refunds_of(conn, order.id)?
                        .into_iter()
                        .map(|r| r.order_no),
                );
                // Where the chain stands in settlement is the vendor's and operator's business.
                let settlement = if matches!(scope, Scope::Buyer(_)) {
                    Vec::new()
                } else {
                    crate::db::settlements::lines_of_orders(conn, &chain, now)?
                };
                Ok((
                    order,
                    chain,
                    subscription,
                    renewable,
                    refund_requests,
                    ticket,
                    related,
                    settlement,
                ))
            })
            .await?;
    let is_buyer = matches!(scope, Scope::Buyer(_));
    let renew_terms = match (&subscription, renewable && is_buyer) {
        (Some(s), true) => Term::offered(s.year_price_fen.is_some()),
        _ => Vec::new(),
    };
    let facts = order.facts();
    let five_day = five_day_refund(&facts, now);
    let refunds = is_buyer.then(|| BuyerRefunds {
        five_day,
        can_stop: stop_billing(&facts).is_ok(),
        // While the five-day refund applies it is the way; the request is for later.
        can_request: may_request_refund(&facts).is_ok()
            && five_day.is_err()
            && !refund_requests
                .iter()
                .any(|r| r.state == RequestState::Open),
    });
    let Alert {
        status,
        notice,
        error,
    } = alert;
    render(
        status,
        &OrderDetailPage {
            page: PageCtx::new(req, Some(user), view.section),
            order,
            chain,
            subscription,
            base: view.base,
            now,
            notice,
            error,
            renew_terms,
            refunds,
            refund_requests,
            related,
            settlement,
            ticket_link: ticket_id.map(|id| {
                let link = match scope {
                    Scope::Buyer(_) => format!("/me/services/{id}"),
                    Scope::Vendor(_) => format!("/vendor/supervision/{id}"),
                    Scope::All => format!("/admin/supervision/{id}"),
                };
                (link, id)
            }),
        },
    )
}

pub async fn vendor_order(
    req: HttpRequest,
    Vendor(user): Vendor,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
) -> AppResult<HttpResponse> {
    order_page(
        &req,
        &user,
        &state,
        order_no.into_inner(),
        OrderView::vendor(user.id),
        Alert::ok(None),
    )
    .await
}

pub async fn admin_order(
    req: HttpRequest,
    Operator(user): Operator,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
) -> AppResult<HttpResponse> {
    order_page(
        &req,
        &user,
        &state,
        order_no.into_inner(),
        OrderView::operator(),
        Alert::ok(None),
    )
    .await
}

pub async fn my_order(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
) -> AppResult<HttpResponse> {
    let notice = take_flash(&session);
    order_page(
        &req,
        &user,
        &state,
        order_no.into_inner(),
        OrderView::buyer(user.id),
        Alert::ok(notice),
    )
    .await
}

#[derive(Deserialize)]
pub struct MyOrdersQuery {
    #[serde(default)]
    after: String,
    #[serde(default)]
    before: String,
}

pub async fn my_orders(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    query: web::Query<MyOrdersQuery>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let position = match (decode_cursor(&query.after), decode_cursor(&query.before)) {
        (Some(after), _) => Page::After(after),
        (None, Some(before)) => Page::Before(before),
        _ => Page::First,
    };
    let buyer_id = user.id;
    let (subscriptions, result, tickets) = state
        .db(move |conn| {
            let subscriptions = orders::subscriptions_of(conn, buyer_id)?;
            let me = crate::db::tickets::TicketUser {
                id: buyer_id,
                role: crate::domain::account::Role::Buyer,
            };
            let tickets = crate::db::tickets::list(
                conn,
                me,
                &Default::default(),
                Some(crate::domain::account::Role::Buyer),
            )?;
            let result = orders::list(
                conn,
                Scope::Buyer(buyer_id),
                &OrderFilter::default(),
                &position,
                ORDER_PAGE_SIZE,
            )?;
            Ok((subscriptions, result, tickets))
        })
        .await?;
    let (newer_link, older_link) =
        pager_links("/me/orders", &TypedFilter::default(), &result, false);
    views::ok(&MyOrdersPage {
        page: PageCtx::new(&req, Some(&user), Section::MyOrders),
        subscriptions,
        tickets,
        result,
        older_link,
        newer_link,
        now,
        notice: take_flash(&session),
    })
}
