//! Queries on `audit_log`: what operators did.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{accounts, audit_log};

/// One audit entry with the actor's login.
#[derive(Debug, Clone, Queryable)]
pub struct AuditEntry {
    pub id: i64,
    pub actor_login: String,
    pub action: String,
    pub target: String,
    pub note: String,
    pub created_at: NaiveDateTime,
}

pub fn record(
    conn: &mut DbConn,
    actor_id: i64,
    action: &str,
    target: &str,
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(actor_id),
            audit_log::action.eq(action),
            audit_log::target.eq(target),
            audit_log::note.eq(note),
            audit_log::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The newest entries, optionally only those older than `before_id` (keyset paging).
pub fn recent(
    conn: &mut DbConn,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    let mut query = audit_log::table
        .inner_join(accounts::table)
        .select((
            audit_log::id,
            accounts::login,
            audit_log::action,
            audit_log::target,
            audit_log::note,
            audit_log::created_at,
        ))
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before_id {
        query = query.filter(audit_log::id.lt(before));
    }
    query.load(conn)
}
