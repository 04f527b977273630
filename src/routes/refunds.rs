//! Refunds: the buyer's five-day refund, stop billing and refund requests, and
//! the operator's refund queue.

use crate::domain::refusal::Refusal;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::orders::{OrderView, order_page};
use crate::auth::{Buyer, CurrentUser, Operator, Vendor};
use crate::db::StoreError;
use crate::db::orders::{self, Scope};
use crate::db::refunds;
use crate::domain::account::Role;
use crate::domain::money::format_yuan;
use crate::domain::money::parse_yuan;
use crate::domain::product::check_reason;
use crate::domain::refund::Decision;
use crate::domain::refund::{
    RefundReason, VendorPosition, check_refund_amount, five_day_refund as five_day_check,
    remaining_fen, stop_billing as stop_check,
};
use crate::error::{AppError, AppResult, refusal_status, refused};
use crate::i18n::{Catalogue, Lang, fill};
use crate::state::AppState;
use crate::views::Alert;
use crate::views::confirm::{self, ConfirmForm, Confirmation};
use crate::views::labels::reason_problem;
use crate::views::orders::{RefundQueuePage, TypedPosition};
use crate::views::{PageCtx, Section, render, see_other, set_flash, take_flash};

/// Runs a buyer's refund step on an order and answers with the order page.
async fn buyer_step<F>(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    order_no: String,
    done: fn(&Catalogue) -> &'static str,
    step: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut crate::db::DbConn, i64, &str) -> Result<(), StoreError> + Send + 'static,
{
    let buyer_id = user.id;
    let number = order_no.clone();
    let outcome = state
        .db(move |conn| Ok(step(conn, buyer_id, &number)))
        .await?;
    let t = Lang::of_request(&req).catalogue();
    match outcome {
        Ok(()) => {
            set_flash(&session, done(t));
            Ok(see_other(&format!("/me/orders/{order_no}")))
        }
        Err(error) => {
            let (status, message) = refused(t, error)?;
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

/// Which buyer step is asked about first.
#[derive(Clone, Copy)]
enum BuyerStep {
    FiveDay,
    StopBilling,
}

/// Answers the first post of a buyer's step with what it will do, or with the
/// refusal if it cannot be done at all.
async fn ask_buyer(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    order_no: String,
    step: BuyerStep,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let buyer_id = user.id;
    let number = order_no.clone();
    let order = state
        .db(move |conn| {
            Ok(orders::find_by_number(
                conn,
                &number,
                Scope::Buyer(buyer_id),
            )?)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let t = Lang::of_request(req).catalogue();
    let facts = order.facts();
    let checked = match step {
        BuyerStep::FiveDay => five_day_check(&facts, now).map(|_| ()),
        BuyerStep::StopBilling => stop_check(&facts),
    };
    if let Err(refusal) = checked {
        let refusal = Refusal::from(refusal);
        let alert = Alert::refused(refusal_status(refusal), refusal.message(t));
        let view = OrderView::buyer(buyer_id);
        return order_page(req, user, state, order_no, view, alert).await;
    }
    let vars = [
        ("order_no", order.order_no.as_str()),
        ("product", order.product_name.as_str()),
        ("amount", &format_yuan(order.amount_fen)),
    ];
    let (line, path, button) = match step {
        BuyerStep::FiveDay => (t.confirm_five_day, "five-day-refund", t.five_day_button),
        BuyerStep::StopBilling => (t.confirm_stop_billing, "stop-billing", t.stop_billing),
    };
    confirm::ask(
        req,
        user,
        Section::MyOrders,
        Confirmation {
            lines: vec![fill(line, &vars)],
            action: format!("/me/orders/{order_no}/{path}"),
            fields: Vec::new(),
            button,
            back: format!("/me/orders/{order_no}"),
            afterwards: t.confirm_cannot_undo,
        },
    )
}

pub async fn five_day_refund(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    if !confirm::is_confirmed(&form.confirmed) {
        return ask_buyer(
            &req,
            &user,
            &state,
            order_no.into_inner(),
            BuyerStep::FiveDay,
        )
        .await;
    }
    buyer_step(
        req,
        user,
        session,
        state,
        order_no.into_inner(),
        |t| t.five_day_done,
        move |conn, buyer, number| refunds::five_day(conn, buyer, number, now).map(|_| ()),
    )
    .await
}

pub async fn stop_billing(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    if !confirm::is_confirmed(&form.confirmed) {
        let step = BuyerStep::StopBilling;
        return ask_buyer(&req, &user, &state, order_no.into_inner(), step).await;
    }
    buyer_step(
        req,
        user,
        session,
        state,
        order_no.into_inner(),
        |t| t.stop_done,
        move |conn, buyer, number| refunds::stop(conn, buyer, number, now).map(|_| ()),
    )
    .await
}

#[derive(Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    description: String,
}

/// The longest description accepted.
const MAX_DESCRIPTION_CHARS: usize = 1000;

pub async fn request_refund(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
    form: web::Form<RequestForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let t = Lang::of_request(&req).catalogue();
    let order_no = order_no.into_inner();
    let description = form.description.trim().to_string();
    let reason = RefundReason::parse(form.reason.trim());
    let problem = match reason {
        None => Some(t.err_bad_reason),
        Some(_)
            if description.is_empty() || description.chars().count() > MAX_DESCRIPTION_CHARS =>
        {
            Some(t.err_description_required)
        }
        Some(_) => None,
    };
    if let Some(message) = problem {
        let alert = Alert::refused(StatusCode::BAD_REQUEST, message);
        return order_page(
            &req,
            &user,
            &state,
            order_no,
            OrderView::buyer(user.id),
            alert,
        )
        .await;
    }
    let reason = reason.unwrap_or(RefundReason::Other);
    buyer_step(
        req,
        user,
        session,
        state,
        order_no,
        |t| t.refund_requested_done,
        move |conn, buyer, number| refunds::request(conn, buyer, number, reason, &description, now),
    )
    .await
}

/// The refund requests as an operator sees them (every vendor's, to decide)
/// or as a vendor does (its own orders', to give its position).
async fn queue_page(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    alert: Alert,
) -> AppResult<HttpResponse> {
    queue_page_keeping(req, user, state, alert, None).await
}

/// The queue with a refused position form still as the vendor typed it.
async fn queue_page_keeping(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    alert: Alert,
    kept: Option<TypedPosition>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let vendor = (user.role == Role::Vendor).then_some(user.id);
    let (open, decided) = state
        .db(move |conn| {
            Ok((
                refunds::queue(conn, vendor, true)?,
                refunds::queue(conn, vendor, false)?,
            ))
        })
        .await?;
    let Alert {
        status,
        notice,
        error,
    } = alert;
    let section = if vendor.is_some() {
        Section::VendorRefunds
    } else {
        Section::AdminRefunds
    };
    render(
        status,
        &RefundQueuePage {
            page: PageCtx::new(req, Some(user), section),
            open,
            decided,
            now,
            notice,
            error,
            vendor_view: vendor.is_some(),
            kept,
        },
    )
}

pub async fn refund_queue(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let notice = take_flash(&session);
    queue_page(&req, &user, &state, Alert::ok(notice)).await
}

pub async fn vendor_refunds(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let notice = take_flash(&session);
    queue_page(&req, &user, &state, Alert::ok(notice)).await
}

#[derive(Deserialize)]
pub struct PositionForm {
    #[serde(default)]
    position: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    contact: String,
}

const MAX_CONTACT_CHARS: usize = 200;

/// The vendor records whether it agrees with a refund request on its order.
pub async fn record_position(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<PositionForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let t = Lang::of_request(&req).catalogue();
    let position = VendorPosition::parse(form.position.trim());
    let note = form.note.trim().to_string();
    let contact = form.contact.trim().to_string();
    let request_id = id.into_inner();
    let kept = TypedPosition {
        request_id,
        position: form.position.trim().to_string(),
        note: form.note.clone(),
        contact: form.contact.clone(),
    };
    let problem = if position.is_none() {
        Some(t.err_position_required)
    } else if note.is_empty() || note.chars().count() > MAX_DESCRIPTION_CHARS {
        Some(t.err_position_note_required)
    } else if contact.is_empty() || contact.chars().count() > MAX_CONTACT_CHARS {
        Some(t.err_position_contact_required)
    } else {
        None
    };
    let (Some(position), None) = (position, problem) else {
        let message = problem.unwrap_or(t.err_position_required);
        let alert = Alert::refused(StatusCode::BAD_REQUEST, message);
        return queue_page_keeping(&req, &user, &state, alert, Some(kept)).await;
    };
    let vendor_id = user.id;
    let outcome = state
        .db(move |conn| {
            let input = refunds::PositionInput {
                position,
                note: &note,
                contact: &contact,
            };
            Ok(refunds::record_position(
                conn, vendor_id, request_id, &input, now,
            ))
        })
        .await?;
    match outcome {
        Ok(()) => {
            set_flash(&session, t.position_recorded);
            Ok(see_other("/vendor/refunds"))
        }
        Err(error) => {
            let (status, message) = refused(t, error)?;
            let alert = Alert::refused(status, message);
            queue_page_keeping(&req, &user, &state, alert, Some(kept)).await
        }
    }
}

#[derive(Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    confirmed: String,
}

#[derive(Deserialize)]
pub struct DeclineForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirmed: String,
}

/// Says what deciding a request will do: the order, the amount, who is told.
async fn ask_decision(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    request_id: i64,
    decision: &Decision,
    typed: (&'static str, String),
) -> AppResult<HttpResponse> {
    let t = Lang::of_request(req).catalogue();
    let found = state
        .db(move |conn| Ok(refunds::open_request(conn, request_id)?))
        .await?;
    let Some(item) = found else {
        let alert = Alert::refused(StatusCode::CONFLICT, t.state_changed);
        return queue_page(req, user, state, alert).await;
    };
    let order = &item.order;
    let (line, button, path) = match decision {
        Decision::Refund { amount_fen } => {
            if let Err(refusal) = check_refund_amount(&order.facts(), *amount_fen) {
                let alert =
                    Alert::refused(StatusCode::BAD_REQUEST, Refusal::from(refusal).message(t));
                return queue_page(req, user, state, alert).await;
            }
            let line = fill(
                t.confirm_grant_refund,
                &[
                    ("buyer", &order.buyer_uin.to_string()),
                    ("amount", &format_yuan(*amount_fen)),
                    ("order_no", &order.order_no),
                    ("product", &order.product_name),
                    ("paid", &format_yuan(order.amount_fen)),
                    ("remaining", &format_yuan(remaining_fen(&order.facts()))),
                ],
            );
            (line, t.refund_grant, "refund")
        }
        Decision::Decline { note } => {
            let line = fill(
                t.confirm_decline_refund,
                &[
                    ("order_no", &order.order_no),
                    ("product", &order.product_name),
                    ("reason", note),
                ],
            );
            (line, t.refund_decline, "decline")
        }
    };
    confirm::ask(
        req,
        user,
        Section::AdminRefunds,
        Confirmation {
            lines: vec![line],
            action: format!("/admin/refunds/{request_id}/{path}"),
            fields: vec![typed],
            button,
            back: "/admin/refunds".to_string(),
            afterwards: t.confirm_cannot_undo,
        },
    )
}

/// An operator's decision as posted: checked, whether it was confirmed, and
/// the typed field the confirmation page posts again.
struct Posted {
    decision: Result<Decision, String>,
    confirmed: bool,
    typed: (&'static str, String),
}

async fn decide(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    request_id: i64,
    posted: Posted,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let t = Lang::of_request(&req).catalogue();
    let Posted {
        decision,
        confirmed,
        typed,
    } = posted;
    let decision = match decision {
        Ok(decision) => decision,
        Err(message) => {
            return queue_page(
                &req,
                &user,
                &state,
                Alert::refused(StatusCode::BAD_REQUEST, message),
            )
            .await;
        }
    };
    if !confirmed {
        return ask_decision(&req, &user, &state, request_id, &decision, typed).await;
    }
    let granting = matches!(decision, Decision::Refund { .. });
    let operator = user.id;
    let outcome = state
        .db(move |conn| Ok(refunds::decide(conn, operator, request_id, decision, now)))
        .await?;
    match outcome {
        Ok(()) => {
            set_flash(
                &session,
                if granting {
                    t.refund_granted
                } else {
                    t.refund_declined_done
                },
            );
            Ok(see_other("/admin/refunds"))
        }
        Err(error) => {
            let (status, message) = refused(t, error)?;
            queue_page(&req, &user, &state, Alert::refused(status, message)).await
        }
    }
}

pub async fn grant_refund(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<GrantForm>,
) -> AppResult<HttpResponse> {
    let t = Lang::of_request(&req).catalogue();
    let decision = parse_yuan(&form.amount)
        .map(|amount_fen| Decision::Refund { amount_fen })
        .map_err(|problem| {
            let problem = crate::views::labels::field_problem(
                t,
                crate::domain::product::FieldProblem::Price(problem),
            );
            fill(t.refund_amount_problem, &[("problem", &problem)])
        });
    let posted = Posted {
        decision,
        confirmed: confirm::is_confirmed(&form.confirmed),
        typed: ("amount", form.amount.clone()),
    };
    decide(req, user, session, state, id.into_inner(), posted).await
}

pub async fn decline_refund(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<DeclineForm>,
) -> AppResult<HttpResponse> {
    let t = Lang::of_request(&req).catalogue();
    let decision = check_reason(&form.reason)
        .map(|note| Decision::Decline { note })
        .map_err(|problem| reason_problem(t, problem));
    let posted = Posted {
        decision,
        confirmed: confirm::is_confirmed(&form.confirmed),
        typed: ("reason", form.reason.clone()),
    };
    decide(req, user, session, state, id.into_inner(), posted).await
}
