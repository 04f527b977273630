//! Order pages: the seed's order table for vendors and operators, the buyer's
//! orders and subscriptions, checkout and renewal.

use crate::views::Flash;
use std::sync::Arc;

use askama::Template;
use chrono::NaiveDateTime;

use super::PageCtx;
use super::labels::refund_reason;
use crate::db::orders::{Order, OrderPage, Subscription};
use crate::db::products::{PlanRow, RevisionWithPlans};
use crate::db::refunds::{QueuedRequest, RefundRequest};
use crate::db::settlements::OrderSettlement;
use crate::domain::money::format_yuan;
use crate::domain::order::{OrderStatus, OrderType, Term, amount_label, started_hours, term_of};
use crate::domain::product::{Billing, Kind};
use crate::domain::refund::{RefundReason, RefundRefusal, RequestState, VendorPosition};
use crate::domain::time::format_china;
use crate::i18n::{Catalogue, fill};

/// One row of the seed's table, already in words: used by the pages and the CSV.
pub struct OrderCells {
    pub order_no: String,
    pub product_name: String,
    pub buyer_uin: String,
    pub type_billing: String,
    pub term: String,
    pub amount: String,
    pub status: String,
    pub created: String,
}

pub fn type_label(t: &Catalogue, order_type: OrderType) -> &'static str {
    match order_type {
        OrderType::Purchase => t.type_purchase,
        OrderType::Renew => t.type_renew,
        OrderType::Refund => t.type_refund,
    }
}

pub fn status_label(t: &Catalogue, status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Refunded => t.status_refunded,
        OrderStatus::Paid => t.status_paid,
    }
}

fn billing_label(t: &Catalogue, billing: Billing) -> &'static str {
    match billing {
        Billing::Prepaid => t.billing_prepaid,
        Billing::Hourly => t.billing_hourly,
        Billing::OneTime => t.billing_onetime,
    }
}

/// The seed's columns, in its order, rendered as the seed renders them.
pub fn order_cells(t: &Catalogue, order: &Order) -> OrderCells {
    let order_type = order.order_type;
    let months = if order_type == OrderType::Refund {
        None
    } else {
        order.months
    };
    OrderCells {
        order_no: order.order_no.clone(),
        product_name: order.product_name.clone(),
        buyer_uin: order.buyer_uin.to_string(),
        type_billing: format!(
            "{} {}",
            type_label(t, order_type),
            billing_label(t, order.billing)
        ),
        term: term_cell(t, months),
        amount: amount_label(
            order_type,
            order.billing,
            order.amount_fen,
            order.unit_price_fen,
            t.per_hour,
        ),
        status: status_label(t, order.status).to_string(),
        created: format_china(order.created_at),
    }
}

/// The filter as typed, to keep it in the form and in every link.
#[derive(Debug, Clone, Default)]
pub struct TypedFilter {
    pub buyer_uin: String,
    pub order_no: String,
    pub order_type: String,
    pub billing: String,
    pub status: String,
    pub product: String,
    pub vendor: String,
    pub from: String,
    pub to: String,
    /// Rows per page as typed (empty: the default).
    pub size: String,
}

impl TypedFilter {
    /// The filter as a query string (no page cursor), for links and the CSV.
    pub fn query(&self) -> String {
        let pairs = [
            ("buyer_uin", &self.buyer_uin),
            ("order_no", &self.order_no),
            ("type", &self.order_type),
            ("billing", &self.billing),
            ("status", &self.status),
            ("product", &self.product),
            ("vendor", &self.vendor),
            ("from", &self.from),
            ("to", &self.to),
            ("size", &self.size),
        ];
        let kept: Vec<(&str, &str)> = pairs
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }
}

/// Rows of an order list page unless the visitor chooses another size.
pub const ORDER_PAGE_SIZE: i64 = 50;

/// The page sizes a list offers.
pub const PAGE_SIZES: [i64; 3] = [20, 50, 100];

#[derive(Template)]
#[template(path = "orders/list.html")]
pub struct OrderListPage {
    pub page: PageCtx,
    /// `/vendor/orders` or `/admin/orders`.
    pub base: &'static str,
    pub show_vendor_filter: bool,
    pub filter: TypedFilter,
    pub errors: Vec<String>,
    /// The rendered `OrderRowsFragment`; empty when the query was refused.
    pub rows_html: Arc<str>,
    /// The vendor's products by name for the product filter (empty for
    /// operators, who type a product number).
    pub product_options: Arc<[(i64, String)]>,
}

impl OrderListPage {
    pub fn page_sizes(&self) -> [i64; 3] {
        PAGE_SIZES
    }

    pub fn size_chosen(&self, size: i64) -> bool {
        let default = ORDER_PAGE_SIZE;
        self.filter.size == size.to_string() || (self.filter.size.is_empty() && size == default)
    }

    /// The default size is sent as no value, so that it is left out of the address.
    pub fn is_default_size(&self, size: &i64) -> bool {
        *size == ORDER_PAGE_SIZE
    }

    pub fn product_chosen(&self, id: &i64) -> bool {
        self.filter.product == id.to_string()
    }

    pub fn csv_link(&self) -> String {
        let query = self.filter.query();
        if query.is_empty() {
            format!("{}.csv", self.base)
        } else {
            format!("{}.csv?{query}", self.base)
        }
    }
}

/// The rows and page links of an order list: everything in it that does not
/// depend on who is looking beyond their scope and language, so that one
/// rendering can serve many requests (`AppState::order_lists`).
#[derive(Template)]
#[template(path = "orders/list_rows.html")]
pub struct OrderRowsFragment {
    pub t: &'static Catalogue,
    pub base: &'static str,
    /// How many orders the whole filter holds, and their money.
    pub summary: crate::db::orders::OrderSummary,
    pub result: OrderPage,
    pub newer_link: Option<String>,
    pub older_link: Option<String>,
}

impl OrderRowsFragment {
    pub fn cells(&self, order: &Order) -> OrderCells {
        order_cells(self.t, order)
    }

    pub fn shows_buyer(&self) -> bool {
        true
    }

    /// "共 12 笔订单 · 实付合计 ¥1,234.00 · 退款合计 ¥99.00" for the filter.
    pub fn summary_line(&self) -> String {
        fill(
            self.t.orders_summary,
            &[
                ("count", &self.summary.count.to_string()),
                (
                    "paid",
                    &crate::domain::money::format_money(self.summary.paid_fen),
                ),
                (
                    "refunded",
                    &crate::domain::money::format_money(self.summary.refunded_fen),
                ),
            ],
        )
    }
}

/// An order with its subscription and every order of that subscription.
#[derive(Template)]
#[template(path = "orders/detail.html")]
pub struct OrderDetailPage {
    pub page: PageCtx,
    pub order: Order,
    pub chain: Vec<Order>,
    pub subscription: Option<Subscription>,
    /// Where order numbers link: `/vendor/orders`, `/admin/orders` or `/me/orders`.
    pub base: &'static str,
    pub now: NaiveDateTime,
    pub notice: Option<Flash>,
    pub error: Option<String>,
    /// Renewal terms offered to the buyer, if the subscription can be renewed.
    pub renew_terms: Vec<Term>,
    /// What the buyer may do about refunds (only on the buyer's page).
    pub refunds: Option<BuyerRefunds>,
    pub refund_requests: Vec<RefundRequest>,
    /// The service ticket's page and number, for service and license orders.
    pub ticket_link: Option<(String, i64)>,
    /// Order numbers this one is linked with: its purchase, or its refunds.
    pub related: Vec<String>,
    /// The chain's statement lines (vendor and operator only).
    pub settlement: Vec<OrderSettlement>,
}

/// The buyer's refund options on an order.
pub struct BuyerRefunds {
    /// The five-day refund's deadline, or why it does not apply.
    pub five_day: Result<NaiveDateTime, RefundRefusal>,
    pub can_stop: bool,
    pub can_request: bool,
}

impl OrderDetailPage {
    /// The statement a line belongs to, on the viewer's side.
    pub fn statement_link(&self, item: &OrderSettlement) -> String {
        if self.base == "/admin/orders" {
            format!("/admin/settlements/{}", item.statement_id)
        } else {
            format!("/vendor/settlements/{}", item.month)
        }
    }

    /// A re-order after a five-day refund (重新订购单): every party is told;
    /// the vendor and operator also that it takes no part in settlement.
    pub fn is_reorder(&self) -> bool {
        self.order.reorder_of.is_some()
    }

    pub fn cells(&self, order: &Order) -> OrderCells {
        order_cells(self.page.t, order)
    }

    pub fn shows_buyer(&self) -> bool {
        self.base != "/me/orders"
    }

    pub fn usage(&self, subscription: &Subscription) -> String {
        subscription_usage(&self.page, subscription, &self.now)
    }

    pub fn term_text(&self, term: &Term) -> String {
        term_text(self.page.t, *term)
    }

    /// The five-day offer with its deadline, if it applies now.
    pub fn five_day_offer(&self) -> Option<String> {
        let refunds = self.refunds.as_ref()?;
        let deadline = refunds.five_day.ok()?;
        Some(fill(
            self.page.t.five_day_deadline,
            &[
                ("deadline", &format_china(deadline)),
                ("amount", &format_yuan(self.order.amount_fen)),
            ],
        ))
    }

    /// Why the five-day refund does not apply, for prepaid image purchases
    /// (other orders never qualify, so nothing is said there).
    pub fn five_day_refused(&self) -> Option<String> {
        let refunds = self.refunds.as_ref()?;
        let refusal = refunds.five_day.err()?;
        let worth_saying = matches!(
            refusal,
            RefundRefusal::WindowClosed { .. } | RefundRefusal::AlreadyRefunded
        ) || (self.order.order_type == OrderType::Purchase
            && self.order.billing == Billing::Prepaid);
        worth_saying.then(|| {
            fill(
                self.page.t.five_day_unavailable,
                &[(
                    "reason",
                    &crate::domain::refusal::Refusal::Refund(refusal).message(self.page.t),
                )],
            )
        })
    }

    /// Whether the refund card has anything to offer now: after a stop or a
    /// full refund there is nothing, and the card is left out.
    pub fn refund_card_applies(&self) -> bool {
        self.refunds
            .as_ref()
            .is_some_and(|r| r.five_day.is_ok() || r.can_stop || r.can_request)
    }

    /// Whether the vendor may still give its position on this request.
    pub fn vendor_answers(&self, request: &RefundRequest) -> bool {
        let viewer = self.page.user.as_ref().map(|user| user.role);
        viewer == Some(crate::domain::account::Role::Vendor) && request.state == RequestState::Open
    }

    pub fn position_text(&self, request: &RefundRequest) -> &'static str {
        position_text(self.page.t, request)
    }

    pub fn ticket_name(&self, id: &i64) -> String {
        fill(self.page.t.ticket_title, &[("id", &id.to_string())])
    }

    pub fn reasons(&self) -> Vec<(&'static str, &'static str)> {
        RefundReason::ALL
            .iter()
            .map(|r| (r.code(), refund_reason(self.page.t, *r)))
            .collect()
    }

    pub fn reason_text(&self, code: &str) -> &'static str {
        RefundReason::parse(code).map_or("", |r| refund_reason(self.page.t, r))
    }

    pub fn request_state(&self, state: &RequestState) -> &'static str {
        request_state(self.page.t, *state)
    }

    /// "已退 ¥x" for a partly refunded order.
    pub fn refunded_sum(&self) -> Option<String> {
        (self.order.refunded_fen > 0 && self.order.order_type != OrderType::Refund).then(|| {
            fill(
                self.page.t.refunded_sum,
                &[("amount", &format_yuan(self.order.refunded_fen))],
            )
        })
    }
}

pub fn request_state(t: &Catalogue, state: RequestState) -> &'static str {
    match state {
        RequestState::Refunded => t.refund_state_refunded,
        RequestState::Declined => t.refund_state_declined,
        RequestState::Open => t.refund_state_open,
    }
}

/// The operator's refund queue.
#[derive(Template)]
#[template(path = "orders/refunds.html")]
pub struct RefundQueuePage {
    pub page: PageCtx,
    pub open: Vec<QueuedRequest>,
    pub decided: Vec<QueuedRequest>,
    pub now: NaiveDateTime,
    pub notice: Option<Flash>,
    pub error: Option<String>,
    /// The vendor's own requests, with the position form instead of the decision.
    pub vendor_view: bool,
    /// A refused position form, as it was typed.
    pub kept: Option<TypedPosition>,
}

/// What the vendor typed into a position form that was refused.
pub struct TypedPosition {
    pub request_id: i64,
    pub position: String,
    pub note: String,
    pub contact: String,
}

impl RefundQueuePage {
    pub fn position_text(&self, request: &RefundRequest) -> &'static str {
        position_text(self.page.t, request)
    }

    fn kept_for(&self, request: &RefundRequest) -> Option<&TypedPosition> {
        self.kept.as_ref().filter(|k| k.request_id == request.id)
    }

    /// The position form starts from what was typed, else what is stored.
    pub fn position_is(&self, request: &RefundRequest, code: &str) -> bool {
        match self.kept_for(request) {
            Some(kept) => kept.position == code,
            None => request.vendor_position.map(VendorPosition::as_str) == Some(code),
        }
    }

    pub fn note_for(&self, request: &RefundRequest) -> String {
        match self.kept_for(request) {
            Some(kept) => kept.note.clone(),
            None => request.vendor_note.clone().unwrap_or_default(),
        }
    }

    pub fn contact_for(&self, request: &RefundRequest) -> String {
        match self.kept_for(request) {
            Some(kept) => kept.contact.clone(),
            None => request.vendor_contact.clone().unwrap_or_default(),
        }
    }

    pub fn contact_line(&self, contact: &str) -> String {
        fill(self.page.t.position_contact_line, &[("contact", contact)])
    }

    pub fn position_class(&self, request: &RefundRequest) -> &'static str {
        match request.vendor_position {
            Some(VendorPosition::Agrees) => "on",
            Some(VendorPosition::Disagrees) => "change",
            None => "",
        }
    }

    pub fn cells(&self, order: &Order) -> OrderCells {
        order_cells(self.page.t, order)
    }

    pub fn remaining(&self, order: &Order) -> String {
        format_yuan(crate::domain::refund::remaining_fen(&order.facts()))
    }

    pub fn remaining_digits(&self, order: &Order) -> String {
        crate::domain::money::yuan_digits(crate::domain::refund::remaining_fen(&order.facts()))
    }

    pub fn reason_text(&self, code: &str) -> &'static str {
        RefundReason::parse(code).map_or("", |r| refund_reason(self.page.t, r))
    }

    pub fn request_state(&self, state: &RequestState) -> &'static str {
        request_state(self.page.t, *state)
    }
}

/// What the vendor said about a refund request.
pub fn position_text(t: &Catalogue, request: &RefundRequest) -> &'static str {
    match request.vendor_position {
        Some(VendorPosition::Agrees) => t.position_agrees,
        Some(VendorPosition::Disagrees) => t.position_disagrees,
        None => t.position_none,
    }
}

/// How a subscription stands: expiry for prepaid, hours for hourly.
pub fn subscription_usage(
    page: &PageCtx,
    subscription: &Subscription,
    now: &NaiveDateTime,
) -> String {
    let t = page.t;
    match subscription.billing {
        Billing::Prepaid => {
            let state = if subscription.stopped_at.is_some() {
                t.subscription_stopped
            } else if subscription.expires_at.is_some_and(|e| e <= *now) {
                t.subscription_expired
            } else {
                t.subscription_active
            };
            // A stopped subscription no longer runs to its expiry.
            match (subscription.stopped_at, subscription.expires_at) {
                (Some(stopped), _) => {
                    format!(
                        "{} · {} {}",
                        state,
                        t.stopped_at_label,
                        format_china(stopped)
                    )
                }
                (None, Some(expiry)) => {
                    format!("{} · {} {}", state, t.col_expires, format_china(expiry))
                }
                (None, None) => state.to_string(),
            }
        }
        Billing::Hourly => {
            let end = subscription.stopped_at.unwrap_or(*now);
            let hours = started_hours(subscription.started_at, end);
            let state = if subscription.stopped_at.is_some() {
                t.subscription_stopped
            } else {
                t.subscription_active
            };
            format!(
                "{state} · {}",
                fill(
                    if hours == 1 {
                        t.running_hour_one
                    } else {
                        t.running_hours
                    },
                    &[("hours", &hours.to_string())]
                )
            )
        }
        Billing::OneTime => "-".to_string(),
    }
}

/// A term in words, for choosing one: "3 个月", "1 month", "2 years".
pub fn term_text(t: &Catalogue, term: Term) -> String {
    let (template, n) = match term {
        Term::Months(1) => (t.term_month_one, 1),
        Term::Months(n) => (t.term_months, n),
        Term::Years(1) => (t.term_year_one, 1),
        Term::Years(n) => (t.term_years, n),
    };
    fill(template, &[("n", &n.to_string())])
}

/// 时长 in the order table: the seed's "1(月)" in Chinese, "1 month" in English.
pub fn term_cell(t: &Catalogue, months: Option<i32>) -> String {
    let (template, n) = match term_of(months) {
        Some(Term::Months(1)) => (t.term_cell_month_one, 1),
        Some(Term::Months(n)) => (t.term_cell_months, n),
        Some(Term::Years(1)) => (t.term_cell_year_one, 1),
        Some(Term::Years(n)) => (t.term_cell_years, n),
        None => return "-".to_string(),
    };
    fill(template, &[("n", &n.to_string())])
}

#[derive(Template)]
#[template(path = "orders/my_orders.html")]
pub struct MyOrdersPage {
    pub page: PageCtx,
    pub subscriptions: Vec<(Subscription, Order)>,
    pub tickets: Vec<crate::db::tickets::TicketRow>,
    pub result: OrderPage,
    pub older_link: Option<String>,
    pub newer_link: Option<String>,
    pub now: NaiveDateTime,
    pub notice: Option<Flash>,
}

impl MyOrdersPage {
    pub fn cells(&self, order: &Order) -> OrderCells {
        order_cells(self.page.t, order)
    }

    /// The buyer's own list: every row is theirs, so no 购买用户ID column.
    pub fn shows_buyer(&self) -> bool {
        false
    }

    pub fn usage(&self, subscription: &Subscription) -> String {
        subscription_usage(&self.page, subscription, &self.now)
    }
}

/// A checkout's warning that the same order was just paid, and its link.
pub struct RepeatNotice {
    pub message: String,
    pub order_no: String,
}

/// The order summary before paying: plan, term and total.
#[derive(Template)]
#[template(path = "orders/checkout.html")]
pub struct CheckoutPage {
    pub page: PageCtx,
    pub product_id: i64,
    pub product_name: String,
    pub plan: PlanRow,
    pub term: Option<Term>,
    pub total: String,
    pub total_fen: i64,
    /// The one-time key that makes a repeated submission of this page show
    /// the order it made instead of paying again.
    pub checkout_key: String,
    /// The same order, paid a moment ago, if it was.
    pub repeat: Option<RepeatNotice>,
    pub error: Option<String>,
    /// Where the form posts: a purchase or a renewal.
    pub action: String,
    pub title: &'static str,
}

impl CheckoutPage {
    pub fn term_text(&self, term: &Term) -> String {
        term_text(self.page.t, *term)
    }

    /// What the buyer agrees to on an hourly plan: the rate, not a ¥0 total.
    pub fn hourly_button(&self) -> String {
        fill(
            self.page.t.hourly_start_button,
            &[("price", &self.page.plan_price(&self.plan))],
        )
    }

    pub fn hourly_note(&self) -> String {
        fill(
            self.page.t.hourly_note,
            &[("price", &self.page.plan_price(&self.plan))],
        )
    }
}

/// The shop's product page: the live content and, per plan, how to buy it.
#[derive(Template)]
#[template(path = "products/shop_product.html")]
pub struct ShopProductPage {
    pub page: PageCtx,
    pub product_id: i64,
    pub kind: Kind,
    pub vendor_name: String,
    pub live: RevisionWithPlans,
    pub error: Option<String>,
}

impl ShopProductPage {
    pub fn terms(&self, plan: &PlanRow) -> Vec<Term> {
        Term::offered(plan.year_price_fen.is_some())
    }

    pub fn term_text(&self, term: &Term) -> String {
        term_text(self.page.t, *term)
    }

    pub fn is_buyer(&self) -> bool {
        self.page
            .user
            .as_ref()
            .is_some_and(|u| u.role == crate::domain::account::Role::Buyer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn terms_read_as_the_seed_in_chinese_and_as_english_in_english() {
        let (zh, en) = (Lang::Zh.catalogue(), Lang::En.catalogue());
        assert_eq!(term_cell(zh, Some(1)), "1(月)");
        assert_eq!(term_cell(zh, Some(24)), "2(年)");
        assert_eq!(term_cell(en, Some(1)), "1 month");
        assert_eq!(term_cell(en, Some(3)), "3 months");
        assert_eq!(term_cell(en, Some(12)), "1 year");
        assert_eq!(term_cell(en, Some(36)), "3 years");
        assert_eq!(term_cell(en, None), "-");
        assert_eq!(term_text(en, Term::Months(1)), "1 month");
        assert_eq!(term_text(en, Term::Months(2)), "2 months");
        assert_eq!(term_text(en, Term::Years(1)), "1 year");
        assert_eq!(term_text(zh, Term::Months(1)), "1 个月");
    }
}
