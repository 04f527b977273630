//! Each role's home page and the notification list.

use askama::Template;

use super::PageCtx;
use crate::db::notifications::Notification;

/// One thing waiting on the dashboard: what, how many, where to act.
pub struct Waiting {
    pub label: &'static str,
    pub count: i64,
    pub link: &'static str,
    pub oldest: Option<String>,
}

#[derive(Template)]
#[template(path = "home/vendor.html")]
pub struct VendorHome {
    pub page: PageCtx,
    pub waiting: Vec<Waiting>,
}

#[derive(Template)]
#[template(path = "home/admin.html")]
pub struct AdminHome {
    pub page: PageCtx,
    pub waiting: Vec<Waiting>,
}

/// Nothing on the list is waiting.
fn all_clear(waiting: &[Waiting]) -> bool {
    waiting.iter().all(|item| item.count == 0)
}

impl VendorHome {
    pub fn all_clear(&self) -> bool {
        all_clear(&self.waiting)
    }
}

impl AdminHome {
    pub fn all_clear(&self) -> bool {
        all_clear(&self.waiting)
    }
}

#[derive(Template)]
#[template(path = "home/notifications.html")]
pub struct NotificationsPage {
    pub page: PageCtx,
    pub items: Vec<Notification>,
}
