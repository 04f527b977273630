//! Writing notifications. Who hears of a change and in what words comes
//! from one table (`domain::notice`); the text is the kind plus a subject
//! line (usually a product name or an order number), so that each reader
//! sees it in their own language. A notice keeps what it is about; the page
//! it opens is chosen when it is opened (`views::links`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{accounts, notifications};
use crate::domain::notice::{Event, Party, Subject};

/// The accounts a change concerns; a product's changes have no buyer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Parties {
    pub buyer_id: Option<i64>,
    pub vendor_id: Option<i64>,
}

impl Parties {
    pub fn vendor(vendor_id: i64) -> Parties {
        Parties {
            buyer_id: None,
            vendor_id: Some(vendor_id),
        }
    }

    pub fn both(buyer_id: i64, vendor_id: i64) -> Parties {
        Parties {
            buyer_id: Some(buyer_id),
            vendor_id: Some(vendor_id),
        }
    }
}

/// Tells everyone the table names for `event` about `subject`.
pub fn tell(
    conn: &mut DbConn,
    event: Event,
    parties: Parties,
    subject: &Subject,
    line: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let about = subject.code();
    for (party, kind) in event.audience() {
        match party {
            Party::Buyer => {
                if let Some(id) = parties.buyer_id {
                    notify(conn, id, kind, line, &about, now)?;
                }
            }
            Party::Vendor => {
                if let Some(id) = parties.vendor_id {
                    notify(conn, id, kind, line, &about, now)?;
                }
            }
            Party::Operators => notify_operators(conn, kind, line, &about, now)?,
            Party::System => {}
        }
    }
    Ok(())
}

/// One notice to one account. State changes go through `tell`, which takes
/// its recipients from the table; this is for that and for test set-up.
pub fn notify(
    conn: &mut DbConn,
    account_id: i64,
    kind: &str,
    subject: &str,
    about: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(notifications::table)
        .values((
            notifications::account_id.eq(account_id),
            notifications::kind.eq(kind),
            notifications::subject.eq(subject),
            notifications::about.eq(about),
            notifications::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Notifies every enabled operator.
fn notify_operators(
    conn: &mut DbConn,
    kind: &str,
    subject: &str,
    about: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let operators: Vec<i64> = accounts::table
        .filter(accounts::role.eq("operator"))
        .filter(accounts::disabled_at.is_null())
        .select(accounts::id)
        .load(conn)?;
    for operator in operators {
        notify(conn, operator, kind, subject, about, now)?;
    }
    Ok(())
}
