//! Asking before an irreversible step. The step's form posts as usual; a
//! post without `confirmed=yes` answers with this page, which says what will
//! happen (the order, the amount, the product) and repeats the form with
//! `confirmed=yes`. It needs no JavaScript, and a step cannot happen on one
//! stray click.

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::{PageCtx, Section, ok};
use crate::auth::CurrentUser;
use crate::error::AppResult;

/// The value of the `confirmed` field that lets a step through.
pub const CONFIRMED: &str = "yes";

/// Whether the post is the confirmed one.
pub fn is_confirmed(field: &str) -> bool {
    field == CONFIRMED
}

/// The confirmation field of a step that has no other fields.
#[derive(serde::Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub confirmed: String,
}

/// What the confirmation page says and posts.
pub struct Confirmation {
    /// What will happen, one sentence each.
    pub lines: Vec<String>,
    /// Where the confirmed form posts (the step's own address).
    pub action: String,
    /// The step's fields, posted again unchanged.
    pub fields: Vec<(&'static str, String)>,
    /// The label of the confirming button (the step's own name).
    pub button: &'static str,
    /// Where 返回 leads: the page the step was started from.
    pub back: String,
    /// What can and cannot be undone afterwards (most steps cannot; a
    /// disabled account can be enabled again).
    pub afterwards: &'static str,
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub page: PageCtx,
    pub confirmation: Confirmation,
}

/// Answers a step's first post with the question.
pub fn ask(
    req: &HttpRequest,
    user: &CurrentUser,
    section: Section,
    confirmation: Confirmation,
) -> AppResult<HttpResponse> {
    ok(&ConfirmPage {
        page: PageCtx::new(req, Some(user), section),
        confirmation,
    })
}
