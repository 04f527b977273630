//! Refunds (订单退款): the five-day no-reason refund, stopping hourly billing,
//! and negotiated refunds. Pure rules; `now` is a parameter.

use chrono::{Duration, NaiveDateTime};

use super::Transition;
use super::notice::Event;
use super::order::{OrderStatus, OrderType};
use super::product::{Billing, Kind};
use super::refusal::Refusal;

/// How long after payment the no-reason refund stays open: 5 × 24 hours.
pub const FIVE_DAYS: Duration = Duration::hours(5 * 24);

/// What the refund rules need to know about an order.
#[derive(Debug, Clone, Copy)]
pub struct OrderFacts {
    pub order_type: OrderType,
    pub kind: Kind,
    pub billing: Billing,
    pub status: OrderStatus,
    pub amount_fen: i64,
    pub refunded_fen: i64,
    pub paid_at: NaiveDateTime,
}

/// Which refund a refund order records; settlement treats each differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundKind {
    /// 五天无理由: excluded from settlement with the purchase it refunds.
    FiveDay,
    /// Decided by an operator: deducted once billed, else billed net.
    Negotiated,
    /// Hourly billing stopped (amount 0).
    Stop,
}

codes!(RefundKind {
    FiveDay = "five_day",
    Negotiated = "negotiated",
    Stop = "stop",
});

/// Where a negotiated refund request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestState {
    /// Waiting for an operator's decision.
    Open,
    /// Granted: the refund order was made.
    Refunded,
    Declined,
}

codes!(RequestState {
    Open = "open",
    Refunded = "refunded",
    Declined = "declined",
});

/// The vendor's position on a negotiated refund request. The refund is made
/// after staff and the vendor agree offline; the operator still decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorPosition {
    Agrees,
    Disagrees,
}

codes!(VendorPosition {
    Agrees = "agrees",
    Disagrees = "disagrees",
});

/// 重新订购单: whether a purchase placed at `now` re-orders a product the
/// buyer five-day-refunded at `refunded_at`: the first purchase of it since,
/// within 5 × 24 hours. Such a purchase takes no part in settlement.
pub fn is_reorder(refunded_at: NaiveDateTime, bought_since: bool, now: NaiveDateTime) -> bool {
    !bought_since && now >= refunded_at && now <= refunded_at + FIVE_DAYS
}

/// Why a refund is not possible, to tell the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundRefusal {
    /// Only purchases, not renewals or refund orders.
    NotAPurchase,
    /// Only prepaid (包年包月) orders.
    NotPrepaid,
    /// Only machine images.
    NotAnImage,
    /// Already refunded (in full, or partly by negotiation).
    AlreadyRefunded,
    /// More than 5 × 24 hours since payment; the deadline passed.
    WindowClosed { deadline: NaiveDateTime },
    /// Stopping billing is for hourly purchases.
    NotHourly,
    /// Nothing left to refund.
    NothingLeft,
    /// An amount of zero, or more than what is left.
    BadAmount { remaining_fen: i64 },
}

/// The no-reason refund's deadline for an order paid at `paid_at`.
pub fn five_day_deadline(paid_at: NaiveDateTime) -> NaiveDateTime {
    paid_at + FIVE_DAYS
}

/// 五天无理由: a prepaid image purchase, not refunded at all, asked within
/// 5 × 24 hours of payment (the deadline itself included). Returns the deadline.
pub fn five_day_refund(
    order: &OrderFacts,
    now: NaiveDateTime,
) -> Result<NaiveDateTime, RefundRefusal> {
    if order.order_type != OrderType::Purchase {
        return Err(RefundRefusal::NotAPurchase);
    }
    if order.kind != Kind::Image {
        return Err(RefundRefusal::NotAnImage);
    }
    if order.billing != Billing::Prepaid {
        return Err(RefundRefusal::NotPrepaid);
    }
    if order.status == OrderStatus::Refunded || order.refunded_fen > 0 {
        return Err(RefundRefusal::AlreadyRefunded);
    }
    let deadline = five_day_deadline(order.paid_at);
    if now > deadline {
        return Err(RefundRefusal::WindowClosed { deadline });
    }
    Ok(deadline)
}

/// Stopping an hourly subscription: its purchase, not yet refunded.
pub fn stop_billing(order: &OrderFacts) -> Result<(), RefundRefusal> {
    if order.order_type != OrderType::Purchase {
        return Err(RefundRefusal::NotAPurchase);
    }
    if order.billing != Billing::Hourly {
        return Err(RefundRefusal::NotHourly);
    }
    if order.status == OrderStatus::Refunded {
        return Err(RefundRefusal::AlreadyRefunded);
    }
    Ok(())
}

/// What is left to refund on an order.
pub fn remaining_fen(order: &OrderFacts) -> i64 {
    (order.amount_fen - order.refunded_fen).max(0)
}

/// Whether a buyer may ask for a negotiated refund: a paid purchase or
/// renewal with money left on it.
pub fn may_request_refund(order: &OrderFacts) -> Result<(), RefundRefusal> {
    if order.order_type == OrderType::Refund {
        return Err(RefundRefusal::NotAPurchase);
    }
    if order.status == OrderStatus::Refunded || remaining_fen(order) == 0 {
        return Err(RefundRefusal::NothingLeft);
    }
    Ok(())
}

/// The amount an operator refunds: more than zero, at most what is left.
pub fn check_refund_amount(order: &OrderFacts, amount_fen: i64) -> Result<i64, RefundRefusal> {
    let remaining = remaining_fen(order);
    if remaining == 0 {
        return Err(RefundRefusal::NothingLeft);
    }
    if amount_fen <= 0 || amount_fen > remaining {
        return Err(RefundRefusal::BadAmount {
            remaining_fen: remaining,
        });
    }
    Ok(amount_fen)
}

/// What a refund does to the order it refunds: the refund order's kind and
/// amount, the order's status and refunded sum before and after (the store
/// updates the order only if both are still as read), and whether the
/// order's subscription ends and its service ticket closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refunding {
    pub kind: RefundKind,
    pub amount_fen: i64,
    /// The order's status, and the events the refund causes of itself.
    pub status: Transition<OrderStatus>,
    pub refunded_fen_before: i64,
    pub refunded_fen_after: i64,
    pub ends_service: bool,
}

/// `amount_fen` more refunded on `order`; it is 已退款 once nothing is left.
fn refunding(
    order: &OrderFacts,
    kind: RefundKind,
    amount_fen: i64,
    events: Vec<Event>,
) -> Refunding {
    let after = order.refunded_fen + amount_fen;
    let in_full = after >= order.amount_fen;
    Refunding {
        kind,
        amount_fen,
        status: Transition {
            from: order.status,
            to: if in_full {
                OrderStatus::Refunded
            } else {
                order.status
            },
            events,
        },
        refunded_fen_before: order.refunded_fen,
        refunded_fen_after: after,
        ends_service: in_full,
    }
}

/// 五天无理由, as a command: the whole amount back, the service ends.
pub fn refund_within_five_days(
    order: &OrderFacts,
    now: NaiveDateTime,
) -> Result<Refunding, RefundRefusal> {
    five_day_refund(order, now)?;
    Ok(refunding(
        order,
        RefundKind::FiveDay,
        order.amount_fen,
        vec![Event::FiveDayRefunded],
    ))
}

/// Stopping hourly billing, as a command: a refund of nothing that ends the
/// subscription (what was used is billed by the hour until now).
pub fn stop(order: &OrderFacts) -> Result<Refunding, RefundRefusal> {
    stop_billing(order)?;
    Ok(Refunding {
        kind: RefundKind::Stop,
        amount_fen: 0,
        status: Transition::new(order.status, OrderStatus::Refunded, Event::BillingStopped),
        refunded_fen_before: order.refunded_fen,
        refunded_fen_after: order.refunded_fen,
        ends_service: true,
    })
}

/// What an operator decided on a negotiated refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Refund { amount_fen: i64 },
    Decline { note: String },
}

/// Deciding an open request: it becomes refunded (with the refund it makes)
/// or declined. A request decided already is a step someone took first.
pub fn decide(
    request: RequestState,
    order: &OrderFacts,
    decision: &Decision,
) -> Result<(Transition<RequestState>, Option<Refunding>), Refusal> {
    if request != RequestState::Open {
        return Err(Refusal::StateChanged);
    }
    Ok(match decision {
        Decision::Refund { amount_fen } => {
            let amount = check_refund_amount(order, *amount_fen)?;
            let refund = refunding(order, RefundKind::Negotiated, amount, Vec::new());
            let granted = Transition::new(request, RequestState::Refunded, Event::RefundGranted);
            (granted, Some(refund))
        }
        Decision::Decline { .. } => (
            Transition::new(request, RequestState::Declined, Event::RefundDeclined),
            None,
        ),
    })
}

/// The vendor's word on an open request (given again, it replaces the
/// last): the request stays open, the operators hear of it.
pub fn answer_request(request: RequestState) -> Result<Transition<RequestState>, Refusal> {
    if request != RequestState::Open {
        return Err(Refusal::StateChanged);
    }
    Ok(Transition::new(
        request,
        request,
        Event::RefundVendorPosition,
    ))
}

/// The seed's seven cases in which a refund after five days is possible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundReason {
    /// 服务商未按期服务或服务中出现人为拖欠。
    NotServedOnTime,
    /// 服务商描述的商品功能及服务与实际不符。
    NotAsDescribed,
    /// 因服务能力或商品质量无法满足用户要求或无法履行服务。
    CannotDeliver,
    /// 因服务商公司破产、倒闭、转型等导致的业务终止。
    VendorClosed,
    /// 预留联系电话、邮件、传真均无法联络到服务商。
    VendorUnreachable,
    /// 因用户原因需要终止后续未开展的服务。
    BuyerEndsUnstarted,
    /// 其他符合全额退款规定，但不限于以上条目。
    Other,
}

impl RefundReason {
    pub const ALL: [RefundReason; 7] = [
        RefundReason::NotServedOnTime,
        RefundReason::NotAsDescribed,
        RefundReason::CannotDeliver,
        RefundReason::VendorClosed,
        RefundReason::VendorUnreachable,
        RefundReason::BuyerEndsUnstarted,
        RefundReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RefundReason::NotServedOnTime => "late",
            RefundReason::NotAsDescribed => "not_as_described",
            RefundReason::CannotDeliver => "cannot_deliver",
            RefundReason::VendorClosed => "vendor_closed",
            RefundReason::VendorUnreachable => "vendor_unreachable",
            RefundReason::BuyerEndsUnstarted => "buyer_ends",
            RefundReason::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<RefundReason> {
        RefundReason::ALL
            .into_iter()
            .find(|reason| reason.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn paid() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    fn prepaid_image() -> OrderFacts {
        OrderFacts {
            order_type: OrderType::Purchase,
            kind: Kind::Image,
            billing: Billing::Prepaid,
            status: OrderStatus::Paid,
            amount_fen: 9900,
            refunded_fen: 0,
            paid_at: paid(),
        }
    }

    #[test]
    fn the_window_is_five_times_twenty_four_hours_to_the_second() {
        let deadline = paid() + Duration::hours(120);
        assert_eq!(
            five_day_refund(&prepaid_image(), deadline - Duration::seconds(1)),
            Ok(deadline)
        );
        assert_eq!(five_day_refund(&prepaid_image(), deadline), Ok(deadline));
        assert_eq!(
            five_day_refund(&prepaid_image(), deadline + Duration::seconds(1)),
            Err(RefundRefusal::WindowClosed { deadline })
        );
        assert_eq!(five_day_refund(&prepaid_image(), paid()), Ok(deadline));
    }

    #[test]
    fn only_unrefunded_prepaid_image_purchases_qualify() {
        let now = paid() + Duration::hours(1);
        let renewal = OrderFacts {
            order_type: OrderType::Renew,
            ..prepaid_image()
        };
        assert_eq!(
            five_day_refund(&renewal, now),
            Err(RefundRefusal::NotAPurchase)
        );
        let hourly = OrderFacts {
            billing: Billing::Hourly,
            ..prepaid_image()
        };
        assert_eq!(
            five_day_refund(&hourly, now),
            Err(RefundRefusal::NotPrepaid)
        );
        for kind in [Kind::Service, Kind::License] {
            let other = OrderFacts {
                kind,
                billing: Billing::OneTime,
                ..prepaid_image()
            };
            assert_eq!(five_day_refund(&other, now), Err(RefundRefusal::NotAnImage));
            let prepaid_license = OrderFacts {
                kind,
                ..prepaid_image()
            };
            assert_eq!(
                five_day_refund(&prepaid_license, now),
                Err(RefundRefusal::NotAnImage)
            );
        }
        let refunded = OrderFacts {
            status: OrderStatus::Refunded,
            refunded_fen: 9900,
            ..prepaid_image()
        };
        assert_eq!(
            five_day_refund(&refunded, now),
            Err(RefundRefusal::AlreadyRefunded)
        );
        let partly = OrderFacts {
            refunded_fen: 100,
            ..prepaid_image()
        };
        assert_eq!(
            five_day_refund(&partly, now),
            Err(RefundRefusal::AlreadyRefunded)
        );
        let refund_order = OrderFacts {
            order_type: OrderType::Refund,
            ..prepaid_image()
        };
        assert_eq!(
            five_day_refund(&refund_order, now),
            Err(RefundRefusal::NotAPurchase)
        );
    }

    #[test]
    fn billing_stops_for_hourly_purchases_once() {
        let hourly = OrderFacts {
            billing: Billing::Hourly,
            amount_fen: 0,
            ..prepaid_image()
        };
        assert_eq!(stop_billing(&hourly), Ok(()));
        assert_eq!(
            stop_billing(&prepaid_image()),
            Err(RefundRefusal::NotHourly)
        );
        let stopped = OrderFacts {
            status: OrderStatus::Refunded,
            ..hourly
        };
        assert_eq!(stop_billing(&stopped), Err(RefundRefusal::AlreadyRefunded));
    }

    #[test]
    fn negotiated_refunds_never_exceed_what_is_left() {
        let order = OrderFacts {
            refunded_fen: 4000,
            ..prepaid_image()
        };
        assert_eq!(remaining_fen(&order), 5900);
        assert_eq!(check_refund_amount(&order, 5900), Ok(5900));
        assert_eq!(check_refund_amount(&order, 1), Ok(1));
        assert_eq!(
            check_refund_amount(&order, 5901),
            Err(RefundRefusal::BadAmount {
                remaining_fen: 5900
            })
        );
        assert_eq!(
            check_refund_amount(&order, 0),
            Err(RefundRefusal::BadAmount {
                remaining_fen: 5900
            })
        );
        let done = OrderFacts {
            refunded_fen: 9900,
            status: OrderStatus::Refunded,
            ..prepaid_image()
        };
        assert_eq!(
            check_refund_amount(&done, 1),
            Err(RefundRefusal::NothingLeft)
        );
        assert_eq!(may_request_refund(&done), Err(RefundRefusal::NothingLeft));
        assert_eq!(may_request_refund(&order), Ok(()));
        let hourly = OrderFacts {
            billing: Billing::Hourly,
            amount_fen: 0,
            ..prepaid_image()
        };
        assert_eq!(may_request_refund(&hourly), Err(RefundRefusal::NothingLeft));
    }

    #[test]
    fn the_seven_reasons_round_trip() {
        for reason in RefundReason::ALL {
            assert_eq!(RefundReason::parse(reason.code()), Some(reason));
        }
        assert_eq!(RefundReason::parse("because"), None);
    }

    #[test]
    fn a_partial_refund_keeps_the_order_paid_and_the_rest_ends_it() {
        let order = prepaid_image();
        let partial = Decision::Refund { amount_fen: 4000 };
        let (answer, refund) = decide(RequestState::Open, &order, &partial).unwrap();
        assert_eq!(answer.to, RequestState::Refunded);
        assert_eq!(answer.events, vec![Event::RefundGranted]);
        let refund = refund.unwrap();
        assert_eq!(refund.status.to, OrderStatus::Paid);
        assert_eq!(
            (refund.refunded_fen_before, refund.refunded_fen_after),
            (0, 4000)
        );
        assert!(!refund.ends_service);
        let rest = OrderFacts {
            refunded_fen: 4000,
            ..order
        };
        let (_, refund) = decide(
            RequestState::Open,
            &rest,
            &Decision::Refund { amount_fen: 5900 },
        )
        .unwrap();
        let refund = refund.unwrap();
        assert_eq!(refund.status.to, OrderStatus::Refunded);
        assert!(refund.ends_service);
        assert_eq!(
            decide(
                RequestState::Open,
                &rest,
                &Decision::Refund { amount_fen: 5901 }
            ),
            Err(Refusal::Refund(RefundRefusal::BadAmount {
                remaining_fen: 5900
            }))
        );
    }

    #[test]
    fn a_decided_request_is_not_decided_or_answered_again() {
        let decline = Decision::Decline { note: "no".into() };
        for state in [RequestState::Refunded, RequestState::Declined] {
            assert_eq!(
                decide(state, &prepaid_image(), &decline),
                Err(Refusal::StateChanged)
            );
            assert_eq!(answer_request(state), Err(Refusal::StateChanged));
        }
        let (declined, refund) = decide(RequestState::Open, &prepaid_image(), &decline).unwrap();
        assert_eq!(declined.to, RequestState::Declined);
        assert_eq!(declined.events, vec![Event::RefundDeclined]);
        assert!(refund.is_none());
    }

    #[test]
    fn the_five_day_refund_and_stopping_end_the_service() {
        let now = paid() + Duration::hours(1);
        let refund = refund_within_five_days(&prepaid_image(), now).unwrap();
        assert_eq!(refund.amount_fen, 9900);
        assert_eq!(refund.status.to, OrderStatus::Refunded);
        assert_eq!(refund.status.events, vec![Event::FiveDayRefunded]);
        assert!(refund.ends_service);
        let hourly = OrderFacts {
            billing: Billing::Hourly,
            amount_fen: 0,
            ..prepaid_image()
        };
        let stopped = stop(&hourly).unwrap();
        assert_eq!(
            (stopped.amount_fen, stopped.status.to),
            (0, OrderStatus::Refunded)
        );
        assert_eq!(stopped.status.events, vec![Event::BillingStopped]);
        assert!(stopped.ends_service);
    }
}
