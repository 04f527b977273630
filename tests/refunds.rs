//! 订单退款 through HTTP: five-day refunds, stopping billing, negotiated
//! refunds, and their races, on SQLite or PostgreSQL.

mod common;

use common::shop::{buy, image_product, listed_product, plan};
use common::{TestApp, spawn_app};
use reqwest::StatusCode;
use yunshi::domain::product::{Billing, Kind};

fn order_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    yunshi::db::schema::orders::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn the_five_day_refund_is_immediate_and_shown_as_in_the_seed() {
    let app = spawn_app().await;
    let (product, prepaid, _) = image_product(&app);
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, product, prepaid, "m1").await;
    let page = buyer.get(&format!("/me/orders/{number}")).await;
    page.assert_contains("五天无理由退款");
    page.assert_contains("全额退款 ¥99");
    buyer
        .confirm(&format!("/me/orders/{number}/five-day-refund"), &[])
        .await
        .assert_redirect_to(&format!("/me/orders/{number}"));
    let after = buyer.get(&format!("/me/orders/{number}")).await;
    after.assert_contains("已全额退款，订阅已结束。");
    after.assert_contains("已停止");
    after.assert_contains("退款 预付费(包年包月)");
    after.assert_lacks("five-day-refund\"");
    // The purchase links to its refund and the refund back to the purchase.
    let refund_no = {
        let marker = "关联订单</dt><dd class=\"mono\"><a href=\"/me/orders/";
        let start = after.body.find(marker).expect("a related-order link") + marker.len();
        after.body[start..].split('"').next().unwrap().to_string()
    };
    assert_ne!(refund_no, number);
    buyer
        .get(&format!("/me/orders/{refund_no}"))
        .await
        .assert_contains(&format!("<a href=\"/me/orders/{number}\">{number}</a>"));
    let again = buyer
        .confirm(&format!("/me/orders/{number}/five-day-refund"), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    again.assert_contains("该订单已退款。");
    // The vendor's list: the purchase is 已退款, the refund order beside it.
    let vendor = app.signed_in("vendor1").await;
    let list = vendor.get("/vendor/orders?type=refund").await;
    list.assert_contains("退款 预付费(包年包月)");
    list.assert_contains("<td>-</td>");
    list.assert_contains("¥99");
    list.assert_contains("已退款");
    vendor
        .get(&format!("/vendor/orders/{number}"))
        .await
        .assert_contains("已退款");
    vendor
        .get("/notifications")
        .await
        .assert_contains(&format!("订单已退款：{number}"));
    // The buyer made the refund and read its outcome on the page: a notice
    // goes to the other side only.
    buyer
        .get("/notifications")
        .await
        .assert_lacks(&format!("退款成功：{number}"));
    assert_eq!(order_count(&app), 2);
}

#[actix_web::test]
async fn the_five_day_window_closes_after_five_times_twenty_four_hours() {
    let app = spawn_app().await;
    let (product, prepaid, _) = image_product(&app);
    let buyer = app.signed_in("buyer1").await;
    let outside = buy(&buyer, product, prepaid, "m1").await;
    app.travel(chrono::Duration::seconds(10));
    let inside = buy(&buyer, product, prepaid, "m1").await;
    // Five days on, the first order is just past 5×24 hours, the second just inside.
    app.travel(chrono::Duration::seconds(120 * 3600 - 5));
    // The session ended in those days (idle for more than 8 hours).
    buyer
        .get("/me/orders")
        .await
        .assert_redirect_to("/login?next=/me/orders");
    let buyer = app.signed_in("buyer1").await;
    buyer
        .get(&format!("/me/orders/{outside}"))
        .await
        .assert_contains("不支持五天无理由退款：已超过支付后 5×24 小时");
    let late = buyer
        .confirm(&format!("/me/orders/{outside}/five-day-refund"), &[])
        .await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    late.assert_contains("已超过支付后 5×24 小时");
    buyer
        .confirm(&format!("/me/orders/{inside}/five-day-refund"), &[])
        .await
        .assert_redirect_to(&format!("/me/orders/{inside}"));
}

#[actix_web::test]
async fn renewals_hourly_and_other_kinds_are_told_why_not() {
    let app = spawn_app().await;
    let (product, prepaid, hourly) = image_product(&app);
    let (license, license_plans) = listed_product(
        &app,
        "vendor1",
        Kind::License,
        "Office",
        vec![plan(Billing::OneTime, "单用户", 30_000, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    let purchase = buy(&buyer, product, prepaid, "m1").await;
    let renewed = buyer
        .post(
            &format!("/me/orders/{purchase}/renew"),
            &[
                ("term", "m1"),
                ("total_fen", "9900"),
                ("checkout_key", &yunshi::db::orders::new_checkout_key()),
            ],
        )
        .await;
    let renewal = renewed
        .location()
        .unwrap()
        .trim_start_matches("/me/orders/")
        .to_string();
    let hourly_no = buy(&buyer, product, hourly, "").await;
    let license_no = buy(&buyer, license, license_plans[0], "").await;
    for (number, message) in [
        (&renewal, "续费订单和退款订单不适用。"),
        (&hourly_no, "仅包年包月的订单适用。"),
        (&license_no, "仅镜像商品适用。"),
    ] {
        let page = buyer
            .confirm(&format!("/me/orders/{number}/five-day-refund"), &[])
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{number}");
        page.assert_contains(message);
    }
    let before = order_count(&app);
    assert_eq!(before, 4);
    // Another buyer's order is not found.
    let stranger = app.signed_in("buyer2").await;
    assert_eq!(
        stranger
            .confirm(&format!("/me/orders/{purchase}/five-day-refund"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(order_count(&app), before);
}

#[actix_web::test]
async fn two_five_day_requests_at_once_refund_once() {
    let app = spawn_app().await;
    let (product, prepaid, _) = image_product(&app);
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, product, prepaid, "m1").await;
    let token = buyer.csrf_token().await;
    let path = format!("/me/orders/{number}/five-day-refund");
    let fields = [("csrf_token", token.as_str()), ("confirmed", "yes")];
    let pages =
        futures_util::future::join_all((0..6).map(|_| buyer.post_raw(&path, &fields))).await;
    let done = pages
        .iter()
        .filter(|p| p.status == StatusCode::SEE_OTHER)
        .count();
    let refused = pages
        .iter()
        .filter(|p| p.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((done, refused), (1, 5));
    assert_eq!(order_count(&app), 2, "one refund order");
}

#[actix_web::test]
async fn stopping_billing_writes_a_refund_of_zero() {
    let app = spawn_app().await;
    let (product, _, hourly) = image_product(&app);
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, product, hourly, "").await;
    buyer
        .get(&format!("/me/orders/{number}"))
        .await
        .assert_contains("停止计费");
    buyer
        .confirm(&format!("/me/orders/{number}/stop-billing"), &[])
        .await
        .assert_redirect_to(&format!("/me/orders/{number}"));
    let page = buyer.get(&format!("/me/orders/{number}")).await;
    page.assert_contains("已停止计费。");
    page.assert_contains("退款 按小时计费实时付费");
    page.assert_contains("¥0");
    assert_eq!(
        buyer
            .confirm(&format!("/me/orders/{number}/stop-billing"), &[])
            .await
            .status,
        StatusCode::CONFLICT
    );
}

#[actix_web::test]
async fn negotiated_refunds_go_through_the_operator_full_or_partial() {
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
    let path = format!("/me/orders/{number}/refund-request");
    let no_reason = buyer
        .post(&path, &[("reason", "because"), ("description", "x")])
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    no_reason.assert_contains("请选择退款原因。");
    let empty = buyer
        .post(
            &path,
            &[("reason", "not_as_described"), ("description", " ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    buyer
        .post(
            &path,
            &[
                ("reason", "not_as_described"),
                ("description", "授权无法激活 <b>"),
            ],
        )
        .await
        .assert_redirect_to(&format!("/me/orders/{number}"));
    let twice = buyer
        .post(&path, &[("reason", "other"), ("description", "again")])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    twice.assert_contains("该订单已有处理中的退款申请。");

    let operator = app.signed_in("operator").await;
    operator
        .get("/notifications")
        .await
        .assert_contains(&format!("新的退款申请：{number}"));
    let queue = operator.get("/admin/refunds").await;
    queue.assert_contains("服务商描述的商品功能及服务与实际不符");
    queue.assert_contains("授权无法激活 &#60;b&#62;");
    queue.assert_contains("value=\"300\"");
    let request = |app: &TestApp| -> i64 {
        use diesel::prelude::*;
        use yunshi::db::schema::refund_requests;
        refund_requests::table
            .filter(refund_requests::state.eq("open"))
            .select(refund_requests::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let id = request(&app);
    let too_much = operator
        .confirm(
            &format!("/admin/refunds/{id}/refund"),
            &[("amount", "300.01")],
        )
        .await;
    assert_eq!(too_much.status, StatusCode::BAD_REQUEST);
    too_much.assert_contains("不超过剩余可退金额 ¥300");
    let bad = operator
        .confirm(&format!("/admin/refunds/{id}/refund"), &[("amount", "abc")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    operator
        .confirm(&format!("/admin/refunds/{id}/refund"), &[("amount", "100")])
        .await
        .assert_redirect_to("/admin/refunds");
    let again = operator
        .confirm(&format!("/admin/refunds/{id}/refund"), &[("amount", "1")])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // A partial refund leaves the order paid with the refunded sum shown.
    let page = buyer.get(&format!("/me/orders/{number}")).await;
    page.assert_contains("已支付 · 已退 ¥100");
    page.assert_contains("退款 预付费(一次性)");
    buyer
        .get("/notifications")
        .await
        .assert_contains(&format!("退款成功：{number}"));
    // The rest, after a second request; then nothing is left.
    buyer
        .post(
            &path,
            &[("reason", "cannot_deliver"), ("description", "仍无法使用")],
        )
        .await;
    let id = request(&app);
    let over = operator
        .confirm(&format!("/admin/refunds/{id}/refund"), &[("amount", "250")])
        .await;
    over.assert_contains("不超过剩余可退金额 ¥200");
    operator
        .confirm(&format!("/admin/refunds/{id}/refund"), &[("amount", "200")])
        .await
        .assert_redirect_to("/admin/refunds");
    let done = buyer.get(&format!("/me/orders/{number}")).await;
    done.assert_contains("已退款 · 已退 ¥300");
    done.assert_lacks("提交退款申请");
    let more = buyer
        .post(&path, &[("reason", "other"), ("description", "more")])
        .await;
    assert_eq!(more.status, StatusCode::BAD_REQUEST);
    more.assert_contains("该订单没有可退的金额。");
    let audit = operator.get("/admin/audit").await;
    assert_eq!(audit.body.matches("<td>退款</td>").count(), 2);
    // Each entry keeps its own amount.
    audit.assert_contains("<td>¥100</td>");
    audit.assert_contains("<td>¥200</td>");
}

#[actix_web::test]
async fn a_declined_request_needs_a_reason_and_tells_the_buyer() {
    let app = spawn_app().await;
    let (product, prepaid, _) = image_product(&app);
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, product, prepaid, "m3").await;
    buyer
        .post(
            &format!("/me/orders/{number}/refund-request"),
            &[("reason", "buyer_ends"), ("description", "不再需要")],
        )
        .await;
    let operator = app.signed_in("operator").await;
    let id: i64 = {
        use diesel::prelude::*;
        use yunshi::db::schema::refund_requests;
        refund_requests::table
            .select(refund_requests::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let empty = operator
        .confirm(&format!("/admin/refunds/{id}/decline"), &[("reason", "")])
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    operator
        .confirm(
            &format!("/admin/refunds/{id}/decline"),
            &[("reason", "服务已开始")],
        )
        .await
        .assert_redirect_to("/admin/refunds");
    buyer
        .get("/notifications")
        .await
        .assert_contains(&format!("退款申请被拒绝：{number}"));
    let page = buyer.get(&format!("/me/orders/{number}")).await;
    page.assert_contains("服务已开始");
    page.assert_contains("已拒绝");
    operator
        .get("/admin/audit")
        .await
        .assert_contains("拒绝退款申请");
    // Only operators decide.
    let vendor = app.signed_in("vendor1").await;
    assert_eq!(
        vendor.get("/admin/refunds").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        buyer
            .confirm(&format!("/admin/refunds/{id}/refund"), &[("amount", "1")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
