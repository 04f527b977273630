//! Each role's home and the notifications page.

use actix_web::{HttpRequest, HttpResponse, web};

use chrono::NaiveDateTime;

use crate::auth::{Buyer, CurrentUser, MaybeUser, Operator, Vendor};
use crate::db::dashboards::{self, QueueStat};
use crate::db::{notifications, settlements};
use crate::domain::sales;
use crate::domain::settlement::Month;
use crate::error::{AppError, AppResult};
use crate::i18n::fill;
use crate::state::AppState;
use crate::views::home::{AdminHome, BuyerHome, NotificationsPage, VendorHome, Waiting};
use crate::views::{PageCtx, Section, ok, see_other};

/// `/`: the signed-in account's home, else the storefront.
pub async fn root(user: MaybeUser) -> HttpResponse {
    let home = user.0.map_or("/shop", |u| u.role.home());
    see_other(home)
}

/// One dashboard line from a queue: its count, and the oldest item's age.
fn waiting(
    page: &PageCtx,
    label: &'static str,
    stat: QueueStat,
    link: &str,
    now: NaiveDateTime,
) -> Waiting {
    Waiting {
        label,
        count: stat.count,
        link: link.to_string(),
        oldest: stat
            .oldest
            .map(|at| fill(page.t.dash_oldest, &[("age", &page.age_since(&at, &now))])),
    }
}

/// A dashboard line without an age (products waiting on the vendor themself).
fn counted(label: &'static str, count: i64, link: &str) -> Waiting {
    Waiting {
        label,
        count,
        link: link.to_string(),
        oldest: None,
    }
}

/// What needs the vendor now: tickets, rejected revisions, drafts, reviews and
/// delist requests, and this month's running total.
pub async fn vendor_home(
    req: HttpRequest,
    Vendor(user): Vendor,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let vendor_id = user.id;
    let now = state.now();
    // The month so far comes from the ledger's sums, in the same trip as the
    // queues: a few thousand rows at most, however much the vendor sells.
    let (queues, month_total, sold) = state
        .db(move |conn| {
            let queues = dashboards::vendor_queues(conn, vendor_id, now)?;
            let sold = dashboards::recent_sales(conn, vendor_id, sales::since(now))?;
            let totals = settlements::running_totals(conn, vendor_id, now)?;
            Ok((queues, totals, sold))
        })
        .await?;
    let page = PageCtx::new(&req, Some(&user), Section::VendorHome);
    let t = page.t;
    let page_lang = page.lang;
    let waiting = vec![
        waiting(
            &page,
            t.dash_awaiting_confirmation,
            queues.awaiting_confirmation,
            "/vendor/supervision?state=awaiting_confirmation",
            now,
        ),
        waiting(
            &page,
            t.dash_awaiting_delivery,
            queues.awaiting_delivery,
            "/vendor/supervision",
            now,
        ),
        waiting(
            &page,
            t.dash_overdue_tickets,
            queues.overdue,
            "/vendor/supervision?overdue=1",
            now,
        ),
        waiting(
            &page,
            t.dash_vendor_refund_requests,
            queues.refund_requests,
            "/vendor/refunds",
            now,
        ),
        counted(
            t.dash_rejected,
            queues.rejected,
            "/vendor/products?state=rejected",
        ),
        counted(t.dash_drafts, queues.drafts, "/vendor/products?state=draft"),
        counted(
            t.dash_in_review,
            queues.in_review,
            "/vendor/products?state=pending",
        ),
        waiting(
            &page,
            t.dash_delist_open,
            queues.open_delist_requests,
            "/vendor/products?state=listed",
            now,
        ),
    ];
    ok(&VendorHome {
        page,
        waiting,
        month: Month::of(now),
        month_total: (now, month_total),
        has_products: queues.products > 0,
        sales_chart: crate::views::home::sales_chart(&sales::by_day(&sold, now), t, page_lang),
    })
}

/// The operator's queues with their length and the oldest item's age.
pub async fn admin_home(
    req: HttpRequest,
    Operator(user): Operator,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let queues = state
        .db(move |conn| Ok(dashboards::operator_queues(conn, now)?))
        .await?;
    let page = PageCtx::new(&req, Some(&user), Section::AdminHome);
    let t = page.t;
    let oldest_unsettled = queues.unsettled_months.first().copied();
    let unsettled = QueueStat {
        count: queues.unsettled_months.len() as i64,
        oldest: oldest_unsettled.map(|month| month.end()),
    };
    let unsettled_link = oldest_unsettled.map_or_else(
        || "/admin/settlements".to_string(),
        |month| format!("/admin/settlements?month={month}"),
    );
    let waiting = vec![
        waiting(&page, t.dash_reviews, queues.reviews, "/admin/reviews", now),
        waiting(
            &page,
            t.dash_overdue_tickets,
            queues.overdue_tickets,
            "/admin/supervision?overdue=1",
            now,
        ),
        waiting(
            &page,
            t.dash_refund_requests,
            queues.refund_requests,
            "/admin/refunds",
            now,
        ),
        waiting(
            &page,
            t.dash_delist_requests,
            queues.delist_requests,
            "/admin/delist-requests",
            now,
        ),
        waiting(
            &page,
            t.dash_open_tickets,
            queues.open_tickets,
            "/admin/supervision",
            now,
        ),
        waiting(
            &page,
            t.dash_unsettled_months,
            unsettled,
            &unsettled_link,
            now,
        ),
        waiting(
            &page,
            t.dash_unpaid_statements,
            queues.unpaid_statements,
            "/admin/settlements",
            now,
        ),
    ];
    ok(&AdminHome { page, waiting })
}

/// The buyer's overview: open service tickets (their turn first) and the
/// purchases the five-day refund can still take.
pub async fn buyer_home(
    req: HttpRequest,
    Buyer(user): Buyer,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let buyer_id = user.id;
    let now = state.now();
    let overview = state
        .db(move |conn| Ok(dashboards::buyer_overview(conn, buyer_id, now)?))
        .await?;
    ok(&BuyerHome {
        page: PageCtx::new(&req, Some(&user), Section::BuyerHome),
        open_tickets: overview.open_tickets,
        refundable: overview.refundable,
        now,
    })
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

/// Opens a notification: marks it read (the badge follows) and goes to its page.
pub async fn open_notification(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let (account_id, id) = (user.id, id.into_inner());
    let about = state
        .db(move |conn| Ok(notifications::open(conn, account_id, id, now)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let link = crate::views::links::notice_target(user.role, &about);
    // Always a local page; checked anyway, as an old notice holds an address.
    let target = crate::views::safe_next(Some(&link)).unwrap_or_else(|| "/notifications".into());
    Ok(crate::views::see_other(&target))
}

pub async fn mark_all_read(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    state
        .db(move |conn| Ok(notifications::mark_all_read(conn, user.id, now)?))
        .await?;
    Ok(see_other("/notifications"))
}
