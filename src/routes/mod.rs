//! Thin handlers, one module per area. `configure` is the whole route table.

pub mod account;
pub mod admin;
pub mod home;
pub mod system;

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
        .route("/shop", web::get().to(home::shop))
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
