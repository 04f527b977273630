//! The vendor's products: list, create, edit, logo, submit, withdraw, and ask
//! for delisting. Another vendor's product answers 404.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{CurrentUser, Vendor};
use crate::db::StoreError;
use crate::db::products::{self, Actor, ProductFilter, RevisionWithPlans};
use crate::domain::logo::{self, AcceptedLogo, LogoProblem};
use crate::domain::money::yuan_digits;
use crate::domain::product::{
    Kind, Listing, PlanInput, ProductInput, RevisionState, StepRefusal, check_input, check_reason,
    name_search as checked_name_search,
};
use crate::error::{AppError, AppResult, refusal_status};
use crate::i18n::{Catalogue, Lang, fill};
use crate::state::AppState;
use crate::views::Alert;
use crate::views::confirm::{self, ConfirmForm, Confirmation};
use crate::views::labels::{logo_problem, logo_warning, reason_problem};
use crate::views::products::{
    ChooseKindPage, ProductFormPage, ProductPage, VendorProductsPage, Viewer, read_product_form,
};
use crate::views::{self, PageCtx, Section, render, see_other, set_flash, take_flash};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// The user's words for a refused step.
pub fn step_message(t: &Catalogue, refusal: StepRefusal) -> &'static str {
    match refusal {
        StepRefusal::NoPlan => t.err_submit_no_plan,
        StepRefusal::NoLogo => t.err_submit_no_logo,
        StepRefusal::WrongState => t.state_changed,
    }
}

/// Status for a refused step: a missing prerequisite is the user's to fix (400),
/// a state that moved on is a conflict (409).
pub fn step_status(refusal: StepRefusal) -> StatusCode {
    match refusal {
        StepRefusal::WrongState => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    state: String,
    /// Any part of the product's name.
    #[serde(default)]
    q: String,
    before: Option<i64>,
}

/// A typed name search for `ProductFilter::name_contains`; too
/// long a text is a 400 with the limit.
pub fn name_search(t: &Catalogue, typed: &str) -> AppResult<Option<String>> {
    checked_name_search(typed).map_err(|max| {
        AppError::BadRequest(fill(t.err_search_too_long, &[("max", &max.to_string())]))
    })
}

/// A list's state filter: a review state or a listing state.
pub fn state_filter(state: &str, filter: &mut ProductFilter) -> String {
    if let Some(review) = RevisionState::parse(state) {
        filter.review_state = Some(review);
    } else if let Some(listing) = Listing::parse(state) {
        filter.listing = Some(listing);
    } else {
        return String::new();
    }
    state.to_string()
}

pub async fn product_list(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let page = PageCtx::new(&req, Some(&user), Section::VendorProducts);
    let mut filter = ProductFilter {
        vendor_id: Some(user.id),
        before: query.before,
        name_contains: name_search(page.t, &query.q)?,
        ..ProductFilter::default()
    };
    let state_filter = state_filter(&query.state, &mut filter);
    let (rows, next) = state
        .db(move |conn| Ok(products::list_products(conn, &filter)?))
        .await?;
    views::ok(&VendorProductsPage {
        page,
        rows,
        state_filter,
        name: query.q.trim().to_string(),
        next,
        notice: take_flash(&session),
    })
}

#[derive(Deserialize)]
pub struct NewQuery {
    kind: Option<String>,
}

pub async fn new_product_form(
    req: HttpRequest,
    Vendor(user): Vendor,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    let page = PageCtx::new(&req, Some(&user), Section::VendorProducts);
    match query.kind.as_deref().and_then(Kind::parse) {
        None => views::ok(&ChooseKindPage { page }),
        Some(kind) => views::ok(&ProductFormPage {
            page,
            product_id: None,
            kind,
            input: ProductInput {
                kind: kind.as_str().into(),
                ..ProductInput::default()
            },
            errors: Default::default(),
            logo: None,
            logo_errors: Vec::new(),
            autofit_png: None,
            notice: None,
        }),
    }
}

/// The plan editor's own buttons: 添加规格 and 删除 re-show the form as typed,
/// with a row more or one less; nothing is saved. `None` for any other post.
fn plan_rows_edited(fields: &[(String, String)]) -> Option<ProductInput> {
    let value_of = |key: &str| fields.iter().find(|(name, _)| name == key).map(|(_, v)| v);
    if let Some(row) = value_of("remove_plan") {
        let suffix = format!("_{}", row.trim());
        let kept: Vec<(String, String)> = fields
            .iter()
            .filter(|(name, _)| !(name.starts_with("plan_") && name.ends_with(&suffix)))
            .cloned()
            .collect();
        return Some(read_product_form(&kept));
    }
    (value_of("step").map(String::as_str) == Some("add_row")).then(|| read_product_form(fields))
}

pub async fn create_product(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let page = PageCtx::new(&req, Some(&user), Section::VendorProducts);
    if let Some(input) = plan_rows_edited(&form) {
        let kind = Kind::parse(&input.kind).unwrap_or(Kind::Image);
        return views::ok(&ProductFormPage {
            page,
            product_id: None,
            kind,
            input,
            errors: Default::default(),
            logo: None,
            logo_errors: Vec::new(),
            autofit_png: None,
            notice: None,
        });
    }
    let input = read_product_form(&form);
    let content = match check_input(&input, None) {
        Ok(content) => content,
        Err(errors) => {
            let kind = Kind::parse(&input.kind).unwrap_or(Kind::Image);
            return render(
                StatusCode::BAD_REQUEST,
                &ProductFormPage {
                    page,
                    product_id: None,
                    kind,
                    input,
                    errors,
                    logo: None,
                    logo_errors: Vec::new(),
                    autofit_png: None,
                    notice: None,
                },
            );
        }
    };
    let vendor = Actor { id: user.id };
    let product_id = state
        .db(move |conn| products::create(conn, vendor, &content, now).map_err(AppError::from))
        .await?;
    set_flash(&session, page.t.product_created);
    Ok(see_other(&format!("/vendor/products/{product_id}/edit")))
}

/// The product page for its vendor or an operator, with what it says.
pub async fn product_page(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    product_id: i64,
    viewer: Viewer,
    alert: Alert,
) -> AppResult<HttpResponse> {
    let Alert {
        status,
        notice,
        error,
    } = alert;
    let owner = (viewer == Viewer::Vendor).then_some(user.id);
    let detail = state
        .db(move |conn| {
            let product = match owner {
                Some(vendor_id) => products::find_owned(conn, product_id, vendor_id)?,
                None => products::find(conn, product_id)?,
            };
            let product = product.ok_or(AppError::NotFound)?;
            Ok(products::detail(conn, product)?)
        })
        .await?;
    let section = match viewer {
        Viewer::Vendor => Section::VendorProducts,
        Viewer::Operator => Section::AdminProducts,
    };
    render(
        status,
        &ProductPage {
            page: PageCtx::new(req, Some(user), section),
            detail,
            viewer,
            notice,
            error,
        },
    )
}

pub async fn show_product(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let notice = take_flash(&session);
    product_page(
        &req,
        &user,
        &state,
        id.into_inner(),
        Viewer::Vendor,
        Alert::ok(notice),
    )
    .await
}

/// The form's fields from a stored revision.
fn input_from(revision: &RevisionWithPlans, kind: Kind) -> ProductInput {
    let r = &revision.revision;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    ProductInput {
        kind: kind.as_str().into(),
        name: r.name.clone(),
        summary: r.summary.clone(),
        description: r.description.clone(),
        category: r.category.clone(),
        image_id: text(&r.image_id),
        os: text(&r.os),
        arch: text(&r.arch),
        delivery_days: r.delivery_days.map(|d| d.to_string()).unwrap_or_default(),
        license_term: text(&r.license_term),
        delivery_method: text(&r.delivery_method),
        plans: revision
            .plans
            .iter()
            .map(|plan| PlanInput {
                billing: plan.billing.to_string(),
                name: plan.name.clone(),
                price: yuan_digits(plan.price_fen),
                year_price: plan.year_price_fen.map(yuan_digits).unwrap_or_default(),
            })
            .collect(),
    }
}

/// What the edit form starts from: the open draft, else the newest revision.
async fn edit_source(
    state: &AppState,
    vendor_id: i64,
    product_id: i64,
) -> AppResult<(products::Product, RevisionWithPlans)> {
    state
        .db(move |conn| {
            let product =
                products::find_owned(conn, product_id, vendor_id)?.ok_or(AppError::NotFound)?;
            // The open revision, when there is one, is always the newest.
            let newest = products::latest_revision(conn, product_id)?;
            let source = products::with_plans(conn, newest)?;
            Ok((product, source))
        })
        .await
}

pub async fn edit_product_form(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let product_id = id.into_inner();
    let (product, source) = edit_source(&state, user.id, product_id).await?;
    let page = PageCtx::new(&req, Some(&user), Section::VendorProducts);
    if source.revision.state == RevisionState::Pending {
        views::set_warning(&session, page.t.err_pending_read_only);
        return Ok(see_other(&format!("/vendor/products/{product_id}")));
    }
    let form = ProductFormPage {
        notice: take_flash(&session),
        ..edit_form(page, product_id, product.kind, source)
    };
    views::ok(&form)
}

/// The edit form of a product as stored, without messages.
fn edit_form(
    page: PageCtx,
    product_id: i64,
    kind: Kind,
    source: RevisionWithPlans,
) -> ProductFormPage {
    ProductFormPage {
        page,
        product_id: Some(product_id),
        kind,
        input: input_from(&source, kind),
        errors: Default::default(),
        logo: source.logo,
        logo_errors: Vec::new(),
        autofit_png: None,
        notice: None,
    }
}

/// What a button of the edit form asks for. Every button posts every field,
/// so using the logo controls never loses what was typed elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EditStep {
    /// 保存草稿.
    Save,
    /// 提交审核: save, then submit for review.
    Submit,
    /// Check the chosen logo and store it with the draft.
    Upload,
    /// Show an auto-fitted preview of the chosen image.
    Autofit,
    /// Store the previewed auto-fit with the draft.
    UseAutofit,
}

impl EditStep {
    fn is_logo_step(self) -> bool {
        matches!(
            self,
            EditStep::Upload | EditStep::Autofit | EditStep::UseAutofit
        )
    }

    fn of(fields: &[(String, String)]) -> EditStep {
        let step = fields.iter().find(|(name, _)| name == "step");
        match step.map(|(_, value)| value.as_str()) {
            Some("submit") => EditStep::Submit,
            Some("upload") => EditStep::Upload,
            Some("autofit") => EditStep::Autofit,
            Some("use_autofit") => EditStep::UseAutofit,
            _ => EditStep::Save,
        }
    }
}

/// The edit form as posted: its fields and the chosen logo file, if any.
struct EditPost {
    fields: Vec<(String, String)>,
    logo: Vec<u8>,
}

/// The largest text field of the edit form (the description is the longest).
const MAX_EDIT_FIELD: usize = 64 * 1024;

/// Fields that carry an image: the chosen file and the previewed auto-fit
/// (base64), which may be as large as the body.
fn carries_image(name: &str) -> bool {
    name == "logo" || name == "png"
}

/// Reads the edit form, sent as a multipart form (the page's own, with its
/// file input) or url-encoded (scripts). The body's size was bounded by the
/// CSRF middleware already; a NUL character is refused as in every form.
async fn read_edit_post(req: &HttpRequest, payload: web::Payload) -> AppResult<EditPost> {
    use futures_util::TryStreamExt;
    let t = Lang::of_request(req).catalogue();
    let unreadable = || AppError::BadRequest(t.err_form_unreadable.into());
    let is_multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut post = EditPost {
        fields: Vec::new(),
        logo: Vec::new(),
    };
    if is_multipart {
        let mut multipart = actix_multipart::Multipart::new(req.headers(), payload);
        while let Some(mut field) = multipart.try_next().await.map_err(|_| unreadable())? {
            let name = field.name().unwrap_or_default().to_string();
            let limit = if carries_image(&name) {
                crate::auth::csrf::MULTIPART_LIMIT
            } else {
                MAX_EDIT_FIELD
            };
            let mut bytes = Vec::new();
            while let Some(chunk) = field.try_next().await.map_err(|_| unreadable())? {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > limit {
                    return Err(unreadable());
                }
            }
            if name == "logo" {
                post.logo = bytes;
            } else {
                let value = String::from_utf8(bytes).map_err(|_| unreadable())?;
                post.fields.push((name, value));
            }
        }
    } else {
        let body = payload
            .to_bytes_limited(crate::auth::csrf::FORM_LIMIT)
            .await
            .map_err(|_| unreadable())?
            .map_err(|_| unreadable())?;
        post.fields = serde_urlencoded::from_bytes(&body).map_err(|_| unreadable())?;
    }
    let holds_nul = post
        .fields
        .iter()
        .any(|(name, value)| name.contains('\0') || value.contains('\0'));
    if holds_nul {
        return Err(crate::auth::csrf::nul_refused(req));
    }
    Ok(post)
}

/// Checks the previewed auto-fit the page sends back (base64 PNG) against
/// the rule again: it came from the browser.
async fn check_png(
    state: &AppState,
    base64: &str,
) -> AppResult<Result<AcceptedLogo, Vec<LogoProblem>>> {
    let bytes = BASE64.decode(base64.trim()).unwrap_or_default();
    let decoding = state.decoding.clone();
    Ok(web::block(move || {
        let _turn = decoding.take();
        logo::check_logo(&bytes)
    })
    .await?)
}

/// Saves the edit form. A chosen logo is checked and stored with the draft
/// in the same transaction; 提交审核 then sends the draft to review.
pub async fn save_product(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let product_id = id.into_inner();
    let (product, source) = edit_source(&state, user.id, product_id).await?;
    let post = read_edit_post(&req, payload).await?;
    let page = PageCtx::new(&req, Some(&user), Section::VendorProducts);
    let t = page.t;
    let kind = product.kind;
    if let Some(input) = plan_rows_edited(&post.fields) {
        return views::ok(&ProductFormPage {
            input,
            ..edit_form(page, product_id, kind, source)
        });
    }
    let step = EditStep::of(&post.fields);
    let input = read_product_form(&post.fields);
    let checked = check_input(&input, Some(kind));
    let mut view = ProductFormPage {
        input,
        ..edit_form(page, product_id, kind, source)
    };
    // The logo part of the step. A file chosen and then 保存草稿 or 提交审核
    // pressed is uploaded too, rather than silently dropped.
    let mut logo = None;
    match step {
        EditStep::UseAutofit => {
            let png = post.fields.iter().find(|(name, _)| name == "png");
            match check_png(&state, png.map_or("", |(_, value)| value.as_str())).await? {
                Ok(accepted) => logo = Some(accepted),
                Err(problems) => {
                    view.logo_errors = problems.iter().map(|p| logo_problem(t, p)).collect();
                }
            }
        }
        EditStep::Upload | EditStep::Autofit if post.logo.is_empty() => {
            view.logo_errors.push(t.err_logo_missing.into());
        }
        _ if !post.logo.is_empty() => {
            let wants_autofit = step == EditStep::Autofit;
            logo = check_upload(&state, post.logo, wants_autofit, &mut view).await?;
        }
        _ => {}
    }
    let logo_failed = logo.is_none() && (step.is_logo_step() || !view.logo_errors.is_empty());
    let content = match checked {
        Ok(content) if !logo_failed => content,
        Ok(_) => {
            // A preview to look at, or a logo to fix: the form stays as typed.
            let status = if view.logo_errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            return render(status, &view);
        }
        Err(errors) => {
            // Nothing typed is lost: the page comes back as it was sent. A
            // logo that passed is stored, so it is not asked for again.
            view.errors = errors;
            if let Some(accepted) = logo {
                let notice = logo_saved_notice(t, &accepted);
                match attach(&state, &user, product_id, accepted).await? {
                    Ok(()) => {
                        let alert = fill(t.logo_saved_fields_not, &[("logo", &notice)]);
                        view.notice = Some(views::Flash::warning(alert));
                        view.logo = edit_source(&state, user.id, product_id).await?.1.logo;
                    }
                    Err(StoreError::Refused(_)) => {
                        view.logo_errors.push(t.err_pending_read_only.into());
                    }
                    Err(other) => return Err(AppError::from(other)),
                }
            }
            return render(StatusCode::BAD_REQUEST, &view);
        }
    };
    let vendor = Actor { id: user.id };
    let alert = match &logo {
        Some(accepted) => fill(
            t.logo_and_draft_saved,
            &[("logo", &logo_saved_notice(t, accepted))],
        ),
        None => t.draft_saved.to_string(),
    };
    let saved = state
        .db(move |conn| {
            Ok(match logo {
                Some(accepted) => {
                    let sha256 = products::sha256_hex(&accepted.png);
                    let logo = products::NewLogo::checked_png(&sha256, &accepted.png);
                    products::save_draft_with_logo(conn, vendor, product_id, &content, &logo, now)
                }
                None => products::save_draft(conn, vendor, product_id, &content, now),
            })
        })
        .await?;
    match saved {
        Ok(_) => {}
        Err(StoreError::Refused(_)) => {
            view.logo_errors = vec![t.err_pending_read_only.into()];
            return render(StatusCode::CONFLICT, &view);
        }
        Err(other) => return Err(AppError::from(other)),
    }
    if step == EditStep::Submit {
        let submitted = state
            .db(move |conn| Ok(products::submit(conn, vendor, product_id, now)))
            .await?;
        match submitted {
            Ok(()) => set_flash(&session, t.saved_and_submitted),
            // The draft is saved either way; the vendor reads why it waits.
            Err(StoreError::Refused(refusal)) => {
                let reason = refusal.message(t);
                views::set_warning(
                    &session,
                    &fill(t.saved_not_submitted, &[("reason", &reason)]),
                );
            }
            Err(other) => return Err(AppError::from(other)),
        }
        return Ok(see_other(&format!("/vendor/products/{product_id}")));
    }
    set_flash(&session, &alert);
    if step.is_logo_step() {
        // Back to the form, which now shows the stored logo.
        return Ok(see_other(&format!("/vendor/products/{product_id}/edit")));
    }
    Ok(see_other(&format!("/vendor/products/{product_id}")))
}

/// Checks an uploaded logo against the rule (or fits it, when asked) off the
/// async workers. A passing logo is returned to be stored; otherwise the page
/// gets every broken rule and, where possible, an auto-fitted preview.
async fn check_upload(
    state: &AppState,
    bytes: Vec<u8>,
    wants_autofit: bool,
    view: &mut ProductFormPage,
) -> AppResult<Option<AcceptedLogo>> {
    let t = view.page.t;
    let decoding = state.decoding.clone();
    let (checked, fitted) = web::block(move || {
        let _turn = decoding.take();
        let checked = if wants_autofit {
            None
        } else {
            Some(logo::check_logo(&bytes))
        };
        let needs_fit = !matches!(checked, Some(Ok(_)));
        let fitted = needs_fit.then(|| logo::autofit(&bytes));
        (checked, fitted)
    })
    .await?;
    if let Some(Ok(accepted)) = checked {
        return Ok(Some(accepted));
    }
    if let Some(Err(problems)) = &checked {
        view.logo_errors = problems.iter().map(|p| logo_problem(t, p)).collect();
    }
    match fitted {
        Some(Ok(png)) => view.autofit_png = Some(BASE64.encode(png)),
        Some(Err(problem)) => {
            let reason = logo_problem(t, &problem);
            if wants_autofit || view.logo_errors.iter().all(|e| *e != reason) {
                view.logo_errors
                    .push(fill(t.autofit_failed, &[("reason", &reason)]));
            }
        }
        None => {}
    }
    Ok(None)
}

/// What the page says of a stored logo: saved, with the rule's warning if any.
fn logo_saved_notice(t: &Catalogue, accepted: &AcceptedLogo) -> String {
    match accepted.warnings.first() {
        Some(warning) => fill(
            t.logo_saved_with_warning,
            &[("warning", &logo_warning(t, warning))],
        ),
        None => t.logo_saved.to_string(),
    }
}

/// Stores a checked logo on the product's draft (opening one if needed).
async fn attach(
    state: &AppState,
    user: &CurrentUser,
    product_id: i64,
    accepted: AcceptedLogo,
) -> AppResult<Result<(), StoreError>> {
    let now = state.now();
    let vendor = Actor { id: user.id };
    state
        .db(move |conn| {
            let sha256 = products::sha256_hex(&accepted.png);
            let logo = products::NewLogo::checked_png(&sha256, &accepted.png);
            Ok(products::attach_logo(conn, vendor, product_id, &logo, now))
        })
        .await
}

/// Stores a logo sent on its own (the logo-only form of older pages and
/// scripts) and returns to the edit form.
async fn store_logo(
    req: &HttpRequest,
    user: &CurrentUser,
    session: &Session,
    state: &AppState,
    product_id: i64,
    accepted: AcceptedLogo,
) -> AppResult<HttpResponse> {
    let t = crate::i18n::Lang::of_request(req).catalogue();
    let notice = logo_saved_notice(t, &accepted);
    match attach(state, user, product_id, accepted).await? {
        Ok(()) => {
            set_flash(session, &notice);
            Ok(see_other(&format!("/vendor/products/{product_id}/edit")))
        }
        Err(StoreError::Refused(_)) => {
            views::set_warning(session, t.err_pending_read_only);
            Ok(see_other(&format!("/vendor/products/{product_id}")))
        }
        Err(other) => Err(AppError::from(other)),
    }
}

/// Uploads a logo on its own: checked against the rule, stored when it
/// passes; otherwise every broken rule is listed with an auto-fitted preview.
/// The edit page itself posts its logo with its other fields (`save_product`).
pub async fn upload_logo(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let product_id = id.into_inner();
    let (product, source) = edit_source(&state, user.id, product_id).await?;
    let page = PageCtx::new(&req, Some(&user), Section::VendorProducts);
    let t = page.t;
    let mut view = edit_form(page, product_id, product.kind, source);
    // Only the file matters here: an unreadable body has no file either.
    let post = read_edit_post(&req, payload).await.ok();
    let Some(post) = post.filter(|post| !post.logo.is_empty()) else {
        view.logo_errors.push(t.err_logo_missing.into());
        return render(StatusCode::BAD_REQUEST, &view);
    };
    let wants_autofit = post
        .fields
        .iter()
        .any(|(name, value)| (name == "action" || name == "step") && value == "autofit");
    match check_upload(&state, post.logo, wants_autofit, &mut view).await? {
        Some(accepted) => store_logo(&req, &user, &session, &state, product_id, accepted).await,
        None => {
            let status = if view.logo_errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            render(status, &view)
        }
    }
}

#[derive(Deserialize)]
pub struct AutofitForm {
    #[serde(default)]
    png: String,
}

/// Uses an auto-fitted logo sent on its own. The bytes come back from the
/// page, so they are checked against the rule again before being stored.
pub async fn confirm_autofit(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<AutofitForm>,
) -> AppResult<HttpResponse> {
    let product_id = id.into_inner();
    let (product, source) = edit_source(&state, user.id, product_id).await?;
    match check_png(&state, &form.png).await? {
        Ok(accepted) => store_logo(&req, &user, &session, &state, product_id, accepted).await,
        Err(problems) => {
            let page = PageCtx::new(&req, Some(&user), Section::VendorProducts);
            let t = page.t;
            let mut view = edit_form(page, product_id, product.kind, source);
            view.logo_errors = problems.iter().map(|p| logo_problem(t, p)).collect();
            render(StatusCode::BAD_REQUEST, &view)
        }
    }
}

/// Which product a step acts on, who acts, and what to say when it is done.
pub struct StepOn {
    pub product_id: i64,
    pub viewer: Viewer,
    pub done: fn(&Catalogue) -> &'static str,
}

impl StepOn {
    pub fn new(viewer: Viewer, product_id: i64, done: fn(&Catalogue) -> &'static str) -> StepOn {
        StepOn {
            product_id,
            viewer,
            done,
        }
    }
}

/// Runs a vendor's or operator's step on one product: back to the product page
/// with a notice when done, or the page with the refusal.
pub async fn product_step<F>(
    req: HttpRequest,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    on: StepOn,
    step: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut crate::db::DbConn, Actor) -> Result<(), StoreError> + Send + 'static,
{
    let actor = Actor { id: user.id };
    let outcome = state.db(move |conn| Ok(step(conn, actor))).await?;
    let t = crate::i18n::Lang::of_request(&req).catalogue();
    let StepOn {
        product_id,
        viewer,
        done,
    } = on;
    match outcome {
        Ok(()) => {
            set_flash(&session, done(t));
            let area = match viewer {
                Viewer::Vendor => "vendor",
                Viewer::Operator => "admin",
            };
            Ok(see_other(&format!("/{area}/products/{product_id}")))
        }
        Err(StoreError::Refused(refusal)) => {
            let message = refusal.message(t);
            let alert = Alert::refused(refusal_status(refusal), message);
            product_page(&req, &user, &state, product_id, viewer, alert).await
        }
        Err(other) => Err(AppError::from(other)),
    }
}

pub async fn submit_product(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let product_id = id.into_inner();
    product_step(
        req,
        user,
        session,
        state,
        StepOn::new(Viewer::Vendor, product_id, |t| t.review_submitted),
        move |conn, vendor| products::submit(conn, vendor, product_id, now),
    )
    .await
}

pub async fn withdraw_product(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let product_id = id.into_inner();
    if !confirm::is_confirmed(&form.confirmed) {
        let vendor_id = user.id;
        let pending = state
            .db(move |conn| {
                products::find_owned(conn, product_id, vendor_id)?.ok_or(AppError::NotFound)?;
                Ok(products::open_revision(conn, product_id)?)
            })
            .await?
            .filter(|r| r.state == RevisionState::Pending);
        let Some(pending) = pending else {
            let t = Lang::of_request(&req).catalogue();
            let alert = Alert::refused(
                StatusCode::CONFLICT,
                step_message(t, StepRefusal::WrongState),
            );
            return product_page(&req, &user, &state, product_id, Viewer::Vendor, alert).await;
        };
        let t = Lang::of_request(&req).catalogue();
        let number = format!("#{}", pending.number);
        let line = fill(
            t.confirm_withdraw,
            &[("name", &pending.name), ("number", &number)],
        );
        return confirm::ask(
            &req,
            &user,
            Section::VendorProducts,
            Confirmation {
                lines: vec![line],
                action: format!("/vendor/products/{product_id}/withdraw"),
                fields: Vec::new(),
                button: t.withdraw_review,
                back: format!("/vendor/products/{product_id}"),
                afterwards: t.confirm_can_resubmit,
            },
        );
    }
    product_step(
        req,
        user,
        session,
        state,
        StepOn::new(Viewer::Vendor, product_id, |t| t.review_withdrawn),
        move |conn, vendor| products::withdraw(conn, vendor, product_id, now),
    )
    .await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
    /// `yes` once the person saw what an irreversible step will do.
    #[serde(default)]
    pub confirmed: String,
}

pub async fn request_delist(
    req: HttpRequest,
    Vendor(user): Vendor,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<ReasonForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let product_id = id.into_inner();
    let reason = match check_reason(&form.reason) {
        Ok(reason) => reason,
        Err(problem) => {
            let t = crate::i18n::Lang::of_request(&req).catalogue();
            let message = reason_problem(t, problem);
            return product_page(
                &req,
                &user,
                &state,
                product_id,
                Viewer::Vendor,
                Alert::refused(StatusCode::BAD_REQUEST, message),
            )
            .await;
        }
    };
    product_step(
        req,
        user,
        session,
        state,
        StepOn::new(Viewer::Vendor, product_id, |t| t.delist_requested_done),
        move |conn, vendor| products::request_delist(conn, vendor, product_id, &reason, now),
    )
    .await
}
