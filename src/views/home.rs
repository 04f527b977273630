//! Each role's home page and the notification list.

use askama::Template;

use chrono::NaiveDateTime;

use super::PageCtx;
use super::orders::{OrderCells, order_cells};
use crate::db::notifications::Notification;
use crate::db::orders::Order;
use crate::db::tickets::TicketRow;
use crate::domain::account::Role;
use crate::domain::refund::five_day_deadline;
use crate::domain::settlement::{Month, Totals};
use crate::i18n::fill;

/// One thing waiting on the dashboard: what, how many, where to act.
pub struct Waiting {
    pub label: &'static str,
    pub count: i64,
    pub link: String,
    pub oldest: Option<String>,
}

#[derive(Template)]
#[template(path = "home/vendor.html")]
pub struct VendorHome {
    pub page: PageCtx,
    pub waiting: Vec<Waiting>,
    pub month: Month,
    /// This month so far, as its statement would be if the month ended now,
    /// and when it was computed.
    pub month_total: (NaiveDateTime, Totals),
    /// Whether the vendor has made any product yet (else: 新建商品 first).
    pub has_products: bool,
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

    pub fn month_total_title(&self) -> String {
        fill(
            self.page.t.dash_month_running,
            &[("month", &self.month.to_string())],
        )
    }

    pub fn as_of_label(&self, as_of: &NaiveDateTime) -> String {
        fill(self.page.t.dash_as_of, &[("time", &self.page.time(as_of))])
    }
}

#[derive(Template)]
#[template(path = "home/buyer.html")]
pub struct BuyerHome {
    pub page: PageCtx,
    pub open_tickets: Vec<TicketRow>,
    pub refundable: Vec<Order>,
    pub now: NaiveDateTime,
}

impl BuyerHome {
    pub fn cells(&self, order: &Order) -> OrderCells {
        order_cells(self.page.t, order)
    }

    pub fn your_turn(&self, row: &TicketRow) -> bool {
        row.waits_for(Role::Buyer)
    }

    /// When the five-day refund of `order` closes, and how long is left.
    pub fn refund_deadline(&self, order: &Order) -> String {
        let deadline = five_day_deadline(order.created_at);
        fill(
            self.page.t.me_refund_until,
            &[
                ("time", &self.page.time(&deadline)),
                ("left", &self.page.age_since(&self.now, &deadline)),
            ],
        )
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
