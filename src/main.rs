//! The `yunshi` command: serve (default), migrate, seed, settle, account add.

use std::io::BufRead;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use yunshi::domain::refusal::Refusal;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand};

use yunshi::auth::password;
use yunshi::config::Settings;
use yunshi::db::{self, accounts, settlements};
use yunshi::domain::account::{self, Role};
use yunshi::domain::settlement::Month;
use yunshi::domain::time::to_stored;
use yunshi::startup::{self, DEMO_ACCOUNTS, DEMO_PASSWORD};

#[derive(Parser)]
#[command(
    name = "yunshi",
    version,
    about = "yunshi (云市): the console of a cloud marketplace"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct GlobalArgs {
    /// postgres://user@host/db, sqlite://path or a file path [default: <data-dir>/yunshi.db]
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Folder for the SQLite database and the generated session secret.
    #[arg(long, env = "DATA_DIR", default_value = "./data", global = true)]
    data_dir: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate and serve (the default); `--demo` fills an empty database
    /// with the demo accounts.
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Fill an empty database with deterministic bulk data for benchmarks.
    Seed {
        /// How many orders to write.
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
        /// The generator's seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Make every vendor's statement for an ended month (YYYY-MM, China time).
    Settle {
        #[arg(long)]
        month: String,
    },
    /// Write a consistent copy of the SQLite database to FILE while the
    /// server runs (for PostgreSQL it says to use pg_dump).
    Backup {
        /// The copy to write; it must not exist yet.
        file: PathBuf,
    },
    /// Manage accounts.
    Account {
        #[command(subcommand)]
        action: AccountCommand,
    },
    /// The settlement ledger: fill it from the orders, or compare it with them.
    Ledger {
        #[command(subcommand)]
        action: LedgerCommand,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Bring the ledger up to date with every order's history (writes only
    /// what is missing; safe to run again), and count every vendor's orders
    /// again for the order lists' totals.
    Rebuild,
    /// Compare a month's lines in the ledger with those read from the
    /// orders' history, vendor by vendor; fails if any differ.
    Check {
        #[arg(long)]
        month: String,
    },
}

#[derive(Args, Default)]
struct ServeArgs {
    /// For trying yunshi, never in production: an empty database gets the
    /// demo accounts, whose password is published in the README.
    #[arg(long, env = "DEMO", value_parser = BoolishValueParser::new())]
    demo: bool,
    /// Address to listen on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Session secret, at least 32 characters; generated into the data folder when absent.
    #[arg(long, env = "SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// Mark the session cookie Secure (set when serving over https).
    #[arg(long, env = "COOKIE_SECURE", value_parser = BoolishValueParser::new())]
    cookie_secure: bool,
    /// Database connections in the pool.
    #[arg(long, env = "POOL_SIZE", default_value_t = 16)]
    pool_size: u32,
    /// Do not settle ended months on start and hourly (benchmarks; another
    /// instance or `yunshi settle` does it).
    #[arg(long, env = "NO_AUTO_SETTLE", value_parser = BoolishValueParser::new())]
    no_auto_settle: bool,
    /// Bearer token that lets a scraper read /metrics without signing in.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Request logs as `text` (key=value) or `json` (one object per line).
    #[arg(long, env = "LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    /// Milliseconds a signed-in account or an order list read from the
    /// database may be reused. Changes made through this instance show at
    /// once; changes made elsewhere (another instance, the CLI) within this
    /// time. 0 reads them on every request.
    #[arg(long, env = "PAGE_COPIES_MS", default_value_t = startup::PAGE_COPIES_MS)]
    page_copies_ms: u64,
    /// Comma-separated addresses of the reverse proxies in front of yunshi:
    /// their X-Forwarded-For names the client for the sign-in and sign-up
    /// throttles (without it, every client behind a proxy shares its address).
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Open connections one client address may hold (trusted proxies are
    /// exempt); one more is answered 429 and closed.
    #[arg(long, env = "CONNECTIONS_PER_ADDRESS", default_value_t = yunshi::connections::PER_ADDRESS as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    connections_per_address: u64,
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account; the password is read from stdin when --password is absent.
    Add {
        #[arg(long)]
        role: String,
        #[arg(long)]
        login: String,
        #[arg(long)]
        password: Option<String>,
        #[arg(long)]
        name: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        None => serve(&cli.global, ServeArgs::default_from_env()),
        Some(Command::Serve(args)) => serve(&cli.global, args),
        Some(Command::Migrate) => migrate(&cli.global),
        Some(Command::Seed { orders, seed }) => seed_bulk(&cli.global, orders, seed),
        Some(Command::Settle { month }) => settle(&cli.global, &month),
        Some(Command::Backup { file }) => backup(&cli.global, &file),
        Some(Command::Ledger { action }) => ledger(&cli.global, action),
        Some(Command::Account {
            action:
                AccountCommand::Add {
                    role,
                    login,
                    password,
                    name,
                },
        }) => add_account(&cli.global, &role, &login, password, name),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("yunshi: {message}");
            ExitCode::FAILURE
        }
    }
}

impl ServeArgs {
    /// `yunshi` without a subcommand serves with the flags' defaults and environment.
    fn default_from_env() -> ServeArgs {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Only::parse_from(["yunshi"]).serve
    }
}

fn settings(global: &GlobalArgs, serve: &ServeArgs) -> Settings {
    Settings {
        database_url: global.database_url.clone(),
        data_dir: global.data_dir.clone(),
        bind: serve.bind.clone(),
        secret_key: serve.secret_key.clone(),
        cookie_secure: serve.cookie_secure,
        pool_size: serve.pool_size,
        database_url_given: global.database_url.is_some(),
    }
}

/// Settings for a one-off command: one connection, nothing served.
fn command_settings(global: &GlobalArgs) -> Settings {
    settings(
        global,
        &ServeArgs {
            pool_size: 1,
            ..ServeArgs::default()
        },
    )
}

fn open_pool(settings: &Settings) -> Result<(db::Pool, &'static str), String> {
    open_pool_reading(settings, db::Reads::Mapped)
}

fn open_pool_reading(
    settings: &Settings,
    reads: db::Reads,
) -> Result<(db::Pool, &'static str), String> {
    let backend = settings.backend().map_err(|e| e.to_string())?;
    let pool = db::open_reading(&backend, settings.pool_size, reads).map_err(|e| e.to_string())?;
    Ok((pool, backend.name()))
}

fn migrate(global: &GlobalArgs) -> Result<(), String> {
    let settings = command_settings(global);
    let (_, backend_name) = open_pool(&settings)?;
    println!("{backend_name} database is migrated.");
    Ok(())
}

fn seed_bulk(global: &GlobalArgs, orders: usize, seed: u64) -> Result<(), String> {
    let settings = command_settings(global);
    let (pool, backend_name) = open_pool(&settings)?;
    // Bulk data is for benchmarks and trying yunshi: it brings the demo
    // accounts along (its own accounts share their published password).
    startup::seed_demo_accounts(&pool)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let report = yunshi::seed::seed(&mut conn, orders, seed, to_stored(chrono::Utc::now()))?;
    println!(
        "Seeded {backend_name}: {} vendors, {} buyers, {} products, {} orders in {:.1} s (seed {seed}).",
        report.vendors,
        report.buyers,
        report.products,
        report.orders,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn settle(global: &GlobalArgs, month: &str) -> Result<(), String> {
    let month = Month::parse(month)
        .ok_or_else(|| format!("`{month}` is not a month: use YYYY-MM, e.g. 2026-10"))?;
    let settings = settings(
        global,
        &ServeArgs {
            pool_size: startup::SETTLE_WORKERS as u32,
            ..ServeArgs::default()
        },
    );
    // A month is read once: through SQLite's page cache, not mapped into
    // the command's memory.
    let (pool, backend_name) = open_pool_reading(&settings, db::Reads::Paged)?;
    let started = std::time::Instant::now();
    let now = to_stored(chrono::Utc::now());
    let report =
        settlements::settle_month_on(&pool, month, now, startup::SETTLE_WORKERS).map_err(|e| {
            match e {
                yunshi::db::StoreError::Refused(Refusal::MonthNotOver { .. }) => {
                    format!("{month} has not ended yet (China time); it cannot be settled")
                }
                other => other.to_string(),
            }
        })?;
    println!(
        "Settled {month} on {backend_name}: {} statements made, {} already there, in {:.2} s.",
        report.generated,
        report.already,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn ledger(global: &GlobalArgs, action: LedgerCommand) -> Result<(), String> {
    let settings = command_settings(global);
    let (pool, backend_name) = open_pool(&settings)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let now = to_stored(chrono::Utc::now());
    match action {
        LedgerCommand::Rebuild => {
            let written = yunshi::db::ledger::rebuild(&mut conn, now).map_err(|e| e.to_string())?;
            // The order lists' kept totals too, in one transaction so that
            // no page reads them half rebuilt.
            yunshi::db::write_transaction(&mut conn, yunshi::db::tallies::rebuild)
                .map_err(|e| e.to_string())?;
            println!(
                "Ledger on {backend_name} is up to date: {written} entries written, \
                 every vendor's order totals counted again, in {:.1} s.",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        LedgerCommand::Check { month } => {
            let month = Month::parse(&month)
                .ok_or_else(|| format!("`{month}` is not a month: use YYYY-MM, e.g. 2026-10"))?;
            let differences =
                yunshi::db::ledger::check(&mut conn, month, now).map_err(|e| e.to_string())?;
            for difference in &differences {
                println!(
                    "vendor {}: history {:?}, ledger {:?}",
                    difference.vendor_id, difference.history, difference.ledger
                );
            }
            if differences.is_empty() {
                println!(
                    "Ledger and history agree on {month} ({backend_name}, {:.1} s).",
                    started.elapsed().as_secs_f64()
                );
                Ok(())
            } else {
                Err(format!(
                    "{} lines of {month} differ between the ledger and the history",
                    differences.len()
                ))
            }
        }
    }
}

fn backup(global: &GlobalArgs, file: &std::path::Path) -> Result<(), String> {
    let backend = command_settings(global)
        .backend()
        .map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    db::backup(&backend, file).map_err(|e| e.to_string())?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!(
        "Backed up to {} ({:.1} MiB) in {:.1} s. To restore, serve with DATABASE_URL={} \
         or copy it over the database file while yunshi is stopped.",
        file.display(),
        size as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64(),
        file.display()
    );
    Ok(())
}

fn serve(global: &GlobalArgs, args: ServeArgs) -> Result<(), String> {
    yunshi::telemetry::init_logs(if args.log_format == "json" {
        yunshi::telemetry::LogFormat::Json
    } else {
        yunshi::telemetry::LogFormat::Text
    });
    let settings = settings(global, &args);
    // The database first: a server that cannot start leaves no secret behind.
    let (pool, backend_name) = open_pool(&settings)?;
    let session_key = settings.session_key()?;
    let seeded = if args.demo {
        startup::seed_demo_accounts(&pool)?
    } else {
        false
    };
    if seeded {
        // A fresh demo database gets the demo marketplace too: products,
        // orders, tickets and statements of the last months.
        yunshi::demo::seed_marketplace(&pool, to_stored(chrono::Utc::now()))?;
    }
    let has_accounts = startup::has_accounts(&pool)?;
    let listener = TcpListener::bind(&settings.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("yunshi is serving http://{address}/ ({backend_name})");
    if seeded {
        println!("Demo accounts created (password `{DEMO_PASSWORD}`; for trying yunshi only):");
        for (role, login, display_name) in DEMO_ACCOUNTS {
            println!("  {:<9} {login:<9} {display_name}", role.as_str());
        }
    } else if !has_accounts {
        println!(
            "The database has no account yet. Create the first operator with\n  \
             yunshi account add --role operator --login NAME\n\
             (the password is read from stdin), or start with --demo to try yunshi \
             with demo accounts."
        );
    }
    if !args.no_auto_settle {
        startup::spawn_settler(pool.clone());
    }
    startup::spawn_session_sweeper(pool.clone());
    let clock = std::sync::Arc::new(yunshi::clock::Clock::system());
    startup::spawn_overdue_reminder(pool.clone(), clock.clone());
    actix_web::rt::System::new()
        .block_on(async move {
            startup::run(
                listener,
                pool,
                backend_name,
                startup::ServeOptions {
                    session_key,
                    cookie_secure: settings.cookie_secure,
                    metrics_token: args.metrics_token,
                    page_copies_live: std::time::Duration::from_millis(args.page_copies_ms),
                    trusted_proxies: args.trusted_proxies,
                    limits: yunshi::connections::ConnectionLimits {
                        per_address: args.connections_per_address as usize,
                        ..yunshi::connections::ConnectionLimits::for_this_process()
                    },
                    clock,
                },
            )?
            .await
        })
        .map_err(|e| format!("server stopped: {e}"))
}

fn add_account(
    global: &GlobalArgs,
    role: &str,
    login: &str,
    typed_password: Option<String>,
    name: Option<String>,
) -> Result<(), String> {
    let role: Role = role
        .parse()
        .map_err(|e: account::AccountRuleError| e.to_string())?;
    let login = account::normalize_login(login).map_err(|e| e.to_string())?;
    let display_name = account::normalize_display_name(name.as_deref().unwrap_or(""), &login)
        .map_err(|e| e.to_string())?;
    let typed_password = match typed_password {
        Some(given) => given,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    account::check_password(&typed_password).map_err(|e| e.to_string())?;
    let settings = command_settings(global);
    let (pool, _) = open_pool(&settings)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let hash = password::hash(&typed_password)?;
    let new = accounts::NewAccount {
        login: &login,
        display_name: &display_name,
        role,
        password_hash: &hash,
        now: to_stored(chrono::Utc::now()),
    };
    let created = accounts::create(&mut conn, &new).map_err(|e| match e {
        accounts::CreateAccountError::LoginTaken => format!("the login `{login}` is taken"),
        other => other.to_string(),
    })?;
    println!(
        "Created {} account `{}` with user ID {}.",
        created.role, created.login, created.uin
    );
    Ok(())
}
