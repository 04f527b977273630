//! Sign-in and sign-up pages.

use crate::views::Flash;
use askama::Template;

use super::PageCtx;

#[derive(Template)]
#[template(path = "account/login.html")]
pub struct LoginPage {
    pub page: PageCtx,
    pub login: String,
    pub next: String,
    pub error: Option<String>,
    /// The demo accounts still on their published password, offered for
    /// one-click sign-in (empty on a production database).
    pub demo: Vec<crate::db::accounts::DemoSignIn>,
}

impl LoginPage {
    pub fn demo_password(&self) -> &'static str {
        crate::startup::DEMO_PASSWORD
    }

    pub fn demo_role(&self, role: &crate::domain::account::Role) -> &'static str {
        super::role_label(self.page.t, *role)
    }
}

/// A message beside each sign-up field that was refused.
#[derive(Default)]
pub struct SignupErrors {
    pub login: Option<&'static str>,
    pub display_name: Option<&'static str>,
    pub password: Option<&'static str>,
}

impl SignupErrors {
    pub fn any(&self) -> bool {
        self.login.is_some() || self.display_name.is_some() || self.password.is_some()
    }
}

/// The sign-up form with what was typed (never the passwords).
#[derive(Template)]
#[template(path = "account/signup.html")]
pub struct SignupPage {
    pub page: PageCtx,
    pub login: String,
    pub display_name: String,
    pub errors: SignupErrors,
    /// Why the sign-up was refused as a whole (the throttle).
    pub refused: Option<String>,
}

/// 修改密码: the signed-in account changes its own password.
#[derive(Template)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    pub page: PageCtx,
    pub notice: Option<Flash>,
    pub error: Option<String>,
}

/// An operator sets a new password for an account that cannot sign in.
#[derive(Template)]
#[template(path = "admin/reset_password.html")]
pub struct ResetPasswordPage {
    pub page: PageCtx,
    pub account_id: i64,
    pub login: String,
    pub title: String,
    pub error: Option<String>,
}
