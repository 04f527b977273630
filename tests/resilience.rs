//! Crashes and outages. The server is killed with SIGKILL in the middle of a
//! write load and restarted: every purchase a client saw acknowledged is
//! there and the database is consistent. With PostgreSQL cut off, pages
//! answer 503 with the friendly page and `/healthz` says so; when it comes
//! back the app recovers without a restart.

mod common;

use std::io::{BufRead, BufReader};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::shop::{buy, listed_product_in, plan};
use common::{TestDatabase, Visitor, fresh_database, scratch_dir, spawn_app_on};
use diesel::prelude::*;
use reqwest::StatusCode;
use yunshi::db::Backend;
use yunshi::domain::product::{Billing, Kind};

/// A `yunshi serve` process on a random port.
struct Server {
    child: Child,
    address: String,
}

const SECRET_KEY: &str = "resilience-test-secret-key-0123456789abcdef";

fn serve(database_url: &str, data_dir: &PathBuf) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yunshi"))
        .args(["serve", "--bind", "127.0.0.1:0", "--no-auto-settle"])
        .env("DATABASE_URL", database_url)
        .env("DATA_DIR", data_dir)
        .env("SECRET_KEY", SECRET_KEY)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start yunshi serve");
    let stdout = child.stdout.take().expect("the server's output");
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .expect("read the server's output");
        if let Some(rest) = line.strip_prefix("yunshi is serving ") {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_string();
        }
    };
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, address }
}

impl Server {
    fn visitor(&self) -> Visitor {
        Visitor {
            base: self.address.clone(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        }
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn url_of(backend: &Backend) -> String {
    match backend {
        Backend::Postgres(url) => url.clone(),
        Backend::Sqlite(path) => format!("sqlite://{}", path.display()),
    }
}

#[actix_web::test]
async fn acknowledged_purchases_survive_a_sigkill_mid_load() {
    let (backend, _database) = fresh_database();
    let url = url_of(&backend);
    let data_dir = scratch_dir("crash");
    // The demo accounts only (`serve --demo` would bring the demo
    // marketplace, whose orders this test does not count).
    let pool = yunshi::db::open(&backend, 2).expect("open the server's database");
    yunshi::startup::seed_demo_accounts(&pool).expect("the demo accounts");
    let server = serve(&url, &data_dir);
    let (product, plans) = listed_product_in(
        &pool,
        "vendor1",
        Kind::Image,
        "CentOS 7.9",
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    let plan = plans[0];

    // Eight clients buy as fast as they can; each remembers what was acknowledged.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for client in 0..8 {
        let visitor = server.visitor();
        let login = if client % 2 == 0 { "buyer1" } else { "buyer2" };
        visitor.sign_in(login, common::PASSWORD).await;
        let acknowledged = acknowledged.clone();
        let stop = stop.clone();
        clients.push(actix_web::rt::spawn(async move {
            let token = visitor.csrf_token().await;
            while !stop.load(Ordering::Relaxed) {
                let sent = visitor
                    .http
                    .post(format!("{}/shop/products/{product}/orders", visitor.base))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(format!(
                        "csrf_token={token}&plan={plan}&term=m1&total_fen=9900&checkout_key={}",
                        yunshi::db::orders::new_checkout_key()
                    ))
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == StatusCode::SEE_OTHER => {
                        let location = response.headers()["location"].to_str().unwrap();
                        let number = location.trim_start_matches("/me/orders/").to_string();
                        acknowledged.lock().unwrap().push(number);
                    }
                    // The server is gone: what was not acknowledged may or may not be there.
                    _ => break,
                }
            }
        }));
    }
    // Let the load run, then kill the server in the middle of it.
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 60 && started.elapsed() < Duration::from_secs(30) {
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        let _ = client.await;
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 60,
        "only {} acknowledged",
        acknowledged.len()
    );

    // Restart on the same database: it comes up, and has everything.
    let server = serve(&url, &data_dir);
    let health = server.visitor().get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK, "{}", health.body);
    use yunshi::db::schema::{orders, subscriptions};
    let mut conn = pool.get().unwrap();
    let stored: Vec<String> = orders::table
        .filter(orders::order_no.eq_any(&acknowledged))
        .select(orders::order_no)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        stored.len(),
        acknowledged.len(),
        "every acknowledged purchase is stored"
    );
    // Consistent: each purchase has its subscription, at the price it showed.
    let purchases: i64 = orders::table.count().get_result(&mut conn).unwrap();
    let subscriptions_made: i64 = subscriptions::table.count().get_result(&mut conn).unwrap();
    assert_eq!(purchases, subscriptions_made);
    let wrong_amounts: i64 = orders::table
        .filter(orders::amount_fen.ne(9900))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(wrong_amounts, 0);
    if let Some(verdict) = common::sqlite_integrity(&mut conn) {
        assert_eq!(verdict, "ok");
    }
    drop(conn);
    // And keeps taking orders.
    let buyer = server.visitor();
    buyer.sign_in("buyer1", common::PASSWORD).await;
    buy(&buyer, product, plan, "m1").await;
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// A TCP relay between the app and PostgreSQL that the test can cut and
/// restore: to the app it is the database server going away and coming back.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (accepting, tracked) = (up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if !accepting.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                let mut streams = tracked.lock().unwrap();
                streams.push(client.try_clone().unwrap());
                streams.push(server.try_clone().unwrap());
                drop(streams);
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            }
        });
        Relay { port, up, open }
    }

    /// The database goes away: open connections drop, new ones are refused.
    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// The PostgreSQL server the outage is staged on: `TEST_DATABASE_URL`, or the
/// local one (the outage is PostgreSQL's; the SQLite run stages it too).
fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// `postgres://user@host:port/db` with host and port replaced by the relay's.
fn through_relay(url: &str, port: u16) -> (String, SocketAddr) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap();
    let (user, host_port) = match authority.rsplit_once('@') {
        Some((user, host_port)) => (format!("{user}@"), host_port),
        None => (String::new(), authority),
    };
    let host_port = if host_port.contains(':') {
        host_port.to_string()
    } else {
        format!("{host_port}:5432")
    };
    let target = std::net::ToSocketAddrs::to_socket_addrs(&host_port)
        .unwrap()
        .next()
        .unwrap();
    (format!("{scheme}://{user}127.0.0.1:{port}/{path}"), target)
}

#[actix_web::test]
async fn a_postgres_outage_gives_503_and_the_app_recovers_by_itself() {
    let admin_url = postgres_admin_url();
    let (direct_url, database): (String, TestDatabase) =
        match common::fresh_postgres_database(&admin_url) {
            Ok(created) => created,
            Err(error) => {
                assert!(
                    std::env::var("TEST_DATABASE_URL").is_err(),
                    "TEST_DATABASE_URL does not answer: {error}"
                );
                eprintln!("skipped: no PostgreSQL at {admin_url} to stage an outage on ({error})");
                return;
            }
        };
    let (_, target) = through_relay(&direct_url, 0);
    let relay = Relay::start(target);
    let (url, _) = through_relay(&direct_url, relay.port);
    let app = spawn_app_on(Backend::Postgres(url), database).await;
    let buyer = app.signed_in("buyer1").await;
    let (product, plans) = common::shop::listed_product(
        &app,
        "vendor1",
        Kind::Image,
        "CentOS 7.9",
        vec![plan(Billing::Prepaid, "标准版", 9900, None)],
    );
    assert_eq!(buyer.get("/me/orders").await.status, StatusCode::OK);
    let token = buyer.csrf_token().await;

    relay.cut();
    let started = Instant::now();
    let page = buyer.get("/me/orders").await;
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    page.assert_contains("数据库暂时无法访问，请稍后再试。");
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
    // Once a request has found the database gone, the next ones do not wait
    // the pool's full 5 s: about a second each.
    for _ in 0..3 {
        let started = Instant::now();
        let page = buyer.get("/me/orders").await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
    let health = app.visitor().get("/healthz").await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        health.body.contains("\"status\":\"unavailable\""),
        "{}",
        health.body
    );
    let refused = buyer
        .post_raw(
            &format!("/shop/products/{product}/orders"),
            &[
                ("csrf_token", &token),
                ("plan", &plans[0].to_string()),
                ("term", "m1"),
                ("total_fen", "9900"),
                ("checkout_key", &yunshi::db::orders::new_checkout_key()),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);

    relay.restore();
    let started = Instant::now();
    loop {
        let health = app.visitor().get("/healthz").await;
        if health.status == StatusCode::OK {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no recovery: {}",
            health.body
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    // The same session goes on, and the purchase refused during the outage
    // was never half-written.
    assert_eq!(buyer.get("/me/orders").await.status, StatusCode::OK);
    let orders: i64 = {
        use yunshi::db::schema::orders;
        orders::table.count().get_result(&mut app.conn()).unwrap()
    };
    assert_eq!(orders, 0);
    buy(&buyer, product, plans[0], "m1").await;
}
