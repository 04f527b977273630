//! What operators rely on: request logs with a request id and the account
//! (never a password, token or cookie), `/metrics` behind operator sign-in or
//! a bearer token, and `yunshi backup` while the server is writing.

mod common;

use std::io::Write;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use common::shop::{buy, listed_product, plan};
use common::{METRICS_TOKEN, PASSWORD, scratch_dir, spawn_app};
use reqwest::StatusCode;
use yunshi::db::Backend;
use yunshi::domain::product::{Billing, Kind};

/// Everything the app logs in this test binary.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_env_filter("info")
            .with_writer(move || Capture(sink.clone()))
            .init();
        logs
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_web::test]
async fn each_request_is_logged_with_its_id_and_account_but_no_secret() {
    let logs = captured_logs();
    let app = spawn_app().await;
    let visitor = app.visitor();
    let login_page = visitor.get("/login").await;
    let token = login_page.csrf_token();
    let signed_in = visitor
        .post_raw(
            "/login",
            &[
                ("csrf_token", &token),
                ("login", "vendor1"),
                ("password", PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let cookie = signed_in
        .headers
        .get("set-cookie")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .and_then(|pair| pair.split_once('='))
        .map(|(_, value)| value.to_string())
        .expect("a session cookie");
    let page = visitor
        .get_with(
            "/vendor/orders?buyer_uin=2000085622",
            &[("x-request-id", "proxy-abc_123")],
        )
        .await;
    assert_eq!(page.headers["x-request-id"], "proxy-abc_123");
    // A hostile id is not echoed; a fresh one is made.
    let hostile = visitor
        .get_with("/vendor", &[("x-request-id", "a\"b <script>")])
        .await;
    let fresh = hostile.headers["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(fresh.len(), 16, "{fresh}");
    let vendor1 = common::shop::account_id(&app, "vendor1");

    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    let line = text
        .lines()
        .find(|line| line.contains("request_id=proxy-abc_123"))
        .unwrap_or_else(|| panic!("no line for the request in:\n{text}"));
    assert!(line.contains("route=/vendor/orders"), "{line}");
    assert!(line.contains("status=200"), "{line}");
    assert!(line.contains(&format!("account={vendor1}")), "{line}");
    assert!(line.contains("latency_ms="), "{line}");
    assert!(text.contains(&format!("request_id={fresh}")));
    // Never the password, the CSRF token, the session cookie or the query.
    for secret in [
        PASSWORD,
        token.as_str(),
        cookie.as_str(),
        "buyer_uin=2000085622",
    ] {
        assert!(!text.contains(secret), "the log holds {secret:?}");
    }
}

#[actix_web::test]
async fn metrics_are_for_operators_and_the_token_holder() {
    let app = spawn_app().await;
    let anonymous = app.visitor().get("/metrics").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(anonymous.headers.contains_key("www-authenticate"));
    let wrong = app
        .visitor()
        .get_with("/metrics", &[("authorization", "Bearer not-the-token")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    for login in ["buyer1", "vendor1"] {
        let refused = app.signed_in(login).await.get("/metrics").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{login}");
    }

    let operator = app.signed_in("operator").await;
    operator.get("/admin/reviews").await;
    operator.get("/no/such/page").await;
    let page = operator.get("/metrics").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    for expected in [
        "# TYPE yunshi_http_requests_total counter",
        "yunshi_http_requests_total{method=\"GET\",route=\"/admin/reviews\",status=\"200\"} 1",
        "yunshi_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1",
        "yunshi_http_request_duration_seconds_bucket{method=\"GET\",route=\"/admin/reviews\",le=\"+Inf\"} 1",
        "yunshi_http_request_duration_seconds_count{method=\"GET\",route=\"/admin/reviews\"} 1",
        "yunshi_db_pool_connections{state=\"in_use\"}",
        "yunshi_db_pool_max_connections 4",
        "yunshi_statements{state=\"ready\"} 0",
        "yunshi_statements{state=\"paid\"} 0",
    ] {
        assert!(
            page.body.contains(expected),
            "no {expected:?} in\n{}",
            page.body
        );
    }
    let scraper = app
        .visitor()
        .get_with(
            "/metrics",
            &[("authorization", &format!("Bearer {METRICS_TOKEN}"))],
        )
        .await;
    assert_eq!(scraper.status, StatusCode::OK);
    assert!(scraper.body.contains("route=\"/metrics\",status=\"200\""));
}

fn yunshi_backup(database_url: &str, file: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_yunshi"))
        .args(["backup", &file.to_string_lossy()])
        .env("DATABASE_URL", database_url)
        .output()
        .expect("run yunshi backup")
}

#[actix_web::test]
async fn a_backup_taken_while_orders_are_written_restores_consistently() {
    let app = spawn_app().await;
    let dir = scratch_dir("backup");
    let file = dir.join("copy.db");
    let source = match &app.backend {
        Backend::Postgres(url) => {
            // PostgreSQL has its own tools; the command says which.
            let output = yunshi_backup(url, &file);
            assert!(!output.status.success());
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains("pg_dump"), "{stderr}");
            assert!(!file.exists());
            return;
        }
        Backend::Sqlite(path) => path.clone(),
    };
    let (product, plans) = listed_product(
        &app,
        "vendor1",
        Kind::Image,
        "CentOS 7.9",
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    let buyer = app.signed_in("buyer1").await;
    for _ in 0..5 {
        buy(&buyer, product, plans[0], "m1").await;
    }
    let before = order_count(&app.pool);
    // Keep buying while the backup runs.
    let writer = {
        let buyer = app.signed_in("buyer1").await;
        actix_web::rt::spawn(async move {
            for _ in 0..40 {
                buy(&buyer, product, plans[0], "m1").await;
            }
        })
    };
    let url = format!("sqlite://{}", source.display());
    let output = actix_web::rt::task::spawn_blocking({
        let file = file.clone();
        move || yunshi_backup(&url, &file)
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Backed up to"));
    writer.await.unwrap();

    // A second backup to the same file is refused, not overwritten.
    let again = yunshi_backup(&format!("sqlite://{}", source.display()), &file);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    // Restore: serve from the copy. It has every order acknowledged before the
    // backup began, passes SQLite's own checks, and every order still has its
    // subscription.
    let restored = yunshi::db::open(&Backend::Sqlite(file.clone()), 2).expect("open the copy");
    let copied = order_count(&restored);
    assert!(
        copied >= before && copied <= before + 40,
        "{copied} vs {before}"
    );
    let mut conn = restored.get().unwrap();
    assert_eq!(common::sqlite_integrity(&mut conn).as_deref(), Some("ok"));
    let yunshi::db::DbConn::Sqlite(lite) = &mut *conn else {
        unreachable!()
    };
    use diesel::prelude::*;
    let orphans: i64 = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM orders o LEFT JOIN subscriptions s ON s.id = o.subscription_id \
         WHERE o.subscription_id IS NOT NULL AND s.id IS NULL",
    )
    .get_result::<Count>(lite)
    .unwrap()
    .n;
    assert_eq!(orphans, 0);
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn order_count(pool: &yunshi::db::Pool) -> i64 {
    use diesel::prelude::*;
    use yunshi::db::schema::orders;
    orders::table
        .count()
        .get_result(&mut pool.get().unwrap())
        .unwrap()
}
