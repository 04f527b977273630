//! Health, the stylesheet and the language switch.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::MaybeUser;
use crate::db;
use crate::domain::account::Role;
use crate::error::{AppError, AppResult};
use crate::i18n::{LANG_COOKIE, Lang};
use crate::state::AppState;
use crate::telemetry::write_gauge;
use crate::views::safe_next;

/// 200 while the database answers a query, 503 otherwise.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let answered = state.db(|conn| Ok(db::ping(conn))).await.unwrap_or(false);
    let body = format!(
        "{{\"database\":\"{}\",\"status\":\"{}\"}}",
        state.backend_name,
        if answered { "ok" } else { "unavailable" }
    );
    let mut response = if answered {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    response
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

const STYLESHEET: &str = include_str!("../../static/app.css");

/// The stylesheet, compiled into the binary so the console works offline.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLESHEET)
}

const FAVICON: &str = include_str!("../../static/favicon.svg");

/// The console's icon (a cloud), compiled in like the stylesheet.
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(FAVICON)
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    next: Option<String>,
}

/// Remembers the chosen language in a cookie and returns to the page.
pub async fn switch_language(
    state: web::Data<crate::state::AppState>,
    form: web::Form<LanguageForm>,
) -> HttpResponse {
    let back = safe_next(form.next.as_deref()).unwrap_or_else(|| "/".into());
    let Some(lang) = Lang::from_code(&form.lang) else {
        return crate::views::see_other(&back);
    };
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .max_age(Duration::days(365))
        .same_site(SameSite::Lax)
        .http_only(true)
        // Over https, every cookie of the console is Secure, not only the session.
        .secure(state.cookie_secure)
        .finish();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, back))
        .cookie(cookie)
        .finish()
}

/// Whether the request carries `Authorization: Bearer <token>` (compared in
/// constant time).
fn bears(req: &actix_web::HttpRequest, token: &str) -> bool {
    use subtle::ConstantTimeEq;
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|presented| bool::from(presented.as_bytes().ct_eq(token.as_bytes())))
}

/// `/metrics` in Prometheus text format: requests and latency by route (this
/// instance), the connection pool, and statements by state (the database).
/// For a signed-in operator, or a scraper with the configured bearer token.
pub async fn metrics(
    req: actix_web::HttpRequest,
    user: MaybeUser,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let by_token = state
        .metrics_token
        .as_deref()
        .is_some_and(|token| bears(&req, token));
    if !by_token {
        match user.0 {
            None => {
                return Ok(HttpResponse::Unauthorized()
                    .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"yunshi\""))
                    .finish());
            }
            Some(user) if user.role != Role::Operator => return Err(AppError::Forbidden),
            Some(_) => {}
        }
    }
    let statements = state
        .db(|conn| Ok(db::settlements::count_by_state(conn)?))
        .await?;
    let pool = state.pool.state();
    let mut out = String::with_capacity(16 * 1024);
    state.metrics.render_requests(&mut out);
    write_gauge(
        &mut out,
        "yunshi_db_pool_connections",
        "Database connections of this instance, by use.",
        &[
            (
                "state=\"in_use\"".into(),
                i64::from(pool.connections - pool.idle_connections),
            ),
            ("state=\"idle\"".into(), i64::from(pool.idle_connections)),
        ],
    );
    write_gauge(
        &mut out,
        "yunshi_db_pool_max_connections",
        "The pool's size.",
        &[(String::new(), i64::from(state.pool.max_size()))],
    );
    let by_state: Vec<(String, i64)> = statements
        .into_iter()
        .map(|(statement_state, count)| (format!("state=\"{statement_state}\""), count))
        .collect();
    write_gauge(
        &mut out,
        "yunshi_statements",
        "Settlement statements generated, by state (whole database).",
        &by_state,
    );
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(out))
}
