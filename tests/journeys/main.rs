//! The seed's journeys in headless Chromium, each from sign-in to the end
//! state seen on the page, against the app on a random port with a database
//! of its own (SQLite, or PostgreSQL with `TEST_DATABASE_URL`). Screenshots of
//! every page passed land in `target/screenshots/<journey>/`.

#[path = "../common/mod.rs"]
mod common;

mod browser;

use std::path::PathBuf;

use browser::Browser;
use common::shop::{listed_product, plan};
use common::{TestApp, spawn_app};
use yunshi::domain::product::{Billing, Kind};
use yunshi::i18n::{Catalogue, Lang};

fn zh() -> &'static Catalogue {
    Lang::Zh.catalogue()
}

fn logo(name: &str) -> PathBuf {
    common::logo_fixtures().join(name)
}

/// The app and a browser on it, or `None` when the browser is not installed.
async fn start(journey: &str) -> Option<(TestApp, Browser)> {
    let app = spawn_app().await;
    let browser = Browser::open(&app.address, journey).await?;
    Some((app, browser))
}

/// The number at the end of the current path (`/me/services/7` → 7).
async fn trailing_id(b: &Browser) -> String {
    let path = b.path().await;
    path.rsplit('/').next().unwrap_or_default().to_string()
}

/// (1) A vendor makes an image product with a logo (a wrong one first) and
/// two plans and submits it; the operator reviews, approves and lists it; a
/// buyer finds and buys it; the vendor finds the order by the buyer's 用户ID.
#[actix_web::test]
async fn an_image_goes_from_draft_to_a_sale_the_vendor_can_find() {
    let Some((_app, mut b)) = start("1-image-product").await else {
        return;
    };
    let t = zh();
    b.sign_in("vendor1").await;
    assert_eq!(b.path().await, "/vendor");
    b.shot("vendor-home").await;
    b.go("/vendor/products").await;
    b.follow(t.new_product).await;
    b.follow(t.kind_image).await;
    b.fields_are_labelled().await;
    b.shot("new-product").await;

    // A form with a problem keeps what was typed and says what is wrong.
    b.fill("#summary", "开箱即用的 CentOS 7.9 镜像").await;
    b.press(t.save_draft).await;
    b.see(t.err_form_has_problems).await;
    assert_eq!(b.value_of("#summary").await, "开箱即用的 CentOS 7.9 镜像");
    b.shot("form-error-keeps-input").await;

    b.fill("#name", "CentOS 7.9 云镜像").await;
    b.fill("#description", "预装常用工具，已做安全加固。").await;
    b.fill("#image_id", "img-7f3a9c21").await;
    b.fill("#os", "CentOS 7.9").await;
    b.choose("#category", "os").await;
    b.choose("#arch", "x86_64").await;
    b.choose("select[name=plan_billing_0]", "prepaid").await;
    b.fill("input[name=plan_name_0]", "标准版").await;
    b.fill("input[name=plan_price_0]", "99").await;
    b.fill("input[name=plan_year_price_0]", "990").await;
    b.choose("select[name=plan_billing_1]", "hourly").await;
    b.fill("input[name=plan_name_1]", "按量").await;
    b.fill("input[name=plan_price_1]", "1.1").await;
    b.press(t.save_draft).await;
    b.see_not(t.err_form_has_problems).await;
    b.shot("draft-saved").await;

    // The logo: a wrong size first, read the reason, then a good one. The
    // summary changed just before is never lost by using the logo controls.
    if !b.path().await.ends_with("/edit") {
        b.follow(t.edit).await;
    }
    let edit = b.path().await;
    b.fields_are_labelled().await;
    let typed = "开箱即用，预装常用工具的 CentOS 7.9";
    b.fill("#summary", typed).await;
    b.attach("#logo", &logo("wrong_size_300x300.png")).await;
    b.press_in("#logo-section", t.logo_upload).await;
    b.see(t.logo_problems_title).await;
    b.see("240").await;
    assert_eq!(
        b.value_of("#summary").await,
        typed,
        "kept after a refused logo"
    );
    b.shot("logo-refused-keeps-input").await;
    b.attach("#logo", &logo("valid_logo.png")).await;
    b.press_in("#logo-section", t.logo_upload).await;
    b.see_not(t.logo_problems_title).await;
    assert_eq!(b.path().await, edit);
    b.find("#logo-section img.logo-preview").await;
    assert_eq!(b.value_of("#summary").await, typed, "saved with the logo");
    b.shot("logo-accepted").await;

    // 提交审核 from the edit page itself: saved and submitted in one step.
    let product_path = edit.trim_end_matches("/edit").to_string();
    b.press(t.save_and_submit).await;
    assert_eq!(b.path().await, product_path);
    b.see(t.saved_and_submitted).await;
    b.see(t.revision_pending).await;
    b.shot("submitted").await;
    b.sign_out().await;

    // The operator reviews the whole first version, approves and lists it.
    b.sign_in("operator").await;
    b.see(t.dash_reviews).await;
    b.shot("operator-home").await;
    b.go("/admin/reviews").await;
    b.follow("CentOS 7.9 云镜像").await;
    b.fields_are_labelled().await;
    b.see("img-7f3a9c21").await;
    b.see("标准版").await;
    b.see("按量").await;
    b.shot("review").await;
    b.press(t.approve_and_list).await;
    b.see(t.approved_and_listed).await;
    b.go(&product_path.replace("/vendor/", "/admin/")).await;
    b.see(t.listing_listed).await;
    b.shot("listed").await;
    b.sign_out().await;

    // The vendor's 申请下架 jumps to its form, in sight below the top bar.
    b.sign_in("vendor1").await;
    b.go("/vendor/products").await;
    b.follow(t.request_delist).await;
    assert!(
        b.in_sight("#delist").await,
        "the delist form lands in sight"
    );
    b.shot("delist-in-sight").await;
    b.sign_out().await;

    // The buyer finds it in the shop and buys a month of the prepaid plan.
    b.sign_in("buyer1").await;
    assert_eq!(b.path().await, "/me");
    let uin = b.text_of(".account-card dd.mono").await;
    b.go("/shop").await;
    b.follow("CentOS 7.9 云镜像").await;
    b.fields_are_labelled().await;
    b.shot("shop-product").await;
    b.press(t.buy).await;
    b.see("¥99").await;
    b.shot("checkout").await;
    b.press(&format!("{} ¥99", t.pay_now)).await;
    let order_no = trailing_id(&b).await;
    assert!(b.path().await.starts_with("/me/orders/"));
    b.see(&order_no).await;
    b.shot("bought").await;
    b.sign_out().await;

    // The vendor finds the order by the buyer's 用户ID.
    b.sign_in("vendor1").await;
    b.go("/vendor/orders").await;
    // From the keyboard: type the 用户ID and press Enter.
    b.fill("#buyer_uin", &uin).await;
    b.enter("#buyer_uin").await;
    // The filter stays in the URL, so the page can be shared, and only the
    // field that was filled in.
    assert_eq!(b.path().await, format!("/vendor/orders?buyer_uin={uin}"));
    let rows = b.rows("table.orders").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], order_no);
    assert_eq!(rows[0][1], "CentOS 7.9 云镜像");
    assert_eq!(rows[0][2], uin);
    assert_eq!(rows[0][5], "¥99");
    b.shot("vendor-finds-order").await;
    b.close().await;
}

/// A listed product of vendor1, made through the store: its id.
fn product(app: &TestApp, kind: Kind, name: &str, billing: Billing, price_fen: i64) -> i64 {
    listed_product(
        app,
        "vendor1",
        kind,
        name,
        vec![plan(billing, "标准版", price_fen, None)],
    )
    .0
}

/// Buys `name` from the shop as the signed-in buyer, paying `total`; returns
/// the order number.
async fn buy_in_shop(b: &Browser, name: &str, total: &str) -> String {
    let t = zh();
    b.go("/shop").await;
    b.follow(name).await;
    b.press(t.buy).await;
    b.press(&format!("{} {total}", t.pay_now)).await;
    assert!(
        b.path().await.starts_with("/me/orders/"),
        "{}",
        b.path().await
    );
    trailing_id(b).await
}

/// The only row whose type cell starts with `kind` (购买, 续费 or 退款).
fn only_row<'a>(rows: &'a [Vec<String>], kind: &str) -> &'a [String] {
    let matching: Vec<&Vec<String>> = rows
        .iter()
        .filter(|cells| cells[3].starts_with(kind))
        .collect();
    assert_eq!(matching.len(), 1, "one {kind} row in {rows:?}");
    matching[0]
}

/// (2) The buyer takes the five-day refund; the purchase and the refund order
/// both show as the seed's table shows them.
#[actix_web::test]
async fn a_five_day_refund_shows_both_orders_as_the_seed_does() {
    let Some((app, mut b)) = start("2-five-day-refund").await else {
        return;
    };
    let t = zh();
    product(&app, Kind::Image, "Ubuntu 22.04", Billing::Prepaid, 5462);
    b.sign_in("buyer1").await;
    let uin = b.text_of(".account-card dd.mono").await;
    let order_no = buy_in_shop(&b, "Ubuntu 22.04", "¥54.62").await;
    b.go("/me").await;
    b.see(t.me_refundable).await;
    b.see(&order_no).await;
    b.shot("refundable-on-home").await;
    b.click(&format!("a[href='/me/orders/{order_no}']")).await;
    b.fields_are_labelled().await;
    b.shot("order-with-offer").await;
    // It asks first, saying what will happen, and nothing happens until then.
    b.press(t.five_day_button).await;
    b.see(t.confirm_title).await;
    b.see(&order_no).await;
    b.see("¥54.62").await;
    b.shot("refund-asks-first").await;
    b.follow(t.confirm_back).await;
    b.see(t.five_day_button).await;
    b.press(t.five_day_button).await;
    b.press_in("#confirm", t.five_day_button).await;
    b.see(t.five_day_done).await;
    b.shot("refunded").await;
    b.go("/me").await;
    b.see(t.me_no_refundable).await;
    b.sign_out().await;

    b.sign_in("vendor1").await;
    b.go("/vendor/orders").await;
    b.shot("vendor-orders").await;
    let rows = b.rows("table.orders").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    // The refund order has a number of its own and is listed first (newest).
    let refund = only_row(&rows, "退款");
    assert_ne!(refund[0], order_no);
    assert_eq!(
        refund[1..7],
        [
            "Ubuntu 22.04",
            &uin,
            "退款 预付费(包年包月)",
            "-",
            "¥54.62",
            "已退款",
        ][..],
        "{rows:?}"
    );
    let purchase = only_row(&rows, "购买");
    assert_eq!(purchase[0], order_no);
    assert_eq!(
        purchase[1..7],
        [
            "Ubuntu 22.04",
            &uin,
            "购买 预付费(包年包月)",
            "1(月)",
            "¥54.62",
            "已退款",
        ][..],
        "{rows:?}"
    );
    b.close().await;
}

/// (3) A manual service from purchase through requirement, rejection,
/// resubmission, confirmation, delivery, declined acceptance, redelivery and
/// acceptance; the operation log tells the whole story.
#[actix_web::test]
async fn a_manual_service_is_delivered_after_a_rejection_and_a_decline() {
    let Some((app, mut b)) = start("3-manual-service").await else {
        return;
    };
    let t = zh();
    product(
        &app,
        Kind::Service,
        "网站搭建服务",
        Billing::OneTime,
        50_000,
    );
    b.sign_in("buyer1").await;
    buy_in_shop(&b, "网站搭建服务", "¥500").await;
    b.go("/me").await;
    b.see(t.me_your_turn).await;
    b.shot("buyer-home-your-turn").await;
    b.click("a[href^='/me/services/']").await;
    let ticket = trailing_id(&b).await;
    b.fields_are_labelled().await;
    b.see(t.ts_awaiting_requirement).await;
    b.fill("#requirement", "企业官网，五个页面").await;
    b.fill("#contact", "张三 13800000000").await;
    b.press(t.submit_requirement).await;
    b.see(t.ts_awaiting_confirmation).await;
    b.shot("requirement-submitted").await;
    b.sign_out().await;

    b.sign_in("vendor1").await;
    b.see(t.dash_awaiting_confirmation).await;
    b.shot("vendor-home-waiting").await;
    b.follow_containing(t.dash_awaiting_confirmation).await;
    b.click(&format!("a[href='/vendor/supervision/{ticket}']"))
        .await;
    b.see("企业官网，五个页面").await;
    b.fields_are_labelled().await;
    b.fill("#reject-reason", "请说明页面内容").await;
    b.press(t.reject_requirement).await;
    b.see(t.ts_rejected).await;
    b.shot("rejected").await;
    b.sign_out().await;

    b.sign_in("buyer1").await;
    b.go(&format!("/me/services/{ticket}")).await;
    b.see("请说明页面内容").await;
    b.fill("#requirement", "企业官网：首页、产品、新闻、关于、联系")
        .await;
    b.press(t.resubmit_requirement).await;
    b.see(t.ts_awaiting_confirmation).await;
    b.sign_out().await;

    b.sign_in("vendor1").await;
    b.go(&format!("/vendor/supervision/{ticket}")).await;
    b.press(t.confirm_requirement).await;
    b.see(t.ts_in_service).await;
    b.fill("#delivery", "站点已上线：https://example.com").await;
    b.press(t.deliver_action).await;
    b.see(t.ts_awaiting_acceptance).await;
    b.shot("delivered").await;
    b.sign_out().await;

    b.sign_in("buyer1").await;
    b.go(&format!("/me/services/{ticket}")).await;
    b.fill("#decline-reason", "联系页缺少地图").await;
    b.press(t.decline_acceptance).await;
    b.see(t.ts_in_service).await;
    b.sign_out().await;

    b.sign_in("vendor1").await;
    b.go(&format!("/vendor/supervision/{ticket}")).await;
    b.fill("#delivery", "已补充地图：https://example.com/contact")
        .await;
    b.press(t.deliver_action).await;
    b.sign_out().await;

    b.sign_in("buyer1").await;
    b.go(&format!("/me/services/{ticket}")).await;
    b.press(t.accept_action).await;
    b.see(t.confirm_title).await;
    b.press_in("#confirm", t.accept_action).await;
    b.see(t.ts_completed).await;
    b.shot("accepted").await;
    b.sign_out().await;

    // The operator reads the whole operation log, in order.
    b.sign_in("operator").await;
    b.go(&format!("/admin/supervision/{ticket}")).await;
    b.shot("operation-log").await;
    let log: Vec<String> = b
        .rows("section:last-of-type")
        .await
        .into_iter()
        .map(|cells| cells[2].clone())
        .collect();
    assert_eq!(
        log,
        [
            t.ta_opened,
            t.ta_submit_requirement,
            t.ta_reject,
            t.ta_submit_requirement,
            t.ta_confirm,
            t.ta_deliver,
            t.ta_decline,
            t.ta_deliver,
            t.ta_accept,
        ]
    );
    b.see("联系页缺少地图").await;
    b.close().await;
}

/// (4) A license order delivered and accepted.
#[actix_web::test]
async fn a_license_is_delivered_and_accepted() {
    let Some((app, mut b)) = start("4-license").await else {
        return;
    };
    let t = zh();
    product(
        &app,
        Kind::License,
        "数据库企业版授权",
        Billing::OneTime,
        30_000,
    );
    b.sign_in("buyer1").await;
    buy_in_shop(&b, "数据库企业版授权", "¥300").await;
    b.click("a[href^='/me/services/']").await;
    let ticket = trailing_id(&b).await;
    b.see(t.ts_awaiting_delivery).await;
    b.sign_out().await;

    b.sign_in("vendor1").await;
    b.follow_containing(t.dash_awaiting_delivery).await;
    b.click(&format!("a[href='/vendor/supervision/{ticket}']"))
        .await;
    b.fill("#delivery", "授权码已发送至 zhangsan@example.com")
        .await;
    b.press(t.deliver_action).await;
    b.see(t.ts_awaiting_acceptance).await;
    b.shot("license-delivered").await;
    b.sign_out().await;

    b.sign_in("buyer1").await;
    b.go(&format!("/me/services/{ticket}")).await;
    b.see("授权码已发送至 zhangsan@example.com").await;
    b.press(t.accept_action).await;
    b.see(t.confirm_title).await;
    b.press_in("#confirm", t.accept_action).await;
    b.see(t.ts_completed).await;
    b.shot("license-accepted").await;
    b.go("/me").await;
    b.see(t.me_no_open_tickets).await;
    b.close().await;
}

/// (5) An operator settles last month; the vendor opens the statement and
/// the chart.
#[actix_web::test]
async fn an_operator_settles_last_month_and_the_vendor_reads_it() {
    let Some((app, mut b)) = start("5-settlement").await else {
        return;
    };
    let t = zh();
    let month = last_months_sale(&app).await;
    b.sign_in("operator").await;
    b.see(t.dash_unsettled_months).await;
    b.shot("operator-home-unsettled").await;
    b.follow_containing(t.dash_unsettled_months).await;
    b.fill("#settle-month", &month).await;
    b.press(t.settle_button).await;
    b.see("青云科技").await;
    b.shot("settled").await;
    b.follow("青云科技").await;
    b.see("¥99").await;
    b.shot("operator-statement").await;
    b.sign_out().await;

    b.sign_in("vendor1").await;
    b.go("/vendor/settlements").await;
    b.find("figure.chart-wrap svg").await;
    b.see(t.settlement_chart_title).await;
    b.shot("vendor-settlements-chart").await;
    b.follow(&month).await;
    assert_eq!(b.path().await, format!("/vendor/settlements/{month}"));
    b.see("¥99").await;
    b.see("Ubuntu 22.04").await;
    b.shot("vendor-statement").await;
    b.close().await;
}

/// A ¥99 prepaid image bought last month (its five-day window closed within
/// it): the month's name.
async fn last_months_sale(app: &TestApp) -> String {
    let (id, plans) = listed_product(
        app,
        "vendor1",
        Kind::Image,
        "Ubuntu 22.04",
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    let order_no = common::shop::buy(&buyer, id, plans[0], "m1").await;
    common::shop::move_into_last_month(&mut app.conn(), &order_no).to_string()
}

/// (6) The language switch on a page of each role, and the lists at 1280 and
/// 768 px: a table wider than the screen scrolls in its own box.
#[actix_web::test]
async fn each_role_switches_language_and_lists_fit_narrow_windows() {
    let Some((app, mut b)) = start("6-language-and-widths").await else {
        return;
    };
    let en = Lang::En.catalogue();
    let zh = zh();
    // Orders in every list, so the tables have rows to fit.
    let (image, plans) = listed_product(
        &app,
        "vendor1",
        Kind::Image,
        "CentOS 7.9 云镜像（含常用运维工具的长名称）",
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    for term in ["m1", "m3", "m6"] {
        common::shop::buy(&buyer, image, plans[0], term).await;
    }
    for (login, page, zh_heading, en_heading, pages) in [
        (
            "vendor1",
            "/vendor/orders",
            zh.orders_title,
            en.orders_title,
            &[
                "/vendor",
                "/vendor/products",
                "/vendor/orders",
                "/vendor/supervision",
                "/vendor/settlements",
            ][..],
        ),
        (
            "operator",
            "/admin/reviews",
            zh.reviews_title,
            en.reviews_title,
            &[
                "/admin",
                "/admin/products",
                "/admin/orders",
                "/admin/refunds",
                "/admin/supervision",
                "/admin/settlements",
                "/admin/accounts",
                "/admin/audit",
            ][..],
        ),
        (
            "buyer1",
            "/me/orders",
            zh.my_orders_title,
            en.my_orders_title,
            &["/me", "/shop", "/me/orders"][..],
        ),
    ] {
        b.sign_in(login).await;
        b.go(page).await;
        assert_eq!(b.text_of("main h1").await, zh_heading);
        b.press(zh.lang_switch_label).await;
        assert_eq!(b.path().await, page);
        assert_eq!(b.text_of("main h1").await, en_heading);
        b.shot(&format!("{login}-english")).await;
        b.press(en.lang_switch_label).await;
        assert_eq!(b.text_of("main h1").await, zh_heading);
        for width in [1280, 768] {
            b.width(width).await;
            for list in pages {
                b.go(list).await;
                b.fields_are_labelled().await;
                assert!(
                    !b.page_scrolls_sideways().await,
                    "{list} scrolls sideways at {width} px"
                );
                if width == 768 {
                    b.shot(&format!(
                        "{}-768",
                        list.trim_start_matches('/').replace('/', "-")
                    ))
                    .await;
                }
            }
        }
        b.width(1280).await;
        b.sign_out().await;
    }
    b.close().await;
}

/// Which kind of page a link opens, for visiting a couple of each: a
/// product, an order, a ticket, a statement, a review and so on.
fn page_kind(href: &str) -> Option<&'static str> {
    let numbered = |prefix: &str| {
        href.strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
    };
    let kinds: [(&str, bool); 14] = [
        ("vendor product", numbered("/vendor/products/")),
        (
            "vendor edit",
            href.starts_with("/vendor/products/") && href.ends_with("/edit"),
        ),
        ("vendor order", href.starts_with("/vendor/orders/MARKET")),
        ("vendor ticket", numbered("/vendor/supervision/")),
        (
            "vendor statement",
            href.len() == 27 && href.starts_with("/vendor/settlements/"),
        ),
        ("review", numbered("/admin/reviews/")),
        ("admin product", numbered("/admin/products/")),
        ("admin order", href.starts_with("/admin/orders/MARKET")),
        ("admin statement", numbered("/admin/settlements/")),
        ("admin ticket", numbered("/admin/supervision/")),
        (
            "password reset",
            href.starts_with("/admin/accounts/") && href.ends_with("/password"),
        ),
        ("buyer order", href.starts_with("/me/orders/MARKET")),
        ("buyer ticket", numbered("/me/services/")),
        ("shop product", numbered("/shop/products/")),
    ];
    kinds
        .iter()
        .find(|(_, matches)| *matches)
        .map(|(kind, _)| *kind)
}

/// (7) Every page of every role on the demo marketplace, at 1440 and 390 px:
/// no accessibility violation (axe-core runs on every page a journey opens),
/// no page scrolling sideways, every field labelled, a screenshot of each.
#[actix_web::test]
async fn every_page_of_every_role_fits_a_desktop_and_a_phone() {
    let Some((app, mut b)) = start("7-every-page").await else {
        return;
    };
    yunshi::demo::seed_marketplace(&app.pool, common::shop::now()).expect("the demo");
    let roles: [(Option<&str>, &[&str]); 4] = [
        (None, &["/login", "/signup", "/shop"]),
        (
            Some("vendor1"),
            &[
                "/vendor",
                "/vendor/products",
                "/vendor/products/new",
                "/vendor/products/new?kind=service",
                "/vendor/orders",
                "/vendor/refunds",
                "/vendor/supervision",
                "/vendor/settlements",
                "/notifications",
                "/account/password",
            ],
        ),
        (
            Some("operator"),
            &[
                "/admin",
                "/admin/reviews",
                "/admin/products",
                "/admin/delist-requests",
                "/admin/refunds",
                "/admin/orders",
                "/admin/supervision",
                "/admin/settlements",
                "/admin/accounts",
                "/admin/audit",
            ],
        ),
        (
            Some("buyer1"),
            &["/me", "/shop", "/me/orders", "/notifications"],
        ),
    ];
    let mut visited = 0;
    for (login, start_pages) in roles {
        if let Some(login) = login {
            b.sign_in(login).await;
        }
        for width in [1440, 390] {
            b.width(width).await;
            let mut queue: Vec<String> = start_pages.iter().map(|p| p.to_string()).collect();
            let mut seen = std::collections::HashSet::new();
            let mut per_kind = std::collections::HashMap::new();
            while let Some(path) = (!queue.is_empty()).then(|| queue.remove(0)) {
                if !seen.insert(path.clone()) {
                    continue;
                }
                b.go(&path).await;
                visited += 1;
                b.fields_are_labelled().await;
                assert!(
                    !b.page_scrolls_sideways().await,
                    "{path} scrolls sideways at {width} px"
                );
                let cut = b.controls_off_screen().await;
                assert!(cut.is_empty(), "{path} at {width} px cuts off {cut:?}");
                let name = format!(
                    "{}{}-{width}",
                    login.unwrap_or("anonymous"),
                    path.replace(['/', '?', '='], "-")
                );
                b.shot(&name).await;
                for href in b.links().await {
                    if let Some(kind) = page_kind(&href) {
                        let taken = per_kind.entry(kind).or_insert(0);
                        if *taken < 2 {
                            *taken += 1;
                            queue.push(href);
                        }
                    }
                }
            }
        }
        b.width(1280).await;
        if login.is_some() {
            b.sign_out().await;
        }
    }
    assert!(visited > 80, "only {visited} pages visited");
    b.close().await;
}
