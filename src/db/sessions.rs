//! Signed-in sessions (`sessions`): the cookie holds a random token, this
//! table its SHA-256, so a stolen database gives no usable cookie and
//! deleting a row ends that session on every instance.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::RngExt;
use sha2::{Digest, Sha256};

use super::schema::{self, sessions};
use super::sign_in::{self, Reservation};
use super::{DbConn, accounts, write_transaction};
use crate::domain::session::{ABSOLUTE_LIFETIME, IDLE_LIFETIME, SessionAge, session_age};

/// A session as a request finds it.
#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    pub id: i64,
    pub account_id: i64,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

/// A new random session token, as the cookie carries it.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Records a signed-in session for `account_id` under `token`, and forgets
/// that account's sessions that have ended.
pub fn start(
    conn: &mut DbConn,
    account_id: i64,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        sessions::table
            .filter(sessions::account_id.eq(account_id))
            .filter(
                sessions::last_seen_at
                    .le(now - IDLE_LIFETIME)
                    .or(sessions::created_at.le(now - ABSOLUTE_LIFETIME)),
            ),
    )
    .execute(conn)?;
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_sha256.eq(digest(token)),
            sessions::account_id.eq(account_id),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Starts the session of a sign-in whose password was verified against
/// `verified_hash`: only if that hash is still the account's and the
/// account still enabled, in one transaction, so a sign-in in flight cannot
/// outlive a password change, a reset or a disable. The verified attempt
/// no longer counts against the throttle, and the session the browser's
/// cookie held (`previous`) ends. Returns whether the session started.
pub fn start_after_sign_in(
    conn: &mut DbConn,
    account_id: i64,
    verified_hash: &str,
    reservation: Reservation,
    previous: Option<&str>,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_transaction(conn, |conn| {
        let current = accounts::find_by_id(conn, account_id)?;
        let unchanged = current
            .as_ref()
            .is_some_and(|stored| stored.password_hash == verified_hash && !stored.is_disabled());
        if !unchanged {
            return Ok(false);
        }
        sign_in::release(conn, reservation)?;
        if let Some(previous) = previous {
            end(conn, previous)?;
        }
        start(conn, account_id, token, now)?;
        Ok(true)
    })
}

/// Changes a password the visitor proved they know (`verified_hash` is the
/// hash their current password was checked against), ends every session of
/// the account and starts the visitor's new one under `token`, in one
/// transaction. `false` if the password changed meanwhile.
pub fn change_password(
    conn: &mut DbConn,
    account_id: i64,
    verified_hash: &str,
    new_hash: &str,
    reservation: Reservation,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_transaction(conn, |conn| {
        sign_in::release(conn, reservation)?;
        if !accounts::set_password(conn, account_id, Some(verified_hash), new_hash)? {
            return Ok(false);
        }
        end_all_of(conn, account_id)?;
        start(conn, account_id, token, now)?;
        Ok(true)
    })
}

/// Who a live session is, read in one query with the session: its account,
/// the account's unread count (up to `UNREAD_COUNTED_UP_TO`) and the version
/// of what its pages show (`page_versions`).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub account: accounts::Account,
    pub unread_notifications: i64,
    pub pages_version: i64,
}

/// The live session of `token` at `now` and who it is, recording its use
/// every few minutes; an ended one is deleted and `None`.
pub fn signed_in(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<SignedIn>> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    let unread = format!(
        "(SELECT COUNT(*) FROM (SELECT 1 FROM notifications n \
         WHERE n.account_id = accounts.id AND n.read_at IS NULL LIMIT {}) AS unread)",
        super::notifications::UNREAD_COUNTED_UP_TO
    );
    let found: Option<(SessionRow, accounts::Account, i64, i64)> = sessions::table
        .inner_join(schema::accounts::table)
        .filter(sessions::token_sha256.eq(digest(token)))
        .select((
            (
                sessions::id,
                sessions::account_id,
                sessions::created_at,
                sessions::last_seen_at,
            ),
            accounts::Account::as_select(),
            sql::<BigInt>(&unread),
            sql::<BigInt>(&super::page_versions::of_signed_in_sql()),
        ))
        .first(conn)
        .optional()?;
    let Some((session, account, unread_notifications, pages_version)) = found else {
        return Ok(None);
    };
    if !keep_alive(conn, &session, now) {
        return Ok(None);
    }
    Ok(Some(SignedIn {
        account,
        unread_notifications,
        pages_version,
    }))
}

/// Whether the session is still alive at `now`: an ended one is deleted, a
/// live one has its use recorded every few minutes.
fn keep_alive(conn: &mut DbConn, row: &SessionRow, now: NaiveDateTime) -> bool {
    match session_age(row.created_at, row.last_seen_at, now) {
        SessionAge::Ended => {
            // Ended whether or not the row goes now; the hourly sweep
            // takes what this leaves.
            let deleted =
                diesel::delete(sessions::table.filter(sessions::id.eq(row.id))).execute(conn);
            if let Err(error) = deleted {
                log::warn!("could not delete an ended session: {error}");
            }
            false
        }
        SessionAge::Alive { touch } => {
            if touch {
                // Best effort: a write that waits out SQLite's busy timeout
                // under a heavy write load must not fail the page; the next
                // request records the use.
                let touched = diesel::update(sessions::table.filter(sessions::id.eq(row.id)))
                    .set(sessions::last_seen_at.eq(now))
                    .execute(conn);
                if let Err(error) = touched {
                    log::warn!("could not record a session's use: {error}");
                }
            }
            true
        }
    }
}

/// Ends the session of `token` (sign-out).
pub fn end(conn: &mut DbConn, token: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.filter(sessions::token_sha256.eq(digest(token))))
        .execute(conn)?;
    Ok(())
}

/// Ends every session of an account (disable, a password change or reset).
/// Returns how many ended.
pub fn end_all_of(conn: &mut DbConn, account_id: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::account_id.eq(account_id))).execute(conn)
}

/// Forgets every ended session (the hourly housekeeping).
pub fn forget_ended(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(
            sessions::last_seen_at
                .le(now - IDLE_LIFETIME)
                .or(sessions::created_at.le(now - ABSOLUTE_LIFETIME)),
        ),
    )
    .execute(conn)
}
