//! Each role's home and the notifications page.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::{CurrentUser, MaybeUser, Operator, Vendor};
use crate::db::notifications;
use crate::db::products::{self, ProductFilter};
use crate::domain::product::RevisionState;
use crate::domain::time::to_stored;
use crate::error::AppResult;
use crate::i18n::fill;
use crate::state::AppState;
use crate::views::home::{AdminHome, NotificationsPage, VendorHome, Waiting};
use crate::views::{PageCtx, Section, ok, see_other};

/// `/`: the signed-in account's home, else the storefront.
pub async fn root(user: MaybeUser) -> HttpResponse {
    let home = user.0.map_or("/shop", |u| u.role.home());
    see_other(home)
}

/// What needs the vendor now: rejected revisions, drafts, reviews and delist requests.
pub async fn vendor_home(
    req: HttpRequest,
    Vendor(user): Vendor,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let vendor_id = user.id;
    let (rejected, drafts, pending, delists, tickets) = state
        .db(move |conn| {
            let count = |conn: &mut crate::db::DbConn, review_state| {
                products::count_products(
                    conn,
                    &ProductFilter {
                        vendor_id: Some(vendor_id),
                        review_state: Some(review_state),
                        ..ProductFilter::default()
                    },
                )
            };
            Ok((
                count(conn, RevisionState::Rejected)?,
                count(conn, RevisionState::Draft)?,
                count(conn, RevisionState::Pending)?,
                products::open_delist_requests_of(conn, vendor_id)?,
                crate::db::tickets::awaiting_vendor(conn, vendor_id)?,
            ))
        })
        .await?;
    let page = PageCtx::new(&req, Some(&user), Section::VendorHome);
    let t = page.t;
    let waiting = vec![
        Waiting {
            label: t.dash_tickets,
            count: tickets,
            link: "/vendor/supervision",
            oldest: None,
        },
        Waiting {
            label: t.dash_rejected,
            count: rejected,
            link: "/vendor/products?state=rejected",
            oldest: None,
        },
        Waiting {
            label: t.dash_drafts,
            count: drafts,
            link: "/vendor/products?state=draft",
            oldest: None,
        },
        Waiting {
            label: t.dash_in_review,
            count: pending,
            link: "/vendor/products?state=pending",
            oldest: None,
        },
        Waiting {
            label: t.dash_delist_open,
            count: delists,
            link: "/vendor/products?state=listed",
            oldest: None,
        },
    ];
    ok(&VendorHome { page, waiting })
}

/// The operator's queues with their length and the oldest item's age.
pub async fn admin_home(
    req: HttpRequest,
    Operator(user): Operator,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let ((reviews, requests), (refund_count, refund_oldest)) = state
        .db(|conn| {
            Ok((
                products::operator_queues(conn)?,
                crate::db::refunds::open_stat(conn)?,
            ))
        })
        .await?;
    let page = PageCtx::new(&req, Some(&user), Section::AdminHome);
    let now = to_stored(chrono::Utc::now());
    let t = page.t;
    let waiting = vec![
        Waiting {
            label: t.dash_reviews,
            count: reviews.count,
            link: "/admin/reviews",
            oldest: reviews
                .oldest
                .map(|at| fill(t.dash_oldest, &[("age", &page.age_since(&at, &now))])),
        },
        Waiting {
            label: t.dash_refund_requests,
            count: refund_count,
            link: "/admin/refunds",
            oldest: refund_oldest
                .map(|at| fill(t.dash_oldest, &[("age", &page.age_since(&at, &now))])),
        },
        Waiting {
            label: t.dash_delist_requests,
            count: requests.count,
            link: "/admin/delist-requests",
            oldest: requests
                .oldest
                .map(|at| fill(t.dash_oldest, &[("age", &page.age_since(&at, &now))])),
        },
    ];
    ok(&AdminHome { page, waiting })
}

pub async fn notifications(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let account_id = user.id;
    let items = state
        .db(move |conn| Ok(notifications::recent(conn, account_id, 100)?))
        .await?;
    ok(&NotificationsPage {
        page: PageCtx::new(&req, Some(&user), Section::Notifications),
        items,
    })
}

pub async fn mark_all_read(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let now = to_stored(chrono::Utc::now());
    state
        .db(move |conn| Ok(notifications::mark_all_read(conn, user.id, now)?))
        .await?;
    Ok(see_other("/notifications"))
}
