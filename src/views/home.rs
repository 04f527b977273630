//! Each role's home page and the notification list.

use askama::Template;

use chrono::NaiveDateTime;

use super::PageCtx;
use super::orders::{OrderCells, order_cells};
use super::settlements::attribute_text;
use crate::db::notifications::Notification;
use crate::db::orders::Order;
use crate::db::tickets::TicketRow;
use crate::domain::account::Role;
use crate::domain::money::format_money;
use crate::domain::refund::five_day_deadline;
use crate::domain::sales::DaySales;
use crate::domain::settlement::{Month, Totals};
use crate::i18n::{Catalogue, Lang, fill};

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
    /// The last thirty days' orders and income, as inline SVG.
    pub sales_chart: String,
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

const SALES_WIDTH: i64 = 720;
const SALES_HEIGHT: i64 = 240;
/// Room for the value axes (left: income, right: orders) and the day labels.
const LEFT: i64 = 64;
const RIGHT: i64 = 40;
const TOP: i64 = 12;
const BOTTOM: i64 = 28;

/// The last thirty days as inline SVG: income as bars against a value axis
/// on the left, the number of orders as a line against one on the right, a
/// day label every five days. No script; each day's figures are in its title.
pub fn sales_chart(days: &[DaySales], t: &Catalogue, lang: Lang) -> String {
    use std::fmt::Write;
    let plot_w = SALES_WIDTH - LEFT - RIGHT;
    let plot_h = SALES_HEIGHT - TOP - BOTTOM;
    let most_income = days.iter().map(|d| d.income_fen).max().unwrap_or(0).max(1);
    let most_orders = days.iter().map(|d| d.orders).max().unwrap_or(0).max(1);
    let slot = plot_w / days.len().max(1) as i64;
    let bar = (slot * 3 / 5).max(3);
    let y_of = |value: i64, most: i64| TOP + plot_h - plot_h * value.max(0) / most;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart sales" viewBox="0 0 {SALES_WIDTH} {SALES_HEIGHT}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        attribute_text(t.sales_chart_label)
    );
    // The value axes: 0, half and the most, with gridlines; the orders axis
    // names whole numbers only (no "0.5 orders").
    for step in 0..=2 {
        let income = most_income * step / 2;
        let y = y_of(income, most_income);
        let orders = (step != 1 || most_orders % 2 == 0).then(|| most_orders * step / 2);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" y1="{y}" x2="{}" y2="{y}"/><text class="axis-label" x="{}" y="{}" text-anchor="end">{}</text>"#,
            SALES_WIDTH - RIGHT,
            LEFT - 6,
            y + 4,
            crate::views::settlements::compact_yuan(income, lang),
        );
        if let Some(orders) = orders {
            let _ = write!(
                svg,
                r#"<text class="axis-label" x="{}" y="{}" text-anchor="start">{orders}</text>"#,
                SALES_WIDTH - RIGHT + 6,
                y + 4,
            );
        }
    }
    let mut line = Vec::new();
    for (index, day) in days.iter().enumerate() {
        let x = LEFT + index as i64 * slot + (slot - bar) / 2;
        let y = y_of(day.income_fen, most_income);
        let height = TOP + plot_h - y;
        let centre = x + bar / 2;
        let title = fill(
            t.sales_day_title,
            &[
                ("day", &day.day.format("%m-%d").to_string()),
                ("orders", &day.orders.to_string()),
                ("income", &format_money(day.income_fen)),
            ],
        );
        let _ = write!(
            svg,
            r#"<g><title>{}</title><rect class="bar" x="{x}" y="{y}" width="{bar}" height="{height}"/></g>"#,
            attribute_text(&title)
        );
        line.push(format!("{centre},{}", y_of(day.orders, most_orders)));
        if index % 5 == 0 || index + 1 == days.len() {
            let _ = write!(
                svg,
                r#"<text class="month" x="{centre}" y="{}" text-anchor="middle">{}</text>"#,
                SALES_HEIGHT - 8,
                day.day.format("%m-%d")
            );
        }
    }
    let _ = write!(
        svg,
        r#"<polyline class="orders-line" points="{}"/>"#,
        line.join(" ")
    );
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sales_chart_has_both_value_axes_and_a_bar_a_day() {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        let days: Vec<DaySales> = (0..30)
            .map(|offset| DaySales {
                day: start + chrono::Duration::days(offset),
                orders: offset % 4,
                income_fen: 9900 * (offset % 4),
            })
            .collect();
        let svg = sales_chart(&days, Lang::Zh.catalogue(), Lang::Zh);
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 30);
        assert!(
            svg.contains(">¥297<"),
            "the income axis tops at the best day"
        );
        assert!(
            svg.contains(">3<"),
            "the orders axis tops at the busiest day"
        );
        assert!(svg.contains(">12-02<"), "today is the last day");
        assert!(svg.contains("<polyline class=\"orders-line\""));
    }
}
