//! Sign-in, sign-out, sign-up, throttling, role separation and CSRF, through HTTP.

mod common;

use common::{PASSWORD, Page, Visitor, spawn_app, spawn_app_behind_proxy};
use reqwest::StatusCode;

#[actix_web::test]
async fn each_role_lands_on_its_home() {
    let app = spawn_app().await;
    for (login, home, heading) in [
        ("operator", "/admin", "运营概览"),
        ("vendor1", "/vendor", "服务商概览"),
        ("buyer1", "/me", "我的云市"),
    ] {
        let visitor = app.visitor();
        visitor
            .sign_in(login, PASSWORD)
            .await
            .assert_redirect_to(home);
        let page = visitor.get(home).await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains(heading);
        page.assert_contains("退出");
        // `/` sends a signed-in account home.
        visitor.get("/").await.assert_redirect_to(home);
    }
}

#[actix_web::test]
async fn wrong_password_and_unknown_login_get_the_same_answer() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let wrong = visitor.sign_in("vendor1", "not-the-password").await;
    let unknown = visitor.sign_in("nobody", PASSWORD).await;
    let malformed = visitor.sign_in("x", PASSWORD).await;
    for page in [&wrong, &unknown, &malformed] {
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        page.assert_contains("登录名或密码错误。");
    }
    // The typed login is kept, the password is not.
    wrong.assert_contains("value=\"vendor1\"");
    wrong.assert_lacks("not-the-password");
    // Still anonymous.
    visitor
        .get("/vendor")
        .await
        .assert_redirect_to("/login?next=/vendor");
}

#[actix_web::test]
async fn sign_in_renews_the_session_and_its_csrf_token() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let before = visitor.get("/login").await;
    let anonymous_token = before.csrf_token();
    let anonymous_cookie = before
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_string();
    assert!(anonymous_cookie.contains("HttpOnly"));
    assert!(anonymous_cookie.contains("SameSite=Lax"));
    let signed = visitor
        .post_raw(
            "/login",
            &[
                ("csrf_token", &anonymous_token),
                ("login", "vendor1"),
                ("password", PASSWORD),
            ],
        )
        .await;
    signed.assert_redirect_to("/vendor");
    let new_cookie = signed
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap();
    assert_ne!(new_cookie, anonymous_cookie);
    let signed_in_token = visitor.csrf_token().await;
    assert_ne!(signed_in_token, anonymous_token);
    // The pre-sign-in token no longer works.
    let stale = visitor
        .post_raw("/logout", &[("csrf_token", &anonymous_token)])
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    assert_eq!(visitor.get("/vendor").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn sign_out_ends_the_session() {
    let app = spawn_app().await;
    let visitor = app.signed_in("vendor1").await;
    assert_eq!(visitor.get("/vendor").await.status, StatusCode::OK);
    visitor
        .post("/logout", &[])
        .await
        .assert_redirect_to("/login");
    visitor
        .get("/vendor")
        .await
        .assert_redirect_to("/login?next=/vendor");
}

#[actix_web::test]
async fn anonymous_visitors_sign_in_and_come_back() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let bounced = visitor.get("/admin/accounts?role=vendor").await;
    bounced.assert_redirect_to("/login?next=/admin/accounts%3Frole%3Dvendor");
    let form = visitor.get(bounced.location().unwrap()).await;
    form.assert_contains("name=\"next\" value=\"/admin/accounts?role=vendor\"");
    let signed = visitor
        .post_raw(
            "/login",
            &[
                ("csrf_token", &form.csrf_token()),
                ("login", "operator"),
                ("password", PASSWORD),
                ("next", "/admin/accounts?role=vendor"),
            ],
        )
        .await;
    signed.assert_redirect_to("/admin/accounts?role=vendor");
    // A next that leaves the site is ignored.
    let elsewhere = app.visitor();
    let token = elsewhere.get("/login").await.csrf_token();
    elsewhere
        .post_raw(
            "/login",
            &[
                ("csrf_token", &token),
                ("login", "buyer1"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await
        .assert_redirect_to("/me");
}

#[actix_web::test]
async fn roles_cannot_open_each_others_pages() {
    let app = spawn_app().await;
    let pages = [
        ("/vendor", "vendor1"),
        ("/admin", "operator"),
        ("/admin/accounts", "operator"),
        ("/admin/audit", "operator"),
    ];
    for login in ["operator", "vendor1", "buyer1"] {
        let visitor = app.signed_in(login).await;
        for (path, owner) in pages {
            let page = visitor.get(path).await;
            if login == owner {
                assert_eq!(page.status, StatusCode::OK, "{login} on {path}");
            } else {
                assert_eq!(page.status, StatusCode::FORBIDDEN, "{login} on {path}");
                page.assert_contains("无权访问");
                // The 403 page is in the console's layout, with the visitor's own menu.
                page.assert_contains("class=\"topbar\"");
            }
        }
    }
    // A refused POST changes nothing: a vendor cannot create accounts.
    let vendor = app.signed_in("vendor1").await;
    let refused = vendor
        .post(
            "/admin/accounts",
            &[
                ("role", "operator"),
                ("login", "sneaky"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let operator = app.signed_in("operator").await;
    operator
        .get("/admin/accounts?q=sneaky")
        .await
        .assert_contains("没有匹配的记录。");
}

#[actix_web::test]
async fn buyers_sign_up_and_get_a_ten_digit_user_id() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    assert_eq!(visitor.get("/signup").await.status, StatusCode::OK);
    visitor
        .post(
            "/signup",
            &[
                ("login", "New_Buyer"),
                ("display_name", "王五"),
                ("password", "long enough"),
                ("password_confirm", "long enough"),
            ],
        )
        .await
        .assert_redirect_to("/shop");
    let shop = visitor.get("/shop").await;
    shop.assert_contains("王五");
    shop.assert_contains("用户ID 2");
    let uin: String = shop
        .body
        .split("用户ID ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(uin.len(), 10);
    // The login was normalised to lowercase and can sign in again.
    let again = app.visitor();
    again
        .sign_in("new_buyer", "long enough")
        .await
        .assert_redirect_to("/me");
}

#[actix_web::test]
async fn sign_up_refuses_bad_input_and_keeps_what_was_typed() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let refused = visitor
        .post(
            "/signup",
            &[
                ("login", "a"),
                ("display_name", "<b>x</b>"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_contains("登录名须为 3–32 位小写字母");
    refused.assert_contains("密码须为 8–128 个字符。");
    refused.assert_contains("value=\"&#60;b&#62;x&#60;/b&#62;\"");
    let differ = visitor
        .post(
            "/signup",
            &[
                ("login", "fine_login"),
                ("password", "password-one"),
                ("password_confirm", "password-two"),
            ],
        )
        .await;
    assert_eq!(differ.status, StatusCode::BAD_REQUEST);
    differ.assert_contains("两次输入的密码不一致。");
    differ.assert_contains("value=\"fine_login\"");
    let taken = visitor
        .post(
            "/signup",
            &[
                ("login", "buyer1"),
                ("password", "password-one"),
                ("password_confirm", "password-one"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST);
    taken.assert_contains("该登录名已被使用。");
    // A form with a missing field is a 400 page, not a 500.
    let missing = visitor.post("/signup", &[("login", "x")]).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    missing.assert_contains("请求有误");
}

#[actix_web::test]
async fn repeated_failures_from_one_address_are_refused() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    for _ in 0..10 {
        let page = visitor.sign_in("vendor1", "wrong password").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, with how long to wait.
    let refused = visitor.sign_in("vendor1", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    refused.assert_contains("登录失败次数过多，请 15 分钟后再试。");
}

/// Signs up `login` with a good password; the answer.
async fn sign_up(visitor: &Visitor, login: &str) -> Page {
    visitor.get("/signup").await;
    visitor
        .post(
            "/signup",
            &[
                ("login", login),
                ("display_name", ""),
                ("password", "long enough"),
                ("password_confirm", "long enough"),
            ],
        )
        .await
}

#[actix_web::test]
async fn one_address_makes_at_most_five_accounts_an_hour() {
    let app = spawn_app().await;
    for n in 0..5 {
        sign_up(&app.visitor(), &format!("family_{n}"))
            .await
            .assert_redirect_to("/shop");
    }
    let refused = sign_up(&app.visitor(), "family_5").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    refused.assert_contains("此地址注册的账号过多，请 60 分钟后再试。");
    // What was typed stays; nothing was written.
    refused.assert_contains("value=\"family_5\"");
    let mut conn = app.conn();
    assert!(
        yunshi::db::accounts::find_by_login(&mut conn, "family_5")
            .unwrap()
            .is_none()
    );
    // Forwarded-for headers from a client that is not a trusted proxy change
    // nothing: the peer address counts.
    let disguised = sign_up(&app.visitor_forwarded_for("203.0.113.9"), "family_6").await;
    assert_eq!(disguised.status, StatusCode::TOO_MANY_REQUESTS);
}

#[actix_web::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_throttles() {
    let app = spawn_app_behind_proxy().await;
    let crowd = app.visitor_forwarded_for("203.0.113.5");
    for n in 0..5 {
        sign_up(&crowd, &format!("crowd_{n}"))
            .await
            .assert_redirect_to("/shop");
    }
    assert_eq!(
        sign_up(&app.visitor_forwarded_for("203.0.113.5"), "crowd_5")
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not held back.
    sign_up(&app.visitor_forwarded_for("203.0.113.6"), "neighbour")
        .await
        .assert_redirect_to("/shop");
    // Nor are sign-in failures shared between them.
    let guesser = app.visitor_forwarded_for("198.51.100.1");
    for _ in 0..10 {
        guesser.sign_in("vendor1", "wrong password").await;
    }
    let refused = guesser.sign_in("vendor1", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    app.visitor_forwarded_for("198.51.100.2")
        .sign_in("vendor1", PASSWORD)
        .await
        .assert_redirect_to("/vendor");
}

#[actix_web::test]
async fn posts_without_a_valid_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    visitor.get("/login").await;
    let missing = visitor
        .post_raw("/login", &[("login", "vendor1"), ("password", PASSWORD)])
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    missing.assert_contains("表单已过期或来源无效");
    visitor
        .get("/vendor")
        .await
        .assert_redirect_to("/login?next=/vendor");

    let operator = app.signed_in("operator").await;
    let wrong = operator
        .post_raw(
            "/admin/accounts",
            &[
                ("csrf_token", "0000"),
                ("role", "vendor"),
                ("login", "forged"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let without = operator
        .post_raw(
            "/admin/accounts",
            &[
                ("role", "vendor"),
                ("login", "forged"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    operator
        .get("/admin/accounts?q=forged")
        .await
        .assert_contains("没有匹配的记录。");

    // Multipart forms carry the token as a field too.
    let token = operator.csrf_token().await;
    let no_token = operator.post_multipart("/logout", &[("x", "1")]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(operator.get("/admin").await.status, StatusCode::OK);
    let with_token = operator
        .post_multipart("/logout", &[("x", "1"), ("csrf_token", &token)])
        .await;
    with_token.assert_redirect_to("/login");
    operator
        .get("/admin")
        .await
        .assert_redirect_to("/login?next=/admin");
}

#[actix_web::test]
async fn gets_never_change_state() {
    let app = spawn_app().await;
    let visitor = app.signed_in("vendor1").await;
    // Sign-out is POST only; a GET (a link, a prefetch) does not sign out.
    let page = visitor.get("/logout").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(visitor.get("/vendor").await.status, StatusCode::OK);
}
