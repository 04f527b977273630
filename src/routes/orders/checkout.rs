//! Buying and renewing: the shop's product page, the checkout summary
//! and paying it, once per checkout key.

use crate::domain::refusal::Refusal;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{Buyer, CurrentUser, MaybeUser};
use crate::db::StoreError;
use crate::db::orders::{self, Scope};
use crate::db::{accounts, products};
use crate::domain::money::format_yuan;
use crate::domain::order::{PurchaseRefusal, Term, total_fen};
use crate::domain::product::{Billing, Listing};
use crate::error::{AppError, AppResult, refusal_status};
use crate::i18n::{Catalogue, Lang, fill};
use crate::state::AppState;
use crate::views::Alert;
use crate::views::orders::{CheckoutPage, RepeatNotice, ShopProductPage};
use crate::views::{self, PageCtx, Section, render, see_other, set_flash};

use super::detail::{OrderView, order_page};

/// A listed product's page with the buy forms; anything else is 404.
pub async fn shop_product(
    req: HttpRequest,
    user: MaybeUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    shop_product_page(
        &req,
        user.0.as_ref(),
        &state,
        id.into_inner(),
        StatusCode::OK,
        None,
    )
    .await
}

async fn shop_product_page(
    req: &HttpRequest,
    user: Option<&CurrentUser>,
    state: &AppState,
    product_id: i64,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<HttpResponse> {
    let (product, vendor_name, live) = state
        .db(move |conn| {
            let product = products::find(conn, product_id)?
                .filter(|p| p.listing == Listing::Listed)
                .ok_or(AppError::NotFound)?;
            let live_id = product.live_revision_id.ok_or(AppError::NotFound)?;
            let revision = products::revision(conn, live_id)?.ok_or(AppError::NotFound)?;
            let live = products::with_plans(conn, revision)?;
            let vendor =
                accounts::find_by_id(conn, product.vendor_id)?.ok_or(AppError::NotFound)?;
            Ok((product, vendor.display_name, live))
        })
        .await?;
    render(
        status,
        &ShopProductPage {
            page: PageCtx::new(req, user, Section::Shop),
            product_id: product.id,
            kind: product.kind,
            vendor_name,
            live,
            error,
        },
    )
}

#[derive(Deserialize)]
pub struct CheckoutQuery {
    #[serde(default)]
    plan: String,
    #[serde(default)]
    term: String,
}

/// Reads a term that is required for prepaid plans and absent otherwise.
fn term_for(billing: Billing, typed: &str) -> Result<Option<Term>, PurchaseRefusal> {
    match (billing, typed.trim()) {
        (Billing::Prepaid, text) => Term::parse(text).map(Some).ok_or(PurchaseRefusal::BadTerm),
        (_, "") => Ok(None),
        _ => Err(PurchaseRefusal::BadTerm),
    }
}

/// The order summary with its total; nothing is written until the buyer pays.
pub async fn checkout(
    req: HttpRequest,
    Buyer(user): Buyer,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<CheckoutQuery>,
) -> AppResult<HttpResponse> {
    let product_id = id.into_inner();
    let t = Lang::of_request(&req).catalogue();
    let plan_id = query.plan.trim().parse::<i64>().unwrap_or(0);
    let typed_term = query.term.clone();
    let found = state
        .db(
            move |conn| match orders::buyable_plan(conn, product_id, plan_id) {
                Ok(found) => Ok(Ok(found)),
                Err(StoreError::Refused(refusal)) => Ok(Err(refusal)),
                // Reading a plan neither pays nor races.
                Err(other) => Err(other.into()),
            },
        )
        .await?;
    let checked = found.and_then(|(_, name, plan)| {
        let term = term_for(plan.billing, &typed_term)?;
        let total = total_fen(plan.billing, plan.price_fen, plan.year_price_fen, term)?;
        Ok((name, plan, term, total))
    });
    let repeat = match &checked {
        Ok((_, plan, _, _)) => {
            let repeat = orders::Repeat::Purchase {
                product_id,
                plan_name: plan.name.clone(),
            };
            repeat_notice(&state, t, user.id, repeat).await?
        }
        Err(_) => None,
    };
    match checked {
        Ok((product_name, plan, term, total)) => views::ok(&CheckoutPage {
            repeat,
            page: PageCtx::new(&req, Some(&user), Section::Shop),
            product_id,
            product_name,
            plan,
            term,
            total: format_yuan(total),
            total_fen: total,
            checkout_key: orders::new_checkout_key(),
            error: None,
            action: format!("/shop/products/{product_id}/orders"),
            title: t.checkout_title,
        }),
        Err(refusal) => {
            let message = refusal.message(t);
            shop_product_page(
                &req,
                Some(&user),
                &state,
                product_id,
                StatusCode::BAD_REQUEST,
                Some(message),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct PayForm {
    #[serde(default)]
    plan: String,
    #[serde(default)]
    term: String,
    #[serde(default)]
    total_fen: String,
    #[serde(default)]
    checkout_key: String,
}

/// What paying a checkout came to: the buyer sent to its order, told
/// `done` (a template naming `{order_no}`), or told that an earlier
/// submission of the same checkout had made it; or why it was refused.
async fn paid_checkout(
    state: &AppState,
    session: &Session,
    t: &'static Catalogue,
    buyer_id: i64,
    checkout_key: String,
    outcome: Result<orders::Order, StoreError>,
    done: &'static str,
) -> AppResult<Result<HttpResponse, Refusal>> {
    let shown = |order: orders::Order, repeated: bool| {
        let alert = if repeated {
            t.order_already_placed.to_string()
        } else {
            fill(done, &[("order_no", &order.order_no)])
        };
        set_flash(session, &alert);
        see_other(&format!("/me/orders/{}", order.order_no))
    };
    match outcome {
        Ok(order) => Ok(Ok(shown(order, false))),
        // A twin submission of this checkout may have won the race (on
        // PostgreSQL the loser of a renewal race sees the changed row
        // before it reaches the key): if the key paid, show that order.
        Err(
            lost @ (StoreError::Refused(Refusal::CheckoutPaid)
            | StoreError::Refused(Refusal::StateChanged)),
        ) => {
            let first = state
                .db(move |conn| Ok(orders::order_of_checkout(conn, buyer_id, &checkout_key)?))
                .await?;
            match (first, lost) {
                (Some(order), _) => Ok(Ok(shown(order, true))),
                // Someone else's key: nothing of theirs is shown.
                (None, StoreError::Refused(Refusal::CheckoutPaid)) => {
                    Err(AppError::Conflict(t.err_checkout_expired.into()))
                }
                (None, _) => Err(AppError::Conflict(t.state_changed.into())),
            }
        }
        Err(StoreError::Refused(refusal)) => Ok(Err(refusal)),
        Err(other) => Err(other.into()),
    }
}

/// What a checkout page says when the same order was paid a moment ago
/// (its page reopened with the back button has a new one-time key, so
/// paying again would be a second order), if it was.
async fn repeat_notice(
    state: &AppState,
    t: &'static Catalogue,
    buyer_id: i64,
    repeat: orders::Repeat,
) -> AppResult<Option<RepeatNotice>> {
    let now = state.now();
    let since = now - orders::RECENT_REPEAT;
    let order = state
        .db(move |conn| Ok(orders::recent_repeat(conn, buyer_id, &repeat, since)?))
        .await?;
    Ok(order.map(|order| RepeatNotice::of(t, &order)))
}

impl RepeatNotice {
    fn of(t: &'static Catalogue, order: &orders::Order) -> RepeatNotice {
        RepeatNotice {
            message: fill(
                t.checkout_paid_recently,
                &[
                    ("time", &crate::domain::time::format_china(order.created_at)),
                    ("order_no", &order.order_no),
                ],
            ),
            order_no: order.order_no.clone(),
        }
    }
}

/// The checkout key of a submitted form, or the message to reopen the page.
fn checkout_key_of(form: &PayForm, t: &'static Catalogue) -> AppResult<String> {
    let key = form.checkout_key.trim();
    if orders::is_checkout_key(key) {
        Ok(key.to_ascii_lowercase())
    } else {
        Err(AppError::BadRequest(t.err_checkout_expired.into()))
    }
}

/// Pays: the order and subscription are written in one transaction, or nothing is.
pub async fn place_order(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<PayForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let product_id = id.into_inner();
    let t = Lang::of_request(&req).catalogue();
    let checkout_key = checkout_key_of(&form, t)?;
    let plan_id = form.plan.trim().parse::<i64>().unwrap_or(0);
    let seen_total = form.total_fen.trim().parse::<i64>().unwrap_or(-1);
    let typed_term = form.term.clone();
    let (buyer_id, buyer_uin) = (user.id, user.uin);
    let key = checkout_key.clone();
    let placed = state
        .db(move |conn| {
            let billing = match orders::buyable_plan(conn, product_id, plan_id) {
                Ok((_, _, plan)) => plan.billing,
                Err(error) => return Ok(Err(error)),
            };
            let term = match term_for(billing, &typed_term) {
                Ok(term) => term,
                Err(refusal) => return Ok(Err(refusal.into())),
            };
            let request = orders::PurchaseRequest {
                checkout_key: key,
                buyer_id,
                buyer_uin,
                product_id,
                plan_id,
                term,
                seen_total_fen: seen_total,
                now,
            };
            Ok(orders::purchase(conn, &request))
        })
        .await?;
    let paid = paid_checkout(
        &state,
        &session,
        t,
        buyer_id,
        checkout_key,
        placed,
        t.order_placed,
    )
    .await?;
    match paid {
        Ok(shown) => Ok(shown),
        Err(refusal) => {
            let message = refusal.message(t);
            let status = refusal_status(refusal);
            match refusal {
                Refusal::Purchase(PurchaseRefusal::NotListed) => Err(AppError::BadRequest(message)),
                _ => {
                    shop_product_page(&req, Some(&user), &state, product_id, status, Some(message))
                        .await
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct RenewQuery {
    #[serde(default)]
    term: String,
}

/// The renewal summary with its total, from the subscription's own prices.
pub async fn renew_checkout(
    req: HttpRequest,
    Buyer(user): Buyer,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
    query: web::Query<RenewQuery>,
) -> AppResult<HttpResponse> {
    let t = Lang::of_request(&req).catalogue();
    let order_no = order_no.into_inner();
    let buyer_id = user.id;
    let number = order_no.clone();
    let (order, subscription) = state
        .db(move |conn| {
            let order = orders::find_by_number(conn, &number, Scope::Buyer(buyer_id))?
                .ok_or(AppError::NotFound)?;
            let subscription = order
                .subscription_id
                .map(|id| orders::subscription(conn, id))
                .transpose()?
                .flatten()
                .ok_or(AppError::NotFound)?;
            Ok((order, subscription))
        })
        .await?;
    let term = Term::parse(&query.term);
    let total = term
        .ok_or(PurchaseRefusal::BadTerm)
        .and_then(|term| {
            if subscription.billing != Billing::Prepaid {
                return Err(PurchaseRefusal::NotRenewable);
            }
            total_fen(
                Billing::Prepaid,
                subscription.unit_price_fen,
                subscription.year_price_fen,
                Some(term),
            )
        })
        .map_err(Refusal::from);
    let repeat = if total.is_ok() {
        let repeat = orders::Repeat::Renewal {
            subscription_id: subscription.id,
        };
        repeat_notice(&state, t, buyer_id, repeat).await?
    } else {
        None
    };
    match total {
        Ok(total) => views::ok(&CheckoutPage {
            repeat,
            page: PageCtx::new(&req, Some(&user), Section::MyOrders),
            product_id: order.product_id,
            product_name: order.product_name.clone(),
            plan: products::PlanRow {
                id: 0,
                revision_id: 0,
                position: 0,
                billing: subscription.billing,
                name: subscription.plan_name.clone(),
                price_fen: subscription.unit_price_fen,
                year_price_fen: subscription.year_price_fen,
            },
            term,
            total: format_yuan(total),
            total_fen: total,
            checkout_key: orders::new_checkout_key(),
            error: None,
            action: format!("/me/orders/{order_no}/renew"),
            title: t.renew_title,
        }),
        Err(refusal) => {
            let message = refusal.message(t);
            order_page(
                &req,
                &user,
                &state,
                order_no,
                OrderView::buyer(buyer_id),
                Alert::refused(StatusCode::BAD_REQUEST, message),
            )
            .await
        }
    }
}

pub async fn renew(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
    form: web::Form<PayForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let t = Lang::of_request(&req).catalogue();
    let checkout_key = checkout_key_of(&form, t)?;
    let order_no = order_no.into_inner();
    let buyer_id = user.id;
    let seen_total = form.total_fen.trim().parse::<i64>().unwrap_or(-1);
    let key = checkout_key.clone();
    let term = Term::parse(&form.term);
    let number = order_no.clone();
    let renewed = state
        .db(move |conn| {
            let order = orders::find_by_number(conn, &number, Scope::Buyer(buyer_id))?
                .ok_or(AppError::NotFound)?;
            let subscription_id = order.subscription_id.ok_or(AppError::NotFound)?;
            let Some(term) = term else {
                return Ok(Err(PurchaseRefusal::BadTerm.into()));
            };
            Ok(orders::renew(
                conn,
                &key,
                buyer_id,
                subscription_id,
                term,
                seen_total,
                now,
            ))
        })
        .await?;
    let paid = paid_checkout(
        &state,
        &session,
        t,
        buyer_id,
        checkout_key,
        renewed,
        t.renewed_done,
    )
    .await?;
    match paid {
        Ok(shown) => Ok(shown),
        Err(refusal) => {
            let message = refusal.message(t);
            let status = refusal_status(refusal);
            order_page(
                &req,
                &user,
                &state,
                order_no,
                OrderView::buyer(buyer_id),
                Alert::refused(status, message),
            )
            .await
        }
    }
}
