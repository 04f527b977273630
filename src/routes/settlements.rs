//! Settlement (结算): the vendor's statements, chart and running preview; the
//! operator's month view, generation, payment and fee rates; CSV of a statement.

use crate::domain::refusal::Refusal;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{CurrentUser, Operator, Vendor};
use crate::db::StoreError;
use crate::db::accounts;
use crate::db::settlements::{self, ShownLine, Statement};
use crate::domain::money::format_yuan;
use crate::domain::money::yuan_digits;
use crate::domain::settlement::{Month, Totals, parse_fee_percent};
use crate::domain::time::format_china;
use crate::error::{AppError, AppResult};
use crate::i18n::{Catalogue, Lang, fill};
use crate::state::AppState;
use crate::views::Alert;
use crate::views::confirm::{self, Confirmation};
use crate::views::csv::csv_line;
use crate::views::settlements::{
    AdminSettlementsPage, LINES_SHOWN, LineGroup, StatementPage, VendorSettlementsPage,
    net_by_month, net_chart,
};
use crate::views::{PageCtx, Section, render, see_other, set_flash, take_flash};

/// How many months the vendor's chart shows.
const CHART_MONTHS: usize = 12;

/// `/vendor/settlements`: statements, the chart of the last 12 ended months,
/// and this month so far.
pub async fn vendor_settlements(
    req: HttpRequest,
    Vendor(user): Vendor,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let vendor_id = user.id;
    let now = state.now();
    let (statements, preview) = state
        .db_heavy(move |conn| {
            Ok((
                settlements::for_vendor(conn, vendor_id)?,
                settlements::preview(conn, vendor_id, now, LINES_SHOWN)?,
            ))
        })
        .await?;
    let page = PageCtx::new(&req, Some(&user), Section::VendorSettlements);
    let last_ended = Month::of(now).previous();
    let chart = net_chart(
        &net_by_month(&statements, last_ended, CHART_MONTHS),
        Some((
            preview.month,
            preview.totals.net_fen + preview.carried_in_fen,
        )),
        page.t.settlement_chart_label,
        page.lang,
    );
    render(
        StatusCode::OK,
        &VendorSettlementsPage {
            page,
            statements,
            chart,
            preview_month: preview.month.to_string(),
            groups: preview.groups,
            preview_totals: preview.totals,
            preview_carried_in_fen: preview.carried_in_fen,
            fee_bps: preview.fee_bps,
        },
    )
}

/// A statement of the vendor's own, by month (another vendor's is not
/// there), with what `detail` loads of its lines.
async fn own_statement<T: Send + 'static>(
    state: &AppState,
    vendor_id: i64,
    month: &str,
    detail: fn(&mut crate::db::DbConn, i64) -> diesel::QueryResult<T>,
) -> AppResult<(Statement, T)> {
    let month = Month::parse(month).ok_or(AppError::NotFound)?;
    state
        .db(move |conn| {
            let Some(statement) = settlements::find_for_vendor(conn, vendor_id, month)? else {
                return Ok(None);
            };
            let lines = detail(conn, statement.id)?;
            Ok(Some((statement, lines)))
        })
        .await?
        .ok_or(AppError::NotFound)
}

/// The page shows each kind's first lines; the CSV has them all.
fn page_groups(conn: &mut crate::db::DbConn, id: i64) -> diesel::QueryResult<Vec<LineGroup>> {
    settlements::groups(conn, id, LINES_SHOWN)
}

pub async fn vendor_statement(
    req: HttpRequest,
    Vendor(user): Vendor,
    state: web::Data<AppState>,
    month: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (statement, groups) = own_statement(&state, user.id, &month, page_groups).await?;
    let csv_href = format!("/vendor/settlements/{}.csv", statement.month);
    statement_page(
        &req,
        &user,
        StatementShown {
            statement,
            groups,
            vendor_name: user.display_name.clone(),
            for_operator: false,
            csv_href,
        },
        Alert::ok(None),
        String::new(),
    )
}

pub async fn vendor_statement_csv(
    req: HttpRequest,
    Vendor(user): Vendor,
    state: web::Data<AppState>,
    month: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (statement, lines) = own_statement(&state, user.id, &month, settlements::lines).await?;
    Ok(statement_csv(&req, &statement, &lines))
}

/// A statement and what its page needs besides.
struct StatementShown {
    statement: Statement,
    groups: Vec<LineGroup>,
    vendor_name: String,
    for_operator: bool,
    csv_href: String,
}

fn statement_page(
    req: &HttpRequest,
    user: &CurrentUser,
    shown: StatementShown,
    alert: Alert,
    reference: String,
) -> AppResult<HttpResponse> {
    let section = if shown.for_operator {
        Section::AdminSettlements
    } else {
        Section::VendorSettlements
    };
    let back_href = if shown.for_operator {
        format!("/admin/settlements?month={}", shown.statement.month)
    } else {
        "/vendor/settlements".to_string()
    };
    render(
        alert.status,
        &StatementPage {
            page: PageCtx::new(req, Some(user), section),
            statement: shown.statement,
            vendor_name: shown.vendor_name,
            groups: shown.groups,
            for_operator: shown.for_operator,
            csv_href: shown.csv_href,
            back_href,
            notice: alert.notice,
            error: alert.error,
            reference,
        },
    )
}

/// The statement as CSV (UTF-8 with BOM): its lines, then gross, fee, what
/// was carried in from earlier statements (if anything) and net.
fn statement_csv(req: &HttpRequest, statement: &Statement, lines: &[ShownLine]) -> HttpResponse {
    let page = PageCtx::new(req, None, Section::None);
    let t = page.t;
    let mut text = String::from("\u{feff}");
    text.push_str(&csv_line(&[
        t.col_type_billing,
        t.col_order_no,
        t.col_product_name,
        t.col_buyer_uin,
        t.col_hours,
        t.col_paid,
        t.col_settled,
        t.col_note,
        t.col_time,
    ]));
    for shown in lines {
        let line = &shown.line;
        let billed = line.kind.is_billed();
        text.push_str(&csv_line(&[
            page.line_kind(&line.kind),
            &shown.order_no,
            &shown.product_name,
            &shown.buyer_uin.to_string(),
            &line.hours.to_string(),
            &yuan_digits(line.paid_fen),
            &if billed {
                yuan_digits(line.amount_fen)
            } else {
                String::new()
            },
            &page.line_note(shown),
            &format_china(line.at),
        ]));
    }
    let fee = format!("{} ({})", t.col_fee, page.fee_percent(&statement.fee_bps));
    let carried_in = (statement.carried_in_fen != 0)
        .then_some((t.statement_carried_in, statement.carried_in_fen));
    let totals = [
        Some((t.col_gross, statement.gross_fen)),
        Some((fee.as_str(), statement.fee_fen)),
        carried_in,
        Some((t.col_net, statement.net_fen)),
    ];
    for (label, fen) in totals.into_iter().flatten() {
        text.push_str(&csv_line(&[
            label,
            "",
            "",
            "",
            "",
            "",
            &yuan_digits(fen),
            "",
            "",
        ]));
    }
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"statement-{}.csv\"", statement.month),
        ))
        .body(text)
}

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
}

/// The operator's month view: that month's statements, the generate form and
/// the vendors' fee rates.
async fn admin_page(
    req: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    month: Option<Month>,
    alert: Alert,
    settle_value: Option<String>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let last_ended = Month::of(now).previous();
    let (month, statements, months, rates) = state
        .db(move |conn| {
            let months = settlements::months(conn)?;
            // The month asked for, else the newest settled, else the last ended.
            let month = month
                .or_else(|| months.first().and_then(|m| Month::parse(m)))
                .unwrap_or(last_ended);
            Ok((
                month,
                settlements::for_month(conn, month)?,
                months,
                settlements::vendor_rates(conn)?,
            ))
        })
        .await?;
    let totals = statements
        .iter()
        .fold(Totals::default(), |sum, item| Totals {
            gross_fen: sum.gross_fen + item.statement.gross_fen,
            fee_fen: sum.fee_fen + item.statement.fee_fen,
            net_fen: sum.net_fen + item.statement.net_fen,
        });
    let mut months = months;
    if !months.contains(&month.to_string()) {
        months.insert(0, month.to_string());
        months.sort_unstable_by(|a, b| b.cmp(a));
    }
    render(
        alert.status,
        &AdminSettlementsPage {
            page: PageCtx::new(req, Some(user), Section::AdminSettlements),
            month: month.to_string(),
            statements,
            months,
            rates,
            settle_value: settle_value.unwrap_or_else(|| last_ended.to_string()),
            notice: alert.notice,
            error: alert.error,
            totals,
        },
    )
}

pub async fn admin_settlements(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    query: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    let t = Lang::of_request(&req).catalogue();
    let notice = take_flash(&session);
    if query.month.trim().is_empty() {
        return admin_page(&req, &user, &state, None, Alert::ok(notice), None).await;
    }
    match Month::parse(&query.month) {
        Some(month) => admin_page(&req, &user, &state, Some(month), Alert::ok(notice), None).await,
        None => {
            let alert = Alert::refused(StatusCode::BAD_REQUEST, t.settle_bad_month);
            admin_page(&req, &user, &state, None, alert, None).await
        }
    }
}

#[derive(Deserialize)]
pub struct SettleForm {
    #[serde(default)]
    month: String,
}

/// Generates the statements of an ended month; those already made stay.
pub async fn generate(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<SettleForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let t = Lang::of_request(&req).catalogue();
    let typed = form.month.trim().to_string();
    let Some(month) = Month::parse(&typed) else {
        let alert = Alert::refused(StatusCode::BAD_REQUEST, t.settle_bad_month);
        return admin_page(&req, &user, &state, None, alert, Some(typed)).await;
    };
    // The month's statements are made on connections of their own, side by side.
    let pool = state.pool.clone();
    let outcome = web::block(move || {
        settlements::settle_month_on(&pool, month, now, crate::startup::SETTLE_WORKERS)
    })
    .await?;
    let label = month.to_string();
    match outcome {
        Ok(report) => {
            set_flash(
                &session,
                &fill(
                    t.settle_done,
                    &[
                        ("month", &label),
                        ("generated", &report.generated.to_string()),
                        ("already", &report.already.to_string()),
                    ],
                ),
            );
            Ok(see_other(&format!("/admin/settlements?month={label}")))
        }
        Err(StoreError::Refused(Refusal::MonthNotOver { .. })) => {
            let alert = Alert::refused(
                StatusCode::BAD_REQUEST,
                fill(t.settle_not_over, &[("month", &label)]),
            );
            admin_page(&req, &user, &state, None, alert, Some(typed)).await
        }
        Err(other) => Err(settle_error(other)),
    }
}

fn settle_error(error: StoreError) -> AppError {
    match error {
        StoreError::NotFound => AppError::NotFound,
        StoreError::Pool(_) => AppError::Unavailable,
        StoreError::Db(error) => error.into(),
        other => AppError::internal(other),
    }
}

/// A statement for the operator, by id, with its vendor's name.
async fn any_statement(state: &AppState, id: i64) -> AppResult<StatementShown> {
    state
        .db(move |conn| {
            let Some(statement) = settlements::find(conn, id)? else {
                return Ok(None);
            };
            let vendor_name = accounts::find_by_id(conn, statement.vendor_id)?
                .map(|a| a.display_name)
                .unwrap_or_default();
            Ok(Some(StatementShown {
                csv_href: format!("/admin/settlements/{id}.csv"),
                groups: page_groups(conn, id)?,
                statement,
                vendor_name,
                for_operator: true,
            }))
        })
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn admin_statement(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let shown = any_statement(&state, id.into_inner()).await?;
    let notice = take_flash(&session);
    statement_page(&req, &user, shown, Alert::ok(notice), String::new())
}

pub async fn admin_statement_csv(
    req: HttpRequest,
    Operator(_user): Operator,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let (statement, lines) = state
        .db(move |conn| {
            let Some(statement) = settlements::find(conn, id)? else {
                return Ok(None);
            };
            let lines = settlements::lines(conn, id)?;
            Ok(Some((statement, lines)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(statement_csv(&req, &statement, &lines))
}

#[derive(Deserialize)]
pub struct PayForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    confirmed: String,
}

/// The longest payment reference kept.
const MAX_REFERENCE: usize = 64;

fn check_reference(t: &Catalogue, text: &str) -> Result<String, String> {
    let reference = text.trim();
    if reference.is_empty() || reference.chars().count() > MAX_REFERENCE {
        Err(t.paid_reference_required.into())
    } else {
        Ok(reference.to_string())
    }
}

/// Marks a ready statement paid with the payment's reference.
pub async fn pay(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<PayForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let t = Lang::of_request(&req).catalogue();
    let id = id.into_inner();
    let refused = match check_reference(t, &form.reference) {
        Ok(reference) if !confirm::is_confirmed(&form.confirmed) => {
            let shown = any_statement(&state, id).await?;
            let statement = &shown.statement;
            if statement.is_payable() {
                let line = fill(
                    t.confirm_mark_paid,
                    &[
                        ("month", &statement.month),
                        ("vendor", &shown.vendor_name),
                        ("amount", &format_yuan(statement.net_fen)),
                        ("reference", &reference),
                    ],
                );
                return confirm::ask(
                    &req,
                    &user,
                    Section::AdminSettlements,
                    Confirmation {
                        lines: vec![line],
                        action: format!("/admin/settlements/{id}/pay"),
                        fields: vec![("reference", reference)],
                        button: t.mark_paid,
                        back: format!("/admin/settlements/{id}"),
                        afterwards: t.confirm_cannot_undo,
                    },
                );
            }
            let message = if !statement.is_paid() {
                t.statement_nothing_to_pay
            } else {
                t.statement_already_paid
            };
            Alert::refused(StatusCode::CONFLICT, message)
        }
        Ok(reference) => {
            let operator = user.id;
            let outcome = state
                .db(move |conn| Ok(settlements::mark_paid(conn, operator, id, &reference, now)))
                .await?;
            match outcome {
                Ok(_) => {
                    set_flash(&session, t.paid_done);
                    return Ok(see_other(&format!("/admin/settlements/{id}")));
                }
                Err(StoreError::Refused(Refusal::StatementPaid)) => {
                    Alert::refused(StatusCode::CONFLICT, t.statement_already_paid)
                }
                Err(StoreError::Refused(Refusal::NothingToPay)) => {
                    Alert::refused(StatusCode::CONFLICT, t.statement_nothing_to_pay)
                }
                Err(other) => return Err(settle_error(other)),
            }
        }
        Err(message) => Alert::refused(StatusCode::BAD_REQUEST, message),
    };
    let shown = any_statement(&state, id).await?;
    let typed = form.reference.chars().take(MAX_REFERENCE).collect();
    statement_page(&req, &user, shown, refused, typed)
}

#[derive(Deserialize)]
pub struct FeeForm {
    #[serde(default)]
    percent: String,
}

/// Sets a vendor's platform fee for statements made from now on.
pub async fn set_fee(
    req: HttpRequest,
    Operator(user): Operator,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<FeeForm>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let t = Lang::of_request(&req).catalogue();
    let Some(fee_bps) = parse_fee_percent(&form.percent) else {
        let alert = Alert::refused(StatusCode::BAD_REQUEST, t.fee_bad);
        return admin_page(&req, &user, &state, None, alert, None).await;
    };
    let operator = user.id;
    let vendor_id = id.into_inner();
    let outcome = state
        .db(move |conn| {
            Ok(settlements::set_fee(
                conn, operator, vendor_id, fee_bps, now,
            ))
        })
        .await?;
    match outcome {
        Ok(()) => {
            set_flash(&session, t.fee_saved);
            Ok(see_other("/admin/settlements"))
        }
        Err(other) => Err(settle_error(other)),
    }
}
