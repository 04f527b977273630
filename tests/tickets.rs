//! 服务监管 through HTTP: both templates walked to completion, every refusal,
//! races, and the operation log, on SQLite or PostgreSQL.

mod common;

use common::shop::{buy, listed_product, plan, ticket_of};
use common::{TestApp, Visitor, spawn_app};
use reqwest::StatusCode;
use yunshi::domain::product::{Billing, Kind};

/// Buys a product of `kind` as buyer1 and returns (buyer, vendor, ticket id, order number).
async fn bought(app: &TestApp, kind: Kind) -> (Visitor, Visitor, i64, String) {
    let (product, plans) = listed_product(
        app,
        "vendor1",
        kind,
        "网站搭建服务",
        vec![plan(Billing::OneTime, "基础", 50_000, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, product, plans[0], "").await;
    let ticket = ticket_of(&buyer, &number).await;
    (buyer, app.signed_in("vendor1").await, ticket, number)
}

fn ticket_state(app: &TestApp, ticket: i64) -> String {
    use diesel::prelude::*;
    use yunshi::db::schema::tickets;
    tickets::table
        .find(ticket)
        .select(tickets::state)
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_manual_service_goes_from_requirement_to_acceptance() {
    let app = spawn_app().await;
    let (buyer, vendor, ticket, number) = bought(&app, Kind::Service).await;
    let me = format!("/me/services/{ticket}");
    let theirs = format!("/vendor/supervision/{ticket}");
    buyer
        .get("/notifications")
        .await
        .assert_contains(&format!("请提交服务需求：{number}"));
    let page = buyer.get(&me).await;
    page.assert_contains("待提交需求");
    page.assert_contains("通用类");
    // The vendor's list shows it waiting for the buyer; nothing to do yet.
    let list = vendor.get("/vendor/supervision").await;
    list.assert_contains(&number);
    list.assert_lacks("待您处理</span>");
    // Incomplete requirement: refused, typed text kept.
    let incomplete = buyer
        .post(
            &format!("{me}/submit_requirement"),
            &[("requirement", "三页企业站"), ("contact", "")],
        )
        .await;
    assert_eq!(incomplete.status, StatusCode::BAD_REQUEST);
    incomplete.assert_contains("请填写需求信息");
    incomplete.assert_contains("三页企业站");
    buyer
        .post(
            &format!("{me}/submit_requirement"),
            &[("requirement", "三页企业站"), ("contact", "13800000000")],
        )
        .await
        .assert_redirect_to(&me);
    vendor
        .get("/notifications")
        .await
        .assert_contains(&format!("用户已提交需求：{number}"));
    vendor
        .get("/vendor/supervision")
        .await
        .assert_contains("待您处理</span>");
    // Rejected with a reason, revised, resubmitted.
    let no_reason = vendor
        .post(&format!("{theirs}/reject"), &[("reason", "")])
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    vendor
        .post(&format!("{theirs}/reject"), &[("reason", "请说明页面内容")])
        .await
        .assert_redirect_to(&theirs);
    buyer
        .get("/notifications")
        .await
        .assert_contains(&format!("需求被驳回，请修改后重新提交：{number}"));
    let rejected = buyer.get(&me).await;
    rejected.assert_contains("需求已驳回");
    rejected.assert_contains("修改后重新提交");
    buyer
        .post(
            &format!("{me}/submit_requirement"),
            &[
                ("requirement", "首页、产品、联系我们"),
                ("contact", "13800000000"),
            ],
        )
        .await
        .assert_redirect_to(&me);
    // Delivering before confirming is refused; then confirm, deliver.
    let early = vendor
        .post(&format!("{theirs}/deliver"), &[("delivery", "done")])
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    early.assert_contains("服务单当前的状态不允许此操作");
    vendor
        .post(&format!("{theirs}/confirm"), &[])
        .await
        .assert_redirect_to(&theirs);
    assert_eq!(ticket_state(&app, ticket), "in_service");
    vendor
        .post(
            &format!("{theirs}/deliver"),
            &[("delivery", "站点地址 https://example.cn")],
        )
        .await
        .assert_redirect_to(&theirs);
    // Declined acceptance goes back to the vendor; redelivered; accepted.
    buyer
        .post(&format!("{me}/decline"), &[("reason", "联系页缺少地图")])
        .await
        .assert_redirect_to(&me);
    assert_eq!(ticket_state(&app, ticket), "in_service");
    vendor
        .get("/notifications")
        .await
        .assert_contains(&format!("用户验收不通过：{number}"));
    vendor
        .post(&format!("{theirs}/deliver"), &[("delivery", "已补充地图")])
        .await;
    buyer
        .confirm(&format!("{me}/accept"), &[])
        .await
        .assert_redirect_to(&me);
    let done = buyer.get(&me).await;
    done.assert_contains("已完成");
    done.assert_contains("已补充地图");
    assert_eq!(ticket_state(&app, ticket), "completed");
    // The operation log, the same for all three.
    let operator = app.signed_in("operator").await;
    for page in [
        buyer.get(&me).await,
        vendor.get(&theirs).await,
        operator.get(&format!("/admin/supervision/{ticket}")).await,
    ] {
        for step in [
            "创建服务单",
            "提交需求",
            "驳回需求",
            "请说明页面内容",
            "确认需求",
            "填写交付信息",
            "验收不通过",
            "联系页缺少地图",
            "确认验收",
        ] {
            page.assert_contains(step);
        }
        page.assert_contains("用户 张三");
        page.assert_contains("服务商 青云科技");
    }
    // Nothing more happens to a completed ticket.
    let after = buyer.post(&format!("{me}/accept"), &[]).await;
    assert_eq!(after.status, StatusCode::CONFLICT);
    after.assert_contains("服务单已完成或已关闭。");
    // Completion time is recorded for settlement.
    use diesel::prelude::*;
    use yunshi::db::schema::tickets;
    let completed: Option<chrono::NaiveDateTime> = tickets::table
        .find(ticket)
        .select(tickets::completed_at)
        .first(&mut app.conn())
        .unwrap();
    assert!(completed.is_some());
}

#[actix_web::test]
async fn a_license_is_delivered_and_accepted() {
    let app = spawn_app().await;
    let (buyer, vendor, ticket, number) = bought(&app, Kind::License).await;
    vendor
        .get("/notifications")
        .await
        .assert_contains(&format!("新的 License 订单，请尽快线下交付：{number}"));
    let theirs = format!("/vendor/supervision/{ticket}");
    let me = format!("/me/services/{ticket}");
    let page = vendor.get(&theirs).await;
    page.assert_contains("License类");
    page.assert_contains("待交付");
    page.assert_contains("请线下向用户交付 License");
    // A license has no requirement step.
    let requirement = buyer
        .post(
            &format!("{me}/submit_requirement"),
            &[("requirement", "x"), ("contact", "y")],
        )
        .await;
    assert_eq!(requirement.status, StatusCode::CONFLICT);
    vendor
        .post(
            &format!("{theirs}/deliver"),
            &[("delivery", "授权码已邮件发送")],
        )
        .await
        .assert_redirect_to(&theirs);
    buyer
        .get("/notifications")
        .await
        .assert_contains(&format!("服务已交付，请验收：{number}"));
    buyer
        .post(&format!("{me}/decline"), &[("reason", "授权码无效")])
        .await;
    assert_eq!(ticket_state(&app, ticket), "awaiting_delivery");
    vendor
        .post(
            &format!("{theirs}/deliver"),
            &[("delivery", "新授权码已发送")],
        )
        .await;
    buyer
        .confirm(&format!("{me}/accept"), &[])
        .await
        .assert_redirect_to(&me);
    assert_eq!(ticket_state(&app, ticket), "completed");
    vendor
        .get("/notifications")
        .await
        .assert_contains(&format!("用户已确认验收：{number}"));
}

#[actix_web::test]
async fn illegal_actions_and_other_peoples_tickets_are_refused() {
    let app = spawn_app().await;
    let (buyer, vendor, ticket, _) = bought(&app, Kind::Service).await;
    let me = format!("/me/services/{ticket}");
    let theirs = format!("/vendor/supervision/{ticket}");
    // A buyer confirming, a vendor accepting: refused with a message, nothing changes.
    let confirm = buyer.post(&format!("{me}/confirm"), &[]).await;
    assert_eq!(confirm.status, StatusCode::FORBIDDEN);
    confirm.assert_contains("此操作不由您执行。");
    let accept = vendor.post(&format!("{theirs}/accept"), &[]).await;
    assert_eq!(accept.status, StatusCode::FORBIDDEN);
    let submit = vendor
        .post(
            &format!("{theirs}/submit_requirement"),
            &[("requirement", "x"), ("contact", "y")],
        )
        .await;
    assert_eq!(submit.status, StatusCode::FORBIDDEN);
    assert_eq!(
        buyer.post(&format!("{me}/close"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        buyer.post(&format!("{me}/fly"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(ticket_state(&app, ticket), "awaiting_requirement");
    // Another vendor and another buyer do not find it; roles keep to their pages.
    let other_vendor = app.signed_in("vendor2").await;
    assert_eq!(
        other_vendor.get(&theirs).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other_vendor
            .post(&format!("{theirs}/confirm"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    other_vendor
        .get("/vendor/supervision")
        .await
        .assert_contains("暂无服务单。");
    let other_buyer = app.signed_in("buyer2").await;
    assert_eq!(other_buyer.get(&me).await.status, StatusCode::NOT_FOUND);
    assert_eq!(buyer.get(&theirs).await.status, StatusCode::FORBIDDEN);
    assert_eq!(vendor.get(&me).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        vendor.get("/admin/supervision").await.status,
        StatusCode::FORBIDDEN
    );
    // Operators see every ticket but act on none.
    let operator = app.signed_in("operator").await;
    operator
        .get("/admin/supervision")
        .await
        .assert_contains(&format!("#{ticket}"));
    assert_eq!(
        operator
            .post(&format!("{theirs}/confirm"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn a_double_submit_applies_once() {
    let app = spawn_app().await;
    let (buyer, vendor, ticket, _) = bought(&app, Kind::Service).await;
    buyer
        .post(
            &format!("/me/services/{ticket}/submit_requirement"),
            &[("requirement", "需求"), ("contact", "电话")],
        )
        .await;
    let token = vendor.csrf_token().await;
    let path = format!("/vendor/supervision/{ticket}/confirm");
    let fields = [("csrf_token", token.as_str())];
    let pages =
        futures_util::future::join_all((0..5).map(|_| vendor.post_raw(&path, &fields))).await;
    let done = pages
        .iter()
        .filter(|p| p.status == StatusCode::SEE_OTHER)
        .count();
    let conflicts = pages
        .iter()
        .filter(|p| p.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((done, conflicts), (1, 4));
    let log = vendor.get(&format!("/vendor/supervision/{ticket}")).await;
    assert_eq!(log.body.matches("<td>确认需求</td>").count(), 1);
}

#[actix_web::test]
async fn a_refunded_order_closes_its_ticket() {
    let app = spawn_app().await;
    let (buyer, vendor, ticket, number) = bought(&app, Kind::Service).await;
    buyer
        .post(
            &format!("/me/orders/{number}/refund-request"),
            &[("reason", "buyer_ends"), ("description", "不再需要")],
        )
        .await;
    let operator = app.signed_in("operator").await;
    let request: i64 = {
        use diesel::prelude::*;
        use yunshi::db::schema::refund_requests;
        refund_requests::table
            .select(refund_requests::id)
            .first(&mut app.conn())
            .unwrap()
    };
    operator
        .confirm(
            &format!("/admin/refunds/{request}/refund"),
            &[("amount", "500")],
        )
        .await
        .assert_redirect_to("/admin/refunds");
    assert_eq!(ticket_state(&app, ticket), "closed");
    let page = vendor.get(&format!("/vendor/supervision/{ticket}")).await;
    page.assert_contains("已关闭");
    page.assert_contains("关闭（订单已退款）");
    page.assert_contains("系统");
    vendor
        .get("/notifications")
        .await
        .assert_contains(&format!("服务单已关闭（订单已退款）：{number}"));
    let late = buyer
        .post(
            &format!("/me/services/{ticket}/submit_requirement"),
            &[("requirement", "x"), ("contact", "y")],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
}

#[actix_web::test]
async fn the_vendor_list_filters_and_puts_its_own_turn_first() {
    let app = spawn_app().await;
    let (buyer, vendor, first, _) = bought(&app, Kind::Service).await;
    let (_, _, license, _) = bought(&app, Kind::License).await;
    let _ = buyer;
    let list = vendor.get("/vendor/supervision").await;
    // The license ticket waits for the vendor: listed first.
    assert!(
        list.body.find(&format!(">#{license}<")).unwrap()
            < list.body.find(&format!(">#{first}<")).unwrap()
    );
    let generic = vendor.get("/vendor/supervision?template=generic").await;
    generic.assert_contains(&format!(">#{first}<"));
    generic.assert_lacks(&format!(">#{license}<"));
    let waiting = vendor
        .get("/vendor/supervision?state=awaiting_delivery")
        .await;
    waiting.assert_contains(&format!(">#{license}<"));
    waiting.assert_lacks(&format!(">#{first}<"));
    vendor.switch_language("en").await;
    vendor
        .get("/vendor/supervision")
        .await
        .assert_contains("Awaiting delivery");
}
