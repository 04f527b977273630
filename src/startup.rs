//! Builds the application: middleware, shared state and routes. Used by
//! `main` and by the tests, so both run exactly the same app.

use std::net::TcpListener;

use actix_session::SessionMiddleware;
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};

use crate::auth::{csrf, password};
use crate::connections::{self, ConnectionLimits, OpenConnections};
use crate::db::settlements::{self, SettleReport};
use crate::db::{self, Pool, accounts};
use crate::domain::account::Role;
use crate::domain::settlement::Month;
use crate::domain::time::to_stored;
use crate::error::AppError;
use crate::routes;
use crate::state::AppState;
use crate::views::errors::error_pages;

/// No inline script anywhere: the console is plain HTML forms.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub const SESSION_COOKIE: &str = "yunshi_session";

/// What `run` needs besides the listener and the pool.
pub struct ServeOptions {
    pub session_key: Key,
    /// Mark the session cookie `Secure` (serving over https).
    pub cookie_secure: bool,
    /// The bearer token that opens `/metrics` to a scraper.
    pub metrics_token: Option<String>,
    /// How long a signed-in account or an order list may be reused before
    /// it is read again (see `short_cache`).
    pub page_copies_live: std::time::Duration,
    /// Proxies whose `X-Forwarded-For` names the client for the sign-in and
    /// sign-up throttles; anyone else's header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Connections per client address and in all, and how long a body may
    /// take (see `connections`).
    pub limits: ConnectionLimits,
    /// The app's clock, shared with the background sweeps.
    pub clock: std::sync::Arc<crate::clock::Clock>,
}

/// How long a request's head (its line and headers) may take to arrive.
const REQUEST_HEAD_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

/// The default of `ServeOptions::page_copies_live`, in milliseconds.
pub const PAGE_COPIES_MS: u64 = 1000;

/// Starts serving on an already bound listener.
pub fn run(
    listener: TcpListener,
    pool: Pool,
    backend_name: &'static str,
    options: ServeOptions,
) -> std::io::Result<Server> {
    let state = web::Data::new(AppState::new(pool, backend_name, &options));
    let ServeOptions {
        session_key,
        cookie_secure,
        limits,
        ..
    } = options;
    let fixed_page = benchmark_fixed_page();
    let open = std::sync::Arc::new(OpenConnections::default());
    // As the state holds them: canonical, so an IPv4-mapped peer matches.
    let trusted_proxies = state.trusted_proxies.clone();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let server = HttpServer::new(move || {
        let fixed_page = fixed_page.clone();
        App::new()
            .app_data(state.clone())
            .app_data(web::FormConfig::default().limit(csrf::FORM_LIMIT))
            // The CSRF middleware has bounded the body already; the form's
            // own limits only need to let that whole body through.
            .app_data(
                actix_multipart::form::MultipartFormConfig::default()
                    .total_limit(csrf::MULTIPART_LIMIT)
                    .memory_limit(csrf::MULTIPART_LIMIT),
            )
            .configure(routes::configure)
            .configure(move |cfg| {
                if let Some(bytes) = fixed_page {
                    cfg.route(
                        "/bench/fixed",
                        web::get().to(move || {
                            let bytes = bytes.clone();
                            async move {
                                HttpResponse::Ok()
                                    .content_type("text/html; charset=utf-8")
                                    .body(bytes)
                            }
                        }),
                    );
                }
            })
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(AppError::NotFound)
            }))
            .wrap(from_fn(crate::auth::guard::guard))
            .wrap(from_fn(csrf::guard))
            .wrap(from_fn(error_pages))
            .wrap(
                SessionMiddleware::builder(CookieSessionStore::default(), session_key.clone())
                    .cookie_name(SESSION_COOKIE.into())
                    .cookie_http_only(true)
                    .cookie_same_site(SameSite::Lax)
                    .cookie_secure(cookie_secure)
                    .build(),
            )
            .wrap(
                DefaultHeaders::new()
                    .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "same-origin"))
                    .add(("X-Frame-Options", "DENY"))
                    // Pages hold private data; the stylesheet sets its own caching.
                    .add(("Cache-Control", "no-store")),
            )
            .wrap(from_fn(crate::telemetry::request_log))
    })
    .workers(workers)
    // actix counts per worker.
    .max_connections((limits.total / workers).max(1))
    .client_request_timeout(REQUEST_HEAD_DEADLINE)
    .on_connect(move |connection, extensions| {
        connections::on_connect(
            &open,
            limits.per_address,
            &trusted_proxies,
            connection,
            extensions,
        )
    })
    .listen(listener)?
    .run();
    Ok(server)
}

/// For benchmarks only: `YUNSHI_BENCH_FIXED_PAGE=file` serves that file's bytes
/// at `/bench/fixed` through the same middleware, the baseline a dynamic page is
/// compared with. Unset (always, outside benchmarks), the route does not exist.
fn benchmark_fixed_page() -> Option<web::Bytes> {
    let path = std::env::var_os("YUNSHI_BENCH_FIXED_PAGE")?;
    match std::fs::read(&path) {
        Ok(bytes) => Some(web::Bytes::from(bytes)),
        Err(error) => {
            log::warn!("YUNSHI_BENCH_FIXED_PAGE unreadable: {error}");
            None
        }
    }
}

/// The demo accounts created in an empty database: (role, login, display name).
pub const DEMO_ACCOUNTS: [(Role, &str, &str); 5] = [
    (Role::Operator, "operator", "云市运营"),
    (Role::Vendor, "vendor1", "青云科技"),
    (Role::Vendor, "vendor2", "蓝鲸软件"),
    (Role::Buyer, "buyer1", "张三"),
    (Role::Buyer, "buyer2", "李四"),
];
pub const DEMO_PASSWORD: &str = "yunshi-demo";

/// Whether the database has any account (without one, nobody can sign in:
/// the start-up message says how to create the first operator).
pub fn has_accounts(pool: &Pool) -> Result<bool, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    accounts::count(&mut conn)
        .map(|count| count > 0)
        .map_err(|e| e.to_string())
}

/// Creates the demo accounts if the database has no account at all; returns
/// whether it did. Only `serve --demo` and `seed` call it: a production
/// database never gets an account with a published password.
pub fn seed_demo_accounts(pool: &Pool) -> Result<bool, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let now = to_stored(chrono::Utc::now());
    let hash = password::hash(DEMO_PASSWORD)?;
    db::write_transaction(&mut conn, |conn| {
        if accounts::count(conn)? > 0 {
            return Ok(false);
        }
        for (role, login, display_name) in DEMO_ACCOUNTS {
            let new = accounts::NewAccount {
                login,
                display_name,
                role,
                password_hash: &hash,
                now,
            };
            let account = accounts::create(conn, &new).map_err(|e| e.to_string())?;
            accounts::mark_demo(conn, &account)?;
        }
        Ok(true)
    })
    .map_err(|e: SeedError| e.0)
}

struct SeedError(String);

impl From<diesel::result::Error> for SeedError {
    fn from(error: diesel::result::Error) -> SeedError {
        SeedError(error.to_string())
    }
}

impl From<String> for SeedError {
    fn from(message: String) -> SeedError {
        SeedError(message)
    }
}

/// Settles every ended month some vendor has no statement for yet, oldest
/// first; what the server does on start and then hourly.
pub fn settle_due(pool: &Pool) -> Result<Vec<(Month, SettleReport)>, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let now = to_stored(chrono::Utc::now());
    let due = settlements::unsettled_months(&mut conn, now).map_err(|e| e.to_string())?;
    drop(conn);
    let mut done = Vec::with_capacity(due.len());
    for month in due {
        let report = settlements::settle_month_on(pool, month, now, SETTLE_WORKERS)
            .map_err(|e| format!("{month}: {e}"))?;
        done.push((month, report));
    }
    Ok(done)
}

/// Connections that make a month's statements side by side.
pub const SETTLE_WORKERS: usize = 2;

/// How often the server looks for an ended month to settle.
const SETTLE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes the rows of sessions past their lifetime now and every hour, on
/// a thread of its own (a request meeting an ended session deletes it too;
/// this catches those nobody comes back with). Every instance may run it.
pub fn spawn_session_sweeper(pool: Pool) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        loop {
            forget_ended_sessions(&pool);
            std::thread::sleep(SWEEP_SESSIONS_EVERY);
        }
    })
}

/// How often ended sessions are swept.
const SWEEP_SESSIONS_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

fn forget_ended_sessions(pool: &Pool) {
    let now = to_stored(chrono::Utc::now());
    let forgotten = pool
        .get()
        .map_err(|e| e.to_string())
        .and_then(|mut conn| db::sessions::forget_ended(&mut conn, now).map_err(|e| e.to_string()));
    if let Err(error) = forgotten {
        log::warn!("forgetting ended sessions failed, will retry: {error}");
    }
}

/// Reminds vendors of tickets past their promised delivery time, now and
/// every minute, on a thread of its own. Each ticket is reminded once, on
/// whichever instance gets there first.
pub fn spawn_overdue_reminder(
    pool: Pool,
    clock: std::sync::Arc<crate::clock::Clock>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        loop {
            let now = clock.now();
            let reminded = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                db::tickets::remind_overdue(&mut conn, now).map_err(|e| e.to_string())
            });
            match reminded {
                Ok(0) => {}
                Ok(count) => log::info!("reminded vendors of {count} overdue tickets"),
                Err(error) => {
                    log::warn!("reminding of overdue tickets failed, will retry: {error}")
                }
            }
            std::thread::sleep(REMIND_OVERDUE_EVERY);
        }
    })
}

const REMIND_OVERDUE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs `settle_due` now and every hour on a thread of its own. Another
/// instance doing the same at once is harmless: statements are unique per
/// vendor and month.
pub fn spawn_settler(pool: Pool) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        loop {
            match settle_due(&pool) {
                Ok(done) => {
                    for (month, report) in done {
                        log::info!(
                            "settled {month}: {} statements made, {} already there",
                            report.generated,
                            report.already
                        );
                    }
                }
                Err(error) => log::warn!("settling failed, will retry: {error}"),
            }
            std::thread::sleep(SETTLE_EVERY);
        }
    })
}
