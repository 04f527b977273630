//! The authorization matrix: every route of the router, for anonymous, two
//! buyers, two vendors and an operator, with ids that belong to the first
//! buyer and vendor. Refusals are 403, 404 or a redirect to sign in; allowed
//! pages work; foreign data never shows; a POST without its CSRF token changes
//! nothing.

mod common;

use common::shop::{buy, listed_product, plan};
use common::{TestApp, Visitor, spawn_app};
use reqwest::StatusCode;
use yunshi::domain::product::{Billing, Kind};
use yunshi::domain::settlement::Month;
use yunshi::routes::ROUTES;

/// The first buyer's and vendor's things, named in the routes' placeholders.
struct Owned {
    product: i64,
    revision: i64,
    delist_request: i64,
    refund_request: i64,
    ticket: i64,
    order_no: String,
    logo: String,
    account: i64,
    /// The last ended month, settled, with a line of vendor1's in it.
    month: String,
    statement: i64,
}

const SECRET: &str = "机密商品A";

async fn arrange(app: &TestApp) -> Owned {
    use diesel::prelude::*;
    use yunshi::db::schema::{delist_requests, logos, refund_requests, tickets};
    let (product, plans) = listed_product(
        app,
        "vendor1",
        Kind::Image,
        SECRET,
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    let (license, license_plans) = listed_product(
        app,
        "vendor1",
        Kind::License,
        "授权B",
        vec![plan(Billing::OneTime, "单用户", 30_000, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    let order_no = buy(&buyer, product, plans[0], "m1").await;
    let license_no = buy(&buyer, license, license_plans[0], "").await;
    buyer
        .post(
            &format!("/me/orders/{license_no}/refund-request"),
            &[("reason", "other"), ("description", "x")],
        )
        .await;
    let vendor = app.signed_in("vendor1").await;
    vendor
        .post(
            &format!("/vendor/products/{product}/delist-request"),
            &[("reason", "停售")],
        )
        .await;
    // A second revision in review, for the review routes.
    let form = [
        ("kind", "image"),
        ("name", SECRET),
        ("summary", "s"),
        ("description", "d"),
        ("category", "other"),
        ("image_id", "img-ab12cd34"),
        ("os", "Linux"),
        ("arch", "x86_64"),
        ("plan_billing_0", "prepaid"),
        ("plan_name_0", "标准版"),
        ("plan_price_0", "109"),
    ];
    vendor
        .post(&format!("/vendor/products/{product}/edit"), &form)
        .await;
    vendor
        .post(&format!("/vendor/products/{product}/submit"), &[])
        .await;
    let mut conn = app.conn();
    let month = settle_last_month(&mut conn, &order_no);
    let vendor1 = yunshi::db::accounts::find_by_login(&mut conn, "vendor1")
        .unwrap()
        .unwrap()
        .id;
    let statement = yunshi::db::settlements::find_for_vendor(&mut conn, vendor1, month)
        .unwrap()
        .unwrap()
        .id;
    Owned {
        month: month.to_string(),
        statement,
        product,
        revision: yunshi::db::products::open_revision(&mut conn, product)
            .unwrap()
            .unwrap()
            .id,
        delist_request: delist_requests::table
            .select(delist_requests::id)
            .first(&mut conn)
            .unwrap(),
        refund_request: refund_requests::table
            .select(refund_requests::id)
            .first(&mut conn)
            .unwrap(),
        ticket: tickets::table.select(tickets::id).first(&mut conn).unwrap(),
        order_no,
        logo: logos::table.select(logos::sha256).first(&mut conn).unwrap(),
        account: yunshi::db::accounts::find_by_login(&mut conn, "buyer2")
            .unwrap()
            .unwrap()
            .id,
    }
}

/// Moves the buyer's purchase into the last ended month and settles it, so
/// vendor1's statement names the secret product.
fn settle_last_month(conn: &mut yunshi::db::DbConn, order_no: &str) -> Month {
    use diesel::prelude::*;
    use yunshi::db::schema::orders;
    let now = common::shop::now();
    let month = Month::of(now).previous();
    diesel::update(orders::table.filter(orders::order_no.eq(order_no)))
        .set(orders::created_at.eq(month.start() + chrono::Duration::days(2)))
        .execute(conn)
        .unwrap();
    yunshi::db::settlements::settle_month(conn, month, now).unwrap();
    month
}

/// The route's path with its placeholders filled by the owned things.
fn fill(path: &str, owned: &Owned) -> String {
    let id = if path.starts_with("/admin/reviews") {
        owned.revision
    } else if path.starts_with("/admin/delist-requests") {
        owned.delist_request
    } else if path.starts_with("/admin/refunds") {
        owned.refund_request
    } else if path.starts_with("/admin/accounts") {
        owned.account
    } else if path.starts_with("/admin/settlements") {
        owned.statement
    } else if path.starts_with("/admin/vendors") {
        owned.account
    } else if path.contains("/supervision/") || path.starts_with("/me/services") {
        owned.ticket
    } else {
        owned.product
    };
    path.replace("{id}", &id.to_string())
        .replace("{order_no}", &owned.order_no)
        .replace("{sha}", &owned.logo)
        .replace("{action}", "confirm")
        .replace("{month}", &owned.month)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Buyer1,
    Buyer2,
    Vendor1,
    Vendor2,
    Operator,
}

/// Who a route is for: nobody in particular, any signed-in account, or one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    Public,
    SignedIn,
    Buyers,
    Vendors,
    Operators,
}

fn audience(path: &str) -> Audience {
    if path.starts_with("/vendor") {
        Audience::Vendors
    } else if path.starts_with("/admin") {
        Audience::Operators
    } else if path == "/me"
        || path.starts_with("/me/")
        || path.ends_with("/checkout")
        || path.ends_with("/orders")
    {
        Audience::Buyers
    } else if path.starts_with("/notifications") {
        Audience::SignedIn
    } else {
        Audience::Public
    }
}

/// Routes that name one account's own thing: another of the same role gets 404.
fn owned_by_one(path: &str) -> bool {
    (path.starts_with("/vendor/") || path.starts_with("/me/"))
        && (path.contains("{id}") || path.contains("{order_no}") || path.contains("{month}"))
}

fn role_of(who: Who) -> Option<Audience> {
    match who {
        Who::Anonymous => None,
        Who::Buyer1 | Who::Buyer2 => Some(Audience::Buyers),
        Who::Vendor1 | Who::Vendor2 => Some(Audience::Vendors),
        Who::Operator => Some(Audience::Operators),
    }
}

/// A snapshot of what a refused POST must not change.
fn snapshot(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use yunshi::db::schema::{
        accounts, delist_requests, orders, products, refund_requests, revisions, statements,
        tickets,
    };
    let mut conn = app.conn();
    let count = |n: i64| n.to_string();
    vec![
        count(orders::table.count().get_result(&mut conn).unwrap()),
        count(products::table.count().get_result(&mut conn).unwrap()),
        count(revisions::table.count().get_result(&mut conn).unwrap()),
        format!(
            "{:?}",
            products::table
                .select(products::listing)
                .load::<String>(&mut conn)
                .unwrap()
        ),
        format!(
            "{:?}",
            revisions::table
                .select(revisions::state)
                .load::<String>(&mut conn)
                .unwrap()
        ),
        format!(
            "{:?}",
            tickets::table
                .select(tickets::state)
                .load::<String>(&mut conn)
                .unwrap()
        ),
        format!(
            "{:?}",
            refund_requests::table
                .select(refund_requests::state)
                .load::<String>(&mut conn)
                .unwrap()
        ),
        format!(
            "{:?}",
            delist_requests::table
                .select(delist_requests::state)
                .load::<String>(&mut conn)
                .unwrap()
        ),
        format!(
            "{:?}",
            accounts::table
                .select(accounts::disabled_at)
                .load::<Option<chrono::NaiveDateTime>>(&mut conn)
                .unwrap()
        ),
        format!(
            "{:?}",
            orders::table
                .select(orders::status)
                .load::<String>(&mut conn)
                .unwrap()
        ),
        format!(
            "{:?}",
            statements::table
                .select((statements::state, statements::net_fen))
                .load::<(String, i64)>(&mut conn)
                .unwrap()
        ),
        format!(
            "{:?}",
            accounts::table
                .select(accounts::fee_bps)
                .load::<i32>(&mut conn)
                .unwrap()
        ),
    ]
}

#[actix_web::test]
async fn every_route_answers_each_role_as_it_should() {
    let app = spawn_app().await;
    let owned = arrange(&app).await;
    let before = snapshot(&app);
    let visitors: Vec<(Who, Visitor)> = vec![
        (Who::Anonymous, app.visitor()),
        (Who::Buyer1, app.signed_in("buyer1").await),
        (Who::Buyer2, app.signed_in("buyer2").await),
        (Who::Vendor1, app.signed_in("vendor1").await),
        (Who::Vendor2, app.signed_in("vendor2").await),
        (Who::Operator, app.signed_in("operator").await),
    ];
    assert!(ROUTES.len() >= 60, "the router lists its routes");
    for (method, pattern) in ROUTES {
        let path = fill(pattern, &owned);
        let audience = audience(pattern);
        for (who, visitor) in &visitors {
            let allowed = audience == Audience::Public
                || (audience == Audience::SignedIn && *who != Who::Anonymous)
                || role_of(*who) == Some(audience);
            let owner = matches!(who, Who::Buyer1 | Who::Vendor1 | Who::Operator);
            let context = format!("{method} {pattern} as {who:?}");
            if *method == "get" {
                let page = visitor.get(&path).await;
                assert!(page.status.as_u16() < 500, "{context}: {}", page.status);
                if !allowed {
                    if *who == Who::Anonymous {
                        assert_eq!(page.status, StatusCode::SEE_OTHER, "{context}");
                        assert!(
                            page.location().unwrap_or("").starts_with("/login?next="),
                            "{context}"
                        );
                    } else {
                        assert_eq!(page.status, StatusCode::FORBIDDEN, "{context}");
                    }
                } else if audience != Audience::Public && owned_by_one(pattern) && !owner {
                    assert_eq!(page.status, StatusCode::NOT_FOUND, "{context}");
                } else {
                    assert!(
                        page.status != StatusCode::FORBIDDEN
                            && page.status != StatusCode::NOT_FOUND,
                        "{context}: {}",
                        page.status
                    );
                }
                // Pages another vendor or buyer may open never show the first one's
                // things (refusal pages echo only the visitor's own URL).
                if matches!(who, Who::Vendor2 | Who::Buyer2)
                    && audience != Audience::Public
                    && page.status == StatusCode::OK
                {
                    page.assert_lacks(&owned.order_no);
                    if !pattern.starts_with("/shop") {
                        page.assert_lacks(SECRET);
                    }
                }
            } else {
                // Without its token: refused for everyone, before any handler runs.
                let forged = visitor
                    .post_raw(&path, &[("reason", "x"), ("amount", "1")])
                    .await;
                assert_eq!(
                    forged.status,
                    StatusCode::FORBIDDEN,
                    "{context} without CSRF"
                );
                // Allowed steps on one's own things are exercised by the feature tests.
                let foreign = owned_by_one(pattern) && !owner;
                if allowed && !foreign {
                    continue;
                }
                let page = visitor
                    .post(&path, &[("reason", "x"), ("amount", "1")])
                    .await;
                assert!(page.status.as_u16() < 500, "{context}: {}", page.status);
                if !allowed && *who == Who::Anonymous {
                    assert_eq!(page.status, StatusCode::SEE_OTHER, "{context}");
                } else if !allowed {
                    assert_eq!(page.status, StatusCode::FORBIDDEN, "{context}");
                } else {
                    assert!(page.status.is_client_error(), "{context}: {}", page.status);
                }
            }
        }
    }
    assert_eq!(snapshot(&app), before, "refused requests changed nothing");
}
