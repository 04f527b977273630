//! Page templates and what every page shares: the layout context, the menu,
//! rendering, and the error pages.

pub mod account;
pub mod admin;
pub mod confirm;
pub mod csv;
pub mod errors;
pub mod home;
pub mod labels;
pub mod links;
pub mod orders;
pub mod products;
pub mod settlements;
pub mod tickets;

use actix_session::SessionExt;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::auth::{CurrentUser, csrf};
use crate::domain::account::Role;
use crate::error::{AppError, AppResult};
use crate::i18n::{Catalogue, Lang};

/// Which menu entry a page belongs to, so the layout can mark it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    None,
    VendorHome,
    VendorProducts,
    VendorOrders,
    VendorRefunds,
    VendorSupervision,
    VendorSettlements,
    AdminHome,
    AdminReviews,
    AdminProducts,
    AdminDelistRequests,
    AdminRefunds,
    AdminOrders,
    AdminSupervision,
    AdminSettlements,
    AdminAccounts,
    AdminAudit,
    BuyerHome,
    Shop,
    MyOrders,
    Notifications,
}

/// One entry of the left menu. A group heading has no link; an entry whose
/// page does not exist yet is shown but not linked.
pub struct MenuItem {
    pub label: &'static str,
    pub href: &'static str,
    pub section: Section,
    pub available: bool,
    pub nested: bool,
    pub heading: bool,
    pub current: bool,
}

fn entry(label: &'static str, href: &'static str, section: Section, available: bool) -> MenuItem {
    MenuItem {
        label,
        href,
        section,
        available,
        nested: false,
        heading: false,
        current: false,
    }
}

/// The left menu of a role, in the seed's order for vendors.
fn menu_for(role: Role, t: &'static Catalogue) -> Vec<MenuItem> {
    use Section::*;
    match role {
        Role::Vendor => vec![
            entry(t.nav_overview, "/vendor", VendorHome, true),
            MenuItem {
                heading: true,
                ..entry(t.nav_products, "", None, false)
            },
            MenuItem {
                nested: true,
                ..entry(t.nav_product_list, "/vendor/products", VendorProducts, true)
            },
            entry(t.nav_orders, "/vendor/orders", VendorOrders, true),
            MenuItem {
                nested: true,
                ..entry(t.nav_vendor_refunds, "/vendor/refunds", VendorRefunds, true)
            },
            entry(
                t.nav_supervision,
                "/vendor/supervision",
                VendorSupervision,
                true,
            ),
            entry(
                t.nav_settlements,
                "/vendor/settlements",
                VendorSettlements,
                true,
            ),
            entry(t.nav_notifications, "/notifications", Notifications, true),
        ],
        Role::Operator => vec![
            entry(t.nav_overview, "/admin", AdminHome, true),
            entry(t.nav_reviews, "/admin/reviews", AdminReviews, true),
            entry(t.nav_all_products, "/admin/products", AdminProducts, true),
            entry(
                t.nav_delist_requests,
                "/admin/delist-requests",
                AdminDelistRequests,
                true,
            ),
            entry(t.nav_refunds, "/admin/refunds", AdminRefunds, true),
            entry(t.nav_orders, "/admin/orders", AdminOrders, true),
            entry(
                t.nav_supervision,
                "/admin/supervision",
                AdminSupervision,
                true,
            ),
            entry(
                t.nav_settlements,
                "/admin/settlements",
                AdminSettlements,
                true,
            ),
            entry(t.nav_accounts, "/admin/accounts", AdminAccounts, true),
            entry(t.nav_audit, "/admin/audit", AdminAudit, true),
            entry(t.nav_notifications, "/notifications", Notifications, true),
        ],
        Role::Buyer => vec![
            entry(t.nav_overview, "/me", BuyerHome, true),
            entry(t.nav_shop, "/shop", Shop, true),
            entry(t.nav_my_orders, "/me/orders", MyOrders, true),
            entry(t.nav_notifications, "/notifications", Notifications, true),
        ],
    }
}

/// What the layout needs on every page.
pub struct PageCtx {
    pub t: &'static Catalogue,
    pub lang: Lang,
    pub csrf: String,
    pub user: Option<CurrentUser>,
    pub menu: Vec<MenuItem>,
    /// Path and query of this page, where the language switch returns to.
    pub path: String,
}

impl PageCtx {
    pub fn new(req: &HttpRequest, user: Option<&CurrentUser>, section: Section) -> PageCtx {
        let lang = Lang::of_request(req);
        let t = lang.catalogue();
        let mut menu = user.map(|u| menu_for(u.role, t)).unwrap_or_default();
        for item in &mut menu {
            item.current = item.section == section && section != Section::None;
        }
        PageCtx {
            t,
            lang,
            csrf: csrf::token(&req.get_session()),
            user: user.cloned(),
            menu,
            path: req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
        }
    }

    pub fn role_label(&self, role: &Role) -> &'static str {
        role_label(self.t, *role)
    }

    /// A stored UTC time in China time.
    pub fn time(&self, stored: &chrono::NaiveDateTime) -> String {
        crate::domain::time::format_china(*stored)
    }

    pub fn unread_label(&self, count: &i64) -> String {
        crate::i18n::fill(
            self.t.unread_notifications,
            &[("count", &self.unread_badge(count))],
        )
    }

    /// The unread count as the badge shows it: `99+` once the store's
    /// count reaches its cap (`UNREAD_COUNTED_UP_TO`, 100).
    pub fn unread_badge(&self, count: &i64) -> String {
        let cap = crate::db::notifications::UNREAD_COUNTED_UP_TO;
        if *count >= cap {
            format!("{}+", cap - 1)
        } else {
            count.to_string()
        }
    }
}

pub fn role_label(t: &Catalogue, role: Role) -> &'static str {
    match role {
        Role::Operator => t.role_operator,
        Role::Vendor => t.role_vendor,
        Role::Buyer => t.role_buyer,
    }
}

/// Renders a page with a status (4xx pages keep the form and its message).
pub fn render(status: StatusCode, page: &impl Template) -> AppResult<HttpResponse> {
    let html = page.render().map_err(AppError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

pub fn ok(page: &impl Template) -> AppResult<HttpResponse> {
    render(StatusCode::OK, page)
}

/// After a successful POST: back to a page with GET (post/redirect/get).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location.to_string()))
        .finish()
}

/// A path that is safe to redirect to after sign-in: local, not `//host`.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?.trim();
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    local.then(|| next.to_string())
}

const FLASH_KEY: &str = "flash";

/// What kind of one-time message a flash is; its colour on the page follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FlashKind {
    /// Something the person asked for was done.
    Done,
    /// Nothing went wrong, but the person should know something (read-only,
    /// a similar order placed a moment ago).
    Warning,
}

/// A one-time message shown on the next page (after a redirect).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub text: String,
}

impl Flash {
    pub fn done(text: impl Into<String>) -> Flash {
        Flash {
            kind: FlashKind::Done,
            text: text.into(),
        }
    }

    pub fn warning(text: impl Into<String>) -> Flash {
        Flash {
            kind: FlashKind::Warning,
            text: text.into(),
        }
    }

    /// The CSS class of the box: green for done, amber for a warning.
    pub fn class(&self) -> &'static str {
        match self.kind {
            FlashKind::Done => "notice",
            FlashKind::Warning => "warning",
        }
    }
}

impl std::fmt::Display for Flash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Says on the next page that something was done.
pub fn set_flash(session: &actix_session::Session, message: &str) {
    let _ = session.insert(FLASH_KEY, Flash::done(message));
}

/// Warns on the next page (shown in amber, not as a success).
pub fn set_warning(session: &actix_session::Session, message: &str) {
    let _ = session.insert(FLASH_KEY, Flash::warning(message));
}

pub fn take_flash(session: &actix_session::Session) -> Option<Flash> {
    session.remove_as::<Flash>(FLASH_KEY).and_then(Result::ok)
}

/// What a page says above its content, and the status it answers with.
pub struct Alert {
    pub status: StatusCode,
    pub notice: Option<Flash>,
    pub error: Option<String>,
}

impl Alert {
    /// A plain page, with the one-time notice of the previous step if any.
    pub fn ok(notice: Option<Flash>) -> Alert {
        Alert {
            status: StatusCode::OK,
            notice,
            error: None,
        }
    }

    /// A refusal shown on the page it concerns.
    pub fn refused(status: StatusCode, error: impl Into<String>) -> Alert {
        Alert {
            status,
            notice: None,
            error: Some(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(
            safe_next(Some("/vendor?x=1")).as_deref(),
            Some("/vendor?x=1")
        );
        assert_eq!(safe_next(Some("//evil.example")), None);
        assert_eq!(safe_next(Some("https://evil.example")), None);
        assert_eq!(safe_next(Some("/\\evil.example")), None);
        assert_eq!(safe_next(Some("/a\nb")), None);
        assert_eq!(safe_next(None), None);
    }
}
