//! Database access: one connection type for SQLite and PostgreSQL, the pool,
//! migrations, and one module per aggregate with its queries.

/// Runs the same body on the inner SQLite or PostgreSQL connection, for the
/// queries the MultiConnection enum does not carry (batch inserts, upserts).
/// Defined before the modules so that each of them can use it.
macro_rules! on_inner {
    ($conn:expr, |$inner:ident| $body:expr) => {
        match $conn {
            DbConn::Sqlite($inner) => $body,
            DbConn::Postgres($inner) => $body,
        }
    };
}

/// `SUM(column)` of a BIGINT column as a BIGINT, 0 over no rows: on
/// PostgreSQL the SUM of a BIGINT is NUMERIC, which the enum cannot load.
pub(crate) fn sum_of(column: &str) -> diesel::expression::SqlLiteral<diesel::sql_types::BigInt> {
    diesel::dsl::sql(&format!("COALESCE(CAST(SUM({column}) AS BIGINT), 0)"))
}

pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod codes;
pub mod dashboards;
pub mod effects;
pub mod error;
pub mod ledger;
pub mod notifications;
pub mod notify;
pub mod orders;
pub mod page_versions;
pub mod products;
pub mod refunds;
pub mod schema;
pub mod sessions;
pub mod settlements;
pub mod sign_in;
pub mod tallies;
pub mod tickets;

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use error::{StoreError, StoreResult, changed_once};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend the database URL names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Where the data lives, decided from the URL's scheme and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Postgres(String),
    Sqlite(PathBuf),
}

/// Why a database URL or connection was refused, in one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error(
        "unsupported database URL scheme `{0}`: use postgres://… or sqlite://path (or a plain file path)"
    )]
    UnknownScheme(String),
    #[error("empty database URL")]
    Empty,
    #[error("cannot create the folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the folder {0} of the SQLite database does not exist: create it, or correct DATABASE_URL"
    )]
    NoFolder(String),
    #[error("POOL_SIZE must be at least 1")]
    PoolSize,
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
}

impl Backend {
    /// Reads `postgres://…`, `postgresql://…`, `sqlite://path`, `sqlite:path` or a
    /// bare path. Any other scheme is refused, so a typo never creates a stray file.
    pub fn from_url(url: &str) -> Result<Backend, DbSetupError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(DbSetupError::Empty);
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres(url.to_string()));
        }
        let path = if let Some(rest) = url.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            rest
        } else if let Some((scheme, _)) = url.split_once(':') {
            return Err(DbSetupError::UnknownScheme(scheme.to_string()));
        } else {
            url
        };
        if path.is_empty() || path == ":memory:" {
            // An in-memory database would silently lose everything at exit.
            return Err(DbSetupError::Empty);
        }
        Ok(Backend::Sqlite(PathBuf::from(path)))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Postgres(_) => "PostgreSQL",
            Backend::Sqlite(_) => "SQLite",
        }
    }

    fn connect(&self, reads: Reads) -> Result<DbConn, ConnectionError> {
        match self {
            Backend::Postgres(url) => PgConnection::establish(url).map(DbConn::Postgres),
            Backend::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // Order matters: wait for locks before switching the journal mode.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA cache_size = -32768;",
                )
                .and_then(|()| conn.batch_execute(reads.pragma()))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// How SQLite reads the database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Through a memory map of up to 1 GiB, on top of the 32 MiB page cache
    /// per connection: no read() per page for the server, whose connections
    /// share the mapped pages. The pages read count in the process's
    /// resident memory (as file pages the kernel can drop, not heap).
    Mapped,
    /// Through the page cache only: what a one-off command that reads a
    /// month once (`settle`) uses, so that it stays small.
    Paged,
}

impl Reads {
    fn pragma(self) -> &'static str {
        match self {
            Reads::Mapped => "PRAGMA mmap_size = 1073741824;",
            Reads::Paged => "PRAGMA mmap_size = 0;",
        }
    }
}

/// r2d2 manager that connects with the driver the scheme named, so its real
/// error reaches the user (the derived `establish` tries every backend).
#[derive(Debug, Clone)]
pub struct Manager {
    backend: Backend,
    reads: Reads,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        self.backend
            .connect(self.reads)
            .map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// Opens the pool: creates the SQLite folder if needed, checks that one
/// connection works (failing fast with the driver's message), and migrates.
pub fn open(backend: &Backend, max_size: u32) -> Result<Pool, DbSetupError> {
    open_reading(backend, max_size, Reads::Mapped)
}

/// `open`, with SQLite reading the file as `reads` says.
pub fn open_reading(backend: &Backend, max_size: u32, reads: Reads) -> Result<Pool, DbSetupError> {
    if max_size == 0 {
        return Err(DbSetupError::PoolSize);
    }
    if let Backend::Sqlite(path) = backend {
        create_parent_folder(path)?;
    }
    let mut first = backend
        .connect(reads)
        .map_err(|e| DbSetupError::Connect(one_line(&e.to_string())))?;
    migrate(&mut first)?;
    drop(first);
    r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(5))
        .build(Manager {
            backend: backend.clone(),
            reads,
        })
        .map_err(|e| DbSetupError::Connect(one_line(&e.to_string())))
}

fn create_parent_folder(path: &Path) -> Result<(), DbSetupError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|source| DbSetupError::Folder {
                path: dir.display().to_string(),
                source,
            })
        }
        _ => Ok(()),
    }
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Applies the pending migrations of the connection's backend, then fills
/// the settlement ledger from the orders written before it existed (once:
/// a SQL migration cannot run the settlement rules).
pub fn migrate(conn: &mut DbConn) -> Result<(), DbSetupError> {
    let result = match conn {
        DbConn::Postgres(pg) => pg.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        DbConn::Sqlite(lite) => lite.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| DbSetupError::Migrate(one_line(&e.to_string())))?;
    ledger::ensure_built(conn, chrono::Utc::now().naive_utc())
        .map(|_| ())
        .map_err(|e| {
            DbSetupError::Migrate(format!("filling the ledger: {}", one_line(&e.to_string())))
        })
}

/// Why a backup was not written.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this database is PostgreSQL: back it up with pg_dump, e.g. \
         `pg_dump --format=custom --file=yunshi.dump \"$DATABASE_URL\"`, \
         and restore with pg_restore"
    )]
    Postgres,
    #[error("{0} already exists; choose a new file")]
    Exists(String),
    #[error("{0} does not exist")]
    NoDatabase(String),
    #[error("cannot open the database: {0}")]
    Connect(String),
    #[error("the backup failed: {0}")]
    Copy(String),
}

/// Writes a consistent copy of a SQLite database to `into` while the server
/// keeps running: `VACUUM INTO` reads one snapshot (WAL readers never block
/// writers) and writes a compact database file, which is itself the restore:
/// point `DATABASE_URL` at it, or copy it over the live file while stopped.
pub fn backup(backend: &Backend, into: &Path) -> Result<(), BackupError> {
    let Backend::Sqlite(path) = backend else {
        return Err(BackupError::Postgres);
    };
    if !path.exists() {
        return Err(BackupError::NoDatabase(path.display().to_string()));
    }
    if into.exists() {
        return Err(BackupError::Exists(into.display().to_string()));
    }
    let mut conn = backend
        .connect(Reads::Mapped)
        .map_err(|e| BackupError::Connect(one_line(&e.to_string())))?;
    let DbConn::Sqlite(lite) = &mut conn else {
        return Err(BackupError::Postgres);
    };
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(into.to_string_lossy().to_string())
        .execute(lite)
        .map(|_| ())
        .map_err(|e| BackupError::Copy(one_line(&e.to_string())))
}

/// This process's turn to write to SQLite (see `write_transaction`).
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `body` in a write transaction. On SQLite it starts with `BEGIN IMMEDIATE`
/// so that a read-then-write never fails with "database is locked" halfway.
pub fn write_transaction<T, E>(
    conn: &mut DbConn,
    body: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    // SQLite has one writer at a time. Waiting for it in SQLite's busy handler
    // means sleeping and polling with growing naps, which under a write load
    // left some writers waiting a second or more; this instance's writers
    // queue on a mutex instead and are woken as soon as the writer before
    // them commits. (Other processes, such as `yunshi settle`, still meet at
    // the busy handler.)
    let _one_writer = match conn {
        DbConn::Sqlite(_) => Some(
            SQLITE_WRITER
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        ),
        DbConn::Postgres(_) => None,
    };
    match conn {
        DbConn::Sqlite(lite) => {
            AnsiTransactionManager::begin_transaction_sql(lite, "BEGIN IMMEDIATE")?
        }
        DbConn::Postgres(pg) => AnsiTransactionManager::begin_transaction(pg)?,
    }
    match body(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            // The body's error is the one worth reporting; a failed rollback
            // marks the connection broken and r2d2 discards it.
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(error)
        }
    }
}

/// Whether the database answers a trivial query (for /healthz).
pub fn ping(conn: &mut DbConn) -> bool {
    conn.batch_execute("SELECT 1").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_decide_the_backend() {
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres("postgres://u@h/db".into())
        );
        assert_eq!(
            Backend::from_url("sqlite://./data/y.db").unwrap(),
            Backend::Sqlite("./data/y.db".into())
        );
        assert_eq!(
            Backend::from_url("data/y.db").unwrap(),
            Backend::Sqlite("data/y.db".into())
        );
        assert!(matches!(
            Backend::from_url("postgress://x"),
            Err(DbSetupError::UnknownScheme(s)) if s == "postgress"
        ));
        assert!(matches!(
            Backend::from_url("mysql://x"),
            Err(DbSetupError::UnknownScheme(_))
        ));
        assert!(matches!(Backend::from_url(""), Err(DbSetupError::Empty)));
        assert!(matches!(
            Backend::from_url("sqlite::memory:"),
            Err(DbSetupError::Empty)
        ));
    }
}
