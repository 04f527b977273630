//! Writing notifications: the events other modules raise. The text is the
//! event's kind plus a subject (usually a product name), so each reader sees it
//! in their own language.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{accounts, notifications};

pub fn notify(
    conn: &mut DbConn,
    account_id: i64,
    kind: &str,
    subject: &str,
    link: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(notifications::table)
        .values((
            notifications::account_id.eq(account_id),
            notifications::kind.eq(kind),
            notifications::subject.eq(subject),
            notifications::link.eq(link),
            notifications::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Notifies every enabled operator.
pub fn notify_operators(
    conn: &mut DbConn,
    kind: &str,
    subject: &str,
    link: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let operators: Vec<i64> = accounts::table
        .filter(accounts::role.eq("operator"))
        .filter(accounts::disabled_at.is_null())
        .select(accounts::id)
        .load(conn)?;
    for operator in operators {
        notify(conn, operator, kind, subject, link, now)?;
    }
    Ok(())
}
