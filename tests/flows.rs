//! Every flow the way its users expect it, through HTTP on SQLite or
//! PostgreSQL: notices to the other side, confirmations before irreversible
//! steps, nothing typed lost, the vendor's say on refunds, supervision with
//! promised delivery times and messages.

mod common;

use common::shop::{
    account_id, buy, image_form, listed_product, new_image_product, plan, ticket_of,
};
use common::{TestApp, Visitor, logo_fixtures, spawn_app};
use diesel::prelude::*;
use reqwest::StatusCode;
use yunshi::db::schema::{orders, products, refund_requests, tickets};
use yunshi::domain::product::{Billing, Kind};

fn valid_logo() -> Vec<u8> {
    std::fs::read(logo_fixtures().join("valid_logo.png")).unwrap()
}

/// A new image product of the vendor with a logo, ready to submit.
async fn product_with_logo(vendor: &Visitor, name: &str) -> i64 {
    let id = new_image_product(vendor, name).await;
    let path = format!("/vendor/products/{id}/edit");
    let mut typed = image_form(name, "99").to_vec();
    typed.push(("step", "upload"));
    vendor
        .post_file_with(&path, &typed, "logo", "logo.png", &valid_logo())
        .await
        .assert_redirect_to(&path);
    id
}

/// A service bought by buyer1 from vendor1: (buyer, vendor, ticket, order number).
async fn service_bought(app: &TestApp) -> (Visitor, Visitor, i64, String) {
    let (product, plans) = listed_product(
        app,
        "vendor1",
        Kind::Service,
        "网站搭建服务",
        vec![plan(Billing::OneTime, "基础", 50_000, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, product, plans[0], "").await;
    let ticket = ticket_of(&buyer, &number).await;
    (buyer, app.signed_in("vendor1").await, ticket, number)
}

/// The buyer submits the requirement on its ticket page `me`.
async fn submit_requirement(buyer: &Visitor, me: &str) -> common::Page {
    buyer
        .post(
            &format!("{me}/submit_requirement"),
            &[("requirement", "三页企业站"), ("contact", "13800000000")],
        )
        .await
}

#[actix_web::test]
async fn each_ticket_step_tells_the_other_side_and_never_the_one_who_acted() {
    let app = spawn_app().await;
    let (buyer, vendor, ticket, number) = service_bought(&app).await;
    let me = format!("/me/services/{ticket}");
    let theirs = format!("/vendor/supervision/{ticket}");
    submit_requirement(&buyer, &me)
        .await
        .assert_redirect_to(&me);
    let page = buyer.get(&me).await;
    page.assert_contains("需求已提交，等待服务商确认。");
    vendor
        .get("/notifications")
        .await
        .assert_contains(&format!("用户已提交需求：{number}"));
    buyer
        .get("/notifications")
        .await
        .assert_lacks(&format!("用户已提交需求：{number}"));
    // 确认需求: the buyer hears of it; the vendor who clicked does not.
    vendor
        .post(&format!("{theirs}/confirm"), &[])
        .await
        .assert_redirect_to(&theirs);
    let confirmed = vendor.get(&theirs).await;
    confirmed.assert_contains("已确认需求，服务单进入服务中，用户已收到通知。");
    let buyer_notices = buyer.get("/notifications").await;
    buyer_notices.assert_contains(&format!("服务商已确认需求：{number}"));
    // Each notice opens through its own form, which marks it read.
    buyer_notices.assert_contains("/open\" class=\"inline\"");
    vendor
        .get("/notifications")
        .await
        .assert_lacks(&format!("服务商已确认需求：{number}"));
}

#[actix_web::test]
async fn opening_a_notification_marks_it_read_and_the_badge_follows() {
    let app = spawn_app().await;
    let (buyer, _vendor, _ticket, number) = service_bought(&app).await;
    let home = buyer.get("/me").await;
    home.assert_contains("class=\"badge\"");
    let list = buyer.get("/notifications").await;
    list.assert_contains(&format!("请提交服务需求：{number}"));
    let id: i64 = {
        use yunshi::db::schema::notifications;
        notifications::table
            .filter(notifications::account_id.eq(account_id(&app, "buyer1")))
            .select(notifications::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let opened = buyer.post(&format!("/notifications/{id}/open"), &[]).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    assert!(opened.location().unwrap().starts_with("/me/services/"));
    buyer.get("/me").await.assert_lacks("class=\"badge\"");
    // Someone else's notification is not theirs to open.
    let other = app.signed_in("buyer2").await;
    let refused = other.post(&format!("/notifications/{id}/open"), &[]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_edit_page_saves_and_submits_in_one_step() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = product_with_logo(&vendor, "编辑即提交").await;
    let edit = vendor.get(&format!("/vendor/products/{id}/edit")).await;
    edit.assert_contains("name=\"step\" value=\"submit\"");
    edit.assert_contains("提交审核");
    let mut fields = image_form("编辑即提交", "109").to_vec();
    fields.push(("step", "submit"));
    let done = vendor
        .post(&format!("/vendor/products/{id}/edit"), &fields)
        .await;
    done.assert_redirect_to(&format!("/vendor/products/{id}"));
    let page = vendor.get(&format!("/vendor/products/{id}")).await;
    page.assert_contains("草稿已保存并提交审核。");
    page.assert_contains("审核中");
    let operator = app.signed_in("operator").await;
    operator
        .get("/admin/reviews")
        .await
        .assert_contains("编辑即提交");
}

#[actix_web::test]
async fn a_logo_upload_keeps_what_was_typed_and_saves_it_with_the_logo() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = new_image_product(&vendor, "旧名字").await;
    let path = format!("/vendor/products/{id}/edit");
    let mut typed = image_form("新名字未保存", "99").to_vec();
    typed.push(("step", "upload"));
    // A logo that breaks the rule: the page comes back with every typed field.
    let not_a_logo = vendor
        .post_file_with(&path, &typed, "logo", "x.png", b"not an image")
        .await;
    assert_eq!(not_a_logo.status, StatusCode::BAD_REQUEST);
    not_a_logo.assert_contains("value=\"新名字未保存\"");
    // A passing logo is stored and the typed fields are saved with it.
    let stored = vendor
        .post_file_with(&path, &typed, "logo", "logo.png", &valid_logo())
        .await;
    stored.assert_redirect_to(&path);
    let page = vendor.get(&path).await;
    page.assert_contains("草稿已一并保存");
    page.assert_contains("value=\"新名字未保存\"");
    page.assert_contains("src=\"/logos/");
    // With a field wrong, the passing logo is kept and the typed form too.
    let mut broken = image_form("", "99").to_vec();
    broken.push(("step", "upload"));
    let kept = vendor
        .post_file_with(&path, &broken, "logo", "logo.png", &valid_logo())
        .await;
    assert_eq!(kept.status, StatusCode::BAD_REQUEST);
    kept.assert_contains("尚未保存");
    kept.assert_contains("class=\"field-error\"");
    // A file chosen and then 保存草稿 pressed is uploaded with the draft.
    let mut saving = image_form("选了文件就保存", "99").to_vec();
    saving.push(("step", "save"));
    vendor
        .post_file_with(&path, &saving, "logo", "logo.png", &valid_logo())
        .await
        .assert_redirect_to(&format!("/vendor/products/{id}"));
    vendor
        .get(&format!("/vendor/products/{id}"))
        .await
        .assert_contains("草稿已一并保存");
    // A NUL character is refused in this form as in every other.
    let nul = vendor
        .post_file_with(
            &path,
            &[("name", "a\0b"), ("step", "save")],
            "logo",
            "x.png",
            b"",
        )
        .await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST);
    vendor
        .get(&path)
        .await
        .assert_contains("value=\"选了文件就保存\"");
}

#[actix_web::test]
async fn an_operator_approves_and_lists_in_one_step() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = product_with_logo(&vendor, "一步上架").await;
    vendor
        .post(&format!("/vendor/products/{id}/submit"), &[])
        .await;
    let revision: i64 = {
        use yunshi::db::schema::revisions;
        revisions::table
            .filter(revisions::product_id.eq(id))
            .select(revisions::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let operator = app.signed_in("operator").await;
    let review = operator.get(&format!("/admin/reviews/{revision}")).await;
    review.assert_contains("通过并上架");
    operator
        .post(
            &format!("/admin/reviews/{revision}/approve"),
            &[("and_list", "1")],
        )
        .await
        .assert_redirect_to("/admin/reviews");
    let listing: String = products::table
        .find(id)
        .select(products::listing)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(listing, "listed");
    operator
        .get("/admin/reviews")
        .await
        .assert_contains("已通过审核并上架。");
    let notices = vendor.get("/notifications").await;
    notices.assert_contains("审核通过：一步上架");
    notices.assert_contains("已上架：一步上架");
}

#[actix_web::test]
async fn irreversible_steps_ask_first_and_say_what_will_happen() {
    let app = spawn_app().await;
    let (product, plans) = listed_product(
        &app,
        "vendor1",
        Kind::Image,
        "CentOS 7.9",
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    let number = buy(&buyer, product, plans[0], "m1").await;
    let path = format!("/me/orders/{number}/five-day-refund");
    let asked = buyer.post(&path, &[]).await;
    assert_eq!(asked.status, StatusCode::OK);
    asked.assert_contains("请确认");
    asked.assert_contains(&number);
    asked.assert_contains("¥99");
    asked.assert_contains("name=\"confirmed\" value=\"yes\"");
    asked.assert_contains(&format!("href=\"/me/orders/{number}\""));
    let status: String = orders::table
        .filter(orders::order_no.eq(&number))
        .select(orders::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "paid", "nothing happens before the confirmation");
    buyer
        .post(&path, &[("confirmed", "yes")])
        .await
        .assert_redirect_to(&format!("/me/orders/{number}"));
    // Its subscription ended now: it shows when, not an expiry it never reaches.
    let refunded = buyer.get(&format!("/me/orders/{number}")).await;
    refunded.assert_contains("停止于");
    refunded.assert_lacks("到期");

    // The operator's steps say what they do too.
    let operator = app.signed_in("operator").await;
    let delist = operator
        .post(
            &format!("/admin/products/{product}/delist"),
            &[("reason", "镜像存在漏洞")],
        )
        .await;
    assert_eq!(delist.status, StatusCode::OK);
    delist.assert_contains("CentOS 7.9");
    delist.assert_contains("镜像存在漏洞");
    delist.assert_contains("name=\"reason\" value=\"镜像存在漏洞\"");
    let vendor_id = account_id(&app, "vendor1");
    let disable = operator
        .post(&format!("/admin/accounts/{vendor_id}/disable"), &[])
        .await;
    assert_eq!(disable.status, StatusCode::OK);
    disable.assert_contains("vendor1");
    disable.assert_contains("会话立即结束");
    let disabled_at: Option<chrono::NaiveDateTime> = {
        use yunshi::db::schema::accounts;
        accounts::table
            .find(vendor_id)
            .select(accounts::disabled_at)
            .first(&mut app.conn())
            .unwrap()
    };
    assert_eq!(disabled_at, None, "still enabled until confirmed");
}

#[actix_web::test]
async fn a_confirmed_step_is_still_checked_by_the_store() {
    let app = spawn_app().await;
    let (product, plans) = listed_product(
        &app,
        "vendor1",
        Kind::Image,
        "过期镜像",
        vec![
            plan(Billing::Prepaid, "标准版", 9900, None),
            plan(Billing::Hourly, "按量", 110, None),
        ],
    );
    let buyer = app.signed_in("buyer1").await;
    // Outside the five days: the confirmation is no key to the refund.
    let late = buy(&buyer, product, plans[0], "m1").await;
    let week_ago = common::shop::now() - chrono::Duration::days(6);
    diesel::update(orders::table.filter(orders::order_no.eq(&late)))
        .set(orders::created_at.eq(week_ago))
        .execute(&mut app.conn())
        .unwrap();
    let refused = buyer
        .post(
            &format!("/me/orders/{late}/five-day-refund"),
            &[("confirmed", "yes")],
        )
        .await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    // Stopped once; the confirmed second stop is refused by the update.
    let hourly = buy(&buyer, product, plans[1], "").await;
    let stop = format!("/me/orders/{hourly}/stop-billing");
    buyer
        .post(&stop, &[("confirmed", "yes")])
        .await
        .assert_redirect_to(&format!("/me/orders/{hourly}"));
    let again = buyer.post(&stop, &[("confirmed", "yes")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // Withdrawing a review that is not pending.
    let vendor = app.signed_in("vendor1").await;
    let draft = new_image_product(&vendor, "草稿").await;
    let withdraw = vendor
        .post(
            &format!("/vendor/products/{draft}/withdraw"),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(withdraw.status, StatusCode::CONFLICT);
}

#[actix_web::test]
async fn the_vendor_gives_its_position_on_a_refund_request_and_the_operator_sees_it() {
    let app = spawn_app().await;
    let (buyer, vendor, _ticket, number) = service_bought(&app).await;
    buyer
        .post(
            &format!("/me/orders/{number}/refund-request"),
            &[("reason", "cannot_deliver"), ("description", "服务商失联")],
        )
        .await
        .assert_redirect_to(&format!("/me/orders/{number}"));
    let notices = vendor.get("/notifications").await;
    notices.assert_contains(&format!("用户对你的订单申请退款，请说明你的意见：{number}"));
    vendor
        .get("/vendor")
        .await
        .assert_contains("待你表态的退款申请");
    let list = vendor.get("/vendor/refunds").await;
    list.assert_contains(&number);
    list.assert_contains("服务商失联");
    let request: i64 = refund_requests::table
        .select(refund_requests::id)
        .first(&mut app.conn())
        .unwrap();
    let path = format!("/vendor/refunds/{request}/position");
    let missing = vendor
        .post(
            &path,
            &[("position", "agrees"), ("note", "同意"), ("contact", "")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    missing.assert_contains("请填写联系方式");
    vendor
        .post(
            &path,
            &[
                ("position", "disagrees"),
                ("note", "已交付一半"),
                ("contact", "王经理 13900000000"),
            ],
        )
        .await
        .assert_redirect_to("/vendor/refunds");
    // Another vendor cannot answer for it.
    let other = app.signed_in("vendor2").await;
    let refused = other
        .post(
            &path,
            &[("position", "agrees"), ("note", "x"), ("contact", "x")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let operator = app.signed_in("operator").await;
    operator
        .get("/notifications")
        .await
        .assert_contains(&format!("服务商已对退款申请表态：{number}"));
    let queue = operator.get("/admin/refunds").await;
    queue.assert_contains("服务商不同意退款");
    queue.assert_contains("已交付一半");
    queue.assert_contains("王经理 13900000000");
    // The operator still decides; declining tells buyer and vendor.
    operator
        .confirm(
            &format!("/admin/refunds/{request}/decline"),
            &[("reason", "服务已部分交付")],
        )
        .await
        .assert_redirect_to("/admin/refunds");
    vendor
        .get("/notifications")
        .await
        .assert_contains(&format!("退款申请已被拒绝，订单照常结算：{number}"));
    let answered_again = vendor
        .post(
            &path,
            &[("position", "agrees"), ("note", "x"), ("contact", "x")],
        )
        .await;
    assert_eq!(answered_again.status, StatusCode::CONFLICT);
}

#[actix_web::test]
async fn a_rejected_requirement_shows_why_and_a_finished_ticket_stops_waiting() {
    let app = spawn_app().await;
    let (buyer, vendor, ticket, _number) = service_bought(&app).await;
    let me = format!("/me/services/{ticket}");
    let theirs = format!("/vendor/supervision/{ticket}");
    submit_requirement(&buyer, &me).await;
    vendor
        .post(&format!("{theirs}/reject"), &[("reason", "请说明页面内容")])
        .await;
    let page = buyer.get(&me).await;
    let reason_at = page.body.find("请说明页面内容").unwrap();
    let form_at = page.body.find("submit_requirement").unwrap();
    assert!(
        reason_at < form_at,
        "the reason comes before the resubmit form"
    );
    page.assert_contains("服务商驳回了需求，原因：");
    // Finished: its wait is frozen at the opening-to-completion time.
    submit_requirement(&buyer, &me).await;
    vendor.post(&format!("{theirs}/confirm"), &[]).await;
    vendor
        .post(&format!("{theirs}/deliver"), &[("delivery", "已上线")])
        .await;
    buyer.confirm(&format!("{me}/accept"), &[]).await;
    let long_ago = common::shop::now() - chrono::Duration::days(40);
    diesel::update(tickets::table.find(ticket))
        .set((
            tickets::created_at.eq(long_ago),
            tickets::state_since.eq(long_ago + chrono::Duration::days(3)),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let list = vendor.get("/vendor/supervision").await;
    list.assert_contains("3 天");
    list.assert_lacks("40 天");
    list.assert_lacks("37 天");
}

#[actix_web::test]
async fn a_ticket_past_its_promised_delivery_is_overdue_and_the_vendor_is_reminded_once() {
    let app = spawn_app().await;
    let (buyer, vendor, ticket, number) = service_bought(&app).await;
    let me = format!("/me/services/{ticket}");
    let theirs = format!("/vendor/supervision/{ticket}");
    submit_requirement(&buyer, &me).await;
    vendor.post(&format!("{theirs}/confirm"), &[]).await;
    let (promised, due): (Option<i32>, Option<chrono::NaiveDateTime>) = tickets::table
        .find(ticket)
        .select((tickets::promised_days, tickets::due_at))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(promised, Some(7), "the product's 承诺交付天数");
    let due = due.expect("the promise runs from the confirmation");
    let page = vendor.get(&theirs).await;
    page.assert_contains("承诺交付截止");
    page.assert_lacks("已超时");
    // A day past the promise.
    let later = due + chrono::Duration::days(1);
    let mut conn = app.conn();
    assert_eq!(
        yunshi::db::tickets::remind_overdue(&mut conn, later).unwrap(),
        1
    );
    assert_eq!(
        yunshi::db::tickets::remind_overdue(&mut conn, later).unwrap(),
        0
    );
    drop(conn);
    vendor
        .get("/notifications")
        .await
        .assert_contains(&format!("服务单已超过承诺交付时间，请尽快交付：{number}"));
    // A week and a day later (by the app's clock; signed in again, since the
    // sessions ended meanwhile): marked on lists and dashboards.
    app.travel(chrono::Duration::days(8));
    let vendor = app.signed_in("vendor1").await;
    vendor.get(&theirs).await.assert_contains("已超时");
    vendor
        .get("/vendor/supervision?overdue=1")
        .await
        .assert_contains(&number);
    vendor
        .get("/vendor")
        .await
        .assert_contains("超过承诺交付时间的服务单");
    let operator = app.signed_in("operator").await;
    operator
        .get("/admin/supervision")
        .await
        .assert_contains("已超时");
    operator
        .get("/admin")
        .await
        .assert_contains("超过承诺交付时间的服务单");
    // Delivered: no longer overdue.
    vendor
        .post(&format!("{theirs}/deliver"), &[("delivery", "已上线")])
        .await;
    vendor.get(&theirs).await.assert_lacks("tag overdue");
}

#[actix_web::test]
async fn buyer_and_vendor_exchange_messages_kept_in_the_log() {
    let app = spawn_app().await;
    let (buyer, vendor, ticket, number) = service_bought(&app).await;
    let me = format!("/me/services/{ticket}");
    let theirs = format!("/vendor/supervision/{ticket}");
    let empty = buyer
        .post(&format!("{me}/message"), &[("message", " ")])
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    empty.assert_contains("请填写留言内容");
    buyer
        .post(&format!("{me}/message"), &[("message", "需要备案吗？")])
        .await
        .assert_redirect_to(&format!("{me}#ticket-log"));
    vendor
        .get("/notifications")
        .await
        .assert_contains(&format!("服务单有新留言：{number}"));
    vendor
        .post(
            &format!("{theirs}/message"),
            &[("message", "需要，我们协助办理")],
        )
        .await;
    let page = buyer.get(&me).await;
    let question = page.body.find("需要备案吗？").unwrap();
    let answer = page.body.find("需要，我们协助办理").unwrap();
    assert!(
        question < answer,
        "the log reads in the order things happened"
    );
    buyer
        .get("/notifications")
        .await
        .assert_contains(&format!("服务单有新留言：{number}"));
    // An operator reads it and cannot write into it by any address.
    let operator = app.signed_in("operator").await;
    let read = operator.get(&format!("/admin/supervision/{ticket}")).await;
    read.assert_contains("需要备案吗？");
    read.assert_lacks("name=\"message\"");
    for path in [
        format!("/admin/supervision/{ticket}/message"),
        format!("/me/services/{ticket}/message"),
        format!("/vendor/supervision/{ticket}/message"),
    ] {
        let refused = operator.post(&path, &[("message", "运营插话")]).await;
        assert!(
            refused.status.is_client_error(),
            "{path}: {}",
            refused.status
        );
    }
    buyer.get(&me).await.assert_lacks("运营插话");
}

#[actix_web::test]
async fn the_vendor_filters_orders_by_product_name_and_errors_name_their_field() {
    let app = spawn_app().await;
    let (product, plans) = listed_product(
        &app,
        "vendor1",
        Kind::Image,
        "按名字找我",
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    buy(&buyer, product, plans[0], "m1").await;
    let vendor = app.signed_in("vendor1").await;
    let list = vendor.get("/vendor/orders").await;
    list.assert_contains(&format!("<option value=\"{product}\">按名字找我</option>"));
    let chosen = vendor
        .get(&format!("/vendor/orders?product={product}"))
        .await;
    chosen.assert_contains(&format!(
        "<option value=\"{product}\" selected>按名字找我</option>"
    ));
    let wrong = vendor.get("/vendor/orders?buyer_uin=12").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    wrong.assert_contains("用户ID：");
}

#[actix_web::test]
async fn an_hourly_checkout_says_the_rate_and_cards_say_only_what_applies() {
    let app = spawn_app().await;
    let (product, plans) = listed_product(
        &app,
        "vendor1",
        Kind::Image,
        "按量镜像",
        vec![plan(Billing::Hourly, "按量", 110, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    let checkout = buyer
        .get(&format!(
            "/shop/products/{product}/checkout?plan={}",
            plans[0]
        ))
        .await;
    checkout.assert_contains("确认开通，按 ¥1.1/小时 计费");
    checkout.assert_lacks("¥0");
    let number = buy(&buyer, product, plans[0], "").await;
    buyer
        .confirm(&format!("/me/orders/{number}/stop-billing"), &[])
        .await
        .assert_redirect_to(&format!("/me/orders/{number}"));
    let page = buyer.get(&format!("/me/orders/{number}")).await;
    page.assert_lacks("class=\"panel refunds\"");
    page.assert_contains("已停止");
    // A paid service order offers the negotiated request folded away.
    let (_buyer, _vendor, _ticket, service) = service_bought(&app).await;
    let page = buyer.get(&format!("/me/orders/{service}")).await;
    page.assert_contains("<details class=\"refund-request-box\">");
}

#[actix_web::test]
async fn warnings_read_as_warnings() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = product_with_logo(&vendor, "只读").await;
    vendor
        .post(&format!("/vendor/products/{id}/submit"), &[])
        .await;
    vendor
        .get(&format!("/vendor/products/{id}/edit"))
        .await
        .assert_redirect_to(&format!("/vendor/products/{id}"));
    let page = vendor.get(&format!("/vendor/products/{id}")).await;
    page.assert_contains("<p class=\"warning\" role=\"status\">");
}

#[actix_web::test]
async fn the_review_page_shows_a_changed_logo_as_images() {
    let app = spawn_app().await;
    let (product, _plans) = listed_product(
        &app,
        "vendor1",
        Kind::Image,
        "换图标",
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    let vendor = app.signed_in("vendor1").await;
    let path = format!("/vendor/products/{product}/edit");
    let mut typed = image_form("换图标", "99").to_vec();
    typed.push(("step", "upload"));
    vendor
        .post_file_with(&path, &typed, "logo", "logo.png", &valid_logo())
        .await
        .assert_redirect_to(&path);
    vendor
        .post(&format!("/vendor/products/{product}/submit"), &[])
        .await;
    let revision: i64 = {
        use yunshi::db::schema::revisions;
        revisions::table
            .filter(revisions::product_id.eq(product))
            .filter(revisions::state.eq("pending"))
            .select(revisions::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let operator = app.signed_in("operator").await;
    let review = operator.get(&format!("/admin/reviews/{revision}")).await;
    let row = review.body.find("<th scope=\"row\">商品主图").unwrap();
    let logo_row = &review.body[row..];
    let logo_row = &logo_row[..logo_row.find("</tr>").unwrap()];
    let images = logo_row
        .matches("<img class=\"logo-preview\" src=\"/logos/")
        .count();
    assert_eq!(images, 2, "old and new side by side: {logo_row}");
    assert!(
        !logo_row.contains("583785"),
        "no hash in place of the image"
    );
    // Listed already: approving puts it live, so there is nothing to list.
    review.assert_lacks("通过并上架");
}
