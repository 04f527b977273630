//! Error pages in the console's layout and the visitor's language. Any 4xx or
//! 5xx that is not already a page (an `AppError`, an extractor's refusal, an
//! unknown route) is rendered here.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::{PageCtx, Section};
use crate::auth::identity;
use crate::error::AppError;
use crate::i18n::Catalogue;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub page: PageCtx,
    pub status: u16,
    pub title: &'static str,
    pub body: String,
    pub home: &'static str,
}

fn texts(
    t: &'static Catalogue,
    status: StatusCode,
    error: Option<&AppError>,
) -> (&'static str, String) {
    if let Some(AppError::CsrfRejected) = error {
        return (t.err_title_403, t.err_csrf.to_string());
    }
    let (title, generic) = match status.as_u16() {
        401 | 403 => (t.err_title_403, t.err_body_403),
        404 => (t.err_title_404, t.err_body_404),
        405 => (t.err_title_405, t.err_body_400),
        409 => (t.err_title_409, t.state_changed),
        413 => (t.err_title_413, t.err_body_413),
        429 => (t.err_title_429, t.err_body_400),
        503 => (t.err_title_503, t.err_body_503),
        500..=599 => (t.err_title_500, t.err_body_500),
        _ => (t.err_title_400, t.err_body_400),
    };
    let body = error
        .and_then(|error| error.user_message(t))
        .filter(|message| !message.is_empty())
        .unwrap_or_else(|| generic.to_string());
    (title, body)
}

/// Builds the error page for a request (also used when a handler cannot run).
pub async fn page_for(
    req: &HttpRequest,
    status: StatusCode,
    error: Option<&AppError>,
) -> HttpResponse {
    // Without a database the header cannot show the account; the page still renders.
    let user = if status == StatusCode::SERVICE_UNAVAILABLE {
        None
    } else {
        identity::resolve(req).await.ok().flatten()
    };
    let page = PageCtx::new(req, user.as_ref(), Section::None);
    let (title, body) = texts(page.t, status, error);
    let home = user.as_ref().map_or("/", |u| u.role.home());
    let view = ErrorPage {
        page,
        status: status.as_u16(),
        title,
        body,
        home,
    };
    match view.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(error) => {
            log::error!("error page failed to render: {error}");
            HttpResponse::build(status).body(status.to_string())
        }
    }
}

/// Middleware: replaces bare error responses by the rendered error page,
/// keeping their headers (Allow, Retry-After, cookies).
pub async fn error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    // Pages are already pages; JSON (the health check) is for machines.
    let already_a_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value.starts_with("text/html") || value.starts_with("application/json")
        });
    if !(status.is_client_error() || status.is_server_error()) || already_a_page {
        return Ok(res);
    }
    let (http_req, old) = res.into_parts();
    let app_error = old.error().and_then(|e| e.as_error::<AppError>());
    let mut fresh = page_for(&http_req, status, app_error).await;
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fresh.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(http_req, fresh))
}
