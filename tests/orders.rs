//! 订单管理 through HTTP: buying, renewing, the seed's order table with search,
//! filters, keyset pages and CSV, and who may see which order.

mod common;

use common::shop::{account_id, account_uin, buy, image_product, listed_product, now, plan};
use common::{TestApp, spawn_app, spawn_app_keeping_copies_for, spawn_app_reading_every_time};
use reqwest::StatusCode;
use std::time::Duration;
use yunshi::db::{accounts, orders};
use yunshi::domain::product::{Billing, Kind};

fn order_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    yunshi::db::schema::orders::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_buyer_buys_and_the_vendor_sees_the_order_as_the_seed_shows_it() {
    let app = spawn_app().await;
    let (product, prepaid, hourly) = image_product(&app);
    let buyer = app.signed_in("buyer1").await;
    let page = buyer.get(&format!("/shop/products/{product}")).await;
    page.assert_contains("¥99/月 · ¥990/年");
    page.assert_contains("value=\"y1\"");
    let checkout = buyer
        .get(&format!(
            "/shop/products/{product}/checkout?plan={prepaid}&term=m3"
        ))
        .await;
    checkout.assert_contains("¥297");
    let number = buy(&buyer, product, prepaid, "m3").await;
    assert!(number.starts_with("MARKET_Mirror2S"), "{number}");
    assert_eq!(number.len(), "MARKET_Mirror2S".len() + 21);
    let mine = buyer.get(&format!("/me/orders/{number}")).await;
    mine.assert_contains(&format!("支付成功，订单 {number} 已生成。"));
    mine.assert_contains("到期时间");
    let yearly = buy(&buyer, product, prepaid, "y1").await;
    let hourly_no = buy(&buyer, product, hourly, "").await;

    let uin = account_uin(&app, "buyer1").to_string();
    let vendor = app.signed_in("vendor1").await;
    let list = vendor.get("/vendor/orders").await;
    for cell in [
        "<th>订单编号</th><th>商品名称</th><th>购买用户ID</th>",
        "购买 预付费(包年包月)",
        "3(月)",
        "¥297",
        "1(年)",
        "¥990",
        "购买 按小时计费实时付费",
        "¥1.1/小时",
        "已支付",
        &uin,
        &number,
        &yearly,
        &hourly_no,
    ] {
        list.assert_contains(cell);
    }
    vendor
        .get("/notifications")
        .await
        .assert_contains(&format!("新订单：{number}"));
    vendor
        .get(&format!("/vendor/orders/{number}"))
        .await
        .assert_contains("CentOS 7.9");
    // Another vendor cannot find it, by list or by number.
    let other = app.signed_in("vendor2").await;
    assert_eq!(
        other.get(&format!("/vendor/orders/{number}")).await.status,
        StatusCode::NOT_FOUND
    );
    other
        .get(&format!("/vendor/orders?order_no={number}"))
        .await
        .assert_contains("没有符合条件的订单。");
    // Another buyer neither.
    let stranger = app.signed_in("buyer2").await;
    assert_eq!(
        stranger.get(&format!("/me/orders/{number}")).await.status,
        StatusCode::NOT_FOUND
    );
    let operator = app.signed_in("operator").await;
    operator.get("/admin/orders").await.assert_contains(&number);
    operator
        .get(&format!("/admin/orders/{number}"))
        .await
        .assert_contains("CentOS 7.9");
    // The buyer's page shows the hourly subscription's running hours.
    buyer
        .get("/me/orders")
        .await
        .assert_contains("已运行 0 小时");
}

#[actix_web::test]
async fn refused_purchases_write_nothing() {
    let app = spawn_app().await;
    let (product, prepaid, hourly) = image_product(&app);
    let (other_product, other_plans) = listed_product(
        &app,
        "vendor2",
        Kind::Service,
        "建站服务",
        vec![plan(Billing::OneTime, "基础", 50_000, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    let post = |plan: String, term: &'static str, total: &'static str| {
        let buyer = &buyer;
        async move {
            buyer
                .post(
                    &format!("/shop/products/{product}/orders"),
                    &[
                        ("plan", &plan),
                        ("term", term),
                        ("total_fen", total),
                        ("checkout_key", &orders::new_checkout_key()),
                    ],
                )
                .await
        }
    };
    let tampered = post(prepaid.to_string(), "m1", "1").await;
    assert_eq!(tampered.status, StatusCode::CONFLICT);
    tampered.assert_contains("价格已变化，请重新确认订单。");
    let foreign = post(other_plans[0].to_string(), "", "50000").await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
    foreign.assert_contains("所选规格不存在或已变更");
    for term in ["m12", "m0", "y4", "", "x"] {
        let page = post(prepaid.to_string(), term, "9900").await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{term}");
        page.assert_contains("购买时长无效。");
    }
    let hourly_with_term = post(hourly.to_string(), "m1", "0").await;
    assert_eq!(hourly_with_term.status, StatusCode::BAD_REQUEST);
    let garbage = post("abc".into(), "m1", "x").await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
    // A product no longer listed cannot be bought.
    let operator = app.signed_in("operator").await;
    operator
        .confirm(
            &format!("/admin/products/{other_product}/delist"),
            &[("reason", "停售")],
        )
        .await;
    let delisted = buyer
        .post(
            &format!("/shop/products/{other_product}/orders"),
            &[
                ("plan", &other_plans[0].to_string()),
                ("total_fen", "50000"),
                ("checkout_key", &orders::new_checkout_key()),
            ],
        )
        .await;
    assert_eq!(delisted.status, StatusCode::BAD_REQUEST);
    delisted.assert_contains("该商品当前未上架");
    assert_eq!(
        buyer
            .get(&format!(
                "/shop/products/{other_product}/checkout?plan={}",
                other_plans[0]
            ))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(order_count(&app), 0, "nothing was written");
    // Only buyers buy; anonymous visitors are sent to sign in.
    let vendor = app.signed_in("vendor1").await;
    assert_eq!(
        vendor
            .get(&format!(
                "/shop/products/{product}/checkout?plan={prepaid}&term=m1"
            ))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let anonymous = app.visitor();
    anonymous
        .get(&format!("/shop/products/{product}"))
        .await
        .assert_contains("登录后购买");
    let bounced = anonymous
        .get(&format!(
            "/shop/products/{product}/checkout?plan={prepaid}&term=m1"
        ))
        .await;
    assert_eq!(bounced.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn prepaid_subscriptions_renew_also_after_delisting() {
    let app = spawn_app().await;
    let (product, prepaid, hourly) = image_product(&app);
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, product, prepaid, "m1").await;
    let operator = app.signed_in("operator").await;
    operator
        .confirm(
            &format!("/admin/products/{product}/delist"),
            &[("reason", "停售")],
        )
        .await;
    let page = buyer.get(&format!("/me/orders/{number}")).await;
    page.assert_contains(&format!("action=\"/me/orders/{number}/renew\""));
    let before = {
        let order = orders::find_by_number(&mut app.conn(), &number, orders::Scope::All)
            .unwrap()
            .unwrap();
        orders::subscription(&mut app.conn(), order.subscription_id.unwrap())
            .unwrap()
            .unwrap()
            .expires_at
            .unwrap()
    };
    let confirm = buyer
        .get(&format!("/me/orders/{number}/renew?term=m2"))
        .await;
    confirm.assert_contains("¥198");
    let tampered = buyer
        .post(
            &format!("/me/orders/{number}/renew"),
            &[
                ("term", "m2"),
                ("total_fen", "100"),
                ("checkout_key", &orders::new_checkout_key()),
            ],
        )
        .await;
    assert_eq!(tampered.status, StatusCode::CONFLICT);
    let renewed = buyer
        .post(
            &format!("/me/orders/{number}/renew"),
            &[
                ("term", "m2"),
                ("total_fen", "19800"),
                ("checkout_key", &orders::new_checkout_key()),
            ],
        )
        .await;
    assert_eq!(renewed.status, StatusCode::SEE_OTHER, "{}", renewed.body);
    let renew_no = renewed
        .location()
        .unwrap()
        .trim_start_matches("/me/orders/")
        .to_string();
    let after = {
        let order = orders::find_by_number(&mut app.conn(), &renew_no, orders::Scope::All)
            .unwrap()
            .unwrap();
        assert_eq!(order.order_type, yunshi::domain::order::OrderType::Renew);
        orders::subscription(&mut app.conn(), order.subscription_id.unwrap())
            .unwrap()
            .unwrap()
            .expires_at
            .unwrap()
    };
    assert_eq!(
        after,
        before.checked_add_months(chrono::Months::new(2)).unwrap()
    );
    // The chain shows purchase and renewal; the vendor's list shows 续费.
    let chain = buyer.get(&format!("/me/orders/{renew_no}")).await;
    chain.assert_contains(&number);
    chain.assert_contains("续费 预付费(包年包月)");
    app.signed_in("vendor1")
        .await
        .get("/vendor/orders?type=renew")
        .await
        .assert_contains("2(月)");
    // Another buyer cannot renew mine.
    let stranger = app.signed_in("buyer2").await;
    let foreign = stranger
        .post(
            &format!("/me/orders/{number}/renew"),
            &[
                ("term", "m1"),
                ("total_fen", "9900"),
                ("checkout_key", &orders::new_checkout_key()),
            ],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let _ = hourly;
}

/// Orders written straight into the store, one a minute back from now.
fn insert_orders(app: &TestApp, product: i64, first_minute: i64, count: usize) -> Vec<String> {
    let mut conn = app.conn();
    let buyer = accounts::find_by_login(&mut conn, "buyer2")
        .unwrap()
        .unwrap();
    let vendor = account_id(app, "vendor1");
    let start = now() - chrono::Duration::days(30);
    (0..count)
        .map(|i| {
            let new = orders::NewOrder {
                order_type: yunshi::domain::order::OrderType::Purchase,
                status: yunshi::domain::order::OrderStatus::Paid,
                kind: Kind::Image,
                product_id: product,
                product_name: "Bulk",
                vendor_id: vendor,
                buyer_id: buyer.id,
                buyer_uin: buyer.uin,
                subscription_id: None,
                related_order_id: None,
                plan_name: "标准版",
                billing: Billing::Prepaid,
                months: Some(1),
                unit_price_fen: 9900,
                amount_fen: 9900,
                refund_kind: None,
                reorder_of: None,
                now: start + chrono::Duration::minutes(first_minute + i as i64),
            };
            orders::insert_order(&mut conn, &new).unwrap().order_no
        })
        .collect()
}

#[actix_web::test]
async fn pages_are_keyset_pages_with_edges() {
    // Rows are written straight into the store between pages.
    let app = spawn_app_reading_every_time().await;
    let (product, _, _) = image_product(&app);
    let vendor = app.signed_in("vendor1").await;
    vendor
        .get("/vendor/orders")
        .await
        .assert_contains("没有符合条件的订单。");
    let numbers = insert_orders(&app, product, 0, 50);
    let one_page = vendor.get("/vendor/orders").await;
    assert_eq!(
        one_page
            .body
            .matches("<td class=\"mono\"><a href=\"/vendor/orders/")
            .count(),
        50
    );
    one_page.assert_lacks("下一页");
    one_page.assert_lacks("上一页");
    let more = insert_orders(&app, product, 50, 1);
    let first = vendor.get("/vendor/orders").await;
    // Newest first: the last inserted leads.
    let newest = first.body.find(&more[0]).unwrap();
    assert!(newest < first.body.find(&numbers[49]).unwrap());
    first.assert_lacks("上一页");
    let marker = "<a href=\"/vendor/orders?after=";
    let start = first.body.find(marker).expect("a next link") + "<a href=\"".len();
    let link = first.body[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let last = vendor.get(&link).await;
    assert_eq!(
        last.body
            .matches("<td class=\"mono\"><a href=\"/vendor/orders/")
            .count(),
        1
    );
    last.assert_contains(&numbers[0]);
    last.assert_lacks("下一页");
    let marker = "<a href=\"/vendor/orders?before=";
    let start = last.body.find(marker).expect("a previous link") + "<a href=\"".len();
    let back = last.body[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let again = vendor.get(&back).await;
    assert_eq!(
        again
            .body
            .matches("<td class=\"mono\"><a href=\"/vendor/orders/")
            .count(),
        50
    );
    again.assert_contains(&more[0]);
    again.assert_lacks(&format!(">{}<", numbers[0]));
    let bad = vendor.get("/vendor/orders?after=garbage").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("分页参数无效");
}

/// The lists are served from short-lived copies (`short_cache`) and the
/// signed-in account is read on every request: what is done through the
/// server shows on the very next page, and what is written behind its back
/// (no change's version moves) within the copies' second.
#[actix_web::test]
async fn lists_show_writes_here_at_once_and_writes_elsewhere_within_a_second() {
    let app = spawn_app().await;
    let (product, prepaid, _) = image_product(&app);
    let vendor = app.signed_in("vendor1").await;
    let operator = app.signed_in("operator").await;
    let buyer = app.signed_in("buyer1").await;
    let bought = purchase_shows_at_once(&buyer, &vendor, &operator, product, prepaid).await;
    // Another vendor's list at the same address is never this one's copy.
    let other = app.signed_in("vendor2").await.get("/vendor/orders").await;
    other.assert_lacks(&bought);
    other.assert_contains("没有符合条件的订单。");
    // The same list in the other language is its own copy.
    let in_english = app.signed_in("vendor1").await;
    in_english.switch_language("en").await;
    let english = in_english.get("/vendor/orders").await;
    english.assert_contains("Order number");
    english.assert_contains(&bought);
    english.assert_lacks("订单编号");

    let elsewhere = insert_orders(&app, product, 0, 1).remove(0);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let later = vendor.get("/vendor/orders").await;
    later.assert_contains(&elsewhere);
    later.assert_contains(&bought);
    operator
        .get("/admin/orders")
        .await
        .assert_contains(&elsewhere);
}

/// A kept list is retired by the changes that concern it and by nothing
/// else: rows written behind the server's back stay unseen while the copy
/// stands, another vendor's purchase and anonymous or refused POSTs leave
/// it standing, and this vendor's own purchase retires it at once.
#[actix_web::test]
async fn a_kept_list_outlives_changes_that_do_not_concern_it() {
    let app = spawn_app_keeping_copies_for(Duration::from_secs(600)).await;
    let (product, prepaid, _) = image_product(&app);
    let (elsewhere_product, elsewhere_plans) = listed_product(
        &app,
        "vendor2",
        Kind::Image,
        "别家镜像",
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    let vendor = app.signed_in("vendor1").await;
    let operator = app.signed_in("operator").await;
    let buyer = app.signed_in("buyer1").await;
    for page in [
        vendor.get("/vendor/orders").await,
        operator.get("/admin/orders").await,
    ] {
        page.assert_contains("没有符合条件的订单。");
    }
    // Written behind the server's back: no version moves, so the kept copy
    // is what the vendor sees, which is how this test can tell it is kept.
    let unseen = insert_orders(&app, product, 0, 1).remove(0);
    vendor.get("/vendor/orders").await.assert_lacks(&unseen);
    operator.get("/admin/orders").await.assert_lacks(&unseen);
    let elsewhere = buy(&buyer, elsewhere_product, elsewhere_plans[0], "m1").await;
    vendor.get("/vendor/orders").await.assert_lacks(&unseen);
    // The operators' list shows every vendor: the purchase retired it.
    let market = operator.get("/admin/orders").await;
    market.assert_contains(&elsewhere);
    market.assert_contains(&unseen);
    // A stranger's failed sign-in and the buyer's refused renewal change
    // nothing, and retire nothing.
    let stranger = app.visitor();
    let refused = stranger
        .post(
            "/login",
            &[("login", "vendor1"), ("password", "not-the-password")],
        )
        .await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    let refused = buyer
        .post(
            &format!("/me/orders/{elsewhere}/renew"),
            &[
                ("term", "m1"),
                ("total_fen", "1"),
                ("checkout_key", &orders::new_checkout_key()),
            ],
        )
        .await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    vendor.get("/vendor/orders").await.assert_lacks(&unseen);
    // This vendor's own purchase retires its copy at once.
    let bought = buy(&buyer, product, prepaid, "m1").await;
    let list = vendor.get("/vendor/orders").await;
    list.assert_contains(&bought);
    list.assert_contains(&unseen);
}

/// Two instances on one database, both keeping copies for minutes: what is
/// done through one shows on the other's next page at once, because the
/// version a copy was read at lives in the database, not in an instance.
#[actix_web::test]
async fn a_change_through_one_instance_shows_on_another_at_once() {
    let first = spawn_app_keeping_copies_for(Duration::from_secs(600)).await;
    let second = first.another_instance(Duration::from_secs(600)).await;
    let (product, prepaid, _) = image_product(&first);
    let buyer = first.signed_in("buyer1").await;
    let vendor = second.signed_in("vendor1").await;
    let operator = second.signed_in("operator").await;
    let bought = purchase_shows_at_once(&buyer, &vendor, &operator, product, prepaid).await;
    // A refund through the first instance shows on the second at once too.
    buyer
        .confirm(&format!("/me/orders/{bought}/five-day-refund"), &[])
        .await;
    let summary = "共 2 笔订单 · 实付合计 ¥99.00 · 退款合计 ¥99.00";
    vendor.get("/vendor/orders").await.assert_contains(summary);
    operator.get("/admin/orders").await.assert_contains(summary);
}

/// From empty lists, a purchase shows at once in the vendor's and the
/// operator's lists, and in the vendor's unread count; its order number.
async fn purchase_shows_at_once(
    buyer: &common::Visitor,
    vendor: &common::Visitor,
    operator: &common::Visitor,
    product: i64,
    plan: i64,
) -> String {
    for page in [
        vendor.get("/vendor/orders").await,
        operator.get("/admin/orders").await,
    ] {
        page.assert_contains("没有符合条件的订单。");
    }
    let unread_before = unread_badge(&vendor.get("/vendor/orders").await.body);
    let bought = buy(buyer, product, plan, "m1").await;
    let list = vendor.get("/vendor/orders").await;
    list.assert_contains(&bought);
    // The new-order notification is counted in the header at once too.
    assert_eq!(unread_badge(&list.body), unread_before + 1);
    operator.get("/admin/orders").await.assert_contains(&bought);
    bought
}

/// The unread count in the page header (0 when no badge is shown).
fn unread_badge(body: &str) -> u32 {
    let Some(at) = body.find("<span class=\"badge\"") else {
        return 0;
    };
    let count = &body[at..];
    let count = &count[count.find('>').unwrap() + 1..];
    count[..count.find('<').unwrap()].parse().unwrap()
}

#[actix_web::test]
async fn search_and_filters_narrow_the_list_and_bad_values_get_a_message() {
    let app = spawn_app().await;
    let (product, prepaid, hourly) = image_product(&app);
    let (license, license_plans) = listed_product(
        &app,
        "vendor1",
        Kind::License,
        "Office",
        vec![plan(Billing::OneTime, "单用户", 30_000, None)],
    );
    let first = app.signed_in("buyer1").await;
    let second = app.signed_in("buyer2").await;
    let a = buy(&first, product, prepaid, "m1").await;
    let b = buy(&second, product, hourly, "").await;
    let c = buy(&second, license, license_plans[0], "").await;
    let vendor = app.signed_in("vendor1").await;
    let uin = |login: &str| account_uin(&app, login).to_string();
    let shows = |body: &str, expected: &[&String], hidden: &[&String]| {
        for number in expected {
            assert!(body.contains(number.as_str()), "{number} missing");
        }
        for number in hidden {
            assert!(!body.contains(number.as_str()), "{number} shown");
        }
    };
    shows(
        &vendor
            .get(&format!("/vendor/orders?buyer_uin={}", uin("buyer2")))
            .await
            .body,
        &[&b, &c],
        &[&a],
    );
    shows(
        &vendor
            .get(&format!("/vendor/orders?order_no={a}"))
            .await
            .body,
        &[&a],
        &[&b, &c],
    );
    shows(
        &vendor
            .get("/vendor/orders?order_no=MARKET_License2S")
            .await
            .body,
        &[&c],
        &[&a, &b],
    );
    shows(
        &vendor.get("/vendor/orders?billing=hourly").await.body,
        &[&b],
        &[&a, &c],
    );
    shows(
        &vendor.get("/vendor/orders?billing=onetime").await.body,
        &[&c],
        &[&a, &b],
    );
    shows(
        &vendor
            .get(&format!("/vendor/orders?product={license}"))
            .await
            .body,
        &[&c],
        &[&a, &b],
    );
    shows(
        &vendor.get("/vendor/orders?type=refund").await.body,
        &[],
        &[&a, &b, &c],
    );
    shows(
        &vendor
            .get("/vendor/orders?status=paid&type=purchase")
            .await
            .body,
        &[&a, &b, &c],
        &[],
    );
    let today = chrono::Utc::now()
        .with_timezone(&yunshi::domain::time::china())
        .format("%Y-%m-%d")
        .to_string();
    shows(
        &vendor
            .get(&format!("/vendor/orders?from={today}&to={today}"))
            .await
            .body,
        &[&a, &b, &c],
        &[],
    );
    shows(
        &vendor
            .get("/vendor/orders?from=2020-01-01&to=2020-12-31")
            .await
            .body,
        &[],
        &[&a, &b, &c],
    );
    // The form's empty fields are dropped from the address to share.
    vendor
        .get("/vendor/orders?buyer_uin=&order_no=&type=&billing=hourly&status=&from=&to=")
        .await
        .assert_redirect_to("/vendor/orders?billing=hourly");
    // The filter stays in the form and the CSV link.
    let kept = vendor.get("/vendor/orders?billing=hourly").await;
    kept.assert_contains("<option value=\"hourly\" selected>");
    kept.assert_contains("href=\"/vendor/orders.csv?billing=hourly\"");
    for (query, message) in [
        ("buyer_uin=abc", "用户ID须为 10 位数字。"),
        (
            "from=2020-02-30",
            "日期须为 YYYY-MM-DD 格式的有效日期：2020-02-30",
        ),
        (
            "to=yesterday",
            "日期须为 YYYY-MM-DD 格式的有效日期：yesterday",
        ),
        (
            "from=2021-01-02&to=2021-01-01",
            "开始日期不能晚于结束日期。",
        ),
        (
            "order_no=MARKET'%20OR%201=1",
            "订单编号只能包含字母、数字和下划线。",
        ),
        ("product=-3", "须为数字：-3"),
    ] {
        let page = vendor.get(&format!("/vendor/orders?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        page.assert_contains(message);
    }
    // Operators filter by vendor.
    let operator = app.signed_in("operator").await;
    shows(
        &operator
            .get(&format!("/admin/orders?vendor={}", uin("vendor1")))
            .await
            .body,
        &[&a, &b, &c],
        &[],
    );
    shows(
        &operator
            .get(&format!("/admin/orders?vendor={}", uin("vendor2")))
            .await
            .body,
        &[],
        &[&a, &b, &c],
    );
    assert_eq!(
        operator.get("/admin/orders?vendor=12").await.status,
        StatusCode::BAD_REQUEST
    );
    // Roles: orders pages are each role's own.
    assert_eq!(
        first.get("/vendor/orders").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        vendor.get("/admin/orders").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        operator.get("/me/orders").await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn csv_exports_exactly_the_filter_with_a_bom() {
    let app = spawn_app().await;
    let (product, prepaid, hourly) = image_product(&app);
    let buyer = app.signed_in("buyer1").await;
    let a = buy(&buyer, product, prepaid, "m1").await;
    let b = buy(&buyer, product, hourly, "").await;
    let vendor = app.signed_in("vendor1").await;
    let csv = vendor
        .http
        .get(format!("{}/vendor/orders.csv?billing=prepaid", vendor.base))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("orders.csv")
    );
    let bytes = csv.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "订单编号,商品名称,购买用户ID,订单类型/计费方式,购买时长,金额,金额（数值）,单位,订单状态,创建时间"
    );
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[1].starts_with(&format!("{a},CentOS 7.9,")),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains(",购买 预付费(包年包月),1(月),¥99,99.00,元,已支付,"),
        "{}",
        lines[1]
    );
    assert!(!text.contains(&b));
    let all = vendor.get("/vendor/orders.csv").await;
    assert_eq!(all.body.lines().count(), 3);
    assert!(all.body.contains("¥1.1/小时"));
    let bad = vendor.get("/vendor/orders.csv?from=2020-13-01").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // The export follows the exporter's scope.
    let other = app.signed_in("vendor2").await;
    assert_eq!(
        other.get("/vendor/orders.csv").await.body.lines().count(),
        1
    );
    assert_eq!(
        buyer.get("/vendor/orders.csv").await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn order_numbers_stay_unique_within_one_second() {
    let app = spawn_app().await;
    let (product, _, _) = image_product(&app);
    let mut conn = app.conn();
    let buyer = accounts::find_by_login(&mut conn, "buyer1")
        .unwrap()
        .unwrap();
    let vendor = account_id(&app, "vendor1");
    let same_second = now();
    let mut numbers = std::collections::HashSet::new();
    for _ in 0..300 {
        let new = orders::NewOrder {
            order_type: yunshi::domain::order::OrderType::Purchase,
            status: yunshi::domain::order::OrderStatus::Paid,
            kind: Kind::Image,
            product_id: product,
            product_name: "x",
            vendor_id: vendor,
            buyer_id: buyer.id,
            buyer_uin: buyer.uin,
            subscription_id: None,
            related_order_id: None,
            plan_name: "p",
            billing: Billing::Hourly,
            months: None,
            unit_price_fen: 110,
            amount_fen: 0,
            refund_kind: None,
            reorder_of: None,
            now: same_second,
        };
        assert!(numbers.insert(orders::insert_order(&mut conn, &new).unwrap().order_no));
    }
    assert_eq!(numbers.len(), 300);
}

#[actix_web::test]
async fn hourly_subscriptions_are_not_renewed() {
    let app = spawn_app().await;
    let (product, _, hourly) = image_product(&app);
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, product, hourly, "").await;
    buyer
        .get(&format!("/me/orders/{number}"))
        .await
        .assert_lacks("/renew\"");
    let refused = buyer
        .get(&format!("/me/orders/{number}/renew?term=m1"))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_contains("该订阅不能续费。");
    let posted = buyer
        .post(
            &format!("/me/orders/{number}/renew"),
            &[
                ("term", "m1"),
                ("total_fen", "110"),
                ("checkout_key", &orders::new_checkout_key()),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::BAD_REQUEST);
    assert_eq!(order_count(&app), 1);
}

#[actix_web::test]
async fn lists_say_what_the_filter_holds_and_offer_a_page_size() {
    let app = spawn_app().await;
    let (product, plans) = common::shop::listed_product(
        &app,
        "vendor1",
        yunshi::domain::product::Kind::Image,
        "计数镜像",
        vec![common::shop::plan(
            yunshi::domain::product::Billing::Prepaid,
            "标准版",
            9900,
            None,
        )],
    );
    let buyer = app.signed_in("buyer1").await;
    let mut numbers = Vec::new();
    for term in ["m1", "m2", "m3"] {
        numbers.push(common::shop::buy(&buyer, product, plans[0], term).await);
    }
    buyer
        .confirm(&format!("/me/orders/{}/five-day-refund", numbers[0]), &[])
        .await;
    let vendor = app.signed_in("vendor1").await;
    let list = vendor.get("/vendor/orders").await;
    // Three purchases (¥99 + ¥198 + ¥297) and one refund of ¥99.
    list.assert_contains("共 4 笔订单 · 实付合计 ¥594.00 · 退款合计 ¥99.00");
    let paid_only = vendor.get("/vendor/orders?type=purchase").await;
    paid_only.assert_contains("共 3 笔订单");
    // The unfiltered figures come from the tallies kept as orders are
    // written; a filter that matches every order counts them instead.
    let counted = vendor.get("/vendor/orders?from=2000-01-01").await;
    assert_eq!(list.list_summary(), counted.list_summary());
    let operator = app.signed_in("operator").await;
    let market = operator.get("/admin/orders").await;
    market.assert_contains("共 4 笔订单 · 实付合计 ¥594.00 · 退款合计 ¥99.00");
    let counted = operator.get("/admin/orders?from=2000-01-01").await;
    assert_eq!(market.list_summary(), counted.list_summary());
    let small = vendor.get("/vendor/orders?size=20").await;
    assert_eq!(small.status, reqwest::StatusCode::OK);
    small.assert_contains("<option value=\"20\" selected>20</option>");
    let odd = vendor.get("/vendor/orders?size=7").await;
    assert_eq!(odd.status, reqwest::StatusCode::BAD_REQUEST);
    odd.assert_contains("每页：");
    // The buyer's own list has no 购买用户ID column: every row is theirs.
    let mine = buyer.get("/me/orders").await;
    mine.assert_lacks("<th>购买用户ID</th>");
    list.assert_contains("<th>购买用户ID</th>");
}
