//! What every page shares: language, layout, error pages, headers, health.

mod common;

use common::shop::account_id;
use common::spawn_app;
use reqwest::StatusCode;

#[actix_web::test]
async fn the_language_switch_is_remembered() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let chinese = vendor.get("/vendor").await;
    chinese.assert_contains("<html lang=\"zh-CN\">");
    chinese.assert_contains("商品管理");
    chinese.assert_contains(">English</button>");
    vendor.switch_language("en").await;
    let english = vendor.get("/vendor").await;
    english.assert_contains("<html lang=\"en\">");
    english.assert_contains("Vendor overview");
    english.assert_contains("Product list");
    english.assert_lacks("商品管理");
    // Error pages follow the language.
    let missing = vendor.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    missing.assert_contains("Not found");
    let forbidden = vendor.get("/admin").await;
    forbidden.assert_contains("Forbidden");
    vendor.switch_language("zh").await;
    vendor.get("/vendor").await.assert_contains("服务商概览");
    // An unknown language changes nothing.
    vendor
        .post("/lang", &[("lang", "fr"), ("next", "/vendor")])
        .await
        .assert_redirect_to("/vendor");
    vendor.get("/vendor").await.assert_contains("服务商概览");
}

#[actix_web::test]
async fn the_menu_follows_the_role_and_marks_the_current_page() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let page = vendor.get("/vendor").await;
    for entry in ["商品管理", "商品列表", "订单管理", "服务监管", "结算"] {
        page.assert_contains(entry);
    }
    page.assert_contains("<a href=\"/vendor\" class=\"current\" aria-current=\"page\">概览</a>");
    page.assert_lacks("账号管理");
    let operator = app.signed_in("operator").await;
    let accounts = operator.get("/admin/accounts").await;
    accounts.assert_contains(
        "<a href=\"/admin/accounts\" class=\"current\" aria-current=\"page\">账号管理</a>",
    );
    accounts.assert_contains("商品审核");
}

#[actix_web::test]
async fn unknown_pages_get_the_404_page_in_the_layout() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let page = visitor.get("/nowhere").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    page.assert_contains("页面不存在");
    page.assert_contains("class=\"topbar\"");
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "error pages are HTML"
    );
}

#[actix_web::test]
async fn responses_carry_the_security_headers() {
    let app = spawn_app().await;
    let page = app.visitor().get("/login").await;
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(page.headers["referrer-policy"], "same-origin");
    page.assert_lacks("<script");
    page.assert_lacks("style=");
    let css = app.visitor().get("/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

#[actix_web::test]
async fn health_answers_while_the_database_does() {
    let app = spawn_app().await;
    let page = app.visitor().get("/healthz").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("\"status\":\"ok\"");
    page.assert_contains(app.backend.name());
}

#[actix_web::test]
async fn notifications_page_lists_and_clears_unread() {
    use diesel::prelude::*;
    use yunshi::db::schema::notifications;
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = account_id(&app, "vendor1");
    {
        let mut conn = app.conn();
        diesel::insert_into(notifications::table)
            .values((
                notifications::account_id.eq(id),
                notifications::kind.eq("test"),
                notifications::subject.eq("<i>hello</i>"),
                notifications::about.eq("page:/vendor"),
                notifications::created_at.eq(chrono::Utc::now().naive_utc()),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    let home = vendor.get("/vendor").await;
    home.assert_contains("<span class=\"badge\" title=\"1 条未读\">1</span>");
    let list = vendor.get("/notifications").await;
    list.assert_contains("&#60;i&#62;hello&#60;/i&#62;");
    vendor
        .post("/notifications/read-all", &[])
        .await
        .assert_redirect_to("/notifications");
    vendor.get("/vendor").await.assert_lacks("class=\"badge\"");
    // Someone else's session sees none of it.
    let other = app.signed_in("vendor2").await;
    other.get("/notifications").await.assert_lacks("hello");

    // Past 99 unread, the badge says 99+ (and the count stops there).
    let vendor2 = account_id(&app, "vendor2");
    for _ in 0..120 {
        yunshi::db::notify::notify(
            &mut app.conn(),
            vendor2,
            "test",
            "busy",
            "page:/vendor",
            chrono::Utc::now().naive_utc(),
        )
        .unwrap();
    }
    let crowded = app.signed_in("vendor2").await.get("/vendor").await;
    crowded.assert_contains("<span class=\"badge\" title=\"99+ 条未读\">99+</span>");
}

/// The browser would word its own message for an empty required field in the
/// browser's language, inside a page in the other one. Every form that posts
/// a required field leaves the check to the server, which answers in the
/// page's language (the `required` marks stay for assistive technology).
#[test]
fn forms_leave_their_messages_to_the_page_language() {
    let mut unchecked = Vec::new();
    let mut folders = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("templates")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let html = std::fs::read_to_string(&path).unwrap();
            for (at, _) in html.match_indices("<form") {
                let tag_end = at + html[at..].find('>').unwrap();
                let tag = &html[at..=tag_end];
                let body_end = tag_end + html[tag_end..].find("</form>").unwrap_or(0);
                let body = &html[tag_end..body_end];
                let posts = tag.contains("method=\"post\"");
                let asks = body.contains(" required") || body.contains("new_password_fields");
                if posts && asks && !tag.contains("novalidate") {
                    unchecked.push(format!("{}: {tag}", path.display()));
                }
            }
        }
    }
    assert!(unchecked.is_empty(), "{unchecked:#?}");
}

#[actix_web::test]
async fn every_page_has_a_favicon_and_a_description() {
    let app = spawn_app().await;
    let page = app.visitor().get("/login").await;
    page.assert_contains("<link rel=\"icon\" href=\"/static/favicon.svg\"");
    page.assert_contains("<meta name=\"description\" content=\"云市");
    let icon = app.visitor().get("/static/favicon.svg").await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.headers["content-type"], "image/svg+xml");
    icon.assert_contains("<svg");
}
