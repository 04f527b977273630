//! Service tickets: opened with a paid service or license order, moved by one
//! conditional update per transition, every step in the operation log.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::orders::Order;
use super::schema::{accounts, orders, ticket_events, tickets};
use super::{DbConn, notify, write_transaction};
use crate::domain::account::Role;
use crate::domain::ticket::{
    Template, TicketAction, TicketActor, TicketRefusal, TicketState, next_actor, transition,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tickets)]
pub struct Ticket {
    pub id: i64,
    pub order_id: i64,
    pub template: String,
    pub state: String,
    pub buyer_id: i64,
    pub vendor_id: i64,
    pub requirement: Option<String>,
    pub contact: Option<String>,
    pub delivery: Option<String>,
    pub state_since: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl Ticket {
    pub fn template(&self) -> Template {
        Template::parse(&self.template).unwrap_or(Template::Generic)
    }

    pub fn state(&self) -> TicketState {
        TicketState::parse(&self.state).unwrap_or(TicketState::Closed)
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

#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("not found")]
    NotFound,
    #[error("refused: {0:?}")]
    Refused(TicketRefusal),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl From<TicketRefusal> for TicketError {
    fn from(refusal: TicketRefusal) -> TicketError {
        TicketError::Refused(refusal)
    }
}

fn role_code(actor: TicketActor) -> &'static str {
    match actor {
        TicketActor::Person(role) => role.as_str(),
        TicketActor::System => "system",
    }
}

fn log(
    conn: &mut DbConn,
    ticket_id: i64,
    actor_id: Option<i64>,
    actor: TicketActor,
    action: &str,
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(ticket_events::table)
        .values((
            ticket_events::ticket_id.eq(ticket_id),
            ticket_events::actor_id.eq(actor_id),
            ticket_events::actor_role.eq(role_code(actor)),
            ticket_events::action.eq(action),
            ticket_events::note.eq(note),
            ticket_events::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Opens the ticket of a paid service or license order (inside its transaction).
pub fn open_for(conn: &mut DbConn, order: &Order, now: NaiveDateTime) -> QueryResult<Option<i64>> {
    let Some(template) = Template::for_kind(order.kind()) else {
        return Ok(None);
    };
    let id: i64 = diesel::insert_into(tickets::table)
        .values((
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
    log(
        conn,
        id,
        None,
        TicketActor::System,
        "opened",
        &order.order_no,
        now,
    )?;
    // A license ticket waits for the vendor; the order notice already asks for delivery.
    if template == Template::Generic {
        notify::notify(
            conn,
            order.buyer_id,
            "ticket.requirement_needed",
            &order.order_no,
            &format!("/me/services/{id}"),
            now,
        )?;
    }
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
) -> Result<TicketState, TicketError> {
    write_transaction(conn, |conn| {
        let ticket = find_scoped(conn, ticket_id, user)?.ok_or(TicketError::NotFound)?;
        let actor = TicketActor::Person(user.role);
        let next = transition(ticket.template(), ticket.state(), action, actor)?;
        move_ticket(conn, &ticket, next, payload, now)?;
        log(
            conn,
            ticket.id,
            Some(user.id),
            actor,
            action.as_str(),
            &payload.note,
            now,
        )?;
        tell_next(conn, &ticket, next, action, now)?;
        Ok(next)
    })
}

fn move_ticket(
    conn: &mut DbConn,
    ticket: &Ticket,
    next: TicketState,
    payload: &Payload,
    now: NaiveDateTime,
) -> Result<(), TicketError> {
    let target = tickets::table
        .filter(tickets::id.eq(ticket.id))
        .filter(tickets::state.eq(&ticket.state));
    let completed = (next == TicketState::Completed).then_some(now);
    let changed = diesel::update(target)
        .set((
            tickets::state.eq(next.as_str()),
            tickets::state_since.eq(now),
            tickets::requirement.eq(payload.requirement.as_ref().or(ticket.requirement.as_ref())),
            tickets::contact.eq(payload.contact.as_ref().or(ticket.contact.as_ref())),
            tickets::delivery.eq(payload.delivery.as_ref().or(ticket.delivery.as_ref())),
            tickets::completed_at.eq(completed.or(ticket.completed_at)),
        ))
        .execute(conn)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(TicketRefusal::WrongState.into())
    }
}

/// Notifies whoever must act next (or the vendor of the buyer's acceptance).
fn tell_next(
    conn: &mut DbConn,
    ticket: &Ticket,
    next: TicketState,
    action: TicketAction,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let order_no: String = orders::table
        .find(ticket.order_id)
        .select(orders::order_no)
        .first(conn)?;
    let vendor_link = format!("/vendor/supervision/{}", ticket.id);
    let buyer_link = format!("/me/services/{}", ticket.id);
    let kind = format!("ticket.{}", action.as_str());
    match next_actor(next) {
        Some(Role::Vendor) => {
            notify::notify(conn, ticket.vendor_id, &kind, &order_no, &vendor_link, now)
        }
        Some(_) => notify::notify(conn, ticket.buyer_id, &kind, &order_no, &buyer_link, now),
        None => {
            notify::notify(conn, ticket.vendor_id, &kind, &order_no, &vendor_link, now)?;
            if next == TicketState::Closed {
                notify::notify(conn, ticket.buyer_id, &kind, &order_no, &buyer_link, now)?;
            }
            Ok(())
        }
    }
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
        ticket.template(),
        ticket.state(),
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
        log(conn, ticket.id, None, TicketActor::System, "close", "", now)?;
        tell_next(conn, &ticket, next, TicketAction::Close, now)?;
    }
    Ok(())
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
        next_actor(self.ticket.state()) == Some(role)
    }
}

/// Filters of the ticket list.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub state: Option<TicketState>,
    pub template: Option<Template>,
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
