//! What every handler shares: the pool and the settings it needs at request time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use actix_web::web;

use crate::db::orders::Scope;
use crate::db::{DbConn, Pool};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::short_cache::ShortCache;
use crate::startup::ServeOptions;
use crate::telemetry::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    /// The time the app believes it is; tests move it on.
    pub clock: Arc<crate::clock::Clock>,
    pub backend_name: &'static str,
    pub metrics: Arc<Metrics>,
    /// Semaphore for work that reads a vendor's whole month (see `db_heavy`).
    pub heavy: Arc<Semaphore>,
    /// Semaphore for password hashing (see `hash_password`).
    pub hashing: Arc<Semaphore>,
    /// Semaphore for decoding uploaded logos (`LOGO_DECODES_AT_ONCE`).
    pub decoding: Arc<Semaphore>,
    /// Set when a request could not get a connection, cleared by the next
    /// that does: while set, requests wait `WAIT_WHILE_DOWN` for one instead
    /// of the pool's full timeout, so an outage answers 503 quickly.
    pub database_down: Arc<AtomicBool>,
    /// How long a request body may take to arrive (see `connections`).
    pub body_deadline: std::time::Duration,
    /// Mark every cookie `Secure` (served over https).
    pub cookie_secure: bool,
    /// Proxies whose `X-Forwarded-For` names the client for the throttles.
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
    /// A scraper presenting this bearer token may read `/metrics` without
    /// signing in; `None` leaves `/metrics` to signed-in operators.
    pub metrics_token: Option<String>,
    /// The rendered rows and page links of an order list.
    pub order_lists: Arc<ShortCache<OrderListKey, KeptOrderList>>,
}

/// What an order list keeps of a read: the rendered `OrderRowsFragment` and
/// the product filter's options.
#[derive(Clone)]
pub struct KeptOrderList {
    pub rows_html: Arc<str>,
    pub product_options: Arc<[(i64, String)]>,
}

/// One order list as a visitor sees it: whose orders (a vendor's own, or
/// all of them, which every operator sees alike), in which language, with
/// which filter and page (the canonical query string).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderListKey {
    pub scope: Scope,
    pub lang: Lang,
    pub query: String,
}

/// How many order lists one instance keeps copies of.
const KEPT_ORDER_LISTS: usize = 2_000;

impl AppState {
    /// The state of one server: its pool, and the settings handlers read
    /// at request time.
    pub fn new(pool: Pool, backend_name: &'static str, options: &ServeOptions) -> AppState {
        AppState {
            pool,
            clock: options.clock.clone(),
            backend_name,
            metrics: Arc::new(Metrics::default()),
            heavy: Arc::new(Semaphore::new(HEAVY_AT_ONCE)),
            hashing: Arc::new(Semaphore::new(HASHING_AT_ONCE)),
            decoding: Arc::new(Semaphore::new(LOGO_DECODES_AT_ONCE)),
            database_down: Arc::new(AtomicBool::new(false)),
            cookie_secure: options.cookie_secure,
            body_deadline: options.limits.body_deadline,
            trusted_proxies: options
                .trusted_proxies
                .iter()
                .map(|proxy| proxy.to_canonical())
                .collect(),
            metrics_token: options
                .metrics_token
                .clone()
                .filter(|token| !token.is_empty()),
            order_lists: Arc::new(ShortCache::new(options.page_copies_live, KEPT_ORDER_LISTS)),
        }
    }

    /// The copy under `key` in `cache` while it was read at `version` (the
    /// signed-in account's `pages_version`) and is young, else what `read`
    /// returns, kept for the next request.
    pub async fn remembered<K, V>(
        &self,
        cache: &ShortCache<K, V>,
        key: K,
        version: i64,
        read: impl AsyncFnOnce() -> AppResult<V>,
    ) -> AppResult<V>
    where
        K: Eq + std::hash::Hash,
        V: Clone,
    {
        if let Some(value) = cache.get(&key, version, std::time::Instant::now()) {
            return Ok(value);
        }
        let value = read().await?;
        cache.put(key, value.clone(), version, std::time::Instant::now());
        Ok(value)
    }

    /// Now, by the app's clock.
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.clock.now()
    }

    /// Runs store calls on the blocking pool, never on an async worker. An
    /// unreachable database becomes `AppError::Unavailable` (503).
    pub async fn db<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
    {
        self.on_blocking_pool(None, work).await
    }

    /// Like `db`, for work that reads a vendor's whole month (the settlement
    /// preview, the running total): a third of a second and a few hundred
    /// MiB each for the busiest vendor. At most `HEAVY_AT_ONCE` run at a time
    /// in this instance and the rest wait their turn before taking a
    /// connection, so a burst of them can take neither every connection nor
    /// gigabytes of memory.
    pub async fn db_heavy<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
    {
        self.on_blocking_pool(Some(self.heavy.clone()), work).await
    }

    /// Hashes or verifies a password on the blocking pool, holding no
    /// connection, one of `HASHING_AT_ONCE` at a time.
    pub async fn hash_password<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let turns = self.hashing.clone();
        Ok(web::block(move || {
            let _turn = turns.take();
            work()
        })
        .await?)
    }

    /// Takes a turn when asked to, then a connection, then runs `work`.
    async fn on_blocking_pool<T, F>(&self, turns: Option<Arc<Semaphore>>, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        let down = self.database_down.clone();
        web::block(move || {
            let _turn = turns.as_deref().map(Semaphore::take);
            let got = if down.load(Ordering::Relaxed) {
                pool.get_timeout(WAIT_WHILE_DOWN)
            } else {
                pool.get()
            };
            let mut conn = match got {
                Ok(conn) => {
                    if down.swap(false, Ordering::Relaxed) {
                        log::info!("database connections are back");
                    }
                    conn
                }
                Err(error) => {
                    down.store(true, Ordering::Relaxed);
                    log::warn!("no database connection: {error}");
                    return Err(AppError::Unavailable);
                }
            };
            work(&mut conn)
        })
        .await?
    }
}

/// How long a request waits for a connection while the database is known
/// to be down (the pool's own timeout, 5 s, applies otherwise): long enough
/// to connect again when it is back.
pub const WAIT_WHILE_DOWN: std::time::Duration = std::time::Duration::from_secs(1);

/// How many Argon2 computations one instance runs at once: each takes
/// 19 MiB and tens of milliseconds of a core, and the blocking pool would
/// otherwise let hundreds of sign-in attempts run side by side.
pub const HASHING_AT_ONCE: usize = 2;

/// How many logo checks and auto-fits one instance runs at once: each may
/// hold a few images of up to 16 MiB (auto-fit's 2048 px bound), and the
/// blocking pool would otherwise run hundreds side by side.
pub const LOGO_DECODES_AT_ONCE: usize = 2;

/// How many whole-month computations one instance runs at once.
pub const HEAVY_AT_ONCE: usize = 2;

/// A counting semaphore for blocking threads.
pub struct Semaphore {
    free: Mutex<usize>,
    returned: Condvar,
}

/// A turn, given back when dropped.
pub struct Turn<'a> {
    turns: &'a Semaphore,
}

impl Semaphore {
    pub fn new(at_once: usize) -> Semaphore {
        Semaphore {
            free: Mutex::new(at_once),
            returned: Condvar::new(),
        }
    }

    /// Waits for a free turn (on a blocking thread, never an async worker).
    pub fn take(&self) -> Turn<'_> {
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while *free == 0 {
            free = self
                .returned
                .wait(free)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        *free -= 1;
        Turn { turns: self }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut free = self
            .turns
            .free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *free += 1;
        self.turns.returned.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_more_than_the_allowed_turns_run_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let turns = Arc::new(Semaphore::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..8)
            .map(|_| {
                let (turns, running, most) = (turns.clone(), running.clone(), most.clone());
                std::thread::spawn(move || {
                    let _turn = turns.take();
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }
}
