//! Each role's home and the notifications page.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::{CurrentUser, MaybeUser, Operator, Vendor};
use crate::db::notifications;
use crate::domain::time::to_stored;
use crate::error::AppResult;
use crate::state::AppState;
use crate::views::home::{AdminHome, NotificationsPage, VendorHome};
use crate::views::{PageCtx, Section, ok, see_other};

/// `/`: the signed-in account's home, else the storefront.
pub async fn root(user: MaybeUser) -> HttpResponse {
    let home = user.0.map_or("/shop", |u| u.role.home());
    see_other(home)
}

pub async fn vendor_home(req: HttpRequest, Vendor(user): Vendor) -> AppResult<HttpResponse> {
    ok(&VendorHome {
        page: PageCtx::new(&req, Some(&user), Section::VendorHome),
    })
}

pub async fn admin_home(req: HttpRequest, Operator(user): Operator) -> AppResult<HttpResponse> {
    ok(&AdminHome {
        page: PageCtx::new(&req, Some(&user), Section::AdminHome),
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
