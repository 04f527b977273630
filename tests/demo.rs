//! The first run: `serve --demo` makes a living demo marketplace, built by
//! the store functions the pages use, and the sign-in page offers its
//! accounts; through HTTP on SQLite or PostgreSQL.

mod common;

use common::spawn_app;
use diesel::dsl::count_star;
use diesel::prelude::*;
use reqwest::StatusCode;
use yunshi::db::schema::{orders, products, refund_requests, revisions, statements, tickets};

fn now() -> chrono::NaiveDateTime {
    common::shop::now()
}

/// How many rows the query finds.
macro_rules! count_where {
    ($app:expr, $query:expr $(,)?) => {
        $query
            .select(count_star())
            .first::<i64>(&mut $app.conn())
            .unwrap()
    };
}

#[actix_web::test]
async fn the_demo_marketplace_has_something_of_everything() {
    let app = spawn_app().await;
    yunshi::demo::seed_marketplace(&app.pool, now()).expect("the demo marketplace");
    // Seeding twice changes nothing.
    let orders_once = count_where!(&app, orders::table);
    yunshi::demo::seed_marketplace(&app.pool, now()).unwrap();
    assert_eq!(count_where!(&app, orders::table), orders_once);

    // Listed products of all three kinds, each billing mode sold.
    for kind in ["image", "service", "license"] {
        let listed = count_where!(
            &app,
            products::table
                .filter(products::kind.eq(kind))
                .filter(products::listing.eq("listed")),
        );
        assert!(listed >= 2, "{kind}: {listed}");
    }
    for billing in ["prepaid", "hourly", "onetime"] {
        let sold = count_where!(&app, orders::table.filter(orders::billing.eq(billing)));
        assert!(sold >= 1, "{billing}");
    }
    for order_type in ["purchase", "renew", "refund"] {
        let made = count_where!(
            &app,
            orders::table.filter(orders::order_type.eq(order_type))
        );
        assert!(made >= 1, "{order_type}");
    }
    // The seed's five-day refund, and orders over several months.
    let five_day = count_where!(
        &app,
        orders::table.filter(orders::refund_kind.eq("five_day"))
    );
    assert_eq!(five_day, 1);
    let oldest: chrono::NaiveDateTime = orders::table
        .select(diesel::dsl::min(orders::created_at))
        .first::<Option<chrono::NaiveDateTime>>(&mut app.conn())
        .unwrap()
        .unwrap();
    assert!(now() - oldest > chrono::Duration::days(60));
    // Something waiting in every queue.
    let pending = count_where!(
        &app,
        revisions::table.filter(revisions::state.eq("pending"))
    );
    assert_eq!(pending, 2, "a first version and an update wait for review");
    let open_refunds = count_where!(
        &app,
        refund_requests::table.filter(refund_requests::state.eq("open")),
    );
    assert_eq!(open_refunds, 2);
    for state in [
        "awaiting_requirement",
        "awaiting_confirmation",
        "rejected",
        "in_service",
        "awaiting_delivery",
        "awaiting_acceptance",
        "completed",
        "closed",
    ] {
        let in_state = count_where!(&app, tickets::table.filter(tickets::state.eq(state)));
        assert!(in_state >= 1, "a ticket {state}");
    }
    // Past months settled, one statement paid.
    assert!(count_where!(&app, statements::table) >= 4);
    assert_eq!(
        count_where!(&app, statements::table.filter(statements::state.eq("paid"))),
        1
    );

    // Through the pages: the shop, each role's overview.
    let visitor = app.visitor();
    let shop = visitor.get("/shop").await;
    shop.assert_contains("CentOS 7.9 云镜像");
    shop.assert_contains("企业官网搭建");
    shop.assert_contains("Web 应用防火墙 License");
    shop.assert_lacks("暂无上架商品");
    let vendor = app.signed_in("vendor1").await;
    let home = vendor.get("/vendor").await;
    home.assert_contains("待确认需求的服务单");
    home.assert_contains("超过承诺交付时间的服务单");
    home.assert_lacks("目前没有需要您处理的事项");
    home.assert_lacks("你还没有商品");
    let operator = app.signed_in("operator").await;
    let queues = operator.get("/admin").await;
    queues.assert_contains("待审核");
    queues.assert_contains("待处理的退款申请");
    queues.assert_contains("待处理的下架申请");
    let settled = operator.get("/admin/settlements").await;
    assert_eq!(settled.status, StatusCode::OK);
    let buyer = app.signed_in("buyer1").await;
    buyer.get("/me/orders").await.assert_contains("已退款");
}

#[actix_web::test]
async fn the_sign_in_page_offers_the_demo_accounts_while_their_password_is_published() {
    let app = spawn_app().await;
    let visitor = app.visitor();
    let page = visitor.get("/login").await;
    page.assert_contains("演示账号");
    page.assert_contains("yunshi-demo");
    page.assert_contains("<input type=\"hidden\" name=\"login\" value=\"vendor1\">");
    // One click signs in as that account.
    let token = page.csrf_token();
    let signed_in = visitor
        .post_raw(
            "/login",
            &[
                ("csrf_token", token.as_str()),
                ("next", ""),
                ("login", "vendor1"),
                ("password", "yunshi-demo"),
            ],
        )
        .await;
    signed_in.assert_redirect_to("/vendor");
    // A changed password takes the account off the list.
    visitor
        .post(
            "/account/password",
            &[
                ("current_password", "yunshi-demo"),
                ("new_password", "a-private-passphrase-1"),
                ("password_confirm", "a-private-passphrase-1"),
            ],
        )
        .await;
    let after = app.visitor().get("/login").await;
    after.assert_lacks("value=\"vendor1\"");
    after.assert_contains("value=\"vendor2\"");
}
