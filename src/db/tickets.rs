//! Service tickets: opened with a paid service or license order, moved by one
//! conditional update per transition, every step in the operation log.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::effects::{self, Happened};
use super::notify::Parties;
use super::orders::Order;
use super::schema::{accounts, orders, products, revisions, ticket_events, tickets};
use super::{DbConn, StoreError, write_transaction};
use crate::domain::account::Role;
use crate::domain::notice::{Event, Subject};
use crate::domain::refusal::Refusal;
use crate::domain::ticket::{
    self, Template, TicketAction, TicketActor, TicketRefusal, TicketState, next_actor, transition,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tickets)]
pub struct Ticket {
    pub id: i64,
    pub order_id: i64,
    pub template: Template,
    pub state: TicketState,
    pub buyer_id: i64,
    pub vendor_id: i64,
    pub requirement: Option<String>,
    pub contact: Option<String>,
    pub delivery: Option<String>,
    pub state_since: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// The product's 承诺交付天数 when it was bought (services only).
    pub promised_days: Option<i32>,
    /// When the promise runs out; set when the requirement is confirmed.
    pub due_at: Option<NaiveDateTime>,
    /// When the vendor was reminded of the passed promise (once).
    pub reminded_at: Option<NaiveDateTime>,
}

impl Ticket {
    pub fn is_overdue(&self, now: NaiveDateTime) -> bool {
        ticket::is_overdue(self.state, self.due_at, now)
    }

    /// 已等待: the current step until now, frozen once the ticket finishes.
    pub fn waited(&self, now: NaiveDateTime) -> chrono::Duration {
        ticket::waited(self.state, self.created_at, self.state_since, now)
    }
}

/// One line of the operation log, with who acted.
#[derive(Debug, Clone, Queryable)]
pub struct TicketEvent {
    pub id: i64,
    pub actor_role: String,
    pub actor_name: Option<String>,
    pub action: String,
    pub note: String,
    pub created_at: NaiveDateTime,
}

/// Opens the ticket of a paid service or license order (inside its transaction).
pub fn open_for(conn: &mut DbConn, order: &Order, now: NaiveDateTime) -> QueryResult<Option<i64>> {
    let Some(template) = Template::for_kind(order.kind) else {
        return Ok(None);
    };
    let promised_days: Option<i32> = if template == Template::Generic {
        products::table
            .inner_join(
                revisions::table.on(products::live_revision_id.eq(revisions::id.nullable())),
            )
            .filter(products::id.eq(order.product_id))
            .select(revisions::delivery_days)
            .first::<Option<i32>>(conn)
            .optional()?
            .flatten()
    } else {
        None
    };
    let id: i64 = diesel::insert_into(tickets::table)
        .values((
            tickets::promised_days.eq(promised_days),
            tickets::order_id.eq(order.id),
            tickets::template.eq(template.as_str()),
            tickets::state.eq(template.start().as_str()),
            tickets::buyer_id.eq(order.buyer_id),
            tickets::vendor_id.eq(order.vendor_id),
            tickets::state_since.eq(now),
            tickets::created_at.eq(now),
        ))
        .returning(tickets::id)
        .get_result(conn)?;
    // A license ticket waits for the vendor; the order notice already asks for delivery.
    let event = match template {
        Template::Generic => Event::TicketOpened,
        Template::License => Event::LicenseTicketOpened,
    };
    let opened = Happened::new(
        event,
        None,
        Subject::Ticket { ticket_id: id },
        Parties::both(order.buyer_id, order.vendor_id),
        now,
    );
    effects::record(conn, &opened.about(&order.order_no).noted(&order.order_no))?;
    Ok(Some(id))
}

/// What a transition writes besides the state.
#[derive(Debug, Clone, Default)]
pub struct Payload {
    pub requirement: Option<String>,
    pub contact: Option<String>,
    pub delivery: Option<String>,
    /// A reason or remark, kept in the log.
    pub note: String,
}

/// Who acts on a ticket: scoped to their own tickets.
#[derive(Debug, Clone, Copy)]
pub struct TicketUser {
    pub id: i64,
    pub role: Role,
}

fn find_scoped(conn: &mut DbConn, ticket_id: i64, user: TicketUser) -> QueryResult<Option<Ticket>> {
    let mut query = tickets::table
        .filter(tickets::id.eq(ticket_id))
        .select(Ticket::as_select())
        .into_boxed();
    query = match user.role {
        Role::Buyer => query.filter(tickets::buyer_id.eq(user.id)),
        Role::Vendor => query.filter(tickets::vendor_id.eq(user.id)),
        Role::Operator => query,
    };
    query.first(conn).optional()
}

pub fn find(conn: &mut DbConn, ticket_id: i64, user: TicketUser) -> QueryResult<Option<Ticket>> {
    find_scoped(conn, ticket_id, user)
}

/// Moves a ticket by one action; the update names the state read, so a double
/// submit or two tabs apply it once and the loser is told the state changed.
pub fn apply(
    conn: &mut DbConn,
    ticket_id: i64,
    user: TicketUser,
    action: TicketAction,
    payload: &Payload,
    now: NaiveDateTime,
) -> Result<TicketState, StoreError> {
    write_transaction(conn, |conn| {
        let ticket = find_scoped(conn, ticket_id, user)?.ok_or(StoreError::NotFound)?;
        let actor = TicketActor::Person(user.role);
        let step = ticket::step(ticket.template, ticket.state, action, actor)?;
        let order_no = order_no_of(conn, &ticket)?;
        effects::apply(
            conn,
            &step,
            |conn| move_ticket(conn, &ticket, step.to, payload, now),
            |event| on_ticket(&ticket, event, Some(user.id), &order_no, now).noted(&payload.note),
        )
        // Lost to a step in between (two tabs, a double submit): the ticket's own words.
        .map_err(|error| match error {
            StoreError::Refused(Refusal::StateChanged) => TicketRefusal::WrongState.into(),
            other => other,
        })?;
        // A completed service is billed; a closed one never will be.
        if step.to.is_finished() {
            super::ledger::follow(conn, &[ticket.order_id], now)?;
        }
        Ok(step.to)
    })
}

/// The conditional update of a ticket step: it names the state read.
fn move_ticket(
    conn: &mut DbConn,
    ticket: &Ticket,
    next: TicketState,
    payload: &Payload,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let target = tickets::table
        .filter(tickets::id.eq(ticket.id))
        .filter(tickets::state.eq(&ticket.state));
    let completed = (next == TicketState::Completed).then_some(now);
    // The promise starts to run when the requirement is confirmed, once: a
    // declined delivery goes back to 服务中 under the same promise.
    let due = ticket.due_at.or_else(|| {
        (next == TicketState::InService)
            .then(|| ticket::due_at(now, ticket.promised_days))
            .flatten()
    });
    diesel::update(target)
        .set((
            tickets::due_at.eq(due),
            tickets::state.eq(next.as_str()),
            tickets::state_since.eq(now),
            tickets::requirement.eq(payload.requirement.as_ref().or(ticket.requirement.as_ref())),
            tickets::contact.eq(payload.contact.as_ref().or(ticket.contact.as_ref())),
            tickets::delivery.eq(payload.delivery.as_ref().or(ticket.delivery.as_ref())),
            tickets::completed_at.eq(completed.or(ticket.completed_at)),
        ))
        .execute(conn)
}

fn order_no_of(conn: &mut DbConn, ticket: &Ticket) -> QueryResult<String> {
    orders::table
        .find(ticket.order_id)
        .select(orders::order_no)
        .first(conn)
}

/// An event of a ticket, about its order number, for both its sides (the
/// event table says which of them hears of it).
fn on_ticket<'a>(
    ticket: &Ticket,
    event: Event,
    by: Option<i64>,
    order_no: &'a str,
    now: NaiveDateTime,
) -> Happened<'a> {
    Happened::new(
        event,
        by,
        Subject::Ticket {
            ticket_id: ticket.id,
        },
        Parties::both(ticket.buyer_id, ticket.vendor_id),
        now,
    )
    .about(order_no)
}

/// Closes the ticket of a refunded order, logged as the system's step.
pub fn close_for_order(conn: &mut DbConn, order_id: i64, now: NaiveDateTime) -> QueryResult<()> {
    let Some(ticket) = tickets::table
        .filter(tickets::order_id.eq(order_id))
        .select(Ticket::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(());
    };
    let Ok(next) = transition(
        ticket.template,
        ticket.state,
        TicketAction::Close,
        TicketActor::System,
    ) else {
        // Completed tickets stay completed: the service was delivered.
        return Ok(());
    };
    let changed = diesel::update(
        tickets::table
            .filter(tickets::id.eq(ticket.id))
            .filter(tickets::state.eq(&ticket.state)),
    )
    .set((
        tickets::state.eq(next.as_str()),
        tickets::state_since.eq(now),
    ))
    .execute(conn)?;
    if changed == 1 {
        let order_no = order_no_of(conn, &ticket)?;
        effects::record(
            conn,
            &on_ticket(&ticket, Event::TicketClosed, None, &order_no, now),
        )?;
    }
    Ok(())
}

/// A message between buyer and vendor, kept in the ticket's log; the other
/// side is told. Finished tickets take no more messages.
pub fn message(
    conn: &mut DbConn,
    ticket_id: i64,
    user: TicketUser,
    text: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        let ticket = find_scoped(conn, ticket_id, user)?.ok_or(StoreError::NotFound)?;
        let event = match user.role {
            Role::Buyer => Event::BuyerMessage,
            Role::Vendor => Event::VendorMessage,
            Role::Operator => return Err(TicketRefusal::NotYours.into()),
        };
        if ticket.state.is_finished() {
            return Err(TicketRefusal::Finished.into());
        }
        let order_no = order_no_of(conn, &ticket)?;
        let sent = on_ticket(&ticket, event, Some(user.id), &order_no, now).noted(text);
        Ok(effects::record(conn, &sent)?)
    })
}

/// Reminds the vendor of every ticket whose promised delivery time has passed
/// while still in service, once per ticket: the update that records the
/// reminder names `reminded_at IS NULL`, so two instances remind once.
pub fn remind_overdue(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    let due: Vec<Ticket> = tickets::table
        .filter(tickets::reminded_at.is_null())
        .filter(tickets::due_at.lt(now))
        .filter(tickets::state.eq(TicketState::InService.as_str()))
        .select(Ticket::as_select())
        .limit(500)
        .load(conn)?;
    let mut reminded = 0;
    for ticket in due {
        write_transaction(conn, |conn| {
            // Still owed and still late: a delivery between the read and
            // here takes the ticket out of the reminder.
            let changed = diesel::update(
                tickets::table
                    .filter(tickets::id.eq(ticket.id))
                    .filter(tickets::reminded_at.is_null())
                    .filter(tickets::state.eq(TicketState::InService.as_str()))
                    .filter(tickets::due_at.lt(now)),
            )
            .set(tickets::reminded_at.eq(Some(now)))
            .execute(conn)?;
            if changed == 1 {
                let order_no = order_no_of(conn, &ticket)?;
                let late = on_ticket(&ticket, Event::TicketOverdue, None, &order_no, now);
                effects::record(conn, &late)?;
                reminded += 1;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
    }
    Ok(reminded)
}

pub fn events(conn: &mut DbConn, ticket_id: i64) -> QueryResult<Vec<TicketEvent>> {
    ticket_events::table
        .left_join(accounts::table.on(accounts::id.nullable().eq(ticket_events::actor_id)))
        .filter(ticket_events::ticket_id.eq(ticket_id))
        .order(ticket_events::id.asc())
        .select((
            ticket_events::id,
            ticket_events::actor_role,
            accounts::display_name.nullable(),
            ticket_events::action,
            ticket_events::note,
            ticket_events::created_at,
        ))
        .load(conn)
}

/// A ticket with its order, for lists and pages.
#[derive(Debug, Clone)]
pub struct TicketRow {
    pub ticket: Ticket,
    pub order: Order,
}

impl TicketRow {
    /// Whether the ticket's next step is `role`'s.
    pub fn waits_for(&self, role: Role) -> bool {
        next_actor(self.ticket.state) == Some(role)
    }
}

/// Filters of the ticket list.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub state: Option<TicketState>,
    pub template: Option<Template>,
    /// Only tickets past their promised delivery time at this moment.
    pub overdue_at: Option<NaiveDateTime>,
}

/// The scope's tickets; those awaiting `first` come first, then the longest waiting.
pub fn list(
    conn: &mut DbConn,
    user: TicketUser,
    filter: &TicketFilter,
    first: Option<Role>,
) -> QueryResult<Vec<TicketRow>> {
    let mut query = tickets::table
        .inner_join(orders::table)
        .select((Ticket::as_select(), Order::as_select()))
        .into_boxed();
    query = match user.role {
        Role::Buyer => query.filter(tickets::buyer_id.eq(user.id)),
        Role::Vendor => query.filter(tickets::vendor_id.eq(user.id)),
        Role::Operator => query,
    };
    if let Some(state) = filter.state {
        query = query.filter(tickets::state.eq(state.as_str()));
    }
    if let Some(template) = filter.template {
        query = query.filter(tickets::template.eq(template.as_str()));
    }
    if let Some(now) = filter.overdue_at {
        query = query
            .filter(tickets::state.eq(TicketState::InService.as_str()))
            .filter(tickets::due_at.lt(now));
    }
    let mut rows: Vec<TicketRow> = query
        .order(tickets::state_since.asc())
        .limit(500)
        .load::<(Ticket, Order)>(conn)?
        .into_iter()
        .map(|(ticket, order)| TicketRow { ticket, order })
        .collect();
    if let Some(role) = first {
        // Stable: within each group the longest waiting stays first.
        rows.sort_by_key(|row| !row.waits_for(role));
    }
    Ok(rows)
}

/// The ticket of an order, if it has one.
pub fn for_order(conn: &mut DbConn, order_id: i64) -> QueryResult<Option<Ticket>> {
    tickets::table
        .filter(tickets::order_id.eq(order_id))
        .select(Ticket::as_select())
        .first(conn)
        .optional()
}
