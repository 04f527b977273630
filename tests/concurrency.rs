//! Many clients at once on the same thing: each effect happens once, the
//! losers are told the state changed (409) or see the result, and nobody gets
//! a 5xx: no "database is locked" on SQLite, no serialization failure that
//! reaches the user on PostgreSQL.

mod common;

use common::shop::{buy, listed_product, plan, ticket_of};
use common::{Page, TestApp, Visitor, spawn_app};
use diesel::prelude::*;
use futures_util::future::join_all;
use reqwest::StatusCode;
use yunshi::domain::product::{Billing, Kind};

/// How many clients race for each thing.
const CLIENTS: usize = 16;

/// Sends the same form from `CLIENTS` copies of one signed-in visitor at once.
async fn race(visitor: &Visitor, path: &str, fields: &[(&str, &str)]) -> Vec<Page> {
    let token = visitor.csrf_token().await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    join_all((0..CLIENTS).map(|_| visitor.post_raw(path, &all))).await
}

/// No request failed on the server; exactly `winners` were redirects (done).
fn assert_outcomes(pages: &[Page], winners: usize, what: &str) {
    for page in pages {
        assert!(
            page.status.as_u16() < 500,
            "{what}: {} {}",
            page.status,
            page.body
        );
        assert!(
            page.status == StatusCode::SEE_OTHER || page.status == StatusCode::CONFLICT,
            "{what}: {} {}",
            page.status,
            page.body
        );
    }
    let done = pages
        .iter()
        .filter(|page| page.status == StatusCode::SEE_OTHER)
        .count();
    assert_eq!(done, winners, "{what}: successful requests");
}

fn count<T>(app: &TestApp, query: impl FnOnce(&mut yunshi::db::DbConn) -> QueryResult<T>) -> T {
    query(&mut app.conn()).unwrap()
}

#[actix_web::test]
async fn sixteen_clients_take_the_same_five_day_refund_once() {
    use yunshi::db::schema::orders;
    let app = spawn_app().await;
    let (product, plans) = listed_product(
        &app,
        "vendor1",
        Kind::Image,
        "CentOS 7.9",
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, product, plans[0], "m3").await;
    let confirmed = [("confirmed", "yes")];
    let pages = race(
        &buyer,
        &format!("/me/orders/{number}/five-day-refund"),
        &confirmed,
    )
    .await;
    assert_outcomes(&pages, 1, "five-day refund");
    let refunds: Vec<i64> = count(&app, |conn| {
        orders::table
            .filter(orders::order_type.eq("refund"))
            .select(orders::amount_fen)
            .load(conn)
    });
    assert_eq!(refunds, [29_700]);
    let refunded: i64 = count(&app, |conn| {
        orders::table
            .filter(orders::order_no.eq(&number))
            .select(orders::refunded_fen)
            .first(conn)
    });
    assert_eq!(refunded, 29_700);
}

#[actix_web::test]
async fn sixteen_operators_approve_the_same_revision_once() {
    use yunshi::db::schema::{product_events, revisions};
    let app = spawn_app().await;
    // A listed product whose new revision (a price change) waits for review.
    let (product, _) = listed_product(
        &app,
        "vendor1",
        Kind::Image,
        "CentOS 7.9",
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    let vendor = app.signed_in("vendor1").await;
    common::shop::submit_price_change(&vendor, product, "CentOS 7.9")
        .await
        .assert_redirect_to(&format!("/vendor/products/{product}"));
    let revision: i64 = count(&app, |conn| {
        revisions::table
            .filter(revisions::state.eq("pending"))
            .select(revisions::id)
            .first(conn)
    });
    let operator = app.signed_in("operator").await;
    let pages = race(
        &operator,
        &format!("/admin/reviews/{revision}/approve"),
        &[],
    )
    .await;
    assert_outcomes(&pages, 1, "approve");
    let approvals: i64 = count(&app, |conn| {
        product_events::table
            .filter(product_events::action.eq("approved"))
            .count()
            .get_result(conn)
    });
    // The listing's own approval, and this revision's once.
    assert_eq!(approvals, 2);
}

#[actix_web::test]
async fn sixteen_clients_accept_the_same_delivery_once() {
    use yunshi::db::schema::{ticket_events, tickets};
    let app = spawn_app().await;
    let (product, plans) = listed_product(
        &app,
        "vendor1",
        Kind::License,
        "授权",
        vec![plan(Billing::OneTime, "单用户", 30_000, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, product, plans[0], "").await;
    let ticket = ticket_of(&buyer, &number).await;
    let vendor = app.signed_in("vendor1").await;
    vendor
        .post(
            &format!("/vendor/supervision/{ticket}/deliver"),
            &[("delivery", "授权码已发送")],
        )
        .await
        .assert_redirect_to(&format!("/vendor/supervision/{ticket}"));
    let confirmed = [("confirmed", "yes")];
    let pages = race(&buyer, &format!("/me/services/{ticket}/accept"), &confirmed).await;
    assert_outcomes(&pages, 1, "accept");
    let accepted: i64 = count(&app, |conn| {
        ticket_events::table
            .filter(ticket_events::action.eq("accept"))
            .count()
            .get_result(conn)
    });
    assert_eq!(accepted, 1);
    let state: String = count(&app, |conn| {
        tickets::table
            .find(ticket)
            .select(tickets::state)
            .first(conn)
    });
    assert_eq!(state, "completed");
}

#[actix_web::test]
async fn buying_goes_on_while_a_month_is_settled_three_times_at_once() {
    use yunshi::db::schema::{orders, statements};
    let app = spawn_app().await;
    let (product, plans) = listed_product(
        &app,
        "vendor1",
        Kind::Image,
        "CentOS 7.9",
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    // Last month has one sale to settle.
    let buyer = app.signed_in("buyer1").await;
    let old = buy(&buyer, product, plans[0], "m1").await;
    let month = common::shop::move_into_last_month(&mut app.conn(), &old);

    let buyers = [app.signed_in("buyer1").await, app.signed_in("buyer2").await];
    let operator = app.signed_in("operator").await;
    let token = operator.csrf_token().await;
    let month_text = month.to_string();
    let settle_form = [
        ("csrf_token", token.as_str()),
        ("month", month_text.as_str()),
    ];
    let settles = (0..3).map(|_| operator.post_raw("/admin/settlements/generate", &settle_form));
    let plan_id = plans[0];
    let purchases = buyers.iter().flat_map(|buyer| {
        (0..8).map(move |_| async move { buy(buyer, product, plan_id, "m1").await })
    });
    let (bought, settled) = futures_util::join!(join_all(purchases), join_all(settles));
    assert_eq!(bought.len(), 16);
    for page in &settled {
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    let written: i64 = count(&app, |conn| orders::table.count().get_result(conn));
    assert_eq!(written, 17);
    let made: Vec<(i64, i64)> = count(&app, |conn| {
        statements::table
            .filter(statements::month.eq(&month_text))
            .select((statements::vendor_id, statements::gross_fen))
            .order(statements::vendor_id)
            .load(conn)
    });
    let vendor1 = common::shop::account_id(&app, "vendor1");
    assert!(made.contains(&(vendor1, 9900)), "{made:?}");
    let vendors: std::collections::HashSet<i64> = made.iter().map(|(v, _)| *v).collect();
    assert_eq!(vendors.len(), made.len(), "one statement per vendor");
}
