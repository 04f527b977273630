//! What every handler shares: the pool and the settings it needs at request time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::web;
use chrono::{Duration, NaiveDateTime};

use crate::db::dashboards::BillingMark;
use crate::db::{DbConn, Pool};
use crate::domain::settlement::{Month, Totals};
use crate::error::{AppError, AppResult};
use crate::telemetry::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub backend_name: &'static str,
    pub running_totals: Arc<RunningTotals>,
    pub metrics: Arc<Metrics>,
    /// A scraper presenting this bearer token may read `/metrics` without
    /// signing in; `None` leaves `/metrics` to signed-in operators.
    pub metrics_token: Option<String>,
}

impl AppState {
    pub fn new(pool: Pool, backend_name: &'static str, metrics_token: Option<String>) -> AppState {
        AppState {
            pool,
            backend_name,
            running_totals: Arc::new(RunningTotals::default()),
            metrics: Arc::new(Metrics::default()),
            metrics_token: metrics_token.filter(|token| !token.is_empty()),
        }
    }
}

/// Each vendor's running total for this month, kept for up to a minute.
/// Computing it reads the vendor's whole month so far (half a second for the
/// busiest vendor of a million-order database), and the dashboard that shows
/// it is the page vendors open most. A kept total is used only while the
/// vendor's billing mark is unchanged, so a new order, refund or completed
/// ticket shows at once; the minute bounds what the clock alone changes
/// (hourly use, five-day windows closing). Each instance keeps its own; the
/// page says when the figure was computed.
#[derive(Default)]
pub struct RunningTotals {
    by_vendor: Mutex<HashMap<i64, KeptTotal>>,
}

#[derive(Debug, Clone, Copy)]
pub struct KeptTotal {
    pub computed_at: NaiveDateTime,
    pub mark: BillingMark,
    pub totals: Totals,
}

impl RunningTotals {
    /// How long a computed total is shown before it is computed again.
    pub const KEPT_FOR: Duration = Duration::seconds(60);

    /// The total kept for `vendor_id` if it was computed under the same mark,
    /// less than a minute before `now` and within `now`'s month.
    pub fn fresh(
        &self,
        vendor_id: i64,
        mark: BillingMark,
        now: NaiveDateTime,
    ) -> Option<KeptTotal> {
        let entries = self
            .by_vendor
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(&vendor_id).copied().filter(|kept| {
            kept.mark == mark
                && now - kept.computed_at < Self::KEPT_FOR
                && Month::of(kept.computed_at) == Month::of(now)
        })
    }

    pub fn keep(&self, vendor_id: i64, kept: KeptTotal) {
        let mut entries = self
            .by_vendor
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.insert(vendor_id, kept);
    }
}

impl AppState {
    /// Runs store calls on the blocking pool, never on an async worker. An
    /// unreachable database becomes `AppError::Unavailable` (503).
    pub async fn db<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(|error| {
                log::warn!("no database connection: {error}");
                AppError::Unavailable
            })?;
            work(&mut conn)
        })
        .await?
    }
}
