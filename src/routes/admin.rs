//! The operator's account management and audit log.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::account::{new_password_check, rule_message};
use crate::auth::{Operator, password};
use crate::db::accounts::{self, SwitchRefusal};
use crate::db::audit;
use crate::domain::account::{self, AccountRuleError, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::fill;
use crate::state::AppState;
use crate::views::account::ResetPasswordPage;
use crate::views::admin::{AccountsPage, AuditPage, NewAccountForm};
use crate::views::confirm::{self, ConfirmForm, Confirmation};
use crate::views::{self, PageCtx, Section, render, see_other};

#[derive(Deserialize, Default)]
pub struct AccountQuery {
    #[serde(default)]
    role: String,
    #[serde(default)]
    q: String,
}

async fn accounts_page(
    req: &HttpRequest,
    operator: &Operator,
    state: &AppState,
    query: AccountQuery,
    form: NewAccountForm,
    notice: Option<views::Flash>,
) -> AppResult<AccountsPage> {
    let page = PageCtx::new(req, Some(&operator.0), Section::AdminAccounts);
    // An unknown role in the URL is ignored like an empty filter, and shown as "all".
    let role = query.role.parse::<Role>().ok();
    let filter = accounts::AccountFilter {
        role,
        search: Some(query.q.trim().to_string()).filter(|q| !q.is_empty()),
    };
    let listed = state
        .db(move |conn| Ok(accounts::list(conn, &filter)?))
        .await?;
    let limited = (listed.len() as i64 >= accounts::ACCOUNT_LIST_LIMIT).then(|| {
        fill(
            page.t.list_limited,
            &[("limit", &accounts::ACCOUNT_LIST_LIMIT.to_string())],
        )
    });
    Ok(AccountsPage {
        page,
        accounts: listed,
        role_filter: role.map(|r| r.as_str().to_string()).unwrap_or_default(),
        search: query.q,
        limited,
        notice,
        form,
    })
}

pub async fn account_list(
    req: HttpRequest,
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    query: web::Query<AccountQuery>,
) -> AppResult<HttpResponse> {
    let notice = views::take_flash(&session);
    let view = accounts_page(
        &req,
        &operator,
        &state,
        query.into_inner(),
        NewAccountForm::default(),
        notice,
    )
    .await?;
    views::ok(&view)
}

#[derive(Deserialize)]
pub struct CreateAccountForm {
    role: String,
    login: String,
    #[serde(default)]
    display_name: String,
    password: String,
}

pub async fn create_account(
    req: HttpRequest,
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<CreateAccountForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let t = crate::i18n::Lang::of_request(&req).catalogue();
    let checked = (|| {
        let role = match form.role.parse::<Role>() {
            Ok(role @ (Role::Vendor | Role::Operator)) => role,
            _ => return Err(AccountRuleError::UnknownRole),
        };
        let login = account::normalize_login(&form.login)?;
        let display_name = account::normalize_display_name(&form.display_name, &login)?;
        account::check_password(&form.password)?;
        Ok((role, login, display_name))
    })();
    let error = match checked {
        Err(rule) => rule_message(t, rule).to_string(),
        Ok((role, login, display_name)) => {
            let typed_password = form.password.clone();
            let actor = operator.0.id;
            let now = state.now();
            let hash = state
                .hash_password(move || password::hash(&typed_password))
                .await?
                .map_err(AppError::internal)?;
            let created = state
                .db(move |conn| {
                    let new = accounts::NewAccount {
                        login: &login,
                        display_name: &display_name,
                        role,
                        password_hash: &hash,
                        now,
                    };
                    Ok(accounts::create_by_operator(conn, actor, &new)?)
                })
                .await?;
            match created {
                Some(account) => {
                    let message = fill(
                        t.account_created,
                        &[("login", &account.login), ("uin", &account.uin.to_string())],
                    );
                    views::set_flash(&session, &message);
                    return Ok(see_other("/admin/accounts"));
                }
                None => t.err_login_taken.to_string(),
            }
        }
    };
    let kept = NewAccountForm {
        role: form.role,
        login: form.login,
        display_name: form.display_name,
        error: Some(error),
    };
    let view = accounts_page(&req, &operator, &state, AccountQuery::default(), kept, None).await?;
    render(StatusCode::BAD_REQUEST, &view)
}

async fn switch_account(
    req: HttpRequest,
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    id: i64,
    disable: bool,
) -> AppResult<HttpResponse> {
    let t = crate::i18n::Lang::of_request(&req).catalogue();
    let actor = operator.0.id;
    let now = state.now();
    let outcome = state
        .db(move |conn| Ok(accounts::switch(conn, actor, id, disable, now)?))
        .await?;
    match outcome {
        Ok(login) => {
            let done = if disable {
                t.account_disabled_done
            } else {
                t.account_enabled_done
            };
            views::set_flash(&session, &fill(done, &[("login", &login)]));
            Ok(see_other("/admin/accounts"))
        }
        Err(SwitchRefusal::Missing) => Err(AppError::NotFound),
        Err(SwitchRefusal::OwnAccount) => Err(AppError::BadRequest(t.cannot_disable_self.into())),
        Err(SwitchRefusal::AlreadyDone) => Err(AppError::Conflict(t.state_changed.into())),
    }
}

pub async fn disable_account(
    req: HttpRequest,
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    if !confirm::is_confirmed(&form.confirmed) {
        let t = crate::i18n::Lang::of_request(&req).catalogue();
        let target = state
            .db(move |conn| Ok(accounts::find_by_id(conn, id)?))
            .await?
            .ok_or(AppError::NotFound)?;
        if target.id == operator.0.id {
            return Err(AppError::BadRequest(t.cannot_disable_self.into()));
        }
        let role = views::role_label(t, target.role);
        let line = fill(
            t.confirm_disable_account,
            &[
                ("login", &target.login),
                ("name", &target.display_name),
                ("role", role),
            ],
        );
        return confirm::ask(
            &req,
            &operator.0,
            Section::AdminAccounts,
            Confirmation {
                lines: vec![line],
                action: format!("/admin/accounts/{id}/disable"),
                fields: Vec::new(),
                button: t.disable,
                back: "/admin/accounts".to_string(),
                afterwards: t.confirm_can_enable_again,
            },
        );
    }
    switch_account(req, operator, session, state, id, true).await
}

pub async fn enable_account(
    req: HttpRequest,
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    switch_account(req, operator, session, state, id.into_inner(), false).await
}

#[derive(Deserialize)]
pub struct AuditQuery {
    before: Option<i64>,
}

const AUDIT_PAGE_SIZE: i64 = 50;

pub async fn audit_log(
    req: HttpRequest,
    operator: Operator,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    let before = query.before;
    let mut entries = state
        .db(move |conn| Ok(audit::recent(conn, before, AUDIT_PAGE_SIZE + 1)?))
        .await?;
    // One row past the page tells whether older entries exist.
    let older = if entries.len() as i64 > AUDIT_PAGE_SIZE {
        entries.truncate(AUDIT_PAGE_SIZE as usize);
        entries.last().map(|e| e.id)
    } else {
        None
    };
    views::ok(&AuditPage {
        page: PageCtx::new(&req, Some(&operator.0), Section::AdminAudit),
        entries,
        older,
    })
}

/// The account whose password an operator may reset: any but their own
/// (they change theirs on 修改密码, with the current password).
async fn reset_target(
    operator: &Operator,
    state: &AppState,
    id: i64,
) -> AppResult<accounts::Account> {
    if id == operator.0.id {
        return Err(AppError::NotFound);
    }
    state
        .db(move |conn| accounts::find_by_id(conn, id)?.ok_or(AppError::NotFound))
        .await
}

fn reset_page(
    req: &HttpRequest,
    operator: &Operator,
    target: &accounts::Account,
    error: Option<String>,
) -> ResetPasswordPage {
    let page = PageCtx::new(req, Some(&operator.0), Section::AdminAccounts);
    let title = fill(page.t.reset_password_title, &[("login", &target.login)]);
    ResetPasswordPage {
        page,
        account_id: target.id,
        login: target.login.clone(),
        title,
        error,
    }
}

pub async fn reset_password_form(
    req: HttpRequest,
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let target = reset_target(&operator, &state, id.into_inner()).await?;
    views::ok(&reset_page(&req, &operator, &target, None))
}

#[derive(Deserialize)]
pub struct ResetPasswordForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    password_confirm: String,
}

/// Sets a new password for a locked-out account and ends all its sessions,
/// in one transaction with its audit entry.
pub async fn reset_password(
    req: HttpRequest,
    operator: Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<ResetPasswordForm>,
) -> AppResult<HttpResponse> {
    let target = reset_target(&operator, &state, id.into_inner()).await?;
    let t = crate::i18n::Lang::of_request(&req).catalogue();
    if let Err(rule) = new_password_check(&form.new_password, &form.password_confirm) {
        let view = reset_page(&req, &operator, &target, Some(rule_message(t, rule).into()));
        return render(StatusCode::BAD_REQUEST, &view);
    }
    let typed_password = form.into_inner().new_password;
    let hash = state
        .hash_password(move || password::hash(&typed_password))
        .await?
        .map_err(AppError::internal)?;
    let (actor, account_id) = (operator.0.id, target.id);
    let now = state.now();
    let reset = state
        .db(move |conn| {
            Ok(accounts::reset_password(
                conn, actor, account_id, &hash, now,
            )?)
        })
        .await?;
    if !reset {
        return Err(AppError::NotFound);
    }
    views::set_flash(
        &session,
        &fill(t.password_reset_done, &[("login", &target.login)]),
    );
    Ok(see_other("/admin/accounts"))
}
