//! The order lists as CSV, streamed a chunk of rows at a time.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::{Operator, Vendor};
use crate::db::orders::{self, Page, Scope};
use crate::domain::order::OrderType;
use crate::domain::product::Billing;
use crate::error::{AppError, AppResult};
use crate::i18n::{Catalogue, Lang};
use crate::state::AppState;
use crate::views::csv::csv_line;
use crate::views::orders::order_cells;

use super::query::{ListRequest, OrderQuery, parse_list, vendor_id_for};

/// Rows fetched per round while streaming a CSV export.
const CSV_CHUNK: i64 = 1000;

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
