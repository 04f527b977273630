//! Service ticket pages: the list (vendors, operators) and the ticket page
//! with its operation log (buyer, vendor, operator).

use crate::views::Flash;
use askama::Template;
use chrono::NaiveDateTime;

use super::PageCtx;
use crate::db::tickets::{Ticket, TicketEvent, TicketRow};
use crate::domain::account::Role;
use crate::domain::ticket::{self, TicketState, next_actor};

#[derive(Template)]
#[template(path = "tickets/list.html")]
pub struct TicketListPage {
    pub page: PageCtx,
    pub rows: Vec<TicketRow>,
    pub base: &'static str,
    pub state_filter: String,
    pub template_filter: String,
    pub overdue_only: bool,
    pub now: NaiveDateTime,
    /// Whose turn is marked "awaiting you" (the vendor's list).
    pub me: Option<Role>,
}

impl TicketListPage {
    pub fn awaits_me(&self, ticket: &Ticket) -> bool {
        self.me.is_some() && next_actor(ticket.state) == self.me
    }

    /// 已等待, stopped once the ticket is finished.
    pub fn waited(&self, ticket: &Ticket) -> String {
        self.page.duration(ticket.waited(self.now))
    }
}

/// What the forms keep after a refusal.
#[derive(Default)]
pub struct TicketForms {
    pub requirement: String,
    pub contact: String,
    pub delivery: String,
    pub reason: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "tickets/detail.html")]
pub struct TicketPage {
    pub page: PageCtx,
    pub ticket: Ticket,
    pub order_no: String,
    pub product_name: String,
    pub buyer_uin: i64,
    pub events: Vec<TicketEvent>,
    pub viewer: Role,
    /// Where this viewer's forms post: `/me/services/{id}` or `/vendor/supervision/{id}`.
    pub action_base: String,
    pub notice: Option<Flash>,
    pub error: Option<String>,
    pub forms: TicketForms,
    pub now: NaiveDateTime,
}

impl TicketPage {
    pub fn title(&self) -> String {
        crate::i18n::fill(
            self.page.t.ticket_title,
            &[("id", &self.ticket.id.to_string())],
        )
    }

    fn is(&self, role: Role, state: TicketState) -> bool {
        self.viewer == role && self.ticket.state == state
    }

    pub fn buyer_writes_requirement(&self) -> bool {
        self.is(Role::Buyer, TicketState::AwaitingRequirement)
            || self.is(Role::Buyer, TicketState::Rejected)
    }

    pub fn buyer_accepts(&self) -> bool {
        self.is(Role::Buyer, TicketState::AwaitingAcceptance)
    }

    pub fn vendor_confirms(&self) -> bool {
        self.is(Role::Vendor, TicketState::AwaitingConfirmation)
    }

    pub fn vendor_delivers(&self) -> bool {
        self.is(Role::Vendor, TicketState::InService)
            || self.is(Role::Vendor, TicketState::AwaitingDelivery)
    }

    /// Buyer and vendor write to each other until the ticket finishes.
    pub fn may_message(&self) -> bool {
        matches!(self.viewer, Role::Buyer | Role::Vendor) && !self.ticket.state.is_finished()
    }

    /// The vendor's reason for the latest rejection, shown above the
    /// resubmit form (it is also in the log).
    pub fn rejection_reason(&self) -> Option<&str> {
        if self.ticket.state != TicketState::Rejected {
            return None;
        }
        self.events
            .iter()
            .rev()
            .find(|e| e.action == "reject")
            .map(|e| e.note.as_str())
    }

    pub fn is_overdue(&self) -> bool {
        self.ticket.is_overdue(self.now)
    }

    pub fn is_license(&self) -> bool {
        self.ticket.template == ticket::Template::License
    }

    /// The requirement form starts from what was typed, else what was stored.
    pub fn requirement_text(&self) -> String {
        if self.forms.requirement.is_empty() {
            self.ticket.requirement.clone().unwrap_or_default()
        } else {
            self.forms.requirement.clone()
        }
    }

    pub fn contact_text(&self) -> String {
        if self.forms.contact.is_empty() {
            self.ticket.contact.clone().unwrap_or_default()
        } else {
            self.forms.contact.clone()
        }
    }

    pub fn order_link(&self) -> String {
        match self.viewer {
            Role::Buyer => format!("/me/orders/{}", self.order_no),
            Role::Vendor => format!("/vendor/orders/{}", self.order_no),
            Role::Operator => format!("/admin/orders/{}", self.order_no),
        }
    }
}
