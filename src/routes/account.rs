//! Sign-in, sign-out and buyer sign-up.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::identity::{end_session, session_token, start_session};
use crate::auth::{CurrentUser, MaybeUser, password};
use crate::db::{accounts, sessions, sign_in};
use crate::domain::account::{self, AccountRuleError, Role};
use crate::domain::sign_in::{SIGN_IN_FAILURES, SIGN_UPS, client_address};
use crate::error::{AppError, AppResult};
use crate::i18n::{Catalogue, fill};
use crate::state::AppState;
use crate::views::account::{LoginPage, PasswordPage, SignupErrors, SignupPage};
use crate::views::{PageCtx, Section, ok, render, safe_next, see_other};

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// The demo accounts the sign-in page may offer.
async fn demo_sign_ins(state: &AppState) -> AppResult<Vec<accounts::DemoSignIn>> {
    state.db(|conn| Ok(accounts::demo_sign_ins(conn)?)).await
}

pub async fn login_form(
    req: HttpRequest,
    user: MaybeUser,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> AppResult<HttpResponse> {
    let next = safe_next(query.next.as_deref());
    if let Some(user) = user.0 {
        return Ok(see_other(&next.unwrap_or_else(|| user.role.home().into())));
    }
    let demo = demo_sign_ins(&state).await?;
    ok(&LoginPage {
        page: PageCtx::new(&req, None, Section::None),
        login: String::new(),
        next: next.unwrap_or_default(),
        error: None,
        demo,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

enum SignInOutcome {
    SignedIn { token: String, role: Role },
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
    let now = state.now();
    let typed_login = login.clone();
    // Three steps, so that no connection is held while Argon2 runs. First
    // the attempt is reserved as a failure (refused when the address has
    // had too many), so however many arrive at once, at most the limit are
    // checked; then the password (its own turns); then, for the right one,
    // the reservation is given back and the session recorded.
    let found = state
        .db(move |conn| {
            let reservation = match sign_in::reserve(conn, &SIGN_IN_FAILURES, &address, now)? {
                Ok(reservation) => reservation,
                Err(minutes) => return Ok(Err(minutes)),
            };
            let account = match account::normalize_login(&typed_login) {
                Ok(login) => accounts::find_by_login(conn, &login)?,
                Err(_) => None,
            };
            Ok(Ok((reservation, account)))
        })
        .await?;
    let outcome = match found {
        Err(minutes) => SignInOutcome::Throttled { minutes },
        Ok((reservation, found)) => {
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
                Some(account) if verified => {
                    let token = sessions::new_token();
                    let recorded = token.clone();
                    let previous = session_token(&session);
                    let role = account.role;
                    let started = state
                        .db(move |conn| {
                            Ok(sessions::start_after_sign_in(
                                conn,
                                account.id,
                                &account.password_hash,
                                reservation,
                                previous.as_deref(),
                                &recorded,
                                now,
                            )?)
                        })
                        .await?;
                    if started {
                        SignInOutcome::SignedIn { token, role }
                    } else {
                        SignInOutcome::WrongCredentials
                    }
                }
                _ => SignInOutcome::WrongCredentials,
            }
        }
    };
    let page = PageCtx::new(&req, None, Section::None);
    let t = page.t;
    let (status, message) = match outcome {
        SignInOutcome::SignedIn { token, role } => {
            start_session(&session, &token)?;
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
    let demo = demo_sign_ins(&state).await?;
    render(
        status,
        &LoginPage {
            page,
            login,
            next: safe_next(next.as_deref()).unwrap_or_default(),
            error: Some(message),
            demo,
        },
    )
}

/// Signs out: the session's row is deleted, so a copy of the cookie kept
/// anywhere no longer signs anyone in.
pub async fn logout(session: Session, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    // The cookie is forgotten whatever happens next, so even during a
    // database outage this browser is signed out.
    let token = session_token(&session);
    end_session(&session);
    if let Some(token) = token {
        state
            .db(move |conn| Ok(sessions::end(conn, &token)?))
            .await?;
    }
    Ok(see_other("/login"))
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
    let password_check = new_password_check(&form.password, &form.password_confirm);
    let mut errors = SignupErrors {
        login: login.as_ref().err().map(|e| rule_message(t, *e)),
        display_name: display_name.as_ref().err().map(|e| rule_message(t, *e)),
        password: password_check.err().map(|e| rule_message(t, e)),
    };
    // The form again, with what was typed (never the passwords).
    let answer = |status, errors, refused| {
        render(
            status,
            &SignupPage {
                page,
                login: form.login,
                display_name: form.display_name,
                errors,
                refused,
            },
        )
    };
    if let (false, Ok(login), Ok(display_name)) = (errors.any(), &login, &display_name) {
        let (login, display_name, typed_password) =
            (login.clone(), display_name.clone(), form.password.clone());
        let now = state.now();
        let address = client_address_of(&req, &state);
        // Reserved before hashing, like a sign-in attempt: at most the limit
        // of simultaneous sign-ups from one address go on, and every attempt
        // counts, a taken login too (else taken logins would buy password
        // hashes without limit). A taken login is told before any hashing.
        let wanted = login.clone();
        let reserved = state
            .db(move |conn| {
                let reserved = sign_in::reserve(conn, &SIGN_UPS, &address, now)?;
                let taken = accounts::find_by_login(conn, &wanted)?.is_some();
                Ok((reserved, taken))
            })
            .await?;
        match reserved {
            (Err(minutes), _) => {
                let message = fill(t.too_many_sign_ups, &[("minutes", &minutes.to_string())]);
                return answer(StatusCode::TOO_MANY_REQUESTS, errors, Some(message));
            }
            (Ok(_), true) => errors.login = Some(t.err_login_taken),
            (Ok(_), false) => {
                let hash = state
                    .hash_password(move || password::hash(&typed_password))
                    .await?
                    .map_err(AppError::internal)?;
                let token = sessions::new_token();
                let recorded = token.clone();
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
                                sessions::start(conn, account.id, &recorded, now)?;
                                Ok(true)
                            }
                            // Taken since the check above, by a sign-up at the same time.
                            Err(accounts::CreateAccountError::LoginTaken) => Ok(false),
                            Err(accounts::CreateAccountError::Db(error)) => Err(error.into()),
                        }
                    })
                    .await?;
                if created {
                    start_session(&session, &token)?;
                    // A new buyer has nothing waiting yet: start in the shop.
                    return Ok(see_other("/shop"));
                }
                errors.login = Some(t.err_login_taken);
            }
        }
    }
    answer(StatusCode::BAD_REQUEST, errors, None)
}

pub async fn password_form(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
) -> AppResult<HttpResponse> {
    ok(&PasswordPage {
        page: PageCtx::new(&req, Some(&user), Section::None),
        notice: crate::views::take_flash(&session),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    password_confirm: String,
}

/// The new password and its confirmation, checked against the rule.
pub fn new_password_check(typed: &str, confirm: &str) -> Result<(), AccountRuleError> {
    account::check_password(typed)?;
    if typed == confirm {
        Ok(())
    } else {
        Err(AccountRuleError::PasswordsDiffer)
    }
}

/// 修改密码: the current password is required (checked under the sign-in
/// throttle, so a borrowed session cannot guess it); the change ends every
/// session of the account and signs this visitor in again with a new one.
pub async fn change_password(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let page = PageCtx::new(&req, Some(&user), Section::None);
    let t = page.t;
    let refuse = |page: PageCtx, status: StatusCode, message: String| {
        render(
            status,
            &PasswordPage {
                page,
                notice: None,
                error: Some(message),
            },
        )
    };
    if let Err(rule) = new_password_check(&form.new_password, &form.password_confirm) {
        return refuse(page, StatusCode::BAD_REQUEST, rule_message(t, rule).into());
    }
    let address = client_address_of(&req, &state);
    let now = state.now();
    let account_id = user.id;
    let reserved = state
        .db(move |conn| {
            let reservation = match sign_in::reserve(conn, &SIGN_IN_FAILURES, &address, now)? {
                Ok(reservation) => reservation,
                Err(minutes) => return Ok(Err(minutes)),
            };
            let account = accounts::find_by_id(conn, account_id)?.ok_or(AppError::NotFound)?;
            Ok(Ok((reservation, account.password_hash)))
        })
        .await?;
    let (reservation, stored) = match reserved {
        Ok(found) => found,
        Err(minutes) => {
            let message = fill(t.too_many_attempts, &[("minutes", &minutes.to_string())]);
            return refuse(page, StatusCode::TOO_MANY_REQUESTS, message);
        }
    };
    let (current, new_password) = (form.current_password, form.new_password);
    let checked_against = stored.clone();
    let new_hash = state
        .hash_password(move || {
            password::verify(&current, &checked_against)
                .then(|| password::hash(&new_password))
                .transpose()
        })
        .await?
        .map_err(AppError::internal)?;
    let Some(new_hash) = new_hash else {
        return refuse(
            page,
            StatusCode::UNAUTHORIZED,
            t.err_current_password_wrong.into(),
        );
    };
    // Whoever else holds a session, this one's cookie included (a stolen
    // cookie is the usual reason to change a password), is signed out; the
    // visitor goes on in a new session with a new token.
    let fresh = sessions::new_token();
    let recorded = fresh.clone();
    let changed = state
        .db(move |conn| {
            Ok(sessions::change_password(
                conn,
                account_id,
                &stored,
                &new_hash,
                reservation,
                &recorded,
                now,
            )?)
        })
        .await?;
    if !changed {
        return Err(AppError::Conflict(t.state_changed.into()));
    }
    start_session(&session, &fresh)?;
    crate::views::set_flash(&session, t.password_changed);
    Ok(see_other("/account/password"))
}
