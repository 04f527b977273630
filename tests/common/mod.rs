//! Test helpers that read like a user: start the app on a random port with a
//! database of its own, then browse it with a cookie jar, following forms and
//! their CSRF tokens.
#![allow(dead_code)]

pub mod logo_cases;
pub mod shop;

use std::net::TcpListener;
use std::path::PathBuf;

use actix_web::cookie::Key;
use diesel::prelude::*;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};

use yunshi::db::{self, Backend, Pool};
use yunshi::startup::{self, DEMO_PASSWORD};

pub const PASSWORD: &str = DEMO_PASSWORD;

/// The test app's `/metrics` bearer token.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

/// A running app with its own database, removed when the test ends.
pub struct TestApp {
    pub address: String,
    pub pool: Pool,
    pub backend: Backend,
    /// Shared with any other instance on the same database
    /// (`another_instance`); removed when the last one ends.
    database: std::sync::Arc<TestDatabase>,
    /// The server's clock: `travel` moves it on.
    pub clock: std::sync::Arc<yunshi::clock::Clock>,
}

/// A test's own database, dropped (or deleted) when the value is.
pub enum TestDatabase {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            TestDatabase::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TestDatabase::Postgres { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut admin);
                }
            }
        }
    }
}

/// A new empty folder of the test's own under the target's scratch space,
/// named `{name}-{process}-{unique}`.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("create a scratch folder");
    dir
}

/// A fresh, empty database: SQLite by default, PostgreSQL when
/// `TEST_DATABASE_URL` names a server (each test gets a database of its own).
pub fn fresh_database() -> (Backend, TestDatabase) {
    let suffix = format!("{}_{}", std::process::id(), rand_suffix());
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.trim().is_empty() => {
            let (url, database) = fresh_postgres_database(&admin_url)
                .unwrap_or_else(|e| panic!("TEST_DATABASE_URL does not answer: {e}"));
            (Backend::Postgres(url), database)
        }
        _ => {
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("test-dbs");
            std::fs::create_dir_all(&dir).expect("create the test database folder");
            let path = dir.join(format!("{suffix}.db"));
            (Backend::Sqlite(path.clone()), TestDatabase::Sqlite(path))
        }
    }
}

/// A new database on the PostgreSQL server of `admin_url`: its URL, and the
/// guard that drops it.
pub fn fresh_postgres_database(admin_url: &str) -> Result<(String, TestDatabase), String> {
    let name = format!("yunshi_test_{}_{}", std::process::id(), rand_suffix());
    let mut admin = PgConnection::establish(admin_url).map_err(|e| e.to_string())?;
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .map_err(|e| e.to_string())?;
    let url = without_tls(&with_database_name(admin_url, &name));
    Ok((
        url,
        TestDatabase::Postgres {
            admin_url: admin_url.to_string(),
            name,
        },
    ))
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos}_{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The URL with `sslmode=disable` unless it names a mode: the tests talk to
/// a local server, and a test process that exits while pooled TLS
/// connections are still being opened or closed on other threads can crash
/// in OpenSSL's exit-time cleanup (seen once: "double free or corruption"
/// after every test of a binary had passed).
fn without_tls(url: &str) -> String {
    if url.contains("sslmode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&sslmode=disable")
    } else {
        format!("{url}?sslmode=disable")
    }
}

/// `postgres://u@h:5432/test?x=y` with the database name replaced.
fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{name}{query}", &base[..host_end])
}

/// Starts the app with the demo accounts (operator, vendor1, vendor2, buyer1, buyer2).
pub async fn spawn_app() -> TestApp {
    let (backend, database) = fresh_database();
    spawn_app_on(backend, database).await
}

/// Starts the app for a test that writes to the database behind the
/// server's back (as another instance would) and must see it on the next
/// page: no copies are kept (`PAGE_COPIES_MS=0`).
pub async fn spawn_app_reading_every_time() -> TestApp {
    let (backend, database) = fresh_database();
    start(backend, database, |options| {
        options.page_copies_live = std::time::Duration::ZERO
    })
    .await
}

/// Starts the app behind a reverse proxy at 127.0.0.1 (`TRUSTED_PROXIES`):
/// the test's `X-Forwarded-For` names the client.
pub async fn spawn_app_behind_proxy() -> TestApp {
    let (backend, database) = fresh_database();
    start(backend, database, |options| {
        options.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]
    })
    .await
}

/// Starts the app as served over https (`COOKIE_SECURE`).
pub async fn spawn_app_over_https() -> TestApp {
    let (backend, database) = fresh_database();
    start(backend, database, |options| options.cookie_secure = true).await
}

/// Starts the app with connection limits of the test's choosing.
pub async fn spawn_app_with_limits(limits: yunshi::connections::ConnectionLimits) -> TestApp {
    let (backend, database) = fresh_database();
    start(backend, database, |options| options.limits = limits).await
}

/// Starts the app on a database of the test's choosing, as served.
pub async fn spawn_app_on(backend: Backend, database: TestDatabase) -> TestApp {
    start(backend, database, |_| {}).await
}

/// Starts the app keeping page copies for `live` rather than the default
/// second, so that a test can tell a kept copy from a fresh read however
/// slowly the machine runs it.
pub async fn spawn_app_keeping_copies_for(live: std::time::Duration) -> TestApp {
    let (backend, database) = fresh_database();
    start(backend, database, |options| options.page_copies_live = live).await
}

async fn start(
    backend: Backend,
    database: TestDatabase,
    adjust: impl FnOnce(&mut startup::ServeOptions),
) -> TestApp {
    start_instance(backend, std::sync::Arc::new(database), adjust).await
}

async fn start_instance(
    backend: Backend,
    database: std::sync::Arc<TestDatabase>,
    adjust: impl FnOnce(&mut startup::ServeOptions),
) -> TestApp {
    let pool = db::open(&backend, 4).expect("open and migrate the test database");
    startup::seed_demo_accounts(&pool).expect("seed the demo accounts");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a random port");
    let port = listener.local_addr().unwrap().port();
    let mut options = startup::ServeOptions {
        session_key: Key::generate(),
        cookie_secure: false,
        metrics_token: Some(METRICS_TOKEN.into()),
        page_copies_live: std::time::Duration::from_millis(startup::PAGE_COPIES_MS),
        trusted_proxies: Vec::new(),
        limits: yunshi::connections::ConnectionLimits::default(),
        clock: std::sync::Arc::new(yunshi::clock::Clock::system()),
    };
    adjust(&mut options);
    let clock = options.clock.clone();
    let server =
        startup::run(listener, pool.clone(), backend.name(), options).expect("start the server");
    actix_web::rt::spawn(server);
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        pool,
        backend,
        database,
        clock,
    }
}

impl TestApp {
    /// A second server on this app's database, as another machine behind
    /// the same load balancer would be: its own pool, copies and clock,
    /// keeping page copies for `live`.
    pub async fn another_instance(&self, live: std::time::Duration) -> TestApp {
        start_instance(self.backend.clone(), self.database.clone(), |options| {
            options.page_copies_live = live
        })
        .await
    }

    /// Moves the server's clock on by `by`: the pages and steps that follow
    /// happen that much later, with no row edited.
    pub fn travel(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    /// A new visitor: its own cookie jar, redirects not followed.
    pub fn visitor(&self) -> Visitor {
        self.visitor_from(None)
    }

    /// A visitor whose every request says, as a proxy would, that it comes
    /// from `address` (`X-Forwarded-For`).
    pub fn visitor_forwarded_for(&self, address: &str) -> Visitor {
        self.visitor_from(Some(address))
    }

    fn visitor_from(&self, forwarded_for: Option<&str>) -> Visitor {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(address) = forwarded_for {
            headers.insert("x-forwarded-for", address.parse().unwrap());
        }
        Visitor {
            base: self.address.clone(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .default_headers(headers)
                .build()
                .expect("build the HTTP client"),
        }
    }

    /// A visitor signed in with a demo account.
    pub async fn signed_in(&self, login: &str) -> Visitor {
        let visitor = self.visitor();
        let response = visitor.sign_in(login, DEMO_PASSWORD).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "sign-in of {login} failed: {}",
            response.body
        );
        visitor
    }

    pub fn conn(&self) -> db::PooledConn {
        self.pool.get().expect("a connection to the test database")
    }
}

/// What came back: status, headers and the body as text.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    pub fn assert_redirect_to(&self, expected: &str) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "body: {}", self.body);
        assert_eq!(self.location(), Some(expected));
    }

    /// The CSRF token of the first form on the page.
    pub fn csrf_token(&self) -> String {
        extract_csrf(&self.body).expect("the page has a form with a CSRF token")
    }

    /// The order list's summary line (count, paid, refunded).
    pub fn list_summary(&self) -> &str {
        let start = self
            .body
            .find("<p class=\"list-summary\"")
            .expect("the page has an order list summary");
        let rest = &self.body[start..];
        &rest[..rest.find("</p>").expect("the summary ends")]
    }

    pub fn assert_contains(&self, text: &str) {
        assert!(
            self.body.contains(text),
            "expected {text:?} in the page:\n{}",
            self.body
        );
    }

    pub fn assert_lacks(&self, text: &str) {
        assert!(
            !self.body.contains(text),
            "did not expect {text:?} in the page:\n{}",
            self.body
        );
    }
}

/// The logo fixtures, in the repository (`common::logo_cases` makes them).
pub fn logo_fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/logos"))
}

pub fn extract_csrf(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// Clones share the cookie jar, so they are the same signed-in visitor.
#[derive(Clone)]
pub struct Visitor {
    pub base: String,
    pub http: reqwest::Client,
}

impl Visitor {
    async fn read(response: reqwest::Response) -> Page {
        Page {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.expect("read the body"),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        Self::read(response).await
    }

    /// The session's CSRF token, read from a form as a browser would have it.
    pub async fn csrf_token(&self) -> String {
        self.get("/shop").await.csrf_token()
    }

    /// Posts a form exactly as given (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(fields).expect("encode the form");
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST");
        Self::read(response).await
    }

    /// Posts any bytes with any content type (malformed and hostile requests).
    pub async fn post_bytes(&self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST bytes");
        Self::read(response).await
    }

    /// Posts a form with the session's CSRF token, like a browser submitting a page's form.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf_token().await;
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts an irreversible step as a person would: the first post must be
    /// answered with its confirmation page (a form posting back to the same
    /// address with `confirmed=yes`), and nothing is done until the confirmed
    /// post. A step refused outright (4xx) is returned as it is.
    pub async fn confirm(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let asked = self.post(path, fields).await;
        if asked.status.is_client_error() {
            return asked;
        }
        assert_eq!(
            asked.status,
            StatusCode::OK,
            "{path} asks first: {}",
            asked.body
        );
        asked.assert_contains(&format!("action=\"{path}\""));
        asked.assert_contains("name=\"confirmed\" value=\"yes\"");
        let mut confirmed = fields.to_vec();
        confirmed.push(("confirmed", "yes"));
        self.post(path, &confirmed).await
    }

    /// Posts a multipart form with the given text fields.
    pub async fn post_multipart(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let boundary = "yunshi-test-boundary";
        let mut body = String::new();
        for (name, value) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("POST multipart");
        Self::read(response).await
    }

    /// Posts a multipart form with the session's CSRF token and one file.
    pub async fn post_file(&self, path: &str, field: &str, filename: &str, bytes: &[u8]) -> Page {
        self.post_file_with(path, &[], field, filename, bytes).await
    }

    /// Posts a multipart form with the CSRF token, text fields and one file.
    pub async fn post_file_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        field: &str,
        filename: &str,
        bytes: &[u8],
    ) -> Page {
        let token = self.csrf_token().await;
        let boundary = "yunshi-test-boundary-7f3a";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in [("csrf_token", token.as_str())].iter().chain(fields) {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("POST file");
        Self::read(response).await
    }

    /// GET with extra headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut request = self.http.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Self::read(request.send().await.expect("GET")).await
    }

    pub async fn sign_in(&self, login: &str, password: &str) -> Page {
        let token = self.get("/login").await.csrf_token();
        self.post_raw(
            "/login",
            &[
                ("csrf_token", &token),
                ("login", login),
                ("password", password),
            ],
        )
        .await
    }

    pub async fn switch_language(&self, lang: &str) {
        let page = self.post("/lang", &[("lang", lang), ("next", "/")]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
}

#[test]
fn database_name_is_replaced() {
    assert_eq!(
        with_database_name("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database_name("postgres://h/test?sslmode=disable", "x"),
        "postgres://h/x?sslmode=disable"
    );
    assert_eq!(with_database_name("postgres://h", "x"), "postgres://h/x");
    assert_eq!(
        without_tls("postgres://h/x"),
        "postgres://h/x?sslmode=disable"
    );
    assert_eq!(
        without_tls("postgres://h/x?a=b"),
        "postgres://h/x?a=b&sslmode=disable"
    );
    assert_eq!(
        without_tls("postgres://h/x?sslmode=require"),
        "postgres://h/x?sslmode=require"
    );
}

/// SQLite's own consistency check ("ok" when sound); `None` on PostgreSQL.
pub fn sqlite_integrity(conn: &mut yunshi::db::DbConn) -> Option<String> {
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let yunshi::db::DbConn::Sqlite(lite) = conn else {
        return None;
    };
    let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(lite)
        .expect("run the integrity check");
    check.into_iter().next().map(|row| row.integrity_check)
}
