//! Service supervision: the vendor's and operator's ticket lists, the ticket
//! page for each side, and the transitions.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{Buyer, CurrentUser, Operator, Vendor};
use crate::db::StoreError;
use crate::db::tickets::{self, Payload, TicketFilter, TicketUser};
use crate::db::{DbConn, orders};
use crate::domain::account::Role;
use crate::domain::product::check_reason;
use crate::domain::ticket::{Template, TicketAction, TicketActor, TicketState, transition};
use crate::error::{AppError, AppResult, refusal_status};
use crate::i18n::{Catalogue, Lang};
use crate::state::AppState;
use crate::views::Alert;
use crate::views::confirm::{self, Confirmation};
use crate::views::labels::reason_problem;
use crate::views::tickets::{TicketForms, TicketListPage, TicketPage};
use crate::views::{self, PageCtx, Section, render, see_other, set_flash, take_flash};

const MAX_TEXT_CHARS: usize = 2000;
const MAX_CONTACT_CHARS: usize = 200;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    overdue: String,
}

async fn list_page(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    query: ListQuery,
    base: &'static str,
    section: Section,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let filter = TicketFilter {
        state: TicketState::parse(&query.state),
        template: Template::parse(&query.template),
        overdue_at: (query.overdue == "1").then_some(now),
    };
    let ticket_user = TicketUser {
        id: user.id,
        role: user.role,
    };
    let me = (user.role == Role::Vendor).then_some(Role::Vendor);
    let list_filter = filter.clone();
    let rows = state
        .db(move |conn| Ok(tickets::list(conn, ticket_user, &list_filter, me)?))
        .await?;
    views::ok(&TicketListPage {
        page: PageCtx::new(req, Some(user), section),
        rows,
        base,
        state_filter: filter
            .state
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        template_filter: filter
            .template
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        overdue_only: filter.overdue_at.is_some(),
        now,
        me,
    })
}

pub async fn vendor_tickets(
    req: HttpRequest,
    Vendor(user): Vendor,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    list_page(
        &req,
        &user,
        &state,
        query.into_inner(),
        "/vendor/supervision",
        Section::VendorSupervision,
    )
    .await
}

pub async fn admin_tickets(
    req: HttpRequest,
    Operator(user): Operator,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    list_page(
        &req,
        &user,
        &state,
        query.into_inner(),
        "/admin/supervision",
        Section::AdminSupervision,
    )
    .await
}

/// The ticket page for its buyer, its vendor or an operator; others get 404.
async fn ticket_page(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    ticket_id: i64,
    alert: Alert,
    forms: TicketForms,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let ticket_user = TicketUser {
        id: user.id,
        role: user.role,
    };
    let (ticket, order, events) = state
        .db(move |conn: &mut DbConn| {
            let ticket = tickets::find(conn, ticket_id, ticket_user)?.ok_or(AppError::NotFound)?;
            let order = orders::find_by_id(conn, ticket.order_id)?.ok_or(AppError::NotFound)?;
            let events = tickets::events(conn, ticket.id)?;
            Ok((ticket, order, events))
        })
        .await?;
    let (section, action_base) = match user.role {
        Role::Buyer => (Section::MyOrders, format!("/me/services/{}", ticket.id)),
        Role::Vendor => (
            Section::VendorSupervision,
            format!("/vendor/supervision/{}", ticket.id),
        ),
        Role::Operator => (
            Section::AdminSupervision,
            format!("/admin/supervision/{}", ticket.id),
        ),
    };
    let Alert {
        status,
        notice,
        error,
    } = alert;
    render(
        status,
        &TicketPage {
            page: PageCtx::new(req, Some(user), section),
            order_no: order.order_no,
            product_name: order.product_name,
            buyer_uin: order.buyer_uin,
            ticket,
            events,
            viewer: user.role,
            action_base,
            notice,
            error,
            forms,
            now,
        },
    )
}

pub async fn vendor_ticket(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let notice = take_flash(&session);
    ticket_page(
        &req,
        &user,
        &state,
        id.into_inner(),
        Alert::ok(notice),
        TicketForms::default(),
    )
    .await
}

pub async fn admin_ticket(
    req: HttpRequest,
    Operator(user): Operator,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    ticket_page(
        &req,
        &user,
        &state,
        id.into_inner(),
        Alert::ok(None),
        TicketForms::default(),
    )
    .await
}

pub async fn buyer_ticket(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let notice = take_flash(&session);
    ticket_page(
        &req,
        &user,
        &state,
        id.into_inner(),
        Alert::ok(notice),
        TicketForms::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    requirement: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    delivery: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    confirmed: String,
}

/// Checks what an action needs typed: a requirement and contact, a delivery, or a reason.
fn payload_for(t: &Catalogue, action: TicketAction, form: &ActionForm) -> Result<Payload, String> {
    let within =
        |text: &str, max: usize| !text.trim().is_empty() && text.trim().chars().count() <= max;
    match action {
        TicketAction::SubmitRequirement => {
            if within(&form.requirement, MAX_TEXT_CHARS) && within(&form.contact, MAX_CONTACT_CHARS)
            {
                Ok(Payload {
                    requirement: Some(form.requirement.trim().to_string()),
                    contact: Some(form.contact.trim().to_string()),
                    ..Payload::default()
                })
            } else {
                Err(t.err_requirement_required.into())
            }
        }
        TicketAction::Deliver => {
            if within(&form.delivery, MAX_TEXT_CHARS) {
                Ok(Payload {
                    delivery: Some(form.delivery.trim().to_string()),
                    ..Payload::default()
                })
            } else {
                Err(t.err_delivery_required.into())
            }
        }
        TicketAction::Reject | TicketAction::Decline => check_reason(&form.reason)
            .map(|note| Payload {
                note,
                ..Payload::default()
            })
            .map_err(|problem| reason_problem(t, problem)),
        _ => Ok(Payload::default()),
    }
}

/// What the page says after a step: what happened and who was told.
fn done_message(t: &Catalogue, action: TicketAction) -> &'static str {
    match action {
        TicketAction::SubmitRequirement => t.ticket_done_submit_requirement,
        TicketAction::Confirm => t.ticket_done_confirm,
        TicketAction::Reject => t.ticket_done_reject,
        TicketAction::Deliver => t.ticket_done_deliver,
        TicketAction::Accept => t.ticket_done_accept,
        TicketAction::Decline => t.ticket_done_decline,
        TicketAction::Close => t.ticket_updated,
    }
}

/// One transition by whoever is signed in, on their own ticket.
async fn act(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    ticket_id: i64,
    action_code: &str,
    form: ActionForm,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let t = Lang::of_request(&req).catalogue();
    if action_code == "message" {
        return send_message(req, user, session, state, ticket_id, form).await;
    }
    // Closing belongs to refunds, never to a form.
    let action = TicketAction::parse(action_code)
        .filter(|a| *a != TicketAction::Close)
        .ok_or(AppError::NotFound)?;
    let payload = match payload_for(t, action, &form) {
        Ok(payload) => payload,
        Err(message) => {
            let alert = Alert::refused(StatusCode::BAD_REQUEST, message);
            return ticket_page(&req, &user, &state, ticket_id, alert, kept(&form)).await;
        }
    };
    let ticket_user = TicketUser {
        id: user.id,
        role: user.role,
    };
    // 确认验收 completes the ticket and bills the service: it asks first.
    if action == TicketAction::Accept && !confirm::is_confirmed(&form.confirmed) {
        let found = state
            .db(move |conn: &mut DbConn| {
                let ticket =
                    tickets::find(conn, ticket_id, ticket_user)?.ok_or(AppError::NotFound)?;
                // Only a step that can happen is asked about; any other is
                // refused below as usual.
                let actor = TicketActor::Person(ticket_user.role);
                let possible = transition(ticket.template, ticket.state, action, actor).is_ok();
                let order_no = orders::find_by_id(conn, ticket.order_id)?.map(|o| o.order_no);
                Ok(order_no.filter(|_| possible))
            })
            .await?;
        if let Some(order_no) = found {
            let line = crate::i18n::fill(
                t.confirm_accept,
                &[("id", &ticket_id.to_string()), ("order_no", &order_no)],
            );
            let path = ticket_path(user.role, ticket_id);
            return confirm::ask(
                &req,
                &user,
                Section::MyOrders,
                Confirmation {
                    lines: vec![line],
                    action: format!("{path}/accept"),
                    fields: Vec::new(),
                    button: t.accept_action,
                    back: path,
                    afterwards: t.confirm_cannot_undo,
                },
            );
        }
    }
    let outcome = state
        .db(move |conn| {
            Ok(tickets::apply(
                conn,
                ticket_id,
                ticket_user,
                action,
                &payload,
                now,
            ))
        })
        .await?;
    let (status, message) = match outcome {
        Ok(_) => {
            set_flash(&session, done_message(t, action));
            return Ok(see_other(&ticket_path(user.role, ticket_id)));
        }
        Err(StoreError::Refused(refusal)) => (refusal_status(refusal), refusal.message(t)),
        Err(other) => return Err(other.into()),
    };
    ticket_page(
        &req,
        &user,
        &state,
        ticket_id,
        Alert::refused(status, message),
        kept(&form),
    )
    .await
}

/// What the forms keep after a refusal.
fn kept(form: &ActionForm) -> TicketForms {
    TicketForms {
        requirement: form.requirement.clone(),
        contact: form.contact.clone(),
        delivery: form.delivery.clone(),
        reason: form.reason.clone(),
        message: form.message.clone(),
    }
}

/// Where the ticket page of this viewer is.
fn ticket_path(role: Role, ticket_id: i64) -> String {
    match role {
        Role::Buyer => format!("/me/services/{ticket_id}"),
        _ => format!("/vendor/supervision/{ticket_id}"),
    }
}

/// A message to the other side of the ticket, kept in its log.
async fn send_message(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    ticket_id: i64,
    form: ActionForm,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let t = Lang::of_request(&req).catalogue();
    let text = form.message.trim().to_string();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        let alert = Alert::refused(StatusCode::BAD_REQUEST, t.err_message_required);
        return ticket_page(&req, &user, &state, ticket_id, alert, kept(&form)).await;
    }
    let ticket_user = TicketUser {
        id: user.id,
        role: user.role,
    };
    let sent = state
        .db(move |conn| Ok(tickets::message(conn, ticket_id, ticket_user, &text, now)))
        .await?;
    let (status, message) = match sent {
        Ok(()) => {
            set_flash(&session, t.ticket_done_message);
            return Ok(see_other(&format!(
                "{}#ticket-log",
                ticket_path(user.role, ticket_id)
            )));
        }
        Err(StoreError::Refused(refusal)) => (refusal_status(refusal), refusal.message(t)),
        Err(other) => return Err(other.into()),
    };
    let alert = Alert::refused(status, message);
    ticket_page(&req, &user, &state, ticket_id, alert, kept(&form)).await
}

pub async fn vendor_act(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    let (id, action) = path.into_inner();
    act(req, user, session, state, id, &action, form.into_inner()).await
}

pub async fn buyer_act(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    let (id, action) = path.into_inner();
    act(req, user, session, state, id, &action, form.into_inner()).await
}
