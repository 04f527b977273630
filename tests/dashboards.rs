//! The three home pages through HTTP: what waits on the vendor with this
//! month's running total, the operator's queues with counts and the oldest
//! item's age, and the buyer's open tickets and refundable orders.

mod common;

use common::shop::{buy, listed_product, plan, ticket_of};
use common::{TestApp, Visitor, spawn_app};
use reqwest::StatusCode;
use yunshi::domain::product::{Billing, Kind};

/// The ticket opened by buying `kind` as buyer1, from the order page's link.
async fn bought_ticket(app: &TestApp, buyer: &Visitor, kind: Kind, name: &str) -> (i64, String) {
    let (product, plans) = listed_product(
        app,
        "vendor1",
        kind,
        name,
        vec![plan(Billing::OneTime, "基础", 30_000, None)],
    );
    let number = buy(buyer, product, plans[0], "").await;
    let ticket = ticket_of(buyer, &number).await;
    (ticket, number)
}

#[actix_web::test]
async fn the_buyer_sees_open_tickets_and_refundable_orders() {
    let app = spawn_app().await;
    let buyer = app.signed_in("buyer1").await;
    let empty = buyer.get("/me").await;
    assert_eq!(empty.status, StatusCode::OK);
    empty.assert_contains("没有进行中的服务。");
    empty.assert_contains("没有仍在五天无理由退款期内的订单。");

    let (ticket, _) = bought_ticket(&app, &buyer, Kind::Service, "网站搭建服务").await;
    let (image, image_plans) = listed_product(
        &app,
        "vendor1",
        Kind::Image,
        "CentOS 7.9",
        vec![
            plan(Billing::Prepaid, "标准版", 9900, None),
            plan(Billing::Hourly, "按量", 110, None),
        ],
    );
    let refundable = buy(&buyer, image, image_plans[0], "m2").await;
    let hourly = buy(&buyer, image, image_plans[1], "").await;

    let home = buyer.get("/me").await;
    home.assert_contains(&format!("href=\"/me/services/{ticket}\""));
    home.assert_contains("待提交需求");
    home.assert_contains("待您处理");
    home.assert_contains(&format!("href=\"/me/orders/{refundable}\""));
    home.assert_contains("¥198");
    home.assert_contains("还剩 4 天");
    // An hourly purchase is not a five-day refund.
    home.assert_lacks(&hourly);

    // Once the requirement is in, the ticket waits on the vendor.
    buyer
        .post(
            &format!("/me/services/{ticket}/submit_requirement"),
            &[("requirement", "做一个官网"), ("contact", "138")],
        )
        .await;
    let home = buyer.get("/me").await;
    home.assert_contains("待确认需求");
    home.assert_contains("等待服务商");
    home.assert_lacks("待您处理");

    // A refunded purchase leaves the list.
    buyer
        .confirm(&format!("/me/orders/{refundable}/five-day-refund"), &[])
        .await;
    let home = buyer.get("/me").await;
    home.assert_lacks(&format!("href=\"/me/orders/{refundable}\""));
    home.assert_contains("没有仍在五天无理由退款期内的订单。");

    // Another buyer sees none of it.
    let other = app.signed_in("buyer2").await.get("/me").await;
    other.assert_lacks(&format!("/me/services/{ticket}"));
    other.assert_contains("没有进行中的服务。");

    // English.
    buyer
        .post("/lang", &[("lang", "en"), ("next", "/me")])
        .await;
    let english = buyer.get("/me").await;
    english.assert_contains("My overview");
    english.assert_contains("Waiting for the vendor");
}

#[actix_web::test]
async fn the_vendor_sees_what_waits_and_this_months_running_total() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let other = app.signed_in("vendor2").await;
    let quiet = other.get("/vendor").await;
    assert_eq!(quiet.status, StatusCode::OK);
    quiet.assert_contains("目前没有需要您处理的事项。");
    // A vendor without products is shown where to start.
    quiet.assert_contains("href=\"/vendor/products/new\"");
    quiet.assert_contains("你还没有商品");
    quiet.assert_contains("本月至今");
    quiet.assert_contains("¥0");

    let buyer = app.signed_in("buyer1").await;
    let (service, _) = bought_ticket(&app, &buyer, Kind::Service, "网站搭建服务").await;
    buyer
        .post(
            &format!("/me/services/{service}/submit_requirement"),
            &[("requirement", "做一个官网"), ("contact", "138")],
        )
        .await;
    // A license delivered and accepted is billed now: ¥300 this month.
    let (license, _) = bought_ticket(&app, &buyer, Kind::License, "数据库授权").await;
    // A second license waits for delivery.
    bought_ticket(&app, &buyer, Kind::License, "备份授权").await;
    vendor
        .post(
            &format!("/vendor/supervision/{license}/deliver"),
            &[("delivery", "授权码已邮件发送")],
        )
        .await;
    buyer
        .confirm(&format!("/me/services/{license}/accept"), &[])
        .await;

    // The first visit shows the total at once, never "being computed".
    let home = vendor.get("/vendor").await;
    home.assert_lacks("请稍后刷新");
    home.assert_contains(
        "<strong>1</strong> 待确认需求的服务单<span class=\"age\">最早已等待 0 分钟",
    );
    home.assert_contains("href=\"/vendor/supervision?state=awaiting_confirmation\"");
    home.assert_contains("<strong>1</strong> 待交付的服务单");
    home.assert_contains("¥300");
    home.assert_contains("截至");
    home.assert_contains("href=\"/vendor/settlements\"");
    // The other vendor has nothing of it.
    let other = other.get("/vendor").await;
    other.assert_contains("目前没有需要您处理的事项。");
    other.assert_lacks("¥300");
}

#[actix_web::test]
async fn the_operator_sees_each_queue_with_its_oldest_item() {
    let app = spawn_app().await;
    let operator = app.signed_in("operator").await;
    let quiet = operator.get("/admin").await;
    assert_eq!(quiet.status, StatusCode::OK);
    quiet.assert_contains("目前没有需要您处理的事项。");

    let buyer = app.signed_in("buyer1").await;
    let (_, number) = bought_ticket(&app, &buyer, Kind::License, "数据库授权").await;
    buyer
        .post(
            &format!("/me/orders/{number}/refund-request"),
            &[("reason", "other"), ("description", "不需要了")],
        )
        .await;
    let (product, _) = listed_product(
        &app,
        "vendor1",
        Kind::Image,
        "CentOS 7.9",
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    let vendor = app.signed_in("vendor1").await;
    vendor
        .post(
            &format!("/vendor/products/{product}/delist-request"),
            &[("reason", "停售")],
        )
        .await;
    // The license order placed last month, settled, leaves an unpaid statement.
    settle_an_order_last_month(&app, &number);

    let home = operator.get("/admin").await;
    for (count, label, link) in [
        ("1", "待处理的退款申请", "/admin/refunds"),
        ("1", "待处理的下架申请", "/admin/delist-requests"),
        ("1", "进行中的服务单", "/admin/supervision"),
        ("1", "待付款的结算单", "/admin/settlements"),
    ] {
        home.assert_contains(&format!(
            "<a class=\"queue-card\" href=\"{link}\"><strong>{count}</strong> {label}<span class=\"age\">最早已等待"
        ));
    }
    home.assert_lacks("待审核的版本");
    home.assert_lacks("尚未生成结算单的月份");
}

/// Moves an order into last month and settles that month, so a statement is
/// ready and unpaid.
fn settle_an_order_last_month(app: &TestApp, order_no: &str) {
    let mut conn = app.conn();
    let month = common::shop::move_into_last_month(&mut conn, order_no);
    yunshi::db::settlements::settle_month(&mut conn, month, common::shop::now()).unwrap();
}
