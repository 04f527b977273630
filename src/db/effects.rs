//! What a state change causes besides the new state: the entry in its
//! product's or ticket's activity log, the operators' audit entry, the
//! notices and the new version of the vendor's pages. The event table
//! (`domain::notice`) says which of these an event writes; this module is
//! the one place that writes them, inside the transaction of the change
//! (docs/ARCHITECTURE.md, "Commands and events").

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit;
use super::notify::{self, Parties};
use super::schema::{product_events, products, ticket_events};
use super::{DbConn, StoreResult, changed_once};
use crate::domain::Transition;
use crate::domain::notice::{Event, Party, Subject};

/// One event of a change, with what its effects need to know.
#[derive(Debug, Clone)]
pub struct Happened<'a> {
    pub event: Event,
    /// The account that acted; `None` when the marketplace itself did.
    pub by: Option<i64>,
    pub subject: Subject<'a>,
    /// The buyer and vendor it concerns.
    pub parties: Parties,
    /// What it is about, as the reader knows it: a product's name, an order
    /// number, an account. The notices' line and the audit entry's target.
    pub line: &'a str,
    /// A reason or remark, kept in the logs.
    pub note: &'a str,
    /// The revision a product event concerns (`#n` in the logs).
    pub revision: Option<i32>,
    /// The audit entry's target when it is not `line`.
    pub audited_as: Option<&'a str>,
    pub now: NaiveDateTime,
}

impl<'a> Happened<'a> {
    pub fn new(
        event: Event,
        by: Option<i64>,
        subject: Subject<'a>,
        parties: Parties,
        now: NaiveDateTime,
    ) -> Happened<'a> {
        Happened {
            event,
            by,
            subject,
            parties,
            line: "",
            note: "",
            revision: None,
            audited_as: None,
            now,
        }
    }

    pub fn about(mut self, line: &'a str) -> Happened<'a> {
        self.line = line;
        self
    }

    pub fn noted(mut self, note: &'a str) -> Happened<'a> {
        self.note = note;
        self
    }

    pub fn audited_as(mut self, target: &'a str) -> Happened<'a> {
        self.audited_as = Some(target);
        self
    }

    pub fn of_revision(mut self, number: i32) -> Happened<'a> {
        self.revision = Some(number);
        self
    }
}

/// Writes everything the table says the event causes.
pub fn record(conn: &mut DbConn, happened: &Happened) -> QueryResult<()> {
    let event = happened.event;
    let revision = happened.revision.map(|number| format!("#{number}"));
    if let (Some(action), Some(product_id), Some(by)) = (
        event.product_log(),
        product_of(&happened.subject),
        happened.by,
    ) {
        // A reason says more than the revision number.
        let note = match (&revision, happened.note) {
            (Some(number), "") => number.as_str(),
            (_, note) => note,
        };
        diesel::insert_into(product_events::table)
            .values((
                product_events::product_id.eq(product_id),
                product_events::actor_id.eq(by),
                product_events::action.eq(action),
                product_events::note.eq(note),
                product_events::created_at.eq(happened.now),
            ))
            .execute(conn)?;
        diesel::update(products::table.find(product_id))
            .set(products::updated_at.eq(happened.now))
            .execute(conn)?;
    }
    if let (Some(action), Subject::Ticket { ticket_id }) = (event.ticket_log(), &happened.subject) {
        diesel::insert_into(ticket_events::table)
            .values((
                ticket_events::ticket_id.eq(ticket_id),
                ticket_events::actor_id.eq(happened.by),
                ticket_events::actor_role.eq(role_code(event.actor())),
                ticket_events::action.eq(action),
                ticket_events::note.eq(happened.note),
                ticket_events::created_at.eq(happened.now),
            ))
            .execute(conn)?;
    }
    if let (Some(action), Some(actor)) = (event.audit(), happened.by) {
        let line = happened.audited_as.unwrap_or(happened.line);
        let target = match &revision {
            Some(number) => format!("{line} {number}"),
            None => line.to_string(),
        };
        audit::record(conn, actor, action, &target, happened.note, happened.now)?;
    }
    if let Some(vendor_id) = happened.parties.vendor_id {
        // What the vendor's pages (and the operators') show may have changed.
        super::page_versions::bump(conn, vendor_id)?;
    }
    notify::tell(
        conn,
        event,
        happened.parties,
        &happened.subject,
        happened.line,
        happened.now,
    )
}

/// Applies a command's transition: `update` is the conditional update that
/// names `transition.from` and must change exactly one row (else someone
/// changed it first); then each event's effects, described by `happened`.
pub fn apply<'a, S>(
    conn: &mut DbConn,
    transition: &Transition<S>,
    update: impl FnOnce(&mut DbConn) -> QueryResult<usize>,
    happened: impl Fn(Event) -> Happened<'a>,
) -> StoreResult<()> {
    changed_once(update(conn)?)?;
    for event in &transition.events {
        record(conn, &happened(*event))?;
    }
    Ok(())
}

/// Records each of a change's events.
pub fn record_all(conn: &mut DbConn, events: &[Happened]) -> QueryResult<()> {
    events
        .iter()
        .try_for_each(|happened| record(conn, happened))
}

fn product_of(subject: &Subject) -> Option<i64> {
    match subject {
        Subject::Revision { product_id, .. }
        | Subject::Product { product_id }
        | Subject::DelistRequest { product_id } => Some(*product_id),
        _ => None,
    }
}

/// How the ticket log names who acted.
fn role_code(party: Party) -> &'static str {
    match party {
        Party::Buyer => "buyer",
        Party::Vendor => "vendor",
        Party::Operators => "operator",
        Party::System => "system",
    }
}
