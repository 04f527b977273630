//! CSRF: a random token lives in the session and in a hidden `csrf_token` field
//! of every form. A middleware checks it on every POST before any handler runs,
//! urlencoded and multipart alike, so no route can forget it.

use actix_multipart::Multipart;
use actix_session::{Session, SessionExt};
use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;
use rand::RngExt;
use subtle::ConstantTimeEq;

use crate::error::AppError;

pub const FIELD: &str = "csrf_token";
const SESSION_KEY: &str = "csrf";
/// Largest urlencoded form accepted (long product descriptions fit).
pub const FORM_LIMIT: usize = 256 * 1024;
/// Largest multipart body accepted: a 2 MiB logo and the form's other fields.
pub const MULTIPART_LIMIT: usize = 2 * 1024 * 1024 + 64 * 1024;

/// The session's token, created on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(existing)) = session.get::<String>(SESSION_KEY) {
        return existing;
    }
    rotate(session)
}

/// Replaces the session's token (at sign-in) and returns the new one.
pub fn rotate(session: &Session) -> String {
    let bytes: [u8; 32] = rand::rng().random();
    let fresh: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    // A cookie session only fails to serialise a String if serde is broken.
    let _ = session.insert(SESSION_KEY, &fresh);
    fresh
}

/// Whether a submitted token equals the session's, compared in constant time.
pub fn matches(session: &Session, submitted: &str) -> bool {
    match session.get::<String>(SESSION_KEY) {
        Ok(Some(expected)) => {
            expected.len() == submitted.len()
                && bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
        }
        _ => false,
    }
}

/// Middleware: refuses every POST whose token is missing or wrong with 403,
/// before the handler runs, so nothing changes. It also refuses (400, with a
/// message) a NUL character in a path, a query or a form, the one input both
/// databases cannot take alike.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.query_string().contains("%00") || req.uri().path().contains("%00") {
        let error = nul_refused(req.request());
        return Ok(req.error_response(error).map_into_right_body());
    }
    if req.method() != Method::POST {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    match read_token(&mut req).await {
        Ok(submitted) if matches(&req.get_session(), &submitted) => {
            Ok(next.call(req).await?.map_into_left_body())
        }
        Ok(_) => Ok(req
            .error_response(AppError::CsrfRejected)
            .map_into_right_body()),
        Err(error) => Ok(req.error_response(error).map_into_right_body()),
    }
}

/// Finds the submitted token and puts the body back for the handler. Every
/// POST body is read here, within the body deadline, whichever way its
/// token comes: a handler never waits on a body of its own.
async fn read_token(req: &mut ServiceRequest) -> Result<String, AppError> {
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .map(|value| value.to_str().unwrap_or_default().to_string());
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let is_multipart = content_type.starts_with("multipart/form-data");
    if header_token.is_none() && !is_form && !is_multipart {
        return Err(AppError::CsrfRejected);
    }
    let limit = if is_multipart {
        MULTIPART_LIMIT
    } else {
        FORM_LIMIT
    };
    let deadline = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map_or(crate::connections::BODY_DEADLINE, |state| {
            state.body_deadline
        });
    let body = read_body(req.take_payload(), limit, deadline)
        .await
        .map_err(|error| match error {
            BodyError::TooSlow => {
                // Whatever is still coming is not read: the connection
                // closes after the answer, chunked bodies included (actix
                // would otherwise read them to their end, however slow).
                crate::connections::stop_reading(req.request());
                let t = crate::i18n::Lang::of_request(req.request()).catalogue();
                AppError::TooSlow(t.err_body_too_slow.into())
            }
            BodyError::App(error) => error,
        })?;
    if is_form && holds_nul(&body) {
        return Err(nul_refused(req.request()));
    }
    let token = match header_token {
        Some(token) => Some(token),
        None if is_form => token_in_form(&body),
        None => token_in_multipart(req.headers(), body.clone()).await,
    };
    req.set_payload(Payload::from(body));
    Ok(token.unwrap_or_default())
}

enum BodyError {
    /// The body did not arrive within the deadline.
    TooSlow,
    App(AppError),
}

/// Reads a whole body of at most `limit` bytes that must have arrived
/// within `deadline` of starting: a body trickling in a byte at a time
/// would otherwise hold its connection for as long as the client likes.
async fn read_body(
    mut payload: Payload,
    limit: usize,
    deadline: std::time::Duration,
) -> Result<Bytes, BodyError> {
    let until = actix_web::rt::time::Instant::now() + deadline;
    let mut body = BytesMut::new();
    loop {
        let left = until.saturating_duration_since(actix_web::rt::time::Instant::now());
        let next = actix_web::rt::time::timeout(left, payload.next())
            .await
            .map_err(|_| BodyError::TooSlow)?;
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|_| BodyError::App(AppError::BadRequest(String::new())))?;
        if body.len() + chunk.len() > limit {
            return Err(BodyError::App(AppError::PayloadTooLarge));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn token_in_form(body: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(name, _)| name == FIELD)
        .map(|(_, value)| value)
}

/// The refusal of a NUL character, in the visitor's language.
pub(crate) fn nul_refused(req: &actix_web::HttpRequest) -> AppError {
    let t = crate::i18n::Lang::of_request(req).catalogue();
    AppError::BadRequest(t.err_nul_character.to_string())
}

/// Whether a form field holds a NUL character: no form of the console needs
/// one, and PostgreSQL text cannot store it, so it is refused up front.
fn holds_nul(body: &[u8]) -> bool {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).is_ok_and(|fields| {
        fields
            .iter()
            .any(|(name, value)| name.contains('\0') || value.contains('\0'))
    })
}

async fn token_in_multipart(headers: &header::HeaderMap, body: Bytes) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok(body) });
    let mut multipart = Multipart::new(headers, stream);
    while let Some(Ok(mut field)) = multipart.next().await {
        let is_token = field.name() == Some(FIELD);
        let mut value = Vec::new();
        while let Some(Ok(chunk)) = field.next().await {
            if is_token && value.len() + chunk.len() <= 256 {
                value.extend_from_slice(&chunk);
            }
        }
        if is_token {
            return String::from_utf8(value).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_found_among_form_fields() {
        assert_eq!(
            token_in_form(b"login=a&csrf_token=abc%20d&x=1").as_deref(),
            Some("abc d")
        );
        assert_eq!(token_in_form(b"login=a"), None);
        assert_eq!(token_in_form(b"\xff\xfe=%%"), None);
    }

    #[test]
    fn nul_in_any_field_is_noticed() {
        assert!(holds_nul(b"reason=a%00b&csrf_token=t"));
        assert!(holds_nul(b"a%00=1"));
        assert!(!holds_nul(b"reason=a%20b"));
    }
}
