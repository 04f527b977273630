//! The operator's account and audit pages.

use crate::views::Flash;
use askama::Template;

use super::PageCtx;
use crate::db::accounts::Account;
use crate::db::audit::AuditEntry;

/// What the create-account form keeps after a refusal.
#[derive(Default)]
pub struct NewAccountForm {
    pub role: String,
    pub login: String,
    pub display_name: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/accounts.html")]
pub struct AccountsPage {
    pub page: PageCtx,
    pub accounts: Vec<Account>,
    pub role_filter: String,
    pub search: String,
    pub limited: Option<String>,
    pub notice: Option<Flash>,
    pub form: NewAccountForm,
}

impl AccountsPage {
    pub fn role_of(&self, account: &Account) -> &'static str {
        super::role_label(self.page.t, account.role)
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub page: PageCtx,
    pub entries: Vec<AuditEntry>,
    pub older: Option<i64>,
}
