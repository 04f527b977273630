//! The command line: refusing bad database URLs in one line, migrating both
//! backends from empty, and adding accounts.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::scratch_dir;

fn yunshi(dir: &PathBuf, args: &[&str], envs: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_yunshi"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("DATA_DIR", dir.join("data"))
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run yunshi");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait for yunshi")
}

fn files_in(dir: &PathBuf) -> Vec<String> {
    let mut names: Vec<String> = walk(dir).into_iter().collect();
    names.sort();
    names
}

fn walk(dir: &PathBuf) -> Vec<String> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(walk(&path));
            } else {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[test]
fn unknown_schemes_are_refused_in_one_line_without_creating_files() {
    let dir = scratch_dir("cli");
    for url in [
        "postgress://x/y",
        "mysql://root@localhost/db",
        "sqlite::memory:",
        "",
    ] {
        let out = yunshi(&dir, &["migrate"], &[("DATABASE_URL", url)], None);
        assert!(!out.status.success(), "{url} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{url}: {stderr}");
        assert!(stderr.starts_with("yunshi: "), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert_eq!(files_in(&dir), Vec::<String>::new(), "no stray file");
}

#[test]
fn an_unreachable_database_is_one_clear_line() {
    let dir = scratch_dir("cli");
    let out = yunshi(
        &dir,
        &["migrate"],
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing")],
        None,
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot connect to the database"),
        "{stderr}"
    );
    assert_eq!(files_in(&dir), Vec::<String>::new(), "no stray file");
}

/// The database the suite runs on: a fresh PostgreSQL database when
/// TEST_DATABASE_URL is set (dropped afterwards), else a SQLite file in `dir`.
struct TestBackend {
    url: String,
    postgres: Option<(String, String)>,
}

impl TestBackend {
    fn fresh(dir: &std::path::Path) -> TestBackend {
        use diesel::prelude::*;
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.trim().is_empty() => {
                let name = format!(
                    "yunshi_cli_{}_{}",
                    std::process::id(),
                    dir.file_name().unwrap().to_string_lossy().replace('-', "_")
                );
                let mut admin = PgConnection::establish(&admin_url).unwrap();
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .unwrap();
                let base = admin_url.rsplit_once('/').unwrap().0;
                TestBackend {
                    url: format!("{base}/{name}"),
                    postgres: Some((admin_url, name)),
                }
            }
            _ => TestBackend {
                url: format!("sqlite://{}", dir.join("data/yunshi.db").display()),
                postgres: None,
            },
        }
    }
}

impl Drop for TestBackend {
    fn drop(&mut self) {
        use diesel::prelude::*;
        if let Some((admin_url, name)) = &self.postgres
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

#[test]
fn migrate_twice_from_empty_then_add_accounts() {
    let dir = scratch_dir("cli");
    let backend = TestBackend::fresh(&dir);
    let env = [("DATABASE_URL", backend.url.as_str())];
    for _ in 0..2 {
        let out = yunshi(&dir, &["migrate"], &env, None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("database is migrated"));
    }
    assert_eq!(
        dir.join("data/yunshi.db").exists(),
        backend.postgres.is_none(),
        "a SQLite file exists exactly when SQLite is the backend"
    );
    let added = yunshi(
        &dir,
        &[
            "account", "add", "--role", "vendor", "--login", "Acme", "--name", "Acme 云",
        ],
        &env,
        Some("a-long-password\n"),
    );
    let stdout = String::from_utf8_lossy(&added.stdout);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(
        stdout.contains("Created vendor account `acme` with user ID 2"),
        "{stdout}"
    );
    let again = yunshi(
        &dir,
        &[
            "account",
            "add",
            "--role",
            "buyer",
            "--login",
            "acme",
            "--password",
            "another-password",
        ],
        &env,
        None,
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is taken"));
    let bad_role = yunshi(
        &dir,
        &[
            "account",
            "add",
            "--role",
            "admin",
            "--login",
            "x1x",
            "--password",
            "password123",
        ],
        &env,
        None,
    );
    assert!(!bad_role.status.success());
    let short = yunshi(
        &dir,
        &["account", "add", "--role", "buyer", "--login", "x1x"],
        &env,
        Some("short\n"),
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("8 to 128"));
    drop(backend);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn settle_makes_a_month_once_and_refuses_one_not_over() {
    use yunshi::domain::settlement::Month;
    let dir = scratch_dir("cli");
    let backend = TestBackend::fresh(&dir);
    let env = [("DATABASE_URL", backend.url.as_str())];
    let seeded = yunshi(
        &dir,
        &["seed", "--orders", "3000", "--seed", "7"],
        &env,
        None,
    );
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let now = yunshi::domain::time::to_stored(chrono::Utc::now());
    let last = Month::of(now).previous().to_string();
    let settled = yunshi(&dir, &["settle", "--month", &last], &env, None);
    let stdout = String::from_utf8_lossy(&settled.stdout);
    assert!(
        settled.status.success(),
        "{}",
        String::from_utf8_lossy(&settled.stderr)
    );
    // The 20 bulk vendors sold that month; the demo vendors, made today, did not.
    assert!(
        stdout.contains("20 statements made, 0 already there"),
        "{stdout}"
    );
    let again = yunshi(&dir, &["settle", "--month", &last], &env, None);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 statements made, 20 already there"));
    let current = Month::of(now).to_string();
    let early = yunshi(&dir, &["settle", "--month", &current], &env, None);
    assert!(!early.status.success());
    assert!(String::from_utf8_lossy(&early.stderr).contains("has not ended yet"));
    let nonsense = yunshi(&dir, &["settle", "--month", "2026-13"], &env, None);
    assert!(!nonsense.status.success());
    assert!(String::from_utf8_lossy(&nonsense.stderr).contains("is not a month"));
    drop(backend);
    std::fs::remove_dir_all(dir).ok();
}

/// Runs SQL on the suite's database (SQLite or PostgreSQL).
/// The one BIGINT the query selects, named `n`.
fn select_number(url: &str, sql: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Number {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let found: Number = match url.strip_prefix("sqlite://") {
        Some(path) => diesel::sql_query(sql)
            .get_result(&mut SqliteConnection::establish(path).unwrap())
            .unwrap(),
        None => diesel::sql_query(sql)
            .get_result(&mut PgConnection::establish(url).unwrap())
            .unwrap(),
    };
    found.n
}

fn execute(url: &str, sql: &str) {
    use diesel::prelude::*;
    match url.strip_prefix("sqlite://") {
        Some(path) => {
            diesel::sql_query(sql)
                .execute(&mut SqliteConnection::establish(path).unwrap())
                .unwrap();
        }
        None => {
            diesel::sql_query(sql)
                .execute(&mut PgConnection::establish(url).unwrap())
                .unwrap();
        }
    }
}

#[test]
fn the_ledger_is_filled_on_first_start_checked_and_rebuilt() {
    use yunshi::domain::settlement::Month;
    let dir = scratch_dir("cli");
    let backend = TestBackend::fresh(&dir);
    let env = [("DATABASE_URL", backend.url.as_str())];
    let seeded = yunshi(
        &dir,
        &["seed", "--orders", "3000", "--seed", "9"],
        &env,
        None,
    );
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let now = yunshi::domain::time::to_stored(chrono::Utc::now());
    let last = Month::of(now).previous().to_string();
    let check = |dir: &PathBuf| yunshi(dir, &["ledger", "check", "--month", &last], &env, None);

    // The seeder wrote the ledger: it agrees with the history.
    let agreed = check(&dir);
    assert!(
        agreed.status.success(),
        "{}",
        String::from_utf8_lossy(&agreed.stderr)
    );
    assert!(String::from_utf8_lossy(&agreed.stdout).contains("agree"));

    // Entries lost (or never written): the check says which lines differ and fails.
    execute(&backend.url, "DELETE FROM ledger_entries");
    let differs = check(&dir);
    assert!(!differs.status.success());
    assert!(
        String::from_utf8_lossy(&differs.stderr)
            .contains("differ between the ledger and the history")
    );
    assert!(String::from_utf8_lossy(&differs.stdout).contains("history Some("));
    // A rebuild writes what is missing, and writes nothing the second time;
    // it counts the order lists' totals again too.
    execute(&backend.url, "DELETE FROM vendor_order_tallies");
    let rebuilt = yunshi(&dir, &["ledger", "rebuild"], &env, None);
    assert!(
        rebuilt.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
    assert!(!String::from_utf8_lossy(&rebuilt.stdout).contains(" 0 entries written"));
    assert!(check(&dir).status.success());
    let orders = select_number(&backend.url, "SELECT COUNT(*) AS n FROM orders");
    assert!(orders > 0);
    assert_eq!(
        select_number(
            &backend.url,
            "SELECT CAST(COALESCE(SUM(orders), 0) AS BIGINT) AS n FROM vendor_order_tallies"
        ),
        orders
    );
    let again = yunshi(&dir, &["ledger", "rebuild"], &env, None);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains(" 0 entries written"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );

    // A database from before the ledger: the first start fills it.
    execute(&backend.url, "DELETE FROM ledger_entries");
    execute(&backend.url, "DELETE FROM running_hourly");
    execute(&backend.url, "DELETE FROM ledger_built");
    let migrated = yunshi(&dir, &["migrate"], &env, None);
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    assert!(check(&dir).status.success());
    let bad = yunshi(&dir, &["ledger", "check", "--month", "2026-13"], &env, None);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a month"));
    drop(backend);
    std::fs::remove_dir_all(dir).ok();
}

/// Starts `yunshi serve` on a random port and returns what it printed up
/// to the first line containing `until` (or its end), then stops it.
fn serve_until(dir: &PathBuf, extra: &[&str], envs: &[(&str, &str)], until: &str) -> String {
    use std::io::{BufRead, BufReader};
    let mut args = vec!["serve", "--bind", "127.0.0.1:0", "--no-auto-settle"];
    args.extend_from_slice(extra);
    let mut child = Command::new(env!("CARGO_BIN_EXE_yunshi"))
        .args(&args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("DATA_DIR", dir.join("data"))
        .env("RUST_LOG", "warn")
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start yunshi serve");
    let mut printed = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.contains(until) {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    printed
}

fn account_count(url: &str) -> i64 {
    let backend = yunshi::db::Backend::from_url(url).unwrap();
    let pool = yunshi::db::open(&backend, 1).unwrap();
    yunshi::db::accounts::count(&mut pool.get().unwrap()).unwrap()
}

#[test]
fn an_empty_database_gets_demo_accounts_only_with_demo() {
    let dir = scratch_dir("cli");
    let backend = TestBackend::fresh(&dir);
    let env = [("DATABASE_URL", backend.url.as_str())];
    let plain = serve_until(&dir, &[], &env, "account add");
    assert!(plain.contains("has no account yet"), "{plain}");
    assert!(
        plain.contains("yunshi account add --role operator"),
        "{plain}"
    );
    assert!(!plain.contains("yunshi-demo"), "{plain}");
    assert_eq!(account_count(&backend.url), 0);
    let demo = serve_until(&dir, &["--demo"], &env, "buyer2");
    assert!(demo.contains("Demo accounts created"), "{demo}");
    assert!(demo.contains("yunshi-demo"), "{demo}");
    assert_eq!(account_count(&backend.url), 5);
    // And the demo marketplace with them: listed products, orders, statements.
    {
        use diesel::prelude::*;
        use yunshi::db::schema::{orders, products, statements};
        let backend = yunshi::db::Backend::from_url(&backend.url).unwrap();
        let pool = yunshi::db::open(&backend, 1).unwrap();
        let mut conn = pool.get().unwrap();
        let listed: i64 = products::table
            .filter(products::listing.eq("listed"))
            .count()
            .get_result(&mut conn)
            .unwrap();
        let sold: i64 = orders::table.count().get_result(&mut conn).unwrap();
        let settled: i64 = statements::table.count().get_result(&mut conn).unwrap();
        assert!(
            listed >= 6 && sold >= 20 && settled >= 1,
            "{listed} {sold} {settled}"
        );
    }
    // Started again without --demo: nothing new, nothing printed about them.
    let again = serve_until(&dir, &[], &env, "serving");
    assert!(!again.contains("yunshi-demo"), "{again}");
    assert_eq!(account_count(&backend.url), 5);
    drop(backend);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_sqlite_path_in_a_missing_folder_is_refused_unless_it_is_the_data_folder() {
    let dir = scratch_dir("cli");
    let typo = format!("sqlite://{}", dir.join("dtaa/yunshi.db").display());
    let out = yunshi(&dir, &["migrate"], &[("DATABASE_URL", &typo)], None);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert_eq!(files_in(&dir), Vec::<String>::new(), "no stray file");
    // The data folder is made when missing, named or by default.
    let in_data = format!("sqlite://{}", dir.join("data/yunshi.db").display());
    let out = yunshi(&dir, &["migrate"], &[("DATABASE_URL", &in_data)], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_pool_of_nothing_and_a_failed_start_are_one_line_and_leave_nothing() {
    let dir = scratch_dir("cli");
    let zero = yunshi(
        &dir,
        &["serve", "--bind", "127.0.0.1:0"],
        &[("POOL_SIZE", "0")],
        None,
    );
    assert!(!zero.status.success());
    let stderr = String::from_utf8_lossy(&zero.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("POOL_SIZE must be at least 1"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let unreachable = yunshi(
        &dir,
        &["serve", "--bind", "127.0.0.1:0"],
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing")],
        None,
    );
    assert!(!unreachable.status.success());
    assert_eq!(
        files_in(&dir),
        Vec::<String>::new(),
        "no secret.key left behind"
    );
    std::fs::remove_dir_all(dir).ok();
}
