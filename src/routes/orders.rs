//! Orders: buying and renewing (buyers), the order lists with search, filters,
//! keyset pages and CSV (vendors and operators), and the order pages.

use crate::domain::refusal::Refusal;
use std::sync::Arc;

use actix_session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::DateTime;
use serde::Deserialize;

use crate::auth::{Buyer, CurrentUser, MaybeUser, Operator, Vendor};
use crate::db::StoreError;
use crate::db::orders::{self, Cursor, OrderFilter, Page, Scope};
use crate::db::{accounts, products, refunds};
use crate::domain::account::parse_uin;
use crate::domain::money::format_yuan;
use crate::domain::order::{
    OrderStatus, OrderType, PurchaseRefusal, Term, china_day_start, is_order_number_text, total_fen,
};
use crate::domain::product::{Billing, Listing};
use crate::domain::refund::{RequestState, five_day_refund, may_request_refund, stop_billing};
use crate::error::{AppError, AppResult, refusal_status};
use crate::i18n::{Catalogue, Lang, fill};
use crate::state::{AppState, OrderListKey};
use crate::views::Alert;
use crate::views::csv::csv_line;
use crate::views::orders::{
    BuyerRefunds, CheckoutPage, MyOrdersPage, OrderDetailPage, OrderListPage, OrderRowsFragment,
    RepeatNotice, ShopProductPage, TypedFilter, order_cells,
};
use crate::views::{self, PageCtx, Section, render, see_other, set_flash, take_flash};

/// The list's page sizes live with the page that offers them.
pub use crate::views::orders::{ORDER_PAGE_SIZE, PAGE_SIZES};

/// A typed page size, if it is one of those offered.
fn page_size(typed: &str) -> Option<i64> {
    typed
        .parse::<i64>()
        .ok()
        .filter(|size| PAGE_SIZES.contains(size))
}
/// Rows fetched per round while streaming a CSV export.
const CSV_CHUNK: i64 = 1000;

/// The list's query string, all text so that any value gets a message, not a 400 from serde.
#[derive(Deserialize, Default)]
pub struct OrderQuery {
    #[serde(default)]
    buyer_uin: String,
    #[serde(default)]
    order_no: String,
    #[serde(default, rename = "type")]
    order_type: String,
    #[serde(default)]
    billing: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    after: String,
    #[serde(default)]
    before: String,
    /// Rows per page: 20, 50 (the default) or 100.
    #[serde(default)]
    size: String,
}

fn encode_cursor(cursor: &Cursor) -> String {
    match cursor {
        Cursor::Time(at, id) => format!("t{}.{id}", at.and_utc().timestamp_micros()),
        Cursor::Number(number) => format!("n{number}"),
    }
}

fn decode_cursor(text: &str) -> Option<Cursor> {
    if let Some(rest) = text.strip_prefix('t') {
        let (micros, id) = rest.split_once('.')?;
        let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
        return Some(Cursor::Time(at, id.parse().ok()?));
    }
    let number = text.strip_prefix('n')?;
    is_order_number_text(number).then(|| Cursor::Number(number.to_string()))
}

/// A parsed list request: the filter, the page, and a message per bad value.
struct ListRequest {
    typed: TypedFilter,
    filter: OrderFilter,
    page: Page,
    errors: Vec<String>,
    vendor_uin: Option<i64>,
}

/// A filter's problem, named by the field it is about.
fn field_error(t: &Catalogue, field: &str, problem: &str) -> String {
    fill(t.field_problem, &[("field", field), ("problem", problem)])
}

fn parse_list(t: &Catalogue, query: OrderQuery, allow_vendor: bool) -> ListRequest {
    let mut errors = Vec::new();
    let mut filter = OrderFilter::default();
    let trimmed = |s: &str| s.trim().to_string();
    let typed = TypedFilter {
        buyer_uin: trimmed(&query.buyer_uin),
        order_no: trimmed(&query.order_no),
        order_type: trimmed(&query.order_type),
        billing: trimmed(&query.billing),
        status: trimmed(&query.status),
        product: trimmed(&query.product),
        vendor: if allow_vendor {
            trimmed(&query.vendor)
        } else {
            String::new()
        },
        from: trimmed(&query.from),
        to: trimmed(&query.to),
        size: trimmed(&query.size),
    };
    if !typed.size.is_empty() && page_size(&typed.size).is_none() {
        errors.push(field_error(t, t.page_size_label, t.err_page_size));
    }
    if !typed.buyer_uin.is_empty() {
        match parse_uin(&typed.buyer_uin) {
            Some(uin) => filter.buyer_uin = Some(uin),
            None => errors.push(field_error(t, t.user_id, t.err_bad_uin)),
        }
    }
    let mut vendor_uin = None;
    if !typed.vendor.is_empty() {
        match parse_uin(&typed.vendor) {
            Some(uin) => vendor_uin = Some(uin),
            None => errors.push(field_error(t, t.filter_vendor, t.err_bad_uin)),
        }
    }
    if !typed.order_no.is_empty() {
        if is_order_number_text(&typed.order_no) {
            // A whole number matches itself as a prefix: one search serves both.
            filter.order_no = Some(typed.order_no.clone());
            filter.order_no_prefix = true;
        } else {
            errors.push(field_error(t, t.col_order_no, t.err_bad_order_no));
        }
    }
    filter.order_type = OrderType::parse(&typed.order_type);
    filter.billing = Billing::parse(&typed.billing);
    filter.status = OrderStatus::parse(&typed.status);
    if !typed.product.is_empty() {
        match typed.product.parse::<i64>() {
            Ok(id) if id > 0 => filter.product_id = Some(id),
            _ => {
                let problem = fill(t.err_bad_number, &[("value", &typed.product)]);
                errors.push(field_error(t, t.filter_product, &problem));
            }
        }
    }
    for (text, slot, next_day, label) in [
        (&typed.from, &mut filter.from, false, t.filter_from),
        (&typed.to, &mut filter.until, true, t.filter_to),
    ] {
        if text.is_empty() {
            continue;
        }
        match china_day_start(text) {
            // "to" includes its whole day.
            Some(start) => {
                *slot = Some(if next_day {
                    start + chrono::Duration::days(1)
                } else {
                    start
                })
            }
            None => {
                let problem = fill(t.err_bad_date, &[("value", text)]);
                errors.push(field_error(t, label, &problem));
            }
        }
    }
    if let (Some(from), Some(until)) = (filter.from, filter.until)
        && from >= until
    {
        errors.push(t.err_date_order.to_string());
    }
    let page = match (query.after.trim(), query.before.trim()) {
        ("", "") => Page::First,
        (after, "") => decode_cursor(after).map(Page::After).unwrap_or_else(|| {
            errors.push(t.err_bad_cursor.to_string());
            Page::First
        }),
        (_, before) => decode_cursor(before).map(Page::Before).unwrap_or_else(|| {
            errors.push(t.err_bad_cursor.to_string());
            Page::First
        }),
    };
    ListRequest {
        typed,
        filter,
        page,
        errors,
        vendor_uin,
    }
}

/// The list's address for a filter and page: the page links, and the key a
/// rendered list is kept under.
fn page_link(base: &str, typed: &TypedFilter, page: &Page) -> String {
    let cursor = match page {
        Page::First => None,
        Page::After(cursor) => Some(("after", cursor)),
        Page::Before(cursor) => Some(("before", cursor)),
    };
    let cursor = cursor
        .and_then(|(key, cursor)| serde_urlencoded::to_string([(key, encode_cursor(cursor))]).ok())
        .unwrap_or_default();
    let parts: Vec<String> = [typed.query(), cursor]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect();
    if parts.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", parts.join("&"))
    }
}

/// The links to the newer and the older page around a page of rows, where
/// there are such pages.
fn pager_links(
    base: &str,
    typed: &TypedFilter,
    result: &orders::OrderPage,
    by_number: bool,
) -> (Option<String>, Option<String>) {
    let newer = result
        .rows
        .first()
        .filter(|_| result.has_newer)
        .map(|row| page_link(base, typed, &Page::Before(row.cursor(by_number))));
    let older = result
        .rows
        .last()
        .filter(|_| result.has_older)
        .map(|row| page_link(base, typed, &Page::After(row.cursor(by_number))));
    (newer, older)
}

/// Whether a query string has a field with nothing in it (`type=&…`).
fn has_empty_field(query: &str) -> bool {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .any(|pair| {
            pair.split_once('=')
                .is_none_or(|(_, value)| value.trim_matches('+').is_empty())
        })
}

/// Resolves an operator's vendor filter (a user ID) to an account id; an
/// unknown vendor has no orders.
fn vendor_id_for(conn: &mut crate::db::DbConn, uin: Option<i64>) -> AppResult<Option<i64>> {
    Ok(match uin {
        Some(uin) => Some(accounts::find_by_uin(conn, uin)?.map_or(0, |a| a.id)),
        None => None,
    })
}

async fn order_list(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    query: OrderQuery,
    scope: Scope,
    base: &'static str,
    section: Section,
) -> AppResult<HttpResponse> {
    let page = PageCtx::new(req, Some(user), section);
    let ListRequest {
        typed,
        mut filter,
        page: position,
        errors,
        vendor_uin,
    } = parse_list(page.t, query, scope == Scope::All);
    // A vendor picks its product by name; an operator, among every vendor's
    // products, types its number (shown on the product pages).
    let product_options = match scope {
        Scope::Vendor(vendor_id) => {
            state
                .db(move |conn| Ok(products::sold_names(conn, vendor_id)?))
                .await?
        }
        _ => Vec::new(),
    };
    if !errors.is_empty() {
        let view = OrderListPage {
            page,
            base,
            show_vendor_filter: scope == Scope::All,
            filter: typed,
            errors,
            rows_html: Arc::from(""),
            product_options,
        };
        return render(StatusCode::BAD_REQUEST, &view);
    }
    let address = page_link(base, &typed, &position);
    if has_empty_field(req.query_string()) {
        // The filter form sends every field, filled or not; the address to
        // keep and share names only the filled ones.
        return Ok(see_other(&address));
    }
    let t = page.t;
    let key = OrderListKey {
        scope,
        lang: page.lang,
        query: address,
    };
    let rows_html = state
        .remembered(&state.order_lists, key, async || {
            let by_number = filter.order_no_prefix;
            let size = page_size(&typed.size).unwrap_or(ORDER_PAGE_SIZE);
            let (result, summary) = state
                .db(move |conn| {
                    filter.vendor_id = vendor_id_for(conn, vendor_uin)?;
                    let result = orders::list(conn, scope, &filter, &position, size)?;
                    Ok((result, orders::summary(conn, scope, &filter)?))
                })
                .await?;
            let (newer_link, older_link) = pager_links(base, &typed, &result, by_number);
            let fragment = OrderRowsFragment {
                t,
                base,
                summary,
                result,
                newer_link,
                older_link,
            };
            Ok(Arc::<str>::from(
                fragment.render().map_err(AppError::internal)?,
            ))
        })
        .await?;
    views::ok(&OrderListPage {
        page,
        base,
        product_options,
        show_vendor_filter: scope == Scope::All,
        filter: typed,
        errors: Vec::new(),
        rows_html,
    })
}

pub async fn vendor_orders(
    req: HttpRequest,
    Vendor(user): Vendor,
    state: web::Data<AppState>,
    query: web::Query<OrderQuery>,
) -> AppResult<HttpResponse> {
    let scope = Scope::Vendor(user.id);
    order_list(
        &req,
        &user,
        &state,
        query.into_inner(),
        scope,
        "/vendor/orders",
        Section::VendorOrders,
    )
    .await
}

pub async fn admin_orders(
    req: HttpRequest,
    Operator(user): Operator,
    state: web::Data<AppState>,
    query: web::Query<OrderQuery>,
) -> AppResult<HttpResponse> {
    order_list(
        &req,
        &user,
        &state,
        query.into_inner(),
        Scope::All,
        "/admin/orders",
        Section::AdminOrders,
    )
    .await
}

/// The amount as a number a spreadsheet sums (yuan, two decimals; a refund
/// negative, as money going back) and its unit: 元, or 元/小时 for an
/// hourly purchase, whose figure is the hourly price.
fn csv_amount(t: &Catalogue, order: &orders::Order) -> (String, &'static str) {
    let (fen, unit) = match (order.order_type, order.billing) {
        (OrderType::Refund, _) => (-order.amount_fen, t.unit_yuan),
        (_, Billing::Hourly) => (order.unit_price_fen, t.unit_yuan_per_hour),
        _ => (order.amount_fen, t.unit_yuan),
    };
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    (format!("{sign}{}.{:02}", abs / 100, abs % 100), unit)
}

/// Streams the current filter as CSV (UTF-8 with BOM), a chunk of rows per
/// database round, so memory does not grow with the number of rows.
async fn order_csv(
    req: &HttpRequest,
    state: web::Data<AppState>,
    query: OrderQuery,
    scope: Scope,
) -> AppResult<HttpResponse> {
    let t = Lang::of_request(req).catalogue();
    let ListRequest {
        mut filter,
        errors,
        vendor_uin,
        ..
    } = parse_list(t, query, scope == Scope::All);
    if let Some(first) = errors.into_iter().next() {
        return Err(AppError::BadRequest(first));
    }
    let by_number = filter.order_no_prefix;
    let filter = state
        .db(move |conn| {
            filter.vendor_id = vendor_id_for(conn, vendor_uin)?;
            Ok(filter)
        })
        .await?;
    let header_line = format!(
        "\u{feff}{}",
        csv_line(&[
            t.col_order_no,
            t.col_product_name,
            t.col_buyer_uin,
            t.col_type_billing,
            t.col_term,
            t.col_amount,
            t.col_amount_number,
            t.col_amount_unit,
            t.col_order_status,
            t.col_created
        ])
    );
    // Rows of a chunk as CSV lines, and where the next chunk starts.
    let lines_of = move |chunk: orders::OrderPage| {
        let mut text = String::with_capacity(chunk.rows.len() * 160);
        for order in &chunk.rows {
            let c = order_cells(t, order);
            let (number, unit) = csv_amount(t, order);
            text.push_str(&csv_line(&[
                &c.order_no,
                &c.product_name,
                &c.buyer_uin,
                &c.type_billing,
                &c.term,
                &c.amount,
                &number,
                unit,
                &c.status,
                &c.created,
            ]));
        }
        let next = chunk
            .has_older
            .then(|| {
                chunk
                    .rows
                    .last()
                    .map(|row| Page::After(row.cursor(by_number)))
            })
            .flatten();
        (text, next)
    };
    // The first chunk is read before anything is sent, so a database that
    // fails at once gets the error page, not a download of the header alone.
    let first_filter = filter.clone();
    let first = state
        .db(move |conn| {
            Ok(orders::list(
                conn,
                scope,
                &first_filter,
                &Page::First,
                CSV_CHUNK,
            )?)
        })
        .await?;
    let (rows, next) = lines_of(first);
    let start = (next, Some(header_line + &rows));
    let body = futures_util::stream::unfold(start, move |(position, pending)| {
        let state = state.clone();
        let filter = filter.clone();
        async move {
            if let Some(text) = pending {
                return Some((
                    Ok::<_, actix_web::Error>(web::Bytes::from(text)),
                    (position, None),
                ));
            }
            let position = position?;
            let chunk = state
                .db(move |conn| Ok(orders::list(conn, scope, &filter, &position, CSV_CHUNK)?))
                .await;
            match chunk {
                Ok(chunk) if chunk.rows.is_empty() => None,
                Ok(chunk) => {
                    let (text, next) = lines_of(chunk);
                    Some((Ok(web::Bytes::from(text)), (next, None)))
                }
                // An error ends the stream without its last chunk: the
                // connection is cut, and the browser shows the download
                // as failed instead of saving a file that looks complete.
                Err(error) => {
                    log::error!("CSV export stopped: {error}");
                    Some((
                        Err(actix_web::error::ErrorServiceUnavailable(
                            "the export stopped",
                        )),
                        (None, None),
                    ))
                }
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"orders.csv\"",
        ))
        .streaming(body))
}

pub async fn vendor_orders_csv(
    req: HttpRequest,
    Vendor(user): Vendor,
    state: web::Data<AppState>,
    query: web::Query<OrderQuery>,
) -> AppResult<HttpResponse> {
    order_csv(&req, state, query.into_inner(), Scope::Vendor(user.id)).await
}

pub async fn admin_orders_csv(
    req: HttpRequest,
    Operator(_): Operator,
    state: web::Data<AppState>,
    query: web::Query<OrderQuery>,
) -> AppResult<HttpResponse> {
    order_csv(&req, state, query.into_inner(), Scope::All).await
}

/// Whose view of an order: what they may see, where numbers link, the menu entry.
#[derive(Clone, Copy)]
pub struct OrderView {
    pub scope: Scope,
    pub base: &'static str,
    pub section: Section,
}

impl OrderView {
    pub fn vendor(id: i64) -> OrderView {
        OrderView {
            scope: Scope::Vendor(id),
            base: "/vendor/orders",
            section: Section::VendorOrders,
        }
    }

    pub fn operator() -> OrderView {
        OrderView {
            scope: Scope::All,
            base: "/admin/orders",
            section: Section::AdminOrders,
        }
    }

    pub fn buyer(id: i64) -> OrderView {
        OrderView {
            scope: Scope::Buyer(id),
            base: "/me/orders",
            section: Section::MyOrders,
        }
    }
}

/// The order page for whoever may see the order; anyone else gets 404.
pub async fn order_page(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    order_no: String,
    view: OrderView,
    alert: Alert,
) -> AppResult<HttpResponse> {
    let scope = view.scope;
    let now = state.now();
    let (order, chain, subscription, renewable, refund_requests, ticket_id, related, settlement) =
        state
            .db(move |conn| {
                let order =
                    orders::find_by_number(conn, &order_no, scope)?.ok_or(AppError::NotFound)?;
                let (chain, subscription) = match order.subscription_id {
                    Some(id) => (orders::chain(conn, id)?, orders::subscription(conn, id)?),
                    None => (vec![order.clone()], None),
                };
                let purchase_paid = chain
                    .iter()
                    .any(|o| o.order_type == OrderType::Purchase && o.status == OrderStatus::Paid);
                let renewable = purchase_paid
                    && subscription
                        .as_ref()
                        .is_some_and(|s| s.billing == Billing::Prepaid && s.stopped_at.is_none());
                let refund_requests = refunds::requests_for(conn, order.id)?;
                // The ticket belongs to the purchase of the chain.
                let purchase_id = chain
                    .iter()
                    .find(|o| o.order_type == OrderType::Purchase)
                    .map_or(order.id, |o| o.id);
                let ticket = crate::db::tickets::for_order(conn, purchase_id)?.map(|t| t.id);
                // A renewal or refund names the order it belongs to; a refunded order its refunds.
                let mut related: Vec<String> = Vec::new();
                if let Some(id) = order.related_order_id
                    && let Some(parent) = orders::find_by_id(conn, id)?
                {
                    related.push(parent.order_no);
                }
                related.extend(
                    orders::refunds_of(conn, order.id)?
                        .into_iter()
                        .map(|r| r.order_no),
                );
                // Where the chain stands in settlement is the vendor's and operator's business.
                let settlement = if matches!(scope, Scope::Buyer(_)) {
                    Vec::new()
                } else {
                    crate::db::settlements::lines_of_orders(conn, &chain, now)?
                };
                Ok((
                    order,
                    chain,
                    subscription,
                    renewable,
                    refund_requests,
                    ticket,
                    related,
                    settlement,
                ))
            })
            .await?;
    let is_buyer = matches!(scope, Scope::Buyer(_));
    let renew_terms = match (&subscription, renewable && is_buyer) {
        (Some(s), true) => Term::offered(s.year_price_fen.is_some()),
        _ => Vec::new(),
    };
    let facts = order.facts();
    let five_day = five_day_refund(&facts, now);
    let refunds = is_buyer.then(|| BuyerRefunds {
        five_day,
        can_stop: stop_billing(&facts).is_ok(),
        // While the five-day refund applies it is the way; the request is for later.
        can_request: may_request_refund(&facts).is_ok()
            && five_day.is_err()
            && !refund_requests
                .iter()
                .any(|r| r.state == RequestState::Open),
    });
    let Alert {
        status,
        notice,
        error,
    } = alert;
    render(
        status,
        &OrderDetailPage {
            page: PageCtx::new(req, Some(user), view.section),
            order,
            chain,
            subscription,
            base: view.base,
            now,
            notice,
            error,
            renew_terms,
            refunds,
            refund_requests,
            related,
            settlement,
            ticket_link: ticket_id.map(|id| {
                let link = match scope {
                    Scope::Buyer(_) => format!("/me/services/{id}"),
                    Scope::Vendor(_) => format!("/vendor/supervision/{id}"),
                    Scope::All => format!("/admin/supervision/{id}"),
                };
                (link, id)
            }),
        },
    )
}

pub async fn vendor_order(
    req: HttpRequest,
    Vendor(user): Vendor,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
) -> AppResult<HttpResponse> {
    order_page(
        &req,
        &user,
        &state,
        order_no.into_inner(),
        OrderView::vendor(user.id),
        Alert::ok(None),
    )
    .await
}

pub async fn admin_order(
    req: HttpRequest,
    Operator(user): Operator,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
) -> AppResult<HttpResponse> {
    order_page(
        &req,
        &user,
        &state,
        order_no.into_inner(),
        OrderView::operator(),
        Alert::ok(None),
    )
    .await
}

pub async fn my_order(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
) -> AppResult<HttpResponse> {
    let notice = take_flash(&session);
    order_page(
        &req,
        &user,
        &state,
        order_no.into_inner(),
        OrderView::buyer(user.id),
        Alert::ok(notice),
    )
    .await
}

#[derive(Deserialize)]
pub struct MyOrdersQuery {
    #[serde(default)]
    after: String,
    #[serde(default)]
    before: String,
}

pub async fn my_orders(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    query: web::Query<MyOrdersQuery>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let position = match (decode_cursor(&query.after), decode_cursor(&query.before)) {
        (Some(after), _) => Page::After(after),
        (None, Some(before)) => Page::Before(before),
        _ => Page::First,
    };
    let buyer_id = user.id;
    let (subscriptions, result, tickets) = state
        .db(move |conn| {
            let subscriptions = orders::subscriptions_of(conn, buyer_id)?;
            let me = crate::db::tickets::TicketUser {
                id: buyer_id,
                role: crate::domain::account::Role::Buyer,
            };
            let tickets = crate::db::tickets::list(
                conn,
                me,
                &Default::default(),
                Some(crate::domain::account::Role::Buyer),
            )?;
            let result = orders::list(
                conn,
                Scope::Buyer(buyer_id),
                &OrderFilter::default(),
                &position,
                ORDER_PAGE_SIZE,
            )?;
            Ok((subscriptions, result, tickets))
        })
        .await?;
    let (newer_link, older_link) =
        pager_links("/me/orders", &TypedFilter::default(), &result, false);
    views::ok(&MyOrdersPage {
        page: PageCtx::new(&req, Some(&user), Section::MyOrders),
        subscriptions,
        tickets,
        result,
        older_link,
        newer_link,
        now,
        notice: take_flash(&session),
    })
}

/// A listed product's page with the buy forms; anything else is 404.
pub async fn shop_product(
    req: HttpRequest,
    user: MaybeUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    shop_product_page(
        &req,
        user.0.as_ref(),
        &state,
        id.into_inner(),
        StatusCode::OK,
        None,
    )
    .await
}

async fn shop_product_page(
    req: &HttpRequest,
    user: Option<&CurrentUser>,
    state: &AppState,
    product_id: i64,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<HttpResponse> {
    let (product, vendor_name, live) = state
        .db(move |conn| {
            let product = products::find(conn, product_id)?
                .filter(|p| p.listing == Listing::Listed)
                .ok_or(AppError::NotFound)?;
            let live_id = product.live_revision_id.ok_or(AppError::NotFound)?;
            let revision = products::revision(conn, live_id)?.ok_or(AppError::NotFound)?;
            let live = products::with_plans(conn, revision)?;
            let vendor =
                accounts::find_by_id(conn, product.vendor_id)?.ok_or(AppError::NotFound)?;
            Ok((product, vendor.display_name, live))
        })
        .await?;
    render(
        status,
        &ShopProductPage {
            page: PageCtx::new(req, user, Section::Shop),
            product_id: product.id,
            kind: product.kind,
            vendor_name,
            live,
            error,
        },
    )
}

#[derive(Deserialize)]
pub struct CheckoutQuery {
    #[serde(default)]
    plan: String,
    #[serde(default)]
    term: String,
}

/// Reads a term that is required for prepaid plans and absent otherwise.
fn term_for(billing: Billing, typed: &str) -> Result<Option<Term>, PurchaseRefusal> {
    match (billing, typed.trim()) {
        (Billing::Prepaid, text) => Term::parse(text).map(Some).ok_or(PurchaseRefusal::BadTerm),
        (_, "") => Ok(None),
        _ => Err(PurchaseRefusal::BadTerm),
    }
}

/// The order summary with its total; nothing is written until the buyer pays.
pub async fn checkout(
    req: HttpRequest,
    Buyer(user): Buyer,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<CheckoutQuery>,
) -> AppResult<HttpResponse> {
    let product_id = id.into_inner();
    let t = Lang::of_request(&req).catalogue();
    let plan_id = query.plan.trim().parse::<i64>().unwrap_or(0);
    let typed_term = query.term.clone();
    let found = state
        .db(
            move |conn| match orders::buyable_plan(conn, product_id, plan_id) {
                Ok(found) => Ok(Ok(found)),
                Err(StoreError::Refused(refusal)) => Ok(Err(refusal)),
                // Reading a plan neither pays nor races.
                Err(other) => Err(other.into()),
            },
        )
        .await?;
    let checked = found.and_then(|(_, name, plan)| {
        let term = term_for(plan.billing, &typed_term)?;
        let total = total_fen(plan.billing, plan.price_fen, plan.year_price_fen, term)?;
        Ok((name, plan, term, total))
    });
    let repeat = match &checked {
        Ok((_, plan, _, _)) => {
            let repeat = orders::Repeat::Purchase {
                product_id,
                plan_name: plan.name.clone(),
            };
            repeat_notice(&state, t, user.id, repeat).await?
        }
        Err(_) => None,
    };
    match checked {
        Ok((product_name, plan, term, total)) => views::ok(&CheckoutPage {
            repeat,
            page: PageCtx::new(&req, Some(&user), Section::Shop),
            product_id,
            product_name,
            plan,
            term,
            total: format_yuan(total),
            total_fen: total,
            checkout_key: orders::new_checkout_key(),
            error: None,
            action: format!("/shop/products/{product_id}/orders"),
            title: t.checkout_title,
        }),
        Err(refusal) => {
            let message = refusal.message(t);
            shop_product_page(
                &req,
                Some(&user),
                &state,
                product_id,
                StatusCode::BAD_REQUEST,
                Some(message),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct PayForm {
    #[serde(default)]
    plan: String,
    #[serde(default)]
    term: String,
    #[serde(default)]
    total_fen: String,
    #[serde(default)]
    checkout_key: String,
}

/// What paying a checkout came to: the buyer sent to its order, told
/// `done` (a template naming `{order_no}`), or told that an earlier
/// submission of the same checkout had made it; or why it was refused.
async fn paid_checkout(
    state: &AppState,
    session: &Session,
    t: &'static Catalogue,
    buyer_id: i64,
    checkout_key: String,
    outcome: Result<orders::Order, StoreError>,
    done: &'static str,
) -> AppResult<Result<HttpResponse, Refusal>> {
    let shown = |order: orders::Order, repeated: bool| {
        let alert = if repeated {
            t.order_already_placed.to_string()
        } else {
            fill(done, &[("order_no", &order.order_no)])
        };
        set_flash(session, &alert);
        see_other(&format!("/me/orders/{}", order.order_no))
    };
    match outcome {
        Ok(order) => Ok(Ok(shown(order, false))),
        // A twin submission of this checkout may have won the race (on
        // PostgreSQL the loser of a renewal race sees the changed row
        // before it reaches the key): if the key paid, show that order.
        Err(
            lost @ (StoreError::Refused(Refusal::CheckoutPaid)
            | StoreError::Refused(Refusal::StateChanged)),
        ) => {
            let first = state
                .db(move |conn| Ok(orders::order_of_checkout(conn, buyer_id, &checkout_key)?))
                .await?;
            match (first, lost) {
                (Some(order), _) => Ok(Ok(shown(order, true))),
                // Someone else's key: nothing of theirs is shown.
                (None, StoreError::Refused(Refusal::CheckoutPaid)) => {
                    Err(AppError::Conflict(t.err_checkout_expired.into()))
                }
                (None, _) => Err(AppError::Conflict(t.state_changed.into())),
            }
        }
        Err(StoreError::Refused(refusal)) => Ok(Err(refusal)),
        Err(other) => Err(other.into()),
    }
}

/// What a checkout page says when the same order was paid a moment ago
/// (its page reopened with the back button has a new one-time key, so
/// paying again would be a second order), if it was.
async fn repeat_notice(
    state: &AppState,
    t: &'static Catalogue,
    buyer_id: i64,
    repeat: orders::Repeat,
) -> AppResult<Option<RepeatNotice>> {
    let now = state.now();
    let since = now - orders::RECENT_REPEAT;
    let order = state
        .db(move |conn| Ok(orders::recent_repeat(conn, buyer_id, &repeat, since)?))
        .await?;
    Ok(order.map(|order| RepeatNotice::of(t, &order)))
}

impl RepeatNotice {
    fn of(t: &'static Catalogue, order: &orders::Order) -> RepeatNotice {
        RepeatNotice {
            message: fill(
                t.checkout_paid_recently,
                &[
                    ("time", &crate::domain::time::format_china(order.created_at)),
                    ("order_no", &order.order_no),
                ],
            ),
            order_no: order.order_no.clone(),
        }
    }
}

/// The checkout key of a submitted form, or the message to reopen the page.
fn checkout_key_of(form: &PayForm, t: &'static Catalogue) -> AppResult<String> {
    let key = form.checkout_key.trim();
    if orders::is_checkout_key(key) {
        Ok(key.to_ascii_lowercase())
    } else {
        Err(AppError::BadRequest(t.err_checkout_expired.into()))
    }
}

/// Pays: the order and subscription are written in one transaction, or nothing is.
pub async fn place_order(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<PayForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let product_id = id.into_inner();
    let t = Lang::of_request(&req).catalogue();
    let checkout_key = checkout_key_of(&form, t)?;
    let plan_id = form.plan.trim().parse::<i64>().unwrap_or(0);
    let seen_total = form.total_fen.trim().parse::<i64>().unwrap_or(-1);
    let typed_term = form.term.clone();
    let (buyer_id, buyer_uin) = (user.id, user.uin);
    let key = checkout_key.clone();
    let placed = state
        .db(move |conn| {
            let billing = match orders::buyable_plan(conn, product_id, plan_id) {
                Ok((_, _, plan)) => plan.billing,
                Err(error) => return Ok(Err(error)),
            };
            let term = match term_for(billing, &typed_term) {
                Ok(term) => term,
                Err(refusal) => return Ok(Err(refusal.into())),
            };
            let request = orders::PurchaseRequest {
                checkout_key: key,
                buyer_id,
                buyer_uin,
                product_id,
                plan_id,
                term,
                seen_total_fen: seen_total,
                now,
            };
            Ok(orders::purchase(conn, &request))
        })
        .await?;
    let paid = paid_checkout(
        &state,
        &session,
        t,
        buyer_id,
        checkout_key,
        placed,
        t.order_placed,
    )
    .await?;
    match paid {
        Ok(shown) => Ok(shown),
        Err(refusal) => {
            let message = refusal.message(t);
            let status = refusal_status(refusal);
            match refusal {
                Refusal::Purchase(PurchaseRefusal::NotListed) => Err(AppError::BadRequest(message)),
                _ => {
                    shop_product_page(&req, Some(&user), &state, product_id, status, Some(message))
                        .await
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct RenewQuery {
    #[serde(default)]
    term: String,
}

/// The renewal summary with its total, from the subscription's own prices.
pub async fn renew_checkout(
    req: HttpRequest,
    Buyer(user): Buyer,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
    query: web::Query<RenewQuery>,
) -> AppResult<HttpResponse> {
    let t = Lang::of_request(&req).catalogue();
    let order_no = order_no.into_inner();
    let buyer_id = user.id;
    let number = order_no.clone();
    let (order, subscription) = state
        .db(move |conn| {
            let order = orders::find_by_number(conn, &number, Scope::Buyer(buyer_id))?
                .ok_or(AppError::NotFound)?;
            let subscription = order
                .subscription_id
                .map(|id| orders::subscription(conn, id))
                .transpose()?
                .flatten()
                .ok_or(AppError::NotFound)?;
            Ok((order, subscription))
        })
        .await?;
    let term = Term::parse(&query.term);
    let total = term
        .ok_or(PurchaseRefusal::BadTerm)
        .and_then(|term| {
            if subscription.billing != Billing::Prepaid {
                return Err(PurchaseRefusal::NotRenewable);
            }
            total_fen(
                Billing::Prepaid,
                subscription.unit_price_fen,
                subscription.year_price_fen,
                Some(term),
            )
        })
        .map_err(Refusal::from);
    let repeat = if total.is_ok() {
        let repeat = orders::Repeat::Renewal {
            subscription_id: subscription.id,
        };
        repeat_notice(&state, t, buyer_id, repeat).await?
    } else {
        None
    };
    match total {
        Ok(total) => views::ok(&CheckoutPage {
            repeat,
            page: PageCtx::new(&req, Some(&user), Section::MyOrders),
            product_id: order.product_id,
            product_name: order.product_name.clone(),
            plan: products::PlanRow {
                id: 0,
                revision_id: 0,
                position: 0,
                billing: subscription.billing,
                name: subscription.plan_name.clone(),
                price_fen: subscription.unit_price_fen,
                year_price_fen: subscription.year_price_fen,
            },
            term,
            total: format_yuan(total),
            total_fen: total,
            checkout_key: orders::new_checkout_key(),
            error: None,
            action: format!("/me/orders/{order_no}/renew"),
            title: t.renew_title,
        }),
        Err(refusal) => {
            let message = refusal.message(t);
            order_page(
                &req,
                &user,
                &state,
                order_no,
                OrderView::buyer(buyer_id),
                Alert::refused(StatusCode::BAD_REQUEST, message),
            )
            .await
        }
    }
}

pub async fn renew(
    req: HttpRequest,
    Buyer(user): Buyer,
    session: Session,
    state: web::Data<AppState>,
    order_no: web::Path<String>,
    form: web::Form<PayForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let t = Lang::of_request(&req).catalogue();
    let checkout_key = checkout_key_of(&form, t)?;
    let order_no = order_no.into_inner();
    let buyer_id = user.id;
    let seen_total = form.total_fen.trim().parse::<i64>().unwrap_or(-1);
    let key = checkout_key.clone();
    let term = Term::parse(&form.term);
    let number = order_no.clone();
    let renewed = state
        .db(move |conn| {
            let order = orders::find_by_number(conn, &number, Scope::Buyer(buyer_id))?
                .ok_or(AppError::NotFound)?;
            let subscription_id = order.subscription_id.ok_or(AppError::NotFound)?;
            let Some(term) = term else {
                return Ok(Err(PurchaseRefusal::BadTerm.into()));
            };
            Ok(orders::renew(
                conn,
                &key,
                buyer_id,
                subscription_id,
                term,
                seen_total,
                now,
            ))
        })
        .await?;
    let paid = paid_checkout(
        &state,
        &session,
        t,
        buyer_id,
        checkout_key,
        renewed,
        t.renewed_done,
    )
    .await?;
    match paid {
        Ok(shown) => Ok(shown),
        Err(refusal) => {
            let message = refusal.message(t);
            let status = refusal_status(refusal);
            order_page(
                &req,
                &user,
                &state,
                order_no,
                OrderView::buyer(buyer_id),
                Alert::refused(status, message),
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let at = DateTime::from_timestamp_micros(1_581_948_692_123_456)
            .unwrap()
            .naive_utc();
        for cursor in [
            Cursor::Time(at, 42),
            Cursor::Number("MARKET_Mirror2S2002".into()),
        ] {
            assert_eq!(decode_cursor(&encode_cursor(&cursor)), Some(cursor));
        }
        assert_eq!(decode_cursor("t12"), None);
        assert_eq!(decode_cursor("x1.2"), None);
        assert_eq!(decode_cursor("nMARKET';--"), None);
    }

    #[test]
    fn empty_fields_are_noticed() {
        assert!(has_empty_field("buyer_uin=&order_no=MARKET_"));
        assert!(has_empty_field("order_no=MARKET_&type="));
        assert!(has_empty_field("status=+"));
        assert!(has_empty_field("type"));
        assert!(!has_empty_field(""));
        assert!(!has_empty_field("type=purchase&billing=prepaid"));
        assert!(!has_empty_field("after=t1.2&"));
    }
}
