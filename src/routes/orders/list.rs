//! The vendor's and the operator's order lists: search, filters, keyset
//! pages, and the rendered rows kept for a moment.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::{CurrentUser, Operator, Vendor};
use crate::db::DbConn;
use crate::db::orders::{self, Scope};
use crate::db::products;
use crate::error::{AppError, AppResult};
use crate::state::{AppState, KeptOrderList, OrderListKey};
use crate::views::orders::ORDER_PAGE_SIZE;
use crate::views::orders::{OrderListPage, OrderRowsFragment};
use crate::views::{self, PageCtx, Section, render, see_other};

use super::query::{
    ListRequest, OrderQuery, has_empty_field, page_link, page_size, pager_links, parse_list,
    vendor_id_for,
};

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
    if !errors.is_empty() {
        let product_options = state.db(move |conn| product_options(conn, scope)).await?;
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
    // The rows and the product filter's options come from one trip to the
    // database and are kept together.
    let kept = state
        .remembered(&state.order_lists, key, user.pages_version, async || {
            let by_number = filter.order_no_prefix;
            let size = page_size(&typed.size).unwrap_or(ORDER_PAGE_SIZE);
            let (result, summary, product_options) = state
                .db(move |conn| {
                    filter.vendor_id = vendor_id_for(conn, vendor_uin)?;
                    let result = orders::list(conn, scope, &filter, &position, size)?;
                    let summary = orders::summary(conn, scope, &filter)?;
                    Ok((result, summary, product_options(conn, scope)?))
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
            Ok(KeptOrderList {
                rows_html: Arc::from(fragment.render().map_err(AppError::internal)?),
                product_options,
            })
        })
        .await?;
    views::ok(&OrderListPage {
        page,
        base,
        product_options: kept.product_options,
        show_vendor_filter: scope == Scope::All,
        filter: typed,
        errors: Vec::new(),
        rows_html: kept.rows_html,
    })
}

/// A vendor picks its product by name; an operator, among every vendor's
/// products, types its number (shown on the product pages).
fn product_options(conn: &mut DbConn, scope: Scope) -> AppResult<Arc<[(i64, String)]>> {
    Ok(match scope {
        Scope::Vendor(vendor_id) => products::sold_names(conn, vendor_id)?.into(),
        _ => Arc::from([]),
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
