//! What every handler shares: the pool and the settings it needs at request time.

use actix_web::web;

use crate::db::{DbConn, Pool};
use crate::error::{AppError, AppResult};

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub backend_name: &'static str,
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
