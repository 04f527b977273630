//! Thin handlers, one module per area. `configure` is the whole route table.

pub mod account;
pub mod admin;
pub mod home;
pub mod operator_products;
pub mod orders;
pub mod products;
pub mod refunds;
pub mod shop;
pub mod system;
pub mod tickets;

use actix_web::web;

/// Every route of the app; used by the server and by the tests.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::root))
        .route("/healthz", web::get().to(system::healthz))
        .route("/static/app.css", web::get().to(system::stylesheet))
        .route("/lang", web::post().to(system::switch_language))
        .route("/login", web::get().to(account::login_form))
        .route("/login", web::post().to(account::login))
        .route("/logout", web::post().to(account::logout))
        .route("/signup", web::get().to(account::signup_form))
        .route("/signup", web::post().to(account::signup))
        .route("/notifications", web::get().to(home::notifications))
        .route(
            "/notifications/read-all",
            web::post().to(home::mark_all_read),
        )
        .route("/vendor", web::get().to(home::vendor_home))
        .route("/admin", web::get().to(home::admin_home))
        .route("/shop", web::get().to(shop::shop))
        .route("/shop/products/{id}", web::get().to(orders::shop_product))
        .route(
            "/shop/products/{id}/checkout",
            web::get().to(orders::checkout),
        )
        .route(
            "/shop/products/{id}/orders",
            web::post().to(orders::place_order),
        )
        .route("/me/orders", web::get().to(orders::my_orders))
        .route("/me/orders/{order_no}", web::get().to(orders::my_order))
        .route(
            "/me/orders/{order_no}/renew",
            web::get().to(orders::renew_checkout),
        )
        .route("/me/orders/{order_no}/renew", web::post().to(orders::renew))
        .route(
            "/me/orders/{order_no}/five-day-refund",
            web::post().to(refunds::five_day_refund),
        )
        .route(
            "/me/orders/{order_no}/stop-billing",
            web::post().to(refunds::stop_billing),
        )
        .route(
            "/me/orders/{order_no}/refund-request",
            web::post().to(refunds::request_refund),
        )
        .route("/admin/refunds", web::get().to(refunds::refund_queue))
        .route(
            "/vendor/supervision",
            web::get().to(tickets::vendor_tickets),
        )
        .route(
            "/vendor/supervision/{id}",
            web::get().to(tickets::vendor_ticket),
        )
        .route(
            "/vendor/supervision/{id}/{action}",
            web::post().to(tickets::vendor_act),
        )
        .route("/admin/supervision", web::get().to(tickets::admin_tickets))
        .route(
            "/admin/supervision/{id}",
            web::get().to(tickets::admin_ticket),
        )
        .route("/me/services/{id}", web::get().to(tickets::buyer_ticket))
        .route(
            "/me/services/{id}/{action}",
            web::post().to(tickets::buyer_act),
        )
        .route(
            "/admin/refunds/{id}/refund",
            web::post().to(refunds::grant_refund),
        )
        .route(
            "/admin/refunds/{id}/decline",
            web::post().to(refunds::decline_refund),
        )
        .route("/vendor/orders", web::get().to(orders::vendor_orders))
        .route(
            "/vendor/orders.csv",
            web::get().to(orders::vendor_orders_csv),
        )
        .route(
            "/vendor/orders/{order_no}",
            web::get().to(orders::vendor_order),
        )
        .route("/admin/orders", web::get().to(orders::admin_orders))
        .route("/admin/orders.csv", web::get().to(orders::admin_orders_csv))
        .route(
            "/admin/orders/{order_no}",
            web::get().to(orders::admin_order),
        )
        .route("/logos/{sha}", web::get().to(shop::logo))
        .route("/vendor/products", web::get().to(products::product_list))
        .route("/vendor/products", web::post().to(products::create_product))
        .route(
            "/vendor/products/new",
            web::get().to(products::new_product_form),
        )
        .route(
            "/vendor/products/{id}",
            web::get().to(products::show_product),
        )
        .route(
            "/vendor/products/{id}/edit",
            web::get().to(products::edit_product_form),
        )
        .route(
            "/vendor/products/{id}/edit",
            web::post().to(products::save_product),
        )
        .route(
            "/vendor/products/{id}/logo",
            web::post().to(products::upload_logo),
        )
        .route(
            "/vendor/products/{id}/logo/autofit",
            web::post().to(products::confirm_autofit),
        )
        .route(
            "/vendor/products/{id}/submit",
            web::post().to(products::submit_product),
        )
        .route(
            "/vendor/products/{id}/withdraw",
            web::post().to(products::withdraw_product),
        )
        .route(
            "/vendor/products/{id}/delist-request",
            web::post().to(products::request_delist),
        )
        .route(
            "/admin/reviews",
            web::get().to(operator_products::review_queue),
        )
        .route(
            "/admin/reviews/{id}",
            web::get().to(operator_products::show_review),
        )
        .route(
            "/admin/reviews/{id}/approve",
            web::post().to(operator_products::approve_revision),
        )
        .route(
            "/admin/reviews/{id}/reject",
            web::post().to(operator_products::reject_revision),
        )
        .route(
            "/admin/products",
            web::get().to(operator_products::product_list),
        )
        .route(
            "/admin/products/{id}",
            web::get().to(operator_products::show_product),
        )
        .route(
            "/admin/products/{id}/list",
            web::post().to(operator_products::list_product),
        )
        .route(
            "/admin/products/{id}/delist",
            web::post().to(operator_products::delist_product),
        )
        .route(
            "/admin/delist-requests",
            web::get().to(operator_products::delist_requests),
        )
        .route(
            "/admin/delist-requests/{id}/carry-out",
            web::post().to(operator_products::carry_out_request),
        )
        .route(
            "/admin/delist-requests/{id}/decline",
            web::post().to(operator_products::decline_request),
        )
        .route("/admin/accounts", web::get().to(admin::account_list))
        .route("/admin/accounts", web::post().to(admin::create_account))
        .route(
            "/admin/accounts/{id}/disable",
            web::post().to(admin::disable_account),
        )
        .route(
            "/admin/accounts/{id}/enable",
            web::post().to(admin::enable_account),
        )
        .route("/admin/audit", web::get().to(admin::audit_log));
}
