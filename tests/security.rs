//! The attacks of the security review, each one through HTTP on the backend
//! the suite runs on: throttles under concurrency, sessions that end for
//! real, password changes, one-time checkout keys, strict amounts, and the
//! smaller holes (upload sizes, cookies).

mod common;

use common::shop::{account_id, buy, checkout_key, image_product, listed_product, plan};
use common::{PASSWORD, Page, TestApp, Visitor, spawn_app};
use diesel::prelude::*;
use futures_util::future::join_all;
use reqwest::StatusCode;
use yunshi::db::schema::{accounts, orders, sessions};
use yunshi::domain::product::{Billing, Kind};

/// The session cookie (`name=value`) a response sets.
fn session_cookie(page: &Page) -> String {
    page.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("yunshi_session="))
        .and_then(|value| value.split(';').next())
        .expect("a session cookie")
        .to_string()
}

/// A client that replays a saved cookie and never takes a new one, as an
/// attacker holding a copy would.
fn replaying(app: &TestApp, cookie: &str) -> Visitor {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", cookie.parse().unwrap());
    Visitor {
        base: app.address.clone(),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap(),
    }
}

/// Signs in and returns the visitor and a copy of its session cookie.
async fn signed_in_with_copy(app: &TestApp, login: &str, password: &str) -> (Visitor, String) {
    let visitor = app.visitor();
    let page = visitor.sign_in(login, password).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    (visitor, session_cookie(&page))
}

fn product_count(app: &TestApp) -> i64 {
    use yunshi::db::schema::products;
    products::table.count().get_result(&mut app.conn()).unwrap()
}

/// A saved cookie can neither read nor write once its session ended.
async fn assert_cookie_is_dead(app: &TestApp, cookie: &str, token: &str) {
    let replay = replaying(app, cookie);
    replay
        .get("/vendor")
        .await
        .assert_redirect_to("/login?next=/vendor");
    let before = product_count(app);
    let write = replay
        .post_raw(
            "/vendor/products",
            &[("csrf_token", token), ("kind", "image"), ("name", "x")],
        )
        .await;
    assert!(
        write.status == StatusCode::SEE_OTHER
            && write.location().is_some_and(|l| l.starts_with("/login")),
        "{} {:?}",
        write.status,
        write.location()
    );
    assert_eq!(product_count(app), before, "nothing was written");
}

#[actix_web::test]
async fn simultaneous_wrong_passwords_are_checked_at_most_the_limit() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let token = visitor.get("/login").await.csrf_token();
    let attempt = |password: &'static str| {
        let (visitor, token) = (visitor.clone(), token.clone());
        async move {
            visitor
                .post_raw(
                    "/login",
                    &[
                        ("csrf_token", &token),
                        ("login", "vendor1"),
                        ("password", password),
                    ],
                )
                .await
                .status
        }
    };
    let answers = join_all((0..40).map(|_| attempt("wrong password"))).await;
    let checked = answers
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked, 10, "{answers:?}");
    assert_eq!(throttled, 30, "{answers:?}");
    // The right password after the burst is refused too.
    assert_eq!(attempt(PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
}

#[actix_web::test]
async fn a_right_password_in_a_burst_signs_in_and_does_not_count() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    for _ in 0..9 {
        let page = visitor.sign_in("vendor1", "wrong password").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    // The tenth attempt is the right one: it signs in and gives its
    // reservation back, so one more wrong attempt is still checked.
    visitor
        .sign_in("vendor1", PASSWORD)
        .await
        .assert_redirect_to("/vendor");
    let other = app.visitor();
    assert_eq!(
        other.sign_in("vendor1", "wrong").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        other.sign_in("vendor1", "wrong").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Posts the sign-up form for `login` with a good password and the given
/// CSRF token (so that many can be sent at once).
async fn sign_up_with(visitor: &Visitor, token: &str, login: &str) -> Page {
    visitor
        .post_raw(
            "/signup",
            &[
                ("csrf_token", token),
                ("login", login),
                ("display_name", ""),
                ("password", "long enough"),
                ("password_confirm", "long enough"),
            ],
        )
        .await
}

#[actix_web::test]
async fn simultaneous_sign_ups_from_one_address_make_at_most_five_accounts() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let token = visitor.get("/signup").await.csrf_token();
    let logins: Vec<String> = (0..20).map(|n| format!("rush_{n}")).collect();
    let answers: Vec<StatusCode> = join_all(
        logins
            .iter()
            .map(|login| sign_up_with(&visitor, &token, login)),
    )
    .await
    .into_iter()
    .map(|page| page.status)
    .collect();
    let created: i64 = accounts::table
        .filter(accounts::login.like("rush_%"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(created, 5, "{answers:?}");
    assert_eq!(
        answers
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        15,
        "{answers:?}"
    );
}

#[actix_web::test]
async fn signing_in_again_in_the_same_browser_ends_the_session_it_held() {
    let app = spawn_app().await;
    let id = account_id(&app, "buyer1");
    let (visitor, first) = signed_in_with_copy(&app, "buyer1", PASSWORD).await;
    // Signed in, /login sends the visitor home; the form is posted anyway
    // (a second tab, a bookmark of the form's target).
    visitor
        .post("/login", &[("login", "buyer1"), ("password", PASSWORD)])
        .await
        .assert_redirect_to("/me");
    let rows: i64 = sessions::table
        .filter(sessions::account_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(rows, 1);
    let replay = replaying(&app, &first);
    replay
        .get("/me")
        .await
        .assert_redirect_to("/login?next=/me");
}

#[actix_web::test]
async fn sign_ups_of_a_taken_login_count_and_hash_nothing() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let token = visitor.get("/signup").await.csrf_token();
    for _ in 0..5 {
        let taken = sign_up_with(&visitor, &token, "buyer1").await;
        assert_eq!(taken.status, StatusCode::BAD_REQUEST);
        taken.assert_contains("该登录名已被使用");
    }
    assert_eq!(
        sign_up_with(&visitor, &token, "fresh_login").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[actix_web::test]
async fn a_saved_cookie_is_dead_after_sign_out() {
    let app = spawn_app().await;
    let (visitor, cookie) = signed_in_with_copy(&app, "vendor1", PASSWORD).await;
    let token = visitor.get("/vendor").await.csrf_token();
    // The copy works while the session lives.
    assert_eq!(
        replaying(&app, &cookie).get("/vendor").await.status,
        StatusCode::OK
    );
    visitor
        .post("/logout", &[])
        .await
        .assert_redirect_to("/login");
    assert_cookie_is_dead(&app, &cookie, &token).await;
}

#[actix_web::test]
async fn disabling_ends_sessions_and_enabling_brings_none_back() {
    let app = spawn_app().await;
    let (vendor, cookie) = signed_in_with_copy(&app, "vendor1", PASSWORD).await;
    let token = vendor.get("/vendor").await.csrf_token();
    let operator = app.signed_in("operator").await;
    let id = account_id(&app, "vendor1");
    operator
        .confirm(&format!("/admin/accounts/{id}/disable"), &[])
        .await
        .assert_redirect_to("/admin/accounts");
    let left: i64 = sessions::table
        .filter(sessions::account_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(left, 0, "the account's sessions are deleted");
    operator
        .post(&format!("/admin/accounts/{id}/enable"), &[])
        .await
        .assert_redirect_to("/admin/accounts");
    assert_cookie_is_dead(&app, &cookie, &token).await;
    // Signing in again works as usual.
    app.signed_in("vendor1").await;
}

#[actix_web::test]
async fn idle_and_old_sessions_end() {
    let app = spawn_app().await;
    let id = account_id(&app, "buyer1");
    let (idle, _) = signed_in_with_copy(&app, "buyer1", PASSWORD).await;
    assert_eq!(idle.get("/me").await.status, StatusCode::OK);
    let now = common::shop::now();
    diesel::update(sessions::table.filter(sessions::account_id.eq(id)))
        .set(sessions::last_seen_at.eq(now - chrono::Duration::hours(8)))
        .execute(&mut app.conn())
        .unwrap();
    idle.get("/me").await.assert_redirect_to("/login?next=/me");

    let (busy, _) = signed_in_with_copy(&app, "buyer1", PASSWORD).await;
    assert_eq!(busy.get("/me").await.status, StatusCode::OK);
    diesel::update(sessions::table.filter(sessions::account_id.eq(id)))
        .set(sessions::created_at.eq(now - chrono::Duration::days(7)))
        .execute(&mut app.conn())
        .unwrap();
    busy.get("/me").await.assert_redirect_to("/login?next=/me");
    let left: i64 = sessions::table
        .filter(sessions::account_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(left, 0, "ended sessions are deleted when met");
}

#[actix_web::test]
async fn changing_the_password_ends_every_session_and_signs_this_one_in_anew() {
    let app = spawn_app().await;
    let (laptop, laptop_cookie) = signed_in_with_copy(&app, "vendor1", PASSWORD).await;
    let laptop_token = laptop.get("/vendor").await.csrf_token();
    let (phone, phone_cookie) = signed_in_with_copy(&app, "vendor1", PASSWORD).await;
    let phone_token = phone.get("/vendor").await.csrf_token();
    let form = laptop.get("/account/password").await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("当前密码");
    let wrong = laptop
        .post(
            "/account/password",
            &[
                ("current_password", "not it"),
                ("new_password", "a new secret"),
                ("password_confirm", "a new secret"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    wrong.assert_contains("当前密码不正确。");
    let differ = laptop
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a new secret"),
                ("password_confirm", "another one"),
            ],
        )
        .await;
    assert_eq!(differ.status, StatusCode::BAD_REQUEST);
    laptop
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a new secret"),
                ("password_confirm", "a new secret"),
            ],
        )
        .await
        .assert_redirect_to("/account/password");
    laptop
        .get("/account/password")
        .await
        .assert_contains("密码已修改");
    // This browser goes on, in a new session; a copy of its old cookie
    // (the usual reason to change a password) is dead like the others.
    assert_eq!(laptop.get("/vendor").await.status, StatusCode::OK);
    assert_cookie_is_dead(&app, &phone_cookie, &phone_token).await;
    assert_cookie_is_dead(&app, &laptop_cookie, &laptop_token).await;
    assert_eq!(
        app.visitor().sign_in("vendor1", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.visitor()
        .sign_in("vendor1", "a new secret")
        .await
        .assert_redirect_to("/vendor");
}

#[actix_web::test]
async fn an_operator_resets_a_locked_out_password_and_ends_its_sessions() {
    let app = spawn_app().await;
    let (vendor, cookie) = signed_in_with_copy(&app, "vendor2", PASSWORD).await;
    let token = vendor.get("/vendor").await.csrf_token();
    let operator = app.signed_in("operator").await;
    let id = account_id(&app, "vendor2");
    let own = account_id(&app, "operator");
    operator
        .get("/admin/accounts")
        .await
        .assert_contains(&format!("href=\"/admin/accounts/{id}/password\""));
    let form = operator
        .get(&format!("/admin/accounts/{id}/password"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("重设 vendor2 的密码");
    let short = operator
        .post(
            &format!("/admin/accounts/{id}/password"),
            &[("new_password", "short"), ("password_confirm", "short")],
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    operator
        .post(
            &format!("/admin/accounts/{id}/password"),
            &[
                ("new_password", "given by phone"),
                ("password_confirm", "given by phone"),
            ],
        )
        .await
        .assert_redirect_to("/admin/accounts");
    assert_cookie_is_dead(&app, &cookie, &token).await;
    app.visitor()
        .sign_in("vendor2", "given by phone")
        .await
        .assert_redirect_to("/vendor");
    operator
        .get("/admin/audit")
        .await
        .assert_contains("重设密码");
    // Not their own (that is 修改密码, with the current password), and not
    // for anyone but operators.
    assert_eq!(
        operator
            .get(&format!("/admin/accounts/{own}/password"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let other_vendor = app.signed_in("vendor1").await;
    assert_eq!(
        other_vendor
            .get(&format!("/admin/accounts/{id}/password"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

fn order_count(app: &TestApp) -> i64 {
    orders::table.count().get_result(&mut app.conn()).unwrap()
}

#[actix_web::test]
async fn a_checkout_submitted_many_times_at_once_pays_once() {
    let app = spawn_app().await;
    let (product, prepaid, _) = image_product(&app);
    let buyer = app.signed_in("buyer1").await;
    let checkout = buyer
        .get(&format!(
            "/shop/products/{product}/checkout?plan={prepaid}&term=m1"
        ))
        .await;
    let key = checkout_key(&checkout);
    let token = checkout.csrf_token();
    let fields = [
        ("csrf_token", token.as_str()),
        ("plan", &prepaid.to_string()),
        ("term", "m1"),
        ("total_fen", "9900"),
        ("checkout_key", &key),
    ]
    .map(|(name, value)| (name, value.to_string()));
    let path = format!("/shop/products/{product}/orders");
    let answers = join_all((0..20).map(|_| {
        let (buyer, fields, path) = (buyer.clone(), fields.clone(), path.clone());
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
            buyer.post_raw(&path, &fields).await
        }
    }))
    .await;
    assert_eq!(order_count(&app), 1);
    let first = answers[0].location().expect("a redirect").to_string();
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        assert_eq!(answer.location(), Some(first.as_str()), "the same order");
    }
    // Submitted again later (the back button): the first order, alert so.
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    buyer
        .post_raw(&path, &fields)
        .await
        .assert_redirect_to(&first);
    buyer
        .get(&first)
        .await
        .assert_contains("这次结算已经付过款");
    assert_eq!(order_count(&app), 1);
    // Without a key from a checkout page, nothing is paid.
    let keyless = buyer
        .post(
            &path,
            &[
                ("plan", &prepaid.to_string()),
                ("term", "m1"),
                ("total_fen", "9900"),
            ],
        )
        .await;
    assert_eq!(keyless.status, StatusCode::BAD_REQUEST);
    keyless.assert_contains("结算页已失效");
    // Another buyer replaying the key pays nothing and sees nothing of it.
    let stranger = app.signed_in("buyer2").await;
    let replayed = stranger
        .post(
            &path,
            &[
                ("plan", &prepaid.to_string()),
                ("term", "m1"),
                ("total_fen", "9900"),
                ("checkout_key", &key),
            ],
        )
        .await;
    assert_eq!(replayed.status, StatusCode::CONFLICT);
    assert_eq!(order_count(&app), 1);
    // Reopened (the back button fetches the page anew, with a new key), the
    // checkout says the same order was just paid, and links to it.
    let reopened = buyer
        .get(&format!(
            "/shop/products/{product}/checkout?plan={prepaid}&term=m1"
        ))
        .await;
    reopened.assert_contains("已为同一商品和规格付过款");
    reopened.assert_contains(&format!("href=\"{first}\""));
    assert_ne!(checkout_key(&reopened), key);
}

#[actix_web::test]
async fn a_renewal_submitted_twice_renews_once_and_racing_renewals_lose_with_409() {
    let app = spawn_app().await;
    let (product, prepaid, _) = image_product(&app);
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, product, prepaid, "m1").await;
    let checkout = buyer
        .get(&format!("/me/orders/{number}/renew?term=m1"))
        .await;
    let key = checkout_key(&checkout);
    let path = format!("/me/orders/{number}/renew");
    let same = [
        ("term", "m1"),
        ("total_fen", "9900"),
        ("checkout_key", &key),
    ];
    let token = buyer.csrf_token().await;
    let mut with_token = vec![("csrf_token", token.as_str())];
    with_token.extend_from_slice(&same);
    let answers = join_all((0..10).map(|_| buyer.post_raw(&path, &with_token))).await;
    assert_eq!(order_count(&app), 2, "the purchase and one renewal");
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    }
    // Ten different checkouts at once: each renews or is told the state
    // changed (409), never "cannot renew".
    let keys: Vec<String> = (0..10)
        .map(|_| yunshi::db::orders::new_checkout_key())
        .collect();
    let answers = join_all(keys.iter().map(|key| {
        let fields = vec![
            ("csrf_token", token.as_str()),
            ("term", "m1"),
            ("total_fen", "9900"),
            ("checkout_key", key.as_str()),
        ];
        let (buyer, path) = (buyer.clone(), path.clone());
        async move { buyer.post_raw(&path, &fields).await }
    }))
    .await;
    let renewed = answers
        .iter()
        .filter(|a| a.status == StatusCode::SEE_OTHER)
        .count();
    for answer in &answers {
        assert!(
            answer.status == StatusCode::SEE_OTHER || answer.status == StatusCode::CONFLICT,
            "{} {}",
            answer.status,
            answer.body
        );
    }
    assert!(renewed >= 1);
    assert_eq!(order_count(&app), 2 + renewed as i64);
    // The renewal checkout, reopened, says a renewal was just paid.
    buyer
        .get(&format!("/me/orders/{number}/renew?term=m1"))
        .await
        .assert_contains("已为同一商品和规格付过款");
}

#[actix_web::test]
async fn amounts_with_commas_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let (license, plans) = listed_product(
        &app,
        "vendor1",
        Kind::License,
        "Office",
        vec![plan(Billing::OneTime, "单用户", 30_000, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, license, plans[0], "").await;
    buyer
        .post(
            &format!("/me/orders/{number}/refund-request"),
            &[("reason", "not_as_described"), ("description", "x")],
        )
        .await
        .assert_redirect_to(&format!("/me/orders/{number}"));
    let id: i64 = {
        use yunshi::db::schema::refund_requests;
        refund_requests::table
            .select(refund_requests::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let operator = app.signed_in("operator").await;
    for typed in ["1,0", "0,99", "1 0", "１，０"] {
        let refused = operator
            .confirm(&format!("/admin/refunds/{id}/refund"), &[("amount", typed)])
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{typed}");
        refused.assert_contains("退款金额：金额只能包含数字和一个小数点");
    }
    let refunded: i64 = orders::table
        .filter(orders::order_no.eq(&number))
        .select(orders::refunded_fen)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(refunded, 0, "nothing was refunded");
    // Full-width digits are digits.
    operator
        .confirm(
            &format!("/admin/refunds/{id}/refund"),
            &[("amount", "１０")],
        )
        .await
        .assert_redirect_to("/admin/refunds");
    let refunded: i64 = orders::table
        .filter(orders::order_no.eq(&number))
        .select(orders::refunded_fen)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(refunded, 1000);

    // A plan price of 0,99 is not ¥99.
    let (image, _, _) = image_product(&app);
    let vendor = app.signed_in("vendor1").await;
    let refused = vendor
        .post(
            &format!("/vendor/products/{image}/edit"),
            &common::shop::image_form("CentOS 7.9", "0,99"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_contains("金额只能包含数字和一个小数点");
}

/// A valid logo padded with trailing bytes to `size`: PNG decoders stop at
/// the image's end, so only the file size differs.
fn logo_of_size(size: usize) -> Vec<u8> {
    let mut bytes = std::fs::read(common::logo_fixtures().join("valid_logo.png")).unwrap();
    assert!(bytes.len() < size);
    bytes.resize(size, 0);
    bytes
}

#[actix_web::test]
async fn a_logo_of_exactly_2_mib_is_checked_and_a_bigger_one_is_told_its_size() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = common::shop::new_image_product(&vendor, "Logo test").await;
    let path = format!("/vendor/products/{id}/logo");
    let exact = vendor
        .post_file(&path, "logo", "logo.png", &logo_of_size(2 * 1024 * 1024))
        .await;
    assert_eq!(exact.status, StatusCode::SEE_OTHER, "{}", exact.body);
    for size in [2 * 1024 * 1024 + 1, 2_097_089 + 60_000] {
        let over = vendor
            .post_file(&path, "logo", "logo.png", &logo_of_size(size))
            .await;
        assert_eq!(over.status, StatusCode::BAD_REQUEST, "{size}");
        over.assert_contains("超过 2 MiB（2097152 字节）上限");
        over.assert_lacks("请选择要上传的图片文件");
    }
}

#[actix_web::test]
async fn over_https_the_language_cookie_is_secure_too() {
    let app = common::spawn_app_over_https().await;
    // The test speaks plain http, so it carries the Secure cookie itself.
    let login = app.visitor().get("/login").await;
    let session = session_cookie(&login);
    session_cookie_is_secure(&login);
    let token = login.csrf_token();
    let switched = replaying(&app, &session)
        .post_raw(
            "/lang",
            &[("csrf_token", &token), ("lang", "en"), ("next", "/login")],
        )
        .await;
    let cookie = switched
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("lang="))
        .expect("a language cookie")
        .to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
}

fn session_cookie_is_secure(page: &Page) {
    let cookie = page
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("yunshi_session="))
        .expect("a session cookie");
    assert!(cookie.contains("Secure"), "{cookie}");
}

/// Copies order `template` `count` times in one statement, all at its time.
fn copy_order(app: &TestApp, template: &str, count: usize) {
    let columns = "order_type, status, product_id, product_kind, product_name, vendor_id, \
                   buyer_id, buyer_uin, subscription_id, related_order_id, plan_name, billing, \
                   months, unit_price_fen, amount_fen, refunded_fen, created_at, refund_kind, \
                   reorder_of";
    let sql = match app.backend {
        yunshi::db::Backend::Sqlite(_) => format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
             INSERT INTO orders (order_no, {columns}) \
             SELECT 'MARKET_COPY' || i, {columns} FROM n, orders WHERE order_no = '{template}'"
        ),
        yunshi::db::Backend::Postgres(_) => format!(
            "INSERT INTO orders (order_no, {columns}) \
             SELECT 'MARKET_COPY' || i, {columns} \
             FROM generate_series(1, {count}) AS i, orders WHERE order_no = '{template}'"
        ),
    };
    diesel::sql_query(sql).execute(&mut app.conn()).unwrap();
}

#[actix_web::test]
async fn a_csv_export_whose_database_fails_midway_fails_visibly() {
    let app = spawn_app().await;
    let (product, prepaid, _) = image_product(&app);
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, product, prepaid, "m1").await;
    // Far more than the sockets between server and test can hold, so the
    // export is still being written when its database goes away.
    copy_order(&app, &number, 150_000);
    let operator = app.signed_in("operator").await;
    let response = operator
        .http
        .get(format!("{}/admin/orders.csv", operator.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    diesel::sql_query("ALTER TABLE orders RENAME TO orders_gone")
        .execute(&mut app.conn())
        .unwrap();
    let body = response.bytes().await;
    diesel::sql_query("ALTER TABLE orders_gone RENAME TO orders")
        .execute(&mut app.conn())
        .unwrap();
    assert!(
        body.is_err(),
        "a download cut short must not look complete ({} bytes arrived whole)",
        body.map(|b| b.len()).unwrap_or(0)
    );
}
