//! Identity extractors: a handler that takes `Vendor` cannot run for anyone
//! else. The cookie carries a session token; every request looks its
//! session up in the database (`db::sessions`), so signing out, disabling
//! the account or changing its password ends a session at its next request
//! on every instance. One query reads the session, the account, its unread
//! count and the version of what its pages show.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use super::csrf;
use crate::db::sessions;
use crate::domain::account::Role;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The session cookie's field holding the token of a signed-in session.
const TOKEN_KEY: &str = "session_token";

/// The signed-in account as pages need it.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub uin: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub unread_notifications: i64,
    /// The version of what this account's pages show when the request
    /// began (`db::page_versions`): a kept copy read at another is stale.
    pub pages_version: i64,
}

/// Puts a signed-in session's token (already recorded with
/// `sessions::start`) in a renewed cookie, with a new CSRF token.
pub fn start_session(session: &Session, token: &str) -> AppResult<()> {
    session.renew();
    session
        .insert(TOKEN_KEY, token)
        .map_err(AppError::internal)?;
    csrf::rotate(session);
    Ok(())
}

/// The token of the signed-in session the cookie names, if any.
pub fn session_token(session: &Session) -> Option<String> {
    session.get::<String>(TOKEN_KEY).ok().flatten()
}

/// Forgets the cookie's session (the database row is the caller's to end).
pub fn end_session(session: &Session) {
    session.purge();
}

/// The signed-in account, if the session names one that is still enabled.
/// The answer is kept in the request so later extractors and the error page reuse it.
pub async fn resolve(req: &HttpRequest) -> AppResult<Option<CurrentUser>> {
    if let Some(known) = req.extensions().get::<CurrentUser>() {
        return Ok(Some(known.clone()));
    }
    let session = req.get_session();
    let Some(token) = session_token(&session) else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("AppState missing"))?;
    // The session and its account are read on every request, in one query,
    // never copied: an ended session or a disabled account must not outlive
    // its row anywhere, and the query also brings the unread count and the
    // version that says whether a kept copy of a page is current.
    let now = state.now();
    let found = state
        .db(move |conn| {
            let Some(signed_in) = sessions::signed_in(conn, &token, now)? else {
                return Ok(None);
            };
            let account = signed_in.account;
            if account.is_disabled() {
                // Disabled: its session ends here too, so a kept copy of the
                // cookie is no key once the account is enabled again.
                sessions::end(conn, &token)?;
                return Ok(None);
            }
            Ok(Some(CurrentUser {
                id: account.id,
                uin: account.uin,
                role: account.role,
                login: account.login,
                display_name: account.display_name,
                unread_notifications: signed_in.unread_notifications,
                pages_version: signed_in.pages_version,
            }))
        })
        .await?;
    match found {
        Some(user) => {
            req.extensions_mut().insert(user.clone());
            Ok(Some(user))
        }
        None => {
            end_session(&session);
            Ok(None)
        }
    }
}

/// The path and query to come back to after signing in.
fn here(req: &HttpRequest) -> String {
    match req.uri().path_and_query() {
        Some(path) => path.as_str().to_string(),
        None => req.path().to_string(),
    }
}

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

/// Anyone: the account when signed in.
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequest for MaybeUser {
    type Error = AppError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { resolve(&req).await.map(MaybeUser) })
    }
}

/// Any signed-in account; anonymous visitors are sent to sign in.
impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            resolve(&req)
                .await?
                .ok_or_else(|| AppError::SignInRequired { next: here(&req) })
        })
    }
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        pub struct $name(pub CurrentUser);

        impl FromRequest for $name {
            type Error = AppError;
            type Future = Extracted<Self>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let user = CurrentUser::from_request(req, payload);
                Box::pin(async move {
                    let user = user.await?;
                    if user.role == $role {
                        Ok($name(user))
                    } else {
                        Err(AppError::Forbidden)
                    }
                })
            }
        }
    };
}

role_extractor!(
    /// A signed-in vendor (服务商).
    Vendor,
    Role::Vendor
);
role_extractor!(
    /// A signed-in operator (运营).
    Operator,
    Role::Operator
);
role_extractor!(
    /// A signed-in buyer (用户).
    Buyer,
    Role::Buyer
);
