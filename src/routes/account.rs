//! Sign-in, sign-out and buyer sign-up.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::identity::{end_session, start_session};
use crate::auth::{MaybeUser, password};
use crate::db::{accounts, sign_in};
use crate::domain::account::{self, AccountRuleError, Role};
use crate::domain::sign_in::{SIGN_IN_FAILURES, SIGN_UPS, client_address};
use crate::domain::time::to_stored;
use crate::error::{AppError, AppResult};
use crate::i18n::{Catalogue, fill};
use crate::state::AppState;
use crate::views::account::{LoginPage, SignupErrors, SignupPage};
use crate::views::{PageCtx, Section, ok, render, safe_next, see_other};

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login_form(
    req: HttpRequest,
    user: MaybeUser,
    query: web::Query<LoginQuery>,
) -> AppResult<HttpResponse> {
    let next = safe_next(query.next.as_deref());
    if let Some(user) = user.0 {
        return Ok(see_other(&next.unwrap_or_else(|| user.role.home().into())));
    }
    ok(&LoginPage {
        page: PageCtx::new(&req, None, Section::None),
        login: String::new(),
        next: next.unwrap_or_default(),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

enum SignInOutcome {
    SignedIn { account_id: i64, role: Role },
    WrongCredentials,
    Disabled,
    Throttled { minutes: i64 },
}

/// The address the throttles count this request under (see
/// `client_address`: a trusted proxy's `X-Forwarded-For`, else the peer).
fn client_address_of(req: &HttpRequest, state: &AppState) -> String {
    let forwarded_for = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok());
    client_address(
        req.peer_addr().map(|peer| peer.ip()),
        forwarded_for,
        &state.trusted_proxies,
    )
}

pub async fn login(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let LoginForm {
        login,
        password: typed_password,
        next,
    } = form.into_inner();
    let address = client_address_of(&req, &state);
    let now = to_stored(chrono::Utc::now());
    let typed_login = login.clone();
    let failure_address = address.clone();
    // Three steps, so that no connection is held while Argon2 runs: the
    // throttle and the account, then the password (its own turns), then the
    // failure, if it was one.
    let found = state
        .db(move |conn| {
            let failures = sign_in::recent(conn, &SIGN_IN_FAILURES, &address, now)?;
            if let Err(minutes) = SIGN_IN_FAILURES.check(&failures, now) {
                return Ok(Err(minutes));
            }
            Ok(Ok(match account::normalize_login(&typed_login) {
                Ok(login) => accounts::find_by_login(conn, &login)?,
                Err(_) => None,
            }))
        })
        .await?;
    let outcome = match found {
        Err(minutes) => SignInOutcome::Throttled { minutes },
        Ok(found) => {
            let stored = found.as_ref().map(|a| a.password_hash.clone());
            let verified = state
                .hash_password(move || match stored {
                    Some(stored) => password::verify(&typed_password, &stored),
                    None => {
                        password::verify_against_nothing(&typed_password);
                        false
                    }
                })
                .await?;
            match found {
                Some(account) if verified && account.is_disabled() => SignInOutcome::Disabled,
                Some(account) if verified => SignInOutcome::SignedIn {
                    account_id: account.id,
                    role: account.role(),
                },
                _ => {
                    state
                        .db(move |conn| {
                            Ok(sign_in::record(
                                conn,
                                &SIGN_IN_FAILURES,
                                &failure_address,
                                now,
                            )?)
                        })
                        .await?;
                    SignInOutcome::WrongCredentials
                }
            }
        }
    };
    let page = PageCtx::new(&req, None, Section::None);
    let t = page.t;
    let (status, message) = match outcome {
        SignInOutcome::SignedIn { account_id, role } => {
            start_session(&session, account_id)?;
            let target = safe_next(next.as_deref()).unwrap_or_else(|| role.home().into());
            return Ok(see_other(&target));
        }
        SignInOutcome::WrongCredentials => {
            (StatusCode::UNAUTHORIZED, t.bad_credentials.to_string())
        }
        SignInOutcome::Disabled => (StatusCode::FORBIDDEN, t.account_is_disabled.to_string()),
        SignInOutcome::Throttled { minutes } => (
            StatusCode::TOO_MANY_REQUESTS,
            fill(t.too_many_attempts, &[("minutes", &minutes.to_string())]),
        ),
    };
    render(
        status,
        &LoginPage {
            page,
            login,
            next: safe_next(next.as_deref()).unwrap_or_default(),
            error: Some(message),
        },
    )
}

pub async fn logout(session: Session) -> HttpResponse {
    end_session(&session);
    see_other("/login")
}

pub async fn signup_form(req: HttpRequest) -> AppResult<HttpResponse> {
    ok(&SignupPage {
        page: PageCtx::new(&req, None, Section::None),
        login: String::new(),
        display_name: String::new(),
        errors: SignupErrors::default(),
        refused: None,
    })
}

#[derive(Deserialize)]
pub struct SignupForm {
    login: String,
    #[serde(default)]
    display_name: String,
    password: String,
    password_confirm: String,
}

/// The catalogue's message for a broken account rule.
pub fn rule_message(t: &'static Catalogue, error: AccountRuleError) -> &'static str {
    match error {
        AccountRuleError::BadLogin => t.err_bad_login,
        AccountRuleError::BadDisplayName => t.err_bad_display_name,
        AccountRuleError::BadPassword => t.err_bad_password,
        AccountRuleError::PasswordsDiffer => t.err_passwords_differ,
        AccountRuleError::UnknownRole => t.err_unknown_role,
    }
}

pub async fn signup(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<SignupForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let page = PageCtx::new(&req, None, Section::None);
    let t = page.t;
    let login = account::normalize_login(&form.login);
    let display_name = login.as_ref().map_or(Ok(String::new()), |l| {
        account::normalize_display_name(&form.display_name, l)
    });
    let password_check = account::check_password(&form.password).and_then(|()| {
        if form.password == form.password_confirm {
            Ok(())
        } else {
            Err(AccountRuleError::PasswordsDiffer)
        }
    });
    let mut errors = SignupErrors {
        login: login.as_ref().err().map(|e| rule_message(t, *e)),
        display_name: display_name.as_ref().err().map(|e| rule_message(t, *e)),
        password: password_check.err().map(|e| rule_message(t, e)),
    };
    if let (false, Ok(login), Ok(display_name)) = (errors.any(), &login, &display_name) {
        let (login, display_name, typed_password) =
            (login.clone(), display_name.clone(), form.password.clone());
        let now = to_stored(chrono::Utc::now());
        let address = client_address_of(&req, &state);
        let checked_address = address.clone();
        let recent = state
            .db(move |conn| Ok(sign_in::recent(conn, &SIGN_UPS, &checked_address, now)?))
            .await?;
        if let Err(minutes) = SIGN_UPS.check(&recent, now) {
            let message = fill(t.too_many_sign_ups, &[("minutes", &minutes.to_string())]);
            return render(
                StatusCode::TOO_MANY_REQUESTS,
                &SignupPage {
                    page,
                    login: form.login,
                    display_name: form.display_name,
                    errors,
                    refused: Some(message),
                },
            );
        }
        let hash = state
            .hash_password(move || password::hash(&typed_password))
            .await?
            .map_err(AppError::internal)?;
        let created = state
            .db(move |conn| {
                let new = accounts::NewAccount {
                    login: &login,
                    display_name: &display_name,
                    role: Role::Buyer,
                    password_hash: &hash,
                    now,
                };
                match accounts::create(conn, &new) {
                    Ok(account) => {
                        sign_in::record(conn, &SIGN_UPS, &address, now)?;
                        Ok(Some(account.id))
                    }
                    Err(accounts::CreateAccountError::LoginTaken) => Ok(None),
                    Err(accounts::CreateAccountError::Db(error)) => Err(error.into()),
                }
            })
            .await?;
        match created {
            Some(account_id) => {
                start_session(&session, account_id)?;
                // A new buyer has nothing waiting yet: start in the shop.
                return Ok(see_other("/shop"));
            }
            None => errors.login = Some(t.err_login_taken),
        }
    }
    render(
        StatusCode::BAD_REQUEST,
        &SignupPage {
            page,
            login: form.login,
            display_name: form.display_name,
            errors,
            refused: None,
        },
    )
}
