use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};

use super::*;
use crate::domain::refusal::Refusal;

fn utc(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn month(text: &str) -> Month {
    Month::parse(text).unwrap()
}

fn billable(id: i64, order_type: OrderType, kind: Kind, billing: Billing, paid: &str) -> Billable {
    Billable {
        order_id: id,
        order_type,
        kind,
        billing,
        paid_at: utc(paid),
        amount_fen: 9900,
        unit_price_fen: 9900,
        started_at: utc(paid),
        stopped_at: None,
        ticket: None,
        refunds: Vec::new(),
        reorder_of: None,
    }
}

fn image(id: i64, paid: &str) -> Billable {
    billable(id, OrderType::Purchase, Kind::Image, Billing::Prepaid, paid)
}

fn refund(order_id: i64, kind: RefundKind, amount_fen: i64, at: &str) -> Refund {
    Refund {
        order_id,
        kind,
        amount_fen,
        at: utc(at),
    }
}

fn statement(orders: &[Billable], text: &str) -> Vec<Line> {
    let m = month(text);
    month_lines(orders, m, m.end())
}

#[test]
fn months_are_china_calendar_months() {
    let october = month("2026-10");
    assert_eq!(october.start(), utc("2026-09-30 16:00:00"));
    assert_eq!(october.end(), utc("2026-10-31 16:00:00"));
    assert_eq!(october.to_string(), "2026-10");
    assert_eq!(month("2026-12").next(), month("2027-01"));
    assert_eq!(month("2027-01").previous(), month("2026-12"));
    // 23:30 on 31 October in China is still October; 00:30 on 1 November is not.
    assert_eq!(Month::of(utc("2026-10-31 15:30:00")), october);
    assert_eq!(Month::of(utc("2026-10-31 16:30:00")), month("2026-11"));
    assert!(october.has_ended(utc("2026-10-31 16:00:00")));
    assert!(!october.has_ended(utc("2026-10-31 15:59:59")));
    assert_eq!(
        month("2026-03").last(4),
        vec![
            month("2025-12"),
            month("2026-01"),
            month("2026-02"),
            month("2026-03")
        ]
    );
    for bad in [
        "2026-13", "2026-00", "2026-1", "26-10", "1999-12", "2026/10", "", "abcd-ef",
    ] {
        assert_eq!(Month::parse(bad), None, "{bad}");
    }
}

#[test]
fn a_prepaid_image_purchase_is_billed_when_its_five_day_window_closes() {
    // Paid 28 October 10:00 China time: the window closes 2 November 10:00.
    let order = image(1, "2026-10-28 02:00:00");
    let october = statement(std::slice::from_ref(&order), "2026-10");
    assert_eq!(october.len(), 1);
    assert_eq!(october[0].kind, LineKind::Pending);
    assert_eq!(october[0].note, LineNote::RefundWindowOpen);
    assert_eq!(october[0].at, utc("2026-11-02 02:00:00"));
    assert_eq!(totals(&october, 0).gross_fen, 0);

    let november = statement(&[order], "2026-11");
    assert_eq!(november.len(), 1);
    assert_eq!(november[0].kind, LineKind::ImagePurchase);
    assert_eq!(november[0].amount_fen, 9900);
    assert_eq!(totals(&november, 0).gross_fen, 9900);
}

#[test]
fn a_renewal_is_billed_in_the_month_paid() {
    let renewal = billable(
        2,
        OrderType::Renew,
        Kind::Image,
        Billing::Prepaid,
        "2026-10-31 15:00:00",
    );
    let lines = statement(std::slice::from_ref(&renewal), "2026-10");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].kind, LineKind::Renewal);
    assert!(statement(&[renewal], "2026-11").is_empty());
}

#[test]
fn hourly_use_bills_each_started_hour_in_the_month_it_starts() {
    // Starts 31 October 23:30 China time; stopped 1 November 01:10.
    let mut order = billable(
        3,
        OrderType::Purchase,
        Kind::Image,
        Billing::Hourly,
        "2026-10-31 15:30:00",
    );
    order.amount_fen = 0;
    order.unit_price_fen = 110;
    order.stopped_at = Some(utc("2026-10-31 17:10:00"));
    let october = statement(std::slice::from_ref(&order), "2026-10");
    assert_eq!((october[0].hours, october[0].amount_fen), (1, 110));
    // Hours starting 00:30 and 01:30… only 00:30 starts before 01:10.
    let november = statement(std::slice::from_ref(&order), "2026-11");
    assert_eq!((november[0].hours, november[0].amount_fen), (1, 110));
    // Still running: every hour of the month.
    order.stopped_at = None;
    let november = statement(&[order], "2026-11");
    assert_eq!(november[0].hours, 30 * 24);
    assert_eq!(november[0].kind, LineKind::Hourly);
}

#[test]
fn hours_starting_between_counts_hour_starts() {
    let start = utc("2026-10-01 00:20:00");
    assert_eq!(
        hours_starting_between(start, start, start + Duration::minutes(1)),
        1
    );
    assert_eq!(
        hours_starting_between(start, start, start + Duration::hours(1)),
        1
    );
    assert_eq!(
        hours_starting_between(start, start, start + Duration::seconds(3601)),
        2
    );
    assert_eq!(
        hours_starting_between(
            start,
            utc("2026-10-01 01:00:00"),
            utc("2026-10-01 03:00:00")
        ),
        2
    );
    assert_eq!(
        hours_starting_between(
            start,
            utc("2026-10-02 00:00:00"),
            utc("2026-10-01 00:00:00")
        ),
        0
    );
}

#[test]
fn services_and_licenses_are_billed_when_their_ticket_completes() {
    let mut service = billable(
        4,
        OrderType::Purchase,
        Kind::Service,
        Billing::OneTime,
        "2026-09-20 00:00:00",
    );
    service.ticket = Some(TicketOutcome::Open);
    let september = statement(std::slice::from_ref(&service), "2026-09");
    assert_eq!(september[0].kind, LineKind::Pending);
    assert_eq!(september[0].note, LineNote::TicketOpen);
    assert_eq!(totals(&september, 0).gross_fen, 0);

    service.ticket = Some(TicketOutcome::Completed(utc("2026-10-05 00:00:00")));
    // Completed after September ended: still pending in September's statement.
    assert_eq!(
        statement(std::slice::from_ref(&service), "2026-09")[0].kind,
        LineKind::Pending
    );
    let october = statement(std::slice::from_ref(&service), "2026-10");
    assert_eq!(october[0].kind, LineKind::Service);
    assert_eq!(october[0].at, utc("2026-10-05 00:00:00"));

    let mut license = service.clone();
    license.kind = Kind::License;
    assert_eq!(statement(&[license], "2026-10")[0].kind, LineKind::License);

    // Closed by a full refund: neither billed nor pending afterwards.
    service.ticket = Some(TicketOutcome::Closed(utc("2026-09-25 00:00:00")));
    service.refunds = vec![refund(
        40,
        RefundKind::Negotiated,
        9900,
        "2026-09-25 00:00:00",
    )];
    assert!(statement(std::slice::from_ref(&service), "2026-10").is_empty());
    assert!(statement(&[service], "2026-09").is_empty());
}

#[test]
fn a_negotiated_refund_before_billing_is_billed_net_and_after_billing_deducted() {
    let mut service = billable(
        5,
        OrderType::Purchase,
        Kind::Service,
        Billing::Prepaid,
        "2026-09-01 00:00:00",
    );
    service.ticket = Some(TicketOutcome::Completed(utc("2026-10-10 00:00:00")));
    service.refunds = vec![
        refund(50, RefundKind::Negotiated, 1000, "2026-09-15 00:00:00"),
        refund(51, RefundKind::Negotiated, 2000, "2026-11-03 00:00:00"),
    ];
    let october = statement(std::slice::from_ref(&service), "2026-10");
    assert_eq!(october.len(), 1);
    assert_eq!(
        (
            october[0].paid_fen,
            october[0].refunded_fen,
            october[0].amount_fen
        ),
        (9900, 1000, 8900)
    );
    let november = statement(&[service], "2026-11");
    assert_eq!(november.len(), 1);
    assert_eq!(november[0].kind, LineKind::Deduction);
    assert_eq!(november[0].refund_order_id, Some(51));
    assert_eq!(november[0].amount_fen, -2000);
    assert_eq!(totals(&november, 0).gross_fen, -2000);
}

#[test]
fn a_five_day_refund_excludes_the_refund_the_purchase_and_the_reorder() {
    let mut purchase = image(6, "2026-10-10 00:00:00");
    purchase.refunds = vec![refund(60, RefundKind::FiveDay, 9900, "2026-10-12 00:00:00")];
    let mut reorder = image(61, "2026-10-13 00:00:00");
    reorder.reorder_of = Some(60);
    let orders = [purchase, reorder];
    let october = statement(&orders, "2026-10");
    let excluded: Vec<(i64, LineNote)> = october
        .iter()
        .filter(|line| line.kind == LineKind::Excluded)
        .map(|line| (line.order_id, line.note))
        .collect();
    assert_eq!(
        excluded,
        vec![
            (6, LineNote::RefundedWithinFiveDays),
            (60, LineNote::FiveDayRefundOrder),
            (61, LineNote::Reorder),
        ]
    );
    assert_eq!(october.len(), 3);
    assert_eq!(totals(&october, 0).gross_fen, 0);
    // The re-order's window closes in October too, and it is still not billed later.
    assert!(statement(&orders, "2026-11").is_empty());
}

#[test]
fn a_preview_sees_only_what_happened_before_now() {
    let mut hourly = billable(
        7,
        OrderType::Purchase,
        Kind::Image,
        Billing::Hourly,
        "2026-11-01 00:00:00",
    );
    hourly.unit_price_fen = 100;
    let now = utc("2026-11-01 10:30:00");
    let lines = month_lines(&[hourly], month("2026-11"), now);
    assert_eq!(lines[0].hours, 11);
    assert!(lines.iter().all(|line| line.at < now));
}

#[test]
fn totals_take_the_fee_in_basis_points_rounded_to_the_fen() {
    let line = |amount_fen, kind| Line {
        amount_fen,
        ..Line::new(kind, 1, utc("2026-10-01 00:00:00"))
    };
    let lines = [
        line(9900, LineKind::ImagePurchase),
        line(5462, LineKind::Renewal),
        line(-1000, LineKind::Deduction),
        line(777, LineKind::Pending),
    ];
    let sums = totals(&lines, 250);
    assert_eq!(sums.gross_fen, 14362);
    // 2.5 % of ¥143.62 is 359.05 fen: 359.
    assert_eq!((sums.fee_fen, sums.net_fen), (359, 14003));
    assert_eq!(totals(&lines, 0).net_fen, 14362);
    // Half a fen rounds away from zero, for deductions too.
    assert_eq!(totals(&[line(2, LineKind::Renewal)], 2500).fee_fen, 1);
    assert_eq!(totals(&[line(-2, LineKind::Deduction)], 2500).fee_fen, -1);
    assert_eq!(totals(&[], 500), Totals::default());
}

#[test]
fn a_deficit_is_carried_until_sales_cover_it() {
    let sums = |net_fen| Totals {
        gross_fen: net_fen,
        fee_fen: 0,
        net_fen,
    };
    // A month of refunds only: nothing to pay, the deficit goes forward.
    assert_eq!(payable(sums(-5000), 0), -5000);
    assert!(is_deficit(-5000));
    // The next month's sales cover part of it: still carried.
    assert_eq!(payable(sums(3000), -5000), -2000);
    // And then all of it.
    assert_eq!(payable(sums(2500), -2000), 500);
    assert!(!is_deficit(500));
    // Exactly nothing left is a statement of ¥0, not a deficit.
    assert_eq!(payable(sums(2000), -2000), 0);
    assert!(!is_deficit(0));
}

#[test]
fn fee_rates_read_as_percentages() {
    assert_eq!(parse_fee_percent("2.5"), Some(250));
    assert_eq!(parse_fee_percent("0"), Some(0));
    assert_eq!(parse_fee_percent("12.34%"), Some(1234));
    assert_eq!(parse_fee_percent("100"), Some(10_000));
    for bad in ["100.01", "-1", "1.234", "", "abc", "1e3", ".5", "1000"] {
        assert_eq!(parse_fee_percent(bad), None, "{bad}");
    }
    assert_eq!(format_fee_percent(250), "2.5%");
    assert_eq!(format_fee_percent(1234), "12.34%");
    assert_eq!(format_fee_percent(0), "0%");
    assert_eq!(format_fee_percent(5), "0.05%");
}

/// SplitMix64: random histories that are the same for the same seed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn after(&mut self, at: NaiveDateTime, within: Duration) -> NaiveDateTime {
        at + Duration::seconds(self.below(within.num_seconds().max(1) as u64) as i64)
    }
}

/// Negotiated refunds after `from`, never more than the amount in all.
fn negotiated_refunds(
    dice: &mut Dice,
    next_id: &mut i64,
    amount: i64,
    from: NaiveDateTime,
    horizon: NaiveDateTime,
) -> Vec<Refund> {
    let mut refunds = Vec::new();
    let mut left = amount;
    let mut at = from;
    for _ in 0..dice.below(3) {
        if left == 0 || at >= horizon {
            break;
        }
        at = dice.after(at, (horizon - at) / 2 + Duration::seconds(1));
        if at >= horizon {
            break;
        }
        let amount_fen = 1 + dice.below(left as u64) as i64;
        left -= amount_fen;
        *next_id += 1;
        refunds.push(Refund {
            order_id: *next_id,
            kind: RefundKind::Negotiated,
            amount_fen,
            at,
        });
    }
    refunds
}

/// A random vendor history over `months`, every event before the horizon.
fn random_history(dice: &mut Dice, first: Month, months: u32) -> Vec<Billable> {
    let start = first.start();
    let mut last = first;
    for _ in 1..months {
        last = last.next();
    }
    let horizon = last.end();
    let span = horizon - start;
    let mut next_id = 0;
    let mut orders = Vec::new();
    for _ in 0..(5 + dice.below(40)) {
        next_id += 1;
        let paid_at = dice.after(start, span);
        let amount_fen = 1 + dice.below(200_000) as i64;
        let (order_type, kind, billing) = match dice.below(6) {
            0 | 1 => (OrderType::Purchase, Kind::Image, Billing::Prepaid),
            2 => (OrderType::Purchase, Kind::Image, Billing::Hourly),
            3 => (OrderType::Renew, Kind::Image, Billing::Prepaid),
            4 => (OrderType::Purchase, Kind::Service, Billing::OneTime),
            _ => (OrderType::Purchase, Kind::License, Billing::Prepaid),
        };
        let mut order = Billable {
            order_id: next_id,
            order_type,
            kind,
            billing,
            paid_at,
            amount_fen: if billing == Billing::Hourly {
                0
            } else {
                amount_fen
            },
            unit_price_fen: 1 + dice.below(500) as i64,
            started_at: paid_at,
            stopped_at: None,
            ticket: None,
            refunds: Vec::new(),
            reorder_of: None,
        };
        match (kind, billing, order_type) {
            (_, Billing::Hourly, _) => {
                if dice.chance(50) {
                    order.stopped_at = Some(dice.after(paid_at, horizon - paid_at));
                }
            }
            (Kind::Image, _, OrderType::Purchase) if dice.chance(30) => {
                // 五天无理由, then perhaps a re-order within five days.
                let at = dice.after(paid_at, Duration::days(5));
                if at < horizon {
                    next_id += 1;
                    let refund_id = next_id;
                    order.refunds.push(Refund {
                        order_id: refund_id,
                        kind: RefundKind::FiveDay,
                        amount_fen: order.amount_fen,
                        at,
                    });
                    let reordered_at = dice.after(at, Duration::days(5));
                    if dice.chance(60) && reordered_at < horizon {
                        next_id += 1;
                        let mut reorder = order.clone();
                        reorder.order_id = next_id;
                        reorder.paid_at = reordered_at;
                        reorder.started_at = reordered_at;
                        reorder.refunds = negotiated_refunds(
                            dice,
                            &mut next_id,
                            amount_fen,
                            reordered_at,
                            horizon,
                        );
                        reorder.reorder_of = Some(refund_id);
                        orders.push(reorder);
                    }
                }
            }
            (Kind::Service | Kind::License, _, _) => {
                order.refunds =
                    negotiated_refunds(dice, &mut next_id, amount_fen, paid_at, horizon);
                let refunded: i64 = order.refunds.iter().map(|r| r.amount_fen).sum();
                let done = dice.after(paid_at, Duration::days(60));
                order.ticket = Some(if refunded == amount_fen {
                    TicketOutcome::Closed(order.refunds.last().map_or(paid_at, |r| r.at))
                } else if dice.chance(70) && done < horizon {
                    TicketOutcome::Completed(done)
                } else {
                    TicketOutcome::Open
                });
            }
            _ => {
                order.refunds =
                    negotiated_refunds(dice, &mut next_id, amount_fen, paid_at, horizon);
            }
        }
        orders.push(order);
    }
    orders
}

/// What an order must have contributed once every month up to `horizon` is settled.
fn expected_contribution(order: &Billable, horizon: NaiveDateTime) -> i64 {
    let excluded =
        order.reorder_of.is_some() || order.refunds.iter().any(|r| r.kind == RefundKind::FiveDay);
    if excluded {
        return 0;
    }
    if order.billing == Billing::Hourly {
        let stop = order.stopped_at.unwrap_or(horizon).min(horizon);
        return started_hours(order.started_at, stop) * order.unit_price_fen;
    }
    match bill_moment(order) {
        Some(at) if at < horizon => {
            order.amount_fen - order.refunds.iter().map(|r| r.amount_fen).sum::<i64>()
        }
        _ => 0,
    }
}

/// The property: over all statements, each order contributes exactly what was
/// paid minus what was refunded, once, unless excluded; nothing is billed
/// before it may be; no bill key repeats.
#[test]
fn every_order_is_settled_exactly_once_across_random_histories() {
    let first = month("2025-11");
    let months = 6;
    let mut kinds_seen = HashSet::new();
    for seed in 0..400 {
        let mut dice = Dice(seed);
        let orders = random_history(&mut dice, first, months);
        let by_id: HashMap<i64, &Billable> = orders.iter().map(|o| (o.order_id, o)).collect();
        let mut contributed: HashMap<i64, i64> = HashMap::new();
        let mut keys = HashSet::new();
        let mut excluded_lines: HashMap<i64, usize> = HashMap::new();
        let mut month = first;
        for _ in 0..months {
            for line in month_lines(&orders, month, month.end()) {
                assert!(
                    line.kind == LineKind::Pending || Month::of(line.at) == month,
                    "seed {seed}: {line:?} shown in {month}"
                );
                kinds_seen.insert(line.kind);
                if let Some(part) = line.bill_part(month) {
                    let key = (line.order_id, part);
                    assert!(keys.insert(key), "seed {seed}: {key:?} twice");
                }
                if line.kind == LineKind::Excluded {
                    *excluded_lines.entry(line.order_id).or_default() += 1;
                }
                if !line.kind.is_billed() {
                    assert_eq!(line.amount_fen, 0, "seed {seed}: {line:?}");
                    continue;
                }
                *contributed.entry(line.order_id).or_default() += line.amount_fen;
                let order = by_id[&line.order_id];
                match line.kind {
                    LineKind::Hourly | LineKind::Deduction => {}
                    _ => assert_eq!(
                        Some(line.at),
                        bill_moment(order),
                        "seed {seed}: billed before it may be: {line:?}"
                    ),
                }
                if line.kind == LineKind::ImagePurchase {
                    assert!(line.at >= order.paid_at + Duration::days(5));
                }
            }
            month = month.next();
        }
        let horizon = month.start();
        for order in &orders {
            assert_eq!(
                contributed.get(&order.order_id).copied().unwrap_or(0),
                expected_contribution(order, horizon),
                "seed {seed}: order {order:?}"
            );
            let excluded = order.reorder_of.is_some()
                || order.refunds.iter().any(|r| r.kind == RefundKind::FiveDay);
            if excluded {
                assert_eq!(excluded_lines.get(&order.order_id), Some(&1), "seed {seed}");
            }
        }
    }
    // The histories reach every kind of line, so the property is not vacuous.
    assert_eq!(kinds_seen.len(), LineKind::ALL.len(), "{kinds_seen:?}");
}

#[test]
fn bill_parts_name_what_is_billed_once() {
    let m = month("2026-10");
    assert_eq!(m.number(), 202_610);
    let at = utc("2026-10-02 00:00:00");
    let mut line = Line::new(LineKind::Hourly, 9, at);
    assert_eq!(line.bill_part(m), Some(202_610));
    line.kind = LineKind::Renewal;
    assert_eq!(line.bill_part(m), Some(0));
    line.kind = LineKind::Excluded;
    assert_eq!(line.bill_part(m), Some(1));
    line.kind = LineKind::Deduction;
    line.refund_order_id = Some(12);
    assert_eq!(line.bill_part(m), Some(-12));
    line.kind = LineKind::Pending;
    assert_eq!(line.bill_part(m), None);
}

#[test]
fn groups_show_their_first_lines_and_count_them_all() {
    let at = utc("2026-10-02 00:00:00");
    let line = |kind, amount_fen| Line {
        amount_fen,
        ..Line::new(kind, 1, at)
    };
    let mut lines: Vec<Line> = (0..7).map(|_| line(LineKind::Hourly, 110)).collect();
    lines.push(line(LineKind::Deduction, -500));
    let groups = group_lines(lines, 5);
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].lines.len(), 5);
    assert_eq!((groups[0].count, groups[0].hidden()), (7, 2));
    assert_eq!(groups[0].subtotal_fen, 770);
    assert_eq!((groups[1].count, groups[1].subtotal_fen), (1, -500));
    assert!(!group_lines(vec![line(LineKind::Pending, 0)], 5)[0].is_billed());
}

#[test]
fn a_ready_statement_is_paid_once_and_a_carried_deficit_never() {
    let paid = pay(StatementState::Ready, 1200).unwrap();
    assert_eq!(paid.to, StatementState::Paid);
    assert_eq!(
        paid.events,
        vec![crate::domain::notice::Event::StatementPaid]
    );
    assert_eq!(pay(StatementState::Paid, 1200), Err(Refusal::StatementPaid));
    assert_eq!(pay(StatementState::Ready, -1), Err(Refusal::NothingToPay));
    assert_eq!(pay(StatementState::Ready, 0), Err(Refusal::NothingToPay));
}

#[test]
fn a_month_s_hourly_line_starts_at_its_first_billed_hour() {
    let started = utc("2026-01-15 02:30:00");
    let february = month("2026-02");
    // 2026-02-01 00:00 in China is 2026-01-31 16:00 UTC; hours start at :30.
    assert_eq!(
        first_hour_from(started, february.start()),
        utc("2026-01-31 16:30:00")
    );
    assert_eq!(
        first_hour_from(started, utc("2026-01-01 00:00:00")),
        started
    );
    assert_eq!(
        first_hour_from(utc("2026-01-31 15:00:00"), february.start()),
        february.start()
    );
    // An hour starting 0.3 s before February counts in February, from its
    // first second: the line says so, and is the month's start plus the phase.
    let just_before = utc("2026-01-31 15:59:59") + Duration::milliseconds(700);
    assert_eq!(
        first_hour_from(just_before, february.start()),
        february.start()
    );
    let late = utc("2026-01-10 03:20:05") + Duration::microseconds(1);
    assert_eq!(
        first_hour_from(late, february.start()),
        february.start() + Duration::seconds(start_phase(late))
    );
    assert_eq!(
        first_hour_from(late, utc("2026-01-01 00:00:00")),
        utc("2026-01-10 03:20:06")
    );
}

#[test]
fn a_running_subscription_s_hours_so_far_follow_from_its_phase() {
    // Every start before the month, every second of an hour and a day, is
    // counted as `hours_starting_between` counts it.
    let november = month("2026-11");
    let mut rng = crate::seed::SeedRng::new(5);
    for _ in 0..2000 {
        let start = november.start()
            - Duration::seconds(1 + rng.below(90 * 86_400) as i64)
            - Duration::microseconds(rng.below(2) as i64 * rng.below(1_000_000) as i64);
        let until = november.start() + Duration::seconds(rng.below(30 * 86_400) as i64);
        assert_eq!(
            hours_in_month_so_far(start_phase(start), november, until),
            hours_starting_between(start, november.start(), until),
            "{start} until {until}"
        );
    }
    assert_eq!(hours_in_month_so_far(0, november, november.start()), 0);
    assert_eq!(hours_in_month_so_far(0, november, november.end()), 30 * 24);
}
