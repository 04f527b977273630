//! Identity extractors: a handler that takes `Vendor` cannot run for anyone
//! else. The account is re-read whenever a write has finished in this
//! instance since it was last read, so disabling it here ends its sessions at
//! their next request; disabling it through another instance, within the
//! copies' time to live (a second by default).

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use super::csrf;
use crate::db::{accounts, notifications};
use crate::domain::account::Role;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

const ACCOUNT_KEY: &str = "account_id";

/// The signed-in account as pages need it.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub uin: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub unread_notifications: i64,
}

/// Starts a signed-in session: a new session id and a new CSRF token.
pub fn start_session(session: &Session, account_id: i64) -> AppResult<()> {
    session.renew();
    session
        .insert(ACCOUNT_KEY, account_id)
        .map_err(AppError::internal)?;
    csrf::rotate(session);
    Ok(())
}

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
    let Some(account_id) = session.get::<i64>(ACCOUNT_KEY).ok().flatten() else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("AppState missing"))?;
    // Many pages a second per account read the same row and count; a short
    // copy serves them (see `short_cache`), retired by any write here.
    let found = state
        .remembered(&state.accounts, account_id, async || {
            state
                .db(move |conn| {
                    let Some(account) = accounts::find_by_id(conn, account_id)? else {
                        return Ok(None);
                    };
                    if account.is_disabled() {
                        return Ok(None);
                    }
                    let unread = notifications::unread_count(conn, account.id)?;
                    Ok(Some(CurrentUser {
                        id: account.id,
                        uin: account.uin,
                        role: account.role(),
                        login: account.login,
                        display_name: account.display_name,
                        unread_notifications: unread,
                    }))
                })
                .await
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
