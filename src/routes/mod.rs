//! Thin handlers, one module per area. `configure` is the whole route table.

pub mod account;
pub mod admin;
pub mod home;
pub mod operator_products;
pub mod orders;
pub mod products;
pub mod refunds;
pub mod settlements;
pub mod shop;
pub mod system;
pub mod tickets;

use actix_web::web;

/// Declares the route table once: `configure` registers it and `ROUTES`
/// lists it, so the authorization tests cover every route there is.
macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path,)*) => {
        /// Every route as (method, path), in registration order.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        /// Every route of the app; used by the server and by the tests.
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(cfg.route($path, web::$method().to($handler));)*
        }
    };
}

route_table! {
    get "/" => home::root,
    get "/healthz" => system::healthz,
    get "/metrics" => system::metrics,
    get "/static/app.css" => system::stylesheet,
    get "/static/favicon.svg" => system::favicon,
    post "/lang" => system::switch_language,
    get "/login" => account::login_form,
    post "/login" => account::login,
    post "/logout" => account::logout,
    get "/signup" => account::signup_form,
    post "/signup" => account::signup,
    get "/account/password" => account::password_form,
    post "/account/password" => account::change_password,
    get "/notifications" => home::notifications,
    post "/notifications/read-all" => home::mark_all_read,
    post "/notifications/{id}/open" => home::open_notification,
    get "/vendor" => home::vendor_home,
    get "/admin" => home::admin_home,
    get "/me" => home::buyer_home,
    get "/shop" => shop::shop,
    get "/shop/products/{id}" => orders::shop_product,
    get "/shop/products/{id}/checkout" => orders::checkout,
    post "/shop/products/{id}/orders" => orders::place_order,
    get "/me/orders" => orders::my_orders,
    get "/me/orders/{order_no}" => orders::my_order,
    get "/me/orders/{order_no}/renew" => orders::renew_checkout,
    post "/me/orders/{order_no}/renew" => orders::renew,
    post "/me/orders/{order_no}/five-day-refund" => refunds::five_day_refund,
    post "/me/orders/{order_no}/stop-billing" => refunds::stop_billing,
    post "/me/orders/{order_no}/refund-request" => refunds::request_refund,
    get "/admin/refunds" => refunds::refund_queue,
    get "/vendor/supervision" => tickets::vendor_tickets,
    get "/vendor/supervision/{id}" => tickets::vendor_ticket,
    post "/vendor/supervision/{id}/{action}" => tickets::vendor_act,
    get "/admin/supervision" => tickets::admin_tickets,
    get "/admin/supervision/{id}" => tickets::admin_ticket,
    get "/me/services/{id}" => tickets::buyer_ticket,
    post "/me/services/{id}/{action}" => tickets::buyer_act,
    get "/vendor/refunds" => refunds::vendor_refunds,
    post "/vendor/refunds/{id}/position" => refunds::record_position,
    post "/admin/refunds/{id}/refund" => refunds::grant_refund,
    post "/admin/refunds/{id}/decline" => refunds::decline_refund,
    get "/vendor/orders" => orders::vendor_orders,
    get "/vendor/orders.csv" => orders::vendor_orders_csv,
    get "/vendor/orders/{order_no}" => orders::vendor_order,
    get "/admin/orders" => orders::admin_orders,
    get "/admin/orders.csv" => orders::admin_orders_csv,
    get "/admin/orders/{order_no}" => orders::admin_order,
    get "/logos/{sha}" => shop::logo,
    get "/vendor/products" => products::product_list,
    post "/vendor/products" => products::create_product,
    get "/vendor/products/new" => products::new_product_form,
    get "/vendor/products/{id}" => products::show_product,
    get "/vendor/products/{id}/edit" => products::edit_product_form,
    post "/vendor/products/{id}/edit" => products::save_product,
    post "/vendor/products/{id}/logo" => products::upload_logo,
    post "/vendor/products/{id}/logo/autofit" => products::confirm_autofit,
    post "/vendor/products/{id}/submit" => products::submit_product,
    post "/vendor/products/{id}/withdraw" => products::withdraw_product,
    post "/vendor/products/{id}/delist-request" => products::request_delist,
    get "/admin/reviews" => operator_products::review_queue,
    get "/admin/reviews/{id}" => operator_products::show_review,
    post "/admin/reviews/{id}/approve" => operator_products::approve_revision,
    post "/admin/reviews/{id}/reject" => operator_products::reject_revision,
    get "/admin/products" => operator_products::product_list,
    get "/admin/products/{id}" => operator_products::show_product,
    post "/admin/products/{id}/list" => operator_products::list_product,
    post "/admin/products/{id}/delist" => operator_products::delist_product,
    get "/admin/delist-requests" => operator_products::delist_requests,
    post "/admin/delist-requests/{id}/carry-out" => operator_products::carry_out_request,
    post "/admin/delist-requests/{id}/decline" => operator_products::decline_request,
    get "/admin/accounts" => admin::account_list,
    post "/admin/accounts" => admin::create_account,
    post "/admin/accounts/{id}/disable" => admin::disable_account,
    post "/admin/accounts/{id}/enable" => admin::enable_account,
    get "/admin/accounts/{id}/password" => admin::reset_password_form,
    post "/admin/accounts/{id}/password" => admin::reset_password,
    get "/admin/audit" => admin::audit_log,
    get "/vendor/settlements" => settlements::vendor_settlements,
    get "/vendor/settlements/{month}.csv" => settlements::vendor_statement_csv,
    get "/vendor/settlements/{month}" => settlements::vendor_statement,
    get "/admin/settlements" => settlements::admin_settlements,
    post "/admin/settlements/generate" => settlements::generate,
    get "/admin/settlements/{id}.csv" => settlements::admin_statement_csv,
    get "/admin/settlements/{id}" => settlements::admin_statement,
    post "/admin/settlements/{id}/pay" => settlements::pay,
    post "/admin/vendors/{id}/fee" => settlements::set_fee,
}
