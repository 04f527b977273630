//! Queries on `notifications`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::notifications;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    pub subject: String,
    /// What the notice is about (`domain::notice::Subject::code`).
    pub about: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

/// Past this many unread notifications the count stops (the badge says 99+):
/// a busy vendor gets a notification per order, and counting thousands on
/// every page cost more than the page (`sessions::signed_in` counts them).
pub const UNREAD_COUNTED_UP_TO: i64 = 100;

/// The account's newest notifications.
pub fn recent(conn: &mut DbConn, account_id: i64, limit: i64) -> QueryResult<Vec<Notification>> {
    notifications::table
        .filter(notifications::account_id.eq(account_id))
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .limit(limit)
        .select(Notification::as_select())
        .load(conn)
}

/// Marks every unread notification of the account read; returns how many.
pub fn mark_all_read(conn: &mut DbConn, account_id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        notifications::table
            .filter(notifications::account_id.eq(account_id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(now)))
    .execute(conn)
}

/// Marks one of the account's notifications read and returns what it is
/// about; `None` if it is not the account's.
pub fn open(
    conn: &mut DbConn,
    account_id: i64,
    notification_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    let about: Option<String> = notifications::table
        .filter(notifications::id.eq(notification_id))
        .filter(notifications::account_id.eq(account_id))
        .select(notifications::about)
        .first(conn)
        .optional()?;
    if about.is_some() {
        diesel::update(
            notifications::table
                .filter(notifications::id.eq(notification_id))
                .filter(notifications::account_id.eq(account_id))
                .filter(notifications::read_at.is_null()),
        )
        .set(notifications::read_at.eq(Some(now)))
        .execute(conn)?;
    }
    Ok(about)
}
