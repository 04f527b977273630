//! Writing notifications. Who hears of a change, in what words and with
//! which link comes from one table (`domain::notice`); the text is the kind
//! plus a subject line (usually a product name or an order number), so that
//! each reader sees it in their own language.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{accounts, notifications};
use crate::domain::notice::{self, Event, Party, Subject};

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

/// Tells everyone the table names for `event`, each with a link to the page
/// of its own role.
pub fn tell(
    conn: &mut DbConn,
    event: Event,
    parties: Parties,
    subject: &Subject,
    line: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    for (party, kind) in event.audience() {
        let link = notice::link(*party, subject);
        match party {
            Party::Buyer => {
                if let Some(id) = parties.buyer_id {
                    notify(conn, id, kind, line, &link, now)?;
                }
            }
            Party::Vendor => {
                if let Some(id) = parties.vendor_id {
                    notify(conn, id, kind, line, &link, now)?;
                }
            }
            Party::Operators => notify_operators(conn, kind, line, &link, now)?,
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
fn notify_operators(
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
