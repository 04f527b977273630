//! The operator's account management and audit log, through HTTP.

mod common;

use common::{PASSWORD, spawn_app};
use reqwest::StatusCode;

#[actix_web::test]
async fn operator_creates_a_vendor_who_can_sign_in() {
    let app = spawn_app().await;
    let operator = app.signed_in("operator").await;
    let created = operator
        .post(
            "/admin/accounts",
            &[
                ("role", "vendor"),
                ("login", "acme"),
                ("display_name", "Acme 云"),
                ("password", "acme-password"),
            ],
        )
        .await;
    created.assert_redirect_to("/admin/accounts");
    let list = operator.get("/admin/accounts").await;
    list.assert_contains("已创建账号 acme，用户ID 2");
    list.assert_contains("Acme 云");
    // The notice is shown once.
    operator
        .get("/admin/accounts")
        .await
        .assert_lacks("已创建账号 acme");
    // Filters narrow the list.
    let vendors = operator.get("/admin/accounts?role=vendor&q=ac").await;
    vendors.assert_contains("Acme 云");
    vendors.assert_lacks("青云科技");
    let vendor = app.visitor();
    vendor
        .sign_in("acme", "acme-password")
        .await
        .assert_redirect_to("/vendor");
    // The audit log names who did it.
    let audit = operator.get("/admin/audit").await;
    audit.assert_contains("创建账号");
    audit.assert_contains("vendor acme");
}

#[actix_web::test]
async fn account_creation_refuses_bad_input_and_keeps_it() {
    let app = spawn_app().await;
    let operator = app.signed_in("operator").await;
    for (fields, message) in [
        (
            [
                ("role", "buyer"),
                ("login", "keepme"),
                ("password", "password123"),
            ],
            "角色须为服务商或运营。",
        ),
        (
            [
                ("role", "vendor"),
                ("login", "no spaces"),
                ("password", "password123"),
            ],
            "登录名须为 3–32 位小写字母",
        ),
        (
            [
                ("role", "vendor"),
                ("login", "keepme"),
                ("password", "short"),
            ],
            "密码须为 8–128 个字符。",
        ),
        (
            [
                ("role", "operator"),
                ("login", "vendor1"),
                ("password", "password123"),
            ],
            "该登录名已被使用。",
        ),
    ] {
        let page = operator.post("/admin/accounts", &fields).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{fields:?}");
        page.assert_contains(message);
        page.assert_contains(&format!("value=\"{}\"", fields[1].1));
    }
    let wrong_id = operator
        .confirm("/admin/accounts/not-a-number/disable", &[])
        .await;
    assert_eq!(wrong_id.status, StatusCode::NOT_FOUND);
    let missing = operator
        .confirm("/admin/accounts/999999/disable", &[])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn account_id(app: &common::TestApp, login: &str) -> i64 {
    use yunshi::db::accounts;
    let mut conn = app.conn();
    accounts::find_by_login(&mut conn, login)
        .unwrap()
        .unwrap()
        .id
}

#[actix_web::test]
async fn a_disabled_account_loses_its_session_at_the_next_request() {
    let app = spawn_app().await;
    let buyer = app.signed_in("buyer1").await;
    assert_eq!(buyer.get("/notifications").await.status, StatusCode::OK);
    let operator = app.signed_in("operator").await;
    let id = account_id(&app, "buyer1").await;
    operator
        .confirm(&format!("/admin/accounts/{id}/disable"), &[])
        .await
        .assert_redirect_to("/admin/accounts");
    operator
        .get("/admin/accounts")
        .await
        .assert_contains("已停用账号 buyer1");
    buyer
        .get("/notifications")
        .await
        .assert_redirect_to("/login?next=/notifications");
    let refused = buyer.sign_in("buyer1", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    refused.assert_contains("该账号已停用");
    // Disabling twice is a conflict, not a second change.
    let again = operator
        .confirm(&format!("/admin/accounts/{id}/disable"), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    again.assert_contains("状态已被他人改变");
    operator
        .post(&format!("/admin/accounts/{id}/enable"), &[])
        .await
        .assert_redirect_to("/admin/accounts");
    buyer
        .sign_in("buyer1", PASSWORD)
        .await
        .assert_redirect_to("/me");
    let audit = operator.get("/admin/audit").await;
    audit.assert_contains("停用账号");
    audit.assert_contains("启用账号");
}

#[actix_web::test]
async fn an_operator_cannot_disable_their_own_account() {
    let app = spawn_app().await;
    let operator = app.signed_in("operator").await;
    let id = account_id(&app, "operator").await;
    let page = operator
        .confirm(&format!("/admin/accounts/{id}/disable"), &[])
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("不能停用自己的账号。");
    assert_eq!(operator.get("/admin").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn concurrent_disables_apply_once() {
    let app = spawn_app().await;
    let operator = app.signed_in("operator").await;
    let id = account_id(&app, "vendor2").await;
    let path = format!("/admin/accounts/{id}/disable");
    let token = operator.csrf_token().await;
    let fields = [("csrf_token", token.as_str()), ("confirmed", "yes")];
    let attempts = (0..6).map(|_| operator.post_raw(&path, &fields));
    let pages = futures_util::future::join_all(attempts).await;
    let done = pages
        .iter()
        .filter(|p| p.status == StatusCode::SEE_OTHER)
        .count();
    let conflicts = pages
        .iter()
        .filter(|p| p.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((done, conflicts), (1, 5));
    let audit = operator.get("/admin/audit").await;
    assert_eq!(audit.body.matches("停用账号").count(), 1);
}
