//! The operator's side of products: the review queue and review page, the
//! product list with listing and delisting, and the delist requests.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::products::{ReasonForm, StepOn, product_page, product_step, state_filter};
use crate::auth::{CurrentUser, Operator};
use crate::db::StoreError;
use crate::db::products::{self, Actor, ProductFilter};
use crate::domain::account::parse_uin;
use crate::domain::product::{Kind, check_reason};
use crate::error::{AppError, AppResult, refusal_status};
use crate::i18n::{Lang, fill};
use crate::state::AppState;
use crate::views::Alert;
use crate::views::confirm::{self, ConfirmForm, Confirmation};
use crate::views::labels::reason_problem;
use crate::views::products::{
    AdminProductsPage, DelistRequestsPage, ReviewPage, ReviewQueuePage, Viewer, diff_rows,
};
use crate::views::{self, PageCtx, Section, render, see_other, set_flash, take_flash};

pub async fn review_queue(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let entries = state.db(|conn| Ok(products::review_queue(conn)?)).await?;
    views::ok(&ReviewQueuePage {
        page: PageCtx::new(&req, Some(&user), Section::AdminReviews),
        entries,
        now,
        notice: take_flash(&session),
    })
}

/// The review page of a revision, with an optional message and typed reason.
async fn review_page(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    revision_id: i64,
    status: StatusCode,
    reason: String,
    error: Option<String>,
) -> AppResult<HttpResponse> {
    let (detail, pending) = state
        .db(move |conn| {
            let revision = products::revision(conn, revision_id)?.ok_or(AppError::NotFound)?;
            let product = products::find(conn, revision.product_id)?.ok_or(AppError::NotFound)?;
            let pending = products::with_plans(conn, revision)?;
            Ok((products::detail(conn, product)?, pending))
        })
        .await?;
    let page = PageCtx::new(req, Some(user), Section::AdminReviews);
    // Compared with the live content, unless this revision is the live one.
    let live = detail
        .live
        .as_ref()
        .filter(|live| live.revision.id != pending.revision.id);
    let rows = diff_rows(&page, live, &pending);
    render(
        status,
        &ReviewPage {
            page,
            detail,
            pending,
            rows,
            reason,
            error,
        },
    )
}

pub async fn show_review(
    req: HttpRequest,
    Operator(user): Operator,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    review_page(
        &req,
        &user,
        &state,
        id.into_inner(),
        StatusCode::OK,
        String::new(),
        None,
    )
    .await
}

async fn decide_review(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    revision_id: i64,
    rejection: Option<String>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let t = Lang::of_request(&req).catalogue();
    let reason = match rejection.as_deref().map(check_reason) {
        Some(Err(problem)) => {
            let typed = rejection.unwrap_or_default();
            let message = reason_problem(t, problem);
            return review_page(
                &req,
                &user,
                &state,
                revision_id,
                StatusCode::BAD_REQUEST,
                typed,
                Some(message),
            )
            .await;
        }
        Some(Ok(reason)) => Some(reason),
        None => None,
    };
    let operator = Actor { id: user.id };
    let approving = reason.is_none();
    let outcome = state
        .db(move |conn| {
            Ok(match &reason {
                None => products::approve(conn, operator, revision_id, now),
                Some(reason) => products::reject(conn, operator, revision_id, reason, now),
            })
        })
        .await?;
    match outcome {
        Ok(_) => {
            set_flash(
                &session,
                if approving {
                    t.approved_done
                } else {
                    t.rejected_done
                },
            );
            Ok(see_other("/admin/reviews"))
        }
        Err(StoreError::Refused(refusal)) => {
            let message = refusal.message(t);
            review_page(
                &req,
                &user,
                &state,
                revision_id,
                refusal_status(refusal),
                String::new(),
                Some(message),
            )
            .await
        }
        Err(other) => Err(AppError::from(other)),
    }
}

#[derive(Deserialize)]
pub struct ApproveForm {
    /// `1`: 通过并上架, list the product once the revision is approved.
    #[serde(default)]
    and_list: String,
}

pub async fn approve_revision(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<ApproveForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let revision_id = id.into_inner();
    if form.and_list != "1" {
        return decide_review(req, user, session, state, revision_id, None).await;
    }
    let t = Lang::of_request(&req).catalogue();
    let operator = Actor { id: user.id };
    let approved = state
        .db(move |conn| Ok(products::approve(conn, operator, revision_id, now)))
        .await?;
    let product_id = match approved {
        Ok(product_id) => product_id,
        Err(StoreError::Refused(refusal)) => {
            let message = refusal.message(t);
            let status = refusal_status(refusal);
            let empty = String::new();
            return review_page(
                &req,
                &user,
                &state,
                revision_id,
                status,
                empty,
                Some(message),
            )
            .await;
        }
        Err(other) => return Err(AppError::from(other)),
    };
    // The approval stands even if listing is refused (someone listed it first).
    let listed = state
        .db(move |conn| Ok(products::list(conn, operator, product_id, now)))
        .await?;
    match listed {
        Ok(()) => set_flash(&session, t.approved_and_listed),
        Err(StoreError::Refused(refusal)) => {
            let message = fill(t.approved_not_listed, &[("reason", &refusal.message(t))]);
            views::set_warning(&session, &message);
        }
        Err(other) => return Err(AppError::from(other)),
    }
    Ok(see_other("/admin/reviews"))
}

pub async fn reject_revision(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<ReasonForm>,
) -> AppResult<HttpResponse> {
    let reason = form.into_inner().reason;
    decide_review(req, user, session, state, id.into_inner(), Some(reason)).await
}

#[derive(Deserialize)]
pub struct AdminListQuery {
    #[serde(default)]
    listing: String,
    #[serde(default)]
    kind: String,
    /// A vendor's 10-digit user ID.
    #[serde(default)]
    vendor: String,
    /// Any part of the product's name.
    #[serde(default)]
    q: String,
    before: Option<i64>,
}

pub async fn product_list(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    query: web::Query<AdminListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let page = PageCtx::new(&req, Some(&user), Section::AdminProducts);
    let mut filter = ProductFilter {
        kind: Kind::parse(&query.kind),
        before: query.before,
        name_contains: super::products::name_search(page.t, &query.q)?,
        ..ProductFilter::default()
    };
    let listing = state_filter(&query.listing, &mut filter);
    let vendor = query.vendor.trim().to_string();
    let vendor_uin = if vendor.is_empty() {
        None
    } else {
        Some(parse_uin(&vendor).ok_or_else(|| AppError::BadRequest(page.t.err_bad_uin.into()))?)
    };
    let (rows, next) = state
        .db(move |conn| {
            if let Some(uin) = vendor_uin {
                // An unknown vendor simply has no products.
                filter.vendor_id =
                    Some(crate::db::accounts::find_by_uin(conn, uin)?.map_or(0, |a| a.id));
            }
            Ok(products::list_products(conn, &filter)?)
        })
        .await?;
    views::ok(&AdminProductsPage {
        page,
        rows,
        listing,
        kind: filter_kind(&query.kind),
        vendor,
        name: query.q.trim().to_string(),
        next,
        notice: take_flash(&session),
    })
}

fn filter_kind(kind: &str) -> String {
    Kind::parse(kind)
        .map(|k| k.as_str().to_string())
        .unwrap_or_default()
}

pub async fn show_product(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let notice = take_flash(&session);
    product_page(
        &req,
        &user,
        &state,
        id.into_inner(),
        Viewer::Operator,
        Alert::ok(notice),
    )
    .await
}

pub async fn list_product(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let product_id = id.into_inner();
    product_step(
        req,
        user,
        session,
        state,
        StepOn::new(Viewer::Operator, product_id, |t| t.listed_done),
        move |conn, operator| products::list(conn, operator, product_id, now),
    )
    .await
}

pub async fn delist_product(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<ReasonForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let product_id = id.into_inner();
    let reason = match check_reason(&form.reason) {
        Ok(reason) => reason,
        Err(problem) => {
            let message = reason_problem(Lang::of_request(&req).catalogue(), problem);
            return product_page(
                &req,
                &user,
                &state,
                product_id,
                Viewer::Operator,
                Alert::refused(StatusCode::BAD_REQUEST, message),
            )
            .await;
        }
    };
    if !confirm::is_confirmed(&form.confirmed) {
        let product = state
            .db(move |conn| {
                let product = products::find(conn, product_id)?.ok_or(AppError::NotFound)?;
                Ok(products::live_name(conn, &product)?)
            })
            .await?;
        let t = Lang::of_request(&req).catalogue();
        let line = fill(t.confirm_delist, &[("name", &product), ("reason", &reason)]);
        return confirm::ask(
            &req,
            &user,
            Section::AdminProducts,
            Confirmation {
                lines: vec![line],
                action: format!("/admin/products/{product_id}/delist"),
                fields: vec![("reason", reason)],
                button: t.delist_product,
                back: format!("/admin/products/{product_id}"),
                afterwards: t.confirm_cannot_undo,
            },
        );
    }
    product_step(
        req,
        user,
        session,
        state,
        StepOn::new(Viewer::Operator, product_id, |t| t.delisted_done),
        move |conn, operator| products::delist(conn, operator, product_id, &reason, now),
    )
    .await
}

async fn delist_requests_page(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    status: StatusCode,
    notice: Option<views::Flash>,
    error: Option<String>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let (open, decided) = state
        .db(|conn| {
            Ok((
                products::delist_queue(conn, true)?,
                products::delist_queue(conn, false)?,
            ))
        })
        .await?;
    render(
        status,
        &DelistRequestsPage {
            page: PageCtx::new(req, Some(user), Section::AdminDelistRequests),
            open,
            decided,
            now,
            notice,
            error,
        },
    )
}

pub async fn delist_requests(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let notice = take_flash(&session);
    delist_requests_page(&req, &user, &state, StatusCode::OK, notice, None).await
}

async fn decide_request(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    request_id: i64,
    decline_reason: Option<String>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let t = Lang::of_request(&req).catalogue();
    let note = match decline_reason.as_deref().map(check_reason) {
        Some(Err(problem)) => {
            let message = reason_problem(t, problem);
            return delist_requests_page(
                &req,
                &user,
                &state,
                StatusCode::BAD_REQUEST,
                None,
                Some(message),
            )
            .await;
        }
        Some(Ok(reason)) => Some(reason),
        None => None,
    };
    let operator = Actor { id: user.id };
    let carry_out = note.is_none();
    let outcome = state
        .db(move |conn| {
            let note = note.unwrap_or_default();
            Ok(products::decide_delist_request(
                conn, operator, request_id, carry_out, &note, now,
            ))
        })
        .await?;
    match outcome {
        Ok(()) => {
            set_flash(
                &session,
                if carry_out {
                    t.request_carried_out
                } else {
                    t.request_declined
                },
            );
            Ok(see_other("/admin/delist-requests"))
        }
        Err(StoreError::Refused(refusal)) => {
            let message = refusal.message(t);
            delist_requests_page(
                &req,
                &user,
                &state,
                refusal_status(refusal),
                None,
                Some(message),
            )
            .await
        }
        Err(other) => Err(AppError::from(other)),
    }
}

pub async fn carry_out_request(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let request_id = id.into_inner();
    if !confirm::is_confirmed(&form.confirmed) {
        let found = state
            .db(move |conn| Ok(products::delist_request(conn, request_id)?))
            .await?;
        let (request, name) = found.ok_or(AppError::NotFound)?;
        let t = Lang::of_request(&req).catalogue();
        let line = fill(
            t.confirm_carry_out_delist,
            &[("name", &name), ("reason", &request.reason)],
        );
        return confirm::ask(
            &req,
            &user,
            Section::AdminDelistRequests,
            Confirmation {
                lines: vec![line],
                action: format!("/admin/delist-requests/{request_id}/carry-out"),
                fields: Vec::new(),
                button: t.carry_out,
                back: "/admin/delist-requests".to_string(),
                afterwards: t.confirm_cannot_undo,
            },
        );
    }
    decide_request(req, user, session, state, request_id, None).await
}

pub async fn decline_request(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<ReasonForm>,
) -> AppResult<HttpResponse> {
    let reason = form.into_inner().reason;
    decide_request(req, user, session, state, id.into_inner(), Some(reason)).await
}
