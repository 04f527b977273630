//! The storefront and the logo files.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::MaybeUser;
use crate::db::products;
use crate::domain::product::{Category, Kind};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::views::products::ShopPage;
use crate::views::{self, PageCtx, Section};

#[derive(Deserialize)]
pub struct ShopQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    category: String,
    /// Any part of the product's name.
    #[serde(default)]
    q: String,
}

const SHOP_LIMIT: i64 = 200;

pub async fn shop(
    req: HttpRequest,
    user: MaybeUser,
    state: web::Data<AppState>,
    query: web::Query<ShopQuery>,
) -> AppResult<HttpResponse> {
    let page = PageCtx::new(&req, user.0.as_ref(), Section::Shop);
    let kind = Kind::parse(&query.kind);
    let category = Category::parse(&query.category).map(|c| c.as_str());
    let name_contains = super::products::name_search(page.t, &query.q)?;
    let entries = state
        .db(move |conn| {
            Ok(products::shop_entries(
                conn,
                kind,
                category,
                name_contains.as_deref(),
                SHOP_LIMIT,
            )?)
        })
        .await?;
    views::ok(&ShopPage {
        page,
        entries,
        name: query.q.trim().to_string(),
        kind: kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
        category: category.unwrap_or_default().to_string(),
    })
}

/// A logo by its SHA-256: content-addressed, so it never changes and caches forever.
pub async fn logo(
    req: HttpRequest,
    state: web::Data<AppState>,
    sha: web::Path<String>,
) -> AppResult<HttpResponse> {
    let sha = sha.into_inner();
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let etag = format!("\"{sha}\"");
    let cached = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if cached {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let (content_type, bytes) = state
        .db(move |conn| products::logo_by_hash(conn, &sha)?.ok_or(AppError::NotFound))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(bytes))
}
