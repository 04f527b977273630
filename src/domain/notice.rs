//! Every state change as an event, and one table of what each causes: who
//! makes it, who hears of it and in what words, which activity log keeps it
//! (the product's or the ticket's) and which operator steps go into the
//! audit log. Commands return these events; `db::effects` writes what the
//! table says, in the change's transaction; a test walks the table so that
//! no change tells only the one who made it (docs/ARCHITECTURE.md).

use super::ticket::TicketAction;

/// Who takes part in a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Buyer,
    Vendor,
    /// Every enabled operator (the review and refund queues are shared).
    Operators,
    /// The marketplace itself: a ticket opened by a payment, a deadline passed.
    System,
}

/// A change of state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    ProductCreated,
    DraftEdited,
    LogoUploaded,
    RevisionSubmitted,
    RevisionWithdrawn,
    RevisionApproved,
    RevisionRejected,
    ProductListed,
    ProductDelisted,
    DelistRequested,
    DelistCarriedOut,
    DelistDeclined,
    OrderPlaced,
    LicenseOrdered,
    OrderRenewed,
    BillingStopped,
    FiveDayRefunded,
    RefundRequested,
    RefundVendorPosition,
    RefundGranted,
    RefundDeclined,
    TicketOpened,
    /// A license order's ticket: the order's notice already asks the vendor to deliver.
    LicenseTicketOpened,
    RequirementSubmitted,
    RequirementConfirmed,
    RequirementRejected,
    Delivered,
    DeliveryAccepted,
    DeliveryDeclined,
    TicketClosed,
    BuyerMessage,
    VendorMessage,
    TicketOverdue,
    StatementReady,
    StatementPaid,
    FeeChanged,
    AccountCreated,
    AccountDisabled,
    AccountEnabled,
    PasswordReset,
}

codes!(Event {
    ProductCreated = "product_created",
    DraftEdited = "draft_edited",
    LogoUploaded = "logo_uploaded",
    RevisionSubmitted = "revision_submitted",
    RevisionWithdrawn = "revision_withdrawn",
    RevisionApproved = "revision_approved",
    RevisionRejected = "revision_rejected",
    ProductListed = "product_listed",
    ProductDelisted = "product_delisted",
    DelistRequested = "delist_requested",
    DelistCarriedOut = "delist_carried_out",
    DelistDeclined = "delist_declined",
    OrderPlaced = "order_placed",
    LicenseOrdered = "license_ordered",
    OrderRenewed = "order_renewed",
    BillingStopped = "billing_stopped",
    FiveDayRefunded = "five_day_refunded",
    RefundRequested = "refund_requested",
    RefundVendorPosition = "refund_vendor_position",
    RefundGranted = "refund_granted",
    RefundDeclined = "refund_declined",
    TicketOpened = "ticket_opened",
    LicenseTicketOpened = "license_ticket_opened",
    RequirementSubmitted = "requirement_submitted",
    RequirementConfirmed = "requirement_confirmed",
    RequirementRejected = "requirement_rejected",
    Delivered = "delivered",
    DeliveryAccepted = "delivery_accepted",
    DeliveryDeclined = "delivery_declined",
    TicketClosed = "ticket_closed",
    BuyerMessage = "buyer_message",
    VendorMessage = "vendor_message",
    TicketOverdue = "ticket_overdue",
    StatementReady = "statement_ready",
    StatementPaid = "statement_paid",
    FeeChanged = "fee_changed",
    AccountCreated = "account_created",
    AccountDisabled = "account_disabled",
    AccountEnabled = "account_enabled",
    PasswordReset = "password_reset",
});

/// What a notice points at; each recipient gets the page of its own role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject<'a> {
    Revision {
        product_id: i64,
        revision_id: i64,
    },
    Product {
        product_id: i64,
    },
    DelistRequest {
        product_id: i64,
    },
    Order {
        order_no: &'a str,
    },
    Refund {
        order_no: &'a str,
        request_id: i64,
    },
    Ticket {
        ticket_id: i64,
    },
    Statement {
        month: &'a str,
    },
    /// An account (the operators' account and fee steps).
    Account {
        account_id: i64,
    },
}

impl<'a> Subject<'a> {
    /// The subject as a notification keeps it: the page it opens is the
    /// web layer's choice, made when the notice is opened.
    pub fn code(&self) -> String {
        match self {
            Subject::Revision {
                product_id,
                revision_id,
            } => format!("revision:{product_id}:{revision_id}"),
            Subject::Product { product_id } => format!("product:{product_id}"),
            Subject::DelistRequest { product_id } => format!("delist:{product_id}"),
            Subject::Order { order_no } => format!("order:{order_no}"),
            // The order number last: it is the one part that is free text.
            Subject::Refund {
                order_no,
                request_id,
            } => format!("refund:{request_id}:{order_no}"),
            Subject::Ticket { ticket_id } => format!("ticket:{ticket_id}"),
            Subject::Statement { month } => format!("statement:{month}"),
            Subject::Account { account_id } => format!("account:{account_id}"),
        }
    }

    /// Reads back what `code` wrote; `None` for anything else.
    pub fn parse(code: &'a str) -> Option<Subject<'a>> {
        let (kind, rest) = code.split_once(':')?;
        let id = |text: &str| text.parse::<i64>().ok();
        let text = |text: &'a str| (!text.is_empty()).then_some(text);
        Some(match kind {
            "revision" => {
                let (product, revision) = rest.split_once(':')?;
                Subject::Revision {
                    product_id: id(product)?,
                    revision_id: id(revision)?,
                }
            }
            "product" => Subject::Product {
                product_id: id(rest)?,
            },
            "delist" => Subject::DelistRequest {
                product_id: id(rest)?,
            },
            "order" => Subject::Order {
                order_no: text(rest)?,
            },
            "refund" => {
                let (request, order_no) = rest.split_once(':')?;
                Subject::Refund {
                    order_no: text(order_no)?,
                    request_id: id(request)?,
                }
            }
            "ticket" => Subject::Ticket {
                ticket_id: id(rest)?,
            },
            "statement" => Subject::Statement { month: text(rest)? },
            "account" => Subject::Account {
                account_id: id(rest)?,
            },
            _ => return None,
        })
    }
}

impl Event {
    /// Who makes the change.
    pub fn actor(self) -> Party {
        use Event::*;
        match self {
            ProductCreated | DraftEdited | LogoUploaded | RevisionWithdrawn => Party::Vendor,
            FeeChanged | AccountCreated | AccountDisabled | AccountEnabled | PasswordReset => {
                Party::Operators
            }
            RevisionSubmitted | DelistRequested | RefundVendorPosition | VendorMessage => {
                Party::Vendor
            }
            RequirementConfirmed | RequirementRejected | Delivered => Party::Vendor,
            RevisionApproved | RevisionRejected | ProductListed | ProductDelisted => {
                Party::Operators
            }
            DelistCarriedOut | DelistDeclined | RefundGranted | RefundDeclined => Party::Operators,
            StatementReady | StatementPaid => Party::Operators,
            OrderPlaced | LicenseOrdered | OrderRenewed | BillingStopped | FiveDayRefunded => {
                Party::Buyer
            }
            RefundRequested | RequirementSubmitted | DeliveryAccepted | DeliveryDeclined => {
                Party::Buyer
            }
            BuyerMessage => Party::Buyer,
            TicketOpened | LicenseTicketOpened | TicketClosed | TicketOverdue => Party::System,
        }
    }

    /// Who must hear of it, each with the notice kind that words it
    /// (`views::labels::notice_text` turns a kind into the reader's language).
    pub fn audience(self) -> &'static [(Party, &'static str)] {
        use Event::*;
        use Party::*;
        match self {
            // Kept in a log only: the vendor's own drafts, and the
            // operators' account and fee steps.
            ProductCreated | DraftEdited | LogoUploaded | RevisionWithdrawn => &[],
            FeeChanged | AccountCreated | AccountDisabled | AccountEnabled | PasswordReset => &[],
            LicenseTicketOpened => &[],
            RevisionSubmitted => &[(Operators, "revision.submitted")],
            RevisionApproved => &[(Vendor, "revision.approved")],
            RevisionRejected => &[(Vendor, "revision.rejected")],
            ProductListed => &[(Vendor, "product.listed")],
            ProductDelisted => &[(Vendor, "product.delisted")],
            DelistRequested => &[(Operators, "delist.requested")],
            DelistCarriedOut => &[(Vendor, "delist.done")],
            DelistDeclined => &[(Vendor, "delist.declined")],
            OrderPlaced => &[(Vendor, "order.new")],
            LicenseOrdered => &[(Vendor, "order.new_license")],
            OrderRenewed => &[(Vendor, "order.renewed")],
            BillingStopped => &[(Vendor, "order.billing_stopped")],
            FiveDayRefunded => &[(Vendor, "refund.vendor")],
            // The vendor hears of a negotiated request so that it can say
            // whether it agrees before an operator decides.
            RefundRequested => &[
                (Operators, "refund.requested"),
                (Vendor, "refund.requested_vendor"),
            ],
            RefundVendorPosition => &[(Operators, "refund.vendor_position")],
            RefundGranted => &[(Buyer, "refund.done"), (Vendor, "refund.vendor")],
            RefundDeclined => &[
                (Buyer, "refund.declined"),
                (Vendor, "refund.declined_vendor"),
            ],
            TicketOpened => &[(Buyer, "ticket.requirement_needed")],
            RequirementSubmitted => &[(Vendor, "ticket.submit_requirement")],
            RequirementConfirmed => &[(Buyer, "ticket.confirm")],
            RequirementRejected => &[(Buyer, "ticket.reject")],
            Delivered => &[(Buyer, "ticket.deliver")],
            DeliveryAccepted => &[(Vendor, "ticket.accept")],
            DeliveryDeclined => &[(Vendor, "ticket.decline")],
            TicketClosed => &[(Buyer, "ticket.close"), (Vendor, "ticket.close")],
            BuyerMessage => &[(Vendor, "ticket.message")],
            VendorMessage => &[(Buyer, "ticket.message")],
            TicketOverdue => &[(Vendor, "ticket.overdue")],
            StatementReady => &[(Vendor, "settlement.ready")],
            StatementPaid => &[(Vendor, "settlement.paid")],
        }
    }

    /// The action it records in its product's activity log, if it is a
    /// product's change.
    pub fn product_log(self) -> Option<&'static str> {
        use Event::*;
        Some(match self {
            ProductCreated => "created",
            DraftEdited => "edited",
            LogoUploaded => "logo_uploaded",
            RevisionSubmitted => "submitted",
            RevisionWithdrawn => "withdrawn",
            RevisionApproved => "approved",
            RevisionRejected => "rejected",
            ProductListed => "listed",
            ProductDelisted | DelistCarriedOut => "delisted",
            DelistRequested => "delist_requested",
            DelistDeclined => "delist_declined",
            _ => return None,
        })
    }

    /// The action it records in its ticket's log, if it is a ticket's change.
    pub fn ticket_log(self) -> Option<&'static str> {
        use Event::*;
        Some(match self {
            TicketOpened | LicenseTicketOpened => "opened",
            TicketOverdue => "overdue",
            BuyerMessage | VendorMessage => "message",
            RequirementSubmitted => TicketAction::SubmitRequirement.as_str(),
            RequirementConfirmed => TicketAction::Confirm.as_str(),
            RequirementRejected => TicketAction::Reject.as_str(),
            Delivered => TicketAction::Deliver.as_str(),
            DeliveryAccepted => TicketAction::Accept.as_str(),
            DeliveryDeclined => TicketAction::Decline.as_str(),
            TicketClosed => TicketAction::Close.as_str(),
            _ => return None,
        })
    }

    /// The operators' audit log action, for the steps operators answer for.
    pub fn audit(self) -> Option<&'static str> {
        use Event::*;
        Some(match self {
            RevisionApproved => "revision.approve",
            RevisionRejected => "revision.reject",
            ProductListed => "product.list",
            ProductDelisted => "product.delist",
            DelistCarriedOut => "delist.carry_out",
            DelistDeclined => "delist.decline",
            RefundGranted => "refund.grant",
            RefundDeclined => "refund.decline",
            StatementPaid => "settlement.paid",
            FeeChanged => "settlement.fee",
            AccountCreated => "account.create",
            AccountDisabled => "account.disable",
            AccountEnabled => "account.enable",
            PasswordReset => "account.password_reset",
            _ => return None,
        })
    }

    /// The event of a ticket step, told by the step's action.
    pub fn of_ticket(action: TicketAction) -> Event {
        match action {
            TicketAction::SubmitRequirement => Event::RequirementSubmitted,
            TicketAction::Confirm => Event::RequirementConfirmed,
            TicketAction::Reject => Event::RequirementRejected,
            TicketAction::Deliver => Event::Delivered,
            TicketAction::Accept => Event::DeliveryAccepted,
            TicketAction::Decline => Event::DeliveryDeclined,
            TicketAction::Close => Event::TicketClosed,
        }
    }
}

/// One subject of every kind, for the tests here and of the pages they open.
#[cfg(test)]
pub fn every_subject() -> Vec<Subject<'static>> {
    vec![
        Subject::Revision {
            product_id: 3,
            revision_id: 9,
        },
        Subject::Product { product_id: 3 },
        Subject::DelistRequest { product_id: 3 },
        Subject::Order { order_no: "N1" },
        Subject::Refund {
            order_no: "N1:2",
            request_id: 5,
        },
        Subject::Ticket { ticket_id: 4 },
        Subject::Statement { month: "2026-10" },
        Subject::Account { account_id: 7 },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The changes no one else needs to hear of: a vendor's own drafts, and
    /// the operators' account and fee steps (the audit log keeps those).
    const KEPT_IN_A_LOG_ONLY: [Event; 10] = [
        Event::LicenseTicketOpened,
        Event::ProductCreated,
        Event::DraftEdited,
        Event::LogoUploaded,
        Event::RevisionWithdrawn,
        Event::FeeChanged,
        Event::AccountCreated,
        Event::AccountDisabled,
        Event::AccountEnabled,
        Event::PasswordReset,
    ];

    #[test]
    fn every_change_is_kept_somewhere() {
        for event in Event::ALL {
            let logged = event.product_log().is_some()
                || event.ticket_log().is_some()
                || event.audit().is_some();
            let told = !event.audience().is_empty();
            assert!(logged || told, "{event:?} leaves no trace");
        }
        for event in KEPT_IN_A_LOG_ONLY {
            assert!(event.audience().is_empty(), "{event:?}");
            assert!(
                event.product_log().is_some()
                    || event.ticket_log().is_some()
                    || event.audit().is_some()
            );
        }
    }

    #[test]
    fn every_operator_step_is_audited() {
        for event in Event::ALL {
            if event.actor() == Party::Operators && *event != Event::StatementReady {
                assert!(event.audit().is_some(), "{event:?} is not audited");
            }
        }
    }

    #[test]
    fn every_change_tells_someone_other_than_the_one_who_made_it() {
        for event in Event::ALL {
            let audience = event.audience();
            if KEPT_IN_A_LOG_ONLY.contains(event) {
                continue;
            }
            assert!(!audience.is_empty(), "{event:?} tells no one");
            for (party, kind) in audience {
                assert_ne!(*party, event.actor(), "{event:?} tells its own actor");
                assert_ne!(*party, Party::System, "{event:?} tells the system");
                assert!(kind.contains('.'), "{event:?}: kind {kind}");
            }
        }
    }

    #[test]
    fn the_ticket_steps_tell_the_other_side() {
        use TicketAction::*;
        let expected = [
            (SubmitRequirement, Party::Vendor),
            (Confirm, Party::Buyer),
            (Reject, Party::Buyer),
            (Deliver, Party::Buyer),
            (Accept, Party::Vendor),
            (Decline, Party::Vendor),
        ];
        for (action, hears) in expected {
            let event = Event::of_ticket(action);
            let parties: Vec<Party> = event.audience().iter().map(|(p, _)| *p).collect();
            assert_eq!(parties, vec![hears], "{action:?}");
        }
        let closed = Event::of_ticket(Close);
        assert_eq!(closed.audience().len(), 2);
    }

    #[test]
    fn subjects_are_kept_as_codes_and_read_back() {
        for subject in every_subject() {
            let code = subject.code();
            assert_eq!(Subject::parse(&code), Some(subject), "{code}");
        }
        for bad in [
            "",
            "order",
            "order:",
            "ticket:x",
            "revision:1",
            "refund:5",
            "tea:1",
        ] {
            assert_eq!(Subject::parse(bad), None, "{bad}");
        }
    }
}
