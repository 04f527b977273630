//! Each role's home page and the notification list.

use askama::Template;

use super::PageCtx;
use crate::db::notifications::Notification;

#[derive(Template)]
#[template(path = "home/vendor.html")]
pub struct VendorHome {
    pub page: PageCtx,
}

#[derive(Template)]
#[template(path = "home/admin.html")]
pub struct AdminHome {
    pub page: PageCtx,
}

#[derive(Template)]
#[template(path = "home/notifications.html")]
pub struct NotificationsPage {
    pub page: PageCtx,
    pub items: Vec<Notification>,
}
