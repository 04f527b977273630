//! Refunds: the buyer's five-day refund, stop billing and refund requests, and
//! the operator's refund queue.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::orders::{OrderView, order_page};
use super::products::Said;
use crate::auth::{Buyer, CurrentUser, Operator};
use crate::db::refunds::{self, Decision, RefundError};
use crate::domain::money::parse_yuan;
use crate::domain::product::check_reason;
use crate::domain::refund::RefundReason;
use crate::domain::time::to_stored;
use crate::error::{AppError, AppResult};
use crate::i18n::{Catalogue, Lang, fill};
use crate::state::AppState;
use crate::views::labels::{reason_problem, refund_refusal};
use crate::views::orders::RefundQueuePage;
use crate::views::{PageCtx, Section, render, see_other, set_flash, take_flash};

fn now() -> chrono::NaiveDateTime {
    to_stored(chrono::Utc::now())
}

/// The words and status for a refused refund step.
fn refusal(t: &Catalogue, error: RefundError) -> AppResult<(StatusCode, String)> {
    match error {
        RefundError::NotFound => Err(AppError::NotFound),
        RefundError::Refused(refusal) => {
            let status = match refusal {
                crate::domain::refund::RefundRefusal::AlreadyRefunded => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            };
            Ok((status, refund_refusal(t, refusal)))
        }
        RefundError::AlreadyOpen => Ok((StatusCode::CONFLICT, t.refund_already_open.into())),
        RefundError::StateChanged => Ok((StatusCode::CONFLICT, t.state_changed.into())),
        RefundError::Db(error) => Err(error.into()),
    }
}

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
    F: FnOnce(&mut crate::db::DbConn, i64, &str) -> Result<(), RefundError> + Send + 'static,
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
            let (status, message) = refusal(t, error)?;
            order_page(
                &req,
                &user,
                &state,
                order_no,
                OrderView::buyer(buyer_id),
                Said::refused(status, message),
            )
            .await
        }
    }
}

pub async fn five_day_refund(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
) -> AppResult<HttpResponse> {
    buyer_step(
        req,
        user,
        session,
        state,
        order_no.into_inner(),
        |t| t.five_day_done,
        |conn, buyer, number| refunds::five_day(conn, buyer, number, now()).map(|_| ()),
    )
    .await
}

pub async fn stop_billing(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
) -> AppResult<HttpResponse> {
    buyer_step(
        req,
        user,
        session,
        state,
        order_no.into_inner(),
        |t| t.stop_done,
        |conn, buyer, number| refunds::stop(conn, buyer, number, now()).map(|_| ()),
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
        let said = Said::refused(StatusCode::BAD_REQUEST, message);
        return order_page(
            &req,
            &user,
            &state,
            order_no,
            OrderView::buyer(user.id),
            said,
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
        move |conn, buyer, number| {
            refunds::request(conn, buyer, number, reason, &description, now())
        },
    )
    .await
}

async fn queue_page(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    said: Said,
) -> AppResult<HttpResponse> {
    let (open, decided) = state
        .db(|conn| Ok((refunds::queue(conn, true)?, refunds::queue(conn, false)?)))
        .await?;
    let Said {
        status,
        notice,
        error,
    } = said;
    render(
        status,
        &RefundQueuePage {
            page: PageCtx::new(req, Some(user), Section::AdminRefunds),
            open,
            decided,
            now: now(),
            notice,
            error,
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
    queue_page(&req, &user, &state, Said::ok(notice)).await
}

#[derive(Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    amount: String,
}

#[derive(Deserialize)]
pub struct DeclineForm {
    #[serde(default)]
    reason: String,
}

async fn decide(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    request_id: i64,
    decision: Result<Decision, String>,
) -> AppResult<HttpResponse> {
    let t = Lang::of_request(&req).catalogue();
    let decision = match decision {
        Ok(decision) => decision,
        Err(message) => {
            return queue_page(
                &req,
                &user,
                &state,
                Said::refused(StatusCode::BAD_REQUEST, message),
            )
            .await;
        }
    };
    let granting = matches!(decision, Decision::Refund { .. });
    let operator = user.id;
    let outcome = state
        .db(move |conn| Ok(refunds::decide(conn, operator, request_id, decision, now())))
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
            let (status, message) = refusal(t, error)?;
            queue_page(&req, &user, &state, Said::refused(status, message)).await
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
    decide(req, user, session, state, id.into_inner(), decision).await
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
    decide(req, user, session, state, id.into_inner(), decision).await
}
