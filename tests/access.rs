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
    common::shop::submit_price_change(&vendor, product, SECRET).await;
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
    let month = common::shop::move_into_last_month(conn, order_no);
    yunshi::db::settlements::settle_month(conn, month, common::shop::now()).unwrap();
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
    } else if path.starts_with("/admin") || path == "/metrics" {
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
                    if *who == Who::Anonymous && *pattern == "/metrics" {
                        // A scraper is asked for its bearer token, not sent to a form.
                        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{context}");
                    } else if *who == Who::Anonymous {
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

/// Every field name any form of the app has.
const FIELDS: &[&str] = &[
    "name",
    "summary",
    "description",
    "category",
    "image_id",
    "os",
    "arch",
    "delivery_days",
    "license_term",
    "delivery_method",
    "plan_billing_0",
    "plan_name_0",
    "plan_price_0",
    "plan_year_price_0",
    "plan_billing_1",
    "plan_price_1",
    "reason",
    "note",
    "amount",
    "requirement",
    "contact",
    "delivery",
    "month",
    "percent",
    "reference",
    "login",
    "password",
    "password_confirm",
    "display_name",
    "role",
    "plan",
    "term",
    "total_fen",
    "checkout_key",
    "current_password",
    "new_password",
    "lang",
    "next",
    "action",
    "png",
    "kind",
];

/// Values a careless or hostile client sends.
fn hostile_values() -> Vec<String> {
    vec![
        String::new(),
        " ".into(),
        "<script>alert('x')</script>".into(),
        "\"'><img src=x onerror=alert(1)>".into(),
        "-1".into(),
        "99999999999999999999999999".into(),
        "1e309".into(),
        "NaN".into(),
        "0x10".into(),
        "２０２６-１３".into(),
        "9999-99".into(),
        "\u{0}\u{202e}\u{feff}😀".into(),
        "x".repeat(20_000),
        "../../etc/passwd".into(),
        "'; DROP TABLE orders; --".into(),
    ]
}

/// The signed-in visitor a route is meant for (the first buyer or vendor, or
/// the operator); public routes get a fresh visitor each time, since some of
/// them sign in or out.
async fn visitor_for(app: &TestApp, pattern: &str, by_role: &[(Audience, Visitor)]) -> Visitor {
    let audience = audience(pattern);
    match by_role.iter().find(|(role, _)| *role == audience) {
        Some((_, visitor)) => visitor.clone(),
        None => {
            let visitor = app.visitor();
            visitor.get("/login").await;
            visitor
        }
    }
}

#[actix_web::test]
async fn malformed_and_hostile_requests_never_get_a_server_error() {
    let app = spawn_app().await;
    let owned = arrange(&app).await;
    let by_role = [
        (Audience::Buyers, app.signed_in("buyer1").await),
        (Audience::Vendors, app.signed_in("vendor1").await),
        (Audience::Operators, app.signed_in("operator").await),
        (Audience::SignedIn, app.signed_in("buyer2").await),
    ];
    let values = hostile_values();
    for (method, pattern) in ROUTES {
        let path = fill(pattern, &owned);
        if *method == "get" {
            // Every query parameter any page reads, with every hostile value.
            let visitor = visitor_for(&app, pattern, &by_role).await;
            // Every placeholder of the path hostile too (a NUL, a quote, a tag).
            if pattern.contains('{') {
                for value in ["x%00y", "%27%22%3Cb%3E", "99999999999999999999999"] {
                    let mut hostile = pattern.to_string();
                    for placeholder in ["{id}", "{order_no}", "{sha}", "{month}", "{action}"] {
                        hostile = hostile.replace(placeholder, value);
                    }
                    let visitor = visitor_for(&app, pattern, &by_role).await;
                    let page = visitor.get(&hostile).await;
                    assert!(
                        page.status.is_client_error(),
                        "GET {hostile}: {}",
                        page.status
                    );
                }
            }
            // URLs have a length limit of their own; a long value is 2 000 characters here.
            for value in values.iter().map(|value| &value[..value.len().min(2000)]) {
                let query = serde_urlencoded::to_string(
                    [
                        "buyer_uin",
                        "order_no",
                        "type",
                        "billing",
                        "status",
                        "product",
                        "vendor",
                        "from",
                        "to",
                        "month",
                        "state",
                        "template",
                        "after",
                        "before",
                        "plan",
                        "term",
                        "q",
                        "kind",
                        "listing",
                        "category",
                        "role",
                        "next",
                    ]
                    .map(|key| (key, value)),
                )
                .unwrap();
                let page = visitor.get(&format!("{path}?{query}")).await;
                assert!(
                    page.status.as_u16() < 500,
                    "GET {pattern} with {value:?}: {}",
                    page.status
                );
            }
            continue;
        }
        let visitor = visitor_for(&app, pattern, &by_role).await;
        let token = visitor.csrf_token().await;
        let context = format!("POST {pattern}");
        // Nothing but the token.
        let empty = visitor.post_raw(&path, &[("csrf_token", &token)]).await;
        assert!(
            empty.status.as_u16() < 500,
            "{context} empty: {}",
            empty.status
        );
        // Every field, each hostile value in turn.
        for value in &values {
            let mut fields = vec![("csrf_token", token.as_str())];
            fields.extend(FIELDS.iter().map(|field| (*field, value.as_str())));
            let page = visitor.post_raw(&path, &fields).await;
            assert!(
                page.status.as_u16() < 500,
                "{context} with {:?}: {}",
                value.chars().take(40).collect::<String>(),
                page.status
            );
        }
        // Bytes that are not UTF-8, percent-encoded and raw.
        let not_utf8 = format!("csrf_token={token}&name=%FF%FE&reason=%C3%28&amount=%80");
        let page = visitor
            .post_bytes(
                &path,
                "application/x-www-form-urlencoded",
                not_utf8.into_bytes(),
            )
            .await;
        assert!(
            page.status.as_u16() < 500,
            "{context} not UTF-8: {}",
            page.status
        );
        let mut raw = format!("csrf_token={token}&reason=").into_bytes();
        raw.extend_from_slice(&[0xff, 0xfe, 0x00, 0xc3]);
        let page = visitor
            .post_bytes(&path, "application/x-www-form-urlencoded", raw)
            .await;
        assert!(
            page.status.as_u16() < 500,
            "{context} raw bytes: {}",
            page.status
        );
        // A body that is not what it claims, and a content type nobody sends.
        for (content_type, body) in [
            (
                "multipart/form-data; boundary=x",
                b"--x\r\nnot a part".to_vec(),
            ),
            ("multipart/form-data", b"no boundary".to_vec()),
            ("application/json", b"{\"csrf_token\": 1}".to_vec()),
            ("application/x-www-form-urlencoded", b"%%%&&&===".to_vec()),
        ] {
            let page = visitor.post_bytes(&path, content_type, body).await;
            assert!(
                page.status.is_client_error(),
                "{context} as {content_type}: {}",
                page.status
            );
        }
    }
}

#[actix_web::test]
async fn hostile_text_is_kept_as_typed_and_always_shown_escaped() {
    let app = spawn_app().await;
    let script = "<script>alert(\"x\")</script>";
    let vendor = app.signed_in("vendor1").await;
    let created = vendor
        .post(
            "/vendor/products",
            &[
                ("kind", "service"),
                ("name", &format!("建站{script}")),
                ("summary", "'\"><img src=x onerror=alert(1)>"),
                ("description", script),
                ("category", "other"),
                ("delivery_days", "7"),
                ("plan_billing_0", "onetime"),
                ("plan_name_0", "基础<b>版</b>"),
                ("plan_price_0", "500"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let product = created
        .location()
        .unwrap()
        .trim_start_matches("/vendor/products/")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let page = vendor.get(&format!("/vendor/products/{product}")).await;
    page.assert_contains("建站&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;");
    page.assert_contains("&#39;&#34;&#62;&#60;img src=x onerror=alert(1)&#62;");
    page.assert_contains("基础&#60;b&#62;版&#60;/b&#62;");
    page.assert_lacks(script);
    page.assert_lacks("<img src=x");
    // Stored exactly as typed.
    {
        use diesel::prelude::*;
        use yunshi::db::schema::revisions;
        let names: Vec<String> = revisions::table
            .select(revisions::name)
            .load(&mut app.conn())
            .unwrap();
        assert_eq!(names, [format!("建站{script}")]);
    }
    // A search term comes back escaped in its field and nowhere raw.
    let search = vendor
        .get(&format!(
            "/vendor/orders?order_no={}",
            serde_urlencoded::to_string([("", script)])
                .unwrap()
                .trim_start_matches('=')
        ))
        .await;
    search.assert_lacks(script);
    search.assert_contains("&#60;script&#62;");
    // A NUL character is refused with a message, on both databases alike.
    let nul = vendor
        .post(
            &format!("/vendor/products/{product}/edit"),
            &[("name", "a\0b")],
        )
        .await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST);
    nul.assert_contains("输入内容不能包含空字符（NUL）");
}
