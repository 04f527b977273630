//! What every handler shares: the pool and the settings it needs at request time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use actix_web::web;
use chrono::{Duration, NaiveDateTime};

use crate::auth::CurrentUser;
use crate::db::dashboards::BillingMark;
use crate::db::orders::Scope;
use crate::db::{DbConn, Pool};
use crate::domain::settlement::{Month, Totals};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::short_cache::{ShortCache, Writes};
use crate::startup::ServeOptions;
use crate::telemetry::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    /// The time the app believes it is; tests move it on.
    pub clock: Arc<crate::clock::Clock>,
    pub backend_name: &'static str,
    pub running_totals: Arc<RunningTotals>,
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
    /// State-changing requests finished here; retires short-lived copies.
    pub writes: Arc<Writes>,
    /// The signed-in account by account id (`None`: gone or disabled).
    pub accounts: Arc<ShortCache<i64, Option<CurrentUser>>>,
    /// The rendered rows and page links of an order list.
    pub order_lists: Arc<ShortCache<OrderListKey, Arc<str>>>,
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

/// How many signed-in accounts and order lists one instance keeps copies of.
const KEPT_ACCOUNTS: usize = 10_000;
const KEPT_ORDER_LISTS: usize = 2_000;

impl AppState {
    /// The state of one server: its pool, and the settings handlers read
    /// at request time.
    pub fn new(pool: Pool, backend_name: &'static str, options: &ServeOptions) -> AppState {
        AppState {
            pool,
            clock: options.clock.clone(),
            backend_name,
            running_totals: Arc::new(RunningTotals::default()),
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
            writes: Arc::new(Writes::default()),
            accounts: Arc::new(ShortCache::new(options.page_copies_live, KEPT_ACCOUNTS)),
            order_lists: Arc::new(ShortCache::new(options.page_copies_live, KEPT_ORDER_LISTS)),
        }
    }

    /// The copy under `key` in `cache` while it is usable, else what `read`
    /// returns, kept for the next request.
    pub async fn remembered<K, V>(
        &self,
        cache: &ShortCache<K, V>,
        key: K,
        read: impl AsyncFnOnce() -> AppResult<V>,
    ) -> AppResult<V>
    where
        K: Eq + std::hash::Hash,
        V: Clone,
    {
        let writes_before = self.writes.seen();
        if let Some(value) = cache.get(&key, writes_before, std::time::Instant::now()) {
            return Ok(value);
        }
        let value = read().await?;
        cache.put(
            key,
            value.clone(),
            writes_before,
            self.writes.seen(),
            std::time::Instant::now(),
        );
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

/// Each vendor's running total for this month, kept for up to a minute.
/// Computing it reads the vendor's whole month so far (a third of a second
/// and a few hundred MiB for the busiest vendor of a million-order database),
/// and the dashboard that shows it is the page vendors open most. So:
/// - a kept total is used while the vendor's billing mark is unchanged and it
///   is under a minute old (the minute bounds what the clock alone changes:
///   hourly use, five-day windows closing);
/// - when the mark moves (a new order, refund or completed ticket) the total
///   is recomputed, but at most every ten seconds however often the vendor
///   sells;
/// - one computation per vendor at a time, always in the background: the
///   visit shows the last total (the very first time, that it is being
///   computed), so no visit waits for it (under a 64-connection load on
///   PostgreSQL a computation inside a visit took over two seconds).
///
/// Each instance keeps its own; the page says when the figure was computed.
#[derive(Default)]
pub struct RunningTotals {
    by_vendor: Mutex<HashMap<i64, Entry>>,
}

#[derive(Default)]
struct Entry {
    kept: Option<CachedTotal>,
    computing: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct CachedTotal {
    pub computed_at: NaiveDateTime,
    pub mark: BillingMark,
    pub totals: Totals,
}

/// What a dashboard visit does about the running total.
pub enum Lookup {
    /// Show this one.
    Use(CachedTotal),
    /// Another visit is computing the first one; say so.
    Computing,
    /// Have it computed in the background, showing the last one meanwhile
    /// (or, the first time, saying it is being computed).
    Refresh(Option<CachedTotal>, ComputeTicket),
}

/// The right to compute a vendor's total. Dropping it unfinished (an error,
/// a panic) lets the next visit try again.
pub struct ComputeTicket {
    totals: Arc<RunningTotals>,
    vendor_id: i64,
    done: bool,
}

impl ComputeTicket {
    pub fn keep(mut self, kept: CachedTotal) -> CachedTotal {
        let mut entries = self.totals.lock();
        let entry = entries.entry(self.vendor_id).or_default();
        entry.kept = Some(kept);
        entry.computing = false;
        self.done = true;
        kept
    }
}

impl Drop for ComputeTicket {
    fn drop(&mut self) {
        if !self.done {
            self.totals
                .lock()
                .entry(self.vendor_id)
                .or_default()
                .computing = false;
        }
    }
}

impl RunningTotals {
    /// How long an unchanged mark keeps a total.
    pub const KEPT_FOR: Duration = Duration::seconds(60);
    /// The least time between two computations for one vendor.
    pub const RECOMPUTE_AFTER: Duration = Duration::seconds(10);

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Entry>> {
        self.by_vendor
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn lookup(
        self: &Arc<Self>,
        vendor_id: i64,
        mark: BillingMark,
        now: NaiveDateTime,
    ) -> Lookup {
        let mut entries = self.lock();
        let entry = entries.entry(vendor_id).or_default();
        let this_month = entry
            .kept
            .filter(|kept| Month::of(kept.computed_at) == Month::of(now));
        if let Some(kept) = this_month {
            let age = now - kept.computed_at;
            let fresh = age < Self::RECOMPUTE_AFTER || (kept.mark == mark && age < Self::KEPT_FOR);
            if fresh || entry.computing {
                return Lookup::Use(kept);
            }
        } else if entry.computing {
            return Lookup::Computing;
        }
        entry.computing = true;
        let ticket = ComputeTicket {
            totals: self.clone(),
            vendor_id,
            done: false,
        };
        Lookup::Refresh(this_month, ticket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

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

    fn at(day: u32, seconds: i64) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(4, 0, 0)
            .unwrap()
            + Duration::seconds(seconds)
    }

    fn mark(latest_order_second: i64) -> BillingMark {
        BillingMark {
            latest_order: Some(at(1, latest_order_second)),
            latest_completion: None,
            fee_bps: 0,
        }
    }

    fn kept(computed_at: NaiveDateTime, mark: BillingMark, gross_fen: i64) -> CachedTotal {
        CachedTotal {
            computed_at,
            mark,
            totals: Totals {
                gross_fen,
                fee_fen: 0,
                net_fen: gross_fen,
            },
        }
    }

    fn used(lookup: Lookup) -> Option<i64> {
        match lookup {
            Lookup::Use(kept) | Lookup::Refresh(Some(kept), _) => Some(kept.totals.gross_fen),
            _ => None,
        }
    }

    #[test]
    fn one_computation_at_a_time_and_the_others_wait_for_it() {
        let totals = Arc::new(RunningTotals::default());
        let Lookup::Refresh(None, ticket) = totals.lookup(7, mark(0), at(10, 0)) else {
            panic!("the first visit computes");
        };
        assert!(matches!(
            totals.lookup(7, mark(0), at(10, 1)),
            Lookup::Computing
        ));
        // Another vendor is not held up.
        assert!(matches!(
            totals.lookup(8, mark(0), at(10, 1)),
            Lookup::Refresh(None, _)
        ));
        ticket.keep(kept(at(10, 0), mark(0), 100));
        assert_eq!(used(totals.lookup(7, mark(0), at(10, 2))), Some(100));
    }

    #[test]
    fn an_abandoned_computation_lets_the_next_visit_try() {
        let totals = Arc::new(RunningTotals::default());
        let Lookup::Refresh(None, ticket) = totals.lookup(7, mark(0), at(10, 0)) else {
            panic!("the first visit computes");
        };
        drop(ticket);
        assert!(matches!(
            totals.lookup(7, mark(0), at(10, 1)),
            Lookup::Refresh(None, _)
        ));
    }

    #[test]
    fn a_total_is_kept_while_the_mark_holds_and_at_least_ten_seconds() {
        let totals = Arc::new(RunningTotals::default());
        let Lookup::Refresh(None, ticket) = totals.lookup(7, mark(0), at(10, 0)) else {
            panic!("the first visit computes");
        };
        ticket.keep(kept(at(10, 0), mark(0), 100));
        // A new sale inside ten seconds: still the kept total.
        assert_eq!(used(totals.lookup(7, mark(5), at(10, 9))), Some(100));
        // The same mark for under a minute: kept.
        assert_eq!(used(totals.lookup(7, mark(0), at(10, 59))), Some(100));
        // After a minute, or a new sale after ten seconds: refreshed in the
        // background while the visit, and the others, see the last total.
        assert!(matches!(
            totals.lookup(7, mark(0), at(10, 60)),
            Lookup::Refresh(Some(_), _)
        ));
        let Lookup::Refresh(Some(shown), ticket) = totals.lookup(7, mark(5), at(10, 11)) else {
            panic!("a moved mark after ten seconds refreshes");
        };
        assert_eq!(shown.totals.gross_fen, 100);
        assert!(matches!(
            totals.lookup(7, mark(5), at(10, 12)),
            Lookup::Use(_)
        ));
        ticket.keep(kept(at(10, 11), mark(5), 150));
        assert_eq!(used(totals.lookup(7, mark(5), at(10, 13))), Some(150));
    }

    #[test]
    fn a_new_month_never_shows_last_months_total() {
        let totals = Arc::new(RunningTotals::default());
        let Lookup::Refresh(None, ticket) = totals.lookup(7, mark(0), at(30, 0)) else {
            panic!("the first visit computes");
        };
        ticket.keep(kept(at(30, 0), mark(0), 100));
        let december = NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_hms_opt(16, 0, 5)
            .unwrap();
        assert!(matches!(
            totals.lookup(7, mark(0), december),
            Lookup::Refresh(None, _)
        ));
    }
}
