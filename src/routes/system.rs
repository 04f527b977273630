//! Health, the stylesheet and the language switch.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::db;
use crate::i18n::{LANG_COOKIE, Lang};
use crate::state::AppState;
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

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    next: Option<String>,
}

/// Remembers the chosen language in a cookie and returns to the page.
pub async fn switch_language(form: web::Form<LanguageForm>) -> HttpResponse {
    let back = safe_next(form.next.as_deref()).unwrap_or_else(|| "/".into());
    let Some(lang) = Lang::from_code(&form.lang) else {
        return crate::views::see_other(&back);
    };
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .max_age(Duration::days(365))
        .same_site(SameSite::Lax)
        .http_only(true)
        .finish();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, back))
        .cookie(cookie)
        .finish()
}
