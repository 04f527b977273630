//! Service supervision (服务监管): the two ticket templates as state machines,
//! one transition function each, and who must act next.

use super::Transition;
use super::notice::Event;
use chrono::{Duration, NaiveDateTime};

use super::account::Role;
use super::product::Kind;

/// Which flow a ticket follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// 通用类: manual services.
    Generic,
    /// License类.
    License,
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketState {
    /// 待提交需求 (generic).
    AwaitingRequirement,
    /// 待确认需求 (generic).
    AwaitingConfirmation,
    /// 需求已驳回 (generic).
    Rejected,
    /// 服务中 (generic).
    InService,
    /// 待交付 (license).
    AwaitingDelivery,
    /// 待验收.
    AwaitingAcceptance,
    /// 已完成.
    Completed,
    /// 已关闭 (the order was refunded).
    Closed,
}

/// What someone does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketAction {
    /// The buyer submits (or resubmits) the requirement.
    SubmitRequirement,
    /// The vendor confirms the requirement.
    Confirm,
    /// The vendor rejects the requirement, with a reason.
    Reject,
    /// The vendor fills in the delivery information.
    Deliver,
    /// The buyer accepts the delivery (验收).
    Accept,
    /// The buyer declines the delivery, with a reason.
    Decline,
    /// The order was refunded.
    Close,
}

/// Who acts: a role, or the system (refunds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketActor {
    Person(Role),
    System,
}

/// Why a transition is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketRefusal {
    /// This role never takes this action (a buyer confirming, a vendor accepting).
    NotYours,
    /// Not from this state (delivering before confirming, a double submit).
    WrongState,
    /// Completed or closed: nothing more happens.
    Finished,
}

codes!(Template { Generic = "generic", License = "license" });
codes!(TicketState {
    AwaitingRequirement = "awaiting_requirement",
    AwaitingConfirmation = "awaiting_confirmation",
    Rejected = "rejected",
    InService = "in_service",
    AwaitingDelivery = "awaiting_delivery",
    AwaitingAcceptance = "awaiting_acceptance",
    Completed = "completed",
    Closed = "closed",
});
codes!(TicketAction {
    SubmitRequirement = "submit_requirement",
    Confirm = "confirm",
    Reject = "reject",
    Deliver = "deliver",
    Accept = "accept",
    Decline = "decline",
    Close = "close",
});

impl Template {
    /// The template a paid order's kind opens, if any.
    pub fn for_kind(kind: Kind) -> Option<Template> {
        match kind {
            Kind::Service => Some(Template::Generic),
            Kind::License => Some(Template::License),
            Kind::Image => None,
        }
    }

    /// The state a new ticket starts in.
    pub fn start(self) -> TicketState {
        match self {
            Template::Generic => TicketState::AwaitingRequirement,
            Template::License => TicketState::AwaitingDelivery,
        }
    }
}

impl TicketState {
    pub fn is_finished(self) -> bool {
        matches!(self, TicketState::Completed | TicketState::Closed)
    }
}

/// Who must act next on a ticket in this state.
pub fn next_actor(state: TicketState) -> Option<Role> {
    use TicketState::*;
    match state {
        AwaitingRequirement | Rejected | AwaitingAcceptance => Some(Role::Buyer),
        AwaitingConfirmation | InService | AwaitingDelivery => Some(Role::Vendor),
        Completed | Closed => None,
    }
}

/// When the vendor's promise runs out: the product's 承诺交付天数 counted
/// from the confirmation of the requirement (nothing can be delivered before).
pub fn due_at(confirmed_at: NaiveDateTime, promised_days: Option<i32>) -> Option<NaiveDateTime> {
    promised_days.map(|days| confirmed_at + Duration::days(i64::from(days)))
}

/// Whether a ticket is past its promised delivery time: only while the
/// vendor still owes the delivery (服务中).
pub fn is_overdue(state: TicketState, due_at: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    state == TicketState::InService && due_at.is_some_and(|due| now > due)
}

/// How long a ticket has waited: its current step until now, or, once it is
/// finished, from its opening to its end (the clock stops).
pub fn waited(
    state: TicketState,
    opened_at: NaiveDateTime,
    state_since: NaiveDateTime,
    now: NaiveDateTime,
) -> Duration {
    if state.is_finished() {
        state_since - opened_at
    } else {
        now - state_since
    }
}

/// The role that takes an action.
fn taker(action: TicketAction) -> TicketActor {
    use TicketAction::*;
    match action {
        SubmitRequirement | Accept | Decline => TicketActor::Person(Role::Buyer),
        Confirm | Reject | Deliver => TicketActor::Person(Role::Vendor),
        Close => TicketActor::System,
    }
}

/// A ticket step as a command: the transition and the event it causes.
pub fn step(
    template: Template,
    state: TicketState,
    action: TicketAction,
    actor: TicketActor,
) -> Result<Transition<TicketState>, TicketRefusal> {
    let next = transition(template, state, action, actor)?;
    Ok(Transition::new(state, next, Event::of_ticket(action)))
}

/// The one transition function of both templates.
pub fn transition(
    template: Template,
    state: TicketState,
    action: TicketAction,
    actor: TicketActor,
) -> Result<TicketState, TicketRefusal> {
    use TicketAction::*;
    use TicketState::*;
    if state.is_finished() {
        return Err(TicketRefusal::Finished);
    }
    if taker(action) != actor {
        return Err(TicketRefusal::NotYours);
    }
    let next = match (template, state, action) {
        (_, _, Close) => Closed,
        (Template::Generic, AwaitingRequirement | Rejected, SubmitRequirement) => {
            AwaitingConfirmation
        }
        (Template::Generic, AwaitingConfirmation, Confirm) => InService,
        (Template::Generic, AwaitingConfirmation, Reject) => Rejected,
        (Template::Generic, InService, Deliver) => AwaitingAcceptance,
        (Template::License, AwaitingDelivery, Deliver) => AwaitingAcceptance,
        (_, AwaitingAcceptance, Accept) => Completed,
        (Template::Generic, AwaitingAcceptance, Decline) => InService,
        (Template::License, AwaitingAcceptance, Decline) => AwaitingDelivery,
        _ => return Err(TicketRefusal::WrongState),
    };
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketAction::*;
    use TicketState::*;

    const BUYER: TicketActor = TicketActor::Person(Role::Buyer);
    const VENDOR: TicketActor = TicketActor::Person(Role::Vendor);
    const OPERATOR: TicketActor = TicketActor::Person(Role::Operator);

    fn step(
        template: Template,
        state: TicketState,
        action: TicketAction,
        actor: TicketActor,
    ) -> Result<TicketState, TicketRefusal> {
        transition(template, state, action, actor)
    }

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    #[test]
    fn a_promise_runs_from_the_confirmation_and_binds_only_in_service() {
        let due = due_at(at(2, 10), Some(7));
        assert_eq!(due, Some(at(9, 10)));
        assert_eq!(due_at(at(2, 10), None), None);
        assert!(!is_overdue(InService, due, at(9, 10)));
        assert!(is_overdue(InService, due, at(9, 11)));
        // Delivered and waiting for acceptance: the vendor has kept its promise.
        assert!(!is_overdue(AwaitingAcceptance, due, at(20, 0)));
        assert!(!is_overdue(Completed, due, at(20, 0)));
        assert!(!is_overdue(InService, None, at(20, 0)));
    }

    #[test]
    fn the_wait_stops_when_the_ticket_finishes() {
        let opened = at(1, 0);
        assert_eq!(
            waited(InService, opened, at(3, 0), at(4, 0)),
            Duration::days(1)
        );
        let finished = waited(Completed, opened, at(5, 0), at(20, 0));
        assert_eq!(finished, Duration::days(4));
        assert_eq!(finished, waited(Completed, opened, at(5, 0), at(30, 0)));
    }

    #[test]
    fn the_generic_template_transition_by_transition() {
        let g = Template::Generic;
        assert_eq!(g.start(), AwaitingRequirement);
        assert_eq!(
            step(g, AwaitingRequirement, SubmitRequirement, BUYER),
            Ok(AwaitingConfirmation)
        );
        assert_eq!(step(g, AwaitingConfirmation, Reject, VENDOR), Ok(Rejected));
        assert_eq!(
            step(g, Rejected, SubmitRequirement, BUYER),
            Ok(AwaitingConfirmation)
        );
        assert_eq!(
            step(g, AwaitingConfirmation, Confirm, VENDOR),
            Ok(InService)
        );
        assert_eq!(step(g, InService, Deliver, VENDOR), Ok(AwaitingAcceptance));
        assert_eq!(step(g, AwaitingAcceptance, Decline, BUYER), Ok(InService));
        assert_eq!(step(g, AwaitingAcceptance, Accept, BUYER), Ok(Completed));
    }

    #[test]
    fn the_license_template_transition_by_transition() {
        let l = Template::License;
        assert_eq!(l.start(), AwaitingDelivery);
        assert_eq!(
            step(l, AwaitingDelivery, Deliver, VENDOR),
            Ok(AwaitingAcceptance)
        );
        assert_eq!(
            step(l, AwaitingAcceptance, Decline, BUYER),
            Ok(AwaitingDelivery)
        );
        assert_eq!(step(l, AwaitingAcceptance, Accept, BUYER), Ok(Completed));
        assert_eq!(
            step(l, AwaitingDelivery, SubmitRequirement, BUYER),
            Err(TicketRefusal::WrongState)
        );
        assert_eq!(
            step(l, AwaitingDelivery, Confirm, VENDOR),
            Err(TicketRefusal::WrongState)
        );
    }

    #[test]
    fn each_role_takes_only_its_own_actions() {
        let g = Template::Generic;
        assert_eq!(
            step(g, AwaitingConfirmation, Confirm, BUYER),
            Err(TicketRefusal::NotYours)
        );
        assert_eq!(
            step(g, AwaitingAcceptance, Accept, VENDOR),
            Err(TicketRefusal::NotYours)
        );
        assert_eq!(
            step(g, AwaitingRequirement, SubmitRequirement, VENDOR),
            Err(TicketRefusal::NotYours)
        );
        assert_eq!(
            step(g, InService, Deliver, OPERATOR),
            Err(TicketRefusal::NotYours)
        );
        assert_eq!(
            step(g, InService, Close, BUYER),
            Err(TicketRefusal::NotYours)
        );
    }

    #[test]
    fn steps_out_of_order_are_refused() {
        let g = Template::Generic;
        // Delivering before confirming; confirming twice; accepting before delivery.
        assert_eq!(
            step(g, AwaitingConfirmation, Deliver, VENDOR),
            Err(TicketRefusal::WrongState)
        );
        assert_eq!(
            step(g, InService, Confirm, VENDOR),
            Err(TicketRefusal::WrongState)
        );
        assert_eq!(
            step(g, InService, Accept, BUYER),
            Err(TicketRefusal::WrongState)
        );
        assert_eq!(
            step(g, AwaitingConfirmation, SubmitRequirement, BUYER),
            Err(TicketRefusal::WrongState)
        );
        assert_eq!(
            step(g, Completed, Accept, BUYER),
            Err(TicketRefusal::Finished)
        );
        assert_eq!(
            step(g, Closed, SubmitRequirement, BUYER),
            Err(TicketRefusal::Finished)
        );
    }

    #[test]
    fn a_refund_closes_any_open_ticket() {
        for (template, state) in [
            (Template::Generic, AwaitingRequirement),
            (Template::Generic, InService),
            (Template::License, AwaitingDelivery),
            (Template::License, AwaitingAcceptance),
        ] {
            assert_eq!(
                step(template, state, Close, TicketActor::System),
                Ok(Closed)
            );
        }
        assert_eq!(
            step(Template::Generic, Completed, Close, TicketActor::System),
            Err(TicketRefusal::Finished)
        );
    }

    #[test]
    fn whoever_must_act_next() {
        assert_eq!(next_actor(AwaitingRequirement), Some(Role::Buyer));
        assert_eq!(next_actor(AwaitingConfirmation), Some(Role::Vendor));
        assert_eq!(next_actor(Rejected), Some(Role::Buyer));
        assert_eq!(next_actor(InService), Some(Role::Vendor));
        assert_eq!(next_actor(AwaitingDelivery), Some(Role::Vendor));
        assert_eq!(next_actor(AwaitingAcceptance), Some(Role::Buyer));
        assert_eq!(next_actor(Completed), None);
        assert_eq!(Template::for_kind(Kind::Service), Some(Template::Generic));
        assert_eq!(Template::for_kind(Kind::License), Some(Template::License));
        assert_eq!(Template::for_kind(Kind::Image), None);
    }

    #[test]
    fn codes_round_trip() {
        for state in [
            AwaitingRequirement,
            AwaitingConfirmation,
            Rejected,
            InService,
            AwaitingDelivery,
            AwaitingAcceptance,
            Completed,
            Closed,
        ] {
            assert_eq!(TicketState::parse(state.as_str()), Some(state));
        }
        for action in [
            SubmitRequirement,
            Confirm,
            Reject,
            Deliver,
            Accept,
            Decline,
            Close,
        ] {
            assert_eq!(TicketAction::parse(action.as_str()), Some(action));
        }
    }
}
