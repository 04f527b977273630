//! Why a step did not happen: the one refusal every command returns. Each
//! refusal knows how it answers (the user's mistake, not theirs to take, or
//! a state that moved on) and its words in the reader's language, so a
//! handler renders any step's outcome the same way (`error::AppError::Refused`).

use super::money::format_yuan;
use super::order::PurchaseRefusal;
use super::product::StepRefusal;
use super::refund::RefundRefusal;
use super::settlement::Month;
use super::ticket::TicketRefusal;
use super::time::format_china;
use crate::i18n::{Catalogue, fill};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Product(StepRefusal),
    Purchase(PurchaseRefusal),
    Refund(RefundRefusal),
    Ticket(TicketRefusal),
    /// Someone else changed it first: a double submit, two tabs, another operator.
    StateChanged,
    /// A negotiated refund request for this order is open already.
    RefundAlreadyOpen,
    /// This checkout was paid already; nothing was written.
    CheckoutPaid,
    /// Statements are made once the month is over.
    MonthNotOver {
        month: Month,
    },
    /// The statement was marked paid already.
    StatementPaid,
    /// A ¥0 or carried statement: there is nothing to pay.
    NothingToPay,
}

/// How a refusal answers, whatever the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The user's to fix (400).
    BadInput,
    /// Not this user's to do (403).
    NotYours,
    /// The state moved on since the page was shown (409).
    Conflict,
}

impl Refusal {
    pub fn answer(self) -> Answer {
        use Refusal::*;
        match self {
            Product(StepRefusal::WrongState)
            | Purchase(PurchaseRefusal::PriceChanged)
            | Refund(RefundRefusal::AlreadyRefunded)
            | Ticket(TicketRefusal::WrongState | TicketRefusal::Finished)
            | StateChanged
            | RefundAlreadyOpen
            | CheckoutPaid
            | StatementPaid
            | NothingToPay => Answer::Conflict,
            Ticket(TicketRefusal::NotYours) => Answer::NotYours,
            Product(_) | Purchase(_) | Refund(_) | MonthNotOver { .. } => Answer::BadInput,
        }
    }

    /// The user's words for it.
    pub fn message(self, t: &Catalogue) -> String {
        use Refusal::*;
        match self {
            Product(refusal) => match refusal {
                StepRefusal::NoPlan => t.err_submit_no_plan,
                StepRefusal::NoLogo => t.err_submit_no_logo,
                StepRefusal::WrongState => t.state_changed,
            }
            .into(),
            Purchase(refusal) => match refusal {
                PurchaseRefusal::NotListed => t.not_buyable,
                PurchaseRefusal::UnknownPlan => t.unknown_plan,
                PurchaseRefusal::BadTerm => t.bad_term,
                PurchaseRefusal::PriceChanged => t.price_changed,
                PurchaseRefusal::NotRenewable => t.not_renewable,
            }
            .into(),
            Refund(refusal) => refund_message(t, refusal),
            Ticket(refusal) => match refusal {
                TicketRefusal::NotYours => t.err_ticket_not_yours,
                TicketRefusal::WrongState => t.err_ticket_wrong_state,
                TicketRefusal::Finished => t.err_ticket_finished,
            }
            .into(),
            StateChanged | CheckoutPaid => t.state_changed.into(),
            RefundAlreadyOpen => t.refund_already_open.into(),
            MonthNotOver { month } => fill(t.settle_not_over, &[("month", &month.to_string())]),
            StatementPaid => t.statement_already_paid.into(),
            NothingToPay => t.statement_nothing_to_pay.into(),
        }
    }
}

fn refund_message(t: &Catalogue, refusal: RefundRefusal) -> String {
    use RefundRefusal as R;
    match refusal {
        R::NotAPurchase => t.refuse_not_purchase.into(),
        R::NotPrepaid => t.refuse_not_prepaid.into(),
        R::NotAnImage => t.refuse_not_image.into(),
        R::AlreadyRefunded => t.refuse_already_refunded.into(),
        R::WindowClosed { deadline } => fill(
            t.refuse_window_closed,
            &[("deadline", &format_china(deadline))],
        ),
        R::NotHourly => t.refuse_not_hourly.into(),
        R::NothingLeft => t.refuse_nothing_left.into(),
        R::BadAmount { remaining_fen } => fill(
            t.refuse_bad_amount,
            &[("remaining", &format_yuan(remaining_fen))],
        ),
    }
}

macro_rules! refusal_from {
    ($($area:ident($refusal:ty)),+) => {
        $(impl From<$refusal> for Refusal {
            fn from(refusal: $refusal) -> Refusal {
                Refusal::$area(refusal)
            }
        })+
    };
}

refusal_from!(
    Product(StepRefusal),
    Purchase(PurchaseRefusal),
    Refund(RefundRefusal),
    Ticket(TicketRefusal)
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn every_refusal_has_words_in_both_languages() {
        let samples = [
            Refusal::Product(StepRefusal::NoLogo),
            Refusal::Purchase(PurchaseRefusal::BadTerm),
            Refusal::Refund(RefundRefusal::BadAmount { remaining_fen: 150 }),
            Refusal::Ticket(TicketRefusal::Finished),
            Refusal::StateChanged,
            Refusal::RefundAlreadyOpen,
            Refusal::MonthNotOver {
                month: Month::parse("2026-11").unwrap(),
            },
            Refusal::StatementPaid,
            Refusal::NothingToPay,
        ];
        for refusal in samples {
            let zh = refusal.message(Lang::Zh.catalogue());
            let en = refusal.message(Lang::En.catalogue());
            assert!(!zh.is_empty() && !en.is_empty(), "{refusal:?}");
            assert_ne!(zh, en, "{refusal:?} has one text for both");
            assert!(
                !zh.contains('{') && !en.contains('{'),
                "{refusal:?} unfilled"
            );
        }
        assert!(
            Refusal::Refund(RefundRefusal::BadAmount { remaining_fen: 150 })
                .message(Lang::Zh.catalogue())
                .contains("1.5")
        );
    }

    #[test]
    fn a_moved_state_is_a_conflict_and_a_missing_prerequisite_is_bad_input() {
        assert_eq!(
            Refusal::Product(StepRefusal::WrongState).answer(),
            Answer::Conflict
        );
        assert_eq!(
            Refusal::Product(StepRefusal::NoPlan).answer(),
            Answer::BadInput
        );
        assert_eq!(
            Refusal::Ticket(TicketRefusal::NotYours).answer(),
            Answer::NotYours
        );
        assert_eq!(
            Refusal::Purchase(PurchaseRefusal::PriceChanged).answer(),
            Answer::Conflict
        );
    }
}
