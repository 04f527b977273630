//! One error type for the app. Handlers return `AppResult`; the error-page
//! middleware (views::error_pages) renders the page in the visitor's language.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::StoreError;
use crate::domain::refusal::{Answer, Refusal};
use crate::i18n::Catalogue;

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The user's mistake; the message is already in their language.
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden")]
    Forbidden,
    /// A POST without a valid CSRF token.
    #[error("missing or wrong CSRF token")]
    CsrfRejected,
    #[error("not found")]
    NotFound,
    /// The state changed since the page was shown (lost a race, double submit).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A rule refused the step; the refusal has its own status and words.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error("payload too large")]
    PayloadTooLarge,
    /// The request body did not arrive in time; the message is in the
    /// visitor's language.
    #[error("request body too slow: {0}")]
    TooSlow(String),
    /// An anonymous visitor asked for a private page; they go to sign in and come back.
    #[error("sign-in required")]
    SignInRequired { next: String },
    /// The database cannot be reached.
    #[error("database unavailable")]
    Unavailable,
    /// Our mistake: logged with its detail, shown without it.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(context: impl std::fmt::Display) -> AppError {
        AppError::Internal(context.to_string())
    }

    /// The message to show beside the status's generic text, if any, in
    /// the reader's language.
    pub fn user_message(&self, t: &Catalogue) -> Option<String> {
        match self {
            AppError::BadRequest(message)
            | AppError::Conflict(message)
            | AppError::TooSlow(message) => Some(message.clone()),
            AppError::Refused(refusal) => Some(refusal.message(t)),
            _ => None,
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Refused(refusal) => refusal_status(*refusal),
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooSlow(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::SignInRequired { next } => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, sign_in_url(next)))
                .finish(),
            AppError::Internal(detail) => {
                log::error!("internal error: {detail}");
                HttpResponse::InternalServerError().body("internal error")
            }
            other => HttpResponse::build(other.status_code()).body(other.to_string()),
        }
    }
}

/// The status a refusal answers with.
pub fn refusal_status(refusal: Refusal) -> StatusCode {
    match refusal.answer() {
        Answer::BadInput => StatusCode::BAD_REQUEST,
        Answer::NotYours => StatusCode::FORBIDDEN,
        Answer::Conflict => StatusCode::CONFLICT,
    }
}

/// A refused step's status and words, for the page it concerns to show;
/// any other store error stays an error (404, 503, 500).
pub fn refused(t: &Catalogue, error: StoreError) -> AppResult<(StatusCode, String)> {
    match error {
        StoreError::Refused(refusal) => Ok((refusal_status(refusal), refusal.message(t))),
        other => Err(other.into()),
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Refused(refusal) => AppError::Refused(refusal),
            StoreError::Pool(_) => AppError::Unavailable,
            StoreError::Db(error) => error.into(),
        }
    }
}

/// `/login?next=…` for a local path.
pub fn sign_in_url(next: &str) -> String {
    let mut url = String::from("/login?next=");
    for byte in next.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

impl From<DieselError> for AppError {
    fn from(error: DieselError) -> AppError {
        match error {
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => AppError::Unavailable,
            DieselError::NotFound => AppError::NotFound,
            other => AppError::internal(format!("database: {other}")),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(error: actix_web::error::BlockingError) -> AppError {
        AppError::internal(format!("blocking task: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_percent_encoded() {
        assert_eq!(
            sign_in_url("/admin/accounts?role=vendor&q=a b"),
            "/login?next=/admin/accounts%3Frole%3Dvendor%26q%3Da%20b"
        );
    }
}
