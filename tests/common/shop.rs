//! Shop helpers shared by the order and refund tests: listed products made
//! through the store, and buying through the checkout page like a person.

use reqwest::StatusCode;
use yunshi::db::products::{self, Actor, NewLogo};
use yunshi::db::{Pool, accounts};
use yunshi::domain::product::{Billing, Category, Kind, Plan, ProductContent};
use yunshi::domain::settlement::Month;

use super::{TestApp, Visitor};

pub fn account_id(app: &TestApp, login: &str) -> i64 {
    account_id_in(&app.pool, login)
}

pub fn account_id_in(pool: &Pool, login: &str) -> i64 {
    accounts::find_by_login(&mut pool.get().unwrap(), login)
        .unwrap()
        .unwrap()
        .id
}

/// The 10-digit user ID (用户ID) of a login.
pub fn account_uin(app: &TestApp, login: &str) -> i64 {
    accounts::find_by_login(&mut app.conn(), login)
        .unwrap()
        .unwrap()
        .uin
}

pub fn now() -> chrono::NaiveDateTime {
    yunshi::domain::time::to_stored(chrono::Utc::now())
}

/// A listed product of `vendor`, made through the store (the product pages are
/// tested elsewhere): returns its id and plan ids in form order.
pub fn listed_product(
    app: &TestApp,
    vendor: &str,
    kind: Kind,
    name: &str,
    plans: Vec<Plan>,
) -> (i64, Vec<i64>) {
    listed_product_in(&app.pool, vendor, kind, name, plans)
}

/// `listed_product` on any pool (a server the test started as a process).
pub fn listed_product_in(
    pool: &Pool,
    vendor: &str,
    kind: Kind,
    name: &str,
    plans: Vec<Plan>,
) -> (i64, Vec<i64>) {
    let vendor = Actor {
        id: account_id_in(pool, vendor),
    };
    let operator = Actor {
        id: account_id_in(pool, "operator"),
    };
    let mut conn = pool.get().unwrap();
    let content = ProductContent {
        kind,
        name: name.into(),
        summary: "summary".into(),
        description: "description".into(),
        category: Category::Other,
        image_id: (kind == Kind::Image).then(|| "img-ab12cd34".into()),
        os: (kind == Kind::Image).then(|| "Linux".into()),
        arch: (kind == Kind::Image).then(|| "x86_64".into()),
        delivery_days: (kind == Kind::Service).then_some(7),
        license_term: (kind == Kind::License).then(|| "1 year".into()),
        delivery_method: (kind == Kind::License).then(|| "email".into()),
        plans,
    };
    let id = products::create(&mut conn, vendor, &content, now()).unwrap();
    let logo = NewLogo {
        sha256: &format!("{id:064}"),
        content_type: "image/png",
        width: 240,
        height: 240,
        bytes: b"png",
    };
    products::attach_logo(&mut conn, vendor, id, &logo, now()).unwrap();
    products::submit(&mut conn, vendor, id, now()).unwrap();
    let revision = products::open_revision(&mut conn, id).unwrap().unwrap().id;
    products::approve(&mut conn, operator, revision, now()).unwrap();
    products::list(&mut conn, operator, id, now()).unwrap();
    let plan_ids = products::plans_of(&mut conn, revision)
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    (id, plan_ids)
}

pub fn plan(billing: Billing, name: &str, price_fen: i64, year_price_fen: Option<i64>) -> Plan {
    Plan {
        billing,
        name: name.into(),
        price_fen,
        year_price_fen,
    }
}

pub fn image_product(app: &TestApp) -> (i64, i64, i64) {
    let (id, plans) = listed_product(
        app,
        "vendor1",
        Kind::Image,
        "CentOS 7.9",
        vec![
            plan(Billing::Prepaid, "标准版", 9900, Some(99_000)),
            plan(Billing::Hourly, "按量", 110, None),
        ],
    );
    (id, plans[0], plans[1])
}

/// Buys through the checkout page like a person: reads the total it shows, pays it.
pub async fn buy(buyer: &Visitor, product: i64, plan: i64, term: &str) -> String {
    let checkout = buyer
        .get(&format!(
            "/shop/products/{product}/checkout?plan={plan}&term={term}"
        ))
        .await;
    assert_eq!(checkout.status, StatusCode::OK, "{}", checkout.body);
    let marker = "name=\"total_fen\" value=\"";
    let start = checkout.body.find(marker).unwrap() + marker.len();
    let total: String = checkout.body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let paid = buyer
        .post(
            &format!("/shop/products/{product}/orders"),
            &[
                ("plan", &plan.to_string()),
                ("term", term),
                ("total_fen", &total),
                ("checkout_key", &checkout_key(&checkout)),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    paid.location()
        .unwrap()
        .trim_start_matches("/me/orders/")
        .to_string()
}

/// The one-time key of a checkout page's form.
pub fn checkout_key(checkout: &super::Page) -> String {
    let marker = "name=\"checkout_key\" value=\"";
    let start = checkout.body.find(marker).expect("a checkout key") + marker.len();
    checkout.body[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

/// The service ticket of a buyer's order, from the link on the order page.
pub async fn ticket_of(buyer: &Visitor, order_no: &str) -> i64 {
    let order = buyer.get(&format!("/me/orders/{order_no}")).await;
    let marker = "href=\"/me/services/";
    let start = order.body.find(marker).expect("a ticket link") + marker.len();
    order.body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// Moves an order to the third day of last month (China time), so that month
/// has something to settle; returns the month.
pub fn move_into_last_month(conn: &mut yunshi::db::DbConn, order_no: &str) -> Month {
    use diesel::prelude::*;
    use yunshi::db::schema::orders;
    let month = Month::of(now()).previous();
    diesel::update(orders::table.filter(orders::order_no.eq(order_no)))
        .set(orders::created_at.eq(month.start() + chrono::Duration::days(2)))
        .execute(conn)
        .unwrap();
    // The order's history was rewritten behind the store's back: the
    // settlement ledger follows it as it follows every step.
    let id: i64 = orders::table
        .filter(orders::order_no.eq(order_no))
        .select(orders::id)
        .first(conn)
        .unwrap();
    yunshi::db::ledger::follow(conn, &[id], now()).unwrap();
    month
}

/// The product form of an image product named `name` with one prepaid
/// plan 标准版 at `price` as typed, for creating or editing one.
pub fn image_form<'a>(name: &'a str, price: &'a str) -> [(&'static str, &'a str); 11] {
    [
        ("kind", "image"),
        ("name", name),
        ("summary", "s"),
        ("description", "d"),
        ("category", "other"),
        ("image_id", "img-ab12cd34"),
        ("os", "Linux"),
        ("arch", "x86_64"),
        ("plan_billing_0", "prepaid"),
        ("plan_name_0", "标准版"),
        ("plan_price_0", price),
    ]
}

/// A new image product of the signed-in vendor, made through the form
/// (a draft with a ¥99 plan); its id.
pub async fn new_image_product(vendor: &Visitor, name: &str) -> i64 {
    let created = vendor
        .post("/vendor/products", &image_form(name, "99"))
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    created
        .location()
        .unwrap()
        .trim_start_matches("/vendor/products/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap()
}

/// The vendor edits a listed image product (the standard plan now ¥109) and
/// submits the edit, so a second revision waits for review.
pub async fn submit_price_change(vendor: &Visitor, product: i64, name: &str) -> super::Page {
    vendor
        .post(
            &format!("/vendor/products/{product}/edit"),
            &image_form(name, "109"),
        )
        .await;
    vendor
        .post(&format!("/vendor/products/{product}/submit"), &[])
        .await
}
